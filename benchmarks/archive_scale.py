"""The archive's size: the sandbox, searches and product look-ups with 100,000 observations.

    .venv/bin/python benchmarks/archive_scale.py [--runs 3] [--only sandbox search ...]

- ``sandbox``: ``Sandbox(scale=N)`` start time and peak memory (VmHWM of a fresh
  process) at 1,000 / 10,000 / 100,000 synthetic observations (S3 off: moto's
  child is the same at every scale).
- ``search``: a 10,000-row search end to end (``mw.search_region``: MAST's count,
  the rows, astroquery's parse, the DataFrame) beside astroquery's own
  ``query_region`` of the same cone, against one sandbox of 100,000 observations
  in its own process (``mastwidgets sandbox --scale``).
- ``products``: the products summary of 1,000 selected rows (``mw.list_products``,
  as the app's import panel does: JWST's observations four a request, the others 200,
  four requests at a time, JSON straight into a DataFrame) beside astroquery's
  ``get_product_list`` (one request for every obsid, one astropy Table) +
  ``filter_products`` of the same obsids. On the sandbox, which answers any join at
  once, the one request wins; on MAST a JWST program's product lists asked together run
  past timeouts (astroquery #2473, #2507), which is why they are asked in batches.

- ``catalog``: the Catalog tab's questions of 100,000 records (count, first and
  last page of 50, an exact and a wildcard search, files under a folder), SQLite
  and MongoDB (SecantusDB in its own process), beside loading every record and
  slicing in Python (what a store without paging leaves to the app).

- ``grid``: the app in Voila and headless Chromium: from Enter to a result of
  1,000 / 10,000 / 20,000 rows shown in the grid, then a sort by exposure,
  beside the same search in Python alone (``mw.search_region``); and the
  biggest message the page received (the grid's rows).

- ``facets``: every observation of the 100,000 (a criteria search) in Chromium, then
  facet clicks (tick a collection, a second facet, untick): from the click until
  the grid shows only the rows kept (every row drawn has the ticked value) and the
  count says so. Target: < 300 ms.

- ``files``: the files grid of the 15,008-product observation in Chromium: from
  ticking the observation to its files listed (MAST's 3 recommended ticked), to
  every file ticked ("All listed"), one file unticked in the page, and back to
  the recommended files; the biggest message each way.

Prints a Markdown table per scenario (median of ``--runs``).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from _page import open_observation, start_voila
from run import MONGO_CHILD, median_of, peak_mib

SCENARIOS = ("sandbox", "search", "products", "catalog", "grid", "files", "facets")
#: The sandbox's 15,008-product observation (index 0 of every scaled sky).
BIG = "jw09990-o001_t001_nircam_clear-f444w-grismr"
LMC = (80.89375, -69.75611)
M31 = "10.68471 41.26875"

_START_CHILD = """
import sys, time
t = time.perf_counter()
from mastwidgets.sandbox import Sandbox
sb = Sandbox(scale=int(sys.argv[1]), s3=False).start()
took = time.perf_counter() - t
rows = sb.portal.invoke({"service": "Mast.Caom.Cone", "params": {"ra": 10.68, "dec": 41.27,
                         "radius": 0.1}, "format": "json", "pagesize": 10, "page": 1})
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print("RESULT", took, peak, rows["paging"]["rowsFiltered"])
sb.stop()
"""


def median(runs: int, work) -> float:
    """Median seconds of ``runs`` runs of ``work`` (no warm-up, nothing to clean)."""
    return median_of(runs, work, clean=lambda: None, warm_up=False)


def sandbox_table(args) -> list[str]:
    lines = [
        "#### Sandbox start (`Sandbox(scale=N, s3=False).start()`, a fresh process)",
        "",
        "| synthetic observations | start (s) | peak RSS (MiB) |",
        "|---:|---:|---:|",
    ]
    for scale in (1_000, 10_000, 100_000):
        results = []
        for _ in range(args.runs):
            done = subprocess.run(
                [sys.executable, "-c", _START_CHILD, str(scale)],
                capture_output=True,
                text=True,
                check=True,
            )
            line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
            _, took, peak, _ = line.split()
            results.append((float(took), int(peak)))
        took = statistics.median(r[0] for r in results)
        peak = max(r[1] for r in results) / 1024
        lines.append(f"| {scale:,} | {took:.2f} | {peak:.0f} |")
    return [*lines, ""]


class SandboxProcess:
    """``mastwidgets sandbox --scale N --no-s3`` in its own process (its own GIL)."""

    def __init__(self, scale: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mastwidgets", "sandbox", "--scale", str(scale), "--no-s3"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = None
        for line in self.process.stdout:
            if "MAST API and downloads:" in line:
                self.url = line.split()[-1]
            if line.startswith("export MASTWIDGETS_MAST_URL"):
                break
        if self.url is None:
            raise RuntimeError("the sandbox did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def search_table(args, settings) -> list[str]:
    from astropy.coordinates import SkyCoord

    import mastwidgets as mw
    from mastwidgets.mast import _client

    obs = _client.observations(settings)
    centre = SkyCoord(M31, unit="deg")
    rows = len(mw.search_region(M31, radius="1 deg", settings=settings))
    ours = median(args.runs, lambda: mw.search_region(M31, radius="1 deg", settings=settings))
    theirs = median(args.runs, lambda: obs.query_region(centre, radius="1 deg"))
    everything = ["HST", "JWST", "TESS", "GALEX", "HLA", "PS1", "Kepler", "K2"]
    every = len(mw.search_criteria(obs_collection=everything, max_rows=10**6, settings=settings))
    all_ours = median(
        args.runs,
        lambda: mw.search_criteria(obs_collection=everything, max_rows=every, settings=settings),
    )
    all_theirs = median(args.runs, lambda: obs.query_criteria(obs_collection=everything))
    return [
        "#### Searches of 100,000 observations (seconds, median)",
        "",
        "| search | rows | `mw.search_*` (count, rows, DataFrame) | astroquery alone (rows, "
        "Table) | ratio |",
        "|---|---:|---:|---:|---:|",
        f"| cone of 1° around M31 | {rows:,} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f}x |",
        f"| every collection (2 pages of 50,000) | {every:,} | {all_ours:.2f} | "
        f"{all_theirs:.2f} | {all_ours / all_theirs:.2f}x |",
        "",
    ]


def products_table(args, settings) -> list[str]:
    import pandas as pd

    import mastwidgets as mw
    from mastwidgets.mast import _client

    obs = _client.observations(settings)
    chosen = mw.search_region(M31, radius="1 deg", settings=settings).iloc[:1000]
    filters = {"productType": ["SCIENCE"], "calib_level": [2, 3]}  # the import panel's default
    found = mw.list_products(chosen, cloud=False, settings=settings, **filters)

    def ours():
        mw.list_products(chosen, cloud=False, settings=settings, **filters)

    def theirs():
        table = obs.get_product_list(",".join(chosen["obsid"]))
        obs.filter_products(table, productType="SCIENCE", calib_level=[2, 3])

    mine, peer = median(args.runs, ours), median(args.runs, theirs)
    size = found["size"].sum() / 1e9
    # Memory: the JWST rows' lists with their guide-star files (what a program's list is
    # made of), peak of Python and numpy allocations while listing.
    jwst = pd.concat([chosen[chosen["obs_collection"] == "JWST"], mw.search_obs_id(BIG)])
    listed = len(obs.get_product_list(",".join(jwst["obsid"])))
    my_peak = peak_mib(lambda: mw.list_products(jwst, cloud=False, settings=settings, **filters))
    their_peak = peak_mib(
        lambda: obs.filter_products(
            obs.get_product_list(",".join(jwst["obsid"])), productType="SCIENCE"
        )
    )
    return [
        f"#### Products summary of {len(chosen):,} selected rows ({len(found):,} files, "
        f"{size:.1f} GB after the default filters)",
        "",
        "| client | seconds | vs astroquery alone | peak MiB: the JWST rows and the "
        f"15,008-file observation ({listed:,} listed) |",
        "|---|---:|---:|---:|",
        f"| `mw.list_products` (batched look-ups) | {mine:.2f} | {mine / peer:.2f}x | "
        f"{my_peak:.0f} |",
        f"| astroquery `get_product_list` + `filter_products` | {peer:.2f} | 1.00x | "
        f"{their_peak:.0f} |",
        "",
    ]


def _records(count: int, root: Path) -> list[dict]:
    from mastwidgets.catalog import RECORD_FIELDS

    targets = ("M16", "M8", "NGC 6543", "M101", "M31", "LMC", "pi Men", "L 98-59")
    records = []
    for i in range(count):
        record = dict.fromkeys(RECORD_FIELDS)
        obs_id = f"jw{2700 + i % 300:05d}-o{i % 7:03d}_t001_nircam_clear-f444w"
        record.update(
            key=f"mast:JWST/product/f{i:06d}_cal.fits",
            filename=f"f{i:06d}_cal.fits",
            obs_id=obs_id,
            target=targets[i % len(targets)],
            instrument=("NIRCAM", "MIRI", "NIRSPEC")[i % 3],
            filters=("F444W", "F770W", "F200W", "F090W")[i % 4],
            telescope="JWST",
            path=str(root / ("a" if i % 2 else "b") / obs_id / f"f{i:06d}_cal.fits"),
            size=63_360,
            imported_at=f"2026-{1 + i // 9000 % 12:02d}-{1 + i // 300 % 28:02d}T"
            f"{i // 60 % 24:02d}:{i % 60:02d}:00",
            header={f"KEY{k:02d}": f"value {k} of record {i}" for k in range(40)},
            extensions=[{"index": 1, "name": "SCI", "type": "ImageHDU", "shape": [64, 64]}],
        )
        records.append(record)
    return records


def catalog_table(args) -> list[str]:
    from mastwidgets.catalog import Catalog

    count = 100_000
    work = Path(tempfile.mkdtemp(prefix="mastwidgets-catalog-"))
    records = _records(count, work / "data")
    mongo = subprocess.Popen(
        [sys.executable, "-c", MONGO_CHILD, str(work / "secantus")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [
        f"#### The catalog with {count:,} records (seconds, median of {args.runs})",
        "",
        "| question | SQLite | MongoDB (SecantusDB) |",
        "|---|---:|---:|",
    ]
    try:
        stores = {
            "SQLite": Catalog(path=work / "catalog.sqlite"),
            "MongoDB": Catalog(uri=mongo.stdout.readline().strip(), database="bench"),
        }
        questions = {
            "fill (upsert_many, 1,000 a batch)": None,
            "count everything": lambda c: c.count(),
            "first page (50)": lambda c: c.find(limit=50),
            "last page (offset 99,950)": lambda c: c.find(limit=50, offset=count - 50),
            "target = M31: count + first page": lambda c: (
                c.count(target="M31"),
                c.find(limit=50, target="M31"),
            ),
            "obs_id = jw0271*: count + first page": lambda c: (
                c.count(obs_id="jw0271*"),
                c.find(limit=50, obs_id="jw0271*"),
            ),
            "files under a folder: count + first page": lambda c: (
                c.count(under=work / "data" / "a"),
                c.find(limit=50, under=work / "data" / "a"),
            ),
            "without paging: every record, then a slice": lambda c: c.find()[:50],
        }
        times: dict[str, dict[str, float]] = {q: {} for q in questions}
        for name, store in stores.items():
            began = time.perf_counter()
            for start in range(0, count, 1000):
                store.upsert_many(records[start : start + 1000])
            times["fill (upsert_many, 1,000 a batch)"][name] = time.perf_counter() - began
            for question, ask in questions.items():
                if ask is not None:
                    times[question][name] = median(
                        args.runs, lambda ask=ask, store=store: ask(store)
                    )
            store.close()
        for question, by_store in times.items():
            lines.append(f"| {question} | {by_store['SQLite']:.3f} | {by_store['MongoDB']:.3f} |")
    finally:
        mongo.stdin.close()
        mongo.wait(timeout=60)
    return [*lines, ""]


@functools.cache
def _distances() -> list[float]:
    from mastwidgets.sandbox.synthetic import SyntheticSky

    # cones match footprints, as MAST's: how far outside each footprint the centre lies
    return sorted(SyntheticSky(100_000).footprint_distances_arcsec(*LMC) / 3600)


def _radius_for(rows: int) -> float:
    """The cone radius (degrees) around the LMC that holds ``rows`` observations."""
    nearest = _distances()
    return (nearest[rows - 1] + nearest[rows]) / 2


def _search_and_sort(page, frames: list[int], rows: int) -> tuple[tuple[float, float], int]:
    """Press Search; seconds until ``rows`` rows are in the grid, then until it is sorted by
    exposure; and the biggest message the page received meanwhile."""
    frames.clear()
    began = time.perf_counter()
    page.click("button:has-text('Search')")
    while not frames or max(frames) < 10 * rows:  # the new rows (compressed, ~30 B a row)
        page.wait_for_timeout(10)
        if time.perf_counter() - began > 300:
            raise RuntimeError(f"no {rows:,} rows after 300 s")
    page.wait_for_selector(f"text={rows:,} rows", timeout=300_000)
    page.wait_for_selector(".ag-center-cols-container .ag-row", timeout=60_000)
    shown = time.perf_counter() - began
    message = max(frames)
    began = time.perf_counter()
    page.click(".ag-header-cell[col-id='t_exptime'] .ag-header-cell-label")
    page.wait_for_function(
        "() => document.querySelector(\".ag-header-cell[col-id='t_exptime']\")"
        ".getAttribute('aria-sort') !== 'none'",
        timeout=60_000,
    )
    return (shown, time.perf_counter() - began), message


def grid_table(args, settings, server) -> list[str]:
    from playwright.sync_api import sync_playwright

    import mastwidgets as mw

    home = Path(tempfile.mkdtemp(prefix="mastwidgets-grid-"))
    voila, url = start_voila(
        home,
        MASTWIDGETS_MAST_URL=server.url,
        MASTWIDGETS_MAX_SEARCH_ROWS="200000",  # the last search has every row
    )
    lines = [
        f"#### The grid in Chromium (Voila; seconds, median of {args.runs})",
        "",
        "| rows | search alone (Python) | Enter → rows in the grid | sort by exposure "
        "| biggest message (kB) |",
        "|---:|---:|---:|---:|---:|",
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1300, "height": 1400})
            frames: list[int] = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
            page.goto(url, timeout=120_000)
            page.wait_for_selector("text=Search by", timeout=120_000)
            page.click("button:has-text('Coordinates')")
            for rows in (1_000, 10_000, 20_000):
                where = f"{LMC[0]} {LMC[1]}"
                radius = f"{_radius_for(rows):.6f} deg"
                alone = median(
                    args.runs,
                    lambda where=where, radius=radius: mw.search_region(
                        where, radius=radius, settings=settings
                    ),
                )
                shown, sort, biggest = [], [], 0
                for run in range(args.runs):
                    # one row more each run: a grid given the same rows again sends nothing
                    wanted = rows + run
                    page.fill(
                        ".widget-text:has(label:text-is('Radius')) input",
                        f"{_radius_for(wanted):.6f} deg",
                    )
                    page.fill("input[placeholder='270.904 -24.387']", where)
                    seconds, message = _search_and_sort(page, frames, wanted)
                    shown.append(seconds[0])
                    sort.append(seconds[1])
                    biggest = max(biggest, message)
                    page.click(".ag-header-cell[col-id='t_exptime'] .ag-header-cell-label")
                    page.click(".ag-header-cell[col-id='t_exptime'] .ag-header-cell-label")
                lines.append(
                    f"| {rows:,} | {alone:.2f} | {statistics.median(shown):.2f} "
                    f"| {statistics.median(sort):.2f} | {biggest / 1e3:,.0f} |"
                )
            # Every observation (exposure ≥ 1 s), once: the same rows again would send nothing.
            every = {"t_exptime": [1.0, 1e9]}
            began = time.perf_counter()
            rows = len(mw.search_criteria(**every, max_rows=10**6, settings=settings))
            alone = time.perf_counter() - began
            page.click("button:has-text('Criteria')")
            page.fill(".widget-inline-hbox:has(label:text-is('Min exp (s)')) input", "1")
            (shown, sort), message = _search_and_sort(page, frames, rows)
            lines.append(
                f"| {rows:,} (1 run) | {alone:.2f} | {shown:.2f} | {sort:.2f} "
                f"| {message / 1e3:,.0f} |"
            )
            browser.close()
    finally:
        voila.terminate()
        voila.wait(timeout=30)
    return [*lines, ""]


def _until(page, text: str) -> float:
    began = time.perf_counter()
    page.wait_for_selector(f"text={text}", timeout=300_000)
    return time.perf_counter() - began


def _files_run(url: str) -> dict[str, tuple[float, int, int]]:
    """One run of the files grid's steps: seconds, biggest message down, biggest up."""
    from playwright.sync_api import sync_playwright

    found: dict[str, tuple[float, int, int]] = {}
    down: list[int] = []
    up: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1300, "height": 1400})

        def watch(ws) -> None:
            ws.on("framereceived", lambda f: down.append(len(f)))
            ws.on("framesent", lambda f: up.append(len(f)))

        def step(name: str, action, text: str) -> None:
            down.clear()
            up.clear()
            began = time.perf_counter()
            action()
            page.wait_for_selector(f"text={text}", timeout=300_000)
            found[name] = (time.perf_counter() - began, max(down, default=0), max(up, default=0))

        page.on("websocket", watch)
        open_observation(page, url, BIG)
        first_file = page.locator(".mw-products .ag-center-cols-container .ag-row").first
        step(
            "tick the observation → its files listed, 3 ticked",
            lambda: (
                page.locator(".mw-results .ag-row", has_text=BIG)
                .first.locator(".ag-selection-checkbox")
                .click()
            ),
            "3 product(s) ticked of 15,008 listed",
        )
        first_file.wait_for(timeout=120_000)
        step(
            '"All listed" → every file ticked',
            lambda: page.click("button:has-text('All listed')"),
            "15,008 product(s) ticked of 15,008 listed",
        )
        step(
            "untick one file",
            lambda: first_file.locator(".ag-selection-checkbox").click(),
            "15,007 product(s) ticked of 15,008 listed",
        )
        step(
            '"Recommended" → the 3 ticked again',
            lambda: page.click("button:has-text('Recommended')"),
            "3 product(s) ticked of 15,008 listed",
        )
        browser.close()
    return found


