"""`cfroutes diff`: a git repo made for the test, a change, and access logs replayed."""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.diff import logs

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

BEFORE = """\
version: 1
functions:
  site:
    event: viewer-request
    kvs: { name: s, seed: seed.yaml }
    routes:
      - name: blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: tenant
        host: ":t.example.com"
        path: /configurator
        lookup: { key: "{t}", as: target }
        rewrite: "{target}"
      - name: docs
        path: /docs/:page
        rewrite: /public/{page}.html
    tests:
      - request: /old-blog/x
        expect: { status: 301 }
"""
AFTER = BEFORE.replace("redirect: /blog/{splat}", "redirect: { to: \"/blog/{splat}\", status: 302 }")
FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol")


def _line(method: str, host: str, uri: str, query: str = "-", cookie: str = "-", status: str = "200") -> str:
    return "\t".join(["2026-11-30", "12:00:00", "FRA56-C1", "512", "203.0.113.9", method, "d111.cloudfront.net",
                      uri, status, "-", "Mozilla/5.0", query, cookie, "Miss", "id==", host, "https"])


def _log(*lines: str) -> str:
    return "#Version: 1.0\n#Fields: " + FIELDS + "\n" + "".join(line + "\n" for line in lines)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(BEFORE)
    (tmp_path / "seed.yaml").write_text("a: /cache/a-v1.html\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def _run(repo: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", "-c", str(repo / "routes.yaml"), *args])
    return code, out.getvalue(), err.getvalue()


def test_no_change_exits_0(repo: Path) -> None:
    code, out, _ = _run(repo, "--base", "HEAD")
    assert code == 0
    assert "1 requests replayed, 0 changed" in out


def test_changed_routes_and_seed_are_grouped_with_counts(repo: Path) -> None:
    (repo / "routes.yaml").write_text(AFTER)
    (repo / "seed.yaml").write_text("a: /cache/a-v2.html\n")
    log = repo / "access.log"
    log.write_text(_log(
        _line("GET", "www.example.com", "/old-blog/x", "utm=1"),
        _line("GET", "www.example.com", "/old-blog/y"),
        _line("GET", "www.example.com", "/old-blog/x", "utm=1"),   # a repeat: replayed from memo
        _line("GET", "a.example.com", "/configurator"),
        _line("GET", "www.example.com", "/docs/intro"),            # unchanged
        "garbage line",                                            # skipped with its line number
    ))
    code, out, err = _run(repo, "--base", "HEAD", "--log", str(log))
    assert code == 1
    # /x (twice) and /y differ in location but not in what changed: one group, the route's
    assert "3 request(s), site: route 'blog' (line 7): redirect 301 -> redirect 302\n" in out
    assert ("(access.log:3)\n      - response 301 location /blog/x?utm=1\n      + response 302 location /blog/x?utm=1\n"
            in out.replace(str(repo) + "/", ""))
    assert "      - response 301 location /blog/y\n      + response 302 location /blog/y\n" in out
    assert out.count("/old-blog/x?utm=1  (") == 1  # a repeat is not shown as a second example
    assert ("1 request(s), site: route 'tenant' (line 10): request, other values\n" in out
            and "      - request /cache/a-v1.html\n      + request /cache/a-v2.html\n" in out)
    assert "/docs/intro" not in out
    assert f"{log}:8: warning: skipped log line: 1 fields, the #Fields: line names 17" in err
    assert "5 requests replayed, 4 changed" in out and "1 log line(s) skipped" in out


def test_gzip_logs_and_cookies(repo: Path) -> None:
    (repo / "routes.yaml").write_text(BEFORE.replace("""      - name: docs""", """      - name: beta
        path: /docs/:page
        cookies: { beta: "1" }
        rewrite: /beta/{page}.html
      - name: docs"""))
    gz = repo / "access.log.gz"
    gz.write_bytes(gzip.compress(_log(_line("GET", "www.example.com", "/docs/a", cookie="beta=1;%20x=2"),
                                      _line("GET", "www.example.com", "/docs/a")).encode()))
    code, out, _ = _run(repo, "--base", "HEAD", "--log", str(gz))
    assert code == 1
    assert "1 request(s), site: route 'docs' (line 15) -> route 'beta' (line 15): request, other values\n" in out
    assert "      - request /public/a.html\n      + request /beta/a.html\n" in out
    assert "2 requests replayed, 1 changed" in out


