"""Searching by target, position, observation ID and criteria: real astroquery, the sandbox."""

import pandas as pd
import pytest
from astropy.coordinates import SkyCoord

import mastwidgets as mw
from mastwidgets.errors import (
    InvalidCoordinates,
    InvalidCriteria,
    InvalidQuery,
    InvalidRadius,
    ObservationNotFound,
    TargetNotFound,
)

M8_NEAR = {
    "jw04567-o002_t001_miri_f770w",
    "ib6w01020",
    "j8ny01010",
    "jw04567-o001_t001_nircam_clear-f212n",
    "ib6w01010",
}


def test_search_target_gives_the_documented_columns_nearest_first(sandbox_env):
    frame = mw.search_target("M8")
    assert list(frame.columns) == list(mw.RESULT_COLUMNS)
    assert set(frame["obs_id"]) == M8_NEAR
    assert frame["distance"].is_monotonic_increasing
    assert (frame["distance"] <= 180).all()
    row = frame.set_index("obs_id").loc["ib6w01010"]
    assert row["obs_collection"] == "HST" and row["instrument_name"] == "WFC3/UVIS"
    assert row["filters"] == "F656N" and row["calib_level"] == 3 and row["t_exptime"] == 1800
    assert row["obs_date"] == pd.Timestamp("2010-05-12T17:21:35", tz="UTC")
    assert row["in_cloud"] and not row["proprietary"]
    assert isinstance(row["obsid"], str) and row["obsid"].isdigit()


def test_search_target_knows_aliases_and_ignores_case_and_spaces(sandbox_env):
    lagoon = set(mw.search_target("Lagoon Nebula")["obs_id"])
    assert lagoon == set(mw.search_target("m 8")["obs_id"]) == M8_NEAR


def test_search_target_radius_and_criteria(sandbox_env):
    # MAST's cones match footprints: every M8 observation covers M8 itself
    tiny = mw.search_target("M8", radius="1 arcsec")
    assert set(tiny["obs_id"]) == M8_NEAR and (tiny["distance"] == 0).all()
    # 2 arcmin north, outside every footprint: the radius decides
    north = "270.904 -24.35367"
    assert list(mw.search_region(north, radius="30 arcsec")["obs_id"]) == ["ib6w01010", "ib6w01020"]
    assert len(mw.search_region(north, radius=0.03)) == 5  # bare numbers are degrees
    jwst = mw.search_target("M16", radius="5 arcmin", obs_collection="JWST")
    assert len(jwst) == 9 and set(jwst["obs_collection"]) == {"JWST"}
    assert jwst["distance"].notna().all()


@pytest.mark.parametrize(
    "coordinates",
    [
        "270.904 -24.387",
        "270.904, -24.387",
        "18:03:36.96 -24:23:13.2",
        "18 03 36.96 -24 23 13.2",
        "18h03m36.96s -24d23m13.2s",
        "270.904d -24.387d",
        "icrs 270.904 -24.387",
        "galactic 5.95715 -1.16671",
        SkyCoord(270.904, -24.387, unit="deg"),
        (270.904, -24.387),
    ],
)
def test_search_region_reads_every_usual_coordinate_format(sandbox_env, coordinates):
    assert set(mw.search_region(coordinates, radius="3 arcmin")["obs_id"]) == M8_NEAR


def test_search_region_with_criteria(sandbox_env):
    frame = mw.search_region("274.700 -13.807", radius="5 arcmin", instrument_name="WFC3/IR")
    assert sorted(frame["obs_id"]) == ["icdm02010", "icdm02020"]


def test_empty_region_is_an_empty_frame_with_the_columns(sandbox_env):
    frame = mw.search_region("0 0", radius="1 arcmin")
    assert frame.empty and list(frame.columns) == list(mw.RESULT_COLUMNS)


def test_search_obs_id_one_several_any_case(sandbox_env):
    assert list(mw.search_obs_id("ICDM01010")["obs_id"]) == ["icdm01010"]
    several = mw.search_obs_id(["icdm01010", "jw02739-o002_t001_miri_f770w"])
    assert sorted(several["obs_id"]) == ["icdm01010", "jw02739-o002_t001_miri_f770w"]
    assert several["distance"].isna().all()


def test_search_criteria_with_dates_wildcards_and_lists(sandbox_env):
    july_2022 = mw.search_criteria(obs_collection="JWST", t_min=["2022-07-01", "2022-08-01"])
    assert len(july_2022) == 9 and set(july_2022["proposal_id"]) == {"2739"}
    assert len(mw.search_criteria(instrument_name="ACS*")) == 6
    assert len(mw.search_criteria(obs_collection=["TESS", "JWST"], t_exptime=[1000, 2100])) == 5
    proprietary = mw.search_criteria(dataRights="EXCLUSIVE_ACCESS")
    assert list(proprietary["proprietary"]) == [True] and list(proprietary["in_cloud"]) == [False]


def test_in_cloud_says_which_files_an_import_can_take_from_s3(sandbox_env):
    """Only missions MAST's cloud look-up answers for: K2's and the HLA's files are never
    looked up (their dataURIs are not of those missions), so they are not "in cloud"."""
    k2 = mw.search_obs_id("ktwo228726301-c10_lc")
    tess = mw.search_criteria(obs_collection="TESS", target_name="74534430")
    hla = mw.search_obs_id("hst_05766_04_wfpc2_total_wf")
    assert list(k2["in_cloud"]) == [False] and list(hla["in_cloud"]) == [False]
    assert tess["in_cloud"].any()
    listed = mw.list_products(k2, auxiliary=True)  # and indeed: no S3 copy is found
    assert listed["s3_uri"].isna().all() and "cloud_error" not in listed.attrs


@pytest.mark.parametrize("name", ["Nonexistent Nebula", "M 999"])
def test_unknown_target_is_target_not_found(sandbox_env, name):
    with pytest.raises(TargetNotFound, match="does not know the target"):
        mw.search_target(name)


@pytest.mark.parametrize("bad", ["M8", "", "270 -100", "12:00:00 +95:00:00", "1 2 3", "abc def"])
def test_malformed_coordinates_are_invalid_coordinates(sandbox_env, mast_sandbox, bad):
    before = mast_sandbox.served
    with pytest.raises(InvalidCoordinates, match="sky coordinates"):
        mw.search_region(bad)
    assert mast_sandbox.served == before, "nothing may be sent to MAST"


@pytest.mark.parametrize("radius", ["-1 arcmin", 0, "45 deg", "3 parsec", "wide", float("nan")])
def test_bad_radius_is_invalid_radius(sandbox_env, radius):
    with pytest.raises(InvalidRadius):
        mw.search_target("M8", radius=radius)


def test_obs_id_with_no_match_is_observation_not_found(sandbox_env):
    with pytest.raises(ObservationNotFound, match="nope123") as error:
        mw.search_obs_id(["icdm01010", "nope123"])
    assert error.value.obs_ids == ["nope123"]


def test_bad_criteria_are_invalid_criteria(sandbox_env):
    with pytest.raises(InvalidCriteria, match="does not exist"):
        mw.search_criteria(colour="red")
    with pytest.raises(InvalidCriteria, match=r"\[min, max\]"):
        mw.search_criteria(t_exptime=100)
    with pytest.raises(InvalidCriteria, match="as a date"):
        mw.search_criteria(t_min=["yesterday-ish", "2023-01-01"])
    with pytest.raises(InvalidCriteria, match="at least one"):
        mw.search_criteria()
    with pytest.raises(InvalidQuery):
        mw.search_target("   ")
