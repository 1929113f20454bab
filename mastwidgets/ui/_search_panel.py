"""The search form and its results grid (sortable, filterable, multi-row selection)."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from .. import mast
from .._units import human_bytes
from ..errors import InvalidQuery, quoted
from ._background import Status, in_background
from ._facet_panel import FacetPanel
from ._grid import TICK_BOXES, column, grid
from ._link import LinkedGrid, decode, encode, in_voila
from ._mission_form import MissionForm

#: Several rows selected by ticking or clicking them.
_SELECTION = {"rowSelection": "multiple", "rowMultiSelectWithClick": True}

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
    "searched": "Searched for",  # the target of each row in a target-list search
}
# Room for whole observation IDs (JWST's run to 35 characters), missions, instruments
# (NIRCAM/IMAGE) and dates; the grid fits the columns to its width without going below
# these (beside the facets and the details, it scrolls sideways instead).
_WIDTHS = {
    "searched": {"minWidth": 110},
    "target_name": {"minWidth": 110},
    "obs_id": {"minWidth": 270},
    "obs_collection": {"minWidth": 92},
    "instrument_name": {"minWidth": 120},
    "filters": {"minWidth": 80},
    "obs_date": {"minWidth": 140},
    "calib_level": {"minWidth": 70},
    "in_cloud": {"minWidth": 85},
    "distance": {"minWidth": 90},
}
MODES = {
    "Target name": ("M8", True),
    "Coordinates": ("270.904 -24.387", True),
    "Observation ID": ("jw02739-o001_t001_nircam_clear-f090w", False),
    "Target list": ("", True),
    "Criteria": ("", False),
    "Program": ("JWST 2739", False),
    "Mission": ("M16, 274.7 -13.8, or nothing (keywords only)", True),
}
#: The largest target list file a page may upload (a list of 1,000 targets is ~30 kB).
MAX_LIST_BYTES = 256 * 1024
COLLECTIONS = ["any", "JWST", "HST", "TESS", "HLA", "GALEX", "Kepler", "K2", "IUE", "SWIFT"]


def program_query(text: str) -> tuple[str, str]:
    """``"JWST 2739"`` (a mission, then a program ID) as ``("JWST", "2739")``.

    Raises
    ------
    InvalidQuery
        Not two words.
    """
    words = text.replace(",", " ").split()
    if len(words) != 2:
        raise InvalidQuery(
            f"Give a mission and a program ID, e.g. 'JWST 2739'; not {quoted(text)}."
        )
    return words[0], words[1]


def program_html(program: mast.Program) -> str:
    """A program's summary as two small tables side by side: its files by kind and
    level, its science files by instrument and filter."""
    cell = "padding:1px 10px 1px 0;text-align:right"
    kinds = "".join(
        f"<tr><td style='padding:1px 10px 1px 0'>{html.escape(r.kind)}"
        f"{'' if r.calib_level < 0 else f' level {r.calib_level}'}</td>"
        f"<td style='{cell}'>{r.files:,}</td><td style='{cell}'>{human_bytes(r.bytes)}</td></tr>"
        for r in program.summary.itertuples()
    )
    instruments = "".join(
        f"<tr><td style='padding:1px 10px 1px 0'>{html.escape(r.instrument_name)} "
        f"{html.escape(r.filters)}</td><td style='{cell}'>{r.files:,}</td>"
        f"<td style='{cell}'>{human_bytes(r.bytes)}</td></tr>"
        for r in program.by_instrument.itertuples()
    )
    head = "<tr><th style='text-align:left'>{}</th><th>files</th><th>size</th></tr>"
    title = (
        f"<b>{html.escape(program.mission)} program {html.escape(program.program)}</b>: "
        f"{len(program.observations):,} observation(s), {program.files:,} file(s), "
        f"{human_bytes(program.bytes)}"
    )
    return (
        f"<div>{title}</div><div style='display:flex;gap:32px;align-items:flex-start;"
        f"font-size:90%;line-height:1.3'><table>{head.format('files by kind')}{kinds}</table>"
        f"<table>{head.format('science files by instrument and filter')}{instruments}"
        "</table></div>"
    )


def _grid_rows(frame: pd.DataFrame, what: str = "") -> list[dict]:
    """The grid's rows; ``searched``: each row's target in a list search, else ``what``."""
    frame = frame.assign(searched=frame.get("target", what))
    shown = frame.loc[:, list(GRID_COLUMNS)].copy()
    shown["obs_date"] = shown["obs_date"].dt.strftime("%Y-%m-%d %H:%M")
    shown["distance"] = shown["distance"].round(1)
    shown["in_cloud"] = shown["in_cloud"].map({True: "yes", False: "no"})
    return shown.astype(object).where(shown.notna(), None).to_dict("records")


class _CriteriaForm(widgets.HBox):
    """Collection, instrument, filters, date range and minimum exposure."""

    def __init__(self) -> None:
        narrow = widgets.Layout(width="190px")
        self.collection = widgets.Dropdown(
            options=COLLECTIONS, value="any", description="Mission", layout=narrow
        )
        self.instrument = widgets.Text(
            placeholder="NIRCAM*", description="Instrument", layout=narrow
        )
        self.filters = widgets.Text(placeholder="F444W", description="Filters", layout=narrow)
        self.date_from = widgets.Text(placeholder="2022-07-01", description="From", layout=narrow)
        self.date_to = widgets.Text(placeholder="2022-08-01", description="To", layout=narrow)
        self.min_exposure = widgets.BoundedFloatText(
            value=0, min=0, max=1e7, description="Min exp (s)", layout=narrow
        )
        super().__init__(
            [
                self.collection,
                self.instrument,
                self.filters,
                self.date_from,
                self.date_to,
                self.min_exposure,
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.add_class("mw-criteria")

    def fields(self) -> dict:
        """The form's fields as a link carries them."""
        return {
            "collection": self.collection.value,
            "instrument": self.instrument.value.strip(),
            "filters": self.filters.value.strip(),
            "date_from": self.date_from.value.strip(),
            "date_to": self.date_to.value.strip(),
            "min_exposure": self.min_exposure.value,
        }

    def set_fields(self, fields: dict) -> None:
        """Fill the form from a link's fields (an unknown mission is left at "any", an
        exposure that is not a number at 0)."""
        if fields.get("collection") in COLLECTIONS:
            self.collection.value = fields["collection"]
        for name in ("instrument", "filters", "date_from", "date_to"):
            if name in fields:
                getattr(self, name).value = fields[name]
        try:
            exposure = float(fields.get("min_exposure", 0) or 0)
        except ValueError:
            exposure = 0.0
        self.min_exposure.value = min(max(exposure, 0.0), self.min_exposure.max)

    def criteria(self) -> dict:
        found = {}
        if self.collection.value != "any":
            found["obs_collection"] = self.collection.value
        instrument = self.instrument.value.strip()
        if instrument:
            # MAST names JWST and HST instruments with their mode (MIRI/IMAGE, WFC3/IR): a
            # bare name means every mode of it, as MAST's tutorials advise ("MIRI*")
            bare = not any(c in instrument for c in "/*%")
            found["instrument_name"] = f"{instrument}*" if bare else instrument
        if self.filters.value.strip():
            found["filters"] = [f.strip() for f in self.filters.value.split(",") if f.strip()]
        if self.date_from.value.strip() or self.date_to.value.strip():
            found["t_min"] = [
                self.date_from.value.strip() or "1970-01-01",
                self.date_to.value.strip() or "2100-01-01",
            ]
        if self.min_exposure.value:
            found["t_exptime"] = [self.min_exposure.value, 1e9]
        return found


