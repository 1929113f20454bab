"""The application: search and import, jobs, catalog."""

from __future__ import annotations

import secrets

import ipywidgets as widgets

from ..basket import Basket
from ..settings import get_settings
from ._basket_panel import BasketPanel
from ._catalog_panel import CatalogPanel
from ._import_panel import ImportPanel
from ._jobs_panel import JobsPanel
from ._link import page_query
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


TABS = ("Search & import", "Basket", "Jobs", "Catalog")


class App(widgets.VBox):
    """Search MAST, import observations' products, follow jobs, browse the catalog.

    Every control calls the public API (``mastwidgets.search_*``,
    ``import_observations``, ``resume``, ``list_jobs``, ``Catalog``).
    """

    def __init__(self, theme: str | None = None, link: str | None = None) -> None:
        """``theme``: "light" or "dark" (default: the ``theme`` setting,
        ``MASTWIDGETS_THEME``), to match the notebook's or Voila's theme. ``link``: a
        search as a link's query (``?by=target&q=M16``) to run at once (default: in
        Voila, the page address's)."""
        settings = get_settings(theme=theme)
        self.jobs = JobsPanel(on_show_in_catalog=self._show_job_in_catalog)
        self.catalog = CatalogPanel(theme=settings.theme, grid_license=settings.ag_grid_license)
        self.search = SearchPanel(theme=settings.theme, grid_license=settings.ag_grid_license)
        self.imports = ImportPanel(
            on_job=self.jobs.track, theme=settings.theme, grid_license=settings.ag_grid_license
        )
        self.search.on_select(self.imports.set_observations)
        # A hosted page's visitors are strangers to each other: each page has a basket
        # of its own (a reload starts a new one); the local app keeps one for good.
        name = "default" if settings.data_root is None else f"page-{secrets.token_hex(8)}"
        self.basket = BasketPanel(
            Basket(name, settings=settings),
            on_job=self.jobs.track,
            theme=settings.theme,
            grid_license=settings.ag_grid_license,
        )
        self.imports.on_add_to_basket(self._add_to_basket)
        self.tabs = widgets.Tab(
            children=[
                widgets.VBox([self.search, self.imports]),
                self.basket,
                self.jobs,
                self.catalog,
            ]
        )
        for index, title in enumerate(TABS):
            self.tabs.set_title(index, title)
        if len(self.basket.basket):
            self.tabs.set_title(1, f"Basket ({len(self.basket.basket):,})")
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.search.open_link(page_query() if link is None else link)
        title = widgets.HTML("<h2 style='margin:0.2em 0'>MAST search and import</h2>")
        super().__init__([widgets.HTML(_CSS), title, self.tabs])
        self.add_class("mw-app")

    def _tab_changed(self, change) -> None:
        shown = TABS[change["new"]]
        if shown == "Basket":
            self.basket.refresh()
        elif shown == "Jobs":
            self.jobs.refresh()
        elif shown == "Catalog":
            self.catalog.refresh()

    def _show_job_in_catalog(self, job_id: str) -> None:
        self.tabs.selected_index = TABS.index("Catalog")
        self.catalog.show_job(job_id)

    def _add_to_basket(self, products) -> str:
        """The import panel's ticked files into the basket; what to say about it."""
        added = self.basket.basket.add(products)
        total = len(self.basket.basket)
        self.tabs.set_title(1, f"Basket ({total:,})")
        return (
            f"{added:,} file(s) added to the basket ({total:,} in it; "
            f"{len(products) - added:,} were in it already)."
            if added < len(products)
            else f"{added:,} file(s) added to the basket ({total:,} in it)."
        )
