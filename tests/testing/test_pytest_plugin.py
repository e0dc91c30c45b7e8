"""The pytest plugin, driven through pytester."""
from __future__ import annotations

import importlib.metadata
import textwrap
import xml.etree.ElementTree as ET

# Imported here so that pytester's in-process runs find them already loaded: its
# sys.modules snapshot would otherwise drop and re-import PyYAML between runs.
import cfroutes.testing.pytest_plugin  # noqa: F401
import cfroutes.testing.runner  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

ROUTES = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - path: /docs/:page
        rewrite: /public/{page}.html
    tests:
      - name: blog keeps query
        request: /old-blog/x?utm=1
        expect: { status: 301, location: /blog/x?utm=1 }
      - name: docs page
        request: /docs/a
        expect: { uri: /public/WRONG.html }
"""


def _args(*args: str) -> list[str]:
    """Load the plugin explicitly only when it is not installed as an entry point."""
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    return list(args) if "cfroutes" in names else ["-p", "cfroutes.testing.pytest_plugin", *args]


def _setup(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", routes=ROUTES)
    # (not makefile: its with_suffix() would turn "extra.cases" into "extra.yaml")
    (pytester.path / "extra.cases.yaml").write_text(textwrap.dedent("""\
        - name: docs via case file
          request: /docs/b
          expect: { uri: /public/b.html }
        """))


def test_collects_inline_and_case_files_and_reports_diff(pytester: pytest.Pytester) -> None:
    _setup(pytester)
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n")
    pytester.makefile(".yaml", unrelated="a: 1\n", config="version: 1\n")
    result = pytester.runpytest(*_args("-v"))
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*extra.cases.yaml::site::docs via case file PASSED*",
        "*routes.yaml::build PASSED*",
        "*routes.yaml::site::blog keeps query PASSED*",
        "*routes.yaml::site::docs page FAILED*",
        "*test_plain.py::test_ok PASSED*",
    ])
    result.stdout.fnmatch_lines([
        'FAIL routes.yaml:15:9 site: docs page: uri expected "/public/WRONG.html", got "/public/a.html"',
        "  route:    route 2 (routes.yaml:*)",
        '  - uri: "/public/WRONG.html"',
        '  + uri: "/public/a.html"',
    ])
    assert "unrelated" not in result.stdout.str() and "config.yaml" not in result.stdout.str()


def test_keyword_selection(pytester: pytest.Pytester) -> None:
    _setup(pytester)
    result = pytester.runpytest(*_args("-k", "blog"))
    result.assert_outcomes(passed=1, deselected=3)
    result = pytester.runpytest(*_args("-k", "site and not docs"))
    result.assert_outcomes(passed=1)


def test_junit_xml_has_cases_with_file_and_line(pytester: pytest.Pytester) -> None:
    _setup(pytester)
    # xunit1 is the junit family that records file and line per testcase
    result = pytester.runpytest(*_args("--junitxml=out.xml", "-o", "junit_family=xunit1"))
    result.assert_outcomes(passed=3, failed=1)
    root = ET.parse(pytester.path / "out.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"build", "blog keeps query", "docs page", "docs via case file"}
    failed = cases["docs page"]
    assert failed.get("file") == "routes.yaml" and failed.get("line") == "14"
    assert failed.get("classname") == "routes.yaml.site"
    assert failed.find("failure") is not None and "/public/WRONG.html" in failed.find("failure").text


def test_invalid_case_is_a_collection_error_with_position(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", routes=ROUTES.replace("expect: { uri: /public/WRONG.html }", "expect: { url: /x }"))
    result = pytester.runpytest(*_args())
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*routes.yaml:17:19: error: unknown key 'url' in expect*", "*did you mean 'uri'?*"])


def test_case_file_without_config_is_a_collection_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "lonely.cases.yaml").write_text("- request: /x\n  expect: {uri: /x}\n")
    result = pytester.runpytest(*_args())
    result.stdout.fnmatch_lines(["*no routes.yaml found in this directory or above*"])


def test_other_tools_routes_yaml_is_ignored(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", routes="index:\n  path: /\n  controller: App\\Controller\\Home\n")
    result = pytester.runpytest(*_args())
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_build_item_fails_on_lint_errors(pytester: pytest.Pytester) -> None:
    (pytester.path / "loop.routes.yaml").write_text(textwrap.dedent("""\
        version: 1
        functions:
          f:
            event: viewer-request
            routes:
              - { path: /a, redirect: /b }
              - { path: /b, redirect: /a }
        """))
    result = pytester.runpytest(*_args())
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*loop.routes.yaml:6:9: error: redirect loop*"])


def test_duplicate_case_names_get_distinct_ids(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", routes=ROUTES.replace("docs page", "blog keeps query").replace("WRONG", "a"))
    result = pytester.runpytest(*_args("-v"))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*site::blog keeps query PASSED*", "*site::blog keeps query [[]2] PASSED*"])


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    if "cfroutes" not in names:
        pytest.skip("cfroutes is not installed (pip install -e .): no entry point to disable")
    _setup(pytester)
    result = pytester.runpytest("-p", "no:cfroutes")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


SECRET = "AWS_SECRET_ACCESS_KEY=planted-" + "9f3c1e"


@pytest.mark.parametrize("written", ["../../.env", "../../outside/creds", "../link-to-secret", "/proc/self/environ",
                                     "/etc/passwd", "../.env"])
def test_case_file_config_outside_the_project_is_never_read(pytester: pytest.Pytester,
                                                           monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    """A case file's `config:` is confined to the project (safeio.is_within, as seed paths)
    and must name a cfroutes config; no line of the named file reaches the output."""
    proj = pytester.path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "routes.yaml").write_text(ROUTES)
    (pytester.path / ".env").write_text(SECRET + "\n")
    (pytester.path / "outside").mkdir()
    (pytester.path / "outside" / "creds").write_text("[default]\n" + SECRET + "\n")
    (proj / "link-to-secret").symlink_to(pytester.path / ".env")
    (proj / ".env").write_text(SECRET + "\n")  # inside the project, but not a config
    monkeypatch.setenv("CFROUTES_PLANTED", SECRET)  # what /proc/self/environ would show
    (proj / "tests" / "leak.cases.yaml").write_text(
        f"config: {written}\ntests:\n  - name: x\n    request: /docs/a\n    expect: {{ status: 200 }}\n")
    monkeypatch.chdir(proj)
    result = pytester.runpytest_subprocess(*_args("-p", "no:cacheprovider", "tests"), timeout=120)
    text = result.stdout.str() + result.stderr.str()
    assert SECRET not in text and "planted-" not in text
    assert "leak.cases.yaml:1:1: error: config " + written in text
    assert ("outside the project" in text) or ("is not a cfroutes config" in text)


def test_case_file_config_inside_the_project_still_works(pytester: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    proj = pytester.path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "routes.yaml").write_text(ROUTES)
    (proj / "tests" / "ok.cases.yaml").write_text(
        "config: ../routes.yaml\ntests:\n  - name: x\n    request: /docs/b\n    expect: { uri: /public/b.html }\n")
    monkeypatch.chdir(proj)
    result = pytester.runpytest_subprocess(*_args("-p", "no:cacheprovider", "tests"), timeout=120)
    result.assert_outcomes(passed=1)


def test_node_ids_escape_controls_bidi_and_the_separator(pytester: pytest.Pytester) -> None:
    """A case name is one part of a node id: no raw ESC/RLO/TAB reaches the terminal, and
    `::` cannot forge another part (`-k`, `--deselect`, junit names)."""
    pytester.makefile(".yaml", routes=ROUTES)
    (pytester.path / "evil.cases.yaml").write_text(
        '- name: "paint \\e[31mred\\e[0m \\u202eevil\\ttab"\n  request: /docs/b\n  expect: { uri: /public/b.html }\n'
        '- name: "a::b"\n  request: /docs/b\n  expect: { uri: /public/b.html }\n'
        '- name: "a:\\\\x3ab"\n  request: /docs/b\n  expect: { uri: /public/b.html }\n')
    result = pytester.runpytest(*_args("-v", "-p", "no:cacheprovider", "evil.cases.yaml"))
    result.assert_outcomes(passed=3)
    text = result.stdout.str()
    assert "\x1b[31m" not in text and "\u202e" not in text and "evil\ttab" not in text
    assert "evil.cases.yaml::site::paint \\x1b[31mred\\x1b[0m \\u202eevil\\ttab PASSED" in text
    assert "evil.cases.yaml::site::a:\\x3ab PASSED" in text
    assert "evil.cases.yaml::site::a:\\x3ab [2] PASSED" in text  # the same id as written: told apart
    ids = [line.split(" PASSED")[0] for line in text.splitlines() if " PASSED" in line]
    assert all(i.count("::") == 2 for i in ids), ids
