"""Pausing, cancelling and removing jobs from another process than the one running
them (the Jobs tab of another page, a script), and watching their progress."""

import json
import subprocess
import sys

import pytest

import mastwidgets as mw
from mastwidgets.imports import JobWatch
from mastwidgets.sandbox import Faults

OBS = "jw02739-o001_t001_nircam_clear-f187n"  # 18 files


def _child_import(*, mode="start", job_id=None):
    """An import run by another process; returns it and its job ID once bytes move."""
    args = {"mode": mode, "obs_ids": [OBS], "source": "http", "job_id": job_id}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.imports.child", json.dumps(args)],
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in child.stdout:
        if line.startswith("JOB"):
            job_id = line.split()[1]
        elif line.strip().isdigit() and int(line) > 0:
            return child, job_id
    raise AssertionError(f"the child import ended before moving a byte ({child.wait()})")


def _end_of(child) -> str:
    ends = [line.split()[1] for line in child.stdout if line.startswith("END")]
    child.wait(timeout=60)
    return ends[-1]


def test_a_job_of_another_process_paused_from_here_resumes_to_identical_files(
    sandbox_env, mast_sandbox
):
    mast_sandbox.set_faults(Faults(throttle=20_000))
    child, job_id = _child_import()
    try:
        assert mw.pause(job_id, wait=30) is True
        assert _end_of(child) == "paused"
    finally:
        child.kill()
    row = mw.list_jobs().set_index("id").loc[job_id]
    assert row["status"] == "paused" and 0 < row["bytes_done"] < row["bytes_total"]
    assert mw.pause(job_id) is False  # not running any more: nothing to ask
    mast_sandbox.set_faults(None)
    result = mw.resume(job_id).wait(timeout=120)
    assert result.ok, result.errors
    catalog = mw.Catalog()
    for f in result.transfer.files:
        uri = next(r["dataURI"] for r in catalog.records() if r["path"] == str(f.path))
        assert f.path.read_bytes() == mast_sandbox.path_of(uri).read_bytes()


def test_a_job_of_another_process_cancelled_from_here_leaves_no_part_file(
    sandbox_env, mast_sandbox
):
    mast_sandbox.set_faults(Faults(throttle=20_000))
    child, job_id = _child_import()
    try:
        assert mw.cancel(job_id, wait=30) is True
        assert _end_of(child) == "cancelled"
    finally:
        child.kill()
    assert mw.list_jobs().set_index("id").loc[job_id, "status"] == "cancelled"
    assert not list(sandbox_env.data_dir.rglob("*.part"))


def test_a_job_removed_leaves_the_list_and_keeps_its_files_and_records(sandbox_env, mast_sandbox):
    result = mw.import_observations(["icdm02010"]).wait(timeout=120)
    assert result.ok
    mast_sandbox.set_faults(Faults(throttle=20_000))
    running = mw.import_observations([OBS], source="http")
    try:
        with pytest.raises(mw.errors.JobRunning, match="pause or cancel it"):
            mw.remove_job(running.id)
    finally:
        running.cancel()
        running.wait(timeout=60)
    mw.remove_job(result.job_id)
    assert result.job_id not in set(mw.list_jobs()["id"])
    assert running.id in set(mw.list_jobs()["id"])
    assert all(f.path.exists() for f in result.transfer.files)
    assert mw.Catalog().count() == len(result.transfer.files) == 3
    assert not list(sandbox_env.state_dir.glob(f"{result.job_id}.*"))
    with pytest.raises(mw.errors.JobNotFound):
        mw.remove_job(result.job_id)


@pytest.mark.parametrize("job_id", ["no-such-job", "../../etc/passwd", ""])
def test_stopping_or_removing_an_unknown_job_is_a_typed_error(sandbox_env, job_id):
    for act in (mw.pause, mw.cancel, mw.remove_job):
        with pytest.raises(mw.errors.JobNotFound):
            act(job_id)


def test_the_watch_shows_a_job_of_another_process_moving_with_speed_and_time_left(
    sandbox_env, mast_sandbox
):
    mast_sandbox.set_faults(Faults(throttle=5_000))
    child, job_id = _child_import()
    watch = JobWatch()
    try:
        for _ in range(40):
            job = next(j for j in watch.poll() if j.id == job_id)
            if job.speed > 0 and job.eta is not None:
                break
            for _ in range(4):  # the child's progress events, four a second: a second on
                assert child.stdout.readline().strip().isdigit(), "the import ended early"
        assert job.status == "running" and job.speed > 0 and job.eta > 0
        assert 0 < job.fraction < 1 and job.bytes_total > job.bytes_done > 0
        assert job.files == 18 and job.kind == "import" and job.observations.startswith(OBS)
    finally:
        mw.cancel(job_id, wait=30)
        child.kill()
    over = next(j for j in watch.poll() if j.id == job_id)
    assert over.status == "cancelled" and over.speed == 0 and over.eta is None
