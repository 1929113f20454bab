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
  one batched look-up, as the app's import panel does) beside astroquery's
  ``get_product_list`` + ``filter_products`` of the same obsids.

Prints a Markdown table per scenario (median of ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

SCENARIOS = ("sandbox", "search", "products")
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
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


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
    return [
        f"#### A search of {rows:,} rows (cone of 1° around M31, 100,000 observations)",
        "",
        "| client | seconds | vs astroquery alone |",
        "|---|---:|---:|",
        f"| `mw.search_region` (count, rows, DataFrame) | {ours:.2f} | {ours / theirs:.2f}x |",
        f"| astroquery `query_region` (rows, Table) | {theirs:.2f} | 1.00x |",
        "",
    ]


def products_table(args, settings) -> list[str]:
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
    return [
        f"#### Products summary of {len(chosen):,} selected rows ({len(found):,} files, "
        f"{size:.1f} GB after the default filters)",
        "",
        "| client | seconds | vs astroquery alone |",
        "|---|---:|---:|",
        f"| `mw.list_products` (one look-up) | {mine:.2f} | {mine / peer:.2f}x |",
        f"| astroquery `get_product_list` + `filter_products` | {peer:.2f} | 1.00x |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    args = parser.parse_args()
    wanted = set(args.only or SCENARIOS)
    out: list[str] = []
    if "sandbox" in wanted:
        out += sandbox_table(args)
    if wanted & {"search", "products"}:
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
        finally:
            server.stop()
    print("\n".join(out))


if __name__ == "__main__":
    main()
