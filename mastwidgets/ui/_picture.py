"""An image widget that is hidden while it has nothing to show: an ``<img>`` without
a picture is the browser's broken-image icon."""

from __future__ import annotations

import ipywidgets as widgets


class Picture(widgets.Image):
    """A PNG (or JPEG: set ``format``) shown once it has bytes, hidden when emptied."""

    def __init__(self, css_class: str, max_width: str) -> None:
        super().__init__(format="png", layout=widgets.Layout(max_width=max_width, display="none"))
        self.add_class(css_class)
        self.observe(self._shown_when_drawn, names="value")

    def _shown_when_drawn(self, change) -> None:
        self.layout.display = None if change["new"] else "none"
