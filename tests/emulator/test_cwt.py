"""cf.cwt (CBOR Web Tokens, COSE_Mac0 + HS256) against an independent oracle.

Tokens are built and checked in Python with cbor2 (CBOR) and hmac/hashlib (HMAC-SHA256 over
the RFC 8152 MAC_structure), validated or generated in the emulator, and compared.
Source of the behaviour: DeveloperGuide "CWT support for CloudFront Functions"
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cwt-support-cloudfront-functions.html);
the choices the page leaves open are listed in docs/emulator.md ("cf.cwt").
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

import cbor2
import pytest
from cfroutes.emulator import invoke, prepare
from cfroutes.emulator.runtime import _module_sections
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import V2, request_event

KEY = b"cwt-test-key-0123456789"
PROT = cbor2.dumps({1: 5})           # protected header: alg HS256 (COSE alg 5)


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def mac_tag(key: bytes, prot: bytes, payload: bytes) -> bytes:
    return hmac.new(key, cbor2.dumps(["MAC0", prot, b"", payload]), hashlib.sha256).digest()


def make_token(claims: Any, *, key: bytes = KEY, prot: bytes = PROT, unprot: Any = None, cwt_tag: bool = True,
               cose_tag: int = 17, tag: bytes | None = None, raw_payload: bytes | None = None) -> bytes:
    payload = cbor2.dumps(claims) if raw_payload is None else raw_payload
    item: Any = cbor2.CBORTag(cose_tag, [prot, {} if unprot is None else unprot, payload,
                                         mac_tag(key, prot, payload) if tag is None else tag])
    return cbor2.dumps(cbor2.CBORTag(61, item) if cwt_tag else item)


def js_view(v: Any) -> Any:
    """What JSON.stringify shows of the decoded value: string keys, Buffers as {type, data}."""
    if isinstance(v, bytes):
        return {"type": "Buffer", "data": list(v)}
    if isinstance(v, dict):
        return {str(k): js_view(x) for k, x in v.items()}
    if isinstance(v, list):
        return [js_view(x) for x in v]
    return v


# One prepared function runs every validateToken case: token (hex) and key from the query,
# the outcome logged as "ok <json>" or "<ErrorName>: <message>".
_VALIDATE = prepare("""import cf from 'cloudfront';
function handler(event) {
  var q = event.request.querystring, key = q.kh ? Buffer.from(q.kh.value, 'hex') : q.k.value;
  try {
    var r = cf.cwt.validateToken(Buffer.from(q.t.value, 'hex'), {key: key});
    console.log('ok ' + JSON.stringify(r));
  } catch (e) { console.log(e.name + ': ' + e.message); }
  return event.request;
}""", V2, "validate.js")


def validate(token: bytes, key: bytes = KEY) -> str:
    inv = invoke(_VALIDATE, request_event(querystring={"t": {"value": token.hex()}, "kh": {"value": key.hex()}}))
    assert not inv.error, inv.error
    assert len(inv.logs) == 1, inv.logs
    return inv.logs[0]


def validated(token: bytes, key: bytes = KEY) -> dict[str, Any]:
    out = validate(token, key)
    assert out.startswith("ok "), out
    # JSON.stringify writes an integral float below 1e21 without an exponent: past 2^53 it
    # can only have been a float (the strategies keep integers within 2^53)
    return json.loads(out[3:], parse_int=lambda s: int(s) if abs(int(s)) <= 2**53 else float(s))


# ---------------------------------------------------------------- Python builds, emulator validates

def test_validate_returns_documented_shape_with_string_claim_keys() -> None:
    claims = {1: "https://iss.example.com", 2: "exampleUser", 3: "https://aud.example.com",
              4: 1444064944, 5: 1443944944, 6: 1443944944, 7: b"\x0b\x71",
              401: {1: {2: ".cloudfront.net"}, 2: {1: "/media/"}, 3: {3: [".m3u8", ".ts"]}},
              402: ["192.0.2.1"], 403: ["GET", "HEAD"], 404: {1: "header_renewal", 2: 1750000000, 3: 5}}
    r = validated(make_token(claims, unprot={4: b"Symmetric256"}))
    assert r == {"protectedHeaders": {"1": 5}, "unprotectedHeaders": {"4": js_view(b"Symmetric256")},
                 "payload": js_view(claims)}


@pytest.mark.parametrize("cwt_tag", [True, False])
def test_cwt_tag_is_optional(cwt_tag: bool) -> None:
    assert validated(make_token({1: "a"}, cwt_tag=cwt_tag))["payload"] == {"1": "a"}


def test_string_key_buffer_key_and_empty_protected_bucket() -> None:
    tok = make_token({2: "s"})
    inv = invoke(_VALIDATE, request_event(querystring={"t": {"value": tok.hex()}, "k": {"value": KEY.decode()}}))
    assert inv.logs[0].startswith("ok "), inv.logs
    # alg in the unprotected bucket with an empty protected header (RFC 8152 allows either)
    alt = make_token({2: "s"}, prot=b"", unprot={1: 5})
    assert validated(alt)["protectedHeaders"] == {}


_leaf = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=12), st.binary(max_size=12),
                  st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False))
_key = st.one_of(st.integers(-1000, 100000), st.text(max_size=6).filter(lambda s: not re.fullmatch(r"-?\d+", s)))


def _map(values: Any) -> Any:
    return st.dictionaries(_key, values, max_size=5)


_value = st.recursive(_leaf, lambda ch: st.lists(ch, max_size=4) | _map(ch), max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_map(_value), st.booleans(), st.booleans())
def test_any_claim_set_built_by_cbor2_validates(claims: dict[Any, Any], canonical: bool, cwt_tag: bool) -> None:
    payload = cbor2.dumps(claims, canonical=canonical)   # canonical: shortest floats (half/single)
    tok = make_token(None, raw_payload=payload, cwt_tag=cwt_tag)
    assume(len(tok) <= 1024)
    assert validated(tok)["payload"] == js_view(claims)


def test_rfc8392_example_token_is_refused_for_its_algorithm() -> None:
    """The page's structure example is RFC 8392 A.4 (alg 4, HMAC 256/64, 8-byte tag); the module
    supports HS256 only. The oracle first checks the vector is what the RFC says it is."""
    key = bytes.fromhex("403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388")
    tok = bytes.fromhex(
        "d83dd18443a10104a1044c53796d6d65747269633235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d"
        "02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a56"
        "10d9f007420b7148093101ef6d789200")
    outer = cbor2.loads(tok)
    prot, unprot, payload, tag = outer.value.value
    assert (outer.tag, outer.value.tag, cbor2.loads(prot)) == (61, 17, {1: 4})
    assert mac_tag(key, prot, payload)[:8] == tag == bytes.fromhex("093101ef6d789200")
    assert validate(tok, key) == "Error: CWT validation failed: unsupported algorithm 4 (only HS256, COSE alg 5)"


# ---------------------------------------------------------------- failure modes

_BIG = {1: "x" * 1000}


@pytest.mark.parametrize("token, message", [
    (make_token({1: "a"}, cose_tag=18), "not a COSE_Mac0 token"),
    (cbor2.dumps([PROT, {}, cbor2.dumps({}), b"0" * 32]), "not a COSE_Mac0 token"),
    (cbor2.dumps(cbor2.CBORTag(61, [PROT, {}, cbor2.dumps({}), b"0" * 32])), "not a COSE_Mac0 token"),
    (cbor2.dumps(cbor2.CBORTag(17, cbor2.CBORTag(61, []))), "COSE_Mac0 must be an array of 4 items"),
    (make_token({1: "a"}, tag=b"\x00" * 32), "signature verification failed"),
    (make_token({1: "a"}, key=b"another key"), "signature verification failed"),
    (make_token({1: "a"}, tag=mac_tag(KEY, PROT, cbor2.dumps({1: "a"}))[:31]), "HS256 tag must be 32 bytes, got 31"),
    (make_token({1: "a"}, prot=cbor2.dumps({1: 6})), "unsupported algorithm 6"),
    (make_token({1: "a"}, prot=cbor2.dumps({1: -7})), "unsupported algorithm -7"),
    (make_token({1: "a"}, prot=cbor2.dumps({1: "5"})), 'unsupported algorithm "5"'),
    (make_token({1: "a"}, prot=cbor2.dumps({4: b"kid"})), "unsupported algorithm undefined"),
    (make_token({1: "a"}, prot=cbor2.dumps([1, 5])), "protected header must be a CBOR map"),
    (make_token({1: "a"}, unprot=[1]), "unprotected header must be a CBOR map"),
    (cbor2.dumps(cbor2.CBORTag(17, [{1: 5}, {}, cbor2.dumps({}), b"0" * 32])), "protected header must be a CBOR byte string"),
    (cbor2.dumps(cbor2.CBORTag(17, [PROT, {}, {1: "a"}, b"0" * 32])), "payload must be a CBOR byte string"),
    (cbor2.dumps(cbor2.CBORTag(17, [PROT, {}, None, b"0" * 32])), "payload must be a CBOR byte string"),
    (make_token(None, raw_payload=cbor2.dumps([1, 2])), "payload must be a CBOR map"),
    (make_token(None, raw_payload=cbor2.dumps({1: "a"}) + b"\x00"), "trailing bytes after the CBOR item"),
    (make_token({1: "a"}) + b"\x00", "trailing bytes after the CBOR item"),
    (make_token(None, raw_payload=b"\xa2\x01\x61a\x01\x61b"), "duplicate CBOR map key 1"),
    (make_token(None, raw_payload=b"\xa1\x01\x62\xc3\x28"), "invalid UTF-8 in a CBOR text string"),
    (make_token(None, raw_payload=b"\xa1\x41k\x01"), "CBOR map keys must be integers or text strings"),
    (make_token(None, raw_payload=b"\xa1\x01\xf0"), "unsupported CBOR simple value"),
    (make_token(_BIG), "token exceeds the 1 KB limit"),
])
def test_invalid_tokens_throw(token: bytes, message: str) -> None:
    out = validate(token)
    assert out.startswith("Error: CWT validation failed: "), out
    assert message in out


def test_size_limit_is_1024_bytes() -> None:
    sizes = {len(make_token({1: "x" * n})): n for n in range(900, 1020)}
    at, over = make_token({1: "x" * sizes[1024]}), make_token({1: "x" * sizes[1025]})
    assert len(at) == 1024 and validated(at)["payload"]["1"] == "x" * sizes[1024]
    assert validate(over) == "Error: CWT validation failed: token exceeds the 1 KB limit (1025 bytes)"


def test_every_truncation_throws_cleanly() -> None:
    tok = make_token({1: "iss", 4: 1700000000, 7: b"\x01\x02", 401: {2: {1: "/a/"}}}, unprot={4: b"k"})
    for n in range(len(tok)):
        out = validate(tok[:n])
        assert out.startswith("Error: CWT validation failed: "), (n, out)


@pytest.mark.parametrize("call, message", [
    ("cf.cwt.validateToken('abc', {key: 'k'})", "TypeError: cwt.validateToken: token must be a Buffer"),
    ("cf.cwt.validateToken(new Uint8Array(4), {key: 'k'})", "TypeError: cwt.validateToken: token must be a Buffer"),
    ("cf.cwt.validateToken(Buffer.from('d1', 'hex'), {})", "TypeError: cwt.validateToken: key must be a non-empty string or Buffer"),
    ("cf.cwt.validateToken(Buffer.from('d1', 'hex'), {key: 42})", "TypeError: cwt.validateToken: key must be a non-empty string or Buffer"),
    ("cf.cwt.validateToken(Buffer.from('d1', 'hex'))", "TypeError: cwt.validateToken: key must be a non-empty string or Buffer"),
    ("cf.cwt.validateToken(Buffer.from('d1', 'hex'), {key: ''})", "TypeError: cwt.validateToken: key must be a non-empty string or Buffer"),
    ("cf.cwt.generateToken({payload: {}}, {coseTag: 'Sign1', key: 'k'})", 'Error: CWT generation failed: coseTag must be "MAC0"'),
    ("cf.cwt.generateToken({payload: {}}, {key: 'k'})", 'Error: CWT generation failed: coseTag must be "MAC0"'),
    ("cf.cwt.generateToken({payload: {}}, {coseTag: 'MAC0'})", "TypeError: cwt.generateToken: key must be a non-empty string or Buffer"),
    ("cf.cwt.generateToken({payload: {}}, {coseTag: 'MAC0', key: 'k', cwtTag: 'yes'})", "TypeError: cwt.generateToken: cwtTag must be a boolean"),
    ("cf.cwt.generateToken({}, {coseTag: 'MAC0', key: 'k'})", "TypeError: cwt.generateToken: the token must be an object with a payload object"),
    ("cf.cwt.generateToken({payload: {}})", "TypeError: cwt.generateToken: a context {coseTag: 'MAC0', key} is required"),
    ("cf.cwt.generateToken({protected: {1: 4}, payload: {}}, {coseTag: 'MAC0', key: 'k'})", "Error: CWT generation failed: unsupported algorithm 4"),
    ("cf.cwt.generateToken({protected: 5, payload: {}}, {coseTag: 'MAC0', key: 'k'})", "TypeError: cwt.generateToken: protected headers must be an object"),
    ("cf.cwt.generateToken({payload: {1: undefined}}, {coseTag: 'MAC0', key: 'k'})", "TypeError: CWT generation failed: cannot encode undefined in a CWT"),
    ("cf.cwt.generateToken({payload: {1: function () {}}}, {coseTag: 'MAC0', key: 'k'})", "TypeError: CWT generation failed: cannot encode a function in a CWT"),
    ("cf.cwt.generateToken({payload: {1: 'x'.repeat(1020)}}, {coseTag: 'MAC0', key: 'k'})", "Error: CWT generation failed: token exceeds the 1 KB limit"),
    ("cf.cwt.generateToken({payload: {1: 'x'.repeat(950)}, unprotected: {2: 'y'.repeat(40)}}, {coseTag: 'MAC0', key: 'k'})",
     "Error: CWT generation failed: token exceeds the 1 KB limit"),
    ("var o = {}; o.self = o; cf.cwt.generateToken({payload: o}, {coseTag: 'MAC0', key: 'k'})",
     "Error: CWT generation failed: value nested deeper than 16 levels (or cyclic)"),
    ("var a = []; for (var i = 0; i < 20000; i++) a.push(i); cf.cwt.generateToken({payload: {1: a}}, {coseTag: 'MAC0', key: 'k'})",
     "Error: CWT generation failed: token exceeds the 1 KB limit"),
])
def test_bad_arguments_throw(call: str, message: str) -> None:
    src = ("import cf from 'cloudfront';\nfunction handler(event) {\n"
           f"  try {{ {call}; console.log('no error'); }} catch (e) {{ console.log(e.name + ': ' + e.message); }}\n"
           "  return event.request;\n}")
    inv = invoke(prepare(src, V2), request_event())
    assert not inv.error and inv.logs[0].startswith(message), inv.logs


# ---------------------------------------------------------------- hostile CBOR: fails fast, in bounds

def _nest(depth: int) -> bytes:
    return b"\x81" * depth + b"\x00"


@pytest.mark.parametrize("token, message", [
    (b"\xd1" + _nest(1000), "CBOR nested deeper than 16 levels"),                 # before any MAC work
    (make_token(None, raw_payload=b"\xa1\x01" + _nest(900)), "CBOR nested deeper than 16 levels"),  # signed
    (b"\xd1" + b"\xd1" * 900 + b"\x80", "CBOR nested deeper than 16 levels"),         # tags count as nesting
    (b"\xd1\x84\x5b" + b"\xff" * 8, "truncated CBOR"),                            # 2^64-1 byte string
    (b"\xd1\x9b" + b"\xff" * 8, "truncated CBOR"),                                # 2^64-1 items
    (b"\xd1\xbb" + b"\x7f" + b"\xff" * 7, "truncated CBOR"),                      # 2^63-1 pairs
    (b"\xd1\x9a\xff\xff\xff\xff" + b"\x00" * 900, "truncated CBOR"),
    (b"\xd1\x9f\x01\xff", "indefinite-length CBOR items are not supported"),
    (b"\xd1\x84\x5f\x41a\xff\xa0\x40\x40", "indefinite-length CBOR items are not supported"),
    (make_token(None, raw_payload=b"\xbf\x01\x02\xff"), "indefinite-length CBOR items are not supported"),
    (b"\xd1\x81\xff", "unexpected CBOR break"),
    (b"\xd1\x1c", "malformed CBOR (reserved additional information 28)"),
    (b"\xc1\x00", "not a COSE_Mac0 token"),                       # tag 1 (epoch time)
    (b"\xdf", "indefinite-length CBOR items are not supported"),
])
def test_hostile_cbor_fails_cleanly(token: bytes, message: str) -> None:
    out = validate(token)
    assert out.startswith("Error: CWT validation failed: ") and message in out, out


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_the_error_path(junk: bytes) -> None:
    for tok in (b"\xd1\x84" + junk, b"\xd8\x3d\xd1" + junk, junk):
        out = validate(tok)
        assert out.startswith("Error: CWT validation failed: "), (tok.hex(), out)


# ---------------------------------------------------------------- emulator generates, Python verifies

_GEN = prepare("""import cf from 'cloudfront';
function handler(event) {
  var q = event.request.querystring;
  var tok = JSON.parse(q.j.value, function (k, v) {
    return v && typeof v === 'object' && typeof v['\\u0000b'] === 'string' ? Buffer.from(v['\\u0000b'], 'hex') : v;
  });
  var ctx = {coseTag: 'MAC0', key: q.k.value};
  if (q.tag) ctx.cwtTag = q.tag.value === '1';
  var out = q.order.value === 'ctx-first' ? cf.cwt.generateToken(ctx, tok) : cf.cwt.generateToken(tok, ctx);
  console.log(out.toString('base64url'));
  return event.request;
}""", V2, "generate.js")


def _to_js(v: Any) -> Any:
    if isinstance(v, bytes):
        return {"\u0000b": v.hex()}
    if isinstance(v, dict):
        return {str(k): _to_js(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_js(x) for x in v]
    return v


def generate(token: dict[str, Any], *, order: str = "token-first", cwt_tag: bool | None = None) -> bytes:
    q = {"j": {"value": json.dumps(_to_js(token))}, "k": {"value": KEY.decode()}, "order": {"value": order}}
    if cwt_tag is not None:
        q["tag"] = {"value": "1" if cwt_tag else "0"}
    inv = invoke(_GEN, request_event(querystring=q))
    assert not inv.error, inv.error
    return unb64url(inv.logs[0])


def verify(token: bytes, *, cwt_tag: bool) -> tuple[Any, Any, Any]:
    """cbor2 + hmac: the token's structure and MAC; returns (protected, unprotected, claims)."""
    obj = cbor2.loads(token)
    if cwt_tag:
        assert isinstance(obj, cbor2.CBORTag) and obj.tag == 61
        obj = obj.value
    assert isinstance(obj, cbor2.CBORTag) and obj.tag == 17
    prot, unprot, payload, tag = obj.value
    assert hmac.compare_digest(tag, mac_tag(KEY, prot, payload))
    return cbor2.loads(prot), unprot, cbor2.loads(payload)


