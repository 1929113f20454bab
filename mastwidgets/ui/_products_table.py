"""The selected observations' files in a grid, each with a tick box."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ._grid import TICK_BOXES, column, grid

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
        self.grid.add_class("mw-products")
        self.products = pd.DataFrame()
        self.ticked = pd.DataFrame()
        self._listeners: list[Callable[[pd.DataFrame], None]] = []
        self.grid.on_pick(self._page_ticked)

    def on_tick(self, callback: Callable[[pd.DataFrame], None]) -> None:
        self._listeners.append(callback)

    def show(self, products: pd.DataFrame, ticked: pd.Series, in_cloud: pd.Series) -> None:
        """List ``products`` with the rows where ``ticked`` is true ticked."""
        products = products.reset_index(drop=True)
        ticked = pd.Series(list(ticked), dtype=bool)
        self.products = products
        self.grid.show_rows(_rows(products, ticked, pd.Series(list(in_cloud))))
        self._set_ticked(products.loc[ticked.to_numpy()] if len(products) else products)

    def tick(self, uris) -> None:
        """Tick these files (by dataURI), as the page does when they are clicked."""
        wanted = set(uris)
        self._set_ticked(self.products[self.products["dataURI"].isin(wanted)])

    def _set_ticked(self, frame: pd.DataFrame) -> None:
        self.ticked = frame.reset_index(drop=True)
        for callback in self._listeners:
            callback(self.ticked)

    def _page_ticked(self, positions: list[int]) -> None:
        """The page's ticked rows become the selection."""
        self._set_ticked(self.products.iloc[positions])
