"""A whole program imported ready for the calibration pipeline
(:func:`~mastwidgets.import_program`): which files (the science files of the levels asked, the
associations and the files they need), where (:mod:`._associations`: a folder per
association), and, run again into the same folder, only what MAST changed
(:mod:`._sync`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import pandas as pd

from ..catalog import Catalog
from ..errors import InvalidQuery, quoted
from ..mast import search_program
from ..settings import Settings, get_settings
from ._api import start_import
from ._associations import arranged, read_associations
from ._job import ImportJob
from ._plan import SOURCES
from ._sync import WITHDRAWN, changes_since, imported_before, mark, unchanged
from .data_root import destination
from .layouts import LAYOUTS, layout_pattern

#: The layouts of a program import: ``associations`` and those of any import.
PROGRAM_LAYOUTS = ("associations", *LAYOUTS)
#: The pattern of the ``associations`` layout (``asn_folder`` is set per file).
_BY_ASSOCIATION = "{asn_folder}/{productFilename}"


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
    progress: Callable[[int, int, int], None] | None = None,
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
    >>> job = import_program("JWST", 2739, "pillars", levels=[2, 3])
    >>> job.wait().ok
    True
    >>> print(job.changes.describe())
    1... new, 0 reprocessed, 0 withdrawn (kept), 0 unchanged

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
    before = imported_before(catalog, folder) if skip_existing else {}
    here = unchanged(before, products)
    pattern = _BY_ASSOCIATION
    rows = chosen
    if layout == "associations":
        members = read_associations(chosen, products, here, source, settings)
        rows, meta["associations"] = arranged(chosen, products, members)
    else:
        pattern = layout_pattern(layout)
    changes = changes_since(before, rows, products, here, withdrawn)
    meta["sync"] = changes.as_dict()
    mark(catalog, before, changes, withdrawn)
    job = start_import(
        rows, folder, pattern, meta=meta, here=here, source=source, catalog=catalog,
        skip_existing=skip_existing, parallel=parallel, settings=settings, **transfer_options,
    )  # fmt: skip
    job.changes = changes
    return job


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
