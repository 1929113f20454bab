"""A program imported again into the same folder: what changed on MAST since the
import before it (new, reprocessed, withdrawn files), and the catalog told.

"Before" is what the catalog recorded of the files under the folder; a file is
unchanged when it is on disk as recorded and MAST lists it with the same size and
(where both know it) the same ``prvversion``. A reprocessed file is fetched again
and replaces the old one by rename; the old record is kept under a key of its own,
marked ``superseded``. A file MAST no longer lists is kept or deleted, its record
marked ``withdrawn``.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._units import human_bytes
from ..catalog import Catalog
from ..catalog.on_disk import recorded_copy
from ..errors import CatalogUnavailable

log = logging.getLogger(__name__)

#: What a sync does with the files MAST no longer lists.
WITHDRAWN = ("keep", "remove")


@dataclass(frozen=True)
class ProgramChanges:
    """What a program import brings against what an earlier import of it into the same
    folder left (all new on a first import), by dataURI."""

    new: tuple[str, ...]
    reprocessed: tuple[str, ...]  # new bytes on MAST (its size or version changed)
    withdrawn: tuple[str, ...]  # imported before, no longer listed by MAST
    unchanged: int
    withdrawn_action: str = "keep"

    def as_dict(self) -> dict:
        return {"new": len(self.new), "reprocessed": len(self.reprocessed),
                "withdrawn": len(self.withdrawn), "unchanged": self.unchanged,
                "withdrawn_action": self.withdrawn_action}  # fmt: skip

    def describe(self, moved: int | None = None) -> str:
        """``3 new, 5 reprocessed, 2 withdrawn (kept), 40 unchanged; 1.2 MB moved``."""
        action = "kept" if self.withdrawn_action == "keep" else "removed"
        text = (
            f"{len(self.new)} new, {len(self.reprocessed)} reprocessed, "
            f"{len(self.withdrawn)} withdrawn ({action}), {self.unchanged} unchanged"
        )
        return text if moved is None else f"{text}; {human_bytes(moved)} moved"


def imported_before(catalog: Catalog, folder: Path) -> dict[str, dict]:
    """{dataURI: record} of the files imported into ``folder`` before (and still
    current: not superseded, not withdrawn)."""
    try:
        records = catalog.find(under=folder)
    except CatalogUnavailable as error:
        log.warning("cannot tell what was imported before: %s", error)
        return {}
    return {
        r["dataURI"]: r for r in records
        if r.get("dataURI") and not r.get("superseded") and not r.get("withdrawn")
    }  # fmt: skip


def unchanged(before: dict[str, dict], products: pd.DataFrame) -> dict[str, str]:
    """{dataURI: path} of the files here as MAST lists them now: on disk as recorded
    (:func:`~mastwidgets.catalog.on_disk.recorded_copy`), with MAST's size and (where
    both know it) its version."""
    sizes = dict(zip(products["dataURI"], products["size"], strict=True))
    versions = dict(zip(products["dataURI"], products["prvversion"], strict=True))
    found = {}
    for uri, record in before.items():
        if uri not in sizes:
            continue  # withdrawn
        path = recorded_copy(record)
        if path is None:
            continue  # gone or changed on disk: fetched again
        size, version = sizes[uri], versions[uri]
        if pd.notna(size) and int(size) != record.get("size"):
            continue  # reprocessed: MAST's copy has another size
        if pd.notna(version) and record.get("version") and version != record["version"]:
            continue  # reprocessed by another calibration version
        found[uri] = path
    return found


def changes_since(
    before: dict[str, dict],
    rows: pd.DataFrame,
    products: pd.DataFrame,
    here: dict[str, str],
    withdrawn: str,
) -> ProgramChanges:
    """``rows``: what this import takes; ``products``: all MAST lists of the program."""
    taken = set(rows["dataURI"])
    return ProgramChanges(
        new=tuple(sorted(taken - set(before))),
        reprocessed=tuple(sorted(u for u in taken & set(before) if u not in here)),
        withdrawn=tuple(sorted(set(before) - set(products["dataURI"]))),
        unchanged=len(taken & set(here)),
        withdrawn_action=withdrawn,
    )


def mark(catalog: Catalog, before: dict[str, dict], changes: ProgramChanges, action: str):
    """The catalog told before anything moves: a reprocessed file's record kept as
    superseded (under a key of its own: the new record takes the dataURI's), a
    withdrawn file's marked withdrawn (and, with ``remove``, its file deleted)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    updates = []
    for uri in changes.reprocessed:
        old = before[uri]
        updates.append(
            {
                **old,
                "key": f"{old['key']}#superseded-{now}",
                "superseded": now,
                "path": None,
                "was_at": old.get("path"),
            }
        )  # its file is replaced
    for uri in changes.withdrawn:
        old = dict(before[uri])
        if action == "remove" and old.get("path"):
            with contextlib.suppress(FileNotFoundError):
                Path(old["path"]).unlink()
            old["path"] = None
        updates.append({**old, "withdrawn": now})
    if updates:
        try:
            catalog.upsert_many(updates)
        except CatalogUnavailable as error:
            log.warning("could not mark superseded and withdrawn records: %s", error)
