"""A search as a link: the page's address carries it (``?by=target&q=M16&radius=3+arcmin``),
and a page opened at such an address runs that search. A basket is shared only on
purpose, by its own link (``?basket=<id>``, "Copy basket link"); a hosted page's
visitor finds their basket again after a reload because the browser keeps its id
(``localStorage``), not the address.

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

import json
import os
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from traitlets import Dict, Unicode

from ..basket import NAME as BASKET_NAME
from ._grid import QuietGrid
from ._picture import ALT

#: The form's modes by their name in a link.
MODES = {
    "target": "Target name",
    "position": "Coordinates",
    "obsid": "Observation ID",
    "list": "Target list",
    "criteria": "Criteria",
    "program": "Program",
    "mission": "Mission",
}
#: The criteria form's fields a link may carry.
CRITERIA = (
    "collection", "instrument", "filters", "date_from", "date_to", "min_exposure",
    "mission", "keywords",
)  # fmt: skip
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
// "Copy link", "Copy basket link": the page's address, or this page with the query the
// kernel gives, on the clipboard; the page tells the kernel what it copied and whether
// the browser let it (a plain-HTTP host name is no secure context: no Clipboard API).
const copyText = (text) => {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).then(() => true, () => false);
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove();
  return Promise.resolve(ok);
};
view.model.on('change:copy_request', () => {
  const asked = view.model.get('copy_request') || {};
  if (asked.n == null) return;
  const text = asked.query ? location.origin + location.pathname + asked.query : location.href;
  copyText(text).then((ok) => {
    view.model.set('copied', {n: asked.n, what: asked.what, ok, text});
    view.touch();
  });
});
// The visitor's basket, kept by this browser so that a reload finds it again.
const basketKey = 'mastwidgets-basket:' + location.pathname;
const storage = () => { try { return window.localStorage; } catch (e) { return null; } };
const keepBasket = () => {
  const id = view.model.get('basket');
  if (id && storage()) storage().setItem(basketKey, id);
};
const linked = new URLSearchParams(location.search).has('basket');
const stored = storage() ? storage().getItem(basketKey) : null;
if (!linked && stored && view.model.get('basket') && stored !== view.model.get('basket')) {
  view.model.set('stored_basket', stored);  // the kernel decides, and says which to keep
  view.touch();
} else {
  keepBasket();
}
view.model.on('msg:custom', (content) => {
  const id = content && content.keep_basket;
  if (id && storage()) storage().setItem(basketKey, id);
});
view.model.on('change:basket', keepBasket);
// Names for what the widgets' own code leaves unnamed, for screen readers: AG Grid's
// "tick all" boxes, the release-years slider's handles, the pictures (by their class).
const named = (root) => {
  if (document.body.hasAttribute('data-voila') && !root.hasAttribute('role')) {
    root.setAttribute('role', 'main');  // the page is the app (in JupyterLab, a cell of it)
  }
  root.querySelectorAll('.ag-header-select-all input:not([aria-label])').forEach((box) => {
    box.setAttribute('aria-label', 'Tick every row the filters leave');
  });
  root.querySelectorAll('.noUi-handle:not([aria-label])').forEach((handle) => {
    const slider = handle.closest('[title]');
    const what = slider ? slider.getAttribute('title') : 'Range';
    const end = handle.classList.contains('noUi-handle-upper') ? 'last' : 'first';
    handle.setAttribute('aria-label', `${what}: ${end}`);
  });
  root.querySelectorAll('img.widget-image:not([alt])').forEach((img) => {
    const known = Object.keys(PICTURES).find((name) => img.classList.contains(name));
    img.setAttribute('alt', known ? PICTURES[known] : '');
  });
};
let naming = false;
new MutationObserver(() => {
  if (naming) return;
  naming = true;
  requestAnimationFrame(() => {
    naming = false;
    document.querySelectorAll('.mw-app').forEach(named);
  });
}).observe(document.body, {childList: true, subtree: true});
"""


