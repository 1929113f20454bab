"""Catalog stores to run the contract suite against: SQLite, and MongoDB over TCP
(SecantusDB, a MongoDB-wire server, started here; plus MASTWIDGETS_TEST_MONGODB_URI)."""

import os
import uuid

import pytest
from secantus import SecantusDBServer

from mastwidgets.catalog import Catalog


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory):
    server = SecantusDBServer(storage_path=str(tmp_path_factory.mktemp("secantus")))
    server.start()
    yield server.uri
    server.stop()


STORES = ["sqlite", "mongodb"] + (
    ["external-mongodb"] if os.environ.get("MASTWIDGETS_TEST_MONGODB_URI") else []
)


@pytest.fixture(params=STORES)
def catalog(request, tmp_path, mongodb_uri):
    if request.param == "sqlite":
        store = Catalog(path=tmp_path / "catalog.sqlite")
    else:
        uri = (
            mongodb_uri
            if request.param == "mongodb"
            else os.environ["MASTWIDGETS_TEST_MONGODB_URI"]
        )
        store = Catalog(uri=uri, database=f"test_{uuid.uuid4().hex[:8]}")
    yield store
    store.close()
