"""Associations, as the calibration pipelines use them: read (a JWST ``_asn.json``
names its members' files, ``expname``; an HST ``_asn.fits`` table its exposures'
rootnames, ``MEMNAME`` of ``EXP-*`` rows, whose ``_flt``/``_flc`` files drizzlepac
combines), and laid out: a folder per association with its members beside it, as the
pipelines resolve them. A member is stored once, in the first association's folder
naming it, and linked (a hard link, else a relative symbolic link) into the others
once it has arrived; a file no association names goes to its observation's
association folder, or to the observation's own. ``associations.csv`` in the
import's folder lists every association with its members present.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from .. import transfer
from ..settings import Settings
from ._in_place import _token_headers
from ._plan import plan_import

log = logging.getLogger(__name__)

#: The index of a program import's associations, in its folder.
INDEX = "associations.csv"
_ASN_SUFFIXES = ("_asn.json", "_asn.fits")
_POOL_TIME = re.compile(r"_\d{8}t\d{6}_")


def _asn_folder(filename: str) -> str:
    """An association's folder: its file's name without ``_asn.json`` and without the
    pool's timestamp (``_20220723t101241``), which a reprocessing changes: the folder
    stays, and a sync moves only what changed."""
    stem = filename.rsplit(".", 1)[0]
    for suffix in _ASN_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
    return _POOL_TIME.sub("_", stem, count=1)


def read_associations(
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
    with tempfile.TemporaryDirectory(prefix="mastwidgets-asn-") as work:
        scratch = Path(work) / "files"
        rows = asn.assign(asn_folder=asn["productFilename"].map(_asn_folder))
        # where each comes from, as the import itself chooses (the source asked for)
        plan = plan_import(
            rows.to_dict("records"), scratch, layout="{asn_folder}/{productFilename}",
            source=source,
        )  # fmt: skip
        result = transfer.download(
            plan.files, scratch, state_dir=Path(work) / "state",
            s3_endpoint=settings.s3_endpoint, http_headers=_token_headers(settings),
        )  # fmt: skip
        for outcome in result.files:
            if outcome.status != transfer.Status.DONE:
                log.warning("association %s could not be read: %s", outcome.name, outcome.error)
                continue
            members[outcome.name.split("/", 1)[0]] = _members(outcome.path, names)
    return members


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
    # what drizzlepac combines: the exposures' calibrated files
    wanted = {root + suffix for root in roots for suffix in ("_flt.fits", "_flc.fits")}
    return sorted(name for name in names if name.lower() in wanted)


def arranged(
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
    (:data:`~mastwidgets.imports.INDEX`) written. Returns (file, why) of what could not be done."""
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
