"""The catalog: imported files, searchable, with a quick look and the headers of the
one picked."""

from __future__ import annotations

import html
import logging

import ipywidgets as widgets
import pandas as pd

from .. import imports
from ..catalog import Catalog
from ..imports import shown_path
from ..settings import get_settings
from ..views import quicklook
from ..views.imviz import imviz_available, show_in_imviz
from ._background import Status, in_background
from ._grid import column, grid
from ._picture import Picture

log = logging.getLogger(__name__)

KEYWORDS = (
    "TELESCOP",
    "INSTRUME",
    "DETECTOR",
    "FILTER",
    "TARGNAME",
    "RA_TARG",
    "DEC_TARG",
    "DATE-OBS",
    "EXPTIME",
)


def header_html(record: dict, path: str | None = None) -> str:
    """A record's facts, key keywords, extensions and full primary header; ``path``:
    the file's path as the page shows it (default: the record's)."""
    shown = {**record, "path": path or record.get("path")}
    if not record.get("path"):  # headers read in place: where the file lives
        shown["path"], shown["location"] = None, record.get("location")
    facts = "".join(
        f"<tr><th>{k}</th><td>{html.escape(str(shown.get(k)))}</td></tr>"
        for k in ("filename", "obs_id", "path", "location", "size", "source", "md5", "error")
        if shown.get(k) is not None
    )
    header = record.get("header") or {}
    keys = "".join(
        f"<tr><th>{k}</th><td>{html.escape(str(header[k]))}</td></tr>"
        for k in KEYWORDS
        if k in header
    )
    extensions = "".join(
        f"<tr><td>{e['index']}</td><td>{html.escape(e['name'])}</td><td>{e['type']}</td>"
        f"<td>{' × '.join(map(str, e['shape'])) or '–'}</td></tr>"
        for e in record.get("extensions") or []
    )
    full = "<br>".join(
        f"<code>{html.escape(k)} = {html.escape(str(v))}</code>" for k, v in header.items()
    )
    return (
        f"<table class='mw-record'>{facts}{keys}</table>"
        + (
            f"<table><tr><th>#</th><th>name</th><th>type</th><th>shape</th></tr>{extensions}"
            "</table>"
            if extensions
            else ""
        )
        + (
            f"<details><summary>Full primary header ({len(header)} keywords)</summary>"
            f"{full}</details>"
            if header
            else ""
        )
    )


def _readable(record: dict) -> str:
    """Where a record's file is: its local path, or (a remote record) its S3/HTTP
    location, else its dataURI: what ``quicklook`` and ``show_in_imviz`` take."""
    return record.get("path") or record.get("location") or record["key"]


#: Records listed at once; the store pages through the rest.
PAGE = 50
COLUMNS = {
    "target": "Target",
    "instrument": "Instrument",
    "filters": "Filter",
    "date_obs": "Date",
    "exptime": "Exposure (s)",
    "megabytes": "Size (MB)",
    "file": "File",
    "where": "Path",
}
_WIDTHS = {
    "target": {"minWidth": 100},
    "file": {"minWidth": 240},
    "where": {"minWidth": 260},
    "date_obs": {"minWidth": 150},
}


def _grid_rows(records: list[dict], settings) -> list[dict]:
    return [
        {
            "target": r.get("target"),
            "instrument": r.get("instrument"),
            "filters": r.get("filters"),
            "date_obs": r.get("date_obs"),
            "exptime": r.get("exptime"),
            "megabytes": None if r.get("size") is None else round(r["size"] / 1e6, 3),
            "file": r.get("filename"),
            "where": _where(r, settings),
        }
        for r in records
    ]


def _where(record: dict, settings) -> str | None:
    """The file's path as the page shows it; for a remote record (headers read in
    place, not imported), where it lives."""
    if record.get("path"):
        return shown_path(record["path"], settings)
    location = record.get("location")
    return f"remote: {location}" if location else None


