"""`cfroutes report`: the page's content, its self-containment, and a real render in headless Chromium."""
from __future__ import annotations

import contextlib
import html.parser
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from cfroutes.cli.main import main

from .chromium import CHROMIUM, Browser

ROOT = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("CFROUTES_REQUIRE_CHROMIUM") == "1"

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: untested <b>route</b>
        path: /never
        respond: { status: 404 }
    headers:
      - path: /api/*
        set: { x-api: "1" }
    tests:
      - name: blog
        request: /old-blog/x
        expect: { status: 301 }
"""


class _Rows(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-kind" in a:
            self.rows.append({k: v or "" for k, v in a.items()})
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key] or "")


def _report(tmp_path: Path, text: str = CONFIG) -> Path:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(text)
    out = tmp_path / "report.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "-c", str(cfg), "-o", str(out)]) == 0
    return out


def test_every_route_and_rule_is_on_the_page_and_nothing_is_loaded(tmp_path: Path) -> None:
    page = _report(tmp_path).read_text()
    p = _Rows()
    p.feed(page)
    assert [(r["data-kind"], r["data-name"]) for r in p.rows] == [
        ("route", "old-blog"), ("route", "untested <b>route</b>"), ("header rule", "header rule 1")]
    assert [("uncovered" in r["class"]) for r in p.rows] == [False, True, True]
    assert p.scripts == 1                                # the filter box's inline script, nothing loaded
    assert [u for u in p.external if not u.startswith("#")] == []   # self-contained: links are anchors only
    assert "untested &lt;b&gt;route&lt;/b&gt;" in page   # names are escaped
    from cfroutes.compiler import compile_config

    size = compile_config(str(tmp_path / "routes.yaml")).functions[0].size
    assert f'class="mono size">{size:,} / 10,240 bytes' in page
    assert 'id="total-coverage">33.3%<' in page


def test_the_example_report_holds_every_route() -> None:
    from cfroutes.compiler import compile_config

    compiled = compile_config(str(ROOT / "routes.yaml"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", "-c", str(ROOT / "routes.yaml"), "-o", "-"]) == 0
    p = _Rows()
    p.feed(out.getvalue())
    want = [("route", r.label) for cf in compiled.functions for r in cf.function.routes]
    assert [(r["data-kind"], r["data-name"]) for r in p.rows if r["data-kind"] == "route"] == want


def test_a_failing_test_is_listed_with_its_first_mismatch(tmp_path: Path) -> None:
    failing = CONFIG.replace("expect: { status: 301 }", "expect: { status: 302 }")
    page = _report(tmp_path, failing).read_text()
    line = next(i for i, t in enumerate(failing.splitlines(), 1) if "- name: blog" in t)
    want = f"FAIL {tmp_path / 'routes.yaml'}:{line}:9 site: blog: status expected 302, got 301"
    assert f'<div class="fail mono">{html.escape(want)}</div>' in page, page[page.find("FAIL"):][:400]


def _distinct_bytes_of_png(path: Path) -> int:
    """How many different byte values the image data holds (a blank page has 2 or 3)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat)))


RICH = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: shadowed
        path: /old-blog/x
        respond: { status: 404 }
      - name: untested <b>route</b>
        path: /never
        respond: { status: 404 }
    headers:
      - path: /api/*
        set: { x-api: "1" }
    tests:
      - name: blog
        request: /old-blog/x
        expect: { status: 301 }
      - name: blog <i>wrong</i>
        request: /old-blog/y
        expect: { status: 302 }
"""


def _big(n_patterns: int = 400, n_exact: int = 1600) -> str:
    """A 2,000-route config with long names and paths, 300 tests and one failing among them."""
    lines = ["version: 1", "functions:", "  site:", "    event: viewer-request", "    kvs: {name: redirects}",
             "    routes:"]
    for i in range(n_patterns):
        lines += [f"      - name: section-{i}", f"        path: /section{i}/:a/*",
                  f"        redirect: /s{i}/{{a}}/{{splat}}"]
    for i in range(n_exact):
        lines += [f"      - name: legacy-page-number-{i}-with-a-long-descriptive-name",
                  f"        path: /legacy/2019/some-long-article-slug-{i}-about-things-past-and-present",
                  f"        redirect: /articles/new-long-article-slug-{i}-about-things-past-and-present"]
    lines.append("    tests:")
    for i in range(0, n_patterns, 4):
        lines += [f"      - request: /section{i}/x/y", f"        expect: {{ status: 301, location: /s{i}/x/y }}"]
    for i in range(0, n_exact, 8):
        wrong = "-WRONG" if i == 800 else ""
        lines += [f"      - request: /legacy/2019/some-long-article-slug-{i}-about-things-past-and-present",
                  f"        expect: {{ status: 301, location: /articles/new-long-article-slug-{i}"
                  f"-about-things-past-and-present{wrong} }}"]
    return "\n".join(lines) + "\n"


class _Page(html.parser.HTMLParser):
    """Ids, links, the result badges, the CSP and the script of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str]] = {}
        self.links: list[tuple[str, str]] = []  # (href, id of the enclosing element with an id)
        self.badges: list[dict[str, str]] = []
        self.csp = ""
        self.script = ""
        self._in_script = False
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
        inside = next((i for i in reversed(self._stack) if i), "")
        if tag not in ("meta", "input", "br"):
            self._stack.append(a.get("id", ""))
        if tag == "a" and "href" in a:
            self.links.append((a["href"], inside))
        if "data-result" in a:
            self.badges.append({**a, "inside": inside})
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("meta", "input", "br") and self._stack:
            self._stack.pop()
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script += data


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    return p


def test_a_failing_test_is_red_in_its_row_and_listed_with_its_diff(tmp_path: Path) -> None:
    page = _report(tmp_path, RICH).read_text()
    p = _parse(page)
    row = next(a for a in p.ids.values() if a.get("data-name") == "old-blog")
    assert "failing" in row["class"]
    in_row = [(b["href"], b["data-result"], b["class"]) for b in p.badges if b["inside"] == row["id"]]
    assert in_row == [("#t2", "fail", "t fail"), ("#t1", "pass", "t pass")]   # failing first
    assert "fail" in p.ids["t2"]["class"].split() and "pass" in p.ids["t1"]["class"].split()
    diff = page[page.index('id="t2"'):page.index("</li>", page.index('id="t2"'))]
    assert "blog &lt;i&gt;wrong&lt;/i&gt;" in diff
    assert '<span class="exp">  - status: 302</span>' in diff and '<span class="got">  + status: 301</span>' in diff
    assert 'id="failed-count">1 of 2 failing<' in page


def test_pass_and_fail_come_from_the_runner_results(tmp_path: Path) -> None:
    """The page shows what the run reported, not a verdict of its own: flip the results, the page follows."""
    from cfroutes.compiler import compile_config
    from cfroutes.report.html import report_page
    from cfroutes.testing.runner import Mismatch, Runner
    from cfroutes.testing.session import collect

    (tmp_path / "routes.yaml").write_text(RICH)
    compiled = compile_config(str(tmp_path / "routes.yaml"))
    suite = collect(compiled, None)
    results = Runner(compiled).run(suite)
    assert [r.passed for r in results] == [True, False]
    results[0].mismatches.append(Mismatch("status", "999", "301"))
    results[1].mismatches.clear()
    p = _parse(report_page(compiled, suite, results))
    assert "fail" in p.ids["t1"]["class"].split() and "pass" in p.ids["t2"]["class"].split()
    assert [(b["href"], b["data-result"]) for b in p.badges if b["inside"].startswith("f0-")] == [
        ("#t1", "fail"), ("#t2", "pass")]
    assert [(b["inside"], b["data-result"]) for b in p.badges if b["inside"].startswith("t")] == [
        ("t1", "fail"), ("t2", "pass")]


def test_routes_tests_and_lints_link_to_each_other(tmp_path: Path) -> None:
    p = _parse(_report(tmp_path, RICH).read_text())
    hrefs = [h for h, _ in p.links]
    assert all(h.startswith("#") and h[1:] in p.ids for h in hrefs), [h for h in hrefs if h[1:] not in p.ids]
    shadowed = next(i for i, a in p.ids.items() if a.get("data-name") == "shadowed")
    lint = next(i for i, a in p.ids.items() if i.startswith("l") and a.get("class") == "warning")
    assert (f"#{lint}", shadowed) in p.links and (f"#{shadowed}", lint) in p.links   # route <-> lint
    old = next(i for i, a in p.ids.items() if a.get("data-name") == "old-blog")
    assert (f"#{old}", "t1") in p.links and ("#t1", old) in p.links                   # route <-> test
    assert "data-problem" in p.ids[shadowed] and "data-problem" not in p.ids["t1"]


def test_the_page_may_run_only_its_own_script_and_fetch_nothing(tmp_path: Path) -> None:
    import base64
    import hashlib

    p = _parse(_report(tmp_path, RICH).read_text())
    policy = dict(d.strip().split(" ", 1) for d in p.csp.split(";"))
    digest = base64.b64encode(hashlib.sha256(p.script.encode()).digest()).decode()
    assert policy["default-src"] == "'none'" and policy["script-src"] == f"'sha256-{digest}'"
    assert "connect-src" not in policy and "img-src" in policy and policy["img-src"] == "data:"


# ------------------------------------------------------------------ real Chromium
#: measured in the page: overflow, and how each pass/fail badge is drawn
MEASURE = """(function () {
  var d = document.documentElement, out = {client: d.clientWidth, scroll: d.scrollWidth, badges: [], wide: []};
  var els = document.querySelectorAll("[data-result]"), i, s, r;
  for (i = 0; i < els.length; i++) {
    s = getComputedStyle(els[i]); r = els[i].getBoundingClientRect();
    out.badges.push({result: els[i].getAttribute("data-result"), color: s.color, shown: r.width > 0 && r.height > 0,
                     text: els[i].textContent});
  }
  els = document.body.querySelectorAll("*");
  for (i = 0; i < els.length && out.wide.length < 5; i++) {
    if (els[i].getBoundingClientRect().right > d.clientWidth + 0.5) { out.wide.push(els[i].outerHTML.slice(0, 120)); }
  }
  out.background = getComputedStyle(document.body).backgroundColor;
  out.rows = Array.prototype.map.call(document.querySelectorAll("tr[data-kind]"), function (e) { return e.dataset.name; });
  out.visible = Array.prototype.filter.call(document.querySelectorAll("[data-filter]"), function (e) {
    return e.getClientRects().length > 0; }).map(function (e) { return e.id; });
  out.filters = !document.getElementById("filters").hidden;
  return out;
})()"""


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(x)) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def _problems(m: dict[str, object]) -> list[str]:
    """What a reader would be misled by: a page wider than the screen, a failing test drawn as passing."""
    out = []
    if m["scroll"] > m["client"]:  # type: ignore[operator]
        out.append(f"horizontal overflow: {m['scroll']} > {m['client']} px: {m['wide']}")
    for b in m["badges"]:  # type: ignore[attr-defined]
        r, g, bl = _rgb(b["color"])
        red, green = r > 1.4 * g and r > 1.4 * bl, g > r and g > bl
        if not b["shown"]:
            out.append(f"{b['result']} badge not visible: {b['text']}")
        elif b["result"] == "fail" and (not red or "✓" in b["text"] or "PASS" in b["text"]):
            out.append(f"failing test drawn as passing: {b['text']} in {b['color']}")
        elif b["result"] == "pass" and not green:
            out.append(f"passing test not drawn green: {b['text']} in {b['color']}")
    return out


SHOTS = Path(os.environ["CFROUTES_REPORT_SHOTS"]) if os.environ.get("CFROUTES_REPORT_SHOTS") else None
chromium_only = pytest.mark.skipif(CHROMIUM is None and not REQUIRE,
                                   reason="chromium not installed (apt-get install chromium)")


def _shot(browser: Browser, tmp_path: Path, name: str) -> Path:
    path = (SHOTS or tmp_path) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    browser.screenshot(path)
    assert _distinct_bytes_of_png(path) > 20
    return path


@chromium_only
@pytest.mark.parametrize("which", ["rich", "example", "2000 routes"])
def test_renders_in_headless_chromium_at_desktop_and_phone_width(tmp_path: Path, which: str) -> None:
    assert CHROMIUM is not None, "CFROUTES_REQUIRE_CHROMIUM=1 but no chromium on PATH"
    if which == "example":
        page = tmp_path / "report.html"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["report", "-c", str(ROOT / "routes.yaml"), "-o", str(page)]) == 0
    else:
        page = _report(tmp_path, RICH if which == "rich" else _big())
    failing = {"rich": 1, "example": 0, "2000 routes": 1}[which]
    with Browser(tmp_path / "profile") as browser:
        for width in (1280, 390):
            for dark in (False, True):
                browser.open(page.as_uri(), width=width, mobile=width < 500, dark=dark)
                m = browser.eval(MEASURE)
                assert _problems(m) == [], (width, dark)
                assert browser.requests() == [page.as_uri()]            # nothing fetched but the page
                assert m["filters"]                                     # its script ran under its CSP
                assert sum(b["result"] == "fail" for b in m["badges"]) >= 2 * failing
                assert (sum(_rgb(m["background"])) < 150) == dark
                _shot(browser, tmp_path, f"report-{which.replace(' ', '-')}-{width}{'-dark' if dark else ''}")
        if which == "rich":
            assert m["rows"] == ["old-blog", "shadowed", "untested <b>route</b>", "header rule 1"]


def _blank_png_has_few_byte_values(browser: Browser, tmp_path: Path) -> None:
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    browser.open(blank.as_uri(), width=390)
    path = tmp_path / "blank.png"
    browser.screenshot(path)
    assert _distinct_bytes_of_png(path) < 5   # the measure tells a blank page from a drawn one


@chromium_only
def test_the_checks_catch_overflow_and_a_failing_test_drawn_green(tmp_path: Path) -> None:
    page = _report(tmp_path, RICH)
    with Browser(tmp_path / "profile") as browser:
        browser.open(page.as_uri(), width=390, mobile=True)
        assert _problems(browser.eval(MEASURE)) == []
        browser.eval('document.querySelector("code").textContent = "/" + "x".repeat(300)')   # an unbreakable line
        browser.eval('document.querySelector("code").style.overflowWrap = "normal"')
        browser.eval('document.body.style.overflowWrap = "normal"; document.body.style.wordBreak = "normal"')
        browser.eval('Array.prototype.forEach.call(document.querySelectorAll("code"), function (c) {'
                     ' c.style.overflowWrap = "normal"; c.style.whiteSpace = "pre"; })')
        assert any(p.startswith("horizontal overflow") for p in _problems(browser.eval(MEASURE)))
        browser.open(page.as_uri(), width=1280)
        browser.eval('document.querySelector("[data-result=fail]").className = "t pass"')
        assert any(p.startswith("failing test drawn as passing") for p in _problems(browser.eval(MEASURE)))
        _blank_png_has_few_byte_values(browser, tmp_path)


@chromium_only
def test_the_filter_box_and_a_page_without_scripts(tmp_path: Path) -> None:
    page = _report(tmp_path, RICH)
    with Browser(tmp_path / "profile") as browser:
        browser.open(page.as_uri(), width=390, mobile=True, scripts=False)
        m = browser.eval(MEASURE)
        assert not m["filters"] and len(m["visible"]) == 4 + 2 + 1    # rows, tests, the lint: all shown
        browser.open(page.as_uri(), width=390, mobile=True)
        every = browser.eval(MEASURE)["visible"]
        assert every == m["visible"]
        browser.eval('var f = document.getElementById("filter"); f.value = "Wrong";'
                     ' f.dispatchEvent(new Event("input"))')
        assert browser.eval(MEASURE)["visible"] == ["f0-r1", "t2"]   # the test and the row that lists it
        assert browser.eval('document.getElementById("shown").textContent') == f"2 of {len(every)} shown"
        browser.eval('location.hash = "#f0-r3"')                     # a link to a hidden row clears the filter
        assert browser.wait_for("Page.navigatedWithinDocument")
        assert browser.eval(MEASURE)["visible"] == every
        browser.eval('var o = document.getElementById("only"); o.checked = true; o.dispatchEvent(new Event("change"))')
        shown = browser.eval(MEASURE)["visible"]
        assert shown == [i for i in every if i != "t1"]   # t1 passes; every row has a failing test, no test or a lint


def test_the_distribution_tenant_in_words() -> None:
    from cfroutes.config.model import Match, TenantCond, ValueCond
    from cfroutes.report.describe import match_text

    m = Match(tenant=TenantCond("dt_acme", (("Plan", ValueCond("equals", "pro")), ("Beta", ValueCond("absent")))))
    assert match_text(m) == "tenant dt_acme · tenant parameter Plan = pro · tenant parameter Beta absent"
    assert match_text(Match(tenant=TenantCond())) == "any distribution tenant"
