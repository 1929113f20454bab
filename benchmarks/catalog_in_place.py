"""Headers catalogued in place against the same files imported: the sandbox's
2,008-product observation (2,000 extracted spectra of 98 kB, seven 2 MB images).

    .venv/bin/python benchmarks/catalog_in_place.py     (or scripts/bench.sh --only catalog)

The sandbox (``mastwidgets sandbox --scale 1000 --file-size 2000000``) runs in a
process of its own, on loopback; both sides read from its S3 endpoint. Each row is
the median of ``--runs`` runs after one untimed run, into a fresh SQLite catalog
(and a fresh folder for the import): ``import_observations`` downloads every file,
verifies it and records its headers; ``catalog_products`` reads only the headers
(ranged GETs) and writes remote records. The bytes row counts what the headers of
the files of 2 MB or more cost, against their size.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALE, FILE_SIZE = 1000, 2_000_000


class SandboxProcess:
    """``mastwidgets sandbox`` in a child process; ``environ`` points mastwidgets at it."""

    def __init__(self, cache: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mastwidgets", "sandbox", "--scale", str(SCALE),
             "--file-size", str(FILE_SIZE), "--files-dir", str(cache)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.environ: dict[str, str] = {}
        self.big: dict[str, int] = {}
        for line in self.process.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                self.environ[key] = value
                if key == "AWS_ENDPOINT_URL_S3":
                    break
            elif line.strip().startswith("jw") and "products" in line:
                obs_id, _, count = line.strip().partition(": ")
                self.big[obs_id] = int(count.split()[0].replace(",", ""))
        if "MASTWIDGETS_MAST_URL" not in self.environ:
            raise RuntimeError("the sandbox did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def median_of(runs: int, work, clean) -> tuple[float, object]:
    clean()
    work()  # untimed: the sandbox makes each file's template once
    times, outcome = [], None
    for _ in range(runs):
        clean()
        began = time.perf_counter()
        outcome = work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mw-bench-catalog-"))
    sandbox = SandboxProcess(work / "sandbox")
    try:
        os.environ.update(sandbox.environ)
        os.environ["MASTWIDGETS_STATE_DIR"] = str(work / "state")
        os.environ["MASTWIDGETS_DATA_DIR"] = str(work / "data")
        import mastwidgets as mw
        from mastwidgets.catalog import Catalog

        obs_id = min(sandbox.big, key=sandbox.big.get)  # the 2,008-product one
        products = mw.list_products(obs_id)
        big = products[products["size"] >= FILE_SIZE]
        store = work / "catalog.sqlite"

        def clean() -> None:
            store.unlink(missing_ok=True)
            shutil.rmtree(work / "data", ignore_errors=True)

        def imported():
            with Catalog(path=store) as catalog:
                job = mw.import_observations(products=products, catalog=catalog)
                return job.wait()

        def catalogued(rows=products):
            with Catalog(path=store) as catalog:
                return mw.catalog_products(products=rows, catalog=catalog).wait()

        seconds_import, result_import = median_of(args.runs, imported, clean)
        seconds_catalog, result_catalog = median_of(args.runs, catalogued, clean)
        clean()
        headers_big = catalogued(big)
        assert result_import.ok and result_catalog.ok and headers_big.ok
        files = len(products)
        bytes_all = int(products["size"].sum())
        print(f"#### Catalog in place vs import ({files:,} products, {bytes_all / 1e6:.0f} MB; "
              f"{platform.node()}, {os.cpu_count()} cores, median of {args.runs})\n")  # fmt: skip
        print("| | seconds | products/s | requests | MB read | vs import |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| `import_observations` (S3) | {seconds_import:.2f} | {files / seconds_import:,.0f}"
              f" | ≥ {files:,} | {bytes_all / 1e6:,.1f} | 1.00x |")  # fmt: skip
        print(f"| `catalog_products` (S3) | {seconds_catalog:.2f} | {files / seconds_catalog:,.0f}"
              f" | {result_catalog.requests:,} | {result_catalog.bytes_read / 1e6:,.1f} | "
              f"{seconds_import / seconds_catalog:.2f}x |")  # fmt: skip
        big_bytes = int(big["size"].sum())
        print(f"\nHeaders of the {len(big)} files of {FILE_SIZE / 1e6:.0f} MB or more: "
              f"{headers_big.requests} requests, {headers_big.bytes_read:,} bytes of "
              f"{big_bytes:,} ({100 * headers_big.bytes_read / big_bytes:.1f} %).")  # fmt: skip
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