def test_cases_replay_and_bad_input(repo: Path) -> None:
    (repo / "routes.yaml").write_text(AFTER)
    code, out, _ = _run(repo, "--base", "HEAD", "--cases")
    assert code == 1 and "1 requests replayed, 1 changed" in out
    code, _, err = _run(repo, "--base", "no-such-ref")
    assert code == 2 and "is not a commit of this repository" in err
    code, _, err = _run(repo, "--base", "HEAD", "--log", str(repo / "missing.log"))
    assert code == 2 and "missing.log:1:1: error: log file does not exist" in err


def test_a_base_that_does_not_build_names_the_revision(repo: Path) -> None:
    (repo / "routes.yaml").write_text(BEFORE.replace("redirect: /blog/{splat}", "redirct: /blog/{splat}"))
    _git(repo, "commit", "-qam", "broken")
    (repo / "routes.yaml").write_text(BEFORE)
    code, _, err = _run(repo, "--base", "HEAD")
    assert code == 2
    assert "HEAD:routes.yaml:9:" in err and "unknown key 'redirct'" in err


def test_log_fields_are_read_by_name(tmp_path: Path) -> None:
    p = tmp_path / "v2.log"
    p.write_text("#Fields: cs-uri-stem x-host-header cs-method cs-uri-query\n"
                 "/a\tWWW.Example.com\tPOST\tk=v\n/b\t-\tGET\t-\n")
    bad = logs.BadLines()
    got = list(logs.read(str(p), bad))
    assert [(r.method, r.host, r.uri, r.query) for r in got] == [("POST", "www.example.com", "/a", "k=v")]
    assert [b.line for b in bad] == [3] and "invalid host" in list(bad)[0].reason


def test_parallel_blocks_agree_with_one_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfroutes.compiler import compile_config
    from cfroutes.diff import replay as rp
    from cfroutes.diff.base import checkout_config

    (repo / "routes.yaml").write_text(AFTER)
    log = repo / "access.log"
    lines = [_line("GET", "www.example.com", f"/old-blog/p{i % 37}", "utm=1" if i % 3 else "-") for i in range(300)]
    lines += [_line("GET", "www.example.com", f"/docs/d{i}") for i in range(50)] + ["bad"]
    log.write_text(_log(*lines))
    after = compile_config(str(repo / "routes.yaml"))
    with checkout_config(str(repo / "routes.yaml"), "HEAD") as p:
        before = compile_config(p)

    def run(jobs: int) -> tuple[int, int, list[object], list[str]]:
        bad = logs.BadLines()
        reqs = [rp.log_replay(lr) for lr in logs.read(str(log), bad)]
        res = rp.replay(before, after, reqs, jobs=jobs)
        return (res.replayed, res.changed, [(c.function, c.route_before, c.route_after, c.before, c.after, c.count,
                                             [(e.source, e.before, e.after) for e in c.examples]) for c in res.groups()],
                [str(b) for b in bad])

    monkeypatch.setattr(rp, "PARALLEL_MIN", 10)
    monkeypatch.setattr(rp, "BLOCK", 64)
    batched = run(1)
    assert run(2) == batched
    assert batched[:2] == (350, 300)
    real_many = rp._Side.run_many

    def one_at_a_time(self: object, name: str, events: list[object], kvss: list[object]) -> list[object]:
        return [real_many(self, name, [e], [k])[0] for e, k in zip(events, kvss, strict=True)]  # type: ignore[arg-type, list-item]

    monkeypatch.setattr(rp._Side, "run_many", one_at_a_time)   # one invocation per round trip
    assert run(1) == batched