@pytest.mark.parametrize("order", ["token-first", "ctx-first"])
@pytest.mark.parametrize("cwt_tag", [True, False, None])
def test_generate_both_argument_orders_and_tags(order: str, cwt_tag: bool | None) -> None:
    claims = {1: "cloudfront", 4: 1740000000, 7: b"\x01\x02", 403: ["GET", "HEAD"]}
    tok = generate({"protected": {1: "5"}, "unprotected": {4: b"kid-1"}, "payload": claims}, order=order, cwt_tag=cwt_tag)
    assert verify(tok, cwt_tag=bool(cwt_tag)) == ({1: 5}, {4: b"kid-1"}, claims)


def test_generate_adds_hs256_and_accepts_validate_output_spelling() -> None:
    tok = generate({"payload": {2: "sub"}})
    assert verify(tok, cwt_tag=False) == ({1: 5}, {}, {2: "sub"})
    tok = generate({"protectedHeaders": {1: 5}, "unprotectedHeaders": {}, "payload": {2: "sub"}})
    assert verify(tok, cwt_tag=False)[0] == {1: 5}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_map(_value))
def test_generated_tokens_decode_to_the_claims(claims: dict[Any, Any]) -> None:
    assume(len(make_token(claims)) <= 1000)   # generous room: the emulator may pick other float widths
    tok = generate({"payload": claims}, cwt_tag=True)
    assert verify(tok, cwt_tag=True)[2] == claims
    assert validated(tok)["payload"] == js_view(claims)   # and the emulator reads its own tokens


