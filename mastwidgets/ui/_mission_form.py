"""The Mission search's form: a mission, its keywords with MAST's descriptions, and the
criteria typed one a line (``sci_spec_1234 = F657N, F502N``)."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from .. import mast
from ..errors import InvalidCriteria, quoted
from ._background import Status, in_background

#: The missions the form offers (those MAST's mission search serves with files).
MISSIONS = ("HST", "JWST")
#: An example criterion of each mission, shown in the empty box.
_EXAMPLES = {
    "HST": "sci_pep_id = 13926\nsci_spec_1234 = F657N, F502N\nsci_actual_duration = 1000..3000",
    "JWST": "program = 2739\nexp_type = NRC_IMAGE\nopticalElements = F090W*",
}
#: The most criteria lines a page takes (a stranger's input is bounded).
MAX_LINES = 40


def parse_keywords(text: str, known: set[str] | None = None) -> dict[str, str]:
    """``"name = value"`` lines as ``{name: value}`` (a value may be a list, ``!x``, a
    range ``lo..hi``, a comparison or a wildcard, as MAST takes them).

    Raises
    ------
    InvalidCriteria
        A line without ``=``, a column the mission does not have (when ``known``), or
        too many lines.

    Examples
    --------
    >>> parse_keywords("sci_pep_id = 13926\\n\\nsci_spec_1234 = F657N, F502N")
    {'sci_pep_id': '13926', 'sci_spec_1234': 'F657N, F502N'}
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise InvalidCriteria(f"At most {MAX_LINES} keyword lines, not {len(lines):,}.")
    found = {}
    for line in lines:
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise InvalidCriteria(f"Write each keyword as 'name = value', not {quoted(line)}.")
        if known is not None and name not in known:
            raise InvalidCriteria(
                f"{quoted(name)} is not one of the mission's keywords: pick one in the list."
            )
        found[name] = value
    return found


class MissionForm(widgets.VBox):
    """Which mission, and its keywords: a list of them (each with MAST's description when
    picked, added to the box with "Add") and the box of criteria."""

    def __init__(self) -> None:
        narrow = widgets.Layout(width="190px")
        self.mission = widgets.Dropdown(
            options=MISSIONS, value="HST", description="Mission", layout=narrow
        )
        self.keyword = widgets.Dropdown(
            options=[], description="Keyword", layout=widgets.Layout(width="330px")
        )
        self.add = widgets.Button(
            description="Add", icon="plus", tooltip="Add this keyword to the criteria",
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        self.description = widgets.HTML()
        self.description.add_class("mw-keyword-description")
        self.keywords = widgets.Textarea(
            placeholder=_EXAMPLES["HST"], layout=widgets.Layout(width="520px", height="92px")
        )
        self.keywords.add_class("mw-mission-keywords")
        self.keyword.add_class("mw-mission-keyword")
        self.status = Status()
        self.columns = pd.DataFrame(columns=["name", "data_type", "description"])
        self.mission.observe(lambda _: self.load(), names="value")
        self.keyword.observe(lambda _: self._describe(), names="value")
        self.add.on_click(lambda _: self._add())
        super().__init__(
            [
                widgets.HBox([self.mission, self.keyword, self.add]),
                self.description,
                self.keywords,
                self.status,
            ]
        )
        self._loaded: str | None = None

    def load(self) -> None:
        """Ask MAST for the mission's keywords (once a mission; in the background)."""
        mission = self.mission.value
        self.keywords.placeholder = _EXAMPLES[mission]
        if self._loaded == mission:
            return
        self.status.say(f"Reading {mission}'s keywords…", "busy")

        def done(columns: pd.DataFrame) -> None:
            if self.mission.value != mission:
                return
            searchable = columns[~columns["name"].isin(["search_pos", "search_key"])]
            self.columns = searchable.reset_index(drop=True)
            self.keyword.options = [
                (f"{r.name} · {r.data_type}", r.name) for r in self.columns.itertuples()
            ]
            self._loaded = mission
            self.status.say(f"{len(self.columns):,} {mission} keywords.", "ok")

        in_background("keywords", lambda: mast.mission_columns(mission), done, self.status)

    def _describe(self) -> None:
        name = self.keyword.value
        row = self.columns[self.columns["name"] == name]
        if row.empty:
            self.description.value = ""
            return
        text = row.iloc[0]["description"]
        self.description.value = f"<small><b>{html.escape(name)}</b>: {html.escape(text)}</small>"

    def _add(self) -> None:
        name = self.keyword.value
        if not name:
            return
        text = self.keywords.value.rstrip("\n")
        self.keywords.value = f"{text}\n{name} = " if text else f"{name} = "

    def criteria(self) -> dict[str, str]:
        """The criteria typed (checked against the keywords once they are known)."""
        known = set(self.columns["name"]) if self._loaded == self.mission.value else None
        return parse_keywords(self.keywords.value, known)

    def fields(self) -> dict:
        """The form as a link carries it."""
        return {"mission": self.mission.value, "keywords": self.keywords.value.strip()}

    def set_fields(self, fields: dict) -> None:
        if fields.get("mission") in MISSIONS:
            self.mission.value = fields["mission"]
        if "keywords" in fields:
            self.keywords.value = fields["keywords"]
