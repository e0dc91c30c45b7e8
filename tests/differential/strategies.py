"""Hypothesis strategies: random valid routes.yaml functions, KVS contents and events.

Configs and requests draw from one shared vocabulary (segments, labels, names), so
random requests hit random routes often; the vocabulary is deliberately hostile
(`__proto__`, `constructor`, percent-escapes, unicode, quotes, backslashes).
A function spec is plain data (`dict`), turned into YAML by `yamltext.dump`.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SEGS = ["a", "b", "A", "docs", "Docs", "x.html", "v1", "café", "CAFÉ", "%2F", "%41", "__proto__", "constructor",
        "hasOwnProperty", "İ", "Σ", "ß", "😀", "שלום", "a.b.c", "\\", "'", '"', "<", ">", "&", "=", "+", ".", "..", ""]
# raw controls, space and DEL (semantics §4.1: percent-encoded when a binding carries them into a
# redirect target; `/s/<TAB>/evil.test` must not read as `//evil.test`), and what the collapse meets
REQ_SEGS = SEGS + ["%2e%2e", "%", "?", "ı", "σ", "ς", "A" * 300, "x" * 40, "index.html",
                   "\t", " ", "\x7f", "\n", "\x00", "\t\\evil.test", " \\", "\r"]
NAMES = ["x", "y", "tenant", "constructor", "__proto__", "hasOwnProperty", "toString", "valueOf", "T", "n_1"]
LABELS = ["ex", "com", "a", "b-c", "www", "t1", "__proto__", "constructor"]
# hostile labels (a host parameter binds only [a-z0-9_-]): percent-escapes, '/', '@', spaces, controls
REQ_LABELS = LABELS + ["EX", "Com", "A", "", "WWW", "x", "a%2eb", "x/y", "a@b", "a b", "a\tb", "\u00e9", "K"]
QNAMES = ["q", "Q", "utm", "__proto__", "constructor", "1", "0", "10", "k"]
QVALUES = ["", "1", "x", "X", "*", "a=b", "é", "%20", "__proto__", "42", "%09"]
# header and cookie values may carry a TAB, spaces or '#' (a query value as CloudFront passes it cannot)
HVALUES = QVALUES + ["\t/evil.test", "a b", "x#y", " ", "1\t"]
HNAMES = ["x-a", "x-b", "accept", "cloudfront-viewer-country", "user-agent", "__proto__"]
SET_HNAMES = ["x-a", "x-b", "x-route", "cloudfront-viewer-country", "accept", "x-Mixed", "__proto__"]
CNAMES = ["sid", "beta", "__proto__", "constructor"]
COND_REGEXES = ["^a", "x$", "^$", "[0-9]+", "é", "\\d", "^(a|X)", "=", "."]
# condition regexes whose named groups bind ({0}, {1}: names)
COND_GROUP_REGEXES = [("^(?<{0}>[0-9]+)$", 1), ("(?<{0}>.*)", 1), ("^(?<{0}>a|X)?", 1), ("(?<{0}>[^=]*)=(?<{1}>.*)", 2),
                      ("^(?<{0}>[^#]*)(?<{1}>#.*)?$", 2), ("^(?:(?<{0}>\\t)|.)", 1)]
PATH_REGEXES = [("^/a/(?<{0}>[^/]+)$", 1), ("^/docs/(?<{0}>.*)", 1), ("\\.html$", 0), ("^/(?<{0}>a|b)(?<{1}>/c)?", 2),
                ("A", 0), ("(?<{0}>é+)", 1), ("^/$", 0), ("^/(?<{0}>[^/]*)/(?<{1}>[^/]*)", 2), ("%2F", 0)]
LITERALS = ["/x", "?a=1", "&b", "?", "=", "%", "é", "\\", "//", "/\\evil", "?__proto__=1", "?k", "&k=2", "/", ".html",
            "'", '"', "</script>", "\u2028", "😀", "?q=1&q=2", "constructor", "?constructor=1"]
FRAGMENTS = ["#f", "#", "#a?b=1", "?x=1#y", "#x#y"]  # redirect targets only (a rewrite target has no fragment)
KVS_KEYS = ["a", "b", "A", "ex", "t1", "www", "__proto__", "constructor", "k-a", "k-b", "/a", "docs", "\u00a7r:/a", "x"]
KVS_STRINGS = ["/cache/x.html", "", "x?y=1", "/t/", "\\\\evil", "https://e.test/", "é", "{\"a\":1}",
               # hostile data (semantics §4.1): controls, DEL, spaces, '#', and what breaks a host
               "\t/evil.test", "\n/x", "x\r\n", "a\x00", "x\x7f", "a b", " ", "a#b", "evil.test/", "e.test?", "a@b",
               "%2e", "x\\y", "ok"]
KVS_JSON = ['{"a":"/j","b":{"c":1}}', '{"a":null}', "[1]", '{"length":1}', "nope", '{"a":1e21}', '{"a":true}',
            '{"a":0.1}', '{"a":-0}', '{"a":[1]}', '{"a":{"b":"x"}}', '{"a":"x","b":{"c":false}}', '{"a":1.5e-7}',
            '{"a":12345678901234567890}', '{"__proto__":"p","a":"q"}', '{"a":"\\u2028"}', "", '{"b":{"c":"d"}}',
            '{"a":"\\t/evil","b":{"c":"x y"}}', '{"a":"e v","b":{"c":"\\u007f"}}', '{"a":"x#y"}', '{"a":"evil.test/"}',
            '{"a":"a@b%","b":{"c":"\\n"}}', '\t{"a":"ws"}\n']
# values built to reach every template: strings, and JSON with fields a, b.c (semantics §4.1)
HOSTILE_VALUES = ["\t/evil.test", "/ok", "a b", "evil.test/", "x#y", '{"a":"\\t/evil","b":{"c":"ok"}}',
                  '{"a":"ok","b":{"c":"x y"}}', '{"a":"evil.test/","b":{"c":"\\u0000"}}', '{"a":"p#q","b":{"c":"p#q"}}',
                  '{"a":"ok","b":{"c":"ok"}}', '{"a":"a b","b":{"c":1}}', '{"a":"x\\u007f"}']
BODIES = ["hi", "", "line\nbreak\ttab", "</script><script>", "\u2028\u2029", "😀 שלום", "quote\" back\\slash", "{x}"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
COUNTRIES = ["DE", "US", "FR"]


@st.composite
def path_pattern(draw: Any, names: list[str]) -> tuple[str, list[str]]:
    """A path pattern and the names it binds (`splat` included)."""
    n = draw(st.integers(0, 3))
    segs: list[str] = []
    bound: list[str] = []
    for _ in range(n):
        if names and draw(st.integers(0, 3)) == 0:
            name = names.pop(0)
            segs.append(":" + name)
            bound.append(name)
        else:
            segs.append(draw(st.sampled_from(SEGS[:-1] if not segs else SEGS)))
    splat = draw(st.booleans())
    src = "/" + "/".join(segs)
    if splat:
        src += ("/" if segs else "") + "*"
        bound.append("splat")
    elif segs and draw(st.integers(0, 3)) == 0:
        src += "/"
    return src, bound


@st.composite
def host_pattern(draw: Any, names: list[str]) -> tuple[str, list[str]]:
    n = draw(st.integers(1, 3))
    labels: list[str] = []
    bound: list[str] = []
    for _ in range(n):
        if names and draw(st.integers(0, 2)) == 0:
            name = names.pop(0)
            labels.append(":" + name.lower() if name.lower() == name else ":" + "x" + str(len(bound)))
            bound.append(labels[-1][1:])
        else:
            labels.append(draw(st.sampled_from(LABELS)))
    wild = draw(st.integers(0, 3)) == 0
    src = ("*." if wild else "") + ".".join(labels)
    if draw(st.integers(0, 5)) == 0:
        src = src.upper() if not bound else src
    if draw(st.integers(0, 5)) == 0 and not src.startswith(":"):  # patterns.parse_host: see docs/correctness.md
        src += ":8080"
    return src, bound


def _cond_value(draw: Any) -> Any:
    k = draw(st.integers(0, 3))
    if k == 0:
        return None
    if k == 1:
        return {"regex": draw(st.sampled_from(COND_REGEXES))}
    return draw(st.sampled_from(QVALUES))


@st.composite
def match_spec(draw: Any, names: list[str], allow_regex: bool = True) -> tuple[dict[str, Any], list[str]]:
    """Match keys of a route or header rule, and the names they bind."""
    m: dict[str, Any] = {}
    bound: list[str] = []
    if draw(st.integers(0, 2)) == 0:
        m["host"], b = draw(host_pattern(names))
        bound += b
    kind = draw(st.integers(0, 5))
    if kind == 0 and allow_regex:
        src, ngroups = draw(st.sampled_from(PATH_REGEXES))
        gnames = [names.pop(0) for _ in range(ngroups)] if len(names) >= ngroups else None
        if gnames is not None:
            m["regex"] = src.format(*gnames)
            bound += gnames
    elif kind != 1:
        m["path"], b = draw(path_pattern(names))
        bound += b
    if draw(st.integers(0, 4)) == 0:
        m["methods"] = draw(st.lists(st.sampled_from(METHODS + ["get"]), min_size=1, max_size=3))
    for key, pool in (("query", QNAMES), ("headers", HNAMES + ["X-A"]), ("cookies", CNAMES)):
        if draw(st.integers(0, 4)) == 0:
            ks = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique_by=str.lower))
            m[key] = {}
            for k in ks:
                src, ngroups = draw(st.sampled_from(COND_GROUP_REGEXES))
                if draw(st.integers(0, 2)) == 0 and len(names) >= ngroups:  # named groups bind
                    gnames = [names.pop(0) for _ in range(ngroups)]
                    m[key][k] = {"regex": src.format(*gnames)}
                    bound += gnames
                else:
                    m[key][k] = _cond_value(draw)
    if draw(st.integers(0, 6)) == 0:
        m["country"] = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2))
    return m, bound


@st.composite
def template(draw: Any, bound: list[str], json_names: list[str], lead: str = "/", fragment: bool = False,
             first: str = "") -> str:
    """A TARGET template starting with `lead` (may be empty) and `first`, using bound names; with
    `fragment` (redirect targets), literal pieces may carry a '#'."""
    parts = [lead, first]
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()) and (bound or json_names):
            pool = [f"{{{n}}}" for n in bound] + [f"{{{n}.{f}}}" for n in json_names for f in ("a", "b.c", "length")]
            parts.append(draw(st.sampled_from(pool)))
        else:
            parts.append(draw(st.sampled_from(LITERALS + (FRAGMENTS if fragment else []))))
    return "".join(parts)


def _respond(draw: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"status": draw(st.sampled_from([200, 204, 403, 404, 418, 503]))}
    if draw(st.booleans()):
        r["body"] = draw(st.sampled_from(BODIES))
    if draw(st.integers(0, 3)) == 0:
        r["content_type"] = draw(st.sampled_from(["text/html", "application/json; charset=utf-8"]))
    if draw(st.integers(0, 3)) == 0:
        r["headers"] = {h: draw(st.sampled_from(["1", "", "\u00e9 x", "'\"\\"]))
                        for h in draw(st.lists(st.sampled_from(["x-a", "Content-Type", "cache-control"]),
                                               min_size=1, max_size=2, unique_by=str.lower))}
    return r


@st.composite
def route_spec(draw: Any, event: str, js2: bool, has_kvs: bool, data: bool = False) -> dict[str, Any]:
    """One route; with `data`, a pattern route that always looks up the key "x" (see kvs_data)."""
    names = list(draw(st.permutations(NAMES)))
    shape = 5 if data else draw(st.integers(0, 5))
    if shape <= 1:  # an exact route: literal path, maybe a literal host (tables / KVS)
        segs = draw(st.lists(st.sampled_from(SEGS[:-1]), max_size=2))
        m, bound = {"path": "/" + "/".join(segs) + ("/" if segs and draw(st.integers(0, 3)) == 0 else "")}, []
        if draw(st.integers(0, 2)) == 0:
            m["host"] = ".".join(draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=3)))
    elif shape == 2:  # a prefix route: literal segments and a splat, nothing else (plan.py's Y / spilled)
        segs = draw(st.lists(st.sampled_from(SEGS[:-1]), min_size=1, max_size=3))
        m, bound = {"path": "/" + "/".join(segs) + "/*"}, ["splat"]
        tail = draw(st.integers(0, 2))  # 1, 2: `:name` segments over the literal prefix (with a splat or not)
        if tail:
            named = names[:draw(st.integers(1, 2))]
            m = {"path": "/" + "/".join(segs + [":" + n for n in named]) + ("/*" if tail == 1 else "")}
            bound = named + (["splat"] if tail == 1 else [])
    else:
        m, bound = draw(match_spec(names))
    r: dict[str, Any] = dict(m)
    host_labels = m.get("host", "").removeprefix("*.").split(":8080")[0].split(".")
    host_names = [b for b in bound if ":" + b in host_labels]
    all_names = bound + ["host", "path", "query"]
    json_names: list[str] = []
    if event == "viewer-response":
        r["respond"] = _respond(draw)
        return r
    if js2 and has_kvs and (data or draw(st.integers(0, 2)) == 0):
        fmt = draw(st.sampled_from(["string", "json"]))
        key_tpl = "x" if data else draw(st.sampled_from(["{%s}" % n for n in bound] + ["k-{path}", "\u00a7r:/a", "x", "{host}"]))
        lk: dict[str, Any] = {"key": key_tpl, "as": "v", "format": fmt}
        if draw(st.booleans()):
            lk["missing"] = _respond(draw) if draw(st.booleans()) else "next"
        r["lookup"] = lk
        if fmt == "json":
            json_names = ["v"]
        else:
            all_names.append("v")
    # with `data`, every template starts with the looked-up value
    vref = "" if not data else "{v}" if not json_names else draw(st.sampled_from(["{v.a}", "{v.b.c}"]))
    kinds = ["redirect", "rewrite", "respond"] + (["origin", "origin"] if js2 else [])
    kind = draw(st.sampled_from(kinds))
    safe_host = host_names + ["host"] + (["v"] if "v" in all_names else [])
    last = m.get("path", "/").rstrip("/*").rsplit("/", 1)[-1]
    if kind in ("redirect", "rewrite") and ":" not in m.get("path", ":") and draw(st.integers(0, 2)) == 0:
        # a target repeating the source's last segment (the planner stores it as a back-reference)
        r[kind] = draw(st.sampled_from(["/new/", "/", "/a/b/", "https://e.test/"][:3 if kind == "rewrite" else 4])) + \
            last + draw(st.sampled_from(["", ".html", "/", "?x=1"]))
    elif kind == "redirect":
        if draw(st.integers(0, 3)) == 0:
            host = draw(st.sampled_from(["https://e.test", "https://{host}", "http://{%s}.shop.test" % safe_host[0]]
                                        + ["https://{v.a}.j.test"] * bool(json_names)))
            to = draw(template(all_names, json_names, host + draw(st.sampled_from(["/", "#h", "?"])), True, vref))
        else:
            to = draw(template(all_names, json_names, "/", True, vref))
        if draw(st.booleans()):
            r["redirect"] = to
        else:
            r["redirect"] = {"to": to, "status": draw(st.sampled_from([301, 302, 303, 307, 308])),
                             "query": draw(st.sampled_from(["keep", "drop"]))}
    elif kind == "rewrite":
        lead = draw(st.sampled_from(["/"] + (["{v}"] if "v" in all_names else []) +
                                    (["{v.a}"] if json_names else [])))
        to = draw(template(all_names, json_names, lead, first=vref))
        r["rewrite"] = to if draw(st.booleans()) else {"to": to, "query": draw(st.sampled_from(["keep", "drop"]))}
    elif kind == "respond":
        r["respond"] = _respond(draw)
    else:
        hn = draw(st.sampled_from(safe_host))
        if draw(st.booleans()):
            o: dict[str, Any] = {"id": draw(st.sampled_from(["origin-a", "o-{%s}" % hn]))}
        else:
            o = {"domain": draw(st.sampled_from(["bucket.s3.amazonaws.com", "{%s}.b.test" % hn, "{host}"]))}
            if draw(st.booleans()):
                o["path"] = draw(st.sampled_from(["/p", "/p/{%s}" % hn] + (["/j/{v.a}"] if json_names else [])))
            if draw(st.booleans()):
                o["host_header"] = draw(st.sampled_from(["h.test", "{host}"]))
        r["origin"] = o
        if draw(st.booleans()):
            r["rewrite"] = draw(template(all_names, json_names, "/", first=vref))
    edits = "generated" if kind in ("redirect", "respond") else "request"
    if draw(st.integers(0, 2)) == 0:
        hs = draw(st.lists(st.sampled_from(SET_HNAMES), min_size=1, max_size=2, unique_by=str.lower))
        r["set_headers"] = {h: draw(template(all_names, json_names, "", first=vref)) for h in hs}
    if draw(st.integers(0, 3)) == 0:
        r["remove_headers"] = draw(st.lists(st.sampled_from(SET_HNAMES[:4] + (["accept"] if edits else [])),
                                            min_size=1, max_size=2, unique=True))
    return r


@st.composite
def rule_spec(draw: Any, event: str) -> dict[str, Any]:
    names = list(draw(st.permutations(NAMES)))
    m, bound = draw(match_spec(names))
    r: dict[str, Any] = dict(m)
    all_names = bound + ["host", "path", "query"]
    if draw(st.integers(0, 3)) != 0:
        hs = draw(st.lists(st.sampled_from(SET_HNAMES), min_size=1, max_size=2, unique_by=str.lower))
        r["set"] = {h: draw(template(all_names, [], "")) for h in hs}
    if "set" not in r or draw(st.booleans()):
        r["remove"] = draw(st.lists(st.sampled_from(SET_HNAMES), min_size=1, max_size=2, unique=True))
    if event == "viewer-response" and draw(st.booleans()):
        r["status"] = draw(st.lists(st.sampled_from([200, 204, 304, 404, 503]), min_size=1, max_size=3))
    return r


@st.composite
def function_spec(draw: Any, max_routes: int = 8, data: bool = False) -> dict[str, Any]:
    """One function of a routes.yaml (as data); with `data`, every route is a pattern route looking
    up the key "x", so that hostile KVS values (kvs_data(data=True)) reach every kind of template."""
    event = "viewer-request" if data else draw(st.sampled_from(["viewer-request", "viewer-request", "viewer-response"]))
    js2 = data or draw(st.integers(0, 4)) != 0
    has_kvs = js2 and (data or draw(st.integers(0, 3)) != 0)
    f: dict[str, Any] = {"event": event, "runtime": "cloudfront-js-2.0" if js2 else "cloudfront-js-1.0"}
    if has_kvs:
        f["kvs"] = {"name": "store"}
    opts: dict[str, Any] = {}
    if draw(st.booleans()):
        opts["case"] = draw(st.sampled_from(["sensitive", "insensitive"]))
    if draw(st.booleans()):
        opts["trailing_slash"] = draw(st.sampled_from(["ignore", "strict"]))
    if event == "viewer-request" and draw(st.integers(0, 2)) == 0:
        opts["index"] = draw(st.sampled_from(["index.html", "default.htm"]))
    if has_kvs and draw(st.booleans()):
        opts["spill"] = draw(st.sampled_from(["auto", "never", "always"]))
    if opts:
        f["options"] = opts
    f["routes"] = draw(st.lists(route_spec(event, js2, has_kvs, data), min_size=1 if data else 0, max_size=max_routes))
    f["headers"] = draw(st.lists(rule_spec(event), min_size=0, max_size=3))
    if not f["headers"]:
        del f["headers"]
    return f


@st.composite
def kvs_data(draw: Any, data: bool = False) -> dict[str, str]:
    """Random store contents; with `data`, the key "x" always holds a value, hostile half of the time."""
    keys = draw(st.lists(st.sampled_from(KVS_KEYS), max_size=8, unique=True))
    out = {k: draw(st.sampled_from(KVS_STRINGS + KVS_JSON)) for k in keys}
    if data:
        out["x"] = draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.sampled_from(KVS_STRINGS + KVS_JSON)))
    return out


# ------------------------------------------------------------------ events
def _entries(draw: Any, names: list[str], values: list[str], multi: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        vals = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3 if multi else 1))
        out[k] = {"value": vals[0]} if len(vals) == 1 else {"value": vals[0], "multiValue": [{"value": v} for v in vals]}
    return out


@st.composite
def uri(draw: Any) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["/", "//", "///", "/a//b", "/./a", "/../", "/a/./", "/%2e%2e/a", "/a/" * 200]))
    segs = draw(st.lists(st.sampled_from(REQ_SEGS), max_size=4))
    u = "/" + "/".join(segs)
    if segs and draw(st.integers(0, 3)) == 0:
        u += "/"
    return u


@st.composite
def host_value(draw: Any) -> str | None:
    k = draw(st.integers(0, 9))
    if k == 0:
        return None
    if k == 1:
        return draw(st.sampled_from(["", "EX.COM:", "ex.com.", ".ex.com", "a..ex.com", "[::1]:80", "xn--caf-dma.ex"]))
    labels = draw(st.lists(st.sampled_from(REQ_LABELS), min_size=1, max_size=4))
    h = ".".join(labels)
    if draw(st.integers(0, 4)) == 0:
        h += draw(st.sampled_from([":8080", ":443", ":"]))
    return h


@st.composite
def event(draw: Any, event_type: str) -> dict[str, Any]:
    """A CloudFront event in the shape CloudFront sends (names lower-case, multiValue only when repeated)."""
    headers = _entries(draw, HNAMES, HVALUES + COUNTRIES + ["de"], False)
    h = draw(host_value())
    if h is not None:
        headers["host"] = {"value": h}
    if draw(st.integers(0, 4)) == 0:
        headers["cloudfront-viewer-country"] = {"value": draw(st.sampled_from(COUNTRIES + ["", "de"]))}
    qs = _entries(draw, QNAMES, QVALUES, True)
    if draw(st.integers(0, 15)) == 0:
        qs["long"] = {"value": "v" * 3000}
    req = {"method": draw(st.sampled_from(METHODS)), "uri": draw(uri()), "querystring": qs, "headers": headers,
           "cookies": _entries(draw, CNAMES, HVALUES, True)}
    ev: dict[str, Any] = {"version": "1.0", "context": {"eventType": event_type}, "viewer": {"ip": "198.51.100.7"},
                          "request": req}
    if event_type == "viewer-response":
        ev["response"] = {"statusCode": draw(st.sampled_from([200, 204, 304, 404, 503])), "statusDescription": "x",
                          "headers": _entries(draw, ["x-a", "x-b", "server", "accept"], QVALUES, False),
                          "cookies": {}}
    return ev
