"""Imports: observations' products fetched to disk and recorded in the catalog.

- :func:`~mastwidgets.import_observations` (returns an :class:`ImportJob` at once),
  :func:`~mastwidgets.resume`, :func:`~mastwidgets.list_jobs`, :func:`job_state`;
  :func:`~mastwidgets.pause`, :func:`~mastwidgets.cancel` and
  :func:`~mastwidgets.remove_job` from any process, and :class:`JobWatch`
  (every job's progress, speed and time left, for a page that refreshes);
- :func:`~mastwidgets.catalog_products`: products' headers recorded without downloading them
  (a resumable job with the same handle, :class:`~mastwidgets.imports.CatalogJob`);
- :func:`plan_import`: which files an import fetches, skips or finds here already,
  decided before any byte moves (no network);
- :mod:`.layouts` (where each file goes), :mod:`.data_root` (the folder a hosted
  page may write under), :mod:`.limits` (a host's limits on imports);
- :mod:`.cluster`: the same import run by a Dask cluster's workers.

How the parts meet: ``_rows`` asks :mod:`mastwidgets.mast` for the product rows,
``_plan`` sorts them into files, :mod:`mastwidgets.transfer` (or ``cluster``)
moves the bytes, and ``_job``'s recorder turns each verified file into a catalog
record through ``_readers``.
"""

from .._lazy import attach, by_module
from .layouts import LAYOUTS, file_name, layout_pattern

#: Each submodule's names: a submodule loads when one of them is first asked for, so
#: ``mastwidgets pause`` or ``remove`` load neither astroquery, pandas nor astropy.
_WHERE = by_module(
    {
        "._api": ("import_observations", "resume"),
        "._associations": ("INDEX", "arrange_associations"),
        "._control": ("cancel", "pause", "remove_job"),
        "._in_place": ("CatalogJob", "CatalogResult", "catalog_products", "resume_catalog"),
        "._job": ("RECORD_BATCH", "ImportJob", "ImportResult"),
        "._listing": ("RESUMABLE", "JobStatus", "job_state"),
        "._plan": ("PRODUCT_FIELDS", "SOURCES", "ImportPlan", "plan_import"),
        "._programs": ("PROGRAM_LAYOUTS", "import_program"),
        "._readers": ("READERS_FROM", "RECORD_READERS"),
        "._rows": ("DEFAULT_PRODUCTS",),
        "._watch": ("JobProgress", "JobWatch", "list_jobs"),
        ".data_root": ("DataRoot", "destination", "shown_path"),
        ".limits": ("check_import_size", "import_slot", "running_imports"),
    }
)

#: Where each file goes, under the destination folder (the ``observation`` layout).
DEFAULT_LAYOUT = LAYOUTS["observation"]

__all__ = ["DEFAULT_LAYOUT", "LAYOUTS", "file_name", "layout_pattern", *_WHERE]


__getattr__, __dir__ = attach(__name__, _WHERE)
