"""ipyaggrid's grid as the app uses it: rows sent to the page once, selections back."""

from __future__ import annotations

import pandas as pd
from ipyaggrid import Grid
from ipyaggrid.util import Util
from traitlets import Dict


class QuietGrid(Grid):
    """ipyaggrid's grid, whose rows travel to the page once. The page's answers (the
    selected rows) are not echoed back to it: ipywidgets 8 echoes every state change a
    page makes, which for a grid costs the page's whole upload again, uncompressed."""

    _grid_data_up = Dict({}).tag(sync=True, from_json=Util.data_from_json, echo_update=False)


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


def grid(columns: list[dict], *, theme: str, license: str | None, height: int, **options):
    """A :class:`QuietGrid` over these columns (rows given later)."""
    return QuietGrid(
        grid_data=[],
        grid_options={
            "columnDefs": columns,
            "enableSorting": True,
            "enableFilter": True,
            **options,
        },
        quick_filter=True,
        theme="ag-theme-balham-dark" if theme == "dark" else "ag-theme-balham",
        height=height,
        columns_fit="size_to_fit",
        export_mode="auto",  # the selected rows come back as they are ticked
        sync_grid=False,  # but not every row after each update (a second copy)
        # ipyaggrid loads AG Grid Enterprise unless told "community"; unlicensed, it
        # logs a licence banner and, on a page not served from localhost, watermarks.
        license=license or "community",
    )


def page_selection(change, sent: list, field: str) -> tuple[list[int] | None, list] | None:
    """What the page reports selected (a ``grid_data_out`` change): the rows' positions
    in the rows last sent, and their ``field`` values as the page shows them.

    ipyaggrid sends the selected rows' shown columns indexed by AG Grid's row ids,
    which are the rows' positions in what was sent; ``sent`` (the ``field`` of each row
    sent) checks that. Positions are None when the check fails (the values still say
    which rows); the whole answer is None when the page reports no rows.
    """
    rows = (change["new"] or {}).get("rows")
    if not isinstance(rows, pd.DataFrame):
        return None
    shown = list(rows[field]) if field in rows else []
    try:
        positions = [int(i) for i in rows.index.get_level_values(0)]
        if [sent[p] for p in positions] == shown:
            return positions, shown
    except (ValueError, IndexError):
        pass
    return None, shown
