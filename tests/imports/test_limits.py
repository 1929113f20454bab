"""Limits a host sets: bytes per import, imports at once (across processes)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mastwidgets as mw
from mastwidgets.errors import ConfigurationError, LimitExceeded
from mastwidgets.imports import DEFAULT_PRODUCTS
from mastwidgets.sandbox import Faults

OBS = "icdm02010"  # 3 calibrated science files


def science_bytes(obs_id):
    return int(mw.list_products(obs_id, cloud=False, **DEFAULT_PRODUCTS)["size"].sum())


def test_an_import_over_the_byte_limit_is_refused_naming_the_limit(sandbox_env, monkeypatch):
    size = science_bytes(OBS)
    monkeypatch.setenv("MASTWIDGETS_MAX_IMPORT_BYTES", str(size - 1))
    with pytest.raises(LimitExceeded, match=r"at most .* per import \(max_import_bytes\)"):
        mw.import_observations([OBS])
    assert not list(sandbox_env.data_dir.rglob("*.fits"))
    monkeypatch.setenv("MASTWIDGETS_MAX_IMPORT_BYTES", str(size))
    assert mw.import_observations([OBS]).wait(timeout=120).ok  # at the limit: fine


def test_sizes_with_units_and_bad_limits(monkeypatch):
    assert mw.get_settings(max_import_bytes="20 GB").max_import_bytes == 20 * 10**9
    assert mw.get_settings(max_import_bytes="1.5 MiB").max_import_bytes == 1536 * 1024
    assert mw.get_settings(max_import_bytes=1000).max_import_bytes == 1000
    for bad in ("lots", "5 km", "-3", "0"):
        with pytest.raises(ConfigurationError, match="max_import_bytes"):
            mw.get_settings(max_import_bytes=bad)
    with pytest.raises(ConfigurationError, match="max_concurrent_imports"):
        mw.get_settings(max_concurrent_imports=0)


def test_concurrent_imports_are_counted_across_processes(sandbox_env, monkeypatch, mast_sandbox):
    """Each page of a Voila server is its own kernel: a running import in another
    process takes the only place; once it has ended, the place is free again."""
    monkeypatch.setenv("MASTWIDGETS_MAX_CONCURRENT_IMPORTS", "1")
    # The other import crawls (a minute a file) until the faults are lifted below.
    mast_sandbox.set_faults(Faults(throttle=1_000))
    child = Path(__file__).with_name("child.py")
    args = {"mode": "start", "obs_ids": [OBS], "source": "http"}
    other = subprocess.Popen(
        [sys.executable, str(child), json.dumps(args)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().startswith("JOB")
        with pytest.raises(LimitExceeded, match=r"at most 1 import\(s\) at once"):
            mw.import_observations(["icdm02020"])
        assert not (sandbox_env.data_dir / "HST" / "icdm02020").exists()
    finally:
        mast_sandbox.set_faults(None)
        for line in other.stdout:  # until the other import ends
            if line.startswith("END"):
                assert line.split() == ["END", "done"]
        other.wait(timeout=120)
    assert mw.import_observations(["icdm02020"]).wait(timeout=120).ok


def test_resume_takes_a_place_too(sandbox_env, monkeypatch, mast_sandbox):
    monkeypatch.setenv("MASTWIDGETS_MAX_CONCURRENT_IMPORTS", "1")
    mast_sandbox.set_faults(Faults(throttle=20_000))
    try:
        first = mw.import_observations([OBS], source="http")
        first.pause()
        first.wait(timeout=60)
        second = mw.import_observations(["icdm02020"], source="http")
        with pytest.raises(LimitExceeded):
            mw.resume(first.id)
        second.pause()
        second.wait(timeout=60)
    finally:
        mast_sandbox.set_faults(None)
    assert mw.resume(first.id).wait(timeout=120).ok