def files_table(args, server) -> list[str]:
    lines = [
        f"#### The files grid of a 15,008-file observation (Chromium, Voila; median of "
        f"{args.runs})",
        "",
        "| step | seconds | biggest message to the page (kB) | from the page (kB) |",
        "|---|---:|---:|---:|",
    ]
    runs: list[dict[str, tuple[float, int, int]]] = []
    for _ in range(args.runs):
        home = Path(tempfile.mkdtemp(prefix="mastwidgets-files-"))
        voila, url = start_voila(home, MASTWIDGETS_MAST_URL=server.url)
        try:
            runs.append(_files_run(url))
        finally:
            voila.terminate()
            voila.wait(timeout=30)
    for name in runs[0]:
        seconds = statistics.median(run[name][0] for run in runs)
        lines.append(
            f"| {name} | {seconds:.2f} | {max(run[name][1] for run in runs) / 1e3:,.0f} "
            f"| {max(run[name][2] for run in runs) / 1e3:,.0f} |"
        )
    return [*lines, ""]


#: Rows drawn by the results grid whose column has other values than the facet's.
_ROWS_DRAWN_ARE = """([column, value]) => {
  const cells = [...document.querySelectorAll(
    `.mw-results .ag-center-cols-container .ag-row [col-id='${column}']`)];
  return cells.length > 0 && cells.every((c) => c.textContent.trim() === value);
}"""


