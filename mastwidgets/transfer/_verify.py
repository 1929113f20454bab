"""Whether a finished file is the file its source has: its size, and its MD5 when one
is known (from the caller, or a single-part S3 object's ETag). The digests come from
the bytes as they were written when they came in order (a small file's one GET),
else from reading the file once; the SHA-256 stays in the state, for the catalog's
record.

A file that fails is fetched again once; failing twice fails it (the source itself
may be corrupt, and fetching it a third time would not help).
"""

from __future__ import annotations

from pathlib import Path

from .._checksums import Digests, file_digests
from ._state import FileState

#: Downloads of a file that may fail verification before the file is failed.
VERIFY_ATTEMPTS = 2


def verified(
    state: FileState, path: Path, streamed: Digests | None = None, size: int | None = None
) -> bool:
    """True if the file at ``path`` has the state's size and MD5 (those known);
    ``streamed``: the digests of its bytes as they were written, if known; ``size``:
    the file's length, if known (else it is asked of the file system)."""
    size = path.stat().st_size if size is None else size
    if state.size is not None and size != state.size:
        return False
    if state.md5:
        digests = streamed or file_digests(path)
        if digests.md5 != state.md5:
            return False
        state.sha256 = digests.sha256
    elif streamed is not None:  # nothing to check them against: kept for the record
        state.md5, state.sha256 = streamed
    return True


def fetch_again(state: FileState) -> bool:
    """A verification failed: count it; True if the file may be fetched once more."""
    state.verify_failures += 1
    return state.verify_failures < VERIFY_ATTEMPTS
