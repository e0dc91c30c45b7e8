"""One row per line of the platform reference's runtime lists: a supported use works, an
unsupported one fails (at load time for syntax, at run time for built-ins), in both runtimes."""
from __future__ import annotations

import pytest
from support import BOTH, V1, V2, body, fails, run

# (line, positive snippet, expected log, negative snippet, runtimes where the positive works)
ROWS = [
    ("strict mode", "var r = 'sloppy'; try { undeclared = 1; } catch (e) { r = e.name; } console.log(r);",
     "ReferenceError", "with (event) { }", BOTH),
    ("statements", "var out = []; outer: for (var i = 0; i < 3; i++) { if (i === 1) continue outer; out.push(i); }"
     " var k; for (k in {a: 1}) out.push(k); var j = 0; do { j++; } while (j < 2); while (j < 4) { j++; if (j > 3) break; }"
     " switch (j) { case 4: out.push('four'); break; default: out.push('x'); }"
     " try { throw new Error('t'); } catch (e) { out.push(e.message); } finally { out.push('f'); } console.log(out.join());",
     "0,2,a,four,t,f", "debugger;", BOTH),
    ("template literals", "var n = 2; console.log(`a${n + `b${n}`}c\nd`);", "a2b2c\nd", "console.log(String.raw`x`);", BOTH),
    ("arrow functions and rest parameters", "var f = (a, ...rest) => a + rest.length; console.log(f(1, 2, 3));", "3",
     "var f = (...[a, b]) => a; console.log(f(1));", BOTH),
    ("exponent operator", "var x = 2 ** 10; x **= 2; console.log(x);", "1048576", "console.log(10n ** 2n);", BOTH),
    ("unicode escapes", "console.log('\\u00e9' === '\u00e9' ? 'same' : 'diff');", "same", "console.log(/\\p{L}/u.test('a'));", BOTH),
    ("for-of is not supported", "for (var i = 0; i < 1; i++) console.log('for');", "for", "for (var x of [1]) console.log(x);", BOTH),
    ("classes are not supported", "function A() { this.a = 1; } console.log(new A().a);", "1", "class A {} console.log(new A());", BOTH),
    ("generators are not supported", "function g() { return 1; } console.log(g());", "1", "function* g() { yield 1; } console.log(g().next().value);", BOTH),
    ("destructuring is not supported", "var o = {a: 1}; var a = o.a; console.log(a);", "1", "var {a} = {a: 1}; console.log(a);", BOTH),
    ("spread is not supported", "console.log(Math.max.apply(null, [1, 3]));", "3", "console.log(Math.max(...[1, 3]));", BOTH),
    ("default parameters are not supported", "function f(a) { a = a === undefined ? 2 : a; return a; } console.log(f());", "2",
     "function f(a = 2) { return a; } console.log(f());", BOTH),
    ("optional chaining is not supported", "var o = {}; console.log(o.a && o.a.b);", "undefined", "var o = {}; console.log(o?.a);", BOTH),
    ("nullish coalescing is not supported", "var v = null; console.log(v === null || v === undefined ? 'd' : v);", "d",
     "var v = null; console.log(v ?? 'd');", BOTH),
    ("Map/Set/WeakMap are not there", "var o = {}; o['k'] = 1; console.log(Object.keys(o).join());", "k",
     "var M = globalThis['Map']; console.log(new M().size);", BOTH),
    ("Proxy/Reflect are not there", "console.log(typeof globalThis['Proxy'] + typeof globalThis['Reflect']);", "undefinedundefined",
     "console.log(globalThis['Reflect'].ownKeys({}).length);", BOTH),
    # runtime 1.0 only / 2.0 additions
    ("const and let", "const a = 1; let b = 2; console.log(a + b);", "3", "const a = 1; a = 2;", (V2,)),
    ("numeric separators", "console.log(1_000 + 1);", "1001", "console.log(1__000);", (V2,)),
    ("String.prototype.replaceAll", "console.log('a-b-c'.replaceAll('-', '+'));", "a+b+c", "console.log('abc'.at(0));", (V2,)),
    ("RegExp sticky and flags", "var r = /a/gy; console.log(r.sticky + ' ' + r.flags);", "true gy", "var r = /a/s;", (V2,)),
    ("TypedArray.from/of", "console.log(Uint8Array.from([1, 2]).length + Int8Array.of(1).length);", "3",
     "console.log(new Uint8Array([1]).at(0));", (V2,)),
    ("Promise combinators", "Promise.all([1]); Promise.allSettled([1]); Promise.any([1]); Promise.race([1]); console.log('p');", "p",
     "Promise.withResolvers();", (V2,)),
    ("DataView get/set", "var d = new DataView(new ArrayBuffer(4)); d.setUint16(0, 258); console.log(d.getUint8(1));", "2",
     "var d = new DataView(new ArrayBuffer(8)); d.setBigInt64(0, 1);", (V2,)),
    ("Symbol.for/keyFor", "console.log(Symbol.keyFor(Symbol.for('k')));", "k", "console.log(new Symbol('k'));", (V2,)),
    ("TextEncoder/TextDecoder", "console.log(new TextDecoder().decode(new TextEncoder().encode('\u00e9')).length);", "1",
     "new TextDecoder('latin1');", (V2,)),
    ("atob/btoa", "console.log(atob(btoa('hi')));", "hi", "console.log(globalThis['structuredClone']({}));", (V2,)),
    ("Buffer as a global", "console.log(Buffer.from('hi').toString('hex'));", "6869", "Buffer.from('hi', 'latin1');", (V2,)),
    ("1.0 String byte methods", "console.log(String.bytesFrom('6869', 'hex') + '\u00e9'.toUTF8().length);", "hi2",
     "console.log('x'.toBytes(0, 1, 2, 3).normalize());", (V1,)),
    ("crypto digest() without encoding", "var d = crypto.createHash('md5').update('a').digest(); console.log('bytes:' + d.length + ':' + d.charCodeAt(0));",
     "bytes:16:12", "crypto.createHash('sha512');", (V1,)),
    ("MemoryError (1.0)", "console.log(new MemoryError('m') instanceof Error);", "true", "console.log(MemoryError.x.y);", (V1,)),
    # built-in tables
    ("Object", "var o = Object.create(null); Object.defineProperty(o, 'a', {value: 1, enumerable: true});"
     " console.log(Object.keys(Object.assign({}, o)).join() + Object.entries({b: 2})[0][0] + Object.values({c: 3})[0] + Object.is(NaN, NaN));",
     "ab3true", "Object.create({}, {a: {value: 1}});", BOTH),
    ("Object.getOwnPropertyDescriptors (2.0)", "console.log(Object.keys(Object.getOwnPropertyDescriptors({a: 1})).join());", "a",
     "console.log(Object.fromEntries([['a', 1]]).a);", (V2,)),
    ("String", "console.log('abc'.padStart(5, '-') + 'x'.repeat(2) + ' a '.trim() + 'ab'.codePointAt(0) + 'abc'.includes('b') + 'x'.charCodeAt(0));",
     "--abcxxa97true120", "console.log('abc'.matchAll(/a/g));", BOTH),
    ("String.normalize is not listed", "console.log(String.fromCodePoint(233));", "\u00e9", "console.log('e'.normalize('NFC'));", BOTH),
    ("Number", "console.log(Number.isInteger(5) + ' ' + Number.MAX_SAFE_INTEGER + ' ' + (1.5).toFixed(2));", "true 9007199254740991 1.50",
     "console.log(Number.prototype.toLocaleString.call(1) + new Intl.NumberFormat());", BOTH),
    ("Math", "console.log(Math.trunc(1.7) + Math.sign(-3) + Math.log2(8) + Math.hypot(3, 4));", "8", "console.log(Math.sumPrecise([1]));", BOTH),
    ("Array", "console.log([3, 1, 2].sort().join() + [1, 2].includes(2) + [1, 2].find(function (x) { return x > 1; }) + Array.of(7)[0]);",
     "1,2,3true27", "console.log([[1], [2]].flat().length);", BOTH),
    ("Array.from/keys/at are not listed", "console.log(Array.isArray([]));", "true", "console.log(Array.from('ab').length);", BOTH),
    ("Typed arrays and ArrayBuffer", "var u = new Uint8Array(4); u.set([1, 2], 1); console.log('' + u.subarray(1, 3).length + ArrayBuffer.isView(u) + new ArrayBuffer(8).slice(2).byteLength);",
     "2true6", "new ArrayBuffer(8).resize(4);", BOTH),
    ("Promise", "Promise.resolve(1).then(function (v) { return v; }).catch(function () {}).finally(function () {}); console.log(typeof Promise.reject);",
     "function", "Promise.try(function () {});", BOTH),
    ("Date is frozen", "var a = Date.now(); var s = 0; for (var i = 0; i < 20000; i++) { s += i; } console.log(a === Date.now() && a === new Date().getTime());",
     "true", "console.log(new Date().getYear());", BOTH),
    ("Function apply/bind/call; new Function throws", "function f(a) { return this.x + a; } console.log(f.call({x: 1}, 2) + f.apply({x: 1}, [3]) + f.bind({x: 2})(2));",
     "11", "var F = Function; new F('return 1');", BOTH),
    ("RegExp with named groups", "var m = /(?<y>\\d{4})-(?<m>\\d\\d)/.exec('2024-05'); console.log(m.groups.y + m.groups.m);", "202405",
     "console.log(/(?<=a)b/.test('ab'));", BOTH),
    ("JSON", "console.log(JSON.stringify(JSON.parse('{\"a\":[1]}')));", "{\"a\":[1]}", "JSON.rawJSON('1');", BOTH),
    ("console.log takes one argument", "console.log('one');", "one", "console.log.apply(null, ['a', 'b']); console.log(console.error('x'));", BOTH),
    ("Errors", "var n = [new EvalError('x'), new RangeError('x'), new TypeError('x'), new URIError('x'), new SyntaxError('x'),"
     " new ReferenceError('x'), new InternalError('x')].map(function (e) { return e.name.charAt(0); }).join(''); console.log(n);",
     "ERTUSRI", "new AggregateError([]);", BOTH),
    ("Globals", "console.log(encodeURIComponent('a b') + decodeURI('%41') + isNaN(NaN) + parseInt('12') + (typeof globalThis));",
     "a%20bAtrue12object", "escape('a b');", BOTH),
    ("eval throws", "var r; try { eval('1'); } catch (e) { r = e.name; } console.log(r);", "EvalError", "eval('1 + 1');", BOTH),
    ("no timers", "console.log(typeof setTimeout + typeof clearTimeout + typeof setImmediate);", "undefinedundefinedundefined",
     "setTimeout(function () {}, 1);", BOTH),
    ("no process, fs or require of other modules", "console.log(typeof process);", "undefined", "require('fs');", BOTH),
    ("crypto hashes md5/sha1/sha256", "console.log(crypto.createHash('sha1').update('abc').digest('hex'));",
     "a9993e364706816aba3e25717850c26c9cd0d89d", "crypto.createHash('sha512').update('a').digest('hex');", BOTH),
    ("getters and setters (ES5.1)", "var o = {v: 1, get a() { return this.v; }, set a(x) { this.v = x * 2; }}; o.a = 5; console.log(o.a);",
     "10", "var k = 'a'; var o = {get [k]() { return 1; }};", BOTH),
    # differences found against the AWS pages and njs 0.7.9 (docs/fidelity.md)
    ("optional catch binding is refused", "try { throw 1; } catch (e) { console.log('c'); }", "c",
     "try { throw 1; } catch { console.log('c'); }", BOTH),
    ("localeCompare is not there", "console.log('b' > 'a');", "true", "console.log('a'.localeCompare('b'));", BOTH),
    ("toLocaleUpperCase/LowerCase are not there", "console.log('a'.toUpperCase() + 'B'.toLowerCase());", "Ab",
     "console.log('a'.toLocaleUpperCase() + 'B'.toLocaleLowerCase());", BOTH),
    ("toLocaleString only on Date", "console.log([1, 2].toString() + new Uint8Array([3]).toString() + typeof new Date().toLocaleString()"
     " + typeof new Date().toLocaleDateString() + typeof new Date().toLocaleTimeString());", "1,23stringstringstring",
     "console.log([1].toLocaleString());", BOTH),
    ("TypedArray methods of the 1.0 page", "var u = new Uint8Array([1, 2, 3]); u.copyWithin(0, 1); u.fill(9, 2);"
     " console.log(u.join('-') + ':' + u.slice(1).toString() + ':' + u.subarray(2).length);", "2-3-9:3,9:1",
     "new Uint8Array([1]).entries();", BOTH),
    ("crypto has no randomBytes/timingSafeEqual", "console.log(typeof crypto.createHmac);", "function", "crypto.randomBytes(8);", BOTH),
]


