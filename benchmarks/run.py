"""Transfer benchmarks: mastwidgets' engine side by side with its peers.

    scripts/bench.sh            (installs nginx, aria2 and curl if missing, then runs this)

Every tool downloads the same files from the same loopback nginx, in the same
run; each scenario reports the median of ``--runs`` runs and the ratio to the
engine. nginx also stands in for S3 (unsigned path-style GET/HEAD with Range
is all S3 needs to be for a download), because moto's server is far too slow
to measure against.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

MB = 10**6
#: What runs without --only ("many-rss", 10,000 and 100,000 files in children, only
#: when asked: it writes 1.1 GB of small files).
SCENARIOS = (
    "http",
    "s3",
    "resume",
    "rss",
    "throttled",
    "ui",
    "many",
    "latency",
    "import",
    "archive",
    "cluster",
    "s3many",
    "catalog",
    "jobs",
    "pageload",
    "transports",
    "program",
    "mission",
    "sync",
)
#: The scenarios run by scripts of their own, in a child process each.
SCRIPTS = {
    "archive": "archive_scale.py",  # the sandbox, searches, grid and catalog at 100,000
    "cluster": "cluster.py",  # imports on a Dask cluster against one process
    "s3many": "s3_many_files.py",  # many small files from S3 against s5cmd & co.
    "catalog": "catalog_in_place.py",  # headers read in place against an import
    "jobs": "jobs_watch.py",  # the Jobs tab following a 20,000-file job, against list_jobs
    "pageload": "page_load.py",  # the page ready after its address, pre-heated or not
    "transports": "transports.py",  # bare download loops: the engine's I/O candidates
    "program": "program_scale.py",  # a whole program listed and counted, against astroquery
    "mission": "mission_scale.py",  # MAST's mission search at 300,000 rows, against astroquery
    "sync": "program_sync.py",  # a program import kept current after MAST reprocesses 5 %
}
NGINX_CONF = """
worker_processes 2;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format bench '$request_uri $status $body_bytes_sent';
    access_log {root}/access.log bench;
    sendfile on; tcp_nopush on; keepalive_requests 100000;
    types {{ }} default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {files};
        location /dl {{ try_files /$arg_uri =404; }}   # astroquery's ?uri= download URLs
    }}
    server {{
        listen 127.0.0.1:{slow_port};
        root {files};
        limit_rate {rate};
    }}
}}
"""


class Nginx:
    def __init__(self, files: Path, root: Path, rate: int):
        self.files, self.root = files, root
        self.port, self.slow_port = _free_port(), _free_port()
        conf = root / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                root=root, files=files, port=self.port, slow_port=self.slow_port, rate=rate
            )
        )
        self.process = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(root)], stderr=subprocess.PIPE
        )
        _wait_for_port(self.port)

    def url(self, name: str, slow: bool = False) -> str:
        return f"http://127.0.0.1:{self.slow_port if slow else self.port}/{name}"

    def bytes_sent(self) -> dict[str, int]:
        sent: dict[str, int] = {}
        for line in (self.root / "access.log").read_text().splitlines():
            uri, _status, count = line.split()
            sent[uri] = sent.get(uri, 0) + int(count)
        return sent

    def clear_log(self) -> None:
        (self.root / "access.log").write_text("")
        self.process.send_signal(signal.SIGUSR1)  # reopen the log

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start")


def make_files(folder: Path, sizes: dict[str, int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(8 * 2**20)
    doubled = memoryview(block + block)
    shift = 0  # files differ, cheaply: each starts one byte further into the block
    for name, size in sizes.items():
        path = folder / name
        if path.exists() and path.stat().st_size == size:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            left = size
            while left:
                piece = doubled[shift : shift + min(left, len(block))]
                out.write(piece)
                left -= len(piece)
                shift = (shift + 1) % len(block)


def timed(run) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


# -- the contenders ---------------------------------------------------------------------------
def engine(specs: list, dest: Path, state: Path, on_event=None, **options) -> None:
    from mastwidgets import transfer

    result = transfer.download(specs, dest, state_dir=state, on_event=on_event, **options)
    if not result.ok:
        raise RuntimeError([f.error for f in result.failed])


def run_child(command: list[str], measure: bool = False) -> int:
    """Run ``command``; with ``measure``, its peak RSS in KiB, read from its ``VmHWM``
    while it runs (wait4's ``ru_maxrss`` would report this big Python process: Linux
    carries the high-water mark over from the parent across fork and exec). Timed
    runs do not measure (the polling would add to their time)."""
    if not measure:
        subprocess.run(command, check=True)
        return 0
    process = subprocess.Popen(command)
    peak = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            fields = status.read_text().split("VmHWM:")
            if len(fields) > 1:
                peak = max(peak, int(fields[1].split()[0]))
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command[0])
    return peak


def aria2c(
    urls: list[str],
    dest: Path,
    jobs: int = 3,
    names: list[str] | None = None,
    measure: bool = False,
) -> int:
    """aria2c on an input list (several URLs on one command line are mirrors of ONE
    file); ``names``: each download's file name (``out=``)."""
    listing = dest / "aria2.txt"
    dest.mkdir(parents=True, exist_ok=True)
    entries = [
        url + (f"\n  out={name}" if name else "")
        for url, name in zip(urls, names or [None] * len(urls), strict=True)
    ]
    listing.write_text("\n".join(entries) + "\n")
    return run_child(
        [
            "aria2c",
            f"-j{jobs}",
            "-k5M",
            "--file-allocation=falloc",
            "--quiet=true",
            "--allow-overwrite=true",
            "--auto-file-renaming=false",
            "-d",
            str(dest),
            "-i",
            str(listing),
        ],
        measure,
    )


