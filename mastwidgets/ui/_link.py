"""A search as a link: the page's address carries it (``?by=target&q=M16&radius=3+arcmin``),
and a page opened at such an address runs that search.

The address holds the search's words only: never a token, a folder or a server path.
What comes in from an address is a stranger's input like anything typed: the mode
must be one of the form's, the text is bounded, and the search functions check the
rest as they do for the form.

Voila gives the kernel the address's query in ``QUERY_STRING`` (the kernel of a
page is started for that page); the address bar is updated by the results grid's
page-side script (``history.replaceState``), only in Voila: in JupyterLab the
address is JupyterLab's.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode

from traitlets import Int, Unicode

from ._grid import QuietGrid

#: The form's modes by their name in a link.
MODES = {
    "target": "Target name",
    "position": "Coordinates",
    "obsid": "Observation ID",
    "list": "Target list",
    "criteria": "Criteria",
}
#: The criteria form's fields a link may carry.
CRITERIA = ("collection", "instrument", "filters", "date_from", "date_to", "min_exposure")
#: The longest text a link may carry (a target list of a few hundred lines).
MAX_TEXT = 20_000

#: Runs in the page with the results grid: the address follows the kernel's ``address``
#: (the search shown), and "Copy link" puts the page's address on the clipboard.
PAGE_SIDE = """
const followAddress = () => {
  const query = view.model.get('address');
  if (query == null || !document.body.hasAttribute('data-voila')) return;
  history.replaceState(history.state, '', location.pathname + query);
};
view.model.on('change:address', followAddress);
view.model.on('change:copies', () => {
  if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
});
"""


def in_voila() -> bool:
    """Whether this kernel serves a Voila page (Voila sets the CGI-like variables)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def page_query() -> str:
    """The query of the address this Voila page was opened at ('' elsewhere)."""
    return os.environ.get("QUERY_STRING", "") if in_voila() else ""


def encode(mode: str, text: str, radius: str | None, criteria: dict | None = None) -> str:
    """The link's query (``?...``) for a search made with the form."""
    by = {name: key for key, name in MODES.items()}[mode]
    fields = {"by": by}
    if text:
        fields["q"] = text
    if radius and mode in ("Target name", "Coordinates", "Target list"):
        fields["radius"] = radius
    for name, value in (criteria or {}).items():
        if value not in (None, "", 0, 0.0, "any"):
            fields[name] = str(value)
    return "?" + urlencode(fields)


def decode(query: str) -> dict | None:
    """What a link asks for: ``{"mode", "text", "radius", "criteria"}``, or None when
    the query is not a search of ours (any other query is ignored, not an error)."""
    values = {k: v[-1] for k, v in parse_qs(query.lstrip("?"), max_num_fields=20).items()}
    mode = MODES.get(values.get("by", ""))
    if mode is None:
        return None
    text = values.get("q", "")[:MAX_TEXT]
    criteria = {k: values[k][:200] for k in CRITERIA if k in values}
    if mode != "Criteria" and not text.strip():
        return None
    return {
        "mode": mode,
        "text": text,
        "radius": values.get("radius", "")[:50] or None,
        "criteria": criteria,
    }


class LinkedGrid(QuietGrid):
    """The results grid, which also keeps the page's address on the search shown."""

    #: The query (``?...``) the page's address shows.
    address = Unicode(None, allow_none=True).tag(sync=True)
    #: Counts "Copy link" presses (each a copy of the page's address, in the page).
    copies = Int(0).tag(sync=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.js_post_grid = [*self.js_post_grid, PAGE_SIDE]
