"""Case parsing and validation: typed records, positioned errors, case-file discovery."""
from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from cfroutes.config.load import load_config
from cfroutes.errors import InputError
from cfroutes.testing.cases import config_for, file_cases, find_case_files, inline_cases, load_cases

Write = Callable[[str, str], str]


def _errors(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [d.concise() for d in exc.value.diagnostics]


def test_inline_cases_are_typed(write: Write, one_function: str) -> None:
    cfg = load_config(write("routes.yaml", one_function + """\
    tests:
      - name: blog
        request: GET https://a.test/old-blog/x?utm=1
        headers: { X-A: "1", Cookie: "c=2" }
        expect: { status: 301, location: /blog/x?utm=1, headers: { x-b: null, X-C: [a, b] } }
      - request: /docs/a
        expect: { uri: /public/a.html, querystring: "" }
"""))
    cases = inline_cases(cfg)
    assert [c.name for c in cases] == ["blog", "/docs/a"]
    c = cases[0]
    assert (c.function, c.event_type, c.span.line, c.span.col, c.index) == ("site", "viewer-request", 12, 9, 0)
    assert c.event["request"]["headers"]["x-a"] == {"value": "1"}
    assert c.event["request"]["cookies"] == {"c": {"value": "2"}}
    assert c.expect.status == 301 and c.expect.location == "/blog/x?utm=1"
    assert c.expect.headers == (("x-b", None), ("x-c", ("a", "b")))
    assert cases[1].expect.querystring == ""


def test_unknown_keys_get_did_you_mean_with_positions(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + """\
    tests:
      - request: /x
        expct: { status: 200 }
      - request: /x
        expect: { stauts: 301 }
""")
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    msgs = _errors(exc)
    assert f"{path}:13:9: error: unknown key 'expct' in a test case" in msgs
    assert f"{path}:12:9: error: a test case needs `expect:` (status, location, uri, querystring, headers, cookies, origin, body or error)" in msgs
    assert f"{path}:15:19: error: unknown key 'stauts' in expect" in msgs
    hints = {d.message: d.hint for d in exc.value.diagnostics}
    assert hints["unknown key 'expct' in a test case"] == "did you mean 'expect'?"
    assert hints["unknown key 'stauts' in expect"] == "did you mean 'status'?"


@pytest.mark.parametrize("case,line,col,message", [
    ("request: [1]\n        expect: {status: 200}", 12, 18, "request must be a string, got a list"),
    ("request: 42\n        expect: {status: 200}", 12, 18, "expected a URL"),
    ("request: /x\n        expect: {status: '301'}", 13, 26, "expect.status must be an integer, got a string"),
    ("request: /x\n        expect: {status: 99}", 13, 26, "expect.status must be between 100 and 599, got 99"),
    ("request: /x\n        expect: {}", 13, 17, "expect is empty"),
    ("request: /x\n        expect: {uri: x}", 13, 23, "expect.uri must start with '/'"),
    ("request: /x\n        expect: {headers: null}", 13, 27, "expect.headers must not be null"),
    ("request: /x\n        expect: {status: 301, uri: /y}", 13, 17, "a case can only expect one of them"),
    ("request: GET /a b\n        expect: {uri: /a}", 12, 24, "the URL contains a space"),
    ("request: 'GET /a b'\n        expect: {uri: /a}", 12, 25, "the URL contains a space"),
    ("request: /x\n        viewer_ip: nope\n        expect: {uri: /x}", 13, 20, "viewer_ip 'nope'"),
    ("request: /x\n        headers: {Connection: close}\n        expect: {uri: /x}", 13, 18, "never shown"),
    ("request: /x\n        kvs: {a: b}\n        expect: {uri: /x}", 13, 14, "has no KeyValueStore"),
    ("request: /x\n        response: {status: 200}\n        expect: {uri: /x}", 13, 19, "for viewer-response functions"),
    ("request: /x\n        function: headers-fn\n        expect: {uri: /x}", 13, 19, "cannot run 'headers-fn'"),
    ("expect: {uri: /x}", 12, 9, "a test case needs `request:`"),
    ("request: /x\n        expect: {origin: {domian: x}}", 13, 27, "unknown key 'domian' in expect.origin"),
])
def test_case_errors_are_positioned(write: Write, two_functions: str, case: str, line: int, col: int, message: str) -> None:
    path = write("routes.yaml", two_functions.replace("  headers-fn:", "    tests:\n      - " + case + "\n  headers-fn:"))
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    diags = exc.value.diagnostics
    assert any(message in d.message for d in diags), [d.concise() for d in diags]
    d = next(d for d in diags if message in d.message)
    assert (d.span.file, d.span.line, d.span.col) == (path, line, col), d.concise()


def test_all_errors_of_all_cases_are_reported_at_once(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + """\
    tests:
      - request: 1
        expect: {status: 1}
      - request: /ok
        expect: {uri: /ok}
      - nope: 1
""")
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    lines = [d.span.line for d in exc.value.diagnostics]
    assert lines == sorted(lines) and {12, 13, 16} <= set(lines)


def test_case_file_forms_and_function_rules(write: Write, two_functions: str) -> None:
    cfg_path = write("routes.yaml", two_functions)
    cfg = load_config(cfg_path)
    listed = write("a.cases.yaml", """\
        - function: site
          request: /docs/x
          expect: {uri: /public/x.html}
        """)
    assert [c.function for c in file_cases(listed, cfg)] == ["site"]
    mapped = write("b.cases.yaml", """\
        function: headers-fn
        tests:
          - request: /x
            response: {status: 201, headers: {X-A: b}}
            expect: {headers: {x-frame-options: DENY}}
        """)
    (case,) = file_cases(mapped, cfg)
    assert case.function == "headers-fn" and case.event["response"]["statusCode"] == 201
    missing = write("c.cases.yaml", """\
        - request: /x
          expect: {uri: /x}
        - function: sight
          request: /x
          expect: {uri: /x}
        """)
    with pytest.raises(InputError) as exc:
        file_cases(missing, cfg)
    assert _errors(exc) == [
        f"{missing}:1:3: error: this case needs `function:` (the config has several functions: site, headers-fn)",
        f"{missing}:3:13: error: no function 'sight' in {cfg_path}",
    ]
    assert exc.value.diagnostics[1].hint == "did you mean 'site'?"


def test_case_file_for_another_config_is_refused(write: Write, one_function: str) -> None:
    cfg = load_config(write("routes.yaml", one_function))
    path = write("x.cases.yaml", "config: other/routes.yaml\ntests: []\n")
    with pytest.raises(InputError) as exc:
        file_cases(path, cfg)
    assert "these cases are for other/routes.yaml" in exc.value.diagnostics[0].message


def test_load_cases_reports_every_file(write: Write, one_function: str) -> None:
    cfg = load_config(write("routes.yaml", one_function))
    a = write("a.cases.yaml", "- request: /x\n")
    b = write("b.cases.yaml", "tests: {}\n")
    c = write("c.cases.yaml", "- request: /x\n  expect: {uri: /x}\n")
    with pytest.raises(InputError) as exc:
        load_cases(cfg, [a, b, c])
    assert [d.span.file for d in exc.value.diagnostics] == [a, b]
    assert len(load_cases(cfg, [c])) == 1


def test_missing_case_file_is_an_input_error(write: Write, one_function: str, tmp_path) -> None:
    cfg = load_config(write("routes.yaml", one_function))
    with pytest.raises(InputError) as exc:
        file_cases(str(tmp_path / "nope.cases.yaml"), cfg)
    assert "file not found" in exc.value.diagnostics[0].message


def test_kvs_values_null_json_and_reserved_keys(write: Write) -> None:
    path = write("routes.yaml", """\
version: 1
functions:
  f:
    event: viewer-request
    kvs: {name: store}
    routes:
      - path: /x
        lookup: {key: k, as: t}
        rewrite: "{t}"
    tests:
      - request: /x
        kvs: {k: null, j: {a: [1, 2]}, n: 5}
        expect: {uri: /x}
      - request: /x
        kvs: {"\\u00a7r:/x": y}
        expect: {uri: /x}
""")
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    assert exc.value.diagnostics[0].span.line == 15 and "reserved" in exc.value.diagnostics[0].message
    cfg = load_config(write("routes.yaml", open(path).read().rsplit("      - request: /x\n        kvs: {\"", 1)[0]))
    (case,) = inline_cases(cfg)
    assert case.kvs == {"k": None, "j": '{"a":[1,2]}', "n": "5"}


def test_case_kvs_value_over_the_store_limit_is_positioned(write: Write) -> None:
    # a case's `kvs:` goes through the KeyValueStore's own limits (value at most 1,024 bytes,
    # DG/cloudfront-limits.html), like `--kvs` files: CloudFront could never serve it
    path = write("routes.yaml", f"""\
version: 1
functions:
  f:
    event: viewer-request
    kvs: {{name: store}}
    routes:
      - path: /x
        lookup: {{key: k, as: t}}
        rewrite: "{{t}}"
    tests:
      - request: /x
        kvs: {{k: {"v" * 1025}}}
        expect: {{uri: /x}}
""")
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    d = exc.value.diagnostics[0]
    assert "1025 bytes" in d.message and "at most 1024 bytes" in d.message
    assert (d.span.line, d.span.col) == (12, 18)


def test_case_kvs_key_over_the_key_limit_is_positioned_at_the_key(write: Write) -> None:
    # keys go through the same one check as store files and `kvs put` (kvs/importfile.key_problem)
    long_key = "é" * 257  # 514 bytes
    path = write("routes.yaml", f"""\
version: 1
functions:
  f:
    event: viewer-request
    kvs: {{name: store}}
    routes:
      - path: /x
        lookup: {{key: k, as: t}}
        rewrite: "{{t}}"
    tests:
      - request: /x
        kvs: {{{long_key}: v}}
        expect: {{uri: /x}}
""")
    with pytest.raises(InputError) as exc:
        inline_cases(load_config(path))
    d = exc.value.diagnostics[0]
    assert "514 bytes" in d.message and "keys are 1-512 bytes" in d.message
    assert (d.span.line, d.span.col) == (12, 15)


def test_find_case_files_prunes_other_configs_and_build_dirs(write: Write, one_function: str, tmp_path) -> None:
    cfg = write("routes.yaml", one_function)
    write("tests/a.cases.yaml", "[]")
    write("b.cases.yaml", "[]")
    write("dist/c.cases.yaml", "[]")
    write(".hidden/d.cases.yaml", "[]")
    write("node_modules/e.cases.yaml", "[]")
    write("other/routes.yaml", one_function)
    write("other/f.cases.yaml", "[]")
    write("tests/g.cases.yaml", "config: ../other/routes.yaml\ntests: []\n")
    write("tests/notcases.yaml", "[]")
    found = [os.path.relpath(p, tmp_path) for p in find_case_files(cfg)]
    assert found == ["b.cases.yaml", os.path.join("tests", "a.cases.yaml")]
    assert config_for(str(tmp_path / "other" / "f.cases.yaml")) == str(tmp_path / "other" / "routes.yaml")
    assert config_for(str(tmp_path / "tests" / "g.cases.yaml")) == str(tmp_path / "other" / "routes.yaml")
