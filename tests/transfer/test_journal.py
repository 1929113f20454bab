"""The job state as a snapshot plus a JSON-lines journal: a torn last line is ignored, a
corrupt line is a typed error naming the file (nothing deleted), a state written by the
first release still resumes, and a finished file costs the same in a job of any size."""

import json

import pytest

from mastwidgets import transfer
from mastwidgets.errors import StateCorrupt

from .conftest import FAST_RETRY, assert_identical
from .test_crash import run_until
from .test_jobs import claimed_bytes_are_on_disk

NAMES = ("large.fits", "medium.fits", "second.fits", "three_chunks.fits", "one.fits")


@pytest.fixture
def killed(sb, blobs, tmp_path):
    """A job killed (SIGKILL) half-way: its snapshot, journal, part files."""
    from mastwidgets.sandbox import Faults

    sb.set_faults(Faults(throttle=1_000_000))
    dest, state_dir = tmp_path / "data", tmp_path / "jobs"
    args = {
        "mode": "start",
        "specs": [blobs[n].spec(s3=False) for n in NAMES],
        "dest": str(dest),
        "state_dir": str(state_dir),
        "job_id": "killed",
    }
    total = sum(len(blobs[n].data) for n in NAMES)
    assert run_until(args, total // 2)
    sb.set_faults(None)
    return dest, state_dir


def test_the_journal_holds_what_the_snapshot_does_not(killed, blobs):
    dest, state_dir = killed
    journal = state_dir / "killed.journal"
    lines = journal.read_text().splitlines()
    assert json.loads(lines[0])["job_id"] == "killed" and len(lines) > 1
    snapshot = json.loads((state_dir / "killed.json").read_text())
    assert snapshot["version"] == 2 and sum(
        e - s for f in snapshot["files"] for s, e in f["ranges"]
    ) < claimed_bytes_are_on_disk(state_dir / "killed.json", dest, blobs)


def test_a_torn_last_line_is_ignored(killed, blobs):
    dest, state_dir = killed
    journal = state_dir / "killed.journal"
    claimed = claimed_bytes_are_on_disk(state_dir / "killed.json", dest, blobs)
    with journal.open("a") as out:
        out.write('{"file": 0, "name": "large.fits", "ranges": [[0, 99999999')  # cut short
    assert claimed_bytes_are_on_disk(state_dir / "killed.json", dest, blobs) == claimed
    result = transfer.resume("killed", state_dir=state_dir, retry=FAST_RETRY)
    assert_identical(result, {n: blobs[n] for n in NAMES})


def test_a_corrupt_line_is_a_typed_error_naming_the_file_and_nothing_is_deleted(killed):
    dest, state_dir = killed
    journal = state_dir / "killed.journal"
    lines = journal.read_text().splitlines(keepends=True)
    lines.insert(2, "this is not JSON\n")
    journal.write_text("".join(lines))
    before = {p: p.read_bytes() for p in [*dest.iterdir(), *state_dir.iterdir()]}
    with pytest.raises(StateCorrupt, match=r"killed\.journal is corrupt at line 3"):
        transfer.load("killed", state_dir)
    with pytest.raises(StateCorrupt):
        transfer.resume("killed", state_dir=state_dir, retry=FAST_RETRY)
    assert {p: p.read_bytes() for p in [*dest.iterdir(), *state_dir.iterdir()]} == before


def test_a_state_file_of_the_first_release_resumes(killed, blobs):
    """Version 1: one JSON file, no journal, no generation."""
    _, state_dir = killed
    merged = transfer.load("killed", state_dir)
    old = {**merged.to_json(), "version": 1}
    (state_dir / "killed.json").write_text(json.dumps(old, indent=1))
    (state_dir / "killed.journal").unlink()
    result = transfer.resume("killed", state_dir=state_dir, retry=FAST_RETRY)
    assert_identical(result, {n: blobs[n] for n in NAMES})
    assert json.loads((state_dir / "killed.json").read_text())["version"] == 2


def test_state_bytes_per_finished_file_do_not_grow_with_the_job(sb, tmp_path):
    """Rewriting the whole state per file made the 4x job cost 4x per file."""
    sizes = {}
    for count in (50, 200):
        specs = []
        for i in range(count):
            http, _ = sb.add_file(f"many/{count}/f{i:04d}.fits", b"x" * 1000, in_s3=False)
            specs.append({"name": f"f{i:04d}.fits", "http": http, "size": 1000})
        result = transfer.download(specs, tmp_path / str(count), state_dir=tmp_path / "jobs")
        assert result.ok
        sizes[count] = result.state_bytes / count
    assert sizes[200] < 1.5 * sizes[50], sizes


def test_a_follower_reads_what_a_writer_appends_and_compacts_as_a_fresh_load_does(tmp_path):
    """The Jobs tab of another page follows a running job's state every second."""
    files = [
        transfer.FileState(name=f"f{i}.fits", http=f"http://x/{i}", size=100) for i in range(300)
    ]
    job = transfer.JobState(job_id="followed", dest_dir=str(tmp_path), files=files,
                            parallel=3, chunk_size=10)  # fmt: skip
    path = tmp_path / "followed.json"
    writer = transfer.StateWriter(path, job)
    writer.compact()
    follower = transfer.StateFollower(path)

    def same() -> bool:
        read = follower.read()
        return json.dumps(read.to_json()) == json.dumps(transfer.load_state(path).to_json())

    assert same()
    for step in range(1, 2500):  # past 1,024 lines twice: compacted on the way
        job.files[step % 300].ranges = transfer.ByteRanges([(0, step % 100 + 1)])
        job.files[step % 300].status = transfer.Status.DOWNLOADING
        writer.mark(step % 300)
        writer.flush(durable=False)
        if step % 90 == 1:
            assert same()
    assert same() and job.generation == 3
    with open(writer.journal, "ab") as out:  # a line being written as we look
        out.write(b'{"file": 5, "name": "f5.fits", "status": "do')
    assert same() and follower.read().files[5].status != "done"
    with open(writer.journal, "ab") as out:
        out.write(b'ne", "size": 100, "http": "http://x/5"}\n')
    assert follower.read().files[5].status == "done" and same()


def test_a_snapshot_has_one_line_a_file_and_reads_back_whole(tmp_path, monkeypatch):
    """Written a piece at a time (a snapshot is never held whole in memory: a 100,000-file
    job's was a 100 MB string), it reads as the job it was made from, one file a line."""
    from mastwidgets.transfer import FileState, JobState, _journal

    monkeypatch.setattr(_journal, "SNAPSHOT_PIECE", 200)  # many pieces, even for 50 files
    files = [FileState(f"f{i:03d}.fits", http=f"http://example.org/{i}", size=i) for i in range(50)]
    job = JobState("pieces", str(tmp_path / "data"), files, parallel=3, chunk_size=5 << 20)
    transfer.save_state(tmp_path / "pieces.json", job)
    text = (tmp_path / "pieces.json").read_text()
    assert len(text.splitlines()) == 50 + 2  # the job's fields, a line a file, the close
    assert json.loads(text) == job.to_json()
    again = transfer.load_state(tmp_path / "pieces.json")
    assert [f.to_json() for f in again.files] == [f.to_json() for f in files]
