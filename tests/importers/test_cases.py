"""`cfroutes import ... --cases FILE` for Netlify, Vercel and Amplify: the cases are each platform's
answers, written here by hand from the platform's documentation (never from the translation); the
real fixtures' cases pass after import; breaking one translated route makes its case fail."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfroutes.cli.main import main

from tests.importers.test_real_repos import PORTS, REAL

VERCEL = {
    "trailingSlash": False,
    "redirects": [
        {"source": "/old/:slug", "destination": "/new/:slug", "permanent": False},
        {"source": "/docs/:path*", "destination": "/guide/:path*"},
        {"source": "/post/:id(\\d+)", "destination": "/p/:id", "statusCode": 301},
        {"source": "/beta", "has": [{"type": "cookie", "key": "beta", "value": "1"}], "destination": "/beta/home",
         "permanent": False},
        {"source": "/:path*", "has": [{"type": "host", "value": "www.shop.example"}],
         "destination": "https://shop.example/:path*"},
    ],
    "rewrites": [{"source": "/app/:path*", "destination": "/app/index.html"}],
    "headers": [{"source": "/assets/:file*", "headers": [{"key": "Cache-Control", "value": "immutable"}]}],
}
#: vercel.com/docs: trailingSlash false redirects `/a/` to `/a` (308) before the redirects; `permanent`
#: absent or true is 308, false 307, `statusCode` wins; `:path*` takes segments; `has` cookie and host;
#: header rules apply to every response whose path matches; rewrites run only where no file matches
VERCEL_EXPECTED = [
    {"request": "/n-page/", "expect": {"status": 308, "location": "/n-page"}},
    {"request": "/old/n-slug", "expect": {"status": 307, "location": "/new/n-slug"}},
    {"request": "/docs/a/b", "expect": {"status": 308, "location": "/guide/a/b"}},
    {"request": "/post/1", "expect": {"status": 301, "location": "/p/1"}},
    {"request": "/beta", "cookies": {"beta": "1"}, "expect": {"status": 307, "location": "/beta/home"}},
    {"request": "GET https://www.shop.example/a/b", "expect": {"status": 308, "location": "https://shop.example/a/b"}},
    {"request": "/assets/a/b", "function": "router-headers", "expect": {"headers": {"cache-control": "immutable"}}},
]

AMPLIFY = [
    {"source": "https://www.example.com", "target": "https://example.com", "status": "301"},
    {"source": "/docs/<*>", "target": "/documents/<*>", "status": "302"},
    {"source": "/blog/<year>/<slug>", "target": "/posts/<year>-<slug>", "status": "301"},
    {"source": "/shop", "target": "/de/shop", "status": "302", "condition": "<DE>"},
    {"source": "/about", "target": "/about.html", "status": "200"},
    {"source": "/<*>", "target": "/index.html", "status": "404-200"},
]
#: docs.aws.amazon.com/amplify "Using redirects": a domain source redirects every path with the path
#: appended; `<*>` is the rest of the path, `<name>` a segment; `<DE>` the viewer's country; 200 rewrites;
#: 404-200 applies only where no file matches (no case without --site)
AMPLIFY_EXPECTED = [
    {"request": "GET https://www.example.com/a/b", "expect": {"status": 301, "location": "https://example.com/a/b"}},
    {"request": "/docs/a/b", "expect": {"status": 302, "location": "/documents/a/b"}},
    {"request": "/blog/n-year/n-slug", "expect": {"status": 301, "location": "/posts/n-year-n-slug"}},
    {"request": "/shop", "headers": {"cloudfront-viewer-country": "DE"},
     "expect": {"status": 302, "location": "/de/shop"}},
    {"request": "/about", "expect": {"uri": "/about.html"}},
]

NETLIFY = "https://old.example.com/* https://new.example.com/:splat 301!\n/old /new 302\n/blog/:year/* /posts/:year/:splat\n/app/* /index.html 200\n/shop /store 301! Country=de\n"
#: docs.netlify.com "Redirect options": the status defaults to 301; `:name` and `*`/`:splat`; 200 rewrites;
#: a rule with a condition needs a request this does not build (counted, no case); "Domain-level
#: redirects": a full-URL source matches requests on that host
NETLIFY_EXPECTED = [
    {"request": "GET https://old.example.com/a/b", "expect": {"status": 301, "location": "https://new.example.com/a/b"}},
    {"request": "/old", "expect": {"status": 302, "location": "/new"}},
    {"request": "/blog/n-year/a/b", "expect": {"status": 301, "location": "/posts/n-year/a/b"}},
    {"request": "/app/a/b", "expect": {"uri": "/index.html"}},
]


def _import(tmp_path: Path, capsys: Any, platform: str, name: str, text: str, *extra: str) -> tuple[list[Any], str]:
    (tmp_path / name).write_text(text)
    code = main(["import", platform, str(tmp_path / name), "-o", str(tmp_path / "routes.yaml"), "--cases",
                 str(tmp_path / "gen.cases.yaml"), *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    doc = yaml.safe_load((tmp_path / "gen.cases.yaml").read_text())
    assert doc["config"] == "routes.yaml" and doc["function"] == "router"
    return doc["tests"], err


@pytest.mark.parametrize(("platform", "name", "text", "expected", "summary"), [
    ("vercel", "vercel.json", json.dumps(VERCEL), VERCEL_EXPECTED,
     "wrote 7 case(s) to {}; 1 carried rule(s) without a case: 1 depends on files"),
    ("amplify", "rules.json", json.dumps(AMPLIFY), AMPLIFY_EXPECTED,
     "wrote 5 case(s) to {}; 1 carried rule(s) without a case: 1 error pages (cases run the functions only)"),
    ("netlify", "_redirects", NETLIFY, NETLIFY_EXPECTED,
     "wrote 4 case(s) to {}; 1 carried rule(s) without a case: 1 conditions, query parameters or proxies"),
], ids=["vercel", "amplify", "netlify"])
def test_cases_are_the_platforms_answers(tmp_path: Path, capsys: Any, platform: str, name: str, text: str,
                                         expected: list[dict[str, Any]], summary: str) -> None:
    tests, err = _import(tmp_path, capsys, platform, name, text)
    assert summary.format(tmp_path / "gen.cases.yaml") in err, err
    assert [{k: v for k, v in t.items() if k != "name"} for t in tests] == expected
    assert all(re.match(rf"{re.escape(name)}:\d+: ", t["name"]) for t in tests)
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0
    assert f"{len(expected)} passed, 0 failed" in capsys.readouterr().out


def test_vercel_path_star_does_not_match_the_root(tmp_path: Path, capsys: Any) -> None:
    """path-to-regexp as Vercel compiles it (strict): `/:path*` needs a segment, so `/` on the www host is
    served, not redirected (vercel/vercel#16923: "`/:path*` does not match the bare root path `/`")."""
    _import(tmp_path, capsys, "vercel", "vercel.json", json.dumps(VERCEL))
    (tmp_path / "root.cases.yaml").write_text(
        "function: router\ntests:\n  - request: GET https://www.shop.example/\n    expect: { uri: / }\n")
    assert main(["test", "-c", str(tmp_path / "routes.yaml"), str(tmp_path / "root.cases.yaml")]) == 0, \
        capsys.readouterr().out


def test_files_decide_with_site(tmp_path: Path, capsys: Any) -> None:
    """With --site the rules whose answer depends on files get cases: no file at the sample path."""
    for f in ("index.html", "about.html"):
        (tmp_path / "public" / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "public" / f).write_text("x")
    tests, err = _import(tmp_path, capsys, "amplify", "rules.json", json.dumps(AMPLIFY), "--site",
                         str(tmp_path / "public"))
    assert "wrote 6 case(s)" in err and "without a case" in err and "depends on files" not in err, err
    assert tests[-1]["request"] == "/a/b" and tests[-1]["expect"] == {"uri": "/index.html"}
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(("name", "platform", "src", "answers", "args", "code", "warnings"), PORTS,
                         ids=[p[0] for p in PORTS])
def test_real_port_cases_pass(tmp_path: Path, capsys: Any, name: str, platform: str, src: str, answers: str,
                              args: list[str], code: int, warnings: int) -> None:
    site = tmp_path / name
    shutil.copytree(REAL / name, site)
    (site / answers).unlink()
    out = site / "routes.yaml"
    assert main(["import", platform, str(site / src), "-o", str(out), "--cases", str(site / "gen.cases.yaml"), *[
        str(site / a) if i and args[i - 1] == "--site" else a for i, a in enumerate(args)]]) == code
    made = int(capsys.readouterr().err.split("wrote ")[1].split(" case")[0])
    assert made >= (1 if name == "katex" else 2)  # katex has one rule (a domain-level redirect)
    assert main(["test", "-c", str(out)]) == 0
    assert f"{made} passed, 0 failed" in capsys.readouterr().out


MUTATIONS = [  # (fixture, the translated text, a wrong one)
    ("reactdev", "to: /api/core,", "to: /api/cores,"),
    ("reactdev", '"public, max-age=31536000, immutable"', '"public, max-age=31536000"'),  # a header rule
    ("awwtomation", '"https://shop.example/{path_}"', '"https://shop.example/x/{path_}"'),
    ("wasedatime", "rewrite: /index.html", "rewrite: /index.htm"),
    ("prettier", '"/manual/{lang}/install.html"', '"/manual/{lang}/installs.html"'),
]


@pytest.mark.parametrize(("name", "good", "bad"), MUTATIONS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_a_broken_translation_fails_its_case(tmp_path: Path, capsys: Any, name: str, good: str, bad: str) -> None:
    port = next(p for p in PORTS if p[0] == name)
    site = tmp_path / name
    shutil.copytree(REAL / name, site)
    (site / port[3]).unlink()
    out = site / "routes.yaml"
    main(["import", port[1], str(site / port[2]), "-o", str(out), "--cases", str(site / "gen.cases.yaml")])
    capsys.readouterr()
    text = out.read_text()
    assert text.count(good) == 1, text
    out.write_text(text.replace(good, bad))
    assert main(["test", "-c", str(out)]) == 1
    assert "1 failed" in capsys.readouterr().out


def test_netlify_splat_matches_its_parent_path(tmp_path: Path, capsys: Any) -> None:
    """Netlify normalizes the trailing slash before matching (docs.netlify.com "Redirect options",
    Trailing slash), so `/shop` is `/shop/`, which `/:lang/*` matches with an empty splat: the first
    rule answers `/shop`, on Netlify as in the translation (the case generator used to say the second)."""
    tests, _ = _import(tmp_path, capsys, "netlify", "_redirects", "/:lang/* /:lang/404.html 404!\n/shop /store 301!\n")
    assert tests[1]["request"] == "/shop" and tests[1]["expect"] == {"uri": "/shop/404.html"}
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0, capsys.readouterr().out


def test_netlify_pretty_url_page_is_a_file(tmp_path: Path, capsys: Any) -> None:
    """Netlify answers `/ko/faq` from `ko/faq.html` (its pretty-URL resolution), so a non-forced
    `/ko/*` rule is skipped there. `files:` does not count X.html for /X: the import says so, once per
    rule, and the forced rule the warning suggests makes the page served as on Netlify."""
    shutil.copytree(REAL / "jest", tmp_path / "jest")
    d = tmp_path / "jest"
    args = ["import", "netlify", str(d / "_redirects"), "-o", str(d / "routes.yaml"), "--site", str(d / "public")]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err.count("pretty URLs") == 1 and "_redirects:23: warning: Netlify serves /ko/faq from ko/faq.html" in err
    case = "function: router\ntests:\n  - request: /ko/faq\n    expect: { uri: /ko/faq.html }\n"
    (d / "faq.cases.yaml").write_text(case)
    assert main(["test", "-c", str(d / "routes.yaml")]) == 1  # imported as is: /ko/404.html
    capsys.readouterr()
    text = (d / "_redirects").read_text().replace("\n/ko/*", "\n/ko/faq /ko/faq.html 200!\n/ko/*", 1)
    (d / "_redirects").write_text(text)
    assert main(args) == 0
    assert "pretty URLs" not in capsys.readouterr().err
    assert main(["test", "-c", str(d / "routes.yaml")]) == 0, capsys.readouterr().out


def test_amplify_query_rule_blocks_only_its_own_paths(tmp_path: Path, capsys: Any) -> None:
    """A rule with query parameters gets no case (Amplify does not document its answer to them), and
    does not keep the rules after it from getting theirs."""
    rules = [{"source": "/q?tag=<tag>", "target": "/tags/<tag>", "status": "301"},
             {"source": "/legacy", "target": "/modern", "status": 301}]
    tests, err = _import(tmp_path, capsys, "amplify", "rules.json", json.dumps(rules))
    assert "1 carried rule(s) without a case: 1 query parameters" in err, err
    assert [(t["request"], t["expect"]) for t in tests] == [("/legacy", {"status": 301, "location": "/modern"})]


def test_bad_input_no_traceback_nothing_half_written(tmp_path: Path, capsys: Any) -> None:
    """A regex JavaScript refuses matches nothing (its rule is not carried, exit 1), the other rules
    get their cases; --cases for a platform without cases is exit 2 before anything is written."""
    rules = [{"source": "</[/>", "target": "/y", "status": "200"}, {"source": "/ok", "target": "/fine", "status": "301"}]
    (tmp_path / "rules.json").write_text(json.dumps(rules))
    assert main(["import", "amplify", str(tmp_path / "rules.json"), "-o", str(tmp_path / "routes.yaml"),
                 "--cases", str(tmp_path / "gen.cases.yaml")]) == 1
    assert "wrote 1 case(s)" in capsys.readouterr().err
    (tmp_path / "rules.csv").write_text("a,b\n")
    assert main(["import", "csv", str(tmp_path / "rules.csv"), "-o", str(tmp_path / "csv.yaml"),
                 "--cases", str(tmp_path / "csv.cases.yaml")]) == 2
    assert "--cases: not built for csv" in capsys.readouterr().err
    assert not (tmp_path / "csv.yaml").exists() and not (tmp_path / "csv.cases.yaml").exists()


def test_requests_and_answers_as_sent(tmp_path: Path, capsys: Any) -> None:
    """A request carries non-ASCII text as UTF-8 %XX and a space as %20, and so does a Location: the
    cases say so (a raw `/über` is refused in a case), and an Amplify source with a space matches the
    request that carries it (it was a regex on a raw space, which no request has)."""
    rules = [{"source": "/über", "target": "/neu/straße", "status": "301"},
             {"source": "/with space", "target": "/ws", "status": "301"}]
    tests, _ = _import(tmp_path, capsys, "amplify", "rules.json", json.dumps(rules))
    assert [(t["request"], t["expect"]) for t in tests] == [
        ("/%C3%BCber", {"status": 301, "location": "/neu/stra%C3%9Fe"}),
        ("/with%20space", {"status": 301, "location": "/ws"})]
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0, capsys.readouterr().out


def test_vercel_regex_source_with_non_ascii_literal(tmp_path: Path, capsys: Any) -> None:
    """`/über` (a `path:`) and `/ü(.*)` (a `regex:`) match the same percent-encoded request: the
    regex form's literal text is matched as its UTF-8 %XX too (it was `^/ü...`, which no request has)."""
    source = {"redirects": [{"source": "/über", "destination": "/ueber"}, {"source": "/ü(.*)", "destination": "/u"}]}
    tests, _ = _import(tmp_path, capsys, "vercel", "vercel.json", json.dumps(source))
    assert [t["request"] for t in tests] == ["/%C3%BCber", "/%C3%BCn"]
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0, capsys.readouterr().out


SHAPES = ["/a/:b", "/a/:b*", "/a/:b+", "/a/:b?", "/n/:id(\\d+)", "/r/(.*)", "/o{/:x}?", "/files/:name.pdf",
          "/docs(/|)", "/l/:lang(en|fr)/:rest*", "/v:major(\\d+)/x"]


def test_vercel_source_shapes_each_get_a_passing_case(tmp_path: Path, capsys: Any) -> None:
    """Every path-to-regexp shape gets a sample its own source matches, and the translation answers it
    as Vercel does (each redirect's destination repeats the source's parameters)."""
    redirects = []
    for i, src in enumerate(SHAPES):
        names = re.findall(r":([A-Za-z_]\w*)", src)
        redirects.append({"source": src, "destination": f"/to{i}/" + "/".join(f":{n}" for n in names)})
    tests, err = _import(tmp_path, capsys, "vercel", "vercel.json", json.dumps({"redirects": redirects}))
    assert f"wrote {len(SHAPES)} case(s)" in err and "without a case" in err and "importer bug" not in err, err
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 0, capsys.readouterr().out


def test_amplify_backtracking_source_runs_in_the_bounded_engine(tmp_path: Path, capsys: Any) -> None:
    """Fourteen `<name>` placeholders against a 1,500-character sample backtrack for hours in a
    plain regex: the source is matched by the bounded engine, the overrun leaves that sample
    without a case, and the import ends."""
    rules = [{"source": "/" + "".join(f"<p{i}>x" for i in range(14)) + "y", "target": "/t", "status": "301"},
             {"source": "/" + "x" * 1500, "target": "/u", "status": "301"}]
    tests, err = _import(tmp_path, capsys, "amplify", "rules.json", json.dumps(rules))
    assert "1 a regex ran out of time" in err, err
    assert [t["request"] for t in tests] == ["/" + "".join(f"n-p{i}x" for i in range(14)) + "y"]