# ---------------------------------------------------------------- the page's examples, and a CAT gate

# The page's first example, in its own logic: kid and token from headers, the secret from the
# KVS by kid, 401 "Invalid token" when validateToken throws, 402 when anything else fails.
# (Its expiry check reads cwtObj[4], at the top level, where the documented result has no
# claims; kept as written, so it never fires.)
_DOC_VALIDATE = """import cf from 'cloudfront'
const Claims = { iss: 1, aud: 3, exp: 4 }
async function handler(event) {
  let request = event.request;
  try {
    let token = request.headers['x-cwt-token'].value;
    let secret = await cf.kvs().get(request.headers['x-cwt-kid'].value);
    try {
      let obj = cf.cwt.validateToken(Buffer.from(token, 'base64url'), { key: secret });
      const now = Math.floor(Date.now() / 1000);
      if (obj[Claims.exp] && obj[Claims.exp] < now) return { statusCode: 401, statusDescription: 'Token expired' };
    } catch (e) {
      return { statusCode: 401, statusDescription: 'Invalid token' };
    }
  } catch (e) {
    return { statusCode: 402, statusDescription: 'Token processing failed' };
  }
  return request;
}
"""


@pytest.mark.parametrize("headers, status", [
    ({"x-cwt-token": b64url(make_token({1: "https://iss.example.com", 4: 1})), "x-cwt-kid": "k1"}, None),
    ({"x-cwt-token": b64url(make_token({1: "x"}, key=b"wrong")), "x-cwt-kid": "k1"}, 401),
    ({"x-cwt-token": "AAAA", "x-cwt-kid": "k1"}, 401),
    ({"x-cwt-token": b64url(make_token({1: "x"})), "x-cwt-kid": "missing"}, 402),
    ({"x-cwt-kid": "k1"}, 402),
])
def test_doc_example_validate_with_kid_from_kvs(headers: dict[str, str], status: int | None) -> None:
    ev = request_event(headers={k: {"value": v} for k, v in headers.items()})
    inv = invoke(prepare(_DOC_VALIDATE, V2, "doc-validate.js"), ev, kvs={"k1": KEY.decode()})
    assert not inv.error, inv.error
    if status is None:
        assert "request" in inv.output
    else:
        assert inv.output["response"]["statusCode"] == status


