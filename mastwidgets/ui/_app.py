"""The application: search and import, jobs, catalog."""

from __future__ import annotations

import secrets

import ipywidgets as widgets

from ..basket import NAME as BASKET_NAME
from ..basket import Basket
from ..settings import get_settings
from ._basket_panel import BasketPanel
from ._catalog_panel import CatalogPanel
from ._import_panel import ImportPanel
from ._jobs_panel import JobsPanel
from ._link import basket_link, in_voila, linked_basket, page_query
from ._search_panel import SearchPanel

_CSS = """<style>
.mw-app .mw-file-row { align-items: center; }
.mw-app .mw-record th { text-align: left; padding-right: 1em; }
body[data-jp-theme-light="false"] .mw-app {
  --mw-ok: #81c784; --mw-error: #ef9a9a; --mw-busy: #bdbdbd;
}
/* Readable (WCAG AA): the tabs not shown, and AG Grid balham's grey headers. */
.mw-app .widget-tab > .lm-TabBar .lm-TabBar-tab { color: var(--jp-ui-font-color1, #000); }
.mw-app .ag-theme-balham { --ag-header-foreground-color: rgba(0, 0, 0, 0.8); }
.mw-app .jupyter-button.mod-primary { background-color: #1565c0; color: #fff; }
.mw-app .jupyter-button.mod-success { background-color: #2e7d32; color: #fff; }
.mw-app .jupyter-button.mod-danger { background-color: #c62828; color: #fff; }
.mw-app .ag-theme-balham-dark { --ag-header-foreground-color: rgba(255, 255, 255, 0.85); }
/* The action bar stays in view at the bottom while the page scrolls: no box between it
   and the page's scroller may clip (ipywidgets' boxes and the output area do). */
.mw-app, .mw-app .widget-box:not(.mw-facets), .mw-app .jupyter-widget-TabPanel-tabContents,
.jp-OutputArea:has(.mw-app), .jp-OutputArea-child:has(.mw-app),
.jp-OutputArea-output:has(.mw-app) { overflow: visible !important; }
.mw-app .mw-action-bar {
  position: sticky; bottom: 0; z-index: 10; padding: 4px 8px;
  background: var(--jp-layout-color1, white);
  border-top: 1px solid var(--jp-border-color1, #bdbdbd);
}
/* In Voila the page is the app: the bar is fixed to the window's bottom edge (the
   template's scroller reaches below the window, where a sticky bar would hide). */
body[data-voila] .mw-app .mw-action-bar {
  position: fixed; left: 0; right: 0; box-shadow: 0 -2px 6px rgba(0, 0, 0, 0.15);
}
body[data-voila] .mw-app { padding-bottom: 170px; }
body[data-voila] *:has(.mw-app) { scroll-padding-bottom: 180px; }  /* not under the bar */
.mw-app input[placeholder="Filter..."] {
  background: var(--jp-layout-color1, white); color: var(--jp-ui-font-color1, black);
  border: 1px solid var(--jp-border-color1, #bdbdbd);
}
</style>"""


TABS = ("Search & import", "Basket", "Jobs", "Catalog")


def _may_open(name: str, settings) -> bool:
    """Whether a page may show the basket a link or the browser names: any basket of
    the local app's; on a hosted page, only a visitor's basket that exists (``page-``
    and 128 random bits: known only to whom its link was given)."""
    if not BASKET_NAME.match(name or ""):
        return False
    if settings.data_root is None:
        return True
    return name.startswith("page-") and Basket(name, settings=settings).exists


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
        self.search.on_program(self.imports.set_program)
        # a wide screen's work layout: facets | results | the focused observation's details
        self.search.results_row.children = (*self.search.results_row.children, self.imports.preview)
        query = page_query() if link is None else link
        self._opened = query  # the link this page has applied
        self._hosted = settings.data_root is not None
        self.basket = BasketPanel(
            Basket(self._basket_name(query, settings), settings=settings),
            on_job=self.jobs.track,
            theme=settings.theme,
            grid_license=settings.ag_grid_license,
            on_copy_link=self._copy_basket_link if in_voila() else None,
        )
        self._linked_basket = linked_basket(query) == self.basket.basket.name
        self.search.grid.on_copied("basket", self.basket.link_copied)
        if self._hosted:  # the browser keeps the visitor's basket's id for a reload
            self.search.grid.basket = self.basket.basket.name
            self.search.grid.observe(self._stored_basket, names="stored_basket")
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
        self._basket_title()
        self.tabs.observe(self._tab_changed, names="selected_index")
        self.search.open_link(query)
        title = widgets.HTML("<h2 style='margin:0.2em 0'>MAST search and import</h2>")
        super().__init__([widgets.HTML(_CSS), title, self.tabs])
        self.add_class("mw-app")

    def open_page(self) -> None:
        """In Voila: apply the page's address (a link's search, or a shared basket) once
        the page has been asked for. A pre-heated kernel built this App before any
        visitor came (the app's notebook calls this next, and it waits for the page's
        request); elsewhere the address was applied when the App was made."""
        query = page_query(wait=True)
        if query == self._opened:
            return
        self._opened = query
        linked = linked_basket(query)
        current = self.basket.basket
        if linked and linked != current.name and _may_open(linked, current.settings):
            self.basket.use(Basket(linked, settings=current.settings))
            self._linked_basket = True
            if self._hosted:
                self.search.grid.basket = linked  # the browser keeps it from now on
            self._basket_title()
        self.search.open_link(query)

    @staticmethod
    def _basket_name(query: str, settings) -> str:
        """The local app keeps one basket ("default", or the one a link names); a hosted
        page's visitors are strangers to each other: each page has a basket of its own,
        unless a link shares one on purpose (its id is 128 random bits)."""
        linked = linked_basket(query)
        if linked and _may_open(linked, settings):
            return linked
        return "default" if settings.data_root is None else f"page-{secrets.token_hex(16)}"

    def _stored_basket(self, change) -> None:
        """The browser kept a basket from an earlier visit: this page takes it up, if
        it still exists and this page's own basket is still empty."""
        name = change["new"] or ""
        current = self.basket.basket
        if not self._linked_basket and len(current) == 0 and _may_open(name, current.settings):
            self.basket.use(Basket(name, settings=current.settings))
            self._basket_title()
        self.search.grid.send({"keep_basket": self.basket.basket.name})

    def _copy_basket_link(self) -> str:
        """Ask the page to put a link to this basket on its clipboard; the query."""
        query = basket_link(self.basket.basket.name)
        self.search.grid.copy("basket", query)
        return query

    def _basket_title(self) -> None:
        total = len(self.basket.basket)
        self.tabs.set_title(1, f"Basket ({total:,})" if total else "Basket")

    def _tab_changed(self, change) -> None:
        shown = TABS[change["new"]]
        self.jobs.watching = shown == "Jobs"
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
        self._basket_title()
        return (
            f"{added:,} file(s) added to the basket ({total:,} in it; "
            f"{len(products) - added:,} were in it already)."
            if added < len(products)
            else f"{added:,} file(s) added to the basket ({total:,} in it)."
        )
