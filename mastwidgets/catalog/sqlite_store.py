"""The embedded catalog: one SQLite file (stdlib ``sqlite3``, WAL), safe for
several kernels at once (SQLite's file locks, a generous busy timeout)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from ..settings import get_settings
from ._store import Catalog
from .records import INDEXED

#: Keys asked for in one statement by :meth:`SqliteCatalog.get_many` (under SQLite's
#: limit on host parameters).
_BATCH = 500

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY,
    {", ".join(f"{name} TEXT" for name in INDEXED)},
    imported_at TEXT,
    doc TEXT NOT NULL,
    path TEXT
);
{"".join(f"CREATE INDEX IF NOT EXISTS records_{n} ON records({n});" for n in INDEXED)}
"""
# After the ``path`` column exists (catalogs made before it get it when opened).
_INDEXES = """
CREATE INDEX IF NOT EXISTS records_newest ON records(imported_at DESC, key);
CREATE INDEX IF NOT EXISTS records_path ON records(path);
"""
_COLUMNS = ("key", *INDEXED, "imported_at", "doc", "path")


class SqliteCatalog(Catalog):
    """Records in a SQLite file: indexed columns for searching, the record as JSON."""

    def __init__(self, uri: str | None = None, *, path: str | Path | None = None):
        self.path = Path(path) if path else get_settings().catalog_path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._add_path_column()
        self._db.executescript(_INDEXES)

    def _add_path_column(self) -> None:
        """Catalogs written before the ``path`` column (files under a folder are found
        by it) get it, filled from the records, once, whichever kernel opens them first."""
        if "path" in {row[1] for row in self._db.execute("PRAGMA table_info(records)")}:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if "path" not in {row[1] for row in self._db.execute("PRAGMA table_info(records)")}:
                self._db.execute("ALTER TABLE records ADD COLUMN path TEXT")
                self._db.execute("UPDATE records SET path = json_extract(doc, '$.path')")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def upsert(self, record: dict) -> None:
        self.upsert_many([record])

    def upsert_many(self, records: list[dict]) -> None:
        rows = [
            [
                record["key"],
                *(_text(record.get(n)) for n in INDEXED),
                record.get("imported_at"),
                json.dumps(record),
                _text(record.get("path")),
            ]
            for record in records
        ]
        if not rows:
            return
        marks = ", ".join("?" * len(rows[0]))
        with self._lock:  # one transaction: one commit (one WAL sync) for the whole batch
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    f"INSERT OR REPLACE INTO records ({', '.join(_COLUMNS)}) VALUES ({marks})",
                    rows,
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM records WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, keys) -> dict[str, dict]:
        wanted = list(dict.fromkeys(str(k) for k in keys))
        found: dict[str, dict] = {}
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            marks = ", ".join("?" * len(batch))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT key, doc FROM records WHERE key IN ({marks})", batch
                ).fetchall()
            found.update((key, json.loads(doc)) for key, doc in rows)
        return found

    def _where(self, under, filters: dict) -> tuple[str, list]:
        self._check_filters(filters)
        clauses, params = [], []
        if under is not None:
            clauses.append("path >= ? AND path < ?")
            params += self._path_range(under)
        for name, wanted in filters.items():
            exact, patterns = self._values(wanted)
            alternatives = []
            if exact:
                alternatives.append(f"{name} IN ({', '.join('?' * len(exact))})")
                params += exact
            for pattern in patterns:
                alternatives.append(f"{name} LIKE ? ESCAPE '\\'")
                escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params.append(escaped.replace("*", "%"))
            clauses.append("(" + " OR ".join(alternatives or ["0"]) + ")")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def find(
        self, *, limit: int | None = None, offset: int = 0, under=None, **filters
    ) -> list[dict]:
        where, params = self._where(under, filters)
        sql = f"SELECT doc FROM records{where} ORDER BY imported_at DESC, key"
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [json.loads(row[0]) for row in rows]

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM records WHERE key = ?", (key,)).rowcount > 0

    def count(self, *, under=None, **filters) -> int:
        where, params = self._where(under, filters)
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM records{where}", params).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SqliteCatalog(path={str(self.path)!r})"


def _text(value) -> str | None:
    return None if value is None else str(value)
