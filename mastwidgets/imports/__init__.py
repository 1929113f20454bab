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

from importlib import import_module

from .layouts import LAYOUTS, file_name, layout_pattern

#: Where each name lives: a submodule loads when one of its names is first asked for,
#: so ``mastwidgets pause`` or ``remove`` load neither astroquery, pandas nor astropy.
_WHERE = {
    "import_observations": "_api",
    "resume": "_api",
    "INDEX": "_associations",
    "arrange_associations": "_associations",
    "cancel": "_control",
    "pause": "_control",
    "remove_job": "_control",
    "CatalogJob": "_in_place",
    "CatalogResult": "_in_place",
    "catalog_products": "_in_place",
    "resume_catalog": "_in_place",
    "RECORD_BATCH": "_job",
    "ImportJob": "_job",
    "ImportResult": "_job",
    "RESUMABLE": "_listing",
    "JobStatus": "_listing",
    "job_state": "_listing",
    "PRODUCT_FIELDS": "_plan",
    "SOURCES": "_plan",
    "ImportPlan": "_plan",
    "plan_import": "_plan",
    "PROGRAM_LAYOUTS": "_programs",
    "import_program": "_programs",
    "READERS_FROM": "_readers",
    "RECORD_READERS": "_readers",
    "DEFAULT_PRODUCTS": "_rows",
    "JobProgress": "_watch",
    "JobWatch": "_watch",
    "list_jobs": "_watch",
    "DataRoot": "data_root",
    "destination": "data_root",
    "shown_path": "data_root",
    "check_import_size": "limits",
    "import_slot": "limits",
    "running_imports": "limits",
}

#: Where each file goes, under the destination folder (the ``observation`` layout).
DEFAULT_LAYOUT = LAYOUTS["observation"]

__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_PRODUCTS",
    "INDEX",
    "LAYOUTS",
    "PRODUCT_FIELDS",
    "PROGRAM_LAYOUTS",
    "READERS_FROM",
    "RECORD_BATCH",
    "RECORD_READERS",
    "RESUMABLE",
    "SOURCES",
    "CatalogJob",
    "CatalogResult",
    "DataRoot",
    "ImportJob",
    "ImportPlan",
    "ImportResult",
    "JobProgress",
    "JobStatus",
    "JobWatch",
    "arrange_associations",
    "cancel",
    "catalog_products",
    "check_import_size",
    "destination",
    "file_name",
    "import_observations",
    "import_program",
    "import_slot",
    "job_state",
    "layout_pattern",
    "list_jobs",
    "pause",
    "plan_import",
    "remove_job",
    "resume",
    "resume_catalog",
    "running_imports",
    "shown_path",
]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
