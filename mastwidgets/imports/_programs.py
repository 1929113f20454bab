"""A whole program imported ready for the calibration pipeline.

The pipelines resolve an association's members relative to the association file's
folder (JWST's ``calwebb_image3`` and friends, HST's calwf3 and drizzlepac), so the
``associations`` layout gives each association a folder of its own with its members
beside it. The association files are fetched first (they are small) and read, to
learn their members: a JWST ``_asn.json`` names its members' files (``expname``), an
HST ``_asn.fits`` table its exposures' rootnames (``MEMNAME`` of ``EXP-*`` rows),
whose calibrated files (level 2: ``_flt``, ``_flc``) drizzlepac reads. A member is
stored once, in the first association's folder that names it, and linked (a hard
link, else a relative symbolic link) into the others once it has arrived; a file
no association names goes to its observation's association folder, or to the
observation's own. ``associations.csv`` in the import's folder lists every
association with its members present.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .. import transfer
from .._units import human_bytes
from ..catalog import Catalog
from ..errors import CatalogUnavailable, InvalidQuery, quoted
from ..mast import search_program
from ..mast._programs import Progress
from ..settings import Settings, get_settings
from ._api import start_import
from ._job import ImportJob
from ._plan import SOURCES
from .data_root import destination
from .layouts import LAYOUTS, layout_pattern

log = logging.getLogger(__name__)

#: The layouts of a program import: ``associations`` and those of any import.
PROGRAM_LAYOUTS = ("associations", *LAYOUTS)
#: The index of a program import's associations, in its folder.
INDEX = "associations.csv"
#: The pattern of the ``associations`` layout (``asn_folder`` is set per file here).
_BY_ASSOCIATION = "{asn_folder}/{productFilename}"
_ASN_SUFFIXES = ("_asn.json", "_asn.fits")
_POOL_TIME = re.compile(r"_\d{8}t\d{6}_")
#: What a sync does with the files MAST no longer lists.
WITHDRAWN = ("keep", "remove")


def import_program(
    mission: str,
    program: str | int,
    dest: str | os.PathLike | None = None,
    *,
    levels: Iterable[int] = (2, 3),
    layout: str = "associations",
    guide_stars: bool = False,
    source: str = "auto",
    parallel: int = 3,
    catalog: Catalog | None = None,
    skip_existing: bool = True,
    withdrawn: str = "keep",
    progress: Progress | None = None,
    settings: Settings | None = None,
    **transfer_options,
) -> ImportJob:
    """Import a whole program ready for the pipeline: its science files of the
    calibration ``levels``, every association file and the files the associations
    need (their members, NIRSpec's ``_msa.fits``), guide-star files left out.

    Parameters
    ----------
    mission, program
        As for :func:`mastwidgets.search_program` (``"JWST"``, ``1345``).
    dest
        The folder, as for :func:`mastwidgets.import_observations`.
    levels
        Calibration levels of the science files (1 raw, 2 calibrated exposures, 3
        combined, 4 high-level). An association's members come whatever their level.
    layout
        ``"associations"`` (one folder per association, its members beside it, a file
        shared by several stored once and linked), or a layout of any import.
    guide_stars
        Also import the guide-star files (about ten times the science files).
    withdrawn
        Run again into the same folder, an import brings the program up to date: new
        files and files MAST reprocessed (another size or version) are fetched, and
        replace the old ones atomically; the others stay. ``"keep"`` (default) keeps
        the files MAST no longer lists, ``"remove"`` deletes them; either way their
        records are marked ``withdrawn``, and a reprocessed file's old record is kept,
        marked ``superseded``. ``job.changes`` says what changed.
    progress
        As for :func:`mastwidgets.search_program`, while the products are listed.
    source, parallel, catalog, skip_existing, transfer_options
        As for :func:`mastwidgets.import_observations`.

    Returns
    -------
    ImportJob
        Its result, once it is over, counts the files; the links and
        ``associations.csv`` are made when its files have arrived.

    Examples
    --------
    >>> job = import_program("JWST", 2739, "pillars", levels=[2, 3])  # doctest: +SKIP
    >>> job.wait().ok  # doctest: +SKIP
    True

    Raises
    ------
    InvalidQuery, ProgramNotFound, NoProductsFound, MastUnavailable, UnsafeDestination,
    LimitExceeded, DiskFull
    """
    settings = settings or get_settings()
    if layout not in PROGRAM_LAYOUTS:
        layout_pattern(layout)  # a pattern of product columns, or a clear error
    if source not in SOURCES:
        raise InvalidQuery(f"source must be one of {', '.join(SOURCES)}, not {quoted(source)}")
    wanted_levels = _levels(levels)
    if withdrawn not in WITHDRAWN:
        raise InvalidQuery(f"withdrawn must be 'keep' or 'remove', not {quoted(withdrawn)}")
    folder = destination(dest, settings)  # refused before MAST is asked anything
    found = search_program(
        mission, program, guide_stars=guide_stars, cloud=source != "http",
        progress=progress, settings=settings,
    )  # fmt: skip
    products = found.products
    kinds, levels_of = products["kind"], pd.to_numeric(products["calib_level"], errors="coerce")
    chosen = products.loc[
        ((kinds == "science") & levels_of.isin(wanted_levels))
        | (kinds == "association")
        | (kinds == "guide-star")  # only there when asked for
        | (products["productSubGroupDescription"].fillna("").astype(str).str.upper() == "MSA")
    ]
    meta = {"program": {"mission": found.mission, "program": found.program,
                        "levels": sorted(wanted_levels), "layout": layout}}  # fmt: skip
    catalog = catalog or Catalog()
    before = _imported_before(catalog, folder, settings) if skip_existing else {}
    here = _unchanged(before, products)
    pattern = _BY_ASSOCIATION
    rows = chosen
    if layout == "associations":
        members = _read_associations(chosen, products, here, source, settings)
        rows, meta["associations"] = _arranged(chosen, products, members)
    else:
        pattern = layout_pattern(layout)
    changes = _changes(before, rows, products, here, withdrawn)
    meta["sync"] = changes.as_dict()
    _mark(catalog, before, changes, withdrawn)
    job = start_import(
        rows, folder, pattern, meta=meta, here=here, source=source, catalog=catalog,
        skip_existing=skip_existing, parallel=parallel, settings=settings, **transfer_options,
    )  # fmt: skip
    job.changes = changes
    return job


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


def _imported_before(catalog: Catalog, folder: Path, settings: Settings) -> dict[str, dict]:
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


def _unchanged(before: dict[str, dict], products: pd.DataFrame) -> dict[str, str]:
    """{dataURI: path} of the files here as MAST lists them now: on disk as recorded,
    with MAST's size and (where both know it) its version."""
    listed = products.set_index("dataURI")
    found = {}
    for uri, record in before.items():
        if uri not in listed.index:
            continue
        row = listed.loc[uri]
        path = record.get("path")
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or stat.st_size != record.get("size"):
            continue  # gone or changed on disk: fetched again
        size, version = row.get("size"), row.get("prvversion")
        if pd.notna(size) and int(size) != record.get("size"):
            continue  # reprocessed: MAST's copy has another size
        if pd.notna(version) and record.get("version") and version != record["version"]:
            continue  # reprocessed by another calibration version
        found[uri] = path
    return found


def _changes(
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


def _mark(catalog: Catalog, before: dict[str, dict], changes: ProgramChanges, action: str):
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


def _levels(levels: Iterable[int]) -> set[int]:
    try:
        found = {int(level) for level in ([levels] if isinstance(levels, int) else levels)}
    except (TypeError, ValueError):
        found = set()
    if not found or not found <= {1, 2, 3, 4}:
        raise InvalidQuery(
            f"levels must be calibration levels 1 to 4, e.g. [2, 3]; not {quoted(levels)}."
        )
    return found


def _asn_folder(filename: str) -> str:
    """An association's folder: its file's name without ``_asn.json`` and without the
    pool's timestamp (``_20220723t101241``), which a reprocessing changes: the folder
    stays, and a sync moves only what changed."""
    stem = filename.rsplit(".", 1)[0]
    for suffix in _ASN_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
    return _POOL_TIME.sub("_", stem, count=1)


def _read_associations(
    chosen: pd.DataFrame,
    products: pd.DataFrame,
    here: dict[str, str],
    source: str,
    settings: Settings,
) -> dict[str, list[str]]:
    """{association folder: its members' file names}: the association files read where
    they are (``here``: imported before, unchanged), or fetched into a scratch folder
    (they are small; the import fetches them again into their own)."""
    asn = chosen.loc[chosen["kind"] == "association"]
    names = set(products["productFilename"])
    members: dict[str, list[str]] = {}
    for row in asn.itertuples():  # those here already are read where they are
        if row.dataURI in here:
            members[_asn_folder(row.productFilename)] = _members(Path(here[row.dataURI]), names)
    asn = asn.loc[~asn["dataURI"].isin(here)]
    if asn.empty:
        return members
    specs = [
        {
            "name": f"{_asn_folder(row.productFilename)}/{row.productFilename}",
            "http": row.url if source != "s3" or pd.isna(row.s3_uri) else None,
            "s3": None if source == "http" or pd.isna(row.s3_uri) else row.s3_uri,
            "size": None if pd.isna(row.size) else int(row.size),
        }
        for row in asn.itertuples()
    ]
    specs = [spec for spec in specs if spec["http"] or spec["s3"]]
    with tempfile.TemporaryDirectory(prefix="mastwidgets-asn-") as work:
        result = transfer.download(
            specs, Path(work) / "files", state_dir=Path(work) / "state",
            s3_endpoint=settings.s3_endpoint, http_headers=_headers(settings),
        )  # fmt: skip
        for spec, outcome in zip(specs, result.files, strict=True):  # in the order given
            if outcome.status != transfer.Status.DONE:
                log.warning("association %s could not be read: %s", spec["name"], outcome.error)
                continue
            members[spec["name"].split("/", 1)[0]] = _members(outcome.path, names)
    return members


def _headers(settings: Settings) -> dict:
    from ._in_place import _token_headers

    return _token_headers(settings)


def _members(path: Path, names: set[str]) -> list[str]:
    """The file names an association names (of those the program lists)."""
    if path.name.lower().endswith(".json"):
        try:
            data = json.loads(path.read_text())
            named = [
                str(member["expname"])
                for product in data.get("products", [])
                for member in product.get("members", [])
                if member.get("expname")
            ]
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.warning("association %s cannot be read: %s", path.name, error)
            return []
        return [Path(name).name for name in named]
    from astropy.io import fits

    try:
        with fits.open(path) as hdus:
            table = hdus[1].data
            roots = [
                str(name).strip().lower()
                for name, kind in zip(table["MEMNAME"], table["MEMTYPE"], strict=True)
                if str(kind).strip().upper().startswith("EXP")
            ]
    except (OSError, KeyError, IndexError, ValueError) as error:
        log.warning("association %s cannot be read: %s", path.name, error)
        return []
    calibrated = ("_flt.fits", "_flc.fits")  # what drizzlepac combines
    return sorted(n for n in names for root in roots if n.lower() in {root + s for s in calibrated})


def _arranged(
    chosen: pd.DataFrame, products: pd.DataFrame, members: dict[str, list[str]]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The rows to import, each with its ``asn_folder``, and {association folder: its
    members' names}: members the selection lacked are added."""
    primary: dict[str, str] = {}  # member file name -> the first association naming it
    for asn_folder in sorted(members):
        for name in members[asn_folder]:
            primary.setdefault(name, asn_folder)
    needed = products.loc[products["productFilename"].isin(primary)]
    rows = pd.concat([chosen, needed], ignore_index=True).drop_duplicates(
        subset="dataURI", ignore_index=True
    )
    by_observation: dict[str, str] = {}  # an observation's association folder
    for row in rows.loc[rows["kind"] == "association"].itertuples():
        by_observation.setdefault(str(row.parent_obs_id), _asn_folder(row.productFilename))
    folders = []
    for row in rows.itertuples():
        name = row.productFilename
        if row.kind == "association":
            folders.append(_asn_folder(name))
        elif name in primary:
            folders.append(primary[name])
        else:
            folders.append(by_observation.get(str(row.parent_obs_id), str(row.parent_obs_id)))
    return rows.assign(asn_folder=folders), {k: sorted(v) for k, v in members.items()}


def arrange_associations(folder: str | os.PathLike, associations: dict) -> list[tuple[str, str]]:
    """After a program import's files have arrived: each association's members that
    are stored in another association's folder linked beside it, and the index
    (:data:`INDEX`) written. Returns (file, why) of what could not be done."""
    folder = Path(folder)
    stored: dict[str, Path] = {}
    for asn_folder in sorted(associations):
        for name in associations[asn_folder]:
            path = folder / asn_folder / name
            if name not in stored and path.is_file():
                stored[name] = path
    problems, rows = [], []
    for asn_folder in sorted(associations):
        names = associations[asn_folder]
        for name in names:
            here = folder / asn_folder / name
            if here.exists() or name not in stored:
                continue
            try:
                _link(stored[name], here)
            except OSError as error:
                problems.append((f"{asn_folder}/{name}", f"could not link it: {error}"))
        present = sum((folder / asn_folder / name).is_file() for name in names)
        rows.append((asn_folder, len(names), present, present == len(names)))
    with open(folder / INDEX, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["association", "members", "present", "complete"])
        writer.writerows(rows)
    return problems


def _link(stored: Path, here: Path) -> None:
    """``here`` made the same file as ``stored``: a hard link, else a relative symlink."""
    here.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(stored, here)
    except OSError:
        here.symlink_to(os.path.relpath(stored, here.parent))