# The page's generate example (a CAT with catu/catnip/catm/catr), written without computed
# property names (the static profile refuses `{[C.iss]: ...}`; see the report) and with the
# `request` it forgets to declare; the result goes out in x-generated-cwt-token.
_DOC_GENERATE = """import cf from 'cloudfront';
async function handler(event) {
  const request = event.request;
  const payload = {};
  payload[1] = 'cloudfront-documentation';
  payload[2] = 'cwt-support-on-cloudfront-functions';
  payload[4] = 1740000000;
  payload[401] = { 1: { 2: '.cloudfront.net' }, 2: { 1: '/media/live-stream/cf-4k/' }, 3: { 3: ['.m3u8', '.ts', '.mpd'] } };
  payload[402] = ['192.0.2.10', '198.51.100.20'];
  payload[403] = ['GET', 'HEAD'];
  payload[404] = { 1: 'header_renewal', 2: 1750000000, 3: 5 };
  const token = { protected: { 1: '5' }, unprotected: {}, payload: payload };
  try {
    const secret = await cf.kvs().get(request.headers['x-cwt-kid'].value);
    try {
      const buf = cf.cwt.generateToken(token, { cwtTag: true, coseTag: 'MAC0', key: secret });
      return { statusCode: 200, statusDescription: 'OK', headers: { 'x-generated-cwt-token': { value: buf.toString('base64url') } } };
    } catch (e) {
      return { statusCode: 401, statusDescription: 'Could not generate the token' };
    }
  } catch (e) {
    return { statusCode: 402, statusDescription: 'Token processing failed' };
  }
}
"""


