"""The Jupyter UI: ``from mastwidgets.ui import App; App()`` in a cell.

Every control calls the public API (search, list_products, import_observations,
resume, list_jobs, Catalog); nothing here talks to MAST, S3 or MongoDB itself.
"""

from ._app import App
from ._catalog_panel import CatalogPanel
from ._import_panel import ImportPanel
from ._jobs_panel import JobsPanel
from ._progress_view import ProgressView
from ._search_panel import SearchPanel

__all__ = ["App", "CatalogPanel", "ImportPanel", "JobsPanel", "ProgressView", "SearchPanel"]
