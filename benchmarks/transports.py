"""Transport candidates for the engine's I/O: bare download loops, no engine, side by side.

    scripts/bench.sh --only transports          (or: python benchmarks/transports.py)
    python benchmarks/transports.py --counts 1000 --connections 3 16 --runs 3

Many small files (100 kB each) from a loopback nginx, at a given number of connections,
by each way of moving bytes the engine could be built on, with ``curl --parallel
--parallel-max N`` (C, one event loop) in the same run as the yardstick:

- pycurl: libcurl's multi interface (``CurlMulti``) driven from one thread, a large
  ``BUFFERSIZE``, write callbacks into ``os.pwrite``;
- aiohttp on one asyncio loop, and on uvloop's;
- httpx's ``AsyncClient`` on asyncio;
- urllib3 in one thread per connection (today's engine's shape).

Each runs bare (bytes to the final file), then with the engine's durable bookkeeping: a
streaming MD5, a ``.part`` file, the file's fdatasync, a rename, a journal line, and a
group commit every 64 files (the folder fsync-ed, the journal fdatasync-ed), done inline
on the loop's thread, or (the event loops) on bookkeeping threads beside it; pycurl also
with one bookkeeping thread making each group durable at once (``Books``). Every run is
a child process of its own; it counts from its first request (imports and set-up left
out) and reports its wall time, its CPU time and its context switches (getrusage: the
kernel's count of the hand-offs between threads, or between the process and the rest
of the machine). curl is timed as a whole process (it starts in milliseconds). Each row
is the median of ``--runs`` runs, the candidates taking turns run after run.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import platform
import queue
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FILE_SIZE = 100_000
#: The candidates: (name, bookkeeping inline?). curl is the peer, run as it is.
CANDIDATES = ("pycurl", "aiohttp", "aiohttp+uvloop", "httpx", "urllib3-threads")
CHUNK = 256 * 1024
COMMIT_EVERY = 64
#: Bookkeeping threads beside the I/O loop: four where each file waits on its own
#: fdatasync, one where a group is made durable at once (fewer hand-offs of the GIL).
BOOKKEEPERS = {"thread": 4, "group": 1}


# -- the bookkeeping, shared by every candidate ----------------------------------------------
class Books:
    """Where bytes go: the final file (``keep`` ""), or the engine's way, durable as the
    engine makes it: a ``.part`` file, a streaming MD5, the file's own fdatasync, a rename,
    a journal line, and a group commit (every 64 files: the folder fsync-ed, the journal
    fdatasync-ed). Done on the thread that received the bytes (``keep`` "inline"), or
    handed over a file at a time to a small pool of bookkeeping threads ("thread": the
    loop only collects a file's chunks; hashing and fdatasync release the GIL), or to
    one bookkeeping thread that makes a group durable at once ("group": no fdatasync per
    file, one syncfs of the folder's filesystem before the journal's commit). One lock
    per file, never per chunk."""

    def __init__(self, dest: Path, keep: str):
        self.dest, self.keep = dest, keep
        self.lock = threading.Lock()
        self.done = 0
        if keep:
            self.journal = open(dest / "journal.jsonl", "ab", buffering=0)  # noqa: SIM115
            self.folder = os.open(dest, os.O_RDONLY)
        if keep in ("thread", "group"):
            self.queue: queue.SimpleQueue = queue.SimpleQueue()
            self.workers = [
                threading.Thread(target=self._keep_books) for _ in range(BOOKKEEPERS[keep])
            ]
            for worker in self.workers:
                worker.start()

    def open(self, name: str) -> Sink:
        return Collected(self, name) if self.keep in ("thread", "group") else Sink(self, name)

    def finished(self, name: str, size: int, digest: str) -> None:
        line = json.dumps({"name": name, "size": size, "md5": digest}).encode() + b"\n"
        with self.lock:
            self.journal.write(line)
            self.done += 1
            if self.done % COMMIT_EVERY == 0:
                self._commit()

    def _commit(self) -> None:
        if self.keep == "group":  # the group's files, renames and all, in one call
            if _libc().syncfs(self.folder) != 0:
                raise OSError(ctypes.get_errno(), "syncfs failed")
        else:
            os.fsync(self.folder)  # the renames
        os.fdatasync(self.journal.fileno())

    def _keep_books(self) -> None:
        while (collected := self.queue.get()) is not None:
            sink = Sink(self, collected.name)
            for chunk in collected.chunks:
                sink.write(chunk)
            sink.close()

    def close(self) -> None:
        if self.keep in ("thread", "group"):
            for _ in self.workers:
                self.queue.put(None)
            for worker in self.workers:
                worker.join()
        if self.keep:
            self._commit()
            self.journal.close()
            os.close(self.folder)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


class Sink:
    """One file being written (``write`` takes each chunk as it arrives)."""

    __slots__ = ("books", "fd", "md5", "name", "offset")

    def __init__(self, books: Books, name: str):
        self.books, self.name, self.offset = books, name, 0
        path = books.dest / (f"{name}.part" if books.keep else name)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.md5 = hashlib.md5() if books.keep else None

    def write(self, data: bytes) -> None:
        os.pwrite(self.fd, data, self.offset)
        self.offset += len(data)
        if self.md5 is not None:
            self.md5.update(data)

    def close(self) -> None:
        if self.md5 is not None and self.books.keep != "group":
            os.fdatasync(self.fd)
        os.close(self.fd)
        if self.md5 is not None:
            final = self.books.dest / self.name
            os.rename(final.with_name(f"{self.name}.part"), final)
            self.books.finished(self.name, self.offset, self.md5.hexdigest())


class Collected:
    """A file's chunks, kept by the I/O loop until the file is complete, then handed to
    the bookkeeping thread in one piece (big files would be handed over a range at a
    time)."""

    __slots__ = ("books", "chunks", "name")

    def __init__(self, books: Books, name: str):
        self.books, self.name, self.chunks = books, name, []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        self.books.queue.put(self)


# -- the candidates (each run in a child process) --------------------------------------------
def with_pycurl(items, connections: int, books: Books) -> None:
    import pycurl

    multi = pycurl.CurlMulti()
    free = []
    for _ in range(connections):
        handle = pycurl.Curl()
        handle.setopt(pycurl.BUFFERSIZE, 512 * 1024)
        handle.setopt(pycurl.NOSIGNAL, 1)
        free.append(handle)
    pending = iter(items)
    running = 0
    while True:
        while free and (item := next(pending, None)) is not None:
            url, name = item
            handle, sink = free.pop(), books.open(name)
            handle.sink = sink
            handle.setopt(pycurl.URL, url)
            handle.setopt(pycurl.WRITEFUNCTION, sink.write)
            multi.add_handle(handle)
            running += 1
        if not running:
            break
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        finished = 0
        while True:
            queued, ok, failed = multi.info_read()
            for handle in ok:
                if handle.getinfo(pycurl.RESPONSE_CODE) != 200:
                    raise RuntimeError(f"HTTP {handle.getinfo(pycurl.RESPONSE_CODE)}")
                handle.sink.close()
                multi.remove_handle(handle)
                free.append(handle)
            if failed:
                raise RuntimeError(f"curl failed: {failed[0][2]}")
            finished += len(ok)
            if not queued:
                break
        running -= finished
        if not finished:  # nothing to hand a new file to: wait for a socket
            multi.select(1.0)
    for handle in free:
        handle.close()
    multi.close()


def with_aiohttp(items, connections: int, books: Books, uvloop: bool = False) -> None:
    import asyncio

    import aiohttp

    async def main():
        connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
            pending = iter(items)

            async def worker():
                for url, name in pending:
                    async with session.get(url) as response:
                        response.raise_for_status()
                        sink = books.open(name)
                        async for chunk in response.content.iter_any():
                            sink.write(chunk)
                        sink.close()

            await asyncio.gather(*(worker() for _ in range(connections)))

    if uvloop:
        import uvloop as loops

        loops.run(main())
    else:
        asyncio.run(main())


def with_httpx(items, connections: int, books: Books) -> None:
    import asyncio

    import httpx

    async def main():
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits) as client:
            pending = iter(items)

            async def worker():
                for url, name in pending:
                    async with client.stream("GET", url) as response:
                        response.raise_for_status()
                        sink = books.open(name)
                        async for chunk in response.aiter_raw(CHUNK):
                            sink.write(chunk)
                        sink.close()

            await asyncio.gather(*(worker() for _ in range(connections)))

    asyncio.run(main())


def with_urllib3_threads(items, connections: int, books: Books) -> None:
    import urllib3

    pool = urllib3.PoolManager(maxsize=connections, block=True, retries=False)
    pending = iter(items)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            url, name = item
            response = pool.request("GET", url, preload_content=False, decode_content=False)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            sink = books.open(name)
            for chunk in response.stream(CHUNK, decode_content=False):
                sink.write(chunk)
            sink.close()
            response.release_conn()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


RUNNERS = {
    "pycurl": with_pycurl,
    "aiohttp": with_aiohttp,
    "aiohttp+uvloop": lambda items, n, books: with_aiohttp(items, n, books, uvloop=True),
    "httpx": with_httpx,
    "urllib3-threads": with_urllib3_threads,
}


def child(args) -> None:
    """One candidate's run, in this (fresh) process: prints its measures as JSON."""
    items = [tuple(line.split(" ", 1)) for line in Path(args.list).read_text().splitlines()]
    dest = Path(args.dest)
    books = Books(dest, args.keep)
    runner = RUNNERS[args.child]
    if args.child == "pycurl":
        import pycurl  # noqa: F401 (imports are not the transport's cost)
    elif args.child == "httpx":
        import httpx  # noqa: F401
    elif args.child.startswith("aiohttp"):
        import aiohttp  # noqa: F401
    else:
        import urllib3  # noqa: F401
    before, began = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    runner(items, args.connections[0], books)
    books.close()
    seconds, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps(_measures(seconds, before, after)))


