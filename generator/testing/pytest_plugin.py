"""pytest plugin (entry point `pytest11: cfroutes`): route test cases as pytest items.

Collected files:
- `routes.yaml` and `*.routes.yaml` that look like a cfroutes config (top-level
  `version:` and `functions:`; other tools' routes.yaml are left alone): one item per
  inline case, plus a `build` item that fails when the build or its lints fail;
- `*.cases.yaml`: one item per case, run against the file's `config:` or the nearest
  `routes.yaml` in its directory or above.

Node ids are `FILE::FUNCTION::CASE NAME`, so `-k`, `--junitxml` and `-x` work as for
Python tests; control and bidi characters in a name are escaped and `::` is written `:\\x3a`
(`node_name`). Disable the plugin with `-p no:cfroutes`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cfroutes.errors import InputError, render_all

if TYPE_CHECKING:  # the compiler and emulator load lazily: the plugin is in every pytest run
    from cfroutes.compiler import Compiled
    from cfroutes.testing.cases import Case
    from cfroutes.testing.runner import CaseResult, Runner

CASE_FILE_SUFFIX = ".cases.yaml"

_CONFIG_RE = re.compile(r"^version\s*:", re.MULTILINE)
_FUNCTIONS_RE = re.compile(r"^functions\s*:", re.MULTILINE)
_SUITES: pytest.StashKey[dict[str, _Suite | InputError]] = pytest.StashKey()  # by the config's real path


def _looks_like_config(path: Path) -> bool:
    from cfroutes.safeio import YAML_MAX, read_head

    text = read_head(str(path), YAML_MAX)  # regular files only: a FIFO named routes.yaml cannot hang pytest
    if text is None:
        return False
    return bool(_CONFIG_RE.search(text) and _FUNCTIONS_RE.search(text))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cfroutes")
    group.addoption("--cfroutes-coverage", action="store_true",
                    help="after the run, list routes and header rules no collected case exercised")
    from cfroutes.testing.fail_under import percent

    group.addoption("--cfroutes-fail-under", type=percent, default=None, metavar="PCT",
                    help="fail the session when route coverage is below PCT (implies --cfroutes-coverage)")


def _coverage_wanted(config: pytest.Config) -> bool:
    return bool(config.getoption("cfroutes_coverage", False)) or \
        config.getoption("cfroutes_fail_under", None) is not None


def _coverages(config: pytest.Config) -> list[Any]:
    from cfroutes.testing.coverage import measure

    out = []
    for suite in config.stash.get(_SUITES, {}).values():
        if isinstance(suite, _Suite):
            out.append(measure(suite.compiled, suite.ran))
    return out


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    threshold = session.config.getoption("cfroutes_fail_under", None)
    if threshold is None:
        return
    covs = _coverages(session.config)
    if any(c.total < threshold for c in covs) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _coverage_wanted(config):
        return
    terminalreporter.section("cfroutes route coverage")
    threshold = config.getoption("cfroutes_fail_under", None)
    for cov in _coverages(config):
        for line in cov.lines():
            terminalreporter.write_line(line)
        if threshold is not None and cov.total < threshold:
            terminalreporter.write_line(f"coverage: {cov.total:.1f}% is below --cfroutes-fail-under {threshold:g}%")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    name = file_path.name
    if name.endswith(CASE_FILE_SUFFIX):
        return CasesFile.from_parent(parent, path=file_path)
    if (name == "routes.yaml" or name.endswith(".routes.yaml")) and _looks_like_config(file_path):
        return RoutesFile.from_parent(parent, path=file_path)
    return None


class _Suite:
    """One compiled config and its runner, shared by every file of the session."""

    def __init__(self, path: str) -> None:
        from cfroutes.compiler import compile_config
        from cfroutes.testing import runner

        self.compiled: Compiled = compile_config(path)
        self.runner: Runner = runner.Runner(self.compiled)
        self.ran: list[Case] = []  # the cases run in this session (route coverage)


def _suite(node: pytest.Item | pytest.Collector, path: str) -> _Suite:
    suites = node.config.stash.setdefault(_SUITES, {})
    key = os.path.realpath(path)
    if key not in suites:
        suites[key] = _suite_or_error(path)
    result = suites[key]
    if isinstance(result, InputError):
        raise result
    return result


def _suite_or_error(path: str) -> _Suite | InputError:
    try:
        return _Suite(path)
    except InputError as e:
        return e


def node_name(text: str) -> str:
    """A function or case name as one part of a node id: control and bidi characters escaped for the
    terminal (`terminal.escape_terminal`: `\\t`, `\\x1b`, `\\u202e`), and `::` (pytest's separator)
    written `:\\x3a`, so a case name can neither repaint the terminal nor forge another node id."""
    from cfroutes.terminal import escape_terminal

    return escape_terminal(text).replace("::", ":\\x3a")


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


class _YamlFile(pytest.File):
    def _groups(self, suite: _Suite, cases: list[Case]) -> Iterator[pytest.Item | pytest.Collector]:
        by_fn: dict[str, list[Case]] = {}
        for c in cases:
            by_fn.setdefault(c.function, []).append(c)
        for fn, group in by_fn.items():
            yield FunctionNode.from_parent(self, name=node_name(fn), suite=suite, cases=group)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, InputError):
            return render_all(excinfo.value.diagnostics)
        return super().repr_failure(excinfo)


class RoutesFile(_YamlFile):
    """A routes.yaml: its inline cases and a `build` item."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        from cfroutes.testing.cases import inline_cases

        suite = _suite(self, _display(self.path))
        yield BuildItem.from_parent(self, name="build", suite=suite)
        yield from self._groups(suite, inline_cases(suite.compiled.config))


class CasesFile(_YamlFile):
    """A `*.cases.yaml` file, tested against its config."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        from cfroutes.terminal import escape_terminal
        from cfroutes.testing.cases import config_for, file_cases

        self._check_declared()
        cfg = config_for(str(self.path), stop=str(self.config.rootpath))
        if cfg is None:
            raise self.CollectError(
                f"{_display(self.path)}: no routes.yaml found in this directory or above; "
                "add `config: path/to/routes.yaml` at the top of the case file")
        if not os.path.isfile(cfg):
            raise self.CollectError(f"{escape_terminal(_display(self.path))}: config {escape_terminal(cfg)} does not exist")
        suite = _suite(self, _display(Path(cfg)))
        yield from self._groups(suite, file_cases(_display(self.path), suite.compiled.config))

    def _check_declared(self) -> None:
        """A `config:` outside the project, or naming something that is not a cfroutes config, is
        refused before it is read: a case file from a pull request must not make pytest load (and
        print a line of) `../.env`, `~/.aws/credentials` or `/proc/self/environ`. The same rule and
        function (`safeio.is_within`, symlinks resolved) as a config's seed files."""
        from cfroutes.safeio import is_within
        from cfroutes.terminal import escape_terminal
        from cfroutes.testing.cases import declared_config_at

        declared = declared_config_at(str(self.path))
        if declared is None:
            return
        full, written, line = declared
        root = _project_root(self.config)
        where = f"{escape_terminal(_display(self.path))}:{line}:1: error: config {escape_terminal(written)}"
        if not is_within(full, root):
            raise self.CollectError(f"{where} is outside the project {escape_terminal(root)} (symlinks resolved); "
                                    "not read")
        if os.path.isfile(full) and not _looks_like_config(Path(full)):
            raise self.CollectError(f"{where} is not a cfroutes config (no top-level `version:` and "
                                    "`functions:`); not read")


def _project_root(config: pytest.Config) -> str:
    """Where a case file's `config:` may point: pytest's rootdir, or the directory pytest was
    started in when that contains the rootdir (`pytest tests/` without an ini file)."""
    from cfroutes.safeio import is_within

    root, started = str(config.rootpath), str(config.invocation_params.dir)
    return started if is_within(root, started) else root


class FunctionNode(pytest.Collector):
    """The cases of one function inside a file (a level of the node id, matched by -k)."""

    def __init__(self, *, suite: _Suite, cases: list[Case], **kw: Any) -> None:
        super().__init__(**kw)
        self.suite = suite
        self.cases = cases

    def collect(self) -> Iterator[pytest.Item]:
        seen: dict[str, int] = {}
        for case in self.cases:
            name = node_name(case.name)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} [{seen[name]}]"
            yield CaseItem.from_parent(self, name=name, case=case, suite=self.suite)


class CaseFailed(Exception):
    def __init__(self, result: CaseResult) -> None:
        from cfroutes.testing.runner import failure_line

        super().__init__(failure_line(result))
        self.result = result


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, suite: _Suite, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        self.suite = suite

    def runtest(self) -> None:
        self.suite.ran.append(self.case)
        result = self.suite.runner.run_case(self.case)
        if not result.passed:
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            from cfroutes.testing.runner import failure_line, format_diff

            res = excinfo.value.result
            return failure_line(res) + "\n" + format_diff(res)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.span.line - 1, node_name(f"{self.case.function}: {self.case.name}")


class BuildFailed(Exception):
    pass


class BuildItem(pytest.Item):
    """Fails when the config does not build: size, runtime syntax, lints (like `cfroutes check`)."""

    def __init__(self, *, suite: _Suite, **kw: Any) -> None:
        super().__init__(**kw)
        self.suite = suite

    def runtest(self) -> None:
        if self.suite.compiled.errors:
            raise BuildFailed(render_all(self.suite.compiled.errors))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, BuildFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "cfroutes build"
