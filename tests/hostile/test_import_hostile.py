"""`cfroutes import` on hostile input: every input is read through the one bounded
reader (a FIFO does not hang, /dev/zero is not read), every malformed input is exit 2 with a
positioned message or a "not carried" rule (exit 1), never a traceback or an internal error, in
bounded time and memory; whatever is written is YAML that `cfroutes check` loads, and every
character taken from the input is escaped in the comments and strings it lands in."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from _hostile import assert_refused, bounded
from cfroutes.cli.main import main
from cfroutes.safeio import IMPORT_MAX, YAML_MAX

FIFO, DEV_ZERO, OVERSIZED = "<fifo>", "<-> /dev/zero>", "<sparse file over the cap>"
DEEP = 3000


def _redirects_of(n: int, width: int) -> str:
    return "".join(f"/{i:0{width}d} /t{i:0{width}d} 301\n" for i in range(n))


# id, platform, {file name: content}, exit code, fragment of the first line of stderr
CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    # -- Netlify
    ("netlify-fifo", "netlify", {"_redirects": FIFO}, 2, "is a FIFO (named pipe), not a regular file"),
    ("netlify-dev-zero", "netlify", {"_redirects": DEV_ZERO}, 2, "is a character device, not a regular file"),
    ("netlify-oversized", "netlify", {"_redirects": OVERSIZED}, 2, f"the limit is {IMPORT_MAX:,}"),
    ("netlify-esc-in-rule", "netlify", {"_redirects": "/a\x1b]0;pwned\x07 /b 301\n/c /d\x1b[2J 302\n"}, 1,
     "not carried"),
    ("netlify-uffff-bidi-nel", "netlify", {"_redirects": "/a\uffff /b 301\n/\u202eevil /x 301\n/n\x85x /y 301\n"
                                                        "/s\u2028t /z 301\n"}, 1, "not carried"),
    ("netlify-newline-in-file-name", "netlify", {"r\nversion: 2\nfunctions: {}\n#_redirects": "/a /b 301\n"}, 0, ""),
    ("netlify-toml-status-string", "netlify", {"netlify.toml": '[[redirects]]\nfrom = "/a"\nto = "/b"\n'
                                                              'status = "abc"\n'}, 1, "`status` must be an integer"),
    ("netlify-toml-status-inf", "netlify", {"netlify.toml": '[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = 1e400\n'},
     1, "not a number out of range"),
    ("netlify-toml-4301-digits", "netlify", {"netlify.toml": '[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = '
                                                            + "9" * 5000 + "\n"}, 2, "invalid TOML"),
    ("netlify-toml-deep-arrays", "netlify", {"netlify.toml": "x = " + "[" * DEEP + "]" * DEEP + "\n"}, 2,
     "nested too deeply"),
    ("netlify-toml-deep-tables", "netlify", {"netlify.toml": "x = " + "{a=" * DEEP + "1" + "}" * DEEP + "\n"}, 2,
     "nested too deeply"),
    ("netlify-toml-wrong-types", "netlify", {"netlify.toml": '[[redirects]]\nfrom = 1\nto = "/x"\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = ["/b"]\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = "/b"\nconditions = 5\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = "/b"\nquery = [1]\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = "/b"\nforce = "yes"\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = "/b"\nheaders = {X = {}}\n'
                                                            '[[redirects]]\nfrom = "/a"\nto = "/b"\n'
                                                            'conditions = {Country = [1]}\n'
                                                            '[[headers]]\nfor = "/*"\nvalues = [1]\n'
                                                            '[[headers]]\nfor = 2021-01-01\n'}, 1,
     "`from` must be a string, not an integer"),
    ("netlify-toml-headers-not-a-list", "netlify", {"netlify.toml": "headers = 5\n"}, 2,
     "`headers` must be an array of tables"),
    ("netlify-output-over-8mib", "netlify", {"_redirects": _redirects_of(10_000, 300)}, 2,
     f"over the {YAML_MAX:,} a routes.yaml may have"),
    ("netlify-too-many-rules", "netlify", {"_redirects": _redirects_of(60_000, 1)}, 2, "more than 50,000 rules"),
    # the check for files that shadow non-forced rules runs sources as regexes: nothing may backtrack
    ("netlify-shadow-check-backtracking", "netlify",
     {"_redirects": "/*a*a*a*a*a*a*a*a*a*a*a*a*b /x 301\n/" + "a" * 2000 + " /" + "a" * 2000 + " 200!\n"
                    "/:a-:b-:c-:d-:e /y 301\n/" + "-".join(["a"] * 600) + " /" + "-".join(["a"] * 600) + " 200!\n"},
     1, "not carried"),
    # -- Vercel
    ("vercel-top-level-list", "vercel", {"vercel.json": "[1, 2]"}, 2, "vercel.json must be a JSON object"),
    ("vercel-redirects-not-a-list", "vercel", {"vercel.json": '{"redirects": 5}'}, 2,
     "`redirects` must be a list, not an integer"),
    ("vercel-trailing-slash-string", "vercel", {"vercel.json": '{"trailingSlash": "yes"}'}, 2,
     "`trailingSlash` must be true or false"),
    ("vercel-lone-surrogate", "vercel", {"vercel.json": '{"redirects": [{"source": "/a\\ud800", '
                                                        '"destination": "/b"}]}'}, 2, "lone surrogate"),
    ("vercel-lone-surrogate-key", "vercel", {"vercel.json": '{"redirects": [{"\\udfff": 1}]}'}, 2,
     "lone surrogate (\\udfff) in a key"),
    ("vercel-deep-json", "vercel", {"vercel.json": "[" * DEEP + "]" * DEEP}, 2, "nested too deeply"),
    ("vercel-wrong-types", "vercel", {"vercel.json": """{"redirects": [
  {"source": "/a", "destination": "/b", "statusCode": "abc"},
  {"source": "/a", "destination": "/b", "statusCode": 1e400},
  {"source": "/a", "destination": "/b", "statusCode": """ + "3" * 5000 + """},
  {"source": "/a", "destination": "/b", "statusCode": 99999},
  {"source": "/a", "destination": "/b", "permanent": "no"},
  {"source": "/a", "destination": "/b", "has": "x"},
  {"source": "/a", "destination": "/b", "has": [5]},
  {"source": "/a", "destination": "/b", "has": [{"type": "header", "key": 1}]},
  {"source": "/a", "destination": "/b", "missing": [{"type": "query", "key": "q", "value": {"eq": []}}]},
  {"source": "/a", "destination": "/b", "missing": [{"type": "query", "key": "q", "value": {"re": "x"}}]},
  {"source": ["/a"], "destination": "/b"},
  "/a"],
 "headers": [{"source": "/a", "headers": [{"key": 1, "value": {}}]}, {"source": "/a", "headers": {}}],
 "rewrites": [{"source": "/a", "destination": "/0x"}, {"source": "/\\u001b[2J", "destination": "/\\uffff"}]}"""},
     1, "`statusCode` must be an integer, not a string"),
    # -- Amplify
    ("amplify-top-level-number", "amplify", {"rules.json": "5"}, 2, "expected a list of custom rules"),
    ("amplify-wrong-types", "amplify", {"rules.json": """[
  "x", 5, null,
  {"source": 5, "target": "/b"},
  {"source": "/a", "target": "/b", "status": []},
  {"source": "/a", "target": "/b", "status": 1e400},
  {"source": "/a", "target": "/b", "condition": 5},
  {"source": "/a\\u001b[31m", "target": "/b\\u2028c\\u0085d"},
  {"source": "/ok", "target": "/\\u202eevil", "status": "301"}
]"""}, 1, "a custom rule must be an object, not a string"),
    ("amplify-dev-zero", "amplify", {"rules.json": DEV_ZERO}, 2, "not a regular file"),
    # -- CSV (the AWS CloudFront Redirector)
    ("csv-to-twice", "csv", {"rules.csv": "host,path,to,sc,to\nx.test,/a,/b,301,https://evil.test/\n"}, 2,
     "column `to` is named twice in the header row"),
    ("csv-host-twice", "csv", {"rules.csv": "host,HOST,path,to\na.test,b.test,/a,/b\n"}, 2,
     "column `host` is named twice"),
    ("csv-status-digits", "csv", {"rules.csv": "host,path,to,sc\nx.test,/a,/b," + "9" * 5000
                                  + "\nx.test,/c,/d,\u00b2\u00b3\u00b9\nx.test,/e,/f,\u0663\u0660\u0661\n"}, 1,
     "is not a number of at most 3 digits"),
    ("csv-controls-in-cells", "csv", {"rules.csv": 'host,path,to,sc,message\nx.test,"/a\nb",/b,301,\n'
                                                   'x.test,/c\x1b[2J,/d\u2029e,301,\n'
                                                   'x.test,/g,,410,"gone\x1b]0;t\x07\uffff"\n'}, 1, "not carried"),
    ("csv-huge-field", "csv", {"rules.csv": "host,path,to\nx.test,/a,\"" + "b" * 200_000 + "\"\n"}, 2, "invalid CSV"),
    ("csv-nul", "csv", {"rules.csv": "host,path,to\nx.test,/a\x00,/b\n"}, 2, "NUL byte"),
    ("csv-fifo", "csv", {"rules.csv": FIFO}, 2, "FIFO"),
]


def _materialise(tmp: Path, name: str, content: Any) -> Path:
    p = tmp / name
    if content == FIFO:
        os.mkfifo(p)
    elif content == DEV_ZERO:
        p.symlink_to("/dev/zero")
    elif content == OVERSIZED:
        with open(p, "wb") as f:
            f.truncate(IMPORT_MAX + 1)
    else:
        p.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    return p


@pytest.mark.parametrize("platform, files, code, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_import(tmp_path: Path, capsys: Any, platform: str, files: dict[str, Any], code: int,
                        fragment: str) -> None:
    paths = [str(_materialise(tmp_path, name, content)) for name, content in files.items()]
    out = tmp_path / "out" / "routes.yaml"
    got, err = bounded(["import", platform, *paths, "-o", str(out)], mem_mb=1024, timeout=60)
    assert "Traceback" not in err and "internal error" not in err, err
    assert got == code, err
    if code == 2:
        assert_refused(got, err, fragment=fragment)
        assert not out.exists()  # nothing half-written
        return
    assert fragment in err, err
    text = out.read_text(encoding="utf-8")
    # every line of the output is a comment, or YAML the loader reads (no raw control or bidi character)
    assert not any(c in text for c in "\x1b\x07\x85\u2028\u2029\u202e\uffff\r"), text
    data = yaml.safe_load(text)
    assert data["version"] == 1
    for name in files:  # the file name is in the header comment, escaped: it cannot break out of it
        assert text.splitlines()[0].startswith("# Imported from " + name.replace("\n", "\\n"))
    assert main(["check", "-c", str(out)]) in (0, 1)
    assert "error:" not in capsys.readouterr().err.replace("0 error", "")


def test_carried_values_keep_their_characters(tmp_path: Path, capsys: Any) -> None:
    """A value with characters YAML must escape (a quote, a backslash, U+FFFF in a header) is carried
    exactly: escaped in the file, the same text once loaded."""
    src = tmp_path / "_headers"
    src.write_text('/*\n  X-Note: say "hi" \\ bye \uffff \u202e end\n', encoding="utf-8")
    out = tmp_path / "routes.yaml"
    assert main(["import", "netlify", str(src), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "\uffff" not in text and "\u202e" not in text
    route = yaml.safe_load(text)["functions"]["router-headers"]["headers"][0]
    assert route["set"]["x-note"] == 'say "hi" \\ bye \uffff \u202e end'


def test_function_name_is_checked(tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "_redirects"
    src.write_text("/a /b\n")
    code = main(["import", "netlify", str(src), "--function", "r\nversion: 2"])
    err = capsys.readouterr().err
    assert_refused(code, err, file="--function", fragment="is not 1-56 characters")
    assert "\nversion" not in err  # escaped on the terminal too


def test_a_fifo_among_the_inputs_does_not_hang(tmp_path: Path, capsys: Any) -> None:
    """The reader opens without blocking: a FIFO named like the config is refused at once, in-process."""
    from _hostile import cli

    (tmp_path / "_redirects").write_text("/a /b\n")
    os.mkfifo(tmp_path / "netlify.toml")
    code, _, err = cli(["import", "netlify", str(tmp_path / "_redirects"), str(tmp_path / "netlify.toml")],
                       capsys, seconds=20)
    assert_refused(code, err, file=str(tmp_path / "netlify.toml"), fragment="FIFO")