def _measures(seconds: float, before, after) -> dict:
    return {
        "seconds": seconds,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "switches": (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw),
    }


# -- the parent: files, nginx, runs, table ----------------------------------------------------
def run_candidate(name: str, keep: str, listing: Path, dest: Path, connections: int) -> dict:
    command = [sys.executable, __file__, "--child", name, "--list", str(listing)]
    command += ["--dest", str(dest), "--connections", str(connections)]
    done = subprocess.run(
        [*command, *(["--keep", keep] if keep else [])], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_curl(urls: list[str], dest: Path, connections: int) -> dict:
    """``curl --parallel --parallel-max N`` (run.py's), measured as a whole process."""
    from run import curl

    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    curl(urls, dest, jobs=connections)
    seconds, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    return _measures(seconds, before, after)


def check(dest: Path, names: list[str]) -> None:
    """Every file arrived whole (a fast wrong answer is no answer)."""
    sizes = {entry.name: entry.stat().st_size for entry in os.scandir(dest)}
    wrong = [name for name in names if sizes.get(name) != FILE_SIZE]
    if wrong:
        raise RuntimeError(f"{len(wrong)} files missing or short, e.g. {wrong[:3]}")


#: Each candidate's rows: bare, then with the bookkeeping inline; the event loops also
#: with the bookkeeping on a thread of its own (the design the engine would take).
MODES = {name: ["", "inline"] for name in CANDIDATES}
for _loop in ("pycurl", "aiohttp+uvloop"):
    MODES[_loop].append("thread")
#: And pycurl with one bookkeeping thread, the group's files made durable together (one
#: syncfs before the journal's commit) instead of one fdatasync each.
MODES["pycurl"].append("group")
LABELS = {
    "": "",
    "inline": " + bookkeeping inline",
    "thread": " + bookkeeping on 4 threads",
    "group": " + bookkeeping on 1 thread, durable a group at a time",
}


def measure(nginx, work: Path, count: int, connections: int, runs: int, bare_only) -> list:
    names = [f"f{i:05d}.fits" for i in range(count)]
    items = [(nginx.url(f"small/{name}"), name) for name in names]
    listing = work / f"list-{count}.txt"
    listing.write_text("".join(f"{url} {name}\n" for url, name in items))
    dest = work / "dest"
    contenders = [("curl --parallel", "")] + [
        (name, mode)
        for step in ("", "inline", "thread", "group")
        for name in CANDIDATES
        if step in MODES[name] and not (bare_only and step)
        for mode in [step]
    ]
    results: dict = {contender: [] for contender in contenders}
    for attempt in range(runs + 1):  # the first round warms the page cache and imports
        for name, mode in contenders:
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir()
            if name.startswith("curl"):
                got = run_curl([url for url, _ in items], dest, connections)
            else:
                got = run_candidate(name, mode, listing, dest, connections)
            check(dest, names)
            if attempt:
                results[(name, mode)].append(got)
    rows = []
    for (name, mode), got in results.items():
        median = {key: statistics.median(run[key] for run in got) for key in got[0]}
        rows.append((name + LABELS[mode], median))
    return rows


def table(count: int, connections: int, rows: list) -> list[str]:
    curl = rows[0][1]
    lines = [
        f"### {count:,} × 100 kB, {connections} connections",
        "",
        "| transport | files/s | ÷ curl | CPU s per 1,000 files | context switches per file |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, got in rows:
        rate = count / got["seconds"]
        lines.append(
            f"| {label} | {rate:,.0f} | {curl['seconds'] / got['seconds']:.2f}x | "
            f"{got['cpu'] * 1000 / count:.2f} | {got['switches'] / count:.1f} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--connections", type=int, nargs="+", default=[3, 16])
    parser.add_argument("--bare-only", action="store_true", help="leave out the bookkeeping")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", choices=list(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--list", help=argparse.SUPPRESS)
    parser.add_argument("--dest", help=argparse.SUPPRESS)
    parser.add_argument("--keep", choices=["inline", "thread", "group"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from run import Nginx, make_files

    work = Path(args.workdir or tempfile.mkdtemp(prefix="mastwidgets-transports-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # nginx started by root serves as "nobody"
    make_files(
        work / "files" / "small", {f"f{i:05d}.fits": FILE_SIZE for i in range(max(args.counts))}
    )
    nginx = Nginx(work / "files", work, rate=20 * 10**6)
    out = [
        "## Transport candidates: bare download loops, many small files",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, loopback nginx; median of {args.runs} runs, "
        "candidates taking turns.",
        "",
    ]
    try:
        for count in args.counts:
            for connections in args.connections:
                rows = measure(nginx, work, count, connections, args.runs, args.bare_only)
                out += table(count, connections, rows)
                print("\n".join(table(count, connections, rows)), file=sys.stderr)
    finally:
        nginx.stop()
    print("\n".join(out))


if __name__ == "__main__":
    main()