def facets_table(args, server) -> list[str]:
    """Facet clicks on every observation of the 100,000 in the page."""
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="mastwidgets-facets-"))
    voila, url = start_voila(
        home, MASTWIDGETS_MAST_URL=server.url, MASTWIDGETS_MAX_SEARCH_ROWS="200000"
    )
    clicks: dict[str, list[float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=120_000)
            page.wait_for_selector("text=Search by", timeout=120_000)
            page.click("button:has-text('Criteria')")
            page.fill(".widget-inline-hbox:has(label:text-is('Min exp (s)')) input", "1")
            page.click("button:has-text('Search')")
            found = page.wait_for_selector("text=/[0-9,]+ observations found/", timeout=600_000)
            rows = int(found.inner_text().split()[0].replace(",", ""))
            page.wait_for_selector(f"text={rows:,} rows", timeout=300_000)
            page.wait_for_selector(".mw-facet input[type=checkbox]", timeout=60_000)
            collection = page.locator(".mw-facet").nth(0)
            level = page.locator(".mw-facet").nth(4)

            def ticked_first(facet) -> str:
                """The facet's first box's label (a ticked value is listed first)."""
                return facet.locator(".widget-checkbox").first.inner_text().strip()

            def click(name: str, text: str, narrowed) -> None:
                # the box of that value, whatever its count says by now (the counts are
                # redrawn after the grid, so a label read before may be outdated)
                value = re.escape(text.rsplit(" (", 1)[0])
                box = page.get_by_role("checkbox", name=re.compile(rf"^{value} \(")).first
                box.wait_for()
                began = time.perf_counter()
                box.click()
                narrowed()
                clicks.setdefault(name, []).append(time.perf_counter() - began)

            def rows_are(column: str, value: str):
                return lambda: page.wait_for_function(
                    _ROWS_DRAWN_ARE, arg=[column, value], timeout=60_000
                )

            def every_row():
                return page.wait_for_function(
                    "() => !document.querySelector('.mw-facets').innerText.includes(' of ')",
                    timeout=60_000,
                )

            for _ in range(args.runs):
                mission = ticked_first(collection)
                value = mission.rsplit(" (", 1)[0]
                click("tick a collection", mission, rows_are("obs_collection", value))
                calib = ticked_first(level)
                click(
                    "tick a calibration level too",
                    calib,
                    rows_are("calib_level", calib.rsplit(" (", 1)[0]),
                )
                click("untick the level", ticked_first(level), rows_are("obs_collection", value))
                click("untick the collection (all rows again)", ticked_first(collection), every_row)
            browser.close()
    finally:
        voila.terminate()
        voila.wait(timeout=30)
    lines = [
        f"#### Facet clicks on {rows:,} rows in Chromium (Voila; ms, median of {args.runs})",
        "",
        "| click | click → the grid shows only the rows kept |",
        "|---|---:|",
    ]
    lines += [
        f"| {name} | {statistics.median(times) * 1000:,.0f} |" for name, times in clicks.items()
    ]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    args = parser.parse_args()
    wanted = set(args.only or SCENARIOS)
    out: list[str] = []
    if "sandbox" in wanted:
        out += sandbox_table(args)
    if "catalog" in wanted:
        out += catalog_table(args)
    if wanted & {"search", "products", "grid", "files", "facets"}:
        from mastwidgets.settings import get_settings

        server = SandboxProcess(100_000)
        home = Path(tempfile.mkdtemp(prefix="mastwidgets-scale-"))
        os.environ.update(MASTWIDGETS_MAST_URL=server.url, MASTWIDGETS_RETRIES="0")
        settings = get_settings(data_dir=home / "data", state_dir=home / "jobs")
        try:
            if "search" in wanted:
                out += search_table(args, settings)
            if "products" in wanted:
                out += products_table(args, settings)
            if "grid" in wanted:
                out += grid_table(args, settings, server)
            if "files" in wanted:
                out += files_table(args, server)
            if "facets" in wanted:
                out += facets_table(args, server)
        finally:
            server.stop()
    print("\n".join(out))


if __name__ == "__main__":
    main()
