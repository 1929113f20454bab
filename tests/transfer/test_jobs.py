"""Jobs: pause, cancel, resume, events, threads, refusals and disk space."""

import json
import threading

import pytest

from mastwidgets import transfer
from mastwidgets.errors import DiskFull, JobNotFound, JobRunning, TransferError, UnsafeDestination
from mastwidgets.sandbox import Faults

from .conftest import FAST_RETRY, assert_identical, fast


def transfer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("mastwidgets-transfer")]


def slow_job(sb, blobs, dirs, *names, stop_at=200_000, how="pause"):
    """Start a throttled job and pause/cancel it once ``stop_at`` bytes are in."""
    sb.set_faults(Faults(throttle=300_000))
    specs = [blobs[n].spec(s3=False) for n in names]
    job = transfer.start(specs, **dirs, **fast())

    def stop_when_far_enough(event):
        if event.kind == "progress" and event.job.bytes_done >= stop_at:
            getattr(job, how)()

    job.subscribe(stop_when_far_enough)
    return job


def claimed_bytes_are_on_disk(state_file, dest_dir, blobs):
    """The state's promise (snapshot and journal, as resume reads them): every byte it
    records is on disk, and right."""
    state = transfer.load(state_file.stem, state_file.parent)
    total = 0
    for f in state.files:
        holder = dest_dir / (f.name if f.status == "done" else f.name + ".part")
        data = holder.read_bytes() if holder.exists() else b""
        for start, end in f.ranges:
            assert data[start:end] == blobs[f.name].data[start:end], f.name
            total += end - start
    return total


def test_pause_keeps_every_byte_and_resume_fetches_only_the_rest(sb, blobs, dirs):
    names = ("large.fits", "second.fits")
    job = slow_job(sb, blobs, dirs, *names)
    paused = job.wait(timeout=60)
    assert paused.status == "paused"
    assert not transfer_threads(), "no worker may outlive its job"
    kept = claimed_bytes_are_on_disk(paused.state_file, dirs["dest_dir"], blobs)
    assert kept >= 200_000
    assert not any(f.path.exists() for f in paused.files if f.status != "done")
    sb.set_faults(None)
    resumed = transfer.resume(job.id, state_dir=dirs["state_dir"], retry=FAST_RETRY)
    assert_identical(resumed, {n: blobs[n] for n in names})
    total = sum(len(blobs[n].data) for n in names)
    assert resumed.bytes_transferred == total - kept, "resume must not fetch kept bytes again"
    assert not transfer_threads()


def test_cancel_stops_quickly_and_removes_unfinished_parts(sb, blobs, dirs):
    job = slow_job(sb, blobs, dirs, "large.fits", "medium.fits", how="cancel")
    result = job.wait(timeout=60)
    assert result.status == "cancelled"
    assert not list(dirs["dest_dir"].rglob("*.part"))
    assert {f.status for f in result.files} <= {"cancelled", "done"}
    for f in result.files:
        assert f.path.exists() == (f.status == "done")
    assert not transfer_threads()


def test_events_report_files_and_the_whole_job(sb, blobs, dirs):
    events = []
    names = ("medium.fits", "second.fits", "one.fits")
    result = transfer.download(
        [blobs[n].spec() for n in names], **dirs, **fast(), on_event=events.append
    )
    assert_identical(result, {n: blobs[n] for n in names})
    statuses = {}
    for e in events:
        if e.kind == "file_status":
            statuses.setdefault(e.file.name, []).append(e.file.status)
    assert all(s[0] == "downloading" and s[-1] == "done" for s in statuses.values())
    assert set(statuses) == set(names)
    final = [e for e in events if e.kind == "job_status"][-1].job
    assert final.status == "done" and final.files_done == 3
    assert final.bytes_done == final.total == sum(len(blobs[n].data) for n in names)
    progress = [e.job.bytes_done for e in events if e.kind == "progress"]
    assert progress == sorted(progress)


def test_snapshot_while_running(sb, blobs, dirs):
    job = slow_job(sb, blobs, dirs, "large.fits", stop_at=150_000)
    job.wait(timeout=60)
    snap = job.snapshot()
    (file,) = snap.files
    assert snap.status == "paused" and file.status == "paused"
    assert 150_000 <= file.bytes_done < file.total == len(blobs["large.fits"].data)
    assert 0 < file.fraction < 1


