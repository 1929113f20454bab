"""mw.snippet: the code of a search and a selection, executed, gives the same files."""

import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery


def run_snippet(code):
    namespace = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


def test_a_search_and_a_hand_picked_selection_are_reproduced(
    sandbox_env, mast_sandbox, monkeypatch
):
    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)
    found = mw.search_target("M16", radius="5 arcmin", obs_collection="HST")
    picked = found[found["obs_id"] == "icdm01020"]
    products = mw.list_products(picked, productType="SCIENCE")
    products = products[products["productFilename"] != "icdm01bbq_flt.fits"]
    code = mw.snippet(found, products)
    assert "mw.search_target('M16', radius='5 arcmin', obs_collection='HST')" in code
    assert mast_sandbox.token not in code
    namespace = run_snippet(code)
    assert list(namespace["observations"]["obs_id"]) == list(found["obs_id"])
    assert list(namespace["products"]["dataURI"]) == list(products["dataURI"])
    result = namespace["job"].result
    assert result.ok and sorted(f.path.name for f in result.transfer.files) == sorted(
        products["productFilename"]
    )


@pytest.mark.parametrize(
    "search",
    [
        lambda: mw.search_region("274.7 -13.8", radius=0.1),
        lambda: mw.search_criteria(obs_collection="JWST", t_min=["2022-07-01", "2023-01-01"]),
        lambda: mw.search_obs_id(["icdm01010", "jw02739-o001_t001_nircam_clear-f090w"]),
    ],
    ids=["region", "criteria-with-dates", "obs-ids"],
)
def test_every_kind_of_search_is_written_down(sandbox_env, search):
    found = search()
    assert len(found)
    code = mw.snippet(found)
    again = run_snippet(code)["observations"]
    assert sorted(again["obs_id"]) == sorted(found["obs_id"])
    narrowed = found[found["obs_id"] == found["obs_id"].iloc[0]]  # a filtered frame keeps it
    assert mw.snippet(narrowed) == code


def test_a_frame_not_from_a_search_is_refused(sandbox_env):
    with pytest.raises(InvalidQuery, match="search result"):
        mw.snippet(mw.list_products(["icdm01010"]))
