"""How soon the app's page is ready after its address is opened.

    .venv/bin/python benchmarks/page_load.py [--runs 7]

Voila serves the app (against the MAST sandbox) in three ways, one after another:
as ``mastwidgets app`` does (a pre-heated kernel waiting, the app already built in it),
with ``--imviz`` (jdaviz's front-end extensions loaded too), and as Voila does by
default (a kernel started for each page: the peer). For each, a fresh headless
Chromium context opens the page ``--runs`` times; "ready" is from ``goto`` until the
target box is visible (the widgets drawn, the kernel answering). The first load of
each is left out of the median (the browser's cache is cold). Target: < 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from _page import start_voila

from mastwidgets.sandbox import Sandbox

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAYS = {
    "mastwidgets app (pre-heated kernel)": {},
    "mastwidgets app --imviz": {"imviz": True},
    "Voila's default (a kernel per page)": {
        "config": {"VoilaConfiguration": {"preheat_kernel": False}}
    },
}


def ready_times(browser, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        began = time.perf_counter()
        page.goto(url, timeout=120_000, wait_until="commit")
        page.wait_for_selector("input[placeholder='M8']", state="visible", timeout=120_000)
        times.append(time.perf_counter() - began)
        context.close()
        time.sleep(3)  # the pool heats its next kernel, as between two visitors
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = {}
    with Sandbox() as sandbox, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for name, options in WAYS.items():
            with tempfile.TemporaryDirectory() as home:
                voila, url = start_voila(Path(home), **options, **sandbox.environ())
                try:
                    time.sleep(8)  # Voila heats its first kernel
                    rows[name] = ready_times(browser, url, args.runs)
                finally:
                    voila.terminate()
                    voila.wait(timeout=30)
        browser.close()
    base = statistics.median(rows[next(iter(WAYS))][1:])
    print(f"\n### Page ready after its address is opened (median of {args.runs - 1})\n")
    print("| served as | median s | best s | worst s | ratio to the app |")
    print("|---|---|---|---|---|")
    for name, times in rows.items():
        warm = times[1:]
        median = statistics.median(warm)
        print(
            f"| {name} | {median:.2f} | {min(warm):.2f} | {max(warm):.2f} | {median / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