def test_a_job_runs_once_at_a_time(sb, blobs, dirs):
    job = slow_job(sb, blobs, dirs, "large.fits", stop_at=10**12)
    with pytest.raises(JobRunning):
        transfer.resume_start(job.id, state_dir=dirs["state_dir"])
    job.cancel()
    assert job.wait(timeout=60).status == "cancelled"


def test_done_files_are_not_downloaded_again(sb, blobs, dirs):
    """Resuming a finished job downloads nothing. A new job over the same files trusts
    them only where it knows their MD5 (a same-size file may be corrupt, astroquery
    #3231); the import layer skips files imported before by the catalog's record."""
    names = ("medium.fits", "second.fits")
    specs = [blobs[n].spec() for n in names]
    first = transfer.download(specs, **dirs, **fast())
    assert_identical(first, {n: blobs[n] for n in names})
    before = sb.served
    again = transfer.resume(first.job_id, state_dir=dirs["state_dir"])
    assert again.bytes_transferred == 0
    assert not [r for r in sb.requests_since(before) if r[0] == "GET"]
    second_job = transfer.download(specs, **dirs, **fast())
    assert_identical(second_job, {n: blobs[n] for n in names})
    assert {f.source for f in second_job.files} <= {"existing", "s3", "http"}


def test_unknown_job(dirs):
    with pytest.raises(JobNotFound):
        transfer.resume("no-such-job", state_dir=dirs["state_dir"])


@pytest.mark.parametrize(
    "name",
    [
        "../evil.fits",
        "/etc/evil.fits",
        "a/../../evil.fits",
        "x\x00.fits",
        "C:evil.fits",
        "..\\evil.fits",
        "a/\nb.fits",
    ],
)
def test_names_leaving_the_folder_are_refused(sb, blobs, dirs, name):
    before = sb.served
    with pytest.raises(UnsafeDestination, match="Refusing"):
        transfer.download([{**blobs["one.fits"].spec(), "name": name}], **dirs, **fast())
    assert sb.served == before
    assert not list(dirs["dest_dir"].parent.rglob("evil.fits"))


def test_an_empty_name_is_refused(dirs):
    with pytest.raises(UnsafeDestination, match="empty"):
        transfer.download([transfer.FileSpec(name="", http="http://127.0.0.1:1/x")], **dirs)


