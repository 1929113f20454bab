import os
import tempfile

# No test may read or write the developer's real keyring, data or catalog.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-tests-")

import socket
import subprocess

import pytest


@pytest.fixture
def free_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def small_disk(tmp_path):
    """``small_disk("1m")``: a folder on a tmpfs of that size (needs root; skips otherwise)."""
    mounts = []

    def mount(size: str):
        folder = tmp_path / f"disk-{len(mounts)}"
        folder.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
        mounts.append(folder)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", str(folder)], check=True)
