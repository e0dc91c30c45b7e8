"""`cfroutes test --watch` latency: from saving a file to the end of the rerun, on the example.

    python bench/bench_watch.py [--rounds 10]

Copies routes.yaml and kvs/ to a temporary folder, starts the watch, then alternately touches
routes.yaml (everything reruns) and the seed (the cases of its function rerun), and prints the
time from each write to the watch's "waiting for changes" line (poll interval included)."""
from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        shutil.copy(ROOT / "routes.yaml", tmp)
        shutil.copytree(ROOT / "kvs", tmp / "kvs")
        proc = subprocess.Popen([sys.executable, "-m", "cfroutes", "test", "--watch"], cwd=tmp, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True).start()

        def until_waiting() -> str:
            first = ""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = lines.get(timeout=60)
                first = first or line.strip()
                if "waiting for changes" in line:
                    return first
            raise SystemExit("the watch did not answer within 60 s")

        try:
            until_waiting()
            times: dict[str, list[float]] = {}
            for i in range(args.rounds):
                f = tmp / "routes.yaml" if i % 2 == 0 else tmp / "kvs" / "app-routing.yaml"
                text = f.read_text()
                start = time.monotonic()
                f.write_text(text + "\n")
                what = until_waiting()
                times.setdefault(what, []).append(time.monotonic() - start)
                time.sleep(0.3)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    for what, ts in times.items():
        print(f"{what}: median {statistics.median(ts) * 1000:.0f} ms, max {max(ts) * 1000:.0f} ms over {len(ts)}")


if __name__ == "__main__":
    main()
