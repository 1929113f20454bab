"""pytest fixtures built on the MAST sandbox (registered as a pytest plugin).

- ``mast_sandbox``: one :class:`~mastwidgets.sandbox.Sandbox` per test session.
- ``sandbox_env``: points ``MASTWIDGETS_*`` at it for one test (data and state
  directories and the embedded catalog under ``tmp_path``, no MongoDB, no token,
  faults off) and returns the
  :class:`~mastwidgets.Settings` that results.
- ``scaled_sandbox`` / ``scaled_env``: the same with :data:`SCALE` synthetic
  observations (the archive's size: searches of tens of thousands of rows).
"""

from __future__ import annotations

import pytest

from ..settings import Settings, get_settings
from . import Sandbox


@pytest.fixture(scope="session")
def mast_sandbox(tmp_path_factory):
    with Sandbox(files_dir=tmp_path_factory.mktemp("mast-sandbox-files")) as sandbox:
        yield sandbox


#: Synthetic observations of ``scaled_sandbox``: more than one of astroquery's pages.
SCALE = 70_000


@pytest.fixture(scope="session")
def scaled_sandbox(tmp_path_factory):
    with Sandbox(files_dir=tmp_path_factory.mktemp("scaled-files"), scale=SCALE) as sandbox:
        yield sandbox


@pytest.fixture
def scaled_env(scaled_sandbox, monkeypatch, tmp_path) -> Settings:
    yield from _point_at(scaled_sandbox, monkeypatch, tmp_path)


@pytest.fixture
def sandbox_env(mast_sandbox, monkeypatch, tmp_path) -> Settings:
    yield from _point_at(mast_sandbox, monkeypatch, tmp_path)


def _point_at(mast_sandbox, monkeypatch, tmp_path):
    for key, value in mast_sandbox.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MASTWIDGETS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MASTWIDGETS_STATE_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("MASTWIDGETS_CATALOG_PATH", str(tmp_path / "catalog.sqlite"))
    monkeypatch.delenv("MAST_API_TOKEN", raising=False)
    monkeypatch.delenv("MASTWIDGETS_MONGODB_URI", raising=False)
    mast_sandbox.set_faults(None)
    yield get_settings()
    mast_sandbox.set_faults(None)
