"""Load YAML into a tree of positioned nodes; duplicate keys are errors.

PyYAML's composer (libyaml when present) gives marks for every node; we turn the
node graph into `Node`s that carry a `Span`, so validation can point at the exact
line and column of any value.
"""
from __future__ import annotations

from typing import Any

import yaml
from cfroutes.codes import Code
from cfroutes.errors import Diagnostic, End, InputError, Span, file_diagnostic
from cfroutes.safeio import YAML_MAX, UserFileError, read_text

_BLANKZ = "\0 \t\r\n\x85\u2028\u2029"
_BREAKS = "\r\n\x85\u2028\u2029"


class _PureScanner(yaml.reader.Reader, yaml.scanner.Scanner):
    """PyYAML's pure-Python scanner, reading plain scalars in flow context as libyaml does.

    The pure scanner ends a plain scalar at any `?` inside `{...}` or `[...]`, so
    `expect: { location: /a?b=1 }` is a syntax error without libyaml and a string with it. libyaml
    (and YAML 1.2) treat `?` as an indicator only where a token starts; here the scalar goes on
    through such a `?` (and the spaces before it), so both loaders read the same files the same way
    (tests/config/test_yaml_loaders.py runs every YAML file of the repository through both)."""

    def scan_plain(self) -> Any:
        token = super().scan_plain()
        if not self.flow_level:
            return token
        value, end = token.value, token.end_mark
        while True:
            ch = self.peek()
            gap = self.buffer[end.pointer:self.pointer]  # blanks the scanner consumed after `end`
            if ch == "?" or (ch == "#" and not gap and end is not token.end_mark):
                value += _folded(gap) + ch  # `#` right after a character is text, not a comment
                self.forward()
                end = self.get_mark()
                if self.peek() in _BLANKZ:
                    self.scan_plain_spaces(self.indent + 1, token.start_mark)
                continue
            if end is token.end_mark or ch in _BLANKZ + ",[]{}#" or (ch == ":" and self.peek(1) in _BLANKZ + ",[]{}"):
                break
            rest = super().scan_plain()
            value += _folded(gap) + rest.value
            end = rest.end_mark
        if end is token.end_mark:
            return token
        return yaml.tokens.ScalarToken(value, True, token.start_mark, end)


def _folded(gap: str) -> str:
    """Spaces and line breaks between two parts of a plain scalar, folded (YAML line folding)."""
    breaks = sum(gap.count(b) for b in _BREAKS) - gap.count("\r\n")
    return gap if not breaks else " " if breaks == 1 else "\n" * (breaks - 1)


class _PureLoader(_PureScanner, yaml.parser.Parser, yaml.composer.Composer,
                  yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """yaml.SafeLoader with the scanner above (used when PyYAML was built without libyaml)."""

    def __init__(self, stream: Any) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


_STR_TAG_ = "tag:yaml.org,2002:str"
#: first characters some implicit resolver (int, float, bool, null, ...) looks at
_IMPLICIT_FIRST = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)
_FAST_RESOLVE = (not yaml.resolver.Resolver.yaml_path_resolvers
                 and None not in yaml.resolver.Resolver.yaml_implicit_resolvers)