def test_bad_logs_are_bad_input(repo: Path) -> None:
    garbage = repo / "garbage.log"
    garbage.write_bytes(bytes(range(256)) * 50)
    code, _, err = _run(repo, "--base", "HEAD", "--log", str(garbage))
    assert code == 2 and f"{garbage}:1:1: error: no request could be read from this log" in err
    badgz = repo / "bad.gz"
    badgz.write_bytes(gzip.compress(_log(_line("GET", "a.test", "/x")).encode())[:30])
    code, _, err = _run(repo, "--base", "HEAD", "--log", str(badgz))
    assert code == 2 and "is truncated or not valid gzip" in err and ":0:" not in err
    nostem = repo / "nostem.log"
    nostem.write_text("#Fields: date time cs-method\n2026-11-30\t12:00:00\tGET\n")
    code, _, err = _run(repo, "--base", "HEAD", "--log", str(nostem))
    assert code == 2 and f"{nostem}:1:1: error: the #Fields: line lacks cs-uri-stem, x-host-header or cs(Host)" in err
    bom = repo / "bom.log"
    bom.write_text("\ufeff" + _log(_line("GET", "www.example.com", "/docs/a")))
    code, out, err = _run(repo, "--base", "HEAD", "--log", str(bom))
    assert code == 0 and "skipped" not in err and "1 requests replayed" in out


def test_log_from_standard_input(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "routes.yaml").write_text(AFTER)
    r, w = os.pipe()
    os.write(w, _log(_line("GET", "www.example.com", "/old-blog/x")).encode())
    os.close(w)
    monkeypatch.setattr(sys, "stdin", os.fdopen(r, "r"))
    code, out, _ = _run(repo, "--base", "HEAD", "--log", "-")
    assert code == 1 and "(<stdin>:3)" in out


def test_unchanged_functions_are_not_run_and_answers_skip_viewer_response(repo: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from cfroutes.diff import replay as rp

    two = BEFORE + """  sec:
    event: viewer-response
    headers:
      - path: /*
        set: { strict-transport-security: "max-age=1; includeSubDomains" }
"""
    (repo / "routes.yaml").write_text(two)
    _git(repo, "commit", "-qam", "two functions")
    # a change elsewhere in the config (a comment) changes every function's first line only
    (repo / "routes.yaml").write_text("# edited\n" + two.replace("max-age=1;", "max-age=2;"))
    runs: list[str] = []
    real_many = rp._Side.run_many

    def counting_many(self: object, name: str, events: list[object], kvss: list[object]) -> object:
        runs.extend([name] * len(events))
        return real_many(self, name, events, kvss)  # type: ignore[arg-type]

    monkeypatch.setattr(rp._Side, "run_many", counting_many)
    log = repo / "a.log"
    log.write_text(_log(_line("GET", "www.example.com", "/old-blog/x"), _line("GET", "www.example.com", "/docs/a")))
    code, out, _ = _run(repo, "--base", "HEAD", "--log", str(log))
    assert code == 1
    # /old-blog/x is a redirect: the viewer-response function never sees it, so no change there
    assert "/old-blog/x" not in out
    assert '1 request(s), sec: no route: response 200, headers, other values\n' in out
    assert ('      - response 200 headers {"strict-transport-security": "max-age=1; includeSubDomains"}\n'
            '      + response 200 headers {"strict-transport-security": "max-age=2; includeSubDomains"}\n') in out
    # site is unchanged: run once per request (to learn whether it answers), on one side only
    assert runs.count("site") == 2 and runs.count("sec") == 2


def test_outside_git_and_missing_seed_at_base(tmp_path: Path, repo: Path) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "routes.yaml").write_text(BEFORE.replace("kvs: { name: s, seed: seed.yaml }", ""))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", "-c", str(lone / "routes.yaml"), "--base", "HEAD"])
    if code == 2 and "not inside a git repository" in err.getvalue():   # tmp_path may sit inside a checkout
        assert f"{lone / 'routes.yaml'}:1:1: error:" in err.getvalue()
    _git(repo, "rm", "-q", "seed.yaml")
    _git(repo, "commit", "-qm", "no seed")
    (repo / "seed.yaml").write_text("a: /x\n")
    code, _, message = _run(repo, "--base", "HEAD")
    assert code == 2 and "cfroutes-base-" not in message and "HEAD:" in message