class CatalogPanel(widgets.VBox):
    """Search the catalog (MongoDB or the embedded store) a page at a time; pick a file
    for a quick look (its image or spectrum) next to its headers. The store counts,
    filters and pages: 100,000 records cost a page."""

    def __init__(self, *, theme: str = "light", grid_license=None) -> None:
        self.theme = theme
        self.field = widgets.Dropdown(
            options=["obs_id", "target", "instrument", "filters", "job_id"],
            value="target",
            description="Find by",
            layout=widgets.Layout(width="210px"),
        )
        self.text = widgets.Text(
            placeholder="M16, jw02739* (blank: everything)",
            description="Value",
            continuous_update=False,
        )
        self.button = widgets.Button(description="Show", icon="search")
        self.status = Status()
        self.previous = widgets.Button(
            description="Previous", icon="chevron-left", disabled=True, tooltip="Newer files"
        )
        self.next = widgets.Button(
            description="Next", icon="chevron-right", disabled=True, tooltip="Older files"
        )
        columns = [column(f, title, **_WIDTHS.get(f, {})) for f, title in COLUMNS.items()]
        self.grid = grid(
            columns, theme=theme, license=grid_license, height=320, rowSelection="single"
        )
        self.grid.add_class("mw-catalog")
        self.grid.on_pick(self._picked)
        # The grid joins the page when it first has rows, with its tab shown: AG Grid
        # cannot fit columns to a hidden tab's zero width (and says so in the console).
        self._grid_box = widgets.VBox()
        self.look = Picture("mw-quicklook", max_width="480px")
        self.look_status = Status()
        self.header = widgets.HTML(layout=widgets.Layout(width="55%"))
        # jdaviz's Imviz, when installed (mastwidgets[viz]) and the page is not hosted
        # for others: Imviz's own Import dialog would open any file of the server.
        self.imviz = None
        self.open_imviz = widgets.Button(description="Open in Imviz", icon="external-link")
        self.open_imviz.on_click(lambda _: self.open_in_imviz())
        self.open_imviz.layout.display = "none"
        # a remote record (headers read in place): its file imported on request
        self.import_file = widgets.Button(
            description="Import this file",
            icon="download",
            tooltip="Download the file (verified, resumable); its record becomes local",
            layout=widgets.Layout(width="auto", display="none"),
        )
        self.import_file.on_click(lambda _: self.import_picked())
        self.import_job = None
        self.viewer = widgets.VBox()
        self.records: list[dict] = []  # the page shown
        self.page, self.total = 0, 0
        self._thread = None
        self._generation = 0
        self.button.on_click(lambda _: self.refresh())
        self.text.observe(lambda _: self.refresh(), names="value")
        self.previous.on_click(lambda _: self.show_page(self.page - 1))
        self.next.on_click(lambda _: self.show_page(self.page + 1))
        super().__init__(
            [
                widgets.HBox([self.field, self.text, self.button]),
                widgets.HBox([self.status, self.previous, self.next]),
                self._grid_box,
                widgets.HBox(
                    [
                        widgets.VBox(
                            [self.look_status, self.look, self.open_imviz, self.import_file]
                        ),
                        self.header,
                    ],
                    layout=widgets.Layout(align_items="flex-start"),
                ),
                self.viewer,
            ]
        )
        self._shown: dict | None = None
        self._picked_record: dict | None = None

    def refresh(self) -> None:
        """List the first page of the records matching the search box."""
        self.show_page(0)

    def show_job(self, job_id: str) -> None:
        """List the records of one import's files (the Jobs tab's "In Catalog")."""
        self.field.value = "job_id"
        if self.text.value == job_id:
            self.refresh()
        else:
            self.text.value = job_id  # which lists them

    def show_page(self, page: int) -> None:
        """List page ``page`` (0: the newest files) in the background."""
        wanted = self.text.value.strip()
        filters = {self.field.value: wanted} if wanted else {}
        settings = get_settings()
        under = settings.data_root  # a hosted page: only the files under its root
        page = max(page, 0)

        def work() -> tuple[int, int, list[dict]]:
            with Catalog() as catalog:
                total = catalog.count(under=under, **filters)
                last = max((total - 1) // PAGE, 0)
                chosen = min(page, last)
                records = catalog.find(limit=PAGE, offset=chosen * PAGE, under=under, **filters)
                return total, chosen, records

        def done(answer) -> None:
            self.total, self.page, records = answer
            self.records = records
            self.grid.show_rows(_grid_rows(records, settings))
            self._grid_box.children = (self.grid,)
            first = self.page * PAGE
            shown = (
                f"; showing {first + 1:,}–{first + len(records):,}, newest first"
                if self.total > PAGE
                else ""
            )
            self.status.say(
                f"{self.total:,} file(s) in the catalog"
                + (f" with {self.field.value} = {wanted}" if wanted else "")
                + shown
                + "."
            )
            self.previous.disabled = self.page == 0
            self.next.disabled = first + len(records) >= self.total

        self._thread = in_background("catalog", work, done, self.status)

    def _picked(self, positions: list[int]) -> None:
        if positions:
            self.show_record(self.records[positions[0]]["key"])

    def show_record(self, key: str) -> None:
        """Show this record's headers, and a quick look at its file (in the background)."""
        record = next((r for r in self.records if r["key"] == key), None)
        if record is None:
            self.header.value = ""
            return
        settings = get_settings()
        self.header.value = header_html(
            record, _where(record, settings) if record.get("path") else None
        )
        self._picked_record = record
        self.import_file.layout.display = None if not record.get("path") else "none"
        self._generation += 1
        generation = self._generation
        if record.get("kind") != "fits":
            self.look.value = b""
            self.look_status.say(f"{record.get('filename')} is not a FITS file.")
            return
        self.look_status.say(f"Drawing {record.get('filename')}…", "busy")

        def work():
            # not imported: the HDUs drawn are read where the file lives
            return quicklook(_readable(record), theme=self.theme, name=record.get("filename"))

        def done(look) -> None:
            if generation != self._generation:
                return
            self.look.value = look.png
            what = "image" if look.kind == "image" else "plot"
            self.look_status.say(f"{record.get('filename')}: {what} of {look.extension}.", "ok")
            self._shown = record
            imviz = look.kind == "image" and imviz_available() and settings.data_root is None
            self.open_imviz.layout.display = None if imviz else "none"

        self.open_imviz.layout.display = "none"
        in_background("quick-look", work, done, self.look_status)

    def import_picked(self) -> None:
        """Import the picked remote record's file (in the background): an import of
        that one product, to the settings' data folder."""
        record = self._picked_record
        if record is None or record.get("path"):
            return
        product = pd.DataFrame(
            [
                {
                    "obs_id": record.get("obs_id"),
                    "obs_collection": record.get("obs_collection") or record.get("telescope"),
                    "productFilename": record.get("filename"),
                    "dataURI": record.get("dataURI") or record["key"],
                }
            ]
        )
        self.import_file.disabled = True
        self.look_status.say(f"Importing {record.get('filename')}…", "busy")

        def done(job) -> None:
            self.import_job = job
            self.look_status.say(
                f"Import {job.id} started: {record.get('filename')}; its record becomes "
                "local when it is done (Jobs tab).",
                "ok",
            )

        in_background(
            "import-one",
            lambda: imports.import_observations(products=product),
            done,
            self.look_status,
            finally_=lambda: setattr(self.import_file, "disabled", False),
        )

    def open_in_imviz(self) -> None:
        """Show the picked image in jdaviz's Imviz, below (replacing an earlier one)."""
        record = self._shown
        if record is None or not imviz_available() or get_settings().data_root is not None:
            return
        self.look_status.say(f"Opening {record.get('filename')} in Imviz…", "busy")
        where = _readable(record)  # a remote record's file is read where it lives
        try:
            imviz = show_in_imviz(where, name=record.get("filename"))
        except Exception as error:  # jdaviz's or the archive's failure: a message
            log.exception("Imviz could not open %s", where)
            self.look_status.say(
                f"Imviz could not open {record.get('filename')} ({type(error).__name__}).",
                "error",
            )
            return
        self.imviz = imviz
        # Imviz's widget, as imviz.show() puts it in a notebook cell ("functionally
        # equivalent to displaying viz._app", jdaviz 5; viz.app before), here in the panel.
        self.viewer.children = (getattr(imviz, "_app", None) or imviz.app,)
        self.look_status.say(f"{record.get('filename')} is open in Imviz below.", "ok")
