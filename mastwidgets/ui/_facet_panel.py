"""Facets beside the results grid: tick a collection, an instrument, a level ... and the
grid keeps only those rows at once, every facet's counts following (no new MAST
request: :class:`mastwidgets.facets.Facets` on the rows already fetched)."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ..facets import FACETS, NONE, Counted, Facets

#: Values listed per facet (the most frequent, and every ticked one); the grid's own
#: column filters reach the rest.
SHOWN = 8


class _FacetGroup(widgets.VBox):
    """One facet: its title and a box per value with its count. The boxes are made
    once and relabelled as counts change (a click costs updates, not new widgets)."""

    def __init__(self, name: str, title: str, changed: Callable[[], None]) -> None:
        self.name = name
        self.chosen: set[str] = set()
        self._changed = changed
        self._quiet = False
        self.title = widgets.HTML(f"<b>{title}</b>")
        self.more = widgets.HTML()
        self.boxes: list[widgets.Checkbox] = []
        self.labels: list[str | None] = []
        # its own height in the scrolling column (a flex child would be squeezed)
        super().__init__([self.title], layout=widgets.Layout(flex="0 0 auto"))
        self.add_class("mw-facet")

    def _box(self) -> widgets.Checkbox:
        box = widgets.Checkbox(
            indent=False, layout=widgets.Layout(width="auto", margin="0", height="22px")
        )
        box.observe(lambda change, b=box: self._ticked(b, change["new"]), names="value")
        return box

    def _ticked(self, box: widgets.Checkbox, ticked: bool) -> None:
        if self._quiet:
            return
        value = self.labels[self.boxes.index(box)]
        if value is None:
            return
        (self.chosen.add if ticked else self.chosen.discard)(value)
        self._changed()

    def show(self, counts: Counted) -> None:
        """Relabel the boxes: the ticked values, then the most frequent others."""
        ticked = [pair for pair in counts if pair[0] in self.chosen]
        others = [pair for pair in counts if pair[0] not in self.chosen]
        listed = ticked + others[: max(0, SHOWN - len(ticked))]
        while len(self.boxes) < len(listed):
            self.boxes.append(self._box())
            self.labels.append(None)
        self._quiet = True
        try:
            for i, box in enumerate(self.boxes):
                with box.hold_sync():
                    if i < len(listed):
                        value, count = listed[i]
                        self.labels[i] = value
                        box.description = f"{value} ({count:,})"
                        box.value = value in self.chosen
                        box.layout.display = None
                    else:
                        self.labels[i] = None
                        box.layout.display = "none"
        finally:
            self._quiet = False
        hidden = counts.with_rows - sum(1 for _, n in listed if n)
        self.more.value = f"<small>and {hidden:,} more</small>" if hidden > 0 else ""
        children = (self.title, *self.boxes, self.more)
        if tuple(self.children) != children:
            self.children = children
        # a facet whose rows all lack the column says nothing: hidden
        telling = any(value != NONE for value, _ in counts)
        self.layout.display = None if telling or self.chosen else "none"


class FacetPanel(widgets.VBox):
    """The facets of the results shown; ``on_change(callback)`` is told the rows to
    keep (a boolean array, ``None``: all) after each tick."""

    def __init__(self) -> None:
        self.facets = Facets(pd.DataFrame())
        self.groups = {
            name: _FacetGroup(name, title, self._changed) for name, title in FACETS.items()
        }
        self.released = widgets.IntRangeSlider(
            continuous_update=False,
            tooltip="Release years",
            layout=widgets.Layout(width="225px", flex="0 0 auto"),
        )
        self.released_title = widgets.HTML(
            "<b>Released</b>", layout=widgets.Layout(flex="0 0 auto")
        )
        self.released.observe(lambda _: self._changed(), names="value")
        self.summary = widgets.HTML()
        self.clear_button = widgets.Button(
            description="Clear", icon="times", layout=widgets.Layout(width="auto")
        )
        self.clear_button.on_click(lambda _: self.clear())
        self._listeners: list[Callable[[np.ndarray | None], None]] = []
        self._quiet = False
        super().__init__(
            [
                widgets.HBox(
                    [self.summary, self.clear_button], layout=widgets.Layout(flex="0 0 auto")
                ),
                *self.groups.values(),
                self.released_title,
                self.released,
            ],
            layout=widgets.Layout(
                width="250px", max_height="560px", overflow="hidden auto", flex="0 0 250px"
            ),
        )
        self.add_class("mw-facets")
        self.layout.display = "none"

    def on_change(self, callback: Callable[[np.ndarray | None], None]) -> None:
        self._listeners.append(callback)

    def set_frame(self, frame: pd.DataFrame) -> None:
        """New results: every facet's values, nothing ticked."""
        self.facets = Facets(frame)
        for group in self.groups.values():
            group.chosen.clear()
        years = self.facets.years()
        self._quiet = True
        try:
            if years:
                first, last = years
                self.released.min, self.released.max = -(10**6), 10**6  # any order below
                self.released.min, self.released.max = first, max(last, first + 1)
                self.released.value = (first, max(last, first + 1))
            self.released.layout.display = None if years else "none"
            self.released_title.layout.display = self.released.layout.display
        finally:
            self._quiet = False
        self.layout.display = None if len(frame) else "none"
        self._show(None)

    def clear(self) -> None:
        """Untick every facet and release the whole year range."""
        for group in self.groups.values():
            group.chosen.clear()
        self._quiet = True
        try:
            self.released.value = (self.released.min, self.released.max)
        finally:
            self._quiet = False
        self._changed()

    def chosen(self) -> dict:
        """The choices, as :meth:`Facets.mask` takes them."""
        choices: dict = {g.name: sorted(g.chosen) for g in self.groups.values() if g.chosen}
        if self.released.layout.display != "none" and self.released.value != (
            self.released.min,
            self.released.max,
        ):
            choices["released"] = self.released.value
        return choices

    def _changed(self) -> None:
        if self._quiet:
            return
        choices = self.chosen()
        keep = self.facets.mask(choices) if choices else None
        for callback in self._listeners:  # the grid first: its filtering takes longest
            callback(keep)
        self._show(keep, choices)

    def _show(self, keep: np.ndarray | None, choices: dict | None = None) -> None:
        counts = self.facets.counts(choices or {}, limit=SHOWN)
        for name, group in self.groups.items():
            group.show(counts[name])
        total = len(self.facets)
        shown = total if keep is None else int(keep.sum())
        self.summary.value = (
            f"<small>{shown:,} of {total:,} rows</small>" if keep is not None else ""
        )
        self.clear_button.layout.display = None if keep is not None else "none"
