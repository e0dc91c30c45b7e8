"""The rows of docs/fidelity.md that are about njs, checked against njs itself, and the
emulator additions found by going through the AWS runtime pages member by member."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cfroutes.emulator import njs as _njs
from cfroutes.platform.jscheck import check_source, lint_source
from support import BOTH, V1, V2, body, fails, run

NJS = _njs.binary() or "njs"
needs_njs = pytest.mark.njs


def njs(tmp_path: Path, code: str) -> tuple[int, str]:
    """Run `code` as a script in njs; (exit status, stdout + stderr)."""
    f = tmp_path / "probe.js"
    f.write_text(code)
    p = subprocess.run([NJS, str(f)], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


# (row of docs/fidelity.md, source CloudFront refuses, njs 0.7.9's message or None when njs accepts it)
REFUSED = [
    ("await in call arguments", "async function handler(e) { var x = JSON.parse(await e); return x; }",
     "await in arguments not supported"),
    ("await in new arguments", "async function handler(e) { var x = new String(`${await e}`); return x; }",
     "await in arguments not supported"),
    ("optional catch binding", "function handler(e) { try { e.x(); } catch { } return e; }",
     'Token "{" not supported in this version'),
    ("top-level await", "var v = await 1;\nfunction handler(e) { return e; }", "await is only valid in async functions"),
    ("await in a sync function", "async function handler(e) { function f() { return await e; } return f(); }",
     "await is only valid in async functions"),
    ("async arrow", "async function handler(e) { var f = async () => 1; return e; }", None),
    ("async function expression", "async function handler(e) { var f = async function () {}; return e; }", None),
]


@needs_njs
@pytest.mark.parametrize("row,src,njs_message", REFUSED, ids=[r[0] for r in REFUSED])
def test_njs_column(tmp_path: Path, row: str, src: str, njs_message: str | None) -> None:
    status, out = njs(tmp_path, src + "\nconsole.log('loaded');")
    if njs_message is None:  # njs 0.7.9 accepts it; the profile refuses it because AWS says so
        assert status == 0 and "loaded" in out, out
    else:
        assert status != 0 and f"SyntaxError: {njs_message}" in out, out


@pytest.mark.parametrize("row,src,njs_message", REFUSED, ids=[r[0] for r in REFUSED])
def test_profile_refuses_with_the_njs_wording(row: str, src: str, njs_message: str | None) -> None:
    issues = check_source(src, V2)
    assert len(issues) == 1, issues
    if njs_message is not None:
        assert issues[0].message == njs_message


MISSING = ["'a'.localeCompare", "'a'.toLocaleUpperCase", "'a'.toLocaleLowerCase", "[].toLocaleString",
           "({}).toLocaleString", "(1).toLocaleString", "new Uint8Array(1).toLocaleString"]


@needs_njs
@pytest.mark.parametrize("expr", MISSING)
def test_njs_lacks_the_locale_methods(tmp_path: Path, expr: str) -> None:
    assert njs(tmp_path, f"console.log(typeof {expr});") == (0, "undefined\n")


@needs_njs
def test_njs_keeps_date_locale_methods(tmp_path: Path) -> None:
    code = "var d = new Date(0); console.log(typeof d.toLocaleString + typeof d.toLocaleDateString + typeof d.toLocaleTimeString);"
    assert njs(tmp_path, code) == (0, "functionfunctionfunction\n")


@pytest.mark.parametrize("runtime", BOTH)
@pytest.mark.parametrize("expr", MISSING)
def test_emulator_lacks_the_locale_methods(runtime: str, expr: str) -> None:
    inv = run(body(f"console.log(typeof {expr});", runtime), runtime)
    assert inv.logs == ["undefined"], inv.error
    assert lint_source(body(f"{expr}();", runtime), runtime), "no static warning"


# ------------------------------------------------------------------ Buffer (runtime 2.0 page)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_buffer_variable_width_integers(n: int) -> None:
    data = bytes([0x81, 0x02, 0xF3, 0x04, 0x95, 0x06, 0x07])
    arr = ",".join(str(b) for b in data)
    code = (f"var b = Buffer.from([{arr}]), w = Buffer.alloc(8), out = [b.readUIntBE(1, {n}), b.readUIntLE(1, {n}),"
            f" b.readIntBE(0, {n}), b.readIntLE(0, {n})];"
            f" out.push(w.writeIntLE(-3, 1, {n}), w.readIntLE(1, {n}), w.writeUIntBE({2 ** (8 * n) - 2}, 0, {n}),"
            f" w.readUIntBE(0, {n})); console.log(out.join());")
    inv = run(body(code, V2), V2)
    assert inv.error == ""
    want = [int.from_bytes(data[1:1 + n], "big"), int.from_bytes(data[1:1 + n], "little"),
            int.from_bytes(data[:n], "big", signed=True), int.from_bytes(data[:n], "little", signed=True),
            1 + n, -3, n, 2 ** (8 * n) - 2]
    assert inv.logs == [",".join(map(str, want))]


@pytest.mark.parametrize("call", ["readUIntBE(0, 7)", "readIntLE(0, 0)", "readUIntLE(2, 2)", "writeIntBE(1, 2, 2)"])
def test_buffer_variable_width_bounds(call: str) -> None:
    assert fails(body(f"Buffer.alloc(3).{call};", V2), V2).startswith("RangeError: ")


@needs_njs
def test_buffer_variable_width_matches_njs(tmp_path: Path) -> None:
    code = ("var b = Buffer.from([129, 2, 243, 4, 149, 6]), w = Buffer.alloc(6);"
            " var o = [b.readUIntBE(0, 6), b.readIntLE(0, 5), b.readIntBE(1, 3), w.writeUIntLE(65534, 2, 3), w.toString('hex')];"
            " console.log(o.join());")
    status, out = njs(tmp_path, code)
    assert status == 0
    assert run(body(code, V2), V2).logs == [out.strip()]


# ------------------------------------------------------------------ the table names real tests
def test_every_test_named_in_docs_fidelity_exists() -> None:
    import re

    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "fidelity.md").read_text(encoding="utf-8")
    files = {p.name: p for p in (root / "tests").rglob("test_*.py")}
    named = 0
    for row in (line for line in text.splitlines() if re.match(r"\| \d+ \|", line)):
        cell = row.rstrip(" |").rsplit(" | ", 1)[-1]
        current = None
        for ref in re.findall(r"((?:tests/[\w/]+/)?test_\w+\.py)?::(test_\w+)", cell):
            path, name = ref
            if path:
                current = files[Path(path).name]
            assert current is not None, row
            assert re.search(rf"^def {name}\(", current.read_text(encoding="utf-8"), re.M), f"{name} in {row[:40]}"
            named += 1
    assert named >= 40


# ------------------------------------------------------------------ known gaps (docs/fidelity.md 31, 32, 35)
# These pin the documented behaviour: when one changes, the table must change with it.
def test_gap_regexp_flags_readable_in_1_0() -> None:
    assert run(body("console.log(/a/g.flags + typeof /a/.sticky);", V1), V1).logs == ["gboolean"]
    assert check_source(body("var r = /a/y;", V1), V1), "the y flag itself stays refused in 1.0"


def test_gap_text_decoder_fields_are_own_properties() -> None:
    code = ("var d = new TextDecoder('utf-8', {fatal: true}); console.log(d.encoding + d.fatal + d.ignoreBOM"
            " + Object.prototype.hasOwnProperty.call(d, 'fatal'));")
    assert run(body(code, V2), V2).logs == ["utf-8truefalsetrue"]


def test_symbol_global_kept_in_1_0() -> None:
    assert run(body("console.log(typeof Symbol + typeof Symbol.iterator);", V1), V1).logs == ["functionsymbol"]
