"""The selected observations' files, ticked one by one, and their import or export."""

from __future__ import annotations

import html
import threading

import ipywidgets as widgets
import pandas as pd

from .. import imports, mast
from .._units import human_bytes
from ..catalog.fits_meta import is_fits
from ..errors import MastWidgetsError
from ..imports import shown_path
from ..settings import get_settings
from ..views import quicklook
from ._background import Status, in_background
from ._chips import Chips
from ._export_bar import ExportBar
from ._picture import Picture
from ._preview_pane import PreviewPane
from ._products_table import ProductsTable
from ._progress_view import JobLine, ProgressView

PRODUCT_TYPES = ["SCIENCE", "CALIBRATION", "AUXILIARY", "PREVIEW", "THUMBNAIL", "INFO"]
SOURCES = {"S3 preferred": "auto", "S3 only": "s3", "HTTP only": "http"}


def _megabytes(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


#: Which files are ticked when a selection's files are listed (or the filters change).
TICKS = {"Recommended": "mrp", "All listed": "all"}


class ImportPanel(widgets.VBox):
    """The selected observations' files (filters, tick boxes, preview, footprints), the
    import of exactly the ticked files, and their export."""

    def __init__(self, on_job=None, *, theme: str = "light", grid_license=None) -> None:
        self.theme = theme
        self.observations = pd.DataFrame()
        self.products = pd.DataFrame()  # listed: the selection's files passing the filters
        self._on_job = on_job
        self.calib = Chips([1, 2, 3, 4], [1, 2, 3, 4], description="Calib level")
        self.types = Chips(
            PRODUCT_TYPES,
            [t for t in PRODUCT_TYPES if t != "AUXILIARY"],
            description="Type",
            tooltip="AUXILIARY (guide-star files and the like) are listed when chosen here",
        )
        self.extension = widgets.Text(
            placeholder="fits, ecsv (blank: any)", description="Extension"
        )
        self.ticks = widgets.ToggleButtons(
            options=list(TICKS),
            description="Tick",
            tooltips=[
                "MAST's Minimum Recommended Products",
                "every file the filters list",
            ],
        )
        self.ticks.style.button_width = "110px"
        self.summary = Status()
        self.table = ProductsTable(theme=theme, license=grid_license)
        self.table.on_tick(lambda _: self._summarise())
        self.preview = PreviewPane(theme=theme)
        self.source = widgets.ToggleButtons(
            options=list(SOURCES),
            tooltips=[
                "Where to fetch from: MAST's S3 bucket where it has the file, else HTTP",
                "Only the files in MAST's S3 bucket",
                "MAST's HTTP download service only",
            ],
            style={"button_width": "105px"},
        )
        self.settings = get_settings()
        self.dest = widgets.Text(
            value="" if self.settings.data_root else str(self.settings.data_dir),
            description="Save to",
            layout=widgets.Layout(width="400px"),
        )
        if self.settings.data_root:  # a hosted page: folders inside the data root only
            self.dest.placeholder = "a folder in the data folder, e.g. m16 (blank: the data folder)"
            self.dest.description = "Save to data/"
            self.dest.style.description_width = "initial"
        self.button = widgets.Button(
            description="Import", button_style="success", icon="download", disabled=True
        )
        self.headers = widgets.Button(
            description="Catalog headers only",
            icon="list-alt",
            disabled=True,
            tooltip="Record the ticked files' FITS headers in the catalog without "
            "downloading them (a few ranged reads a file); import them later if you need them",
            layout=widgets.Layout(width="auto"),
        )
        # a ticked FITS file drawn where it lives (ranged reads), before any import
        self.look_choice = widgets.Dropdown(
            options=[], description="Look at", layout=widgets.Layout(width="420px")
        )
        self.look_button = widgets.Button(
            description="Quick look (in place)",
            icon="eye",
            disabled=True,
            tooltip="Draw the file's first image or spectrum, reading only what it needs",
            layout=widgets.Layout(width="auto"),
        )
        self.look_button.on_click(lambda _: self.look_in_place())
        self.look = Picture("mw-look-in-place", max_width="480px")
        self.look_status = Status()
        self.export = ExportBar(lambda: (self.observations, self.table.ticked))
        self.export.set_enabled(False)
        self.status = Status()
        self.progress = widgets.VBox()
        for control in (self.calib, self.types, self.extension, self.ticks):
            control.observe(lambda _: self.refresh(), names="value")
        self.button.on_click(lambda _: self.start())
        self.headers.on_click(lambda _: self.start_headers())
        self.to_basket = widgets.Button(
            description="Add to basket",
            icon="shopping-basket",
            disabled=True,
            tooltip="Keep the ticked files in the basket, with files of other searches",
            layout=widgets.Layout(width="auto"),
        )
        self.to_basket.on_click(lambda _: self.add_to_basket())
        self._basket = None
        # A Program search's whole program, imported ready for the pipeline.
        self.program = None
        self.program_levels = Chips([1, 2, 3, 4], [2, 3], description="Levels")
        self.program_layout = widgets.Dropdown(
            options=list(imports.PROGRAM_LAYOUTS), value="associations", description="Layout",
            tooltip="associations: a folder per association, its members beside it "
            "(as the pipelines read them)",
            layout=widgets.Layout(width="260px"),
        )  # fmt: skip
        self.program_button = widgets.Button(
            description="Import program",
            icon="download",
            button_style="success",
            tooltip="The program's science files of these levels, its associations and "
            "their members; again into the same folder: only what MAST changed",
            layout=widgets.Layout(width="auto"),
        )
        self.program_button.on_click(lambda _: self.start_program())
        self.program_title = widgets.HTML()
        self.program_row = widgets.VBox(
            [
                self.program_title,
                widgets.HBox(
                    [self.program_levels, self.program_layout, self.program_button],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
            ]
        )
        self.program_row.layout.display = "none"
        # What the ticked files become, always in view at the bottom of the page while
        # the grids scroll (sticky): how many and how big, where from, where to, Import,
        # the basket, the exports.
        self.job_line = widgets.HBox()  # the latest job: its total bar, in view
        self.action_bar = widgets.VBox(
            [
                self.job_line,
                self.summary,
                widgets.HBox(
                    [self.button, self.source, self.dest, self.headers, self.to_basket,
                     self.export.buttons],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                # a Program search's import, in view; after the ticked files' Import
                self.program_row,
            ]
        )  # fmt: skip
        self.action_bar.add_class("mw-action-bar")
        self.export.children = tuple(
            c for c in self.export.children if c is not self.export.buttons
        )
        # The preview (self.preview) is placed by the App, beside the results grid.
        super().__init__(
            [
                widgets.HTML("<b>Files of the selected observations</b>"),
                widgets.HBox(
                    [self.calib, self.types, self.extension, self.ticks],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.table.grid,
                widgets.HBox([self.look_choice, self.look_button, self.look_status]),
                self.look,
                self.status,
                self.export,
                self.progress,
                self.action_bar,
            ]
        )
        self._thread: threading.Thread | None = None
        self._listed: pd.DataFrame | None = None  # the selection's products, unfiltered
        self._generation = 0
        self._lock = threading.Lock()

    def filters(self) -> dict:
        found: dict = {"calib_level": list(self.calib.value), "productType": list(self.types.value)}
        extensions = [e.strip() for e in self.extension.value.split(",") if e.strip()]
        if extensions:
            found["extension"] = extensions
        return found

    def set_observations(self, frame: pd.DataFrame) -> None:
        """A new selection: list its products (one look-up for all its observations)."""
        with self._lock:  # a listing of the last selection, arriving now, is outdated
            self._generation += 1
            self.observations = frame
            self._listed = None
        self.preview.set_observations(frame)
        self.refresh()

    def refresh(self) -> None:
        """List the selected observations' files that pass the filters, ticked as the
        Tick switch says. MAST is asked once per selection; filters filter that list."""
        with self._lock:  # a listing being shown finishes first, then is outdated
            self._generation += 1
            generation = self._generation
        self.products = pd.DataFrame()
        self.button.disabled = self.headers.disabled = True
        self.export.set_enabled(False)
        if self.observations.empty:
            self.table.show(pd.DataFrame(columns=list(mast.PRODUCT_COLUMNS)), [], [])
            self.summary.say("Select observations in the table to see their files.")
            return
        count = len(self.observations)
        observations, filters, listed = self.observations, self.filters(), self._listed
        mrp = TICKS[self.ticks.value] == "mrp"
        if listed is None:
            self.summary.say(f"Listing the files of {count:,} observation(s)…", "busy")

        mission = mast.is_mission_table(observations)

        def work() -> tuple[pd.DataFrame, pd.DataFrame]:
            if listed is not None:
                every = listed
            elif mission is not None:  # datasets of MAST's mission search
                every = mast.list_mission_products(mission, observations["obs_id"], cloud=False)
            else:  # every file: the Type filter is the switch that shows AUXILIARY ones
                every = mast.list_products(observations, cloud=False, auxiliary=True)
            return every, mast.filter_products(every, **filters)

        def done(answer: tuple[pd.DataFrame, pd.DataFrame]) -> None:
            with self._lock:
                if generation == self._generation:  # else the selection or a filter changed
                    show(*answer)

        def show(every: pd.DataFrame, products: pd.DataFrame) -> None:
            self._listed = every
            self.products = products
            ticked = (  # a mission's lists name no recommended files: the filters decide
                products["productGroupDescription"].eq(mast.MRP)
                if mrp and mission is None
                else pd.Series(True, index=products.index)
            )
            clouds = observations.drop_duplicates("obsid").set_index("obsid")["in_cloud"]
            self.table.show(products, ticked, products["obsid"].map(clouds).fillna(False))

        self._thread = in_background("products", work, done, self.summary)

    def _summarise(self) -> None:
        """Say how many files are ticked, how big, and what they need."""
        ticked, listed, count = self.table.ticked, self.products, len(self.observations)
        size = int(ticked["size"].fillna(0).sum()) if len(ticked) else 0
        parts = [
            f"{count:,} observation(s) selected: {len(ticked):,} product(s) ticked "
            f"of {len(listed):,} listed, {_megabytes(size)}"
        ]
        here = int(ticked["on_disk"].notna().sum()) if len(ticked) else 0
        if here:
            parts.append(f"{here:,} here already (not fetched again)")
        exclusive = int(ticked["proprietary"].sum()) if len(ticked) else 0
        if exclusive:
            parts.append(f"{exclusive:,} exclusive-access: they need a MAST token")
        self.summary.say("; ".join(parts) + ".", "ok" if len(ticked) else "info")
        self.button.disabled = self.headers.disabled = ticked.empty
        self.to_basket.disabled = ticked.empty or self._basket is None
        self.export.set_enabled(not ticked.empty)
        names = ticked["productFilename"] if len(ticked) else pd.Series(dtype=object)
        fits_files = [n for n in names if is_fits(n)][:500]
        chosen = self.look_choice.value
        self.look_choice.options = fits_files
        self.look_choice.value = chosen if chosen in fits_files else next(iter(fits_files), None)
        self.look_button.disabled = not fits_files

    def on_add_to_basket(self, add) -> None:
        """``add(products)`` keeps the ticked files in the basket and says what it did."""
        self._basket = add
        self.to_basket.disabled = self.table.ticked.empty

    def add_to_basket(self) -> None:
        ticked = self.table.ticked
        if ticked.empty or self._basket is None:
            self.status.say("Tick at least one file.", "error")
            return
        try:
            self.status.say(self._basket(ticked), "ok")
        except MastWidgetsError as error:
            self.status.say(str(error), "error")

    def start(self) -> None:
        """Import exactly the ticked files (in the background)."""
        if self.observations.empty:
            self.status.say("Select observations first.", "error")
            return
        ticked = self.table.ticked
        if ticked.empty:
            self.status.say("Tick at least one file.", "error")
            return
        self.button.disabled = True
        self.status.say("Looking up the files' S3 copies and starting the import…", "busy")
        observations = self.observations
        source, dest = SOURCES[self.source.value], self.dest.value.strip() or None

        def work():
            return imports.import_observations(observations, dest, source=source, products=ticked)

        def done(job) -> None:
            files = len(job.transfer.state.files)
            folder = shown_path(job.transfer.state.dest_dir, self.settings)
            here = f" ({len(job.already):,} here already)" if job.already else ""
            where = " on the Dask cluster" if job.on_cluster else ""
            self.status.say(
                f"Import {job.id} started: {files} file(s) to {folder}{where}{here}.", "ok"
            )
            self._started(job)

        in_background(
            "import",
            work,
            done,
            self.status,
            finally_=lambda: setattr(self.button, "disabled", self.table.ticked.empty),
        )

    def set_program(self, program) -> None:
        """A Program search's answer (None: another search): its import offered."""
        self.program = program
        self.program_row.layout.display = "none" if program is None else None
        if program is not None:
            self.program_title.value = (
                f"<b>Whole program: {html.escape(program.mission)} {html.escape(program.program)}"
                f"</b> ({program.files:,} files, {human_bytes(program.bytes)}, guide-star files "
                "left out)"
            )

    def start_program(self, on_started=None) -> None:
        """Import the whole program (in the background)."""
        program = self.program
        if program is None:
            self.status.say("Search for a program first (Search by: Program).", "error")
            return
        levels = list(self.program_levels.value)
        if not levels:
            self.status.say("Choose at least one calibration level.", "error")
            return
        self.program_button.disabled = True
        self.status.say(
            f"Reading the associations of program {program.program} and starting its import…",
            "busy",
        )
        source, dest = SOURCES[self.source.value], self.dest.value.strip() or None
        layout = self.program_layout.value

        def work():
            return imports.import_program(
                program.mission, program.program, dest, levels=levels, layout=layout,
                source=source,
            )  # fmt: skip

        def done(job) -> None:
            folder = shown_path(job.transfer.state.dest_dir, self.settings)
            self.status.say(
                f"Import {job.id} of program {program.program} started into {folder}: "
                f"{job.changes.describe()}.",
                "ok",
            )
            self._started(job)

        self._program_thread = in_background(
            "program import", work, done, self.status,
            finally_=lambda: setattr(self.program_button, "disabled", False),
        )  # fmt: skip

    def _started(self, job) -> None:
        """A job this panel started: its progress shown, its bar in the action bar, the
        Jobs tab told."""
        self.progress.children = (ProgressView(job), *self.progress.children[:2])
        self.job_line.children = (JobLine(job),)
        if self._on_job is not None:
            self._on_job(job)

    def look_in_place(self) -> None:
        """Draw the chosen ticked file, read where it lives (nothing imported)."""
        ticked, name = self.table.ticked, self.look_choice.value
        rows = ticked[ticked["productFilename"] == name] if name else ticked.iloc[:0]
        if rows.empty:
            self.look_status.say("Tick a FITS file to look at.", "error")
            return
        row = rows.iloc[0]
        self.look_status.say(f"Reading {name} in place…", "busy")

        def work():
            with mast.open_product(row) as hdul:
                return quicklook(hdul, theme=self.theme, name=name)

        def done(look) -> None:
            self.look.value = look.png
            what = "image" if look.kind == "image" else "plot"
            self.look_status.say(f"{name}: {what} of {look.extension}, read in place.", "ok")

        in_background("look", work, done, self.look_status)

    def start_headers(self) -> None:
        """Catalog the ticked files' headers where they live (in the background)."""
        ticked = self.table.ticked
        if self.observations.empty or ticked.empty:
            self.status.say("Tick at least one file.", "error")
            return
        self.headers.disabled = True
        self.status.say("Looking up the files' S3 copies and reading their headers…", "busy")
        observations, source = self.observations, SOURCES[self.source.value]

        def work():
            return imports.catalog_products(observations, products=ticked, source=source)

        def done(job) -> None:
            here = f" ({len(job.already):,} in the catalog already)" if job.already else ""
            self.status.say(
                f"Cataloguing {len(job.state.files):,} file(s) in place ({job.id}): their "
                f"headers only, nothing downloaded{here}. See them in the Catalog tab.",
                "ok",
            )
            self._started(job)

        in_background(
            "headers",
            work,
            done,
            self.status,
            finally_=lambda: setattr(self.headers, "disabled", self.table.ticked.empty),
        )