def _id(row: tuple) -> str:
    return row[0]


@pytest.mark.parametrize("row", ROWS, ids=_id)
@pytest.mark.parametrize("runtime", BOTH)
def test_positive(row: tuple, runtime: str) -> None:
    line, code, expected, _neg, works_in = row
    src = body(code, runtime)
    if runtime in works_in:
        inv = run(src, runtime)
        assert inv.error == "" and inv.validation_errors == [], (line, inv.error, inv.validation_errors)
        assert inv.logs == [expected], line
    else:
        assert fails(src, runtime), f"{line} should fail on {runtime}"


@pytest.mark.parametrize("row", ROWS, ids=_id)
@pytest.mark.parametrize("runtime", BOTH)
def test_negative(row: tuple, runtime: str) -> None:
    line, _code, _expected, neg, _works_in = row
    assert fails(body(neg, runtime), runtime), f"{line}: {neg!r} should fail on {runtime}"


def test_async_handler_only_in_2_0() -> None:
    src = "async function handler(event) { var v = await Promise.resolve('/x'); event.request.uri = v; return event.request; }"
    assert run(src, V2).output["request"]["uri"] == "/x"
    assert "async function is not supported by cloudfront-js-1.0" in fails(src, V1)


def test_import_only_in_2_0() -> None:
    src = "import cf from 'cloudfront';\nfunction handler(event) { return event.request; }"
    assert run(src, V2).ok
    assert "import is not supported by cloudfront-js-1.0" in fails(src, V1)


