"""The scheduler and the reporter alone: no network, no disk, only their rules."""

import threading
from pathlib import Path

from mastwidgets.transfer._events import Subscribers
from mastwidgets.transfer._files import RunFile
from mastwidgets.transfer._reporter import Reporter
from mastwidgets.transfer._scheduler import CHUNK, FINISH, PREPARE, Scheduler
from mastwidgets.transfer._state import DONE, DOWNLOADING, FileState, JobState
from mastwidgets.transfer._tally import Tally

MB = 2**20
NEVER = threading.Event()


def files(*sizes):
    return [
        RunFile(i, FileState(f"f{i}.fits", size=s), Path(f"/nowhere/f{i}.fits"))
        for i, s in enumerate(sizes)
    ]


def scheduler(fs, tally=None, **options):
    config = {"parallel": 3, "connections": 16, "chunk_size": 5 * MB, **options}
    return Scheduler(fs, tally or Tally(f.state for f in fs), **config)


def prepared(sched, task, tally=None):
    """What a worker does with a prepare task: the file is ready to fetch."""
    assert task.kind == PREPARE
    task.file.ready = True
    (tally or Tally(())).move(task.file, DOWNLOADING)
    task.file.preparing = False
    sched.release(task.file, claim=False)


def test_big_files_open_parallel_at_a_time_and_small_ones_up_to_connections():
    fs = files(*[50 * MB] * 5, *[100_000] * 30)
    sched = scheduler(fs)
    opened = []
    while (task := sched._pick()) is not None and task.kind == PREPARE:
        opened.append(task.file)
    big = [f for f in opened if f.size > 5 * MB]
    assert len(big) == 3, "three big files at once"
    # The queue keeps its order: the fourth big file waits, and so do the small ones behind it.
    assert [f.index for f in opened] == [0, 1, 2]


def test_small_files_fill_the_connections():
    fs = files(*[100_000] * 30)
    sched = scheduler(fs)
    for _ in range(16):
        prepared(sched, sched._pick())
    assert len(sched.active) == 16
    tasks = [sched._pick() for _ in range(16)]
    assert {t.kind for t in tasks} == {CHUNK}
    assert sched._pick() is None, "no seventeenth connection"


def test_idle_workers_split_the_last_big_file_into_chunks_up_to_parallel():
    (f,) = fs = files(40 * MB)
    sched = scheduler(fs)
    prepared(sched, sched._pick())
    chunks = [sched._pick() for _ in range(3)]
    assert [(t.start, t.end) for t in chunks] == [
        (0, 5 * MB),
        (5 * MB, 10 * MB),
        (10 * MB, 15 * MB),
    ]
    assert sched._pick() is None, "a big file takes `parallel` connections, not more"
    f.written.add(0, 5 * MB)
    sched.release(f, 0, 5 * MB)
    assert (sched._pick().start, f.claims) == (15 * MB, 3)


def test_a_complete_file_is_finished_once():
    (f,) = fs = files(1000)
    sched = scheduler(fs)
    prepared(sched, sched._pick())
    task = sched._pick()
    f.written.add(task.start, task.end)
    sched.release(f, task.start, task.end)
    assert sched._pick().kind == FINISH
    assert sched._pick() is None
    assert sched.leave(f) and sched.idle()


def test_nothing_is_picked_when_every_slot_is_taken_by_a_file_in_flight():
    sched = scheduler(files(*[1000] * 40), connections=4, parallel=2)
    tasks = [sched.pick() for _ in range(4)]
    assert [t.kind for t in tasks] == ["prepare"] * 4
    assert sched.pick() is None  # four files open on four connections: the fifth waits


def test_a_progress_snapshot_touches_only_the_active_files():
    fs = files(*[1000] * 20_000)
    for f in fs[:5000]:
        f.state.status = DONE
    tally = Tally(f.state for f in fs)
    sched = scheduler(fs[5000:], tally)
    prepared(sched, sched._pick(), tally)
    fs[5000].written.add(0, 400)
    state = JobState(
        job_id="j", dest_dir="/nowhere", parallel=3, chunk_size=MB, files=[f.state for f in fs]
    )
    touched = []
    reporter = Reporter(state, tally.live, Subscribers())
    original = reporter.file_snapshot
    reporter.file_snapshot = lambda f: touched.append(f) or original(f)
    snap = reporter.progress_snapshot(sched.active, tally)
    assert touched == [fs[5000]] and snap.partial
    assert snap.counts == {"done": 5000, "queued": 14_999, "downloading": 1}
    assert (snap.bytes_done, snap.total, snap.file_count) == (5000 * 1000 + 400, 20_000_000, 20_000)
    # The whole job: the file under way as it runs, every other one as its state says.
    whole = reporter.snapshot()
    assert touched == [fs[5000], fs[5000]] and not whole.partial
    assert [f.bytes_done for f in whole.files[4999:5002]] == [1000, 400, 0]
    assert whole.bytes_done == snap.bytes_done and len(whole.files) == 20_000