class _FastResolve:
    """The composer asks `resolve` for the tag of every node: a quoted scalar, or a plain one
    whose first character starts no implicit resolver (`/blog/x`, `path`), is a string, as
    PyYAML's resolver finds after building two lists."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if _FAST_RESOLVE and kind is yaml.ScalarNode and (not implicit[0] or (value and value[0] not in _IMPLICIT_FIRST)):
            return _STR_TAG_
        return super().resolve(kind, value, implicit)  # type: ignore[misc]


try:  # the C loader is ~4x faster on large configs
    _Loader: Any = type("_Loader", (_FastResolve, yaml.CSafeLoader), {})
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = type("_Loader", (_FastResolve, _PureLoader), {})

_new = tuple.__new__  # a NamedTuple (Span, End) from a tuple: its generated __new__ is Python code
_NO_KEYS: dict[str, Any] = {}  # shared by every non-mapping node; never mutated


class Node:
    """A YAML value with its position.

    `value` is a `dict[str, Node]` for mappings (in document order), a `list[Node]`
    for sequences and a Python scalar otherwise. `raw` is the scalar's source text
    (so `NO` can be read as the string it was meant to be), `plain` is True for an
    unquoted scalar. `keys` maps each mapping key to the Node of the key itself. `end` is
    where the value's text ends (diagnostics underline span..end), None when unknown.
    """

    __slots__ = ("value", "span", "raw", "plain", "keys", "end")

    def __init__(self, value: Any, span: Span, raw: str | None = None, plain: bool = False,
                 keys: dict[str, Node] | None = None, end: End | None = None) -> None:
        self.value = value
        self.span = span
        self.raw = raw
        self.plain = plain
        self.keys: dict[str, Node] = _NO_KEYS if keys is None else keys
        self.end = end

    def __repr__(self) -> str:
        return f"Node({self.value!r}, {self.span})"

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def to_python(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.to_python() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.to_python() for v in self.value]
        return self.value

    def type_name(self) -> str:
        return describe(self.value)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _span(file: str, mark: Any) -> Span:
    return Span(file, mark.line + 1, mark.column + 1)


#: nodes a document may have (checked before composing, so a flat file of tiny nodes cannot
#: take gigabytes: libyaml's node objects cost ~300 bytes each)
NODES_MAX = 1_000_000
#: nodes that aliases (`*name`) and merge keys (`<<:`) may add on top of the written ones
ALIAS_NODES_MAX = 100_000
#: nesting depth of collections (libyaml stops flow and block nesting at 1,000 on its own)
MAX_DEPTH = 64
_MAX_DEPTH = MAX_DEPTH


def _node_bound(text: str) -> int:
    """An upper bound of the document's node count, at C speed.

    A node starts at a "run" (characters between whitespace and the flow indicators
    `, [ ] { }`), at a flow indicator, or right after a JSON-like `":`; one run holds at
    most a collection start, a scalar and an empty (null) scalar after it, so
    nodes <= 3 * (runs + flow indicators + `":`) + 1. Splitting on whitespace undercounts
    runs by at most one per flow indicator, which are counted twice for that.
    """
    if len(text) * 3 + 1 <= NODES_MAX:
        return len(text) * 3 + 1
    flow = sum(text.count(c) for c in ",[]{}")
    return 3 * (len(text.split()) + 2 * flow + text.count('":') + text.count("':")) + 1


def _count_nodes(text: str, file: str) -> None:
    """Count the node events exactly (only for large inputs); refuse past NODES_MAX."""
    count = 0
    for ev in yaml.parse(text, Loader=_Loader):
        if isinstance(ev, (yaml.ScalarEvent, yaml.CollectionStartEvent, yaml.AliasEvent)):
            count += 1
            if count > NODES_MAX:
                raise InputError([Diagnostic(_span(file, ev.start_mark),
                                             f"the YAML has more than {NODES_MAX:,} nodes (the limit)",
                                             code=Code.YAML_LIMIT)])


class _TooManyNodes(Exception):
    pass


class _CountingLoader(_Loader):  # type: ignore[misc]
    """The loader, counting the nodes it composes (one parse, no event pass before it).

    The composer asks `resolve` for every node without an explicit tag; a node with one is
    written with a `!`, so `nodes <= resolved + text.count("!")`."""

    def __init__(self, stream: str, limit: int) -> None:
        super().__init__(stream)
        self.nodes_left = limit

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise _TooManyNodes
        return super().resolve(kind, value, implicit)


def _compose(text: str, file: str) -> list[Any]:
    """yaml.compose_all for a large text, refusing past NODES_MAX nodes while composing (at
    most NODES_MAX nodes are ever held); when the bound trips, the exact event count says
    where (or, if the `!`s were text, lets a second compose go ahead)."""
    loader = _CountingLoader(text, NODES_MAX - text.count("!"))
    try:
        docs = []
        while loader.check_node():
            docs.append(loader.get_node())
        return docs
    except _TooManyNodes:
        pass
    finally:
        loader.dispose()
    del loader, docs
    _count_nodes(text, file)  # raises, positioned, when the document is over the limit
    return list(yaml.compose_all(text, Loader=_Loader))


def _yaml_error(e: yaml.YAMLError, file: str, text: str) -> InputError:
    """A YAML error as one positioned line."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        span = _span(file, mark) if mark is not None else Span(file, 1, 1)
        msg = (e.problem or str(e)).strip()
        if e.context:
            msg = f"{msg} ({e.context.strip()})"
    elif isinstance(e, yaml.reader.ReaderError):
        before = text[:e.position]
        span = Span(file, before.count("\n") + 1, e.position - (before.rfind("\n") + 1) + 1)
        msg = f"character #x{e.character:04x} is not allowed: {e.reason}" if isinstance(e.character, int) \
            else e.reason
    else:
        span, msg = Span(file, 1, 1), str(e)
    return InputError([Diagnostic(span, "invalid YAML: " + " ".join(msg.split()), code=Code.YAML_SYNTAX)])