def test_1_0_string_byte_methods_removed_in_2_0() -> None:
    assert fails(body("String.bytesFrom('00', 'hex');", V2), V2)
    assert fails(body("'a'.toUTF8();", V2), V2)


def test_digest_without_encoding_is_a_buffer_in_2_0() -> None:
    inv = run(body("var d = crypto.createHash('md5').update('a').digest(); console.log(Buffer.isBuffer(d) + ':' + d.length);", V2), V2)
    assert inv.logs == ["true:16"]


def test_console_log_logs_only_the_first_argument() -> None:
    assert run(body("console.log('a', 'b');", V2)).logs == ["a"]


def test_logs_are_cut_at_10_kb() -> None:
    inv = run(body("for (var i = 0; i < 30; i++) console.log('x'.repeat(1000));", V2))
    assert sum(len(line.encode()) for line in inv.logs) == 10 * 1024


@pytest.mark.parametrize("runtime", BOTH)
@pytest.mark.parametrize("expr", [
    "({}).toLocaleString()", "[1].toLocaleString()", "(1).toLocaleString()", "new Uint8Array(1).toLocaleString()",
    "Object.prototype.toLocaleString.call({})", "'a'.localeCompare('b')", "'a'.toLocaleUpperCase()",
    "'A'.toLocaleLowerCase()",
])
def test_locale_methods_are_missing_at_run_time(runtime: str, expr: str) -> None:
    # neither AWS page lists them and njs 0.7.9 lacks them: the call throws, as at the edge
    assert fails(body("console.log(" + expr + ");", runtime), runtime).startswith("TypeError: ")


