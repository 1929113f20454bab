"""A search as a link: the address's query runs the same search in a new page; a link
carries the search's words only (no token, no folder); strange queries are ignored."""

from html import escape
from urllib.parse import parse_qs

import pytest

from mastwidgets.ui import App
from mastwidgets.ui._link import MAX_TEXT, decode, encode

from .test_search_panel import run_search


def test_a_link_reopens_the_search_in_a_new_page(sandbox_env):
    first = App()
    run_search(first.search, "Target name", "M16")
    link = first.search.link
    assert link == "?by=target&q=M16&radius=3+arcmin"
    assert set(parse_qs(link[1:])) == {"by", "q", "radius"}  # the search's words only
    assert not first.search.copy_link.disabled
    assert first.search.copy_link.layout.display == "none"  # shown in Voila only
    first.search.copy_link.click()
    grid = first.search.grid
    assert grid.copy_request == {"n": 1, "what": "search", "query": None}  # the page's address
    grid.copied = {"n": 1, "what": "search", "ok": True, "text": "http://host/" + link}
    assert f"Link copied: http://host/{escape(link)}" in first.search.status.value
    first.search.copy_link.click()  # a browser that refuses: the link is shown to copy
    grid.copied = {"n": 2, "what": "search", "ok": False, "text": "http://host/" + link}
    assert f"the link is http://host/{escape(link)}" in first.search.status.value
    # outside Voila the address bar is JupyterLab's: the grid does not touch it
    assert first.search.grid.address is None
    second = App(link=link)
    second.search._thread.join(timeout=60)
    assert list(second.search.results["obs_id"]) == list(first.search.results["obs_id"])
    assert second.search.query.value == "M16" and "13 observations found" in (
        second.search.status.value
    )


def test_a_criteria_link_fills_the_form(sandbox_env):
    first = App()
    run_search(first.search, "Criteria", collection="HST", instrument="WFC3*")
    link = first.search.link
    assert decode(link)["criteria"] == {"collection": "HST", "instrument": "WFC3*"}
    second = App(link=link)
    second.search._thread.join(timeout=60)
    assert second.search.criteria.collection.value == "HST"
    assert set(second.search.results["obs_collection"]) == {"HST"}
    assert len(second.search.results) == len(first.search.results) > 0


@pytest.mark.parametrize(
    "query",
    ["", "?", "?by=shell&q=rm", "?q=M16", "?by=target", "?by=target&q=%20", "?a=1&b=2"],
)
def test_other_queries_are_not_searches(query):
    assert decode(query) is None


def test_a_link_is_bounded_and_its_fields_checked(sandbox_env):
    asked = decode("?by=target&q=" + "M" * (MAX_TEXT + 100) + "&radius=" + "9" * 500)
    assert len(asked["text"]) == MAX_TEXT and len(asked["radius"]) == 50
    app = App(link="?by=criteria&collection=Nowhere&min_exposure=abc")
    app.search._thread.join(timeout=60)
    assert app.search.criteria.collection.value == "any"  # not a mission: left alone
    assert app.search.criteria.min_exposure.value == 0
    assert encode("Observation ID", "icdm01010", "3 arcmin") == "?by=obsid&q=icdm01010"