def in_voila() -> bool:
    """Whether this kernel serves a Voila page: Voila gives its kernels its address
    (a pre-heated kernel too, before any page has asked for it)."""
    return "VOILA_BASE_URL" in os.environ or os.environ.get("SERVER_SOFTWARE", "").startswith(
        "voila/"
    )


def preheated() -> bool:
    """Whether this is a pre-heated Voila kernel (started before its page was asked for:
    the page's request, its address included, comes later; see :func:`page_query`)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def page_query(*, wait: bool = False) -> str:
    """The query of the address this Voila page was opened at ('' elsewhere). A
    pre-heated kernel learns it only once its page is asked for: with ``wait``, this
    waits for that (Voila's ``wait_for_request``); without, it is '' until then."""
    if wait and preheated():
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "") if in_voila() else ""


def encode(mode: str, text: str, radius: str | None, criteria: dict | None = None) -> str:
    """The link's query (``?...``) for a search made with the form."""
    by = {name: key for key, name in MODES.items()}[mode]
    fields = {"by": by}
    if text:
        fields["q"] = text
    if radius and mode in ("Target name", "Coordinates", "Target list", "Mission"):
        fields["radius"] = radius
    for name, value in (criteria or {}).items():
        if value not in (None, "", 0, 0.0, "any"):
            fields[name] = str(value)
    return "?" + urlencode(fields)


def basket_link(name: str) -> str:
    """The query of a link that opens this basket."""
    return "?" + urlencode({"basket": name})


def linked_basket(query: str) -> str | None:
    """The basket a link names (``?basket=<id>``), if it is a basket's name."""
    values = parse_qs(query.lstrip("?"), max_num_fields=20).get("basket") or [""]
    name = values[-1]
    return name if BASKET_NAME.match(name) else None


def decode(query: str) -> dict | None:
    """What a link asks for: ``{"mode", "text", "radius", "criteria"}``, or None when
    the query is not a search of ours (any other query is ignored, not an error)."""
    values = {k: v[-1] for k, v in parse_qs(query.lstrip("?"), max_num_fields=20).items()}
    mode = MODES.get(values.get("by", ""))
    if mode is None:
        return None
    text = values.get("q", "")[:MAX_TEXT]
    criteria = {k: values[k][: 2000 if k == "keywords" else 200] for k in CRITERIA if k in values}
    if mode not in ("Criteria", "Mission") and not text.strip():
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
    #: ``{"n": count, "what": ..., "query": "?..." or None}``: the page copies its
    #: address (``None``) or this page's address with that query.
    copy_request = Dict({}).tag(sync=True)
    #: The page's answer: ``{"n", "what", "ok": copied or not, "text": the link}``.
    copied = Dict({}).tag(sync=True, echo_update=False)
    #: The visitor's basket (a hosted page's): the page keeps it in the browser.
    basket = Unicode(None, allow_none=True).tag(sync=True)
    #: The basket the browser kept from an earlier visit (told by the page).
    stored_basket = Unicode(None, allow_none=True).tag(sync=True, echo_update=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        pictures = f"const PICTURES = {json.dumps(ALT)};\n"
        self.js_post_grid = [*self.js_post_grid, pictures + PAGE_SIDE]
        self._copy_handlers: dict[str, Callable[[bool, str], None]] = {}
        self.observe(self._copied, names="copied")

    def copy(self, what: str, query: str | None = None) -> None:
        """Ask the page to copy its address (``query`` None) or this page with
        ``query``; the handler of ``what`` hears how it went."""
        count = int(self.copy_request.get("n") or 0) + 1
        self.copy_request = {"n": count, "what": what, "query": query}

    def on_copied(self, what: str, handler: Callable[[bool, str], None]) -> None:
        """``handler(ok, text)`` when the page has copied (or failed to copy) a link."""
        self._copy_handlers[what] = handler

    def _copied(self, change) -> None:
        answer = change["new"] or {}
        if answer.get("n") != self.copy_request.get("n"):
            return  # an answer to an earlier press
        handler = self._copy_handlers.get(answer.get("what"))
        text = answer.get("text")
        if handler is not None and isinstance(text, str):
            handler(bool(answer.get("ok")), text[: MAX_TEXT + 2000])
