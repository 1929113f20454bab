"""The catalog: imported files, searchable, with the headers of the one selected."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..catalog import Catalog
from ..data_root import shown_path
from ..settings import get_settings
from ._background import Status, in_background

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
    facts = "".join(
        f"<tr><th>{k}</th><td>{html.escape(str(shown.get(k)))}</td></tr>"
        for k in ("filename", "obs_id", "path", "size", "source", "md5", "error")
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


#: Records listed at once; the store pages through the rest.
PAGE = 50


class CatalogPanel(widgets.VBox):
    """Search the catalog (MongoDB or the embedded store) a page at a time, and read
    a file's headers. The store counts, filters and pages: 100,000 records cost a page."""

    def __init__(self) -> None:
        self.field = widgets.Dropdown(
            options=["obs_id", "target", "instrument", "filters"],
            value="target",
            layout=widgets.Layout(width="130px"),
        )
        self.text = widgets.Text(
            placeholder="M16, jw02739* (blank: everything)", continuous_update=False
        )
        self.button = widgets.Button(description="Show", icon="search")
        self.status = Status()
        self.previous = widgets.Button(
            description="Previous", icon="chevron-left", disabled=True, tooltip="Newer files"
        )
        self.next = widgets.Button(
            description="Next", icon="chevron-right", disabled=True, tooltip="Older files"
        )
        self.files = widgets.Select(options=[], rows=12, layout=widgets.Layout(width="45%"))
        self.header = widgets.HTML(layout=widgets.Layout(width="55%"))
        self._records: dict[str, dict] = {}
        self.page, self.total = 0, 0
        self._thread = None
        self.button.on_click(lambda _: self.refresh())
        self.text.observe(lambda _: self.refresh(), names="value")
        self.previous.on_click(lambda _: self.show_page(self.page - 1))
        self.next.on_click(lambda _: self.show_page(self.page + 1))
        self.files.observe(self._show, names="value")
        super().__init__(
            [
                widgets.HBox([self.field, self.text, self.button]),
                widgets.HBox([self.status, self.previous, self.next]),
                widgets.HBox([self.files, self.header]),
            ]
        )

    def refresh(self) -> None:
        """List the first page of the records matching the search box."""
        self.show_page(0)

    def show_page(self, page: int) -> None:
        """List page ``page`` (0: the newest files) in the background."""
        wanted = self.text.value.strip()
        filters = {self.field.value: wanted} if wanted else {}
        under = get_settings().data_root  # a hosted page: only the files under its root
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
            self._records = {r["key"]: r for r in records}
            self.files.options = [
                (f"{r['obs_id'] or '?'} · {r['filename']}", r["key"]) for r in records
            ]
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

    def _show(self, change) -> None:
        record = self._records.get(change["new"])
        if record is None:
            self.header.value = ""
            return
        self.header.value = header_html(record, shown_path(record["path"], get_settings()))
