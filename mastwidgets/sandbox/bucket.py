"""``stpubdata`` as the sandbox's catalogue fills it: every public product MAST lists
in the cloud, at the key its path look-up gives, except those deliberately left out
(``Product.in_s3`` False: imports must fall back to HTTP for them). Exclusive-access
files are not in the public bucket (they come over HTTP, with a MAST token)."""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
from collections.abc import Iterator

from .portal import Portal
from .s3 import Found, Objects


class CatalogueObjects(Objects):
    """The portal's products as objects: curated files from disk, generated ones made
    on request (the same bytes as the HTTP downloads).

    Listings merge the curated (recorded, asserted, added) keys with the synthetic
    sky's, which are made as a listing reaches them."""

    def __init__(self, portal: Portal):
        self.portal = portal
        self._sorted: list[str] = []
        self._made_from: int = -1
        self._lock = threading.Lock()

    def get(self, key: str) -> Found | None:
        product = self.portal.catalogue.object_at(key)
        found = self.portal.content(product.uri) if product is not None else None
        return Found(found[1]) if found is not None else None

    def keys(self, prefix: str, after: str) -> Iterator[str]:
        synthetic = self.portal.catalogue.synthetic
        curated = self._curated(prefix, after)
        if synthetic is None:
            return curated
        merged = heapq.merge(curated, synthetic.object_keys(prefix, after))
        return (key for key, _ in itertools.groupby(merged))  # a key held by both: once

    def _curated(self, prefix: str, after: str) -> Iterator[str]:
        keys = self._keys()
        start = (
            bisect.bisect_right(keys, after)
            if after >= prefix
            else bisect.bisect_left(keys, prefix)
        )
        for key in keys[start:]:
            if not key.startswith(prefix):
                return
            yield key

    def _keys(self) -> list[str]:
        catalogue = self.portal.catalogue
        with self._lock:
            if self._made_from != catalogue.version:
                self._sorted = sorted(catalogue.object_keys())
                self._made_from = catalogue.version
            return self._sorted