def test_one_edited_route_over_many_urls_is_one_group(repo: Path) -> None:
    (repo / "routes.yaml").write_text(AFTER)
    log = repo / "access.log"
    log.write_text(_log(*[_line("GET", "www.example.com", f"/old-blog/post-{i}") for i in range(500)],
                        *[_line("GET", "www.example.com", f"/docs/d{i}") for i in range(50)]))
    code, out, _ = _run(repo, "--base", "HEAD", "--log", str(log), "--examples", "2")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "500 request(s), site: route 'blog' (line 7): redirect 301 -> redirect 302"
    assert [x for x in lines if x.startswith("    e.g. ")] == [
        f"    e.g. GET https://www.example.com/old-blog/post-{i}  ({log}:{i + 3})" for i in (0, 1)]
    assert lines[-2] == "    ... and 498 more" and len(lines) == 1 + 2 * 3 + 2
    code, out, _ = _run(repo, "--base", "HEAD", "--log", str(log), "--examples", "0")
    assert out.splitlines()[:2] == [lines[0], "    ... and 500 more"]


def test_json_format(repo: Path) -> None:
    import json

    (repo / "routes.yaml").write_text(AFTER.replace("name: docs\n        path: /docs/:page\n        rewrite: /public/",
                                                    "name: docs\n        path: /docs/:page\n        rewrite: /pub/"))
    log = repo / "access.log"
    log.write_text(_log(*[_line("GET", "www.example.com", f"/old-blog/p{i}") for i in range(5)],
                        _line("GET", "www.example.com", "/docs/a"), "garbage"))
    code, out, err = _run(repo, "--base", "HEAD", "--log", str(log), "--format", "json", "--examples", "1")
    assert code == 1
    data = json.loads(out)
    assert (data["base"], data["replayed"], data["changed"], data["skipped_lines"]) == ("HEAD", 6, 6, 1)
    assert [(g["route_before"], g["route_after"], g["outcome_before"], g["outcome_after"], g["count"])
            for g in data["groups"]] == [("route 'blog' (line 7)", "route 'blog' (line 7)", "redirect 301",
                                          "redirect 302", 5),
                                         ("route 'docs' (line 15)", "route 'docs' (line 15)", "request", "request", 1)]
    assert data["groups"][0]["examples"] == [{"source": f"{log}:3", "request": "GET https://www.example.com/old-blog/p0",
                                              "before": "response 301 location /blog/p0",
                                              "after": "response 302 location /blog/p0"}]
    assert "skipped log line" in err  # the skipped line is still reported, on stderr


@pytest.mark.parametrize("examples", ["-1", "101"])
def test_examples_is_bounded(repo: Path, examples: str) -> None:
    code, _, err = _run(repo, "--base", "HEAD", "--examples", examples)
    assert code == 2 and f"--examples {examples}: give 0 to 100" in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty, ci, shown", [(True, None, True), (False, None, False), (True, "true", False)])
