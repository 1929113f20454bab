"""A plain script, as a newcomer writes one (no ``if __name__ == "__main__":``), imports
enough files for the record reader processes to start: it runs once, as written."""

import os
import subprocess
import sys
import textwrap

from mastwidgets.imports import READERS_FROM

SCRIPT = """
import mastwidgets as mw

print("the script's top level runs", flush=True)
rows = mw.list_products(mw.search_target("M16"), auxiliary=True, catalog=False)
job = mw.import_observations(rows, products={{"auxiliary": True}}, dest={dest!r})
result = job.wait(timeout=300)
print(f"{{len(result.records)}} records of {{len(result.transfer.files)}} files, ok: {{result.ok}}")
"""


def test_an_unguarded_script_runs_once_and_records_every_file(sandbox_env, tmp_path):
    script = tmp_path / "get_m16.py"
    script.write_text(textwrap.dedent(SCRIPT.format(dest=str(tmp_path / "data"))))
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines.count("the script's top level runs") == 1, done.stdout  # was 3: once a reader
    records, _, files = lines[-1].partition(" records of ")
    assert int(records) == int(files.split()[0]) > READERS_FROM
    assert lines[-1].endswith("ok: True")
    assert "Traceback" not in done.stderr
