"""A whole program's files, listed and counted: ``mw.search_program`` side by side with
astroquery's ``Observations.query_criteria`` + ``get_product_list`` (what a script
does by hand), against one sandbox of 70,000 synthetic observations: a JWST program of
one WFSS observation listing 15,008 files, and the sandbox's big program of MAST's
shape, 50 observations listing 107,120 product rows (63,911 files, guide stars most of
them). The first run (MAST's, and the sandbox's, caches cold) is printed too: the
target is its summary within 5 s.

    .venv/bin/python benchmarks/program_scale.py        (or scripts/bench.sh --only program)

Seconds are the median of ``--runs`` runs after one untimed run; peak MiB is what
Python and numpy allocate while one run lasts (tracemalloc, a run of its own). Both
clients ask the same sandbox over loopback, which runs in a process of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import median_of, peak_mib, sandbox_process

from mastwidgets.sandbox.synthetic import BIG_PROGRAM

SCALE = 70_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process(SCALE) as (environ, big_obs_id):
        os.environ.update(environ)
        import mastwidgets as mw
        from mastwidgets.mast import _client
        from mastwidgets.settings import get_settings

        obs = _client.observations(get_settings())
        wfss = mw.search_obs_id(big_obs_id).iloc[0]["proposal_id"]
        tables = []
        for program in (wfss, str(BIG_PROGRAM)):

            def ours(program=program):
                return mw.search_program("JWST", program, cloud=False, catalog=False)

            def theirs(program=program):
                found = obs.query_criteria(obs_collection="JWST", proposal_id=program)
                return len(obs.get_product_list(found))

            began = time.perf_counter()
            first = ours()
            cold = time.perf_counter() - began
            rows = [
                ("`mw.search_program` (counted by kind, each file once)", ours),
                ("astroquery `query_criteria` + `get_product_list`", theirs),
            ]
            measured = [
                (label, median_of(args.runs, run, clean=lambda: None), peak_mib(run))
                for label, run in rows
            ]
            tables.append((program, first, theirs(), cold, measured))
    for program, found, listed, cold, measured in tables:
        base = measured[1][1]
        print(
            f"#### JWST program {program}: {len(found.observations)} observation(s), "
            f"{listed:,} product rows, {found.files:,} files (sandbox of {SCALE:,} observations)"
        )
        print()
        print(f"First summary, caches cold: {cold:.2f} s")
        print()
        print("| client | seconds | vs astroquery | peak MiB |")
        print("|---|---:|---:|---:|")
        for label, seconds, peak in measured:
            print(f"| {label} | {seconds:.2f} | {seconds / base:.2f}x | {peak:.0f} |")
        print()


if __name__ == "__main__":
    main()
