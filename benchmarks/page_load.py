"""How soon the app's page is ready for each visitor, after its address is opened.

    .venv/bin/python benchmarks/page_load.py [--rounds 3]

Voila serves the app (against the MAST sandbox) as ``mastwidgets app`` does
(``kernel_pool`` kernels waiting pre-heated, the app already built in each: 3 by
default) for the whole run, and beside it, one at a time, each peer: the app with one
pre-heated kernel (Voila's own pool size), with ``--imviz`` (jdaviz's front-end
extensions loaded too), as Voila does by default (a kernel started for each page); the
floor (a notebook of one text box served the same way with the widget managers'
extensions alone: what Voila's own page costs, before the app's widgets and AG Grid's
code); Voila's own server, which sends the page's files uncompressed (``mastwidgets
app`` sends them gzipped); the app with ipyaggrid's code loaded before the page is
drawn (as Voila loads every extension; ``mastwidgets app`` fetches it once the form is
drawn); and the app with Voila's core sent as Voila sends it, 72 scripts
(``mastwidgets app`` sends them as one). The app's visitors and the peer's take turns,
so both are measured in the same minutes: this machine's speed moves a page's time by
half from one hour to the next, and the ratio is the number to read. Each visitor is a
fresh headless Chromium context, as a stranger's browser is: nothing cached. Every
visit counts, the first included. Each round has three patterns: visitors 10 s apart,
three in a row (each opens the page as soon as the one before has it ready: a class
told to open a link), and visitors 10 s apart over a throttled network (``LINK``: 20
Mbit/s, 40 ms), as a visitor elsewhere sees it. "Ready" is from ``goto`` until the
target box is visible (the widgets drawn, the kernel answering); the results table is
drawn a moment later (its own column). Target: < 1.5 s for every visitor.
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
APP = "mastwidgets app (3 pre-heated kernels)"
PEERS = {
    "one pre-heated kernel": {"kernel_pool": 1},
    "mastwidgets app --imviz": {"imviz": True},
    "Voila's default (a kernel per page)": {"kernel_pool": 0},
    "the floor: one text box, no grid extension (3 pre-heated kernels)": {"floor": True},
    "Voila's own server (the files sent uncompressed)": {"uncompressed": True},
    "ipyaggrid's code loaded before the page is drawn": {"eager_grid": True},
    "Voila's core sent as 72 scripts": {"core_chunks": True},
}
#: A visitor elsewhere: Chromium's network throttled (Mbit/s down and up, ms of latency).
LINK = (20, 40)
APART, SETTLE = 10, 20  # seconds between visitors apart; for the pool to fill again


def visit(browser, url: str, link: tuple[float, float] | None = None) -> tuple[float, float]:
    """One visitor's page: seconds from opening the address until it is ready, and until
    its results table is drawn (the floor has none: 0) (``link``: over a network of that
    many Mbit/s and ms of latency)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    if link:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        rate = link[0] * 1e6 / 8  # bytes a second
        conditions = {"offline": False, "latency": link[1]}
        cdp.send(
            "Network.emulateNetworkConditions",
            {**conditions, "downloadThroughput": rate, "uploadThroughput": rate},
        )
    began = time.perf_counter()
    page.goto(url, timeout=120_000, wait_until="commit")
    page.wait_for_selector("input[placeholder='M8']", state="visible", timeout=120_000)
    ready = time.perf_counter() - began
    table = 0.0
    if page.locator(".mw-results").count():
        page.wait_for_selector(".mw-results .ag-root", state="visible", timeout=120_000)
        table = time.perf_counter() - began
    context.close()
    return ready, table


def side_by_side(browser, urls: dict[str, str], rounds: int) -> dict[str, dict[str, list]]:
    """The visits of each pattern to the pages at ``urls`` (the app's, a peer's), taking
    turns (who goes first alternates): for each name, each pattern's (ready, table)."""
    link = f"10 s apart, over {LINK[0]} Mbit/s and {LINK[1]} ms"
    times = {name: {"10 s apart": [], "three in a row": [], link: []} for name in urls}
    for round_ in range(rounds):
        for turn in range(3):
            for name in _turns(urls, round_ + turn):
                times[name]["10 s apart"].append(visit(browser, urls[name]))
                time.sleep(APART)
        for name in _turns(urls, round_):
            time.sleep(SETTLE)
            times[name]["three in a row"] += [visit(browser, urls[name]) for _ in range(3)]
        time.sleep(SETTLE)
        for turn in range(3):
            for name in _turns(urls, round_ + turn):
                times[name][link].append(visit(browser, urls[name], LINK))
                time.sleep(APART)
    return times


def _turns(urls: dict[str, str], n: int) -> list[str]:
    names = list(urls)
    return names if n % 2 == 0 else names[::-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []  # (name, pattern, visits, the app's visits in the same minutes)
    with (
        Sandbox() as sandbox,
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory() as home,
    ):
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        homes = [Path(home) / f"server{i}" for i in range(len(PEERS) + 1)]
        for folder in homes:
            folder.mkdir()
        app, app_url = start_voila(homes[0], **sandbox.environ())
        apps: dict[str, list] = {}
        try:
            for folder, (name, options) in zip(homes[1:], PEERS.items(), strict=True):
                peer, url = start_voila(folder, **options, **sandbox.environ())
                try:
                    time.sleep(SETTLE)  # Voila heats its pool
                    times = side_by_side(browser, {APP: app_url, name: url}, args.rounds)
                finally:
                    peer.terminate()
                    peer.wait(timeout=30)
                for pattern, visits in times[name].items():
                    rows.append((name, pattern, visits, times[APP][pattern]))
                    apps.setdefault(pattern, []).extend(times[APP][pattern])
        finally:
            app.terminate()
            app.wait(timeout=30)
        browser.close()
    print(f"\n### Page ready for each visitor ({args.rounds} rounds; every visit counted)\n")
    print(
        "| served as | visitors | median s | worst s | over 1.5 s | table drawn, median s "
        "| ratio to the app (the same minutes) |"
    )
    print("|---|---|---|---|---|---|---|")
    for pattern, visits in apps.items():
        print(_row(APP, pattern, visits, None))
    for name, pattern, visits, app_visits in rows:
        print(_row(name, pattern, visits, app_visits))


def _row(name: str, pattern: str, visits: list, app_visits: list | None) -> str:
    times = [ready for ready, _ in visits]
    median = statistics.median(times)
    table = statistics.median(drawn for _, drawn in visits)
    over = sum(t > 1.5 for t in times)
    ratio = median / statistics.median(r for r, _ in app_visits) if app_visits else 1.0
    return (
        f"| {name} | {pattern} | {median:.2f} | {max(times):.2f} | {over} of {len(times)} "
        f"| {f'{table:.2f}' if table else '-'} | {ratio:.2f}x |"
    )


if __name__ == "__main__":
    main()
