"""MAST down, flaky or slow: retries with backoff, then MastUnavailable."""

import pytest

import mastwidgets as mw
from mastwidgets.errors import MastUnavailable
from mastwidgets.sandbox import Faults


def failures(sb):
    return [r for r in sb.requests if r[2] >= 500]


def test_mast_down_is_mast_unavailable_after_the_retries(sandbox_env, mast_sandbox, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "2")
    mast_sandbox.set_faults(Faults(fail_requests=range(1, 10**6), fail_status=503, scope="api"))
    before = len(failures(mast_sandbox))
    with pytest.raises(MastUnavailable, match="HTTP 503") as error:
        mw.search_target("M8")
    assert "try again later" in str(error.value)
    assert len(failures(mast_sandbox)) - before == 3  # the first try and two retries


def test_a_short_outage_is_ridden_out_by_retries(sandbox_env, mast_sandbox):
    mast_sandbox.set_faults(Faults(fail_requests={1, 2}, fail_status=502, scope="api"))
    assert len(mw.search_obs_id("icdm01010")) == 1


def test_throttling_with_retry_after_is_respected(sandbox_env, mast_sandbox):
    mast_sandbox.set_faults(Faults(fail_requests={1}, fail_status=429, retry_after=1, scope="api"))
    before = mast_sandbox.served
    assert len(mw.search_obs_id("icdm01010")) == 1
    assert [r[2] for r in mast_sandbox.requests_since(before)].count(429) == 1


def test_nothing_listening_is_mast_unavailable(sandbox_env, monkeypatch, free_port):
    monkeypatch.setenv("MASTWIDGETS_MAST_URL", f"http://127.0.0.1:{free_port}")
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "1")
    with pytest.raises(MastUnavailable, match="did not answer"):
        mw.search_criteria(obs_collection="JWST")


def test_a_hanging_mast_times_out(sandbox_env, mast_sandbox, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_TIMEOUT", "0.3")
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "0")
    mast_sandbox.set_faults(Faults(first_byte_delay=1.0, scope="api"))
    with pytest.raises(MastUnavailable, match="did not answer"):
        mw.search_obs_id("icdm01010")
