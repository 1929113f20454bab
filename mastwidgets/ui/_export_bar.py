"""The ticked files taken elsewhere: a download script, a manifest, a Python snippet."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from .. import exports, mast
from .._units import human_bytes
from ._background import Status, in_background


def download_link(name: str, data: bytes, mime: str) -> str:
    """An HTML link that saves ``data`` as ``name`` (the bytes travel in the link: the
    page asks no server, its own or another, for them)."""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="mw-download" download="{html.escape(name)}" '
        f'href="data:{mime};base64,{encoded}">⬇ Save {html.escape(name)} '
        f"({human_bytes(len(data))})</a>"
    )


class ExportBar(widgets.VBox):
    """Three buttons; each makes its file from the ticked products and offers it as a
    link to save (the snippet is also shown, to copy)."""

    def __init__(
        self,
        selection: Callable[[], tuple[pd.DataFrame | None, pd.DataFrame]],
        *,
        label: str = "Take the ticked files elsewhere:",
        snippet: Callable[[pd.DataFrame], str] | None = None,
    ) -> None:
        """``selection()`` gives (the search result, the ticked products); ``snippet``
        makes the Python snippet of the products (default: the search's, repeated)."""
        self._selection = selection
        self._snippet = snippet
        self.script = widgets.Button(description="Download script", icon="terminal")
        self.manifest = widgets.Button(description="Manifest (CSV)", icon="list")
        self.snippet = widgets.Button(description="Python snippet", icon="code")
        for button in (self.script, self.manifest, self.snippet):
            button.layout.width = "170px"
        self.link = widgets.HTML()
        self.code = widgets.Textarea(layout=widgets.Layout(width="95%", height="160px"))
        self.code.layout.display = "none"
        self.status = Status()
        self.script.on_click(lambda _: self._make("script"))
        self.manifest.on_click(lambda _: self._make("manifest"))
        self.snippet.on_click(lambda _: self._make("snippet"))
        #: The label, the three buttons and the link to save what they made (a panel may
        #: show them elsewhere, in its action bar); the snippet's text is shown below.
        self.buttons = widgets.HBox(
            [widgets.HTML(label), self.script, self.manifest, self.snippet, self.status, self.link],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        super().__init__([self.buttons, self.code])

    def set_enabled(self, enabled: bool) -> None:
        for button in (self.script, self.manifest, self.snippet):
            button.disabled = not enabled

    def _make(self, kind: str) -> None:
        search, ticked = self._selection()
        if ticked.empty:
            self.status.say("Tick at least one file first.", "error")
            return
        self.status.say(f"Writing the {kind} for {len(ticked):,} file(s)…", "busy")

        def work() -> tuple[str, bytes, str, str | None]:
            if kind == "script":
                text = exports.download_script(ticked)
                return "mast_download.sh", text.encode(), "text/x-shellscript", None
            if kind == "manifest":
                buffer = io.StringIO()
                located = mast.locate(ticked, cloud=True)  # the S3 URIs, asked of MAST once
                exports.manifest(located).write(buffer, format="ascii.csv")
                return "mast_manifest.csv", buffer.getvalue().encode(), "text/csv", None
            text = self._snippet(ticked) if self._snippet else exports.snippet(search, ticked)
            return "mast_selection.py", text.encode(), "text/x-python", text

        def done(answer) -> None:
            name, data, mime, shown = answer
            self.link.value = download_link(name, data, mime)
            self.code.value = shown or ""
            self.code.layout.display = None if shown else "none"
            self.status.say(f"{name} is ready: {len(ticked):,} file(s).", "ok")

        in_background(kind, work, done, self.status)