def curl(urls: list[str], dest: Path, jobs: int = 3, measure: bool = False) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    args = [
        "curl",
        "--silent",
        "--no-progress-meter",
        "--fail",
        "--parallel",
        "--parallel-max",
        str(jobs),
    ]
    for url in urls:
        args += ["-o", str(dest / url.rsplit("/", 1)[-1]), url]
    return run_child(args, measure)


def astroquery(nginx: Nginx, names: list[str], dest: Path) -> None:
    from astroquery.mast import Observations

    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        status, message, _ = Observations.download_file(
            name,
            local_path=str(dest / name),
            base_url=f"http://127.0.0.1:{nginx.port}/dl",
            cache=False,
            verbose=False,
        )
        if status != "COMPLETE":
            raise RuntimeError(message)


def boto3_download_file(endpoint: str, keys: list[str], dest: Path) -> None:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, max_pool_connections=30),
    )
    dest.mkdir(parents=True, exist_ok=True)
    threads = [
        threading.Thread(
            target=client.download_file, args=("stpubdata", key, str(dest / Path(key).name))
        )
        for key in keys
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- scenarios --------------------------------------------------------------------------------
def median_of(runs: int, work, clean, warm_up: bool = True) -> float:
    """Median seconds of ``runs`` runs, after one untimed run (imports, page cache)."""
    if warm_up:
        clean()
        work()
    times = []
    for _ in range(runs):
        clean()
        times.append(timed(work))
    clean()
    return statistics.median(times)


@contextlib.contextmanager
def sandbox_process(scale: int):
    """A sandbox of ``scale`` synthetic observations (no S3) in a process of its own, for
    as long as the block lasts: yields its environment (``MASTWIDGETS_*``) and the obs_id
    of its biggest observation."""
    code = (
        "import json, sys\n"
        "from mastwidgets.sandbox import Sandbox\n"
        f"sb = Sandbox(scale={scale}, s3=False).start()\n"
        "big = next(iter(sb.big_observations), None)\n"
        "print(json.dumps({'environ': sb.environ(), 'obs_id': big}), flush=True)\n"
        "sys.stdin.read()\n"
        "sb.stop()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        told = json.loads(child.stdout.readline())
        yield told["environ"], told["obs_id"]
    finally:
        child.stdin.close()
        child.wait(timeout=120)


def peak_mib(work) -> float:
    """Peak MiB that Python and numpy allocate while ``work`` runs (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def table(title: str, rows: list[tuple[str, float, int]]) -> list[str]:
    base = rows[0][1]
    lines = [
        f"### {title}",
        "",
        "| tool | seconds (median) | MB/s | engine speed ÷ tool speed |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds, nbytes in rows:
        lines.append(
            f"| {name} | {seconds:.2f} | {nbytes / MB / seconds:.0f} | {seconds / base:.2f}x |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--skip-throttled", action="store_true")
    parser.add_argument(
        "--only",
        choices=[*SCENARIOS, "many-rss"],
        action="append",
        help="run only these scenarios (repeatable)",
    )
    parser.add_argument(
        "--many",
        type=int,
        nargs="+",
        default=[1000],
        metavar="N",
        help="file counts of the many-small-files scenario (100 kB each; 200 × 2 MB follow)",
    )
    parser.add_argument(
        "--import-files",
        type=int,
        default=5000,
        metavar="N",
        help="products of the observation imported in the import scenario",
    )
    parser.add_argument(
        "--many-rss",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        metavar="N",
        help="file counts of the memory-at-scale scenario (10 kB each, --only many-rss)",
    )
    args = parser.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="mastwidgets-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # nginx started by root serves as "nobody": mkdtemp's 0700 is a 403
    files = work / "files"
    size = args.size_mb * MB
    big = [f"big{i}.fits" for i in range(3)]
    wanted = set(args.only or SCENARIOS)
    if args.skip_throttled:
        wanted.discard("throttled")
    files.mkdir(parents=True, exist_ok=True)
    if wanted - {"many", "many-rss", "latency", "import", *SCRIPTS}:
        make_files(files, {name: size for name in big})
        (files / "stpubdata").mkdir(exist_ok=True)
        for name in big:
            link = files / "stpubdata" / name
            if not link.exists():
                os.link(files / name, link)
    nginx = Nginx(files, work, rate=20 * MB)
    dest, state = work / "dest", work / "state"

    def clean() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)

    out = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, loopback nginx; {args.runs} runs each.",
        "",
    ]
    try:
        total = size * len(big)
        http_specs = [{"name": n, "http": nginx.url(n), "size": size} for n in big]
        if "http" in wanted:
            out += http_table(args, nginx, big, http_specs, total, dest, state, clean)
        if "s3" in wanted:
            out += s3_table(args, nginx, big, size, total, dest, state, clean)
        if "resume" in wanted:
            out += resume_cost(nginx, http_specs, dest, state, clean)
        if "rss" in wanted:
            out += peak_rss(nginx, files, big, size, dest, state, clean)
        if "ui" in wanted:
            out += ui_table(args, http_specs, total, dest, state, clean)
        if "throttled" in wanted:
            out += throttled(nginx, files, dest, state, clean)
        if "many" in wanted:
            for count in args.many:
                out += many_files_table(args, nginx, files, count, dest, state, clean)
            out += many_files_table(args, nginx, files, 200, dest, state, clean, size=2 * MB)
        if "many-rss" in wanted:
            out += many_memory(nginx, files, args.many_rss, dest, state, clean)
        if "latency" in wanted:
            out += latency_table(args, dest, state, clean)
        if "import" in wanted:
            out += import_table(args, work, dest, state, clean)
        for name, script in SCRIPTS.items():
            if name in wanted:
                done = subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).with_name(script)),
                        "--runs",
                        str(args.runs),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                out += done.stdout.splitlines()
    finally:
        nginx.stop()
    print("\n".join(out))
    (work / "results.md").write_text("\n".join(out) + "\n")
    print(f"\n(results also in {work / 'results.md'})")


def http_table(args, nginx, big, http_specs, total, dest, state, clean) -> list[str]:
    urls = [nginx.url(n) for n in big]
    events = []
    rows = [
        (
            "mastwidgets engine",
            median_of(args.runs, lambda: engine(http_specs, dest, state), clean),
            total,
        ),
        (
            "engine + a progress subscriber",
            median_of(
                args.runs, lambda: engine(http_specs, dest, state, on_event=events.append), clean
            ),
            total,
        ),
        ("aria2c -j3 -k5M", median_of(args.runs, lambda: aria2c(urls, dest), clean), total),
        ("curl --parallel-max 3", median_of(args.runs, lambda: curl(urls, dest), clean), total),
        (
            "astroquery Observations.download_file (one file at a time, as it does)",
            median_of(1, lambda: astroquery(nginx, big, dest), clean, warm_up=False),
            total,
        ),
    ]
    return table(f"HTTP, 3 files × {args.size_mb} MB, unthrottled", rows)


def many_files_table(args, nginx, files, count, dest, state, clean, size=100_000) -> list[str]:
    """``count`` files of ``size`` bytes (MAST's usual case: many small products): files
    and MB per second, peak RSS of each tool (one more run, not timed), and what the
    engine's job state cost per finished file."""
    from mastwidgets import transfer

    label = f"{size // 1000} kB" if size < MB else f"{size // MB} MB"
    names = [f"many/{label.replace(' ', '')}/{count}/f{i:05d}.fits" for i in range(count)]
    make_files(files, dict.fromkeys(names, size))
    urls = [nginx.url(name) for name in names]
    specs = [
        {"name": Path(n).name, "http": u, "size": size} for n, u in zip(names, urls, strict=True)
    ]
    state_bytes = []

    def run_engine(connections: int) -> None:
        result = transfer.download(specs, dest, state_dir=state, connections=connections)
        if not result.ok:
            raise RuntimeError([f.error for f in result.failed][:3])
        state_bytes.append(result.state_bytes)

    def engine_rss(connections: int) -> int:
        clean()
        child = _child(specs, dest, state, "bench-many", options={"connections": connections})
        result = _child_result(child)
        clean()
        return result.rss

    def tool_rss(tool, jobs: int) -> int:
        clean()
        rss = tool(urls, dest, jobs, measure=True)
        clean()
        return rss

    def cpu(work) -> float:
        """CPU seconds per 1,000 files of one more run (this process's threads and the
        tool's process, user and system)."""
        clean()
        before = os.times()
        work()
        after = os.times()
        clean()
        spent = sum(a - b for a, b in zip(after[:4], before[:4], strict=True))
        return spent * 1000 / count

    lines = [
        f"### Many files: {count:,} × {label}, HTTP",
        "",
        "| connections | tool | seconds (median) | files/s | MB/s | peak RSS | "
        "CPU s per 1,000 files | engine speed ÷ tool speed |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for jobs, name in ((3, "engine (connections=3)"), (16, "engine (defaults: 16)")):
        rows = [
            (
                f"mastwidgets {name}",
                median_of(args.runs, lambda j=jobs: run_engine(j), clean),
                engine_rss(jobs),
                cpu(lambda j=jobs: run_engine(j)),
            ),
            (
                f"aria2c -j{jobs} (-i list)",
                median_of(args.runs, lambda j=jobs: aria2c(urls, dest, j), clean),
                tool_rss(aria2c, jobs),
                cpu(lambda j=jobs: aria2c(urls, dest, j)),
            ),
            (
                f"curl --parallel-max {jobs}",
                median_of(args.runs, lambda j=jobs: curl(urls, dest, j), clean),
                tool_rss(curl, jobs),
                cpu(lambda j=jobs: curl(urls, dest, j)),
            ),
        ]
        base = rows[0][1]
        lines += [
            f"| {jobs} | {tool} | {sec:.2f} | {count / sec:,.0f} | {count * size / MB / sec:,.0f} "
            f"| {rss / 1024:.0f} MiB | {cpu_s:.2f} | {sec / base:.2f}x |"
            for tool, sec, rss, cpu_s in rows
        ]
    lines += [
        "",
        f"The engine's job state (snapshot and journal) cost "
        f"{statistics.median(state_bytes) / count:,.0f} bytes per finished file. "
        "Peak RSS: the whole process (the engine's includes Python and its libraries).",
        "",
    ]
    return lines


def many_memory(nginx, files, counts, dest, state, clean) -> list[str]:
    """The engine alone in a fresh process per count of 10 kB files: its peak RSS and
    its time per file, each beside the smallest count's (memory should stay flat and
    time linear as a job grows: the target is peak within 20 % and time per file within
    10 % of the smallest's)."""
    rows, first = [], None
    for count in sorted(counts):
        names = [f"many/10kB/{count}/f{i:06d}.fits" for i in range(count)]
        make_files(files, dict.fromkeys(names, 10_000))
        specs = [{"name": Path(n).name, "http": nginx.url(n), "size": 10_000} for n in names]
        clean()
        result = _child_result(_child(specs, dest, state, f"bench-many-rss-{count}"))
        clean()
        if result.status != "done":
            raise RuntimeError(f"{count} files: the job ended {result.status}")
        per_file = result.seconds / count
        first = first or (result.rss, per_file)
        rows.append(
            f"| {count:,} | {result.rss / 1024:.0f} | {result.rss / first[0]:.2f}× | "
            f"{count / result.seconds:,.0f} | {per_file / first[1]:.2f}× | "
            f"{result.state_bytes / count:,.0f} |"
        )
    return [
        "### Memory and time as a job grows: N × 10 kB, engine defaults, a process each",
        "",
        "| files | peak RSS (MiB) | vs the first | files/s | time per file vs the first "
        "| state bytes per file |",
        "|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Peak RSS is the whole process: Python, its libraries and the caller's list of "
        "specs (a dict per file) included. Target: peak within 1.20× and time per file "
        "within 1.10× of the first row's.",
        "",
    ]


#: The MAST sandbox in a process of its own, its downloads answered 50 ms late: prints
#: the specs of its public products (every file of every curated observation).
LATENCY_CHILD = """
import json, sys
from mastwidgets.sandbox import Faults, Sandbox
sb = Sandbox(s3=False).start()
specs = {}
for p in sb.catalogue.products:
    if p.uri in sb.files and p.data_rights == "PUBLIC":
        name = f"{p.obs_id}_{p.filename}"  # a product listed twice: fetched once
        specs[name] = {"name": name, "http": sb.download_url(p.uri),
                       "size": sb.path_of(p.uri).stat().st_size}
sb.set_faults(Faults(first_byte_delay=0.05))
print(json.dumps(list(specs.values())), flush=True)
sys.stdin.read()
sb.stop()
"""


def latency_table(args, dest, state, clean) -> list[str]:
    """The MAST sandbox's products with 50 ms before each response's first byte, as a
    distant server has: round trips, not bandwidth, decide. HTTP only (the sandbox's
    S3 is moto, far slower than HTTP). The sandbox runs in a process of its own (in
    this one, its server threads would share the engine's interpreter lock: measured,
    the engine then fell to 0.91x aria2c -j16, against 1.15x with the server apart)."""
    from mastwidgets import transfer

    child = subprocess.Popen(
        [sys.executable, "-c", LATENCY_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        specs = json.loads(child.stdout.readline())
        urls, names = [s["http"] for s in specs], [s["name"] for s in specs]

        def run_engine() -> None:
            result = transfer.download(specs, dest, state_dir=state)
            if not result.ok:
                raise RuntimeError([f.error for f in result.failed][:3])

        rows = [
            ("mastwidgets engine (defaults)", median_of(args.runs, run_engine, clean)),
            ("aria2c -j3", median_of(args.runs, lambda: aria2c(urls, dest, 3, names), clean)),
            ("aria2c -j16", median_of(args.runs, lambda: aria2c(urls, dest, 16, names), clean)),
        ]
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    base, count = rows[0][1], len(specs)
    return [
        f"### Latency: the sandbox's {count} products, 50 ms to each first byte",
        "",
        "| tool | seconds (median) | files/s | engine speed ÷ tool speed |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {name} | {sec:.2f} | {count / sec:.0f} | {sec / base:.2f}x |" for name, sec in rows),
        "",
    ]


#: A sandbox in a process of its own (its HTTP server would share the engine's GIL
#: in-process): one observation of ``count`` small FITS products added.
SANDBOX_CHILD = """
import json, sys
from mastwidgets.sandbox import Sandbox
sandbox = Sandbox(s3=False).start()
added = sandbox.add_observation(sys.argv[1], int(sys.argv[2]))
print(json.dumps({"mast_url": sandbox.mast_url, "obs_id": added.obs_id}), flush=True)
sys.stdin.read()
sandbox.stop()
"""


MONGO_CHILD = """
import sys
from secantus import SecantusDBServer
server = SecantusDBServer(storage_path=sys.argv[1])
server.start()
print(server.uri, flush=True)
sys.stdin.read()
server.stop()
"""


def import_table(args, work, dest, state, clean) -> list[str]:
    """``import_observations`` of one observation of many small FITS products, records
    in SQLite and in MongoDB (SecantusDB), against the engine alone on the same files
    from the same sandbox (both after the product look-up, which is timed apart)."""
    import mastwidgets as mw
    from mastwidgets.catalog import Catalog
    from mastwidgets.settings import get_settings

    count = args.import_files
    child = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_CHILD, "jw02739-o001_t001_nircam_clear-f090w", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    mongo = subprocess.Popen(  # a database server runs apart from its clients
        [sys.executable, "-c", MONGO_CHILD, str(work / "secantus")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        mongo_uri = mongo.stdout.readline().strip()
        info = json.loads(child.stdout.readline())
        settings = get_settings(mast_url=info["mast_url"], state_dir=str(state))
        began = time.perf_counter()
        products = mw.list_products(info["obs_id"], settings=settings)
        look_up = time.perf_counter() - began
        specs = [
            {"name": f"{r.obs_collection}/{r.obs_id}/{r.productFilename}", "http": r.url,
             "size": int(r.size)}
            for r in products.itertuples()
        ]  # fmt: skip
        runs = iter(range(10**6))

        def import_into(store: str) -> None:
            run = next(runs)
            if store == "sqlite":
                catalog = Catalog(path=work / f"catalog-{run}.sqlite")
            else:
                catalog = Catalog(uri=mongo_uri, database=f"bench_{run}")
            job = mw.import_observations(
                info["obs_id"], dest, products={}, catalog=catalog, settings=settings
            )
            result = job.wait()
            catalog.close()
            if not result.ok or len(result.records) != count:
                raise RuntimeError(f"{result.status}, {len(result.records)} records")

        runs_of = {
            "engine alone (transfer.download)": lambda: engine(specs, dest, state),
            "import_observations, SQLite catalog": lambda: import_into("sqlite"),
            "import_observations, MongoDB (SecantusDB)": lambda: import_into("mongo"),
        }
        rows = [(name, median_of(args.runs, run, clean)) for name, run in runs_of.items()]
    finally:
        mongo.communicate("")
        child.communicate("")
    base = rows[0][1]
    return [
        f"### Import: one observation of {count:,} small FITS products from the sandbox",
        "",
        "| run | seconds (median) | files/s | speed ÷ engine alone's |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {name} | {sec:.2f} | {count / sec:,.0f} | {base / sec:.0%} |" for name, sec in rows),
        "",
        f"An import also finds the observation and lists its products first ({look_up:.2f} s "
        "for the listing alone); the engine alone starts from the list. The sandbox (a "
        "Python server in its own process) sets the pace for both.",
        "",
    ]


def ui_table(args, http_specs, total, dest, state, clean) -> list[str]:
    """The app's progress view attached (its widgets updated from every event) vs
    headless. In-process, without a browser: it measures what the widgets cost the
    kernel, not the page's drawing."""
    from mastwidgets import transfer
    from mastwidgets.ui import ProgressView

    def with_view() -> None:
        job = transfer.start(http_specs, dest, state_dir=state)
        ProgressView(job)
        job.wait()

    rows = [
        (
            "engine, headless",
            median_of(args.runs, lambda: engine(http_specs, dest, state), clean),
            total,
        ),
        ("engine + the app's ProgressView", median_of(args.runs, with_view, clean), total),
    ]
    return table(f"The app's progress widgets, 3 files × {args.size_mb} MB over HTTP", rows)


def s3_table(args, nginx, big, size, total, dest, state, clean) -> list[str]:
    endpoint = f"http://127.0.0.1:{nginx.port}"
    s3_specs = [{"name": n, "s3": f"s3://stpubdata/{n}", "size": size} for n in big]
    rows = [
        (
            "mastwidgets engine (S3)",
            median_of(
                args.runs, lambda: engine(s3_specs, dest, state, s3_endpoint=endpoint), clean
            ),
            total,
        ),
        (
            "boto3 download_file, 3 files in threads",
            median_of(args.runs, lambda: boto3_download_file(endpoint, big, dest), clean),
            total,
        ),
    ]
    return table(f"S3 protocol, 3 files × {args.size_mb} MB", rows)


def _child(specs, dest, state, job_id, mode="start", options=None) -> subprocess.Popen:
    code = (
        "import json, sys\n"
        "from mastwidgets import transfer\n"
        "a = json.loads(open(sys.argv[1]).read())\n"
        "report = lambda e: print(e.job.bytes_done, flush=True) if e.kind == 'progress' else None\n"
        "if a['mode'] == 'start':\n"
        "    r = transfer.download(a['specs'], a['dest'], state_dir=a['state'], job_id=a['id'],"
        " on_event=report, **a['options'])\n"
        "else:\n"
        "    r = transfer.resume(a['id'], state_dir=a['state'], on_event=report)\n"
        "# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "rss = int(status.split()[0])\n"
        "print('RESULT', r.status, r.bytes_transferred, rss, r.state_bytes, r.seconds,"
        " flush=True)\n"
    )
    payload = json.dumps(
        {
            "specs": specs,
            "dest": str(dest),
            "state": str(state),
            "id": job_id,
            "mode": mode,
            "options": options or {},
        }
    )
    arguments = Path(state).parent / f"{job_id}.arguments.json"  # too long for argv
    arguments.write_text(payload)
    return subprocess.Popen(
        [sys.executable, "-c", code, str(arguments)], stdout=subprocess.PIPE, text=True
    )


class ChildResult(NamedTuple):
    status: str
    bytes_transferred: int
    rss: int  # KiB, the child's VmHWM
    state_bytes: int
    seconds: float  # the job's own (the interpreter's start left out)


def _child_result(child: subprocess.Popen) -> ChildResult:
    """Wait for a :func:`_child` and read its RESULT line."""
    output, _ = child.communicate()
    line = next(x for x in output.splitlines() if x.startswith("RESULT"))
    status, moved, rss, state_bytes, seconds = line.split()[1:]
    return ChildResult(status, int(moved), int(rss), int(state_bytes), float(seconds))


def resume_cost(nginx, specs, dest, state, clean) -> list[str]:
    """Kill -9 the engine half-way, resume, and count bytes the server sent twice."""
    clean()
    nginx.clear_log()
    total = sum(s["size"] for s in specs)
    child = _child(specs, dest, state, "bench-resume")
    for line in child.stdout:
        if line.strip().isdigit() and int(line) >= total // 2:
            child.kill()
            break
    child.wait()
    child = _child(specs, dest, state, "bench-resume", mode="resume")
    child.communicate()
    sent = nginx.bytes_sent()
    lines = [
        "### Resume after kill -9 at half-way (3 files in flight)",
        "",
        "| file | bytes sent by the server | file size | sent twice |",
        "| --- | ---: | ---: | ---: |",
    ]
    for spec in specs:
        got = sum(v for k, v in sent.items() if k.endswith("/" + spec["name"]))
        lines.append(f"| {spec['name']} | {got} | {spec['size']} | {got - spec['size']} |")
    clean()
    return [
        *lines,
        "",
        "Chunk size 5 MB (5,242,880 bytes): the target is at most one chunk "
        "sent twice per file in flight.",
        "",
    ]


def peak_rss(nginx, files, big, size, dest, state, clean) -> list[str]:
    """Peak RSS of the engine moving 3 GB (10 files)."""
    names = []
    for i in range(10):
        name = f"rss{i}.fits"
        if not (files / name).exists():
            os.link(files / big[i % len(big)], files / name)
        names.append(name)
    specs = [{"name": n, "http": nginx.url(n), "size": size} for n in names]
    clean()
    shown = _child_result(_child(specs, dest, state, "bench-rss")).rss
    clean()
    return [
        "### Memory",
        "",
        f"Peak RSS of the engine process moving {len(names)} files × "
        f"{size // MB} MB ({len(names) * size / 1e9:.1f} GB): **{shown / 1024:.0f} MiB** "
        "(the whole process: Python, botocore, urllib3).",
        "",
    ]


def throttled(nginx, files, dest, state, clean) -> list[str]:
    """20 MB/s per connection, like a WAN: 1 GB + 50 × 2 MB."""
    sizes = {"wan-big.fits": 1000 * MB, **{f"wan-small{i:02d}.fits": 2 * MB for i in range(50)}}
    make_files(files, sizes)
    urls = [nginx.url(n, slow=True) for n in sizes]
    total = sum(sizes.values())
    specs = [{"name": n, "http": nginx.url(n, slow=True), "size": s} for n, s in sizes.items()]
    rows = [
        (
            "mastwidgets engine",
            median_of(1, lambda: engine(specs, dest, state), clean, warm_up=False),
            total,
        ),
        ("aria2c -j3 -k5M", median_of(1, lambda: aria2c(urls, dest), clean, warm_up=False), total),
    ]
    return table("HTTP throttled to 20 MB/s per connection: 1 GB + 50 × 2 MB (1 run)", rows)


if __name__ == "__main__":
    main()
