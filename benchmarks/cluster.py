"""Imports on a Dask cluster against the same import in one process.

    .venv/bin/python benchmarks/cluster.py        (also: scripts/bench.sh --only cluster)

The same files (``--files`` of ``--size-mb``, random bytes named ``.fits``) from a
loopback nginx, imported with their records in MongoDB (SecantusDB in its own
process): by the engine in this process (``transfer.start`` + the importer's
recording, what ``import_observations`` runs after its product look-up), and by a
Dask cluster of one and of two worker processes (``dask scheduler`` and ``dask
worker``, each in its own process; ``mastwidgets.imports.cluster``, what
``import_observations(executor=...)`` runs), in turns. Twice: from nginx limiting each
connection (``limit_rate``, where a second worker's connections add throughput,
as a second machine's would), and unthrottled (where the cluster's cost shows).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import MB, MONGO_CHILD, Nginx, make_files


def _catalog(uri: str):
    from mastwidgets.catalog import Catalog

    return Catalog(uri=uri, database=f"bench_{uuid.uuid4().hex[:8]}")


def in_process(specs, dest: Path, state: Path, uri: str) -> None:
    from mastwidgets import transfer
    from mastwidgets.imports import ImportJob

    catalog = _catalog(uri)
    job = ImportJob(transfer.start(specs, dest, state_dir=state), {}, catalog, [])
    _check(job.wait(), len(specs))
    catalog.close()


class Child:
    """A process without Dask that runs :func:`in_process` for each request, warm like a
    worker after the first (a Dask client's threads beside the engine slow it)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, specs, dest: Path, state: Path, uri: str) -> float:
        self.process.stdin.write(json.dumps([specs, str(dest), str(state), uri]) + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.communicate("")


def _child() -> None:
    for line in sys.stdin:
        specs, dest, state, uri = json.loads(line)
        began = time.perf_counter()
        in_process(specs, Path(dest), Path(state), uri)
        print(time.perf_counter() - began, flush=True)


def on_cluster(client, specs, dest: Path, state: Path, uri: str) -> None:
    from mastwidgets import transfer
    from mastwidgets.imports.cluster import ClusterImportJob, start_import
    from mastwidgets.settings import get_settings

    catalog = _catalog(uri)
    dest.mkdir(parents=True, exist_ok=True)
    job = start_import(
        client,
        transfer.file_states(specs, dest),
        dest,
        meta={"kind": "import"},
        catalog=catalog,
        settings=get_settings(state_dir=str(state)),
        parallel=3,
        headers={},
    )
    _check(ClusterImportJob(job, {}, catalog, []).wait(), len(specs))
    catalog.close()


class Cluster:
    """A scheduler and ``workers`` worker processes (one thread each) started with
    Dask's own commands, each in its process as on a real cluster; and a client."""

    def __init__(self, folder: Path, workers: int):
        from distributed import Client

        folder.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        where = str(folder / "scheduler.json")
        dask = str(Path(sys.executable).with_name("dask"))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.processes = [
            subprocess.Popen(
                [dask, "scheduler", "--port", "0", "--dashboard-address", ":0",
                 "--scheduler-file", where], **quiet,
            ),
            subprocess.Popen(
                [dask, "worker", "--scheduler-file", where, "--nworkers", str(workers),
                 "--nthreads", "1", "--dashboard-address", ":0"], **quiet,
            ),
        ]  # fmt: skip
        self.client = Client(scheduler_file=where, timeout=60)
        self.client.wait_for_workers(workers, timeout=60)

    def stop(self) -> None:
        self.client.close()
        for process in reversed(self.processes):
            process.terminate()
            process.wait(timeout=30)


BIG = "jw09990-o001_t001_nircam_clear-f444w-grismr"  # Sandbox(scale=...)'s 15,008 files


def big_observation(work: Path, uri: str) -> list[str]:
    """``import_observations`` of the sandbox's 15,008-file observation, by two workers
    and in this process (one run each; the sandbox, a Python server, sets the pace)."""
    import os

    from distributed import Client, LocalCluster

    import mastwidgets as mw
    from mastwidgets.sandbox import Sandbox

    rows = []
    with (
        Sandbox(files_dir=work / "sandbox", scale=1000) as sandbox,
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        os.environ.update(sandbox.environ())
        os.environ["MASTWIDGETS_STATE_DIR"] = str(work / "big-state")
        os.environ["MASTWIDGETS_MONGODB_URI"] = uri
        for name, executor in (("Dask, 2 workers", client), ("one process", None)):
            os.environ["MASTWIDGETS_MONGODB_DB"] = f"bench_{uuid.uuid4().hex[:8]}"
            began = time.perf_counter()
            job = mw.import_observations(
                [BIG], work / f"big-{len(rows)}", products={}, executor=executor
            )
            listed = time.perf_counter() - began
            result = job.wait()
            _check(result, 15_008)
            seconds = time.perf_counter() - began - listed
            rows.append(f"| {name} | {listed:.1f} | {seconds:.1f} | {15_008 / seconds:.0f} |")
    return [
        f"### `import_observations` of the sandbox's 15,008-file observation ({BIG})",
        "",
        "| run | listing and planning (s) | files and records (s) | files/s |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
    ]


def _check(result, count: int) -> None:
    if result.status != "done" or len(result.records) != count:
        raise RuntimeError(f"{result.status}: {len(result.records)} of {count} recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rate-mb", type=int, default=20, help="limit_rate per connection")
    parser.add_argument(
        "--big", action="store_true", help="also import the 15,008-file observation (slow)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child()
        return
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
    clusters, child = [], Child()
    try:
        uri = mongo.stdout.readline().strip()
        clusters = [Cluster(work / f"cluster-{n}", n) for n in (1, 2)]
        big = big_observation(work, uri) if args.big else []
        for label, slow in (("throttled", True), ("unthrottled", False)):
            specs = [
                {"name": n, "http": nginx.url(n, slow=slow), "size": s} for n, s in names.items()
            ]
            contenders = {"one process (the engine, as today)": partial(child.run, specs)}
            for cluster in clusters:
                contenders[f"Dask, {cluster.workers} worker(s)"] = partial(
                    on_cluster, cluster.client, specs
                )
            times: dict[str, list[float]] = {name: [] for name in contenders}
            for run in range(args.runs + 1):  # in turns (the machine drifts); one warm-up
                for name, work_of in contenders.items():
                    clean()
                    began = time.perf_counter()
                    seconds = work_of(dest, state, uri) or time.perf_counter() - began
                    if run:
                        times[name].append(seconds)
            clean()
            for name, measured in times.items():
                rows.setdefault(name, {})[label] = statistics.median(measured)
    finally:
        child.stop()
        for cluster in clusters:
            cluster.stop()
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
    print("\n".join([*lines, *big]))


if __name__ == "__main__":
    main()
