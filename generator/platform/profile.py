"""CloudFront Functions runtime profiles as data (one table per runtime).

The static checker (jscheck) and the emulator's run-time pruning both read these
tables, so "what cloudfront-js-X supports" is written down exactly once.

Rule for built-in members: what the AWS runtime pages list for that runtime
(DG/functions-javascript-runtime-10.html and -20.html), plus the ES5.1 members the
engine itself needs (toString, valueOf, RegExp accessors) and charCodeAt (AWS samples
use it). Everything else is deleted from the built-ins before the function runs.
docs/fidelity.md lists each difference from CloudFront and njs, with its test.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

JS1 = "cloudfront-js-1.0"
JS2 = "cloudfront-js-2.0"
RUNTIMES = (JS1, JS2)


@dataclass(frozen=True)
class RuntimeProfile:
    name: str
    node_types: frozenset[str]          # esprima node types accepted anywhere
    binary_operators: frozenset[str]
    assignment_operators: frozenset[str]
    unary_operators: frozenset[str]
    declaration_kinds: frozenset[str]   # var | let | const
    allow_async: bool                   # async function handler / await
    allow_import: bool
    import_modules: frozenset[str]      # `import x from 'NAME'`
    require_modules: frozenset[str]     # `require('NAME')`
    regex_flags: frozenset[str]
    globals: frozenset[str]             # global names that exist at run time
    members: Mapping[str, frozenset[str]]  # "Array" / "Array.prototype" -> allowed own names
    string_byte_methods: bool           # 1.0 String.bytesFrom & co.
    digest_default: str                 # what digest() without encoding returns: "buffer" | "bytestring"
    numeric_separators: bool = False    # 1_000 (2.0 only)
    logical_operators: frozenset[str] = frozenset({"||", "&&"})  # no ?? in either runtime
    # "async arguments and closures are not supported" (AWS, runtime 2.0 page): `await` inside
    # the arguments of a call or `new`, and async functions other than top-level declarations
    await_in_arguments: bool = False
    async_closures: bool = False
    optional_catch_binding: bool = False  # `catch {` (ES2019): refused by both runtimes
    raw_query_string: bool = False      # event.request.rawQueryString() (2.0)
    # a KeyValueStore associated with the function, read with cf.kvs() (2.0): lookups, spilled routes
    key_value_store: bool = False
    # cf.updateRequestOrigin / cf.selectRequestOriginById (2.0; viewer-request functions only)
    origin_helpers: bool = False


# Names every built-in object keeps (structural, not API surface).
STRUCTURAL = frozenset({"length", "name", "prototype", "constructor", "__proto__",
                        "arguments", "caller"})

_NODES_COMMON = frozenset("""
Program ExpressionStatement BlockStatement EmptyStatement ReturnStatement LabeledStatement
BreakStatement ContinueStatement IfStatement SwitchStatement SwitchCase ThrowStatement
TryStatement CatchClause WhileStatement DoWhileStatement ForStatement ForInStatement
FunctionDeclaration VariableDeclaration VariableDeclarator ThisExpression ArrayExpression
ObjectExpression Property FunctionExpression ArrowFunctionExpression SequenceExpression
UnaryExpression BinaryExpression AssignmentExpression UpdateExpression LogicalExpression
ConditionalExpression CallExpression NewExpression MemberExpression Identifier Literal
TemplateLiteral TemplateElement RestElement Directive
""".split())

# The edge's own wording for refusals whose text is known (njs, from which CloudFront's
# engine descends, prints exactly these; public incident reports quote them from CloudFront).
MSG_AWAIT_IN_ARGUMENTS = "await in arguments not supported"
MSG_OPTIONAL_CATCH = 'Token "{" not supported in this version'
MSG_AWAIT_OUTSIDE_ASYNC = "await is only valid in async functions"
DOC_ASYNC = ("AWS: \"await can be used inside async functions only. async arguments and closures are not "
             "supported\" (DG/functions-javascript-runtime-20.html)")

# Human names for the syntax a profile rejects (node type -> feature name).
FEATURE_NAMES: Mapping[str, str] = MappingProxyType({
    "ForOfStatement": "for-of", "ClassDeclaration": "class", "ClassExpression": "class",
    "ClassBody": "class", "MethodDefinition": "class", "Super": "super",
    "ArrayPattern": "destructuring", "ObjectPattern": "destructuring",
    "AssignmentPattern": "default parameter", "SpreadElement": "spread",
    "YieldExpression": "yield", "TaggedTemplateExpression": "tagged template",
    "MetaProperty": "new.target", "DebuggerStatement": "debugger",
    "WithStatement": "with", "AwaitExpression": "await",
    "ImportDeclaration": "import", "ExportNamedDeclaration": "export",
    "ExportDefaultDeclaration": "export", "ExportAllDeclaration": "export",
    "Import": "dynamic import()", "FieldDefinition": "class fields",
    "ChainExpression": "optional chaining (?.)",
})

_BINARY = frozenset("== != === !== < <= > >= << >> >>> + - * / % | ^ & in instanceof **".split())
_ASSIGN = frozenset("= += -= *= /= %= <<= >>= >>>= |= ^= &= **=".split())
_UNARY = frozenset("- + ! ~ typeof void delete".split())

_GLOBALS_COMMON = frozenset("""
Object Function Array String Number Boolean Symbol Math JSON Date RegExp Promise
Error EvalError InternalError RangeError ReferenceError SyntaxError TypeError URIError
ArrayBuffer Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array
Uint32Array Float32Array Float64Array globalThis decodeURI decodeURIComponent encodeURI
encodeURIComponent isFinite isNaN parseFloat parseInt NaN Infinity undefined console
eval require
""".split())

# Well-known globals that neither runtime has (for clear static messages).
UNSUPPORTED_GLOBALS = frozenset("""
Map Set WeakMap WeakSet WeakRef FinalizationRegistry Proxy Reflect BigInt BigInt64Array
BigUint64Array Float16Array SharedArrayBuffer Atomics Intl WebAssembly Iterator
AggregateError SuppressedError DisposableStack AsyncDisposableStack setTimeout
setInterval setImmediate clearTimeout clearInterval clearImmediate queueMicrotask
structuredClone fetch XMLHttpRequest process performance escape unescape DOMException
DataView TextEncoder TextDecoder atob btoa Buffer MemoryError
""".split())


def _s(text: str) -> frozenset[str]:
    return frozenset(text.split())


_OBJECT_ES5 = "create defineProperty defineProperties freeze getOwnPropertyDescriptor getOwnPropertyNames getPrototypeOf isExtensible isFrozen isSealed keys preventExtensions seal"
_MATH = ("E LN10 LN2 LOG10E LOG2E PI SQRT1_2 SQRT2 abs acos asin atan atan2 ceil cos exp floor log max min pow random round sin sqrt tan "
         "acosh asinh atanh cbrt clz32 cosh expm1 fround hypot imul log10 log1p log2 sign sinh tanh trunc")
# charCodeAt is not in either page's list but every AWS sample that hashes uses it (and njs has it);
# localeCompare / toLocaleLowerCase / toLocaleUpperCase are ES5.1 but listed by neither page and
# absent from njs 0.7.9: gone.
_STRING_PROTO = ("charAt charCodeAt concat indexOf lastIndexOf match replace search slice split substr substring "
                 "toLowerCase toUpperCase toString trim valueOf "
                 "codePointAt endsWith includes repeat startsWith padStart padEnd trimStart trimEnd")
_ARRAY_PROTO = ("concat join pop push reverse shift slice sort splice unshift indexOf lastIndexOf every some forEach map "
                "filter reduce reduceRight toString copyWithin fill find findIndex includes")
# "All ES 5.1 Date features" (both pages), so the toLocale*String methods stay (njs 0.7.9 has them)
_DATE_PROTO = ("getDate getDay getFullYear getHours getMilliseconds getMinutes getMonth getSeconds getTime getTimezoneOffset "
               "getUTCDate getUTCDay getUTCFullYear getUTCHours getUTCMilliseconds getUTCMinutes getUTCMonth getUTCSeconds "
               "setDate setFullYear setHours setMilliseconds setMinutes setMonth setSeconds setTime setUTCDate setUTCFullYear "
               "setUTCHours setUTCMilliseconds setUTCMinutes setUTCMonth setUTCSeconds toDateString toISOString toJSON "
               "toLocaleDateString toLocaleString toLocaleTimeString toString toTimeString toUTCString valueOf")
# RegExp.prototype accessors are used internally by split/replace/matchAll, so they stay
# in both runtimes (documented gap: `re.flags` is readable in 1.0).
_REGEXP_PROTO = "exec test toString source global ignoreCase multiline flags sticky unicode dotAll hasIndices unicodeSets"
# 1.0 page: copyWithin fill join set slice subarray toString; 2.0 page adds the iteration methods
# (no toLocaleString, entries, keys or values in either)
_TYPED_PROTO_10 = "copyWithin fill join set slice subarray toString buffer byteLength byteOffset length"
_TYPED_PROTO_20 = (_TYPED_PROTO_10 + " every filter find findIndex forEach includes indexOf "
                   "lastIndexOf map reduce reduceRight reverse some sort")
_DATAVIEW_PROTO = ("buffer byteLength byteOffset getInt8 getUint8 getInt16 getUint16 getInt32 getUint32 getFloat32 "
                   "getFloat64 setInt8 setUint8 setInt16 setUint16 setInt32 setUint32 setFloat32 setFloat64")


def _members(v2: bool) -> Mapping[str, frozenset[str]]:
    m = {
        "Object": _s(_OBJECT_ES5 + " assign entries values is setPrototypeOf" + (" getOwnPropertyDescriptors" if v2 else "")),
        "Object.prototype": _s("hasOwnProperty isPrototypeOf propertyIsEnumerable toString valueOf"),
        "Function.prototype": _s("apply bind call toString"),
        "String": _s("fromCharCode fromCodePoint" + ("" if v2 else " bytesFrom")),
        "String.prototype": _s(_STRING_PROTO + (" replaceAll" if v2 else " fromBytes fromUTF8 toBytes toUTF8")),
        "Number": _s("EPSILON MAX_SAFE_INTEGER MIN_SAFE_INTEGER MAX_VALUE MIN_VALUE NaN NEGATIVE_INFINITY "
                     "POSITIVE_INFINITY isFinite isInteger isNaN isSafeInteger parseInt parseFloat"),
        "Number.prototype": _s("toExponential toFixed toPrecision toString valueOf"),
        "Boolean.prototype": _s("toString valueOf"),
        "Math": _s(_MATH),
        "Array": _s("isArray of"),
        "Array.prototype": _s(_ARRAY_PROTO),
        "Date": _s("now parse UTC"),
        "Date.prototype": _s(_DATE_PROTO),
        "RegExp": _s(""),
        "RegExp.prototype": _s(_REGEXP_PROTO),
        "JSON": _s("parse stringify"),
        "Promise": _s("resolve reject" + (" all allSettled any race" if v2 else "")),
        "Promise.prototype": _s("then catch finally"),
        "Symbol": _s("iterator asyncIterator hasInstance isConcatSpreadable match matchAll replace search species "
                     "split toPrimitive toStringTag unscopables" + (" for keyFor" if v2 else "")),
        "Symbol.prototype": _s("toString valueOf description"),
        "Error": _s("stackTraceLimit"),  # engine-internal: QuickJS needs it to record stack frames
        "Error.prototype": _s("message name toString stack"),
        "ArrayBuffer": _s("isView"),
        "ArrayBuffer.prototype": _s("slice byteLength"),
        "%TypedArray%": _s("from of" if v2 else ""),
        "%TypedArray%.prototype": _s(_TYPED_PROTO_20 if v2 else _TYPED_PROTO_10),
    }
    if v2:
        m["DataView.prototype"] = _s(_DATAVIEW_PROTO)
    return MappingProxyType(m)


# Method names that only built-ins define, checked on any receiver (`s.localeCompare(t)`, where the
# static `String.prototype.x` check cannot see the type): a use is a warning when a table named
# lacks it in the runtime, since the call then throws "not a function" (the message names the
# tables). toLocaleString stays on Date only, so `new Date().toLocaleString()` is not warned about.
INSTANCE_METHODS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    **{n: ("String.prototype",) for n in ("localeCompare toLocaleLowerCase toLocaleUpperCase replaceAll matchAll "
                                          "normalize toUTF8 fromUTF8 toBytes fromBytes").split()},
    "toLocaleString": ("Object.prototype", "Array.prototype", "Number.prototype", "%TypedArray%.prototype"),
})

_NODES_20 = _NODES_COMMON | {"ImportDeclaration", "ImportDefaultSpecifier", "ImportSpecifier",
                             "ImportNamespaceSpecifier", "AwaitExpression"}

PROFILES: Mapping[str, RuntimeProfile] = MappingProxyType({
    JS1: RuntimeProfile(
        name=JS1, node_types=_NODES_COMMON, binary_operators=_BINARY,
        assignment_operators=_ASSIGN, unary_operators=_UNARY, declaration_kinds=frozenset({"var"}),
        allow_async=False, allow_import=False, import_modules=frozenset(),
        require_modules=frozenset({"crypto", "querystring"}), regex_flags=frozenset("gim"),
        globals=_GLOBALS_COMMON | {"MemoryError"}, members=_members(False),
        string_byte_methods=True, digest_default="bytestring"),
    JS2: RuntimeProfile(
        name=JS2, node_types=_NODES_20, binary_operators=_BINARY,
        assignment_operators=_ASSIGN, unary_operators=_UNARY,
        declaration_kinds=frozenset({"var", "let", "const"}), allow_async=True, allow_import=True,
        import_modules=frozenset({"cloudfront", "crypto", "querystring"}),
        require_modules=frozenset({"crypto", "querystring"}), regex_flags=frozenset("gimy"),
        globals=_GLOBALS_COMMON | {"DataView", "TextEncoder", "TextDecoder", "atob", "btoa", "Buffer"},
        members=_members(True), string_byte_methods=False, digest_default="buffer",
        numeric_separators=True, raw_query_string=True, key_value_store=True, origin_helpers=True),
})
#: the runtime a KeyValueStore needs (named in messages)
KVS_RUNTIME = next(p.name for p in PROFILES.values() if p.key_value_store)
#: the runtime the origin helpers need (named in messages)
ORIGIN_RUNTIME = next(p.name for p in PROFILES.values() if p.origin_helpers)


def get_profile(runtime: str) -> RuntimeProfile:
    """The profile for `runtime`; ValueError for an unknown runtime name."""
    try:
        return PROFILES[runtime]
    except KeyError:
        raise ValueError(f"unknown runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}") from None


@dataclass(frozen=True)
class ConnectionProfile:
    """What CloudFront documents for connection functions (mTLS), as data.

    Sources: DG/write-connection-function-code.html (handler `connectionHandler(connection)`, the
    connection object's fields, `connection.allow()` / `connection.deny()`, `logCustomData`, a
    5 ms execution limit), DG/connection-functions.html (runtime cloudfront-js-2.0, one
    KeyValueStore), DG/test-connection-functions.html (TestConnectionFunction, a test object of
    at most 40 KB).
    """

    event: str                       # the event type name cfroutes uses (routes.yaml `event:`)
    runtime: str                     # the only runtime connection functions run on
    handler: str                     # the entry point's name
    decisions: tuple[str, ...]       # the methods on the connection object that decide
    log_method: str                  # connection.logCustomData(text)
    execution_limit_ms: int          # documented execution limit per connection
    test_object_max: int             # TestConnectionFunction's ConnectionObject, bytes


CONNECTION = ConnectionProfile(
    event="connection-request", runtime=JS2, handler="connectionHandler", decisions=("allow", "deny"),
    log_method="logCustomData", execution_limit_ms=5, test_object_max=40_960)
