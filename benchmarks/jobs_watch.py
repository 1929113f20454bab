"""What the Jobs tab costs a kernel each second while a big job runs elsewhere.

    .venv/bin/python benchmarks/jobs_watch.py [--files 20000] [--polls 30]

A job of ``--files`` files (a JWST observation's size) is written as the engine
writes it: a journal line per changed file, 200 changed files every quarter of a
second, compacted when the journal grows past twice the file count. Once a second
the Jobs tab's :class:`~mastwidgets.imports.JobWatch` reads the jobs (only what was
appended since its last look), side by side with :func:`mastwidgets.list_jobs`,
which reads every job whole (what the tab did before). Reported: median and
worst milliseconds per look, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from mastwidgets import get_settings, list_jobs, transfer
from mastwidgets.imports import JobWatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--polls", type=int, default=30, help="looks, a second apart")
    parser.add_argument(
        "--runs", type=int, default=None, help="(from benchmarks/run.py) at least 10 looks each"
    )
    args = parser.parse_args()
    if args.runs:
        args.polls = max(args.polls, 10 * args.runs)
    with tempfile.TemporaryDirectory() as folder:
        state_dir = Path(folder) / "jobs"
        settings = get_settings(state_dir=state_dir, data_dir=Path(folder) / "data")
        files = [
            transfer.FileState(name=f"f{i:05d}.fits", http=f"http://x/{i}", size=100_000)
            for i in range(args.files)
        ]
        job = transfer.JobState(
            job_id="big",
            dest_dir=str(Path(folder) / "data"),
            files=files,
            parallel=3,
            chunk_size=5_000_000,
            meta={"kind": "import"},
        )
        path = state_dir / "big.json"
        writer = transfer.StateWriter(path, job)
        writer.compact()
        lock = transfer.JobLock(path, "big")  # "running", as the engine holds it
        stop = threading.Event()

        def run() -> None:  # the engine's side: 200 files a tick move on
            step = 0
            while not stop.wait(0.25):
                for _ in range(200):
                    f = job.files[step % args.files]
                    f.status = transfer.Status.DOWNLOADING
                    f.ranges = transfer.ByteRanges([(0, min(100_000, f.ranges.total + 50_000))])
                    writer.mark(step % args.files)
                    step += 1
                writer.flush(durable=False)

        engine = threading.Thread(target=run, daemon=True)
        engine.start()
        watch = JobWatch(settings)
        timings: dict[str, list[float]] = {"JobWatch.poll": [], "list_jobs": []}
        for _ in range(args.polls):
            time.sleep(1.0)  # the tab's tick
            began = time.perf_counter()
            (seen,) = watch.poll()
            timings["JobWatch.poll"].append(time.perf_counter() - began)
            began = time.perf_counter()
            listed = list_jobs(settings=settings)
            timings["list_jobs"].append(time.perf_counter() - began)
        stop.set()
        engine.join()
        lock.release()
        assert seen.status == "running" and int(listed["files"].iloc[0]) == args.files
    print(
        f"\n### The Jobs tab's look at a running job of {args.files:,} files "
        f"(median of {args.polls} looks, a second apart)\n"
    )
    print("| reader | median ms | worst ms | ratio to JobWatch |")
    print("|---|---|---|---|")
    base = statistics.median(timings["JobWatch.poll"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1e3:.1f} | {max(values) * 1e3:.1f} | {median / base:.1f}x |")


if __name__ == "__main__":
    main()
