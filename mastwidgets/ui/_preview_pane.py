"""The focused observation's preview and facts, and the selection's footprints."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from .. import mast
from ..errors import MastWidgetsError
from ..views.footprints import footprints_png
from ._background import Status, in_background
from ._picture import Picture

#: Observations offered in the "Preview of" list (the footprints show up to 2,000).
MAX_LISTED = 500
FACTS = {
    "target_name": "Target",
    "obs_collection": "Mission",
    "instrument_name": "Instrument",
    "filters": "Filters",
    "t_exptime": "Exposure (s)",
    "obs_date": "Date (UTC)",
    "proposal_id": "Proposal",
    "proposal_pi": "PI",
    "s_ra": "RA (deg)",
    "s_dec": "Dec (deg)",
    "dataRights": "Data rights",
}


def _image_format(data: bytes) -> str:
    return "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpeg"


def facts_html(row: pd.Series) -> str:
    cells = []
    for field, title in FACTS.items():
        value = row.get(field)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if field == "obs_date":
            value = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, float):
            value = f"{value:,.5g}" if field != "t_exptime" else f"{value:,.1f}"
        cells.append(f"<tr><th>{title}</th><td>{html.escape(str(value))}</td></tr>")
    return f"<table class='mw-record mw-facts'>{''.join(cells)}</table>"


class PreviewPane(widgets.VBox):
    """Pick one of the selected observations: its preview image (fetched by the kernel:
    the page loads nothing from elsewhere) and facts; every selected footprint on the
    sky, the picked one highlighted."""

    def __init__(self, theme: str = "light") -> None:
        self.theme = theme
        self.observations = pd.DataFrame()
        self.focus = widgets.Dropdown(
            options=[], description="Preview of", layout=widgets.Layout(width="100%")
        )
        self.image = Picture("mw-preview", max_width="49%")
        self.facts = widgets.HTML()
        self.footprints = Picture("mw-footprints", max_width="49%")
        self.status = Status()
        self.focus.observe(lambda _: self._show_focus(), names="value")
        self._generation = 0
        # A column beside the results: the focused observation's preview and the
        # selection's footprints side by side, its facts under them.
        super().__init__(
            [
                self.focus,
                self.status,
                widgets.HBox(
                    [self.image, self.footprints],
                    layout=widgets.Layout(
                        justify_content="space-between", align_items="flex-start"
                    ),
                ),
                self.facts,
            ],
            layout=widgets.Layout(width="380px", flex="0 0 380px", margin="0 0 0 8px"),
        )
        self.add_class("mw-details")
        self.layout.display = "none"

    def set_observations(self, frame: pd.DataFrame) -> None:
        self.observations = frame.reset_index(drop=True)
        # a mission search's datasets have no footprint or preview in MAST's answer
        self.layout.display = "none" if frame.empty or mast.is_mission_table(frame) else None
        if mast.is_mission_table(frame):
            return
        listed = self.observations["obs_id"].head(MAX_LISTED)
        self.focus.options = [(str(o), i) for i, o in enumerate(listed)]
        self.focus.value = 0 if len(listed) else None
        if len(listed):
            self._show_focus()

    def _show_focus(self) -> None:
        index = self.focus.value
        if index is None or index >= len(self.observations):
            return
        self._generation += 1
        generation = self._generation
        row = self.observations.iloc[index]
        regions = list(self.observations["s_region"])
        self.facts.value = facts_html(row)
        self.status.say(f"Fetching the preview of {row['obs_id']}…", "busy")

        def work():
            footprints = footprints_png(regions, focus=index, theme=self.theme)
            try:
                return mast.preview_image(row), footprints, None
            except MastWidgetsError as error:  # the footprints are still worth showing
                return None, footprints, str(error)

        def done(answer) -> None:
            if generation != self._generation:
                return
            preview, footprints, failed = answer
            if preview:
                self.image.format = _image_format(preview)
                self.image.value = preview
            else:
                self.image.value = b""
            self.footprints.value = footprints or b""
            missing = [] if preview else [failed or "MAST has no preview of it"]
            if not footprints:
                missing.append("no footprint (s_region) to draw")
            self.status.say(
                f"{row['obs_id']}" + (f": {'; '.join(missing)}." if missing else ""),
                "info" if missing else "ok",
            )

        in_background("preview", work, done, self.status)