def test_doc_example_generate_cat() -> None:
    inv = invoke(prepare(_DOC_GENERATE, V2, "doc-generate.js"), request_event(headers={"x-cwt-kid": {"value": "k1"}}),
                 kvs={"k1": KEY.decode()})
    assert not inv.error and inv.output["response"]["statusCode"] == 200, (inv.error, inv.output)
    tok = unb64url(inv.output["response"]["headers"]["x-generated-cwt-token"]["value"])
    prot, unprot, claims = verify(tok, cwt_tag=True)
    assert (prot, unprot) == ({1: 5}, {})
    assert claims[401] == {1: {2: ".cloudfront.net"}, 2: {1: "/media/live-stream/cf-4k/"}, 3: {3: [".m3u8", ".ts", ".mpd"]}}
    assert (claims[1], claims[403], claims[404]) == ("cloudfront-documentation", ["GET", "HEAD"],
                                                     {1: "header_renewal", 2: 1750000000, 3: 5})


# The page's refresh example: validate, and when exp has passed, generate the same token with
# exp 8 hours later. Reads exp from .payload (the documented result) so the branch runs, and
# sends the new token as {value} (a bare string header is a 502 in CloudFront).
_DOC_REFRESH = """import cf from 'cloudfront'
async function handler(event) {
  let request = event.request;
  let secret = await cf.kvs().get(request.headers['x-cwt-kid'].value);
  let cwt;
  try {
    cwt = cf.cwt.validateToken(Buffer.from(request.headers['x-cwt-token'].value, 'base64url'), { key: secret });
  } catch (e) {
    return { statusCode: 401, statusDescription: 'Invalid token' };
  }
  const now = Math.floor(Date.now() / 1000);
  if (cwt.payload[4] && cwt.payload[4] < now) {
    cwt.payload[4] = now + 8 * 60 * 60;
    let fresh = cf.cwt.generateToken(cwt, { coseTag: 'MAC0', key: secret });
    request.headers['x-cwt-regenerated-token'] = { value: fresh.toString('base64url') };
  }
  return request;
}
"""


