"""The selected observations' products, and the Import button."""

from __future__ import annotations

import threading

import ipywidgets as widgets
import pandas as pd

from .. import importer, mast
from ..data_root import shown_path
from ..settings import get_settings
from ._background import Status, in_background
from ._progress_view import ProgressView

PRODUCT_TYPES = ["SCIENCE", "CALIBRATION", "AUXILIARY", "PREVIEW", "THUMBNAIL", "INFO"]
SOURCES = {"S3 preferred": "auto", "S3 only": "s3", "HTTP only": "http"}


def _megabytes(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


class ImportPanel(widgets.VBox):
    """Products of the selected rows (count, size, filters) and the import itself."""

    def __init__(self, on_job=None) -> None:
        self.observations = pd.DataFrame()
        self.products = pd.DataFrame()
        self._on_job = on_job
        self.calib = widgets.SelectMultiple(
            options=[1, 2, 3, 4],
            value=[2, 3, 4],
            rows=4,
            description="Calib level",
            layout=widgets.Layout(width="180px"),
        )
        self.types = widgets.SelectMultiple(
            options=PRODUCT_TYPES,
            value=["SCIENCE"],
            rows=4,
            description="Type",
            layout=widgets.Layout(width="260px"),
        )
        self.extension = widgets.Text(
            placeholder="fits, ecsv (blank: any)", description="Extension"
        )
        self.summary = Status()
        self.source = widgets.ToggleButtons(options=list(SOURCES), description="Source")
        self.settings = get_settings()
        self.dest = widgets.Text(
            value="" if self.settings.data_root else str(self.settings.data_dir),
            description="Save to",
            layout=widgets.Layout(width="520px"),
        )
        if self.settings.data_root:  # a hosted page: folders inside the data root only
            self.dest.placeholder = "a folder in the data folder, e.g. m16 (blank: the data folder)"
            self.dest.description = "Save to data/"
            self.dest.style.description_width = "initial"
        self.button = widgets.Button(
            description="Import", button_style="success", icon="download", disabled=True
        )
        self.status = Status()
        self.progress = widgets.VBox()
        for control in (self.calib, self.types, self.extension):
            control.observe(lambda _: self.refresh(), names="value")
        self.button.on_click(lambda _: self.start())
        filters = widgets.HBox([self.calib, self.types, self.extension])
        super().__init__(
            [
                widgets.HTML("<b>Products of the selected observations</b>"),
                filters,
                self.summary,
                widgets.HBox([self.source, self.button]),
                self.dest,
                self.status,
                self.progress,
            ]
        )
        self._thread: threading.Thread | None = None
        self._listed: pd.DataFrame | None = None  # the selection's products, unfiltered
        self._generation = 0

    def filters(self) -> dict:
        found: dict = {"calib_level": list(self.calib.value), "productType": list(self.types.value)}
        extensions = [e.strip() for e in self.extension.value.split(",") if e.strip()]
        if extensions:
            found["extension"] = extensions
        return found

    def set_observations(self, frame: pd.DataFrame) -> None:
        """A new selection: list its products (one look-up for all its observations)."""
        self.observations = frame
        self._listed = None
        self.refresh()

    def refresh(self) -> None:
        """Count the selected observations' products that pass the filters. The list is
        asked of MAST once per selection; changing a filter only filters it again."""
        self._generation += 1
        generation = self._generation
        self.products = pd.DataFrame()
        self.button.disabled = True
        if self.observations.empty:
            self.summary.say("Select observations in the table to see their products.")
            return
        count = len(self.observations)
        observations, filters, listed = self.observations, self.filters(), self._listed
        if listed is None:
            self.summary.say(f"Listing the products of {count:,} observation(s)…", "busy")

        def work() -> tuple[pd.DataFrame, pd.DataFrame]:
            every = (
                listed
                if listed is not None
                else mast.list_products(observations, cloud=False, auxiliary=True)
            )  # every file: the Type filter is the switch that shows AUXILIARY ones
            return every, mast.filter_products(every, **filters)

        def done(answer: tuple[pd.DataFrame, pd.DataFrame]) -> None:
            if generation != self._generation:
                return  # the selection (or a filter) changed meanwhile
            self._listed, products = answer
            self.products = products
            size = int(products["size"].fillna(0).sum()) if len(products) else 0
            self.summary.say(
                f"{count:,} observation(s) selected: {len(products):,} product(s), "
                f"{_megabytes(size)}.",
                "ok" if len(products) else "info",
            )
            self.button.disabled = products.empty

        self._thread = in_background("products", work, done, self.summary)

    def start(self) -> None:
        """Import the selected observations' filtered products (in the background)."""
        if self.observations.empty:
            self.status.say("Select observations first.", "error")
            return
        self.button.disabled = True
        self.status.say("Looking up the files' S3 copies and starting the import…", "busy")
        observations, filters = self.observations, self.filters()
        source, dest = SOURCES[self.source.value], self.dest.value.strip() or None

        def work():
            return importer.import_observations(observations, dest, source=source, products=filters)

        def done(job) -> None:
            files = len(job.transfer.state.files)
            folder = shown_path(job.transfer.state.dest_dir, self.settings)
            self.status.say(f"Import {job.id} started: {files} file(s) to {folder}.", "ok")
            self.progress.children = (ProgressView(job), *self.progress.children[:2])
            if self._on_job is not None:
                self._on_job(job)

        in_background(
            "import",
            work,
            done,
            self.status,
            finally_=lambda: setattr(self.button, "disabled", self.products.empty),
        )