def test_symlinks_leading_out_are_refused(sb, blobs, dirs, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dirs["dest_dir"].mkdir(parents=True)
    (dirs["dest_dir"] / "link").symlink_to(outside)
    with pytest.raises(UnsafeDestination, match="symbolic link"):
        transfer.download([{**blobs["one.fits"].spec(), "name": "link/x.fits"}], **dirs, **fast())
    assert not list(outside.iterdir())


def test_credentials_never_reach_the_state_file(sb, blobs, dirs):
    secret = "token-that-must-stay-secret"
    result = transfer.download(
        [blobs["one.fits"].spec()],
        **dirs,
        **fast(),
        http_headers={"Authorization": f"token {secret}"},
    )
    assert result.ok and secret not in result.state_file.read_text()
    with pytest.raises(TransferError, match="user name or password"):
        transfer.download(["http://user:pw@127.0.0.1:1/x.fits"], **dirs)


def test_not_enough_space_fails_before_any_byte(sb, blobs, dirs):
    before = sb.served
    huge = {**blobs["one.fits"].spec(), "size": 10**16}
    with pytest.raises(DiskFull, match=r"needs .* more") as error:
        transfer.download([huge], **dirs, **fast())
    assert "free" in str(error.value)
    assert sb.served == before


def test_a_disk_filling_up_fails_the_file_with_a_clear_message(sb, blobs, small_disk, tmp_path):
    tiny_disk = small_disk("1m")
    specs = [blobs["large.fits"].spec(s3=False, size=False), blobs["one.fits"].spec(s3=False)]
    result = transfer.download(specs, tiny_disk, state_dir=tmp_path / "jobs", **fast())
    outcome = {f.name: f for f in result.files}
    assert outcome["large.fits"].status == "failed"
    assert "disk is full" in outcome["large.fits"].error
    assert outcome["one.fits"].status == "done"


def test_after_a_reboot_only_flushed_bytes_are_trusted(sb, blobs, dirs):
    job = slow_job(sb, blobs, dirs, "large.fits")
    paused = job.wait(timeout=60)
    state = json.loads(paused.state_file.read_text())
    (entry,) = state["files"]
    assert entry["ranges"] and entry["durable"] == entry["ranges"]
    state["boot_id"] = "a-boot-before-a-power-cut"
    entry["durable"] = [[0, 65536]]  # what the disk had when the power went
    paused.state_file.write_text(json.dumps(state))
    sb.set_faults(None)
    resumed = transfer.resume(job.id, state_dir=dirs["state_dir"], retry=FAST_RETRY)
    assert_identical(resumed, {"large.fits": blobs["large.fits"]})
    assert resumed.bytes_transferred == len(blobs["large.fits"].data) - 65536


def test_a_missing_part_file_is_downloaded_again(sb, blobs, dirs):
    job = slow_job(sb, blobs, dirs, "large.fits")
    paused = job.wait(timeout=60)
    (dirs["dest_dir"] / "large.fits.part").unlink()
    sb.set_faults(None)
    resumed = transfer.resume(job.id, state_dir=dirs["state_dir"], retry=FAST_RETRY)
    assert_identical(resumed, {"large.fits": blobs["large.fits"]})
    assert resumed.bytes_transferred == len(blobs["large.fits"].data)
    assert paused.status == "paused"


def test_small_files_use_more_connections_and_ticks_carry_only_active_files(sb, tmp_path):
    """Files of one chunk or less move up to `connections` (16) at a time, not
    `parallel` (3); a progress tick carries the active files and counts, whatever the
    job's size."""
    specs = []
    for i in range(300):
        http, _ = sb.add_file(f"ticks/t{i:03d}.fits", bytes([i % 251]) * 3000, in_s3=False)
        specs.append({"name": f"t{i:03d}.fits", "http": http, "size": 3000})
    events = []
    sb.set_faults(None)  # counts the peak of concurrent downloads from here
    result = transfer.download(
        specs, tmp_path / "data", state_dir=tmp_path / "jobs", on_event=events.append
    )
    assert result.ok
    assert 3 < sb.downloads_peak <= 16, sb.downloads_peak
    ticks = [e.job for e in events if e.kind == "progress"]
    assert ticks, "no progress event"
    for tick in ticks:
        assert tick.partial and len(tick.files) <= 16 and tick.file_count == 300
        assert sum(tick.counts.values()) == 300 and tick.total == 300 * 3000
        # Taken from the queue: being prepared (still "queued"), downloading or verifying.
        assert all(f.status in ("queued", "downloading", "verifying") for f in tick.files)
    assert [t.bytes_done for t in ticks] == sorted(t.bytes_done for t in ticks)
    final = [e.job for e in events if e.kind == "job_status"][-1]
    assert not final.partial and len(final.files) == 300 and final.files_done == 300
    assert final.bytes_done == final.total == 300 * 3000


def test_a_job_of_many_files_holds_few_descriptors_and_threads(sb, tmp_path):
    """1,500 files: open descriptors and threads stay bounded by the connections and
    the commit batch, not the file count (a 20,000-file job must not hold 20,000)."""
    import os
    import threading

    specs = []
    for i in range(1500):
        http, _ = sb.add_file(f"fds/d{i:04d}.fits", bytes([i % 251]) * 1500, in_s3=False)
        specs.append({"name": f"d{i:04d}.fits", "http": http, "size": 1500})
    before_fds = len(os.listdir("/proc/self/fd"))  # the sandbox's sockets count too
    ours_names = ("mastwidgets-transfer", "mastwidgets-books", "mastwidgets-io")
    peaks = {"fds": 0, "threads": 0}

    def sample(event):
        ours = [t for t in threading.enumerate() if t.name.startswith(ours_names)]
        peaks["fds"] = max(peaks["fds"], len(os.listdir("/proc/self/fd")))
        peaks["threads"] = max(peaks["threads"], len(ours))

    result = transfer.download(
        specs, tmp_path / "data", state_dir=tmp_path / "jobs", on_event=sample
    )
    assert result.ok and len(result.files) == 1500
    assert peaks["fds"] - before_fds < 256 + 2 * 16 + 16, peaks
    # The reporter, the job's bookkeeping and the process's I/O loop: none per connection.
    assert peaks["threads"] == 3, peaks