def test_doc_example_refresh_reissues_an_expired_token() -> None:
    old = make_token({1: "iss", 4: 1000, 7: b"\x07"}, unprot={4: b"k1"})
    ev = request_event(headers={"x-cwt-token": {"value": b64url(old)}, "x-cwt-kid": {"value": "k1"}})
    inv = invoke(prepare(_DOC_REFRESH, V2, "doc-refresh.js"), ev, kvs={"k1": KEY.decode()})
    assert not inv.error, inv.error
    fresh = unb64url(inv.output["request"]["headers"]["x-cwt-regenerated-token"]["value"])
    prot, unprot, claims = verify(fresh, cwt_tag=False)
    assert (prot, unprot, claims[1], claims[7]) == ({1: 5}, {4: b"k1"}, "iss", b"\x07")
    assert claims[4] > 1_700_000_000


# A CAT gate as a user would write it: token from ?cat= or the CTA-Common-Access-Token header;
# 401 when missing, invalid or expired; 403 when catu's path prefix or catm's methods refuse.
_CAT_GATE = """import cf from 'cloudfront';
function handler(event) {
  var r = event.request, t = r.querystring.cat ? r.querystring.cat.value
        : r.headers['cta-common-access-token'] ? r.headers['cta-common-access-token'].value : null;
  if (!t) return { statusCode: 401, statusDescription: 'Unauthorized' };
  var p;
  try { p = cf.cwt.validateToken(Buffer.from(t, 'base64url'), { key: 'cat-secret' }).payload; }
  catch (e) { return { statusCode: 401, statusDescription: 'Unauthorized' }; }
  if (p[4] !== undefined && p[4] <= Math.floor(Date.now() / 1000)) return { statusCode: 401, statusDescription: 'Unauthorized' };
  var path = p[401] && p[401][2];
  if (path && path[1] !== undefined && r.uri.indexOf(path[1]) !== 0) return { statusCode: 403, statusDescription: 'Forbidden' };
  if (p[403] && p[403].indexOf(r.method) < 0) return { statusCode: 403, statusDescription: 'Forbidden' };
  delete r.querystring.cat;
  return r;
}
"""
_CAT = prepare(_CAT_GATE, V2, "cat-gate.js")
_FAR = 4_000_000_000


