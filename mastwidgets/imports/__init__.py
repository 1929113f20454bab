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

from ._api import import_observations, resume
from ._associations import INDEX, arrange_associations
from ._control import cancel, pause, remove_job
from ._in_place import CatalogJob, CatalogResult, catalog_products, resume_catalog
from ._job import RECORD_BATCH, ImportJob, ImportResult
from ._listing import RESUMABLE, JobStatus, job_state
from ._plan import PRODUCT_FIELDS, SOURCES, ImportPlan, plan_import
from ._programs import PROGRAM_LAYOUTS, import_program
from ._readers import READERS_FROM, RECORD_READERS
from ._rows import DEFAULT_PRODUCTS
from ._watch import JobProgress, JobWatch, list_jobs
from .data_root import DataRoot, destination, shown_path
from .layouts import LAYOUTS, file_name, layout_pattern
from .limits import check_import_size, import_slot, running_imports

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
