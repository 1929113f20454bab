"""Kill -9 at random moments (fixed seeds): resume always ends byte-identical, the
state never claims bytes that are not on disk, no final file is ever unverified."""

import json
import random
import signal
import subprocess
import sys

import pytest

from mastwidgets import transfer
from mastwidgets.sandbox import Faults

from .conftest import FAST_RETRY, assert_identical
from .test_jobs import claimed_bytes_are_on_disk

NAMES = ("large.fits", "medium.fits", "second.fits", "three_chunks.fits", "one.fits")


def run_until(args: dict, kill_at: int) -> bool:
    """Run the child; SIGKILL it once it reports ``kill_at`` bytes. True if it was killed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.transfer.crash_child", json.dumps(args)],
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
    sb.set_faults(Faults(throttle=1_000_000))  # HTTP only: S3 (moto) is not throttled
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
