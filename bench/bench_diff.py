"""`cfroutes diff` end-to-end throughput: requests replayed per second from an access log.

Builds a throwaway git repo with the example routes.yaml, changes one redirect, writes
a CloudFront standard log of N lines (a share of them unique URLs, the rest repeats, as
real traffic is), and times `cfroutes diff --base HEAD --log access.log` in-process.

    python bench/bench_diff.py [--lines 50000] [--unique 0.3] [--show]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cfroutes.cli.main import main  # noqa: E402

FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol")
PATHS = ["/old-blog/post-{n}", "/docs/guide/page-{n}", "/configurator", "/public/app-{n}.js", "/pricing",
         "/about/", "/blog/{n}/", "/api/v1/items/{n}"]
HOSTS = ["www.salessqueeze.com", "a-tenant.salessqueeze.com", "b-tenant.salessqueeze.com"]


def main_() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--unique", type=float, default=0.3, help="share of lines that are new URLs")
    ap.add_argument("--show", action="store_true", help="print what cfroutes diff printed")
    args = ap.parse_args()
    rnd = random.Random(7)
    tmp = Path(tempfile.mkdtemp())
    try:
        shutil.copy(ROOT / "routes.yaml", tmp / "routes.yaml")
        shutil.copytree(ROOT / "kvs", tmp / "kvs")
        git = ["git", "-c", "user.name=b", "-c", "user.email=b@b"]
        subprocess.run(git + ["init", "-q"], cwd=tmp, check=True)
        subprocess.run(git + ["add", "."], cwd=tmp, check=True)
        subprocess.run(git + ["commit", "-qm", "base"], cwd=tmp, check=True)
        text = (tmp / "routes.yaml").read_text()
        (tmp / "routes.yaml").write_text(text.replace("redirect: /blog/{splat}", "redirect: /articles/{splat}", 1))
        seen: list[str] = []
        rows = []
        for i in range(args.lines):
            if seen and rnd.random() > args.unique:
                rows.append(rnd.choice(seen))
                continue
            path = rnd.choice(PATHS).format(n=i)
            query = rnd.choice(["-", "utm_source=x", "a=1&b=2"])
            row = "\t".join(["2026-11-30", "12:00:00", "FRA56-C1", "512", "203.0.113.9", "GET", "d1.cloudfront.net",
                             path, "200", "-", "UA", query, "-", "Miss", "id==", rnd.choice(HOSTS), "https"])
            seen.append(row)
            rows.append(row)
        log = tmp / "access.log"
        log.write_text("#Version: 1.0\n#Fields: " + FIELDS + "\n" + "\n".join(rows) + "\n")
        out = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = main(["diff", "-c", str(tmp / "routes.yaml"), "--base", "HEAD", "--log", str(log)])
        dt = time.perf_counter() - t0
        printed = out.getvalue().strip().splitlines()
        print(f"{args.lines:,} lines ({args.unique:.0%} unique): {dt:.2f}s, {args.lines / dt:,.0f} requests/s "
              f"(exit {code}); {len(printed):,} lines printed; {printed[-1]}")
        if args.show:
            print("\n".join(printed))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main_()
