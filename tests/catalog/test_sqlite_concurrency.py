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