class SearchPanel(widgets.VBox):
    """Search MAST by target, coordinates, observation ID or criteria.

    The search runs in a background thread, so the kernel stays responsive.
    ``results`` holds the last search's DataFrame and ``selected`` its rows
    selected in the grid; ``on_select(callback)`` is told of each change.
    """

    def __init__(self, theme: str = "light", grid_license: str | None = None) -> None:
        """``grid_license``: an organisation's AG Grid Enterprise key; without one the
        grid is AG Grid Community (all it uses), with no licence banner or watermark."""
        self.results = pd.DataFrame(columns=list(mast.RESULT_COLUMNS))
        self.selected = self.results
        self._listeners: list[Callable[[pd.DataFrame], None]] = []
        #: The last Program search's answer (its summary shown under the form), or None.
        self.program: mast.Program | None = None
        self._program_listeners: list[Callable[[mast.Program | None], None]] = []
        self.program_summary = widgets.HTML()
        self.program_summary.add_class("mw-program-summary")
        self.mode = widgets.ToggleButtons(options=list(MODES), description="Search by")
        self.query = widgets.Text(
            placeholder=MODES["Target name"][0], description="Target", continuous_update=False
        )
        self.radius = widgets.Text(
            value=mast.DEFAULT_RADIUS, description="Radius", layout=widgets.Layout(width="200px")
        )
        self.criteria = _CriteriaForm()
        self.criteria.layout.display = "none"
        self.mission = MissionForm()
        self.mission.layout.display = "none"
        self.targets = widgets.Textarea(
            placeholder="One target a line: a name (M16, NGC 6543) or a position "
            "(274.70 -13.81), or a CSV with a 'target' or 'ra,dec' header",
            layout=widgets.Layout(width="520px", height="110px"),
        )
        self.upload = widgets.FileUpload(accept=".csv,.txt", description="CSV file…")
        self.upload.observe(self._uploaded, names="value")
        self.target_list = widgets.HBox([self.targets, self.upload])
        self.target_list.layout.display = "none"
        self.button = widgets.Button(description="Search", button_style="primary", icon="search")
        self.status = Status()
        self.status.add_class("mw-search-status")
        self.count = widgets.HTML()
        self.grid = grid(
            self._columns(),
            theme=theme,
            license=grid_license,
            height=380,
            cls=LinkedGrid,
            **_SELECTION,
        )
        self.link = ""  # the query (?...) of the last search's link
        self.copy_link = widgets.Button(
            description="Copy link",
            icon="link",
            disabled=True,
            tooltip="The page's address repeats this search: copy it for a colleague",
            layout=widgets.Layout(width="auto"),
        )
        if not in_voila():  # a notebook's address is not a link to a search
            self.copy_link.layout.display = "none"
        self.copy_link.on_click(lambda _: self._copy_link())
        self.grid.on_copied("search", self._link_copied)
        self.grid.add_class("mw-results")
        self.grid.layout.flex = "1 1 auto"
        self.facets = FacetPanel()
        #: The facets and the results grid; the App adds the focused observation's
        #: details beside them.
        self.results_row = widgets.HBox(
            [self.facets, self.grid], layout=widgets.Layout(width="100%", align_items="flex-start")
        )
        self.facets.on_change(self._narrowed)
        self.mode.observe(self._mode_changed, names="value")
        self.button.on_click(lambda _: self.search())
        self.query.observe(lambda _: self.search(), names="value")  # Enter (no live updates)
        self.grid.on_pick(self._grid_selection)
        form = widgets.HBox([self.query, self.radius, self.button, self.copy_link])
        super().__init__(
            [
                self.mode,
                self.target_list,
                form,
                self.criteria,
                self.mission,
                self.status,
                self.program_summary,
                self.count,
                self.results_row,
            ]
        )
        self._thread: threading.Thread | None = None
        self._label = ""

    @staticmethod
    def _columns() -> list[dict]:
        columns = [column(f, title, **_WIDTHS.get(f, {})) for f, title in GRID_COLUMNS.items()]
        columns[0].update(TICK_BOXES)
        return columns

    def on_select(self, callback: Callable[[pd.DataFrame], None]) -> None:
        self._listeners.append(callback)

    def on_program(self, callback: Callable[[mast.Program | None], None]) -> None:
        """``callback(program)`` after each search: the program of a Program search,
        None after any other."""
        self._program_listeners.append(callback)

    def _mode_changed(self, change) -> None:
        example, positional = MODES[change["new"]]
        criteria = change["new"] == "Criteria"
        listed = change["new"] == "Target list"
        label = "Target" if change["new"] == "Mission" else change["new"].split()[0]
        self.query.description = label
        self.query.placeholder = example
        self.query.layout.display = "none" if criteria or listed else None
        self.target_list.layout.display = None if listed else "none"
        self.radius.layout.display = None if positional else "none"
        self.criteria.layout.display = None if criteria else "none"
        missions = change["new"] == "Mission"
        self.mission.layout.display = None if missions else "none"
        if missions:
            self.mission.load()

    def search(self) -> None:
        """Run the search in the background (the button and Enter call this)."""
        mode, text = self.mode.value, self.query.value.strip()
        if mode == "Target list":
            text = self.targets.value.strip()
        if mode not in ("Criteria", "Mission") and not text:
            self.status.say("Type what to search for.", "error")
            return
        if mode == "Mission":
            try:
                keywords = self.mission.criteria()
            except InvalidQuery as error:
                self.status.say(str(error), "error")
                return
            if not text and not keywords:
                self.status.say("Type a target or position, or add keywords.", "error")
                return
        if self._thread is not None and self._thread.is_alive():
            return
        self.button.disabled = True
        what = text or "your criteria"
        if mode == "Target list":
            count = len([line for line in text.splitlines() if line.strip()])
            what = f"a list of {count:,} line(s)"
        elif mode == "Program":
            what = f"program {text}"
        elif mode == "Mission":
            mission = self.mission.mission.value
            what = f"{mission} datasets" + (f" near {text}" if text else " matching the keywords")
        self.status.say(f"Searching MAST for {what}…", "busy")
        radius = self.radius.value
        criteria = self.criteria.criteria()
        fields = {"Criteria": self.criteria.fields, "Mission": self.mission.fields}.get(mode)
        link = encode(mode, text, radius, fields() if fields else None)

        def work() -> pd.DataFrame:
            if mode == "Program":
                return mast.search_program(*program_query(text))
            if mode == "Mission":
                return mast.search_mission(mission, text or None, radius=radius, **keywords)
            if mode == "Target name":
                return mast.search_target(text, radius)
            if mode == "Coordinates":
                return mast.search_region(text, radius)
            if mode == "Observation ID":
                return mast.search_obs_id([t.strip() for t in text.split(",")])
            if mode == "Target list":
                return mast.search_targets(text, radius)
            return mast.search_criteria(**criteria)

        def done(frame: pd.DataFrame | mast.Program) -> None:
            program = frame if isinstance(frame, mast.Program) else None
            if program is not None:
                frame = program.observations
            self._set_program(program)
            self.show(frame, what)
            self.link = link
            self.copy_link.disabled = False
            if in_voila():
                self.grid.address = link
            count = len(frame)
            failed = frame.attrs.get("failed") or {}
            unknown = (
                f" Not searched: {', '.join(failed)} ({next(iter(failed.values()))})"
                if failed
                else ""
            )
            noun = "dataset" if mode == "Mission" else "observation"
            self.status.say(
                f"{count:,} {noun}{'s' if count != 1 else ''} found for {what}.{unknown}",
                "ok" if count and not failed else "info",
            )

        self._thread = in_background(
            "search",
            work,
            done,
            self.status,
            finally_=lambda: setattr(self.button, "disabled", False),
        )

    def _set_program(self, program: mast.Program | None) -> None:
        self.program = program
        self.program_summary.value = "" if program is None else program_html(program)
        for listener in self._program_listeners:
            listener(program)

    def show(self, frame: pd.DataFrame, what: str = "") -> None:
        """Put these results in the grid; ``what`` names the search they answer (the
        grid keeps them after a later search fails, and must not seem to answer it)."""
        self.results = frame
        # Nothing selected before the rows go to the page: a row ticked as soon as it is
        # drawn is then kept (clearing after, a quick tick was lost: a flaky browser test).
        self.select([])
        self.grid.show_rows(_grid_rows(frame, what))
        self._label = f" · results for {html.escape(what)}" if what else ""
        self.count.value = f"<small>{len(frame):,} rows{self._label}</small>"
        self.facets.set_frame(frame)

    def _narrowed(self, keep) -> None:
        """The facets' choice: the grid shows only those rows."""
        self.grid.show_only(keep)
        total = len(self.results)
        shown = total if keep is None else int(keep.sum())
        narrowed = (
            f"{shown:,} of {total:,} rows (facets)" if keep is not None else f"{total:,} rows"
        )
        self.count.value = f"<small>{narrowed}{self._label}</small>"

    def open_link(self, query: str) -> bool:
        """Run the search a link (the page address's query) asks for; False when the
        query is not a search (it is then ignored)."""
        asked = decode(query)
        if asked is None:
            return False
        self.mode.value = asked["mode"]
        if asked["radius"]:
            self.radius.value = asked["radius"]
        self.criteria.set_fields(asked["criteria"])
        self.mission.set_fields(asked["criteria"])
        if asked["mode"] == "Target list":
            self.targets.value = asked["text"]
            self.search()
        elif asked["mode"] in ("Criteria", "Mission") or self.query.value == asked["text"]:
            self.search()
        else:
            self.query.value = asked["text"]  # runs the search, as Enter does
        return True

    def _copy_link(self) -> None:
        """Copy the page's address (which repeats the search) in the page."""
        if not self.link:
            return
        self.grid.copy("search")
        self.status.say("Copying the link…", "busy")

    def _link_copied(self, ok: bool, text: str) -> None:
        self.status.say(
            f"Link copied: {text} (it repeats this search; no token, no folder)."
            if ok
            else f"The browser did not let the page copy; the link is {text}",
            "ok" if ok else "info",
        )

    def _uploaded(self, change) -> None:
        """A target list file from the page: text only, of a bounded size."""
        files = change["new"] or ()
        if not files:
            return
        upload = files[0]
        content = bytes(upload["content"])
        self.upload.value = ()  # the same file may be chosen again; the kernel keeps no copy
        if len(content) > MAX_LIST_BYTES:
            self.status.say(
                f"{upload['name']} is {len(content):,} bytes; a target list may have at most "
                f"{MAX_LIST_BYTES:,}.",
                "error",
            )
            return
        try:
            self.targets.value = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.status.say(f"{upload['name']} is not a text (CSV) file.", "error")
            return
        self.status.say(f"{upload['name']}: {len(self.targets.value.splitlines()):,} line(s).")

    def select(self, obs_ids: list[str]) -> None:
        """Select these observations (the grid does this as rows are ticked)."""
        wanted = set(obs_ids)
        self.selected = self.results[self.results["obs_id"].isin(wanted)]
        for callback in self._listeners:
            callback(self.selected)

    def _grid_selection(self, positions: list[int]) -> None:
        self.select(list(self.results["obs_id"].iloc[positions]))
