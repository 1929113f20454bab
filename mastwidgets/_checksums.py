"""Checksums of a file on disk, in one pass: the one hashing helper of the package
(the transfer's verification and the catalog's records both use it, so a file is
read once)."""

from __future__ import annotations

import hashlib
import os
from typing import NamedTuple

#: Bytes read at a time, into one reused buffer.
BLOCK = 8 * 2**20


class Digests(NamedTuple):
    """A file's MD5 and SHA-256, in hex."""

    md5: str
    sha256: str


def file_digests(path: str | os.PathLike) -> Digests:
    """MD5 and SHA-256 of the file, read into one reused buffer: a fresh 8 MiB
    ``bytes`` a read is a fresh mapping (and page faults) a read where
    ``MALLOC_TRIM_THRESHOLD_`` is set, as Dask's nanny sets it for every worker
    (measured: 15% of a cluster import's time). The buffer is no bigger than the
    file: zeroing 8 MiB for a 100 kB file cost more than hashing it (measured: half
    the engine's time on many small S3 objects, whose MD5 is checked)."""
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb", buffering=0) as data:
        buffer = memoryview(bytearray(max(1, min(BLOCK, os.fstat(data.fileno()).st_size))))
        while count := data.readinto(buffer):
            md5.update(buffer[:count])
            sha256.update(buffer[:count])
    return Digests(md5.hexdigest(), sha256.hexdigest())


class StreamingDigests:
    """MD5 and SHA-256 of a file's bytes as they are written, while they come in order
    from byte 0, each once (a small file's one GET): then the finished file need not
    be read again. Bytes out of order (a big file's chunks from several connections, a
    resumed file) stop it: :meth:`digests` is then None and the file is read. Bytes
    from 0 again (the file fetched anew) start it over."""

    def __init__(self) -> None:
        self._restart()

    def _restart(self) -> None:
        self._md5, self._sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        self.position = 0
        self.broken = False

    def add(self, offset: int, data) -> None:
        if offset == 0 and self.position:
            self._restart()
        if self.broken:
            return
        if offset != self.position:
            self.broken = True
            return
        self._md5.update(data)
        self._sha256.update(data)
        self.position += len(data)

    def digests(self, size: int | None) -> Digests | None:
        """The digests of bytes ``[0, size)``, if exactly those were added, in order."""
        if self.broken or size is None or self.position != size:
            return None
        return Digests(self._md5.hexdigest(), self._sha256.hexdigest())
