import os
import tempfile

# No test may read or write the developer's real keyring, data or catalog.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-tests-")
# The app's servers under test keep one kernel pre-heated, not three (a test's pages come
# one at a time; three kernels heating cost each server start seconds of both cores).
# The default is what the newcomer tests serve: their environment has none of these.
os.environ["MASTWIDGETS_KERNEL_POOL"] = "1"

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
def isolated_glue(tmp_path, monkeypatch):
    """jdaviz's Imviz runs on glue, which keeps its settings in ~/.glue: a test's go in a
    folder of the test's. (glue's own pytest plugin did this for every pytest process,
    at two seconds of imports each, used or not: pyproject.toml switches it off.)"""
    from glue import config

    monkeypatch.setattr(config, "CFG_DIR", str(tmp_path / "glue"))


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


#: Tests that take seconds each (browsers, servers in processes, Dask clusters, crash
#: loops, the archive-sized sandbox): ``scripts/test.sh -m "not slow"`` leaves them out
#: for a quick loop while working; CI runs everything.
SLOW_PATHS = (
    "tests/browser/",
    "tests/cluster/",
    "tests/transfer/test_crash.py",
    "tests/test_cli.py",
    "tests/ui/test_app_command.py",
    "tests/imports/test_limits.py",
)
SLOW_NAMES = (
    "scale",
    "many_",
    "2000",
    "15000",
    "thousands",
    "hundreds",
    "_command_itself",
    "the_command_line_takes",
    "_and_watch",
    "one_import_away",
    "need_no_boto3",
    "auxiliary_files_are_hidden",
)
SLOW_FIXTURES = {"scaled_sandbox", "scaled_env", "mongodb_uri", "store_env"}


def pytest_collection_modifyitems(items):
    for item in items:
        where = item.nodeid
        if (
            any(part in where for part in SLOW_PATHS)
            or any(part in item.name for part in SLOW_NAMES)
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.slow)
    # The modules that take longest first: the browser's, then those with slow tests.
    # scripts/test.sh hands modules to its two workers in this order
    # (--no-loadscope-reorder); xdist's own order, most tests first, left modules of
    # one long test (a kernel's life, the dark theme) for last, one worker busy with
    # them for half a minute while the other had nothing left.
    slow_modules = {item.module for item in items if item.get_closest_marker("slow")}
    items.sort(
        key=lambda item: (
            "tests/browser/" not in item.nodeid,
            item.module not in slow_modules,
        )
    )
