"""The application: search and import, jobs, catalog."""

from __future__ import annotations

import ipywidgets as widgets

from ..settings import get_settings
from ._catalog_panel import CatalogPanel
from ._import_panel import ImportPanel
from ._jobs_panel import JobsPanel
from ._search_panel import SearchPanel

_CSS = """<style>
.mw-app .mw-file-row { align-items: center; }
.mw-app .mw-record th { text-align: left; padding-right: 1em; }
body[data-jp-theme-light="false"] .mw-app {
  --mw-ok: #81c784; --mw-error: #ef9a9a; --mw-busy: #bdbdbd;
}
.mw-app input[placeholder="Filter..."] {
  background: var(--jp-layout-color1, white); color: var(--jp-ui-font-color1, black);
  border: 1px solid var(--jp-border-color1, #bdbdbd);
}
</style>"""


class App(widgets.VBox):
    """Search MAST, import observations' products, follow jobs, browse the catalog.

    Every control calls the public API (``mastwidgets.search_*``,
    ``import_observations``, ``resume``, ``list_jobs``, ``Catalog``).
    """

    def __init__(self, theme: str | None = None) -> None:
        """``theme``: "light" or "dark" (default: the ``theme`` setting,
        ``MASTWIDGETS_THEME``), to match the notebook's or Voila's theme."""
        settings = get_settings(theme=theme)
        self.jobs = JobsPanel()
        self.catalog = CatalogPanel(theme=settings.theme, grid_license=settings.ag_grid_license)
        self.search = SearchPanel(theme=settings.theme, grid_license=settings.ag_grid_license)
        self.imports = ImportPanel(
            on_job=self.jobs.track, theme=settings.theme, grid_license=settings.ag_grid_license
        )
        self.search.on_select(self.imports.set_observations)
        self.tabs = widgets.Tab(
            children=[widgets.VBox([self.search, self.imports]), self.jobs, self.catalog]
        )
        for index, title in enumerate(["Search & import", "Jobs", "Catalog"]):
            self.tabs.set_title(index, title)
        self.tabs.observe(self._tab_changed, names="selected_index")
        title = widgets.HTML("<h2 style='margin:0.2em 0'>MAST search and import</h2>")
        super().__init__([widgets.HTML(_CSS), title, self.tabs])
        self.add_class("mw-app")

    def _tab_changed(self, change) -> None:
        if change["new"] == 1:
            self.jobs.refresh()
        elif change["new"] == 2:
            self.catalog.refresh()
