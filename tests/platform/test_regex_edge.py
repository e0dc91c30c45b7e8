"""Regexes that QuickJS accepts but CloudFront's engine (njs, PCRE2) refuses or reads otherwise
are refused at build time with the engine's reason; each case is checked against njs."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.platform.regexcheck import edge_problems, regex_error

# pattern, what the message says, whether njs refuses it outright (else: it reads it differently)
REFUSED = [
    ("^/[^]$", "empty class", True),
    ("^/a[]$", "empty class", True),
    ("^/a{1000000}$", "over 65535", True),
    ("^/a{65536}$", "over 65535", True),
    ("^/(a|b){20000}$", "regular expression is too large", True),
    ("^/(?:ab){6553}$", "regular expression is too large", True),
    ("^/(?:[a-z]x){1599}$", "regular expression is too large", True),
    ("^/(?:ab){1,3856}$", "regular expression is too large", True),
    ("^/(?:(?:ab){10}){619}$", "regular expression is too large", True),
    ("^/\\8$", "refers to group 8", True),
    ("^/(a)\\2$", "refers to group 2", True),
    ("^/\\y$", "refused by the edge", True),
    ("^/\\k$", "refused by the edge", True),
    ("^/[\\A]$", "an anchor", True),
    ("^/\\A$", "an anchor", False),
    ("^/a\\z", "an anchor", False),
    ("^/\\h$", "horizontal white space", False),
    ("^/\\e$", "ESC", False),
    ("^/a\\vb$", "vertical white space", False),
    ("^/[[:alpha:]]+$", "POSIX class", False),
    ("^/(?i:ab)$", "inline modifiers", False),
    ("^/(?<a>x)[\\k<a>]$", "inside a class", True),
    ("^/(x)\\k<a>$", "refused by the edge", True),
]
ACCEPTED = ["^/(?:ab){6552}$", "^/(a|b){4368}$", "^/(?:[a-z]x){1598}$", "^/(?:ab){1,3850}$", "^/[a-z]{65535}$",
            "^/(?:a{1000}){1000}$", "^/p/(?<id>[0-9]+)\\k<id>$", "^/\\d\\w\\s\\b\\n\\x41\\u0041\\cA\\/\\-$",
            "^/(a)\\1$", "^/[\\s\\S]$", "^/\\k<a>(?<a>x)$", "^/(?:[a-z0-9-]+\\.)*html$", "^/a{0,65535}$"]


def _njs_compiles(pattern: str) -> tuple[bool, str]:
    js = "try { new RegExp(%s); console.log('OK'); } catch (e) { console.log('ERR ' + e.message); }" % json.dumps(pattern)
    out = subprocess.run(["njs", "-c", js], capture_output=True, text=True, timeout=30).stdout.strip()
    return out == "OK", out


@pytest.mark.parametrize("pattern, says, njs_refuses", REFUSED)
def test_refused_with_the_reason(pattern: str, says: str, njs_refuses: bool) -> None:
    assert regex_error(pattern) is None, "QuickJS accepts it (else this case proves nothing)"
    problems = edge_problems(pattern)
    assert problems and says in problems[0][0], problems
    assert problems[0][1], "every refusal carries a hint"


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted(pattern: str) -> None:
    assert regex_error(pattern) is None
    assert edge_problems(pattern) == []


needs_njs = pytest.mark.njs


@needs_njs
@pytest.mark.parametrize("pattern, says, njs_refuses", REFUSED)
def test_njs_agrees_with_each_refusal(pattern: str, says: str, njs_refuses: bool) -> None:
    ok, out = _njs_compiles(pattern)
    if njs_refuses:
        assert not ok, out
    else:  # njs compiles it, but with another meaning than QuickJS or outside the documented RegExp
        assert ok, out


@needs_njs
@pytest.mark.parametrize("pattern", ACCEPTED)
def test_njs_compiles_what_is_accepted(pattern: str) -> None:
    ok, out = _njs_compiles(pattern)
    assert ok, out


@needs_njs
@pytest.mark.parametrize("letter", [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    if c not in "pPk"])
def test_every_letter_escape_is_either_refused_or_read_alike(letter: str) -> None:
    """An escaped letter we accept must mean the same in njs as in QuickJS (tested on sample text)."""
    pattern = "\\" + letter
    if letter in "cxu":  # need operands
        pattern += {"c": "A", "x": "41", "u": "0041"}[letter]
    if edge_problems(pattern):
        return
    samples = [chr(i) for i in range(0, 128)] + ["\u00a0", "\u2028", "\ufeff", "\u4e00"]
    js = "var r = new RegExp(%s), s = %s; console.log(JSON.stringify(s.map(function (x) { return r.test(x); })));" % (
        json.dumps(pattern), json.dumps(samples))
    njs = subprocess.run(["njs", "-c", js], capture_output=True, text=True, timeout=30).stdout.strip()
    import quickjs
    q = quickjs.Context().eval(js.replace("console.log(", "(").rstrip(";"))
    if letter == "s" or letter == "S":  # known: PCRE's \s is ASCII, JavaScript's adds Unicode spaces
        njs_l, q_l = json.loads(njs), json.loads(q)
        assert njs_l[:128] == q_l[:128]
        return
    assert njs == q, (pattern, njs, q)


def test_refusal_is_a_positioned_build_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "routes.yaml"
    p.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n"
                 "      - regex: '^/[^]$'\n        respond: {status: 200}\n"
                 "      - path: /h\n        headers: {x-a: {regex: '\\Aabc'}}\n        respond: {status: 200}\n",
                 encoding="utf-8")
    assert main(["build", "-c", str(p), "-o", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert f"{p}:6:16: error: regex: the empty class '[^]' is refused" in err, err
    assert f"{p}:9:32: error: regex: \\A is an identity escape" in err, err
    assert "help: " in err and "Traceback" not in err
    assert not (tmp_path / "dist").exists()