def test_progress_only_on_a_terminal_outside_ci(repo: Path, monkeypatch: pytest.MonkeyPatch, tty: bool,
                                               ci: str | None, shown: bool) -> None:
    from cfroutes.cli import diff as cli_diff
    from cfroutes.diff import replay as rp

    monkeypatch.setattr(rp, "BLOCK", 10)
    monkeypatch.setattr(cli_diff, "PROGRESS_EVERY", 0.0)
    monkeypatch.delenv("CI", raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    (repo / "routes.yaml").write_text(AFTER)
    log = repo / "access.log"
    log.write_text(_log(*[_line("GET", "www.example.com", f"/old-blog/p{i}") for i in range(45)]))
    out, err = io.StringIO(), (_Tty() if tty else io.StringIO())
    code = cli_diff.diff(str(repo / "routes.yaml"), "HEAD", [str(log)], False, stdout=out, stderr=err)
    assert code == 1 and "\r" not in out.getvalue()
    text = err.getvalue()
    assert ("\r\x1b[Kdiff: 40 requests replayed, 40 changed" in text) is shown, text
    if shown:
        assert text.endswith("\r\x1b[K")  # the status line is cleared before the result
    else:
        assert text == ""


# ------------------------------------------------------------------ distribution tenants
# Cases replay with their own tenant; log lines carry none, so they replay as on a standard
# distribution (with a note) unless `--tenants FILE` maps each line's host to its tenant (a host no
# tenant has is skipped, as CloudFront refuses it).
TENANT_BEFORE = """\
version: 1
functions:
  site:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s, seed: seed.yaml }
    routes:
      - name: configurator
        path: /configurator
        lookup: { key: "{tenant.params.site}/configurator", as: target }
        rewrite: "{target}"
      - name: public
        path: /*
        rewrite: /public/{splat}
    tests:
      - request: GET https://acme.test/configurator
        tenant: { id: dt_acme, params: { site: acme } }
        expect: { uri: /c/acme-v1.html }
      - request: GET https://acme.test/configurator
        expect: { uri: /public/configurator }
"""
TENANTS_FILE = """\
tenants:
  - { id: dt_acme, domains: [acme.test], params: { site: acme } }
  - { id: dt_beta, domains: [beta.test], params: { site: beta } }
"""


@pytest.fixture()
def tenant_repo(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(TENANT_BEFORE)
    (tmp_path / "seed.yaml").write_text("acme/configurator: /c/acme-v1.html\nbeta/configurator: /c/beta.html\n")
    (tmp_path / "tenants.yaml").write_text(TENANTS_FILE)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "seed.yaml").write_text("acme/configurator: /c/acme-v2.html\nbeta/configurator: /c/beta.html\n")
    return tmp_path


def test_cases_replay_with_their_tenant(tenant_repo: Path) -> None:
    code, out, _ = _run(tenant_repo, "--base", "HEAD", "--cases")
    assert code == 1 and "2 requests replayed, 1 changed" in out
    assert "route 'configurator' (line 8): request, other values" in out
    assert "tenant dt_acme)  (" in out  # the case names its tenant
    assert "      - request /c/acme-v1.html\n      + request /c/acme-v2.html\n" in out


def test_log_lines_without_tenants_replay_as_a_standard_distribution(tenant_repo: Path) -> None:
    log = tenant_repo / "access.log"
    log.write_text(_log(_line("GET", "acme.test", "/configurator")))
    code, out, err = _run(tenant_repo, "--base", "HEAD", "--log", str(log))
    assert code == 0 and "1 requests replayed, 0 changed" in out  # the tenant route falls through
    assert "note: log lines carry no distribution tenant" in err and "--tenants FILE" in err


def test_log_lines_with_tenants_by_host(tenant_repo: Path) -> None:
    log = tenant_repo / "access.log"
    log.write_text(_log(_line("GET", "acme.test", "/configurator"), _line("GET", "beta.test", "/configurator"),
                        _line("GET", "evil.test", "/configurator")))
    code, out, err = _run(tenant_repo, "--base", "HEAD", "--log", str(log), "--tenants", str(tenant_repo / "tenants.yaml"))
    assert code == 1 and "2 requests replayed, 1 changed" in out and "1 log line(s) skipped" in out
    assert "      - request /c/acme-v1.html\n      + request /c/acme-v2.html\n" in out
    assert "access.log:5: warning: skipped log line: no distribution tenant has the domain evil.test" in err
    assert "note: log lines carry no" not in err
    (tenant_repo / "tenants.yaml").write_text("tenants: [1]\n")
    code, _, err = _run(tenant_repo, "--base", "HEAD", "--log", str(log), "--tenants", str(tenant_repo / "tenants.yaml"))
    assert code == 2 and "tenants.yaml:1:" in err
