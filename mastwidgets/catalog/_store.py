"""The catalog interface, and the choice between its two stores."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

import pandas as pd

from ..settings import get_settings
from .records import INDEXED, RECORD_FIELDS


class Catalog(ABC):
    """Imported files' records. ``Catalog()`` picks the store from the settings:

    - MongoDB when a URI is given (``Catalog(uri=...)`` or ``MASTWIDGETS_MONGODB_URI``);
    - otherwise the embedded SQLite file (``Catalog(path=...)``, default
      ``MASTWIDGETS_CATALOG_PATH`` or ``catalog.sqlite`` in the user's data folder).

    Records are dicts (see :func:`mastwidgets.catalog.make_record`), keyed by
    ``key`` (the product's dataURI): upserting the same file twice keeps one record.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Catalog:
            uri = kwargs.get("uri") or (args[0] if args else None)
            if uri is None and kwargs.get("path") is None:
                uri = get_settings().mongodb_uri
            if uri:
                from .mongo_store import MongoCatalog as Chosen
            else:
                from .sqlite_store import SqliteCatalog as Chosen
            return super().__new__(Chosen)
        return super().__new__(cls)

    @abstractmethod
    def upsert(self, record: dict) -> None:
        """Insert the record, or replace the one with the same ``key``."""

    @abstractmethod
    def upsert_many(self, records: list[dict]) -> None:
        """:meth:`upsert` for many records at once (one transaction, one bulk write)."""

    @abstractmethod
    def get(self, key: str) -> dict | None:
        """The record with this key (a dataURI), or None."""

    @abstractmethod
    def get_many(self, keys) -> dict[str, dict]:
        """The records of these keys that exist, by key (one question per batch of
        keys, not one per key: 15,000 files are a handful of round trips)."""

    @abstractmethod
    def find(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        under: str | os.PathLike | None = None,
        **filters,
    ) -> list[dict]:
        """Records whose fields match the filters (a list value: any of them), newest first.

        Filterable fields: ``obs_id``, ``target``, ``instrument``, ``filters``,
        ``date_obs``, ``telescope``, ``job_id``. A value equals the field, or with
        ``*`` matches it as a wildcard, ignoring case (``"jw02739*"``, ``"*f444w"``).
        ``under``: only files inside that folder (a hosted page's data root).
        ``limit`` and ``offset`` page through the answer; the store does the work
        (a page of 100,000 records costs a page, not 100,000).
        """

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove a record; True if there was one."""

    @abstractmethod
    def count(self, *, under: str | os.PathLike | None = None, **filters) -> int:
        """How many records :meth:`find` would give without a limit."""

    @abstractmethod
    def close(self) -> None: ...

    def by_obs_id(self, obs_id: str) -> list[dict]:
        return self.find(obs_id=obs_id)

    def records(self, limit: int | None = None) -> list[dict]:
        return self.find(limit=limit)

    def to_dataframe(
        self, *, limit: int | None = None, under: str | os.PathLike | None = None, **filters
    ) -> pd.DataFrame:
        """The records' top-level fields as a table (headers stay in the records)."""
        found = self.find(limit=limit, under=under, **filters)
        rows = [{k: r.get(k) for k in RECORD_FIELDS} for r in found]
        return pd.DataFrame(rows, columns=list(RECORD_FIELDS))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def _path_range(under: str | os.PathLike) -> tuple[str, str]:
        """Paths inside the folder ``under`` are those ``low <= path < high`` (as text:
        every path starting with ``<folder>/``, and no sibling such as ``<folder>x``)."""
        folder = str(Path(under).resolve()).rstrip("/")
        return folder + "/", folder + "0"  # "0" is the character after "/"

    @staticmethod
    def _values(wanted) -> tuple[list[str], list[str]]:
        """A filter's values, split into exact ones and wildcard patterns (with ``*``)."""
        values = list(wanted) if isinstance(wanted, (list, tuple, set)) else [wanted]
        texts = [str(v) for v in values if v is not None]
        return [t for t in texts if "*" not in t], [t for t in texts if "*" in t]

    @staticmethod
    def _check_filters(filters: dict) -> None:
        unknown = set(filters) - set(INDEXED)
        if unknown:
            from ..errors import InvalidCriteria

            raise InvalidCriteria(
                f"The catalog cannot be searched by {', '.join(sorted(unknown))}; "
                f"use {', '.join(INDEXED)}."
            )
