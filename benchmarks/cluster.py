"""Imports on a Dask cluster against the same import in one process.

    .venv/bin/python benchmarks/cluster.py        (also: scripts/bench.sh --only cluster)

The same files (``--files`` of ``--size-mb``, random bytes named ``.fits``) from a
loopback nginx, imported with their records in MongoDB (SecantusDB in its own
process): by the engine in this process (``transfer.start`` + the importer's
recording, what ``import_observations`` runs after its product look-up), and by a
``LocalCluster`` of one and of two worker processes (``mastwidgets.cluster``,
what ``import_observations(executor=...)`` runs). Twice: from nginx limiting each
connection (``limit_rate``, where a second worker's connections add throughput,
as a second machine's would), and unthrottled (where the cluster's cost shows).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import MB, MONGO_CHILD, Nginx, make_files, median_of


def _catalog(uri: str):
    from mastwidgets.catalog import Catalog

    return Catalog(uri=uri, database=f"bench_{uuid.uuid4().hex[:8]}")


def in_process(specs, dest: Path, state: Path, uri: str) -> None:
    from mastwidgets import transfer
    from mastwidgets.importer import ImportJob

    catalog = _catalog(uri)
    job = ImportJob(transfer.start(specs, dest, state_dir=state), {}, catalog, [])
    _check(job.wait(), len(specs))
    catalog.close()


def on_cluster(client, specs, dest: Path, state: Path, uri: str) -> None:
    from mastwidgets.cluster import ClusterImportJob, start_import
    from mastwidgets.settings import get_settings

    catalog = _catalog(uri)
    dest.mkdir(parents=True, exist_ok=True)
    transfer = start_import(
        client,
        specs,
        dest,
        products={},
        meta={"kind": "import"},
        catalog=catalog,
        settings=get_settings(state_dir=str(state)),
        parallel=3,
        headers={},
    )
    _check(ClusterImportJob(transfer, {}, catalog, []).wait(), len(specs))
    catalog.close()


def _check(result, count: int) -> None:
    if result.status != "done" or len(result.records) != count:
        raise RuntimeError(f"{result.status}: {len(result.records)} of {count} recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rate-mb", type=int, default=20, help="limit_rate per connection")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="mastwidgets-cluster-bench-"))
    work.chmod(0o755)  # nginx started by root serves as "nobody"
    names = {f"file{i:02d}.fits": args.size_mb * MB for i in range(args.files)}
    make_files(work / "files", names)
    nginx = Nginx(work / "files", work, rate=args.rate_mb * MB)
    mongo = subprocess.Popen(
        [sys.executable, "-c", MONGO_CHILD, str(work / "secantus")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    dest, state = work / "dest", work / "state"

    def clean() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)

    total = sum(names.values())
    rows: dict[str, dict[str, float]] = {}
    try:
        uri = mongo.stdout.readline().strip()
        for label, slow in (("throttled", True), ("unthrottled", False)):
            specs = [
                {"name": n, "http": nginx.url(n, slow=slow), "size": s} for n, s in names.items()
            ]
            rows.setdefault("one process (the engine, as today)", {})[label] = median_of(
                args.runs, lambda specs=specs: in_process(specs, dest, state, uri), clean
            )
            for workers in (1, 2):
                with (
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    rows.setdefault(f"Dask, {workers} worker(s)", {})[label] = median_of(
                        args.runs,
                        lambda specs=specs, client=client: on_cluster(
                            client, specs, dest, state, uri
                        ),
                        clean,
                    )
    finally:
        mongo.communicate("")
        nginx.stop()
    base = rows["one process (the engine, as today)"]
    one = rows["Dask, 1 worker(s)"]
    lines = [
        f"### Imports on a Dask cluster: {args.files} × {args.size_mb} MB, records in MongoDB "
        f"(SecantusDB); median of {args.runs}",
        "",
        f"| run | throttled ({args.rate_mb} MB/s a connection): s | MB/s | vs one process "
        "| unthrottled: s | MB/s | vs one process |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, times in rows.items():
        cells = []
        for label in ("throttled", "unthrottled"):
            seconds = times[label]
            cells += [
                f"{seconds:.2f}",
                f"{total / MB / seconds:.0f}",
                f"{base[label] / seconds:.2f}x",
            ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    two = rows["Dask, 2 worker(s)"]
    lines += [
        "",
        f"Two workers against one, throttled: {one['throttled'] / two['throttled']:.2f}x the "
        "throughput. The cluster's overhead, unthrottled, one worker against one process: "
        f"{one['unthrottled'] / base['unthrottled'] - 1:+.0%} of the time.",
        "",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
