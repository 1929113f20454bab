"""The MongoDB catalog, through pymongo."""

from __future__ import annotations

import re

import pymongo
import pymongo.errors

from ..errors import CatalogUnavailable
from ..settings import get_settings
from ._store import Catalog
from .records import INDEXED

#: Keys asked for in one query by :meth:`MongoCatalog.get_many`.
_BATCH = 1000


class MongoCatalog(Catalog):
    """Records in a MongoDB collection: unique index on ``key``, indexes on the
    searchable fields. The URI (which may hold a password) is never shown."""

    def __init__(
        self,
        uri: str | None = None,
        *,
        database: str | None = None,
        collection: str | None = None,
        timeout: float = 10.0,
    ):
        settings = get_settings()
        uri = uri or settings.mongodb_uri
        database = database or settings.mongodb_database
        collection = collection or settings.mongodb_collection
        if not uri:
            raise CatalogUnavailable("No MongoDB URI: set MASTWIDGETS_MONGODB_URI or pass uri=.")
        self._client = pymongo.MongoClient(
            uri,
            serverSelectionTimeoutMS=int(timeout * 1000),
            connectTimeoutMS=int(timeout * 1000),
            tz_aware=True,
        )
        self.database, self.collection_name = database, collection
        self._uri = uri  # for other processes of an import (Dask workers); never shown
        self._records = self._client[database][collection]
        with _Translated():
            self._records.create_index("key", unique=True, name="key_unique")
            for name in INDEXED:
                self._records.create_index(name, name=f"{name}_1")
            self._records.create_index(
                [("imported_at", pymongo.DESCENDING), ("key", pymongo.ASCENDING)], name="newest"
            )
            self._records.create_index("path", name="path_1")

    def connection(self) -> tuple[str, str, str]:
        """URI, database and collection: what another process needs to reach these
        records (the URI may hold a password: keep it out of logs)."""
        return self._uri, self.database, self.collection_name

    def upsert(self, record: dict) -> None:
        with _Translated():
            self._records.replace_one({"key": record["key"]}, dict(record), upsert=True)

    def upsert_many(self, records: list[dict]) -> None:
        if not records:
            return
        writes = [pymongo.ReplaceOne({"key": r["key"]}, dict(r), upsert=True) for r in records]
        with _Translated():
            self._records.bulk_write(writes, ordered=True)

    def get(self, key: str) -> dict | None:
        with _Translated():
            return self._records.find_one({"key": key}, {"_id": False})

    def get_many(self, keys) -> dict[str, dict]:
        wanted = list(dict.fromkeys(str(k) for k in keys))
        found: dict[str, dict] = {}
        with _Translated():
            for start in range(0, len(wanted), _BATCH):
                query = {"key": {"$in": wanted[start : start + _BATCH]}}
                found.update((r["key"], r) for r in self._records.find(query, {"_id": False}))
        return found

    def _query(self, under, filters: dict) -> dict:
        self._check_filters(filters)
        query: dict = {}
        if under is not None:
            low, high = self._path_range(under)
            query["path"] = {"$gte": low, "$lt": high}
        matches = []
        for name, wanted in filters.items():
            exact, patterns = self._values(wanted)
            alternatives = [{name: {"$in": exact}}] if exact or not patterns else []
            for pattern in patterns:
                regex = "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
                alternatives.append({name: {"$regex": regex, "$options": "i"}})
            matches.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
        if matches:
            query["$and"] = matches
        return query

    def find(
        self, *, limit: int | None = None, offset: int = 0, under=None, **filters
    ) -> list[dict]:
        query = self._query(under, filters)
        with _Translated():
            cursor = self._records.find(query, {"_id": False}).sort(
                [("imported_at", pymongo.DESCENDING), ("key", pymongo.ASCENDING)]
            )
            if offset:
                cursor = cursor.skip(int(offset))
            if limit is not None:
                cursor = cursor.limit(int(limit))
            return list(cursor)

    def delete(self, key: str) -> bool:
        with _Translated():
            return self._records.delete_one({"key": key}).deleted_count > 0

    def count(self, *, under=None, **filters) -> int:
        with _Translated():
            if under is None and not filters:  # the collection's own count, not a scan
                return self._records.estimated_document_count()
            return self._records.count_documents(self._query(under, filters))

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"MongoCatalog(database={self.database!r}, collection={self.collection_name!r})"


class _Translated:
    """pymongo's connection errors as CatalogUnavailable (message without the URI)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if isinstance(error, pymongo.errors.PyMongoError) and not isinstance(
            error, pymongo.errors.DuplicateKeyError
        ):
            raise CatalogUnavailable(
                f"The MongoDB catalog is unavailable ({type(error).__name__}); check "
                "MASTWIDGETS_MONGODB_URI and that the server is running."
            ) from None
        return False
