"""MAST tokens: from the environment or the keyring, sent to MAST, never written anywhere."""

import logging

import keyring
import pytest
from astroquery.mast import Observations
from keyring.backend import KeyringBackend

import mastwidgets as mw
from mastwidgets.errors import AuthenticationError
from mastwidgets.mast import _client


class _MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self, entries):
        super().__init__()
        self.entries = entries

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


@pytest.fixture(autouse=True)
def fresh_login():
    _client._keyring_token.cache_clear()
    yield
    _client._keyring_token.cache_clear()
    _client._login(None)


def test_token_from_the_environment_logs_in(sandbox_env, mast_sandbox, monkeypatch):
    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)
    assert len(mw.search_obs_id("jw06543-o001_t001_nirspec_g395h-f290lp")) == 1
    assert Observations.session_info()["anon"] is False


def test_without_a_token_the_session_is_anonymous(sandbox_env):
    mw.search_obs_id("icdm01010")
    assert Observations.session_info()["anon"] is True


def test_token_from_the_keyring(sandbox_env, mast_sandbox):
    previous = keyring.get_keyring()
    keyring.set_keyring(_MemoryKeyring({("mastwidgets", "mast_api_token"): mast_sandbox.token}))
    try:
        mw.search_obs_id("icdm01010")
        assert Observations.session_info()["anon"] is False
    finally:
        keyring.set_keyring(previous)


def test_a_rejected_token_is_an_authentication_error_that_hides_it(sandbox_env, monkeypatch):
    monkeypatch.setenv("MAST_API_TOKEN", "not-the-right-token-1234")
    with pytest.raises(AuthenticationError, match="rejected the API token") as error:
        mw.search_target("M8")
    assert "not-the-right-token-1234" not in str(error.value)


def test_the_token_never_reaches_logs_reprs_or_results(
    sandbox_env, mast_sandbox, monkeypatch, caplog
):
    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)
    with caplog.at_level(logging.DEBUG):
        frame = mw.search_target("NGC 6543")
        products = mw.list_products(frame)
    settings = mw.get_settings()
    assert settings.mast_token == mast_sandbox.token
    for text in (caplog.text, repr(settings), str(settings), frame.to_csv(), products.to_csv()):
        assert mast_sandbox.token not in text
