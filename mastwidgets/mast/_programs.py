"""A whole program: its observations, and what its files are, before anything moves.

MAST lists a JWST program's products per observation, and a level-3 observation lists
its member exposures' files again: the same file can appear under several
observations, and guide-star files (``productSubGroupDescription`` ``GS-*``) are about
ten times the science files. :func:`~mastwidgets.search_program` lists them all, a batch of
observations at a time, counts every file once, and keeps the rows an import needs
(guide-star files are counted, not kept, unless asked for).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._units import human_bytes
from ..errors import InvalidQuery, MastWidgetsError, ProgramNotFound, quoted
from ..settings import Settings, get_settings
from ._missions import search_mission
from ._products import placed, product_chunks
from ._search import search_criteria

log = logging.getLogger(__name__)

#: What a file is, for a program's summary (and what an import keeps by default).
KINDS = ("science", "association", "guide-star", "preview", "auxiliary")

_MISSION = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_PROGRAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

#: ``progress(observations listed, observations in all, files listed)``
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class Program:
    """A program as :func:`~mastwidgets.search_program` found it.

    Attributes
    ----------
    mission, program
        As MAST spells them (``"JWST"``, ``"2739"``: no leading zeros).
    observations
        Its observations (the columns of :func:`~mastwidgets.search_criteria`).
    products
        Its files, each once (columns :data:`~mastwidgets.PRODUCT_COLUMNS` and ``kind``, one of
        :data:`~mastwidgets.mast.KINDS`); guide-star files only when asked for.
    summary
        Files and bytes by kind and calibration level, every file listed counted once
        (guide-star files too).
    by_instrument
        Files and bytes of the science files by instrument and filter.
    """

    mission: str
    program: str
    observations: pd.DataFrame
    products: pd.DataFrame
    summary: pd.DataFrame
    by_instrument: pd.DataFrame

    @property
    def files(self) -> int:
        """Files listed, each once (guide-star files included)."""
        return int(self.summary["files"].sum())

    @property
    def bytes(self) -> int:
        return int(self.summary["bytes"].sum())

    def describe(self) -> str:
        """The summary as text: what an import of the program would bring."""
        lines = [
            f"{self.mission} program {self.program}: {len(self.observations):,} "
            f"observation(s), {self.files:,} file(s), {human_bytes(self.bytes)}"
        ]
        for row in self.summary.itertuples():
            level = "" if row.calib_level < 0 else f" level {row.calib_level}"
            lines.append(
                f"  {row.kind + level:<22} {row.files:>9,} file(s) {human_bytes(row.bytes):>10}"
            )
        if len(self.by_instrument):
            lines.append("  science files by instrument and filter:")
            for row in self.by_instrument.itertuples():
                label = f"{row.instrument_name} {row.filters}".strip()
                lines.append(
                    f"    {label:<30} {row.files:>7,} file(s) {human_bytes(row.bytes):>10}"
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def program_id(program: str | int) -> str:
    """A program ID as MAST stores it: ``1345``, ``"01345"`` and ``" 1345 "`` are
    ``"1345"``; a non-numeric ID (TESS's ``G011112``) is kept as given.

    Raises
    ------
    InvalidQuery
        Empty, negative, or not a plain ID.
    """
    text = str(program).strip() if isinstance(program, (str, int)) else ""
    if isinstance(program, bool) or not _PROGRAM.fullmatch(text):
        raise InvalidQuery(
            f"{quoted(program)} is not a program ID: give its number, e.g. 1345 or '01345'."
        )
    return str(int(text)) if text.isdigit() else text


def product_kinds(products: pd.DataFrame) -> pd.Series:
    """Each product's kind (:data:`~mastwidgets.mast.KINDS`), from MAST's product type,
    subgroup and name."""
    sub = products["productSubGroupDescription"].fillna("").astype(str).str.upper()
    ptype = products["productType"].fillna("").astype(str).str.upper()
    name = products["productFilename"].fillna("").astype(str).str.lower()
    kinds = np.select(
        [
            sub.str.startswith("GS-") | name.str.contains("_gs-", regex=False),
            (sub == "ASN") | name.str.endswith(("_asn.json", "_asn.fits")),
            ptype == "SCIENCE",
            ptype.isin(["PREVIEW", "THUMBNAIL"]),
        ],
        ["guide-star", "association", "science", "preview"],
        "auxiliary",
    )
    return pd.Series(kinds, index=products.index, name="kind")


def search_program(
    mission: str,
    program: str | int,
    *,
    guide_stars: bool = False,
    cloud: bool = True,
    catalog=True,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> Program:
    """A whole program: its observations, its files and what they are, before
    anything is downloaded.

    Parameters
    ----------
    mission
        MAST's collection, e.g. ``"JWST"`` or ``"HST"`` (any case).
    program
        The program (proposal) ID, as a number or a string, zero-padded or not.
    guide_stars
        Keep the guide-star files' rows in ``products`` (they are always counted in
        the summary; an import leaves them out unless asked).
    cloud, catalog
        As for :func:`~mastwidgets.list_products`: S3 locations, and copies imported before.
    progress
        Called as ``progress(observations listed, observations in all, files
        listed)`` after each batch of observations' products.

    Returns
    -------
    Program

    Examples
    --------
    >>> program = search_program("JWST", 2739)
    >>> print(program.describe())
    JWST program 2739: 9 observation(s), ... file(s), ... MB
      science level 1 ...

    Raises
    ------
    InvalidQuery
        The mission or program ID cannot be a MAST one.
    ProgramNotFound
        MAST has no observation of that program in that mission (an
        :class:`~mastwidgets.errors.ObservationNotFound`).
    TooManyResults, MastUnavailable
    """
    settings = settings or get_settings()
    name = str(mission).strip() if isinstance(mission, str) else ""
    if not _MISSION.fullmatch(name):
        raise InvalidQuery(f"{quoted(mission)} is not a mission: give one such as 'JWST'.")
    mission, program = name.upper(), program_id(program)
    observations = search_criteria(obs_collection=mission, proposal_id=program, settings=settings)
    if observations.empty:
        raise ProgramNotFound(mission, program)
    observations = observations.assign(exp_type=_exposure_types(mission, program, observations,
                                                                settings))  # fmt: skip
    seen: set[int] = set()
    counts: Counter = Counter()
    kept, listed = [], 0
    total = len(observations)
    for rows, count, done in product_chunks(observations, settings):
        listed += count
        hashes = rows["dataURI"].map(hash)
        first = ~hashes.isin(seen) & ~hashes.duplicated()  # a file listed twice: once
        rows = rows.loc[first]
        seen.update(hashes[first])
        rows = rows.assign(kind=product_kinds(rows))
        levels = pd.to_numeric(rows["calib_level"], errors="coerce").fillna(-1).astype(int)
        sizes = pd.to_numeric(rows["size"], errors="coerce").fillna(0).astype("int64")
        for (kind, level), group in sizes.groupby([rows["kind"], levels]):
            counts[kind, int(level), "files"] += len(group)
            counts[kind, int(level), "bytes"] += int(group.sum())
        kept.append(rows if guide_stars else rows.loc[rows["kind"] != "guide-star"])
        if progress is not None and done < total:
            progress(done, total, listed)
    if progress is not None:
        progress(total, total, listed)
    products = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    if len(products):
        products = placed(products, cloud=cloud, catalog=catalog, settings=settings)
    return Program(
        mission,
        program,
        observations,
        products,
        _summary(counts),
        _by_instrument(products, observations),
    )


def _exposure_types(mission: str, program: str, observations: pd.DataFrame, settings) -> list:
    """Each observation's exposure type(s), from MAST's mission search (the Portal's rows
    do not say): JWST's ``exp_type`` of its member exposures (``NRC_IMAGE``), HST's
    ``sci_obs_type`` of its dataset (``IMAGE``); ``None`` where it does not say."""
    nothing = [None] * len(observations)
    try:
        if mission == "JWST":
            found = search_mission("JWST", program=int(program), columns=["observtn", "exp_type"],
                                   max_rows=10**6, settings=settings)  # fmt: skip
            if found.empty:
                return nothing
            types = found.groupby("observtn")["exp_type"].agg(lambda v: ";".join(sorted(set(v))))
            numbers = observations["obs_id"].str.extract(r"-o(\d{3})_", expand=False)
            return [None if pd.isna(n) else types.get(int(n)) for n in numbers]
        if mission == "HST":
            found = search_mission("HST", sci_pep_id=int(program), columns=["sci_obs_type"],
                                   max_rows=10**6, settings=settings)  # fmt: skip
            types = dict(zip(found["obs_id"].str.lower(), found["sci_obs_type"], strict=True))
            return [types.get(str(o).lower()) for o in observations["obs_id"]]
    except (MastWidgetsError, ValueError) as error:  # the summary stands without them
        log.info("no exposure types for %s %s: %s", mission, program, error)
    return nothing


def _summary(counts: Counter) -> pd.DataFrame:
    keys = sorted(
        {(kind, level) for kind, level, _ in counts},
        key=lambda k: (KINDS.index(k[0]) if k[0] in KINDS else len(KINDS), k[1]),
    )
    return pd.DataFrame(
        [(kind, level, counts[kind, level, "files"], counts[kind, level, "bytes"])
         for kind, level in keys],
        columns=["kind", "calib_level", "files", "bytes"],
    )  # fmt: skip


def _by_instrument(products: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    columns = ["instrument_name", "filters", "files", "bytes"]
    if products.empty:
        return pd.DataFrame(columns=columns)
    science = products.loc[products["kind"] == "science"]
    instruments = dict(zip(observations["obsid"].astype(str), observations["instrument_name"],
                           strict=False))  # fmt: skip
    frame = pd.DataFrame(
        {
            "instrument_name": science["obsid"].astype(str).map(instruments).fillna(""),
            "filters": science["filters"].fillna("").astype(str),
            "size": pd.to_numeric(science["size"], errors="coerce").fillna(0).astype("int64"),
        }
    )
    grouped = frame.groupby(["instrument_name", "filters"], sort=True)["size"]
    return grouped.agg(files="count", bytes="sum").reset_index()[columns]
