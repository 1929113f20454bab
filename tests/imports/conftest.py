import uuid

import pytest

from ..catalog.conftest import mongodb_uri  # noqa: F401 - the SecantusDB server fixture


@pytest.fixture(params=["sqlite", "mongodb"])
def store_env(request, sandbox_env, monkeypatch, tmp_path, mongodb_uri):  # noqa: F811
    """The sandbox, plus a catalog store chosen the way users choose it: by settings."""
    if request.param == "mongodb":
        monkeypatch.setenv("MASTWIDGETS_MONGODB_URI", mongodb_uri)
        monkeypatch.setenv("MASTWIDGETS_MONGODB_DB", f"test_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("MASTWIDGETS_CATALOG_PATH", str(tmp_path / "catalog.sqlite"))
    return request.param
