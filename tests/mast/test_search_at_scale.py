"""Searches of tens of thousands of rows, and the row limit that asks to narrow one."""

import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery, TooManyResults


def test_a_search_of_more_than_10000_rows_arrives_whole(scaled_env):
    frame = mw.search_criteria(obs_collection="TESS")
    assert 10_000 < len(frame) < 50_000
    assert frame["obsid"].is_unique and set(frame["obs_collection"]) == {"TESS"}
    assert frame["t_exptime"].notna().all() and frame["obs_date"].notna().all()


def test_past_the_limit_a_search_asks_to_be_narrowed_without_fetching_rows(
    scaled_env, scaled_sandbox, monkeypatch
):
    mark = scaled_sandbox.served
    with pytest.raises(TooManyResults) as caught:
        mw.search_target("M101", radius="0.25 deg", max_rows=1_000)
    asked = [r for r in scaled_sandbox.requests_since(mark) if r[1] == "/api/v0/invoke"]
    assert len(asked) == 1  # the count only: no rows were sent
    error = caught.value
    assert isinstance(error, InvalidQuery) and error.limit == 1_000 and error.matched > 2_000
    assert f"matches {error.matched:,} observations" in str(error)
    assert "more than the 1,000" in str(error) and "max_search_rows" in str(error)

    monkeypatch.setenv("MASTWIDGETS_MAX_SEARCH_ROWS", "500")
    with pytest.raises(TooManyResults, match="more than the 500"):
        mw.search_region("210.80243 54.34875", radius="0.1 deg")
    with pytest.raises(TooManyResults, match="more than the 500"):
        mw.search_criteria(obs_collection="JWST")
    # a narrower search goes through (MAST's cones match footprints: at M101 even a
    # 5-arcsecond cone meets over a thousand; JWST's are small)
    narrow = mw.search_region("210.80243 54.34875", radius="5 arcsec", obs_collection="JWST")
    assert 0 < len(narrow) <= 500


def test_a_program_of_15000_files_is_listed_and_counted(scaled_env, scaled_sandbox):
    (big, count), _ = scaled_sandbox.big_observations.items()
    calls = []
    program = mw.search_program("JWST", big[2:7], cloud=False, progress=lambda *a: calls.append(a))
    assert list(program.observations["obs_id"]) == [big]
    assert program.files == len(program.products) == count == 15_008
    assert program.products["dataURI"].is_unique
    assert program.summary.set_index(["kind", "calib_level"]).loc[("science", 2), "files"] > 15_000
    assert calls[-1] == (1, 1, count)