@pytest.mark.parametrize("runtime", BOTH)
def test_locale_methods_are_missing_with_full_pruning(runtime: str) -> None:
    # a source that reaches built-ins reflectively gets every deletion, not only the names it spells
    inv = run(body("var n = 'toLocale' + 'String', s = 'locale' + 'Compare'; console.log(typeof globalThis.Array.prototype[n]"
                   " + typeof ''[s] + typeof new Date()[n]);", runtime), runtime)
    assert inv.logs == ["undefinedundefinedfunction"], inv.error


def test_typed_array_iteration_methods_are_2_0_only() -> None:
    code = "console.log(new Uint8Array([1, 2]).map(function (x) { return x * 2; }).join());"
    assert run(body(code, V2), V2).logs == ["2,4"]
    assert "not a function" in fails(body(code, V1), V1)


def test_await_in_arguments_does_not_load() -> None:
    src = "async function handler(event) { event.request.uri = String(await Promise.resolve('/x')); return event.request; }"
    assert "await in arguments not supported" in fails(src, V2)
    bound = "async function handler(event) { var v = await Promise.resolve('/x'); event.request.uri = String(v); return event.request; }"
    assert run(bound, V2).output["request"]["uri"] == "/x"


def test_async_closures_and_top_level_await_do_not_load() -> None:
    assert "async closures are not supported" in fails(
        "async function handler(event) { var f = async () => 1; await f(); return event.request; }", V2)
    assert "await is only valid in async functions" in fails(
        "var v = await Promise.resolve(1);\nfunction handler(event) { return event.request; }", V2)