def load_text(text: str, file: str) -> Node:
    """Parse `text`; raises InputError with positioned diagnostics.

    Bounded work: at most NODES_MAX nodes are composed and aliases may add at most
    ALIAS_NODES_MAX more (a "billion laughs" document is refused, not expanded).
    """
    try:
        docs = _compose(text, file) if _node_bound(text) > NODES_MAX else list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as e:
        raise _yaml_error(e, file, text) from None
    except RecursionError:  # the pure-Python composer (no libyaml) on deep nesting
        raise InputError([Diagnostic(Span(file, 1, 1), "invalid YAML: nested too deeply",
                                      code=Code.YAML_LIMIT)]) from None
    if len(docs) > 1:
        raise InputError([Diagnostic(Span(file, 1, 1), "expected one YAML document, found several",
                                      code=Code.YAML_DOCUMENTS)])
    if not docs or docs[0] is None:
        return Node(None, Span(file, 1, 1))
    conv = _Converter(file, aliases="&" in text)  # (an alias needs an anchor, written `&name`)
    try:
        node = conv.convert(docs[0], 0)
    except _Refused as e:
        raise InputError([e.diagnostic]) from None
    if conv.diags:
        raise InputError(conv.diags)
    return node


def load_file(path: str) -> tuple[Node, str]:
    """Read (safely, see safeio) and parse a YAML file; returns the tree and the text (for hashing)."""
    try:
        text = read_text(path, YAML_MAX)
    except UserFileError as e:
        raise InputError([file_diagnostic(e)]) from None
    return load_text(text, path), text


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
#: scalar tags read as values; timestamps and binary are checked, then kept as their text
_SCALAR_TAGS = frozenset("tag:yaml.org,2002:" + t for t in
                         ("str", "int", "float", "bool", "null", "timestamp", "binary", "value"))
_KEEP_TEXT = frozenset(("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"))


