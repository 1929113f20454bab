"""Searches of tens of thousands of rows, and the row limit that asks to narrow one."""

import json

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


def test_a_program_of_mast_shape_at_100000_rows(scaled_env, scaled_sandbox):
    """The sandbox's big program has MAST's shape (level-3 observations over member
    exposures, association files naming real members, a visit's guide-star files ten
    times its science files and listed by both observations of the visit, one MSA file
    for the program's MOS observations) and is summarised whole."""
    program = mw.search_program("JWST", scaled_sandbox.big_program, cloud=False)
    assert len(program.observations) == 50 and program.products["dataURI"].is_unique
    summary = program.summary.set_index(["kind", "calib_level"])["files"]
    assert summary.sum() == program.files > 60_000
    first, second = program.observations["obs_id"][:2]
    one = mw.list_products([first], catalog=False, cloud=False, auxiliary=True)
    guide = one["productSubGroupDescription"].str.startswith("GS-")
    exposure = one["calib_level"].isin([1, 2]) & (one["productType"] == "SCIENCE")
    assert guide.sum() == 10 * exposure.sum() == 2_160
    both = mw.list_products([first, second], catalog=False, cloud=False, auxiliary=True)
    assert both["productSubGroupDescription"].str.startswith("GS-").sum() == guide.sum()
    msa = program.products[program.products["productFilename"].str.endswith("_msa.fits")]
    assert len(msa) == 1  # one file, listed by each of the 10 MOS observations
    asn = program.products[program.products["kind"] == "association"].iloc[0]
    members = json.loads(scaled_sandbox.product_bytes(asn["dataURI"]))["products"][0]["members"]
    names = set(program.products["productFilename"])
    assert len(members) == 36 and {m["expname"] for m in members} <= names
