"""Several kernels writing the embedded catalog at once lose nothing."""

import subprocess
import sys

WRITER = """
import sys
from mastwidgets.catalog import Catalog
catalog = Catalog(path=sys.argv[1])
for i in range(150):
    catalog.upsert({"key": f"{sys.argv[2]}-{i}", "obs_id": sys.argv[2], "imported_at": str(i)})
print("ok")
"""


def test_three_processes_writing_at_once(tmp_path):
    path = tmp_path / "catalog.sqlite"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"w{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outcomes = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], outcomes
    from mastwidgets.catalog import Catalog

    with Catalog(path=path) as catalog:
        assert catalog.count() == 450
        assert len(catalog.find(obs_id="w1")) == 150


def test_a_catalog_from_before_the_path_column_gets_it_when_opened(tmp_path):
    """Catalogs written by earlier releases (no ``path`` column) still find the files
    under a folder: the column is added and filled from the records once."""
    import json
    import sqlite3

    from mastwidgets.catalog import Catalog
    from mastwidgets.catalog.records import INDEXED

    db = sqlite3.connect(tmp_path / "old.sqlite")
    columns = ", ".join(f"{n} TEXT" for n in INDEXED)
    db.execute(f"CREATE TABLE records (key TEXT PRIMARY KEY, {columns}, imported_at TEXT, "
               "doc TEXT NOT NULL)")  # fmt: skip
    for name in ("in", "out"):
        doc = {"key": name, "path": str(tmp_path / name / "f.fits"), "imported_at": "2026"}
        db.execute(
            f"INSERT INTO records VALUES (?, {', '.join('?' * len(INDEXED))}, ?, ?)",
            [name, *[None] * len(INDEXED), "2026", json.dumps(doc)],
        )
    db.commit()
    db.close()
    with Catalog(path=tmp_path / "old.sqlite") as catalog:
        assert [r["key"] for r in catalog.find(under=tmp_path / "in")] == ["in"]
        assert catalog.count(under=tmp_path / "out") == 1 and catalog.count() == 2
        catalog.upsert(
            {"key": "new", "path": str(tmp_path / "in" / "g.fits"), "imported_at": "2027"}
        )
        assert [r["key"] for r in catalog.find(under=tmp_path / "in")] == ["new", "in"]
