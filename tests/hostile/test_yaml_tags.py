"""Bad tags and merge values: one positioned `FILE:LINE:COL: error:` line plus the
excerpt, exit 2; never exit 3 or a multi-line Python message."""
from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import BASE, POSITIONED, assert_refused, cli

BAD = [
    ("!!int abc", "    x: !!int abc\n", "'abc' is not a valid !!int"),
    ("!!binary junk", "    x: !!binary \"@@@not base64@@@\"\n", "is not a valid !!binary"),
    ("!!timestamp out of range", "    x: !!timestamp 2024-13-45\n", "is not a valid !!timestamp"),
    ("custom !foo scalar", "    x: !foo bar\n", "unsupported YAML tag '!foo'"),
    ("custom !foo mapping", "    x: !foo {a: 1}\n", "unsupported YAML tag '!foo'"),
    ("custom !foo list", "    x: !foo [1]\n", "unsupported YAML tag '!foo'"),
    ("python/name", "    x: !!python/name:os.system y\n", "unsupported YAML tag '!!python/name:os.system'"),
    ("python/object on a mapping", "    x: !!python/object:os.system {}\n", "unsupported YAML tag"),
    ("merge of a scalar", "    x: {<<: 5}\n", "a merge key `<<:` takes a mapping or a list of mappings"),
    ("merge of a list of scalars", "    x: {<<: [1, 2]}\n", "a merge key `<<:` takes a mapping"),
    ("!!bool on a word", "    x: !!bool word\n", "'word' is not a valid !!bool"),
    ("!!float junk", "    x: !!float 1.2.3\n", "is not a valid !!float"),
    ("an int too long for Python", "    x: " + "9" * 5000 + "\n", "is not a valid !!int"),
    ("!!set", "    x: !!set {a, b}\n", "unsupported YAML tag '!!set'"),
    ("tag on a key", "    !foo x: 1\n", "unsupported YAML tag '!foo'"),
    ("NUL character", "    x: \"a\0b\"\n", "invalid YAML"),
]


@pytest.mark.parametrize("what,line,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_tag_is_a_positioned_error(what: str, line: str, fragment: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + "    x-extra:\n  " + line + "    routes:\n      - {path: /a, respond: {status: 200}}\n")
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    m = assert_refused(code, err, str(cfg), fragment)
    assert m.group("line") == "6", err
    first = [ln for ln in err.splitlines() if POSITIONED.match(ln) and fragment in ln]
    assert len(first) == 1, err
    assert len(first[0]) < 400, err  # one line, its value cut


def test_error_lines_are_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every diagnostic is a positioned line followed only by its excerpt and caret."""
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + "    x: !!int abc\n    y: !!bool word\n    z: {<<: 5}\n")
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert code == 2
    lines = err.rstrip("\n").split("\n")
    for i, ln in enumerate(lines):
        assert POSITIONED.match(ln) or ln.startswith(" ") or ln.startswith("... and"), (i, err)
