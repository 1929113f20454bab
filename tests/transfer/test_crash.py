"""Kill -9 at random moments (fixed seeds): resume always ends byte-identical, the
state never claims bytes that are not on disk, no final file is ever unverified."""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile

import pytest

from mastwidgets import transfer
from mastwidgets.sandbox import Faults

from .conftest import FAST_RETRY, assert_identical
from .test_jobs import claimed_bytes_are_on_disk

NAMES = ("large.fits", "medium.fits", "second.fits", "three_chunks.fits", "one.fits")


def run_until(args: dict, kill_at: int) -> bool:
    """Run the child; SIGKILL it once it reports ``kill_at`` bytes. True if it was killed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as given:
        json.dump(args, given)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.transfer.crash_child", "@" + given.name],
        stdout=subprocess.PIPE,
        text=True,
    )
    killed = False
    for line in child.stdout:
        if line.strip().isdigit() and int(line) >= kill_at:
            child.send_signal(signal.SIGKILL)
            killed = True
            break
    child.stdout.close()
    child.wait(timeout=60)
    os.unlink(given.name)
    return killed


def check_invariants(state_dir, job_id, dest, blobs):
    state_file = state_dir / f"{job_id}.json"
    if not state_file.exists():
        return
    claimed_bytes_are_on_disk(state_file, dest, blobs)
    for name in NAMES:
        final = dest / name
        if final.exists():
            assert final.read_bytes() == blobs[name].data, f"{name} exists but is not verified"


@pytest.mark.parametrize("seed", range(6))
def test_resume_after_kill_at_any_moment(sb, blobs, tmp_path, seed):
    rng = random.Random(seed)
    sb.set_faults(Faults(throttle=1_000_000))  # HTTP only (scope "download"): S3 is not throttled
    dest, state_dir = tmp_path / "data", tmp_path / "jobs"
    total = sum(len(blobs[n].data) for n in NAMES)
    s3_too = {"second.fits", "three_chunks.fits", "one.fits"}
    specs = [blobs[n].spec(s3=n in s3_too and rng.random() < 0.5) for n in NAMES]
    args = {
        "mode": "start",
        "specs": specs,
        "dest": str(dest),
        "state_dir": str(state_dir),
        "job_id": f"crash-{seed}",
    }
    assert run_until(args, int(rng.uniform(0.05, 0.8) * total)), "the job ended before the kill"
    check_invariants(state_dir, args["job_id"], dest, blobs)
    if seed % 2:  # kill the resumed job too
        run_until({**args, "mode": "resume"}, int(rng.uniform(0.5, 0.95) * total))
        check_invariants(state_dir, args["job_id"], dest, blobs)
    sb.set_faults(None)
    result = transfer.resume(args["job_id"], state_dir=state_dir, retry=FAST_RETRY)
    assert_identical(result, {n: blobs[n] for n in NAMES})


@pytest.fixture(scope="module")
def many_small(mast_sandbox):
    """2,000 small files of different sizes (one chunk or less), over HTTP."""
    rng = random.Random(2000)
    made = {}
    for i in range(2000):
        data = rng.randbytes(rng.randint(1, 6000))
        http, _ = mast_sandbox.add_file(f"many/s{i:04d}.fits", data, in_s3=False)
        made[f"s{i:04d}.fits"] = (http, data)
    return made


@pytest.mark.parametrize("seed", range(3))
def test_kill_a_2000_file_job_at_any_moment_then_resume(sb, many_small, tmp_path, seed):
    """Group commits and the journal under kill -9: after resume every file is
    byte-identical, and no state ever called a file done that is not on disk, whole."""
    rng = random.Random(seed)
    dest, state_dir = tmp_path / "data", tmp_path / "jobs"
    specs = [
        {"name": name, "http": http, "size": len(data)} for name, (http, data) in many_small.items()
    ]
    total = sum(len(data) for _, data in many_small.values())
    args = {
        "mode": "start",
        "specs": specs,
        "dest": str(dest),
        "state_dir": str(state_dir),
        "job_id": f"many-{seed}",
    }
    # Slowed (each connection 200 kB/s: about 2 s in all) so that progress events, four
    # a second, see the job at the chosen moment: unslowed, it can end between two.
    sb.set_faults(Faults(throttle=200_000))
    killed = run_until(args, int(rng.uniform(0.1, 0.8) * total))
    sb.set_faults(None)
    assert killed, "the job ended before the kill"
    state = transfer.load(args["job_id"], state_dir)
    done = [f for f in state.files if f.status == "done"]
    assert done, "no file was done before the kill"
    for f in state.files:
        final = dest / f.name
        if f.status == "done" or final.exists():  # done, or renamed just before the kill
            assert final.read_bytes() == many_small[f.name][1], f.name
        part = dest / (f.name + ".part")
        data = part.read_bytes() if part.exists() and f.status != "done" else b""
        for start, end in f.ranges if f.status != "done" else ():
            assert data[start:end] == many_small[f.name][1][start:end], f.name
    result = transfer.resume(args["job_id"], state_dir=state_dir, retry=FAST_RETRY)
    assert result.ok
    for f in result.files:
        assert f.path.read_bytes() == many_small[f.name][1], f.name
    assert not list(dest.glob("*.part"))
