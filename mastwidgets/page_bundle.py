"""The app's page in fewer files: the parts of Voila's JupyterLab core that every page
loads, sent as one script.

Voila's page fetches its core as 72 small scripts (webpack chunks, 3.5 MB), most of them
only once the first ones have run, and the browser handles each response on its main
thread. Sent as one file before Voila's own ``voila.js``, the chunks are already
registered when Voila asks for them: in headless Chromium on a 2-core machine the page
was ready in 1.27 s instead of 1.44 s (visitors 10 s apart) and 1.29 s instead of
1.70 s (three in a row), two servers measured side by side (``benchmarks/page_load.py``).

The chunks are Voila's own files, read from where Voila serves them: a chunk this list
names is used as it is on disk, one it misses is fetched by the page as before, and one
Voila no longer has is left out. ``tests/browser`` checks that the app's page asks for
no chunk this list does not hold (the test names any it finds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: The chunks of Voila 0.5.8's core the app's page loads, in the order it asks for them
#: (file ``<n>.voila.js`` in Voila's static folder).
CHUNKS = (
    5764, 8135, 3992, 9582, 8925, 7883, 7556, 6049, 1670, 6573, 3311, 4135, 1621, 3916,
    3649, 8487, 9684, 4041, 143, 7155, 3144, 1601, 4972, 9890, 5312, 6468, 3459, 630,
    5688, 2930, 73, 1187, 4173, 7483, 431, 3989, 8766, 9151, 4729, 6382, 5044, 7598,
    9081, 7770, 3249, 4653, 8862, 9981, 5767, 4222, 8773, 3307, 6008, 8017, 457, 9212,
    4371, 2829, 7259, 6074, 4875, 4486, 6305, 7393, 225, 614, 1996, 2121, 2772, 2296,
    7245, 5992,
)  # fmt: skip

_SOURCE_MAP = b"//# sourceMappingURL="


def page_bundle(static_paths: Iterable[str | Path]) -> tuple[str, bytes] | None:
    """The chunks of :data:`CHUNKS` found in Voila's ``static_paths`` (the first folder
    holding a file wins, as when Voila serves it), joined into one script; returns its
    file name (with a hash of its content, so a browser may keep it) and its bytes, or
    ``None`` if no chunk is found.

    Only Voila's core: the widget managers' chunks (1.1 MB more) in the same script
    made the page slower (1.66 s against 1.36 s, visits 10 s apart): they are fetched
    while the core runs."""
    folders = [Path(p) for p in static_paths]
    files = [_first(folder / f"{chunk}.voila.js" for folder in folders) for chunk in CHUNKS]
    parts = [_without_source_map(file.read_bytes()) for file in files if file is not None]
    if not parts:
        return None
    body = b";\n".join(parts) + b";\n"
    return f"mastwidgets-core.{hashlib.sha256(body).hexdigest()[:16]}.js", body


def _first(paths: Iterable[Path]) -> Path | None:
    return next((path for path in paths if path.is_file()), None)


def _without_source_map(script: bytes) -> bytes:
    return b"\n".join(line for line in script.splitlines() if not line.startswith(_SOURCE_MAP))
