"""An image widget that is hidden while it has nothing to show: an ``<img>`` without
a picture is the browser's broken-image icon."""

from __future__ import annotations

import ipywidgets as widgets

#: What each picture shows, for screen readers (its ``alt``, set in the page).
ALT = {
    "mw-preview": "Preview of the observation",
    "mw-footprints": "Footprints of the selected observations",
    "mw-quicklook": "Quick look at the file picked",
    "mw-look-in-place": "Quick look at the ticked file",
}


class Picture(widgets.Image):
    """A PNG (or JPEG: set ``format``) shown once it has bytes, hidden when emptied."""

    def __init__(self, css_class: str, max_width: str) -> None:
        """``css_class``: one of :data:`ALT`'s (Image widgets have no ``alt``: the page
        gives each picture its text by its class)."""
        if css_class not in ALT:
            raise ValueError(f"a picture's class is one of {sorted(ALT)}, not {css_class!r}")
        super().__init__(format="png", layout=widgets.Layout(max_width=max_width, display="none"))
        self.add_class(css_class)
        self.observe(self._shown_when_drawn, names="value")

    def _shown_when_drawn(self, change) -> None:
        self.layout.display = None if change["new"] else "none"