def _cat(claims: dict[int, Any], key: bytes = b"cat-secret") -> str:
    return b64url(make_token(claims, key=key))


@pytest.mark.parametrize("where, token, uri, method, status", [
    ("query", _cat({4: _FAR, 401: {2: {1: "/media/"}}, 403: ["GET"]}), "/media/a.m3u8", "GET", None),
    ("header", _cat({4: _FAR, 401: {2: {1: "/media/"}}}), "/media/a.ts", "GET", None),
    ("query", None, "/media/a.ts", "GET", 401),
    ("query", _cat({4: _FAR}, key=b"other"), "/media/a.ts", "GET", 401),
    ("query", _cat({4: 1000}), "/media/a.ts", "GET", 401),
    ("header", _cat({4: _FAR, 401: {2: {1: "/media/"}}}), "/admin/", "GET", 403),
    ("query", _cat({4: _FAR, 403: ["GET", "HEAD"]}), "/media/a.ts", "DELETE", 403),
])
def test_cat_gate(where: str, token: str | None, uri: str, method: str, status: int | None) -> None:
    qs: dict[str, Any] = {"a": {"value": "1"}}
    headers: dict[str, Any] = {"host": {"value": "d111111abcdef8.cloudfront.net"}}
    if token is not None:
        if where == "query":
            qs["cat"] = {"value": token}
        else:
            headers["cta-common-access-token"] = {"value": token}
    inv = invoke(_CAT, request_event(uri=uri, method=method, querystring=qs, headers=headers))
    assert not inv.error, inv.error
    if status is None:
        assert inv.output["request"]["querystring"] == {"a": {"value": "1"}}
    else:
        assert inv.output["response"]["statusCode"] == status


