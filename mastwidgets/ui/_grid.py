"""ipyaggrid's grid as the app uses it: rows sent to the page once, selections back."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

import numpy as np
from ipyaggrid import Grid
from ipyaggrid.util import Util
from traitlets import Dict

from ..app import LATE_GRID

#: Runs in the page once a grid exists. Rows sent with ``ticked`` true are ticked there
#: quietly (no "selection changed"), and each change of selection the page makes (a
#: click, the header's box) is reported once, as the ticked rows' positions in the rows
#: sent. ipyaggrid's own report (``export_mode="auto"``) sends the ticked rows' shown
#: columns on every row's "row selected": ticking n rows at once cost n^2, 197 s and a
#: swamped kernel for 15,008 files (measured).
_PAGE_SIDE = """
// Keyboard: arrows move within the grid (Space ticks a row), Tab leaves it for the next
// control (the WAI-ARIA grid pattern), instead of visiting every cell and header.
gridOptions.tabToNextCell = () => null;
gridOptions.tabToNextHeader = () => null;
const tickAsSent = () => gridOptions.api.forEachNode((node) => {
  if (node.data && node.data.ticked) node.setSelected(true, false, true);
});
tickAsSent();
gridOptions.api.addEventListener('rowDataChanged', tickAsSent);
gridOptions.api.addEventListener('rowDataUpdated', tickAsSent);
// Facets: the kernel says which rows to keep (one bit a row, in the rows sent, for
// the batch it names); the grid filters by them, with its own filters on top.
let keep = null;
gridOptions.isExternalFilterPresent = () => keep !== null;
gridOptions.doesExternalFilterPass = (node) => {
  const i = Number(node.id);
  return ((keep[i >> 3] >> (7 - (i & 7))) & 1) === 1;
};
const applyShown = () => {
  const shown = view.model.get('shown') || {};
  const first = gridOptions.api.getRowNode('0');
  if (shown.batch != null && first && first.data && shown.batch !== first.data.batch) return;
  keep = shown.bits == null ? null : Uint8Array.from(atob(shown.bits), (c) => c.charCodeAt(0));
  gridOptions.api.onFilterChanged();
  // A ticked row the facets hide is unticked: what is imported is what is seen.
  if (keep !== null) {
    gridOptions.api.forEachNode((node) => {
      if (node.isSelected() && !gridOptions.doesExternalFilterPass(node)) node.setSelected(false);
    });
  }
};
view.model.on('change:shown', applyShown);
gridOptions.api.addEventListener('rowDataChanged', applyShown);
gridOptions.api.addEventListener('selectionChanged', () => {
  const first = gridOptions.api.getRowNode('0');
  const rows = gridOptions.api.getSelectedNodes().map((node) => Number(node.id));
  view.model.set('picked', {batch: first && first.data ? first.data.batch : null, rows});
  view.touch();
});
"""


#: The grids' widget module on the app's own Voila page (`mastwidgets app`, whose
#: kernels have `LATE_GRID` set): ``jupyter/labextensions/mastwidgets-grid``, whose
#: views fetch ipyaggrid's code after the page is drawn, not before (0.3 s of each page
#: load). Elsewhere (JupyterLab, Binder's Voila) the grids are ipyaggrid's own.
LATE_MODULE = {
    "_model_module": "mastwidgets-grid",
    "_view_module": "mastwidgets-grid",
    "_model_module_version": "^1.0.0",
    "_view_module_version": "^1.0.0",
}


class QuietGrid(Grid):
    """ipyaggrid's grid, whose rows travel to the page once and whose ticked rows come
    back as their positions, once per change. The page's answers are not echoed back to
    it: ipywidgets 8 echoes every state change a page makes."""

    _grid_data_up = Dict({}).tag(sync=True, from_json=Util.data_from_json, echo_update=False)
    #: The page's ticked rows: ``{"batch": n, "rows": [positions in the rows sent]}``.
    picked = Dict({}).tag(sync=True, echo_update=False)
    #: The rows the page shows: ``{"batch": n, "bits": base64 of numpy.packbits}``,
    #: ``bits`` None for all of them.
    shown = Dict({}).tag(sync=True)

    def __init__(self, **kwargs) -> None:
        if os.environ.get(LATE_GRID) == "1":
            # Before ipyaggrid's __init__ ends: the page creates the model with these.
            for name, value in LATE_MODULE.items():
                setattr(self, name, value)
        super().__init__(**kwargs)
        self.js_post_grid = [_PAGE_SIDE]
        self.batch = 0  # counts the rows sent; the page reports which it ticked in
        self.sent = 0

    def show_rows(self, rows: list[dict]) -> None:
        """Send these rows to the page; those whose ``ticked`` is true are ticked."""
        self.batch += 1
        self.sent = len(rows)
        if rows:  # the first row says which rows these are
            rows = [{**rows[0], "batch": self.batch}, *rows[1:]]
        self.shown = {"batch": self.batch, "bits": None}
        self.update_grid_data(rows)

    def show_only(self, keep: np.ndarray | None) -> None:
        """Show only the rows (last sent) whose flag in ``keep`` is true; ``None``: all.
        One bit a row crosses the wire (12.5 kB for 100,000 rows), not the rows."""
        bits = None if keep is None else base64.b64encode(np.packbits(keep)).decode("ascii")
        self.shown = {"batch": self.batch, "bits": bits}

    def on_pick(self, callback: Callable[[list[int]], None]) -> None:
        """Call ``callback`` with the positions (in the rows last sent) of the rows
        ticked in the page, each time the page's ticks change; reports about rows
        sent before are ignored."""

        def picked(change) -> None:
            report = change["new"] or {}
            rows = report.get("rows")
            if report.get("batch") != self.batch or not isinstance(rows, list):
                return
            positions = [p for p in rows if isinstance(p, int) and 0 <= p < self.sent]
            callback(sorted(positions))

        self.observe(picked, names="picked")


#: A column's tick boxes; the header's box ticks the rows the filters leave (all of
#: them when unfiltered).
TICK_BOXES = {
    "checkboxSelection": True,
    "headerCheckboxSelection": True,
    "headerCheckboxSelectionFilteredOnly": True,
}


def column(field: str, title: str, **extra) -> dict:
    """A sortable, filterable, resizable column with its title as tooltip."""
    return {
        "headerName": title,
        "field": field,
        "sortable": True,
        "filter": True,
        "resizable": True,
        "headerTooltip": title,
        "tooltipField": field,
        **extra,
    }


def grid(
    columns: list[dict],
    *,
    theme: str,
    license: str | None,
    height: int,
    cls: type[QuietGrid] = QuietGrid,
    **options,
):
    """A :class:`QuietGrid` (or ``cls``) over these columns (rows given later)."""
    return cls(
        grid_data=[],
        grid_options={
            "columnDefs": columns,  # each sortable and filterable (AG Grid 28: per column)
            **options,
        },
        quick_filter=True,
        theme="ag-theme-balham-dark" if theme == "dark" else "ag-theme-balham",
        height=height,
        columns_fit="size_to_fit",
        sync_grid=False,  # not every row back after each update (a second copy)
        # ipyaggrid loads AG Grid Enterprise unless told "community"; unlicensed, it
        # logs a licence banner and, on a page not served from localhost, watermarks.
        license=license or "community",
    )
