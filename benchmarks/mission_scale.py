"""MAST's mission search at the archive's size: ``mw.search_mission`` side by side with
astroquery's ``MastMissions.query_criteria`` paged by hand (what a script does), against
one sandbox of 1,000,000 synthetic observations, of which ~300,000 are HST datasets.

    .venv/bin/python benchmarks/mission_scale.py        (or scripts/bench.sh --only mission)

Two searches: a 30-arcminute cone at M101 (tens of thousands of datasets) and every HST
science dataset (``sci_aec=S``: ~300,000 rows, near MAST's cap of a query). Seconds are
the median of ``--runs`` runs after one untimed run; peak MiB is what Python and numpy
allocate while one run lasts (tracemalloc, a run of its own). The sandbox runs in a
process of its own and answers a repeated search from its cache, as MAST would answer a
search it has just made: the time is the clients' and the transfer's.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import median_of, peak_mib, sandbox_process

SCALE = 1_000_000
PAGE = 5000
SEARCHES = {
    "30' cone at M101": {"coordinates": "210.80243 54.34875", "radius": "30 arcmin"},
    "every HST science dataset": {"sci_aec": "S"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process(SCALE) as (environ, _):
        os.environ.update(environ)
        os.environ["MASTWIDGETS_MAX_SEARCH_ROWS"] = "500000"
        from astropy.table import vstack
        from astroquery.mast import MastMissionsClass, conf

        import mastwidgets as mw

        conf.server = os.environ["MASTWIDGETS_MAST_URL"]
        missions = MastMissionsClass(mission="hst")
        api = missions._service_api_connection
        api.SERVICE_URL = api.MISSIONS_DOWNLOAD_URL = conf.server
        missions.mission = "hst"
        measured = []
        for name, search in SEARCHES.items():

            def ours(search=search):
                return len(mw.search_mission("HST", **search))

            def theirs(search=search):
                def page(offset):
                    if "coordinates" in search:
                        return missions.query_region(
                            search["coordinates"], radius=search["radius"], limit=PAGE,
                            offset=offset,
                        )  # fmt: skip
                    return missions.query_criteria(**search, limit=PAGE, offset=offset)

                pages, offset = [], 0
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # MaxResultsWarning: every full page
                    while True:
                        table = page(offset)
                        pages.append(table)
                        offset += len(table)
                        if len(table) < PAGE:
                            break
                return len(vstack(pages))

            rows = ours()
            assert theirs() == rows, "both clients must see the same rows"
            for label, run in (("`mw.search_mission`", ours), ("astroquery, paged", theirs)):
                seconds = median_of(args.runs, run, clean=lambda: None)
                measured.append((name, rows, label, seconds, peak_mib(run)))
    print(f"#### MAST's mission search (HST) in a sandbox of {SCALE:,} observations")
    print()
    print("| search | rows | client | seconds | vs astroquery | peak MiB |")
    print("|---|---:|---|---:|---:|---:|")
    for index, (name, rows, label, seconds, peak) in enumerate(measured):
        base = measured[index - index % 2 + 1][3]
        ratio = seconds / base
        print(f"| {name} | {rows:,} | {label} | {seconds:.2f} | {ratio:.2f}x | {peak:.0f} |")
    print()


if __name__ == "__main__":
    main()
