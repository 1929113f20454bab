"""Files of awkward sizes, served by the session's sandbox over HTTP and S3."""

import hashlib
import random

import pytest

from mastwidgets.transfer import RetryPolicy

CHUNK = 64 * 1024
FAST_RETRY = RetryPolicy(attempts=6, backoff=0.01, backoff_max=0.05)

SIZES = {
    "empty.fits": 0,
    "one.fits": 1,
    "three_chunks.fits": 3 * CHUNK,
    "medium.fits": 1_000_003,
    "large.fits": 3 * 2**20 + 11,
    "second.fits": 700_001,
    "http_only.fits": 300_007,
}


class Blob:
    def __init__(self, name, data, http, s3):
        self.name, self.data, self.http, self.s3 = name, data, http, s3
        self.md5 = hashlib.md5(data).hexdigest()

    def spec(self, *, s3=True, http=True, size=True, name=None):
        return {
            "name": name or self.name,
            "s3": self.s3 if s3 else None,
            "http": self.http if http else None,
            "size": len(self.data) if size else None,
        }


@pytest.fixture(scope="session")
def blobs(mast_sandbox):
    rng = random.Random(20261124)
    made = {}
    for name, size in SIZES.items():
        data = rng.randbytes(size)
        http, s3 = mast_sandbox.add_file(name, data, in_s3=name != "http_only.fits")
        made[name] = Blob(name, data, http, s3)
    return made


@pytest.fixture
def sb(mast_sandbox, sandbox_env):
    mast_sandbox.set_faults(None)
    yield mast_sandbox
    mast_sandbox.set_faults(None)


@pytest.fixture
def dirs(tmp_path):
    return {"dest_dir": tmp_path / "data", "state_dir": tmp_path / "jobs"}


def fast(**extra):
    return {"chunk_size": CHUNK, "retry": FAST_RETRY, **extra}


def assert_identical(result, blobs_by_name):
    assert result.status == "done", [(f.name, f.error) for f in result.files]
    for f in result.files:
        assert f.path.read_bytes() == blobs_by_name[f.name].data, f.name
        assert not f.path.with_name(f.path.name + ".part").exists()
