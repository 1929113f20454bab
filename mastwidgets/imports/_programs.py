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

import csv
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import transfer
from ..catalog import Catalog
from ..errors import InvalidQuery, quoted
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
    options = {"source": source, "catalog": catalog, "skip_existing": skip_existing,
               "parallel": parallel, "settings": settings, **transfer_options}  # fmt: skip
    if layout != "associations":
        return start_import(chosen, folder, layout_pattern(layout), meta=meta, **options)
    members = _read_associations(chosen, products, folder, source, settings)
    rows, associations = _arranged(chosen, products, members)
    meta["associations"] = associations
    return start_import(rows, folder, _BY_ASSOCIATION, meta=meta, **options)


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
    """An association's folder: its file's name without ``_asn.json``."""
    for suffix in _ASN_SUFFIXES:
        if filename.lower().endswith(suffix):
            return filename[: -len(suffix)]
    return filename.rsplit(".", 1)[0]


def _read_associations(
    chosen: pd.DataFrame, products: pd.DataFrame, folder: Path, source: str, settings: Settings
) -> dict[str, list[str]]:
    """{association folder: its members' file names}: the association files fetched
    into their folders (the import finds them there, checked, and records them) and
    read."""
    asn = chosen.loc[chosen["kind"] == "association"]
    if asn.empty:
        return {}
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
    with tempfile.TemporaryDirectory(prefix="mastwidgets-asn-") as state:
        result = transfer.download(
            specs, folder, state_dir=state, s3_endpoint=settings.s3_endpoint,
            http_headers=_headers(settings),
        )  # fmt: skip
    names = set(products["productFilename"])
    members: dict[str, list[str]] = {}
    for spec, outcome in zip(specs, result.files, strict=True):  # in the order given
        if outcome.status != transfer.Status.DONE:
            log.warning("association %s could not be read: %s", spec["name"], outcome.error)
            continue
        found = _members(outcome.path, names)
        members[spec["name"].split("/", 1)[0]] = found
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