def _short(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


_MAPPING, _SEQUENCE, _SCALAR = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
_PLAIN_STYLES = (None, "")
_SCALAR_TYPES = (str, int, float, bool, type(None))


class _Refused(Exception):
    """Stops the conversion; `at` moves it, once, to where the alias or merge is written
    (the innermost node that is not itself an expansion), not where its anchor is."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        self.placed = False

    def at(self, span: Span) -> _Refused:
        if not self.placed:
            self.placed = True
            d = self.diagnostic
            self.diagnostic = Diagnostic(span, d.message, d.severity, d.hint, d.code)
        return self


class _Converter:
    """yaml node graph -> Node tree (the hot path of loading large configs: kept lean).

    Counts the nodes that aliases and merges add (a node converted a second time is an
    alias expansion) and stops at ALIAS_NODES_MAX; a node inside itself is a recursive alias.
    """

    __slots__ = ("file", "diags", "ctor", "seen", "active", "expanded", "flat")

    def __init__(self, file: str, aliases: bool = True) -> None:
        self.file = file
        self.diags: list[Diagnostic] = []
        self.ctor = _Constructor()
        # None: the text has no anchor (`&`), so no alias: every node is met once, nothing to count
        self.seen: set[int] | None = set() if aliases else None
        self.active: set[int] = set()  # collections being converted (cycle check)
        self.expanded = 0
        self.flat: dict[int, list[tuple[Any, Any]]] = {}  # mapping id -> its pairs, merges applied

    def _count(self, n: Any, span: Span) -> bool:
        """Count one node; True when this is its first visit (not an alias expansion)."""
        i = id(n)
        if self.seen is None:
            return True
        if i in self.seen:
            self.expanded += 1
            if self.expanded > ALIAS_NODES_MAX:
                raise _Refused(Diagnostic(span, f"YAML aliases expand to more than {ALIAS_NODES_MAX:,} nodes "
                                          "(the limit; an alias bomb?)", hint="write the values out instead of "
                                          "nesting aliases of aliases", code=Code.YAML_LIMIT))
            return False
        self.seen.add(i)
        return True

    def convert(self, n: Any, depth: int) -> Node:
        mark = n.start_mark
        span = _new(Span, (self.file, mark.line + 1, mark.column + 1))  # (Span(...) without its Python __new__)
        seen = self.seen  # (_count inlined for first visits: one call less per node)
        if seen is None:
            fresh = True
        else:
            fresh = id(n) not in seen
            if fresh:
                seen.add(id(n))
            else:
                self._count(n, span)
        if depth > _MAX_DEPTH:
            self.diags.append(Diagnostic(span, "YAML nested too deeply", code=Code.YAML_LIMIT))
            return Node(None, span)
        cls = n.__class__
        tag = n.tag
        if cls is _SCALAR:
            raw = n.value
            emark = n.end_mark
            end = _new(End, (emark.line + 1, emark.column + 1))
            if tag == _STR_TAG:
                return Node(raw, span, raw, n.style in _PLAIN_STYLES, None, end)
            return Node(self._scalar(n, span), span, raw, n.style in _PLAIN_STYLES, None, end)
        i = id(n)
        if seen is not None:  # (a node inside itself needs an alias)
            if i in self.active:
                raise _Refused(Diagnostic(span, "recursive YAML alias: this node contains itself",
                                          code=Code.YAML_RECURSIVE))
            self.active.add(i)
        if cls is _SEQUENCE:
            if tag != _SEQ_TAG:
                self._bad_tag(tag, span)
            try:
                out_list = [self.convert(v, depth + 1) for v in n.value]
            except _Refused as e:
                if fresh:
                    e.at(span)
                raise
            self.active.discard(i)
            return Node(out_list, span, None, False, None, _end(n))
        if tag != _MAP_TAG:
            self._bad_tag(tag, span)
        site = span
        try:
            if any(k.tag == _MERGE_TAG for k, _ in n.value):
                own = frozenset(id(k) for k, _ in n.value)
                merge_site = site = next(_span(self.file, k.start_mark) for k, _ in n.value if k.tag == _MERGE_TAG)
                pairs = self._pairs(n)
            else:
                own, merge_site, pairs = None, span, n.value
            if not fresh:  # an expanded mapping makes a Node per key too
                self.expanded += len(pairs)
                self._count(n, span)
            out: dict[str, Node] = {}
            keys: dict[str, Node] = {}
            file = self.file
            for k, v in pairs:
                kmark = k.start_mark
                site = kspan = _new(Span, (file, kmark.line + 1, kmark.column + 1))
                if own is not None and id(k) not in own:
                    site = merge_site  # a merged pair: the error belongs where `<<:` is written
                if k.__class__ is not _SCALAR:
                    self.diags.append(Diagnostic(kspan, "mapping keys must be plain strings", code=Code.YAML_KEY,
                                                 end=_end(k)))
                    continue
                if k.tag not in _SCALAR_TAGS:
                    self._bad_tag(k.tag, kspan)
                key = k.value  # keys are read as written: `on:` and `1:` stay text
                if key in out:
                    self.diags.append(Diagnostic(kspan, f"duplicate key '{key}' (first at line {keys[key].span.line})",
                                                 code=Code.YAML_DUPLICATE_KEY, end=_end(k)))
                    continue
                kend = k.end_mark  # (_end inlined: two nodes per route entry)
                keys[key] = Node(key, kspan, key, k.style in _PLAIN_STYLES, None,
                                 _new(End, (kend.line + 1, kend.column + 1)))
                out[key] = self.convert(v, depth + 1)
        except _Refused as e:
            if fresh:
                e.at(site)
            raise
        self.active.discard(i)
        return Node(out, span, None, False, keys, _end(n))

    def _bad_tag(self, tag: str, span: Span) -> None:
        self.diags.append(Diagnostic(span, f"unsupported YAML tag {_short(tag)!r}",
                                     hint="cfroutes reads plain YAML: strings, numbers, booleans, null, "
                                          "lists and mappings", code=Code.YAML_TAG))

    def _scalar(self, n: Any, span: Span) -> Any:
        tag = n.tag
        if tag not in _SCALAR_TAGS:
            self._bad_tag(tag, span)
            return n.value
        try:
            value = self.ctor.construct_object(n)
        except Exception as e:  # ValueError, KeyError (!!bool word), binascii.Error, ConstructorError...
            reason = getattr(e, "problem", None) or (str(e) if not isinstance(e, KeyError) else "")
            reason = " ".join(str(reason).split())[:120]
            raw = n.value if len(n.value) <= 60 else n.value[:57] + "..."
            self.diags.append(Diagnostic(span, f"{raw!r} is not a valid {_short(tag)}" +
                                         (f" ({reason})" if reason else ""), code=Code.YAML_SCALAR))
            return n.value
        if tag in _KEEP_TEXT or not isinstance(value, _SCALAR_TYPES):
            return n.value  # dates, timestamps, binary: keep the text
        return value

    def _pairs(self, n: Any) -> list[tuple[Any, Any]]:
        """The mapping's pairs with `<<:` merges applied (YAML merge-key semantics: the
        mapping's own keys win, then earlier merged mappings over later ones)."""
        own = [(k, v) for k, v in n.value if k.tag != _MERGE_TAG]
        taken = {k.value for k, _ in own if k.__class__ is _SCALAR}
        merged: list[tuple[Any, Any]] = []
        for k, v in n.value:
            if k.tag != _MERGE_TAG:
                continue
            kspan = _span(self.file, k.start_mark)
            sources = [v] if v.__class__ is _MAPPING else v.value if v.__class__ is _SEQUENCE else None
            if sources is None or any(s.__class__ is not _MAPPING for s in sources):
                bad = v if sources is None else next(s for s in sources if s.__class__ is not _MAPPING)
                self.diags.append(Diagnostic(_span(self.file, bad.start_mark),
                                             "a merge key `<<:` takes a mapping or a list of mappings, "
                                             f"not {_describe_node(bad)}", code=Code.YAML_MERGE))
                continue
            for src in sources:
                self._count(src, kspan)
                sid = id(src)
                sub = self.flat.get(sid)
                if sub is None:
                    if sid in self.active:
                        raise _Refused(Diagnostic(kspan, "recursive YAML merge: a mapping merges itself",
                                                         code=Code.YAML_RECURSIVE))
                    self.active.add(sid)
                    sub = self._pairs(src) if any(sk.tag == _MERGE_TAG for sk, _ in src.value) else src.value
                    self.active.discard(sid)
                    self.flat[sid] = sub
                for pk, pv in sub:
                    self._count(pk, kspan)
                    if pk.__class__ is _SCALAR and pk.value in taken:
                        continue
                    if pk.__class__ is _SCALAR:
                        taken.add(pk.value)
                    merged.append((pk, pv))
        return merged + own


def _end(n: Any) -> End:
    mark = n.end_mark
    return _new(End, (mark.line + 1, mark.column + 1))


def _describe_node(n: Any) -> str:
    if n.__class__ is _SCALAR:
        return f"the scalar {n.value[:40]!r}"
    return "a list" if n.__class__ is _SEQUENCE else "a mapping"
