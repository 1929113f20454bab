"""The selected observations' files in a grid, each with a tick box."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ._grid import TICK_BOXES, column, grid, page_selection

COLUMNS = {
    "file": "File",
    "type": "Type",
    "subgroup": "Subgroup",
    "level": "Level",
    "megabytes": "Size (MB)",
    "cloud": "In cloud",
    "here": "Here",
    "description": "Description",
}
_WIDTHS = {
    "file": {"minWidth": 300},
    "level": {"minWidth": 60},
    "megabytes": {"minWidth": 80},
    "cloud": {"minWidth": 70},
    "here": {"minWidth": 60},
}
#: Runs in the page once the grid exists: rows sent with ``ticked`` set are ticked,
#: quietly (no "selection changed"). Each still makes ipyaggrid send the whole selection
#: to the kernel (its export runs on every "row selected"), so ticking n rows costs
#: n^2: 2,008 rows 3.7 s, 15,008 rows 200 s and a swamped kernel (measured). Hence
#: :data:`MAX_PAGE_TICKS`.
_TICK_AS_SENT = """
const tickAsSent = () => gridOptions.api.forEachNode((node) => {
  if (node.data && node.data.ticked) node.setSelected(true, false, true);
});
tickAsSent();
gridOptions.api.addEventListener('rowDataChanged', tickAsSent);
gridOptions.api.addEventListener('rowDataUpdated', tickAsSent);
"""
#: The most rows ticked in the page itself; past it, the kernel's selection stands (all
#: listed files) and the page shows no ticks (a tick there starts a new selection).
MAX_PAGE_TICKS = 2_000


def _rows(products: pd.DataFrame, ticked: pd.Series, in_cloud: pd.Series) -> list[dict]:
    return [
        {
            "uri": uri,
            "file": name,
            "type": kind,
            "subgroup": subgroup,
            "level": None if pd.isna(level) else int(level),
            "megabytes": None if pd.isna(size) else round(int(size) / 1e6, 3),
            "cloud": "yes" if cloud else "no",
            "here": "yes" if isinstance(here, str) and here else "",
            "description": description,
            "ticked": bool(tick),
        }
        for uri, name, kind, subgroup, level, size, cloud, here, description, tick in zip(
            products["dataURI"],
            products["productFilename"],
            products["productType"].fillna(""),
            products["productSubGroupDescription"].fillna(""),
            products["calib_level"],
            products["size"],
            in_cloud,
            products["on_disk"],
            products["description"].fillna(""),
            ticked,
            strict=True,
        )
    ]


class ProductsTable:
    """A grid of products; ``ticked`` is the DataFrame of the rows ticked in it."""

    def __init__(self, *, theme: str, license: str | None) -> None:
        columns = [column(f, title, **_WIDTHS.get(f, {})) for f, title in COLUMNS.items()]
        columns[0].update(TICK_BOXES)
        self.grid = grid(
            columns,
            theme=theme,
            license=license,
            height=300,
            rowSelection="multiple",
            rowMultiSelectWithClick=True,
        )
        self.grid.js_post_grid = [_TICK_AS_SENT]
        self.grid.add_class("mw-products")
        self.products = pd.DataFrame()
        self.ticked = pd.DataFrame()
        self.unshown_ticks = False  # ticked in the kernel, too many to tick in the page
        self._listeners: list[Callable[[pd.DataFrame], None]] = []
        self.grid.observe(self._page_ticked, names="grid_data_out")

    def on_tick(self, callback: Callable[[pd.DataFrame], None]) -> None:
        self._listeners.append(callback)

    def show(self, products: pd.DataFrame, ticked: pd.Series, in_cloud: pd.Series) -> None:
        """List ``products`` with the rows where ``ticked`` is true ticked."""
        products = products.reset_index(drop=True)
        ticked = pd.Series(list(ticked), dtype=bool)
        self.products = products
        self.unshown_ticks = int(ticked.sum()) > MAX_PAGE_TICKS
        in_page = ticked & (not self.unshown_ticks)
        self.grid.update_grid_data(_rows(products, in_page, pd.Series(list(in_cloud))))
        self._set_ticked(products.loc[ticked.to_numpy()] if len(products) else products)

    def tick(self, uris) -> None:
        """Tick these files (by dataURI), as the page does when they are clicked."""
        wanted = set(uris)
        self._set_ticked(self.products[self.products["dataURI"].isin(wanted)])

    def _set_ticked(self, frame: pd.DataFrame) -> None:
        self.ticked = frame.reset_index(drop=True)
        for callback in self._listeners:
            callback(self.ticked)

    def _page_ticked(self, change) -> None:
        """The page's ticked rows become the selection."""
        answer = page_selection(change, list(self.products.get("productFilename", [])), "file")
        if answer is None or self.products.empty:
            return
        positions, names = answer
        if positions is not None:
            picked = self.products.iloc[positions]
        else:  # by name, then
            picked = self.products[self.products["productFilename"].isin(set(names))]
        self.unshown_ticks = False  # the page's ticks are the selection now
        self._set_ticked(picked)
