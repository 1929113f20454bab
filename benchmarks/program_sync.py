"""Keeping a program current: what a second ``mw.import_program`` moves after MAST
reprocesses 5 % of the program's files (the sandbox's ``reprocess``: new bytes, a new
association timestamp, a renamed level-3 product, a withdrawn file).

    .venv/bin/python benchmarks/program_sync.py        (or scripts/bench.sh --only sync)

The whole program is imported (every calibration level, guide-star files included:
JWST 2739, the sandbox's curated program), over HTTP so that every request is in the
sandbox's log; then the sandbox reprocesses it and the same import runs again. Printed:
the program's files and bytes, what changed on MAST, the bytes the second import moved
(target: at most 6 % of the program's) and the unchanged files it asked MAST for again
(target: none).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PROGRAM = ("JWST", 2739)
FRACTION = 0.05


def main() -> None:
    from mastwidgets.sandbox import Sandbox

    with tempfile.TemporaryDirectory() as tmp, Sandbox(files_dir=Path(tmp, "files")) as sb:
        os.environ.update(sb.environ())
        os.environ["MASTWIDGETS_DATA_DIR"] = str(Path(tmp, "data"))
        os.environ["MASTWIDGETS_STATE_DIR"] = str(Path(tmp, "jobs"))
        os.environ["MASTWIDGETS_CATALOG_PATH"] = str(Path(tmp, "catalog.sqlite"))
        import mastwidgets as mw

        dest = Path(tmp, "program")
        options = {"levels": (1, 2, 3), "guide_stars": True, "source": "http"}
        began = time.perf_counter()
        first = mw.import_program(*PROGRAM, dest, **options)
        assert first.wait().ok
        first_seconds = time.perf_counter() - began
        files = len(first.changes.new)
        total = first.result.transfer.bytes_transferred

        changed = sb.reprocess(*PROGRAM, fraction=FRACTION)
        mark = sb.served
        began = time.perf_counter()
        sync = mw.import_program(*PROGRAM, dest, **options)
        result = sync.wait()
        assert result.ok, result.errors
        sync_seconds = time.perf_counter() - began
        moved = result.transfer.bytes_transferred
        asked = [
            parse_qs(urlsplit(path).query).get("uri", [""])[0]
            for method, path, status in sb.requests_since(mark)
            if method == "GET" and path.startswith("/api/v0.1/Download/file")
        ]
        fetched = set(sync.changes.new) | set(sync.changes.reprocessed)
        again = [uri for uri in asked if uri not in fetched]

    changes = sync.changes
    on_mast = len(changed.changed) + len(changed.renamed) + len(changed.withdrawn)
    print(f"#### Keeping {PROGRAM[0]} program {PROGRAM[1]} current: {FRACTION:.0%} reprocessed")
    print()
    print("| | files | MB | seconds |")
    print("|---|---:|---:|---:|")
    print(f"| first import (whole program) | {files:,} | {total / 1e6:.1f} | {first_seconds:.1f} |")
    print(
        f"| sync after reprocessing ({on_mast} files changed on MAST) | "
        f"{len(fetched):,} | {moved / 1e6:.2f} | {sync_seconds:.1f} |"
    )
    print()
    print(f"- {changes.describe(moved)}")
    print(f"- bytes moved: {moved / total:.1%} of the program's (target: at most 6 %)")
    print(f"- unchanged files asked for again: {len(again)} (target: none)")
    print()


if __name__ == "__main__":
    sys.exit(main())
