"""The basket: files gathered from any number of searches (``mastwidgets.Basket``),
their totals, one import of all of them, and the exports."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from .._units import human_bytes
from ..basket import Basket
from ._background import Status, in_background
from ._export_bar import ExportBar
from ._grid import TICK_BOXES, column, grid

COLUMNS = {
    "file": "File",
    "observation": "Observation",
    "mission": "Collection",
    "type": "Type",
    "level": "Level",
    "megabytes": "Size (MB)",
}


def _rows(products: pd.DataFrame) -> list[dict]:
    size = pd.to_numeric(products["size"], errors="coerce")
    return [
        {
            "file": name,
            "observation": obs,
            "mission": mission,
            "type": kind,
            "level": None if pd.isna(level) else int(level),
            "megabytes": None if pd.isna(bytes_) else round(float(bytes_) / 1e6, 3),
        }
        for name, obs, mission, kind, level, bytes_ in zip(
            products["productFilename"],
            products["obs_id"],
            products["obs_collection"],
            products["productType"],
            products["calib_level"],
            size,
            strict=True,
        )
    ]


class BasketPanel(widgets.VBox):
    """The basket's files, what they add up to, and what can be done with them all."""

    def __init__(
        self,
        basket: Basket,
        *,
        on_job: Callable,
        theme: str,
        grid_license: str | None,
        on_copy_link: Callable[[], str] | None = None,
    ) -> None:
        self.basket = basket
        self._on_job = on_job
        self._on_copy_link = on_copy_link
        self.summary = Status()
        self.summary.add_class("mw-basket-summary")
        columns = [column(f, title) for f, title in COLUMNS.items()]
        columns[0].update(TICK_BOXES, minWidth=280)
        self.grid = grid(
            columns, theme=theme, license=grid_license, height=320, rowSelection="multiple"
        )
        self.grid.add_class("mw-basket")
        self.ticked: list[int] = []
        self.grid.on_pick(self._picked)
        self.import_button = widgets.Button(
            description="Import all", button_style="success", icon="download"
        )
        self.remove_button = widgets.Button(description="Remove ticked", icon="minus")
        self.empty_button = widgets.Button(description="Empty the basket", icon="trash")
        self.import_button.on_click(lambda _: self.import_all())
        self.remove_button.on_click(lambda _: self.remove_ticked())
        self.empty_button.on_click(lambda _: self.empty())
        # in Voila: a link that opens this basket, to share it on purpose
        self.copy_link = widgets.Button(
            description="Copy basket link",
            icon="link",
            tooltip="A link that opens this basket: whoever has it sees and changes it",
            layout=widgets.Layout(width="auto", display=None if on_copy_link else "none"),
        )
        self.copy_link.on_click(lambda _: self.copy_basket_link())
        self.status = Status()
        self.export = ExportBar(
            lambda: (None, self.basket.products),
            label="Take the basket's files elsewhere:",
            snippet=lambda _: self.basket.snippet(),
        )
        # the grid joins the page when the tab is first shown: AG Grid sizes its columns
        # to its width, and a grid in a hidden tab has none (a console error)
        self._grid_box = widgets.VBox()
        super().__init__(
            [
                self.summary,
                self._grid_box,
                widgets.HBox(
                    [self.import_button, self.remove_button, self.empty_button, self.copy_link]
                ),
                self.status,
                self.export,
            ]
        )
        self.add_class("mw-basket-panel")

    def use(self, basket: Basket) -> None:
        """Show another basket (one the visitor's browser kept)."""
        self.basket = basket
        if self._grid_box.children:
            self.refresh()

    def copy_basket_link(self) -> None:
        if self._on_copy_link is None:
            return
        self._on_copy_link()
        self.status.say("Copying the basket's link…", "busy")

    def link_copied(self, ok: bool, text: str) -> None:
        """The page's answer to "Copy basket link"."""
        shared = "whoever opens it sees this basket and can change it; no token, no folder"
        self.status.say(
            f"Link to this basket copied: {text} ({shared})."
            if ok
            else f"The browser did not let the page copy; the basket's link is {text} ({shared})",
            "ok" if ok else "info",
        )

    def refresh(self) -> None:
        """List the basket's files and say what they add up to (the "here already"
        count asks the catalog: in the background)."""
        self.basket.reload()  # another page may share it
        products = self.basket.products
        self.grid.show_rows(_rows(products) if len(products) else [])
        self._grid_box.children = (self.grid,)
        self.ticked = []
        empty = products.empty
        for button in (self.import_button, self.remove_button, self.empty_button, self.copy_link):
            button.disabled = empty
        self.export.set_enabled(not empty)
        if empty:
            self.summary.say(
                "The basket is empty: tick files under a search and press Add to basket.",
                "info",
            )
            return

        def done(totals) -> None:
            parts = [f"{totals.files:,} file(s) in the basket, {human_bytes(totals.bytes)}"]
            if totals.here:
                parts.append(f"{totals.here:,} here already (not fetched again)")
            if totals.exclusive:
                parts.append(f"{totals.exclusive:,} exclusive-access: they need a MAST token")
            self.summary.say("; ".join(parts) + ".", "ok")

        in_background("basket-totals", self.basket.totals, done, self.summary)

    def _picked(self, positions: list[int]) -> None:
        self.ticked = positions

    def remove_ticked(self) -> None:
        if not self.ticked:
            self.status.say("Tick the files to remove first.", "error")
            return
        uris = list(self.basket.products["dataURI"].iloc[self.ticked])
        removed = self.basket.remove(uris)
        self.status.say(f"{removed:,} file(s) taken out of the basket.", "ok")
        self.refresh()

    def empty(self) -> None:
        self.basket.clear()
        self.status.say("The basket is empty.", "ok")
        self.refresh()

    def import_all(self) -> None:
        """One import of every file in the basket (in the background)."""
        self.import_button.disabled = True
        self.status.say(f"Starting the import of {len(self.basket):,} file(s)…", "busy")

        def done(job) -> None:
            self.status.say(f"Import {job.id} started: follow it in the Jobs tab.", "ok")
            self._on_job(job)

        in_background(
            "basket-import",
            self.basket.import_all,
            done,
            self.status,
            finally_=lambda: setattr(self.import_button, "disabled", self.basket.products.empty),
        )