# ---------------------------------------------------------------- where cf.cwt exists

def test_cwt_section_loads_only_for_2_0_cloudfront_functions_that_name_it() -> None:
    assert "cwt" in _module_sections(V2, {"cloudfront"}, {"cf", "cwt", "validateToken"})
    assert "cwt" not in _module_sections(V2, {"cloudfront"}, {"cf", "kvs"})
    assert "cwt" not in _module_sections("cloudfront-js-1.0", set(), {"cwt"})
    # reached reflectively: every section, cwt included
    src = "import cf from 'cloudfront';\nfunction handler(e) { console.log(typeof globalThis + ' ' + Object.keys(cf[['c', 'w', 't'].join('')]).join()); return e.request; }"
    assert invoke(prepare(src, V2), request_event()).logs == ["object validateToken,generateToken"]


def test_uncaught_error_points_at_the_call() -> None:
    pad = "\n".join(f"var v{i} = {i};" for i in range(40))
    src = (f"import cf from 'cloudfront';\n{pad}\nfunction handler(event) {{\n"
           "  var r = cf.cwt.validateToken(Buffer.from('d1', 'hex'), {key: 'k'});\n  return event.request;\n}\n")
    inv = invoke(prepare(src, V2, "fn.js"), request_event())
    assert re.fullmatch(r"Error: CWT validation failed: truncated CBOR \(at fn\.js:43:\d+\)", inv.error), inv.error


def test_cwt_time_is_not_charged_as_the_functions_compute() -> None:
    """cf.cwt is native at the edge; its pure-JS CBOR and HMAC here must not read as 100 %."""
    tok = make_token({1: "iss", 4: 1444064944})
    src = ("import cf from 'cloudfront';\nfunction handler(event) {\n"
           f"  var t = Buffer.from('{tok.hex()}', 'hex');\n"
           f"  for (var i = 0; i < 30; i++) cf.cwt.validateToken(t, {{key: '{KEY.decode()}'}});\n  return event.request;\n}}\n")
    inv = invoke(prepare(src, V2), request_event())
    assert not inv.error and inv.duration_us > 3000      # 30 pure-JS validations take milliseconds here
    assert inv.compute_utilization < 50, inv              # what is left is a 30-step loop
