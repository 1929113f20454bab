"""The search form and its results grid."""

from __future__ import annotations

import html
import logging
import threading

import ipywidgets as widgets
import pandas as pd
from ipyaggrid import Grid

from .. import mast
from ..errors import MastWidgetsError

log = logging.getLogger(__name__)

GRID_COLUMNS = {
    "target_name": "Target",
    "obs_id": "Observation ID",
    "obs_collection": "Mission",
    "instrument_name": "Instrument",
    "filters": "Filters",
    "t_exptime": "Exposure (s)",
    "obs_date": "Date (UTC)",
    "calib_level": "Level",
    "in_cloud": "In cloud",
    "distance": "Distance (arcsec)",
}
MODES = {
    "Target name": ("M8", True),
    "Coordinates": ("270.904 -24.387", True),
    "Observation ID": ("jw02739-o001_t001_nircam_clear-f090w", False),
}


def _grid_rows(frame: pd.DataFrame) -> list[dict]:
    shown = frame.loc[:, list(GRID_COLUMNS)].copy()
    shown["obs_date"] = shown["obs_date"].dt.strftime("%Y-%m-%d %H:%M")
    shown["distance"] = shown["distance"].round(1)
    shown["in_cloud"] = shown["in_cloud"].map({True: "yes", False: "no"})
    return shown.astype(object).where(shown.notna(), None).to_dict("records")


class SearchPanel(widgets.VBox):
    """Search MAST by target, coordinates or observation ID; results in a grid.

    The search runs in a background thread, so the kernel stays responsive.
    ``results`` holds the last search's DataFrame.
    """

    def __init__(self) -> None:
        self.results = pd.DataFrame(columns=list(mast.RESULT_COLUMNS))
        self.mode = widgets.ToggleButtons(options=list(MODES), description="Search by")
        self.query = widgets.Text(
            placeholder=MODES["Target name"][0], description="Target", continuous_update=False
        )
        self.radius = widgets.Text(
            value=mast.DEFAULT_RADIUS, description="Radius", layout=widgets.Layout(width="200px")
        )
        self.button = widgets.Button(description="Search", button_style="primary", icon="search")
        self.status = widgets.HTML()
        self.grid = Grid(
            grid_data=[],
            grid_options=self._grid_options(),
            quick_filter=True,
            theme="ag-theme-balham",
            height=420,
            columns_fit="size_to_fit",
            export_mode="disabled",
        )
        self.mode.observe(self._mode_changed, names="value")
        self.button.on_click(lambda _: self.search())
        self.query.observe(lambda _: self.search(), names="value")  # Enter (no live updates)
        form = widgets.HBox([self.query, self.radius, self.button])
        super().__init__([self.mode, form, self.status, self.grid])
        self._thread: threading.Thread | None = None

    @staticmethod
    def _grid_options() -> dict:
        return {
            "columnDefs": [
                {
                    "headerName": title,
                    "field": field,
                    "sortable": True,
                    "filter": True,
                    "resizable": True,
                }
                for field, title in GRID_COLUMNS.items()
            ],
            "rowSelection": "multiple",
            "enableSorting": True,
            "enableFilter": True,
        }

    def _mode_changed(self, change) -> None:
        example, positional = MODES[change["new"]]
        self.query.description = change["new"].split()[0]
        self.query.placeholder = example
        self.radius.layout.visibility = "visible" if positional else "hidden"

    def _say(self, text: str, kind: str = "info") -> None:
        colour = {"info": "inherit", "error": "#b00020", "busy": "#555"}[kind]
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def search(self) -> None:
        """Run the search in the background (the button and Enter call this)."""
        text = self.query.value.strip()
        if not text:
            self._say("Type what to search for.", "error")
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self.button.disabled = True
        self._say(f"Searching MAST for {text}…", "busy")
        self._thread = threading.Thread(
            target=self._run, args=(self.mode.value, text), name="mastwidgets-search", daemon=True
        )
        self._thread.start()

    def _run(self, mode: str, text: str) -> None:
        try:
            if mode == "Target name":
                frame = mast.search_target(text, self.radius.value)
            elif mode == "Coordinates":
                frame = mast.search_region(text, self.radius.value)
            else:
                frame = mast.search_obs_id(text)
        except MastWidgetsError as error:
            self._say(str(error), "error")
        except Exception as error:  # the UI boundary: a message, never a traceback
            log.exception("search for %r failed", text)
            self._say(
                f"The search failed unexpectedly ({type(error).__name__}); details are in the log.",
                "error",
            )
        else:
            self.results = frame
            self.grid.update_grid_data(_grid_rows(frame))
            count = len(frame)
            self._say(f"{count} observation{'s' if count != 1 else ''} found for {text}.")
        finally:
            self.button.disabled = False


class App(widgets.VBox):
    """The mastwidgets application (this version: search)."""

    def __init__(self) -> None:
        self.search_panel = SearchPanel()
        title = widgets.HTML("<h2 style='margin:0.2em 0'>MAST search and import</h2>")
        super().__init__([title, self.search_panel])
