"""MAST's mission search: astroquery's own ``MastMissions`` against the sandbox's mission
API (measured against astroquery's recordings of MAST), and mastwidgets' search, product
lists and imports built on it."""

from pathlib import Path

import numpy as np
import pytest
from astroquery.exceptions import InvalidQueryError
from astroquery.mast import MastMissionsClass

import mastwidgets as mw
from mastwidgets.errors import InvalidCriteria, InvalidQuery, InvalidRadius, TooManyResults
from mastwidgets.mast import _missions
from mastwidgets.sandbox import recordings

#: astroquery's recordings of MAST's mission search (transcribed into the sandbox's data).
RECORDING = recordings.load()["hst_mission_search"]
RECORDED = RECORDING["mission_search"]


@pytest.fixture
def missions(mast_sandbox):
    """astroquery's MastMissions, unchanged, pointed at the sandbox (as a user would with
    ``conf.server``)."""

    def make(mission="hst"):
        client = MastMissionsClass(mission=mission)
        api = client._service_api_connection
        api.SERVICE_URL = mast_sandbox.mast_url
        api.MISSIONS_DOWNLOAD_URL = mast_sandbox.mast_url + "/search/"
        client.mission = mission
        return client

    return make


@pytest.fixture
def column_list_from_sandbox(mast_sandbox, monkeypatch):
    """astroquery asks MAST's host for the column list: send it to the sandbox."""
    from astroquery.mast import conf

    monkeypatch.setattr(conf, "server", mast_sandbox.mast_url)


def test_astroquery_reads_hsts_columns_and_the_recorded_answers(missions, column_list_from_sandbox):
    hst = missions()
    columns = hst.get_column_list()
    assert list(columns["name"]) == [c["column_name"] for c in RECORDING["mission_column_list"]]
    assert "proposal" in columns[list(columns["name"]).index("sci_pep_id")]["description"].lower()

    found = hst.query_region("40.66963 -0.01328", radius=3)
    assert list(found["sci_data_set_name"]) == [r["sci_data_set_name"] for r in RECORDED["results"]]
    products = hst.get_product_list("Z14Z0104T")
    assert list(products["filename"]) == [
        "z14z0104t_shf.fits", "z14z0104t_trl.fits", "z14z0104t_ulf.fits",
        "z14z0104t_pdq.fits", "z14z0104x_ocx.fits",
    ]  # fmt: skip
    assert list(products["size"]) == [31680, 17280, 14400, 11520, 11520]


def test_criteria_follow_masts_rules(missions, column_list_from_sandbox):
    hst = missions()
    everything = hst.query_criteria(sci_pep_id=13926)
    assert sorted(everything["sci_data_set_name"]) == [
        "ICDM01010", "ICDM01020", "ICDM02010", "ICDM02020",
    ]  # fmt: skip
    # a list is any of its values; "!" excludes
    listed = hst.query_criteria(sci_pep_id=13926, sci_spec_1234=["F502N", "F110W"])
    assert sorted(listed["sci_spec_1234"]) == ["F110W", "F502N"]
    negated = hst.query_criteria(sci_pep_id=13926, sci_spec_1234="!F502N,!F657N")
    assert sorted(negated["sci_spec_1234"]) == ["F110W", "F160W"]
    # ranges and comparisons of numbers and dates; wildcards on text
    ranged = hst.query_criteria(sci_pep_id=13926, sci_actual_duration="1000..1500")
    assert set(ranged["sci_actual_duration"]) == {1197.7}
    dated = hst.query_criteria(sci_pep_id=13926, sci_start_time="<2014-09-03")
    assert sorted(dated["sci_data_set_name"]) == ["ICDM01010", "ICDM01020"]
    wild = hst.query_criteria(sci_targname="M1*", sci_instrume="WFC3")
    assert set(wild["sci_targname"]) == {"M16"}
    # sorting, paging and the count
    sorted_desc = hst.query_criteria(
        sci_pep_id=13926, sort_by="sci_data_set_name", sort_desc=True, limit=3, offset=1
    )
    assert list(sorted_desc["sci_data_set_name"]) == ["ICDM02010", "ICDM01020", "ICDM01010"]
    response = hst.query_criteria_async(sci_pep_id=13926, limit=1)
    assert response.json()["totalResults"] == 4 and len(response.json()["results"]) == 1


def test_bad_requests_are_refused_as_mast_refuses_them(missions, column_list_from_sandbox):
    hst = missions()
    with pytest.raises(InvalidQueryError):
        hst.query_criteria(sci_pep_id="invalid")
    with pytest.raises(InvalidQueryError):  # MAST's cone is at most 30 arcminutes
        hst.query_region("274.7 -13.8", radius=31)
    within = hst.query_region("274.7 -13.8", radius=30)
    assert len(within) >= 4


def test_jwst_datasets_are_exposures_with_their_files(missions, column_list_from_sandbox):
    jwst = missions("jwst")
    found = jwst.query_criteria(program=2739, exp_type="MIR_IMAGE")
    assert len(found) and all(n.startswith("jw02739002") for n in found["fileSetName"])
    products = jwst.get_product_list(found[:1])
    assert all(f.startswith(found["fileSetName"][0]) for f in products["filename"])
    assert {"UNCAL", "CAL"} <= set(products["file_suffix"])


def test_a_retrieved_product_is_the_file_mast_downloads(missions, mast_sandbox, tmp_path):
    hst = missions()
    status, message, _ = hst.download_file("ICDM01010/icdm01010_drz.fits", local_path=tmp_path)
    assert (status, message) == ("COMPLETE", None)
    served = mast_sandbox.product_bytes("mast:HST/product/icdm01010_drz.fits")
    assert (tmp_path / "icdm01010_drz.fits").read_bytes() == served


def test_search_mission_by_target_and_keywords(sandbox_env):
    found = mw.search_mission("HST", "M16", radius="5 arcmin", sci_spec_1234=["F657N", "F110W"])
    assert sorted(found["sci_data_set_name"]) == ["ICDM01020", "ICDM02010"]
    assert (found["ang_sep"] < 5).all() and set(found["sci_instrume"]) == {"WFC3"}  # unpadded
    assert found.attrs["mission"] == "hst" and found.attrs["total"] == 2
    assert "proposal" in found.attrs["descriptions"]["sci_pep_id"].lower()

    by_keyword = mw.search_mission("hst", sci_pep_id=13926, sci_actual_duration=(2000, 3000))
    assert sorted(by_keyword["sci_spec_1234"]) == ["F502N", "F657N"]
    columns = mw.mission_columns("JWST")
    assert {"fileSetName", "exp_type", "targprop"} <= set(columns["name"])
    assert columns["description"].str.len().min() > 5


def test_search_mission_refuses_bad_input_clearly(sandbox_env):
    with pytest.raises(InvalidQuery, match="no mission 'Chandra'"):
        mw.search_mission("Chandra", "M16")
    with pytest.raises(InvalidQuery, match="does not know the mission IUE here"):
        mw.search_mission("IUE", "M16")  # astroquery knows it; this MAST (the sandbox) not
    with pytest.raises(InvalidCriteria, match="Did you mean 'sci_pep_id'"):
        mw.search_mission("HST", SCI_PEP_ID=13926)
    with pytest.raises(InvalidRadius, match="at most 30 arcminutes"):
        mw.search_mission("HST", "M16", radius="1 deg")
    with pytest.raises(InvalidQuery, match="at least one"):
        mw.search_mission("HST")
    with pytest.raises(InvalidCriteria, match=r"'sci_pep_id' holds numbers \(integer\): 'th"):
        mw.search_mission("HST", sci_pep_id="thirteen")
    with pytest.raises(InvalidCriteria, match="'x' is not one"):
        mw.search_mission("HST", sci_actual_duration="1..x")
    with pytest.raises(TooManyResults):
        mw.search_mission("HST", sci_pep_id=13926, max_rows=2)


def test_mission_files_import_through_the_engine_into_the_catalog(
    sandbox_env, mast_sandbox, tmp_path
):
    datasets = mw.search_mission("HST", sci_pep_id=13926, sci_spec_1234="F502N")
    files = mw.list_mission_products("HST", datasets)
    assert set(files["dataset"]) == {"ICDM01010"} and files["filename"].is_unique
    assert files["s3_uri"].notna().all()  # HST files are in the cloud: S3 first
    job = mw.import_observations(products=files, dest=tmp_path / "m", source="http", parallel=2)
    result = job.wait(timeout=120)
    assert result.ok and len(result.records) == len(files)
    folder = tmp_path / "m" / "HST" / "ICDM01010"
    for name, uri in zip(files["filename"], files["dataURI"], strict=True):
        assert (folder / name).read_bytes() == mast_sandbox.product_bytes(uri)
    records = mw.Catalog().find(obs_id="ICDM01010")
    assert {r["filename"] for r in records} == set(files["filename"])

    again = mw.list_mission_products("HST", ["ICDM01010"])
    assert again["on_disk"].notna().all()  # the catalog knows them: nothing to fetch again


def test_a_file_only_the_mission_search_lists_is_imported_over_http(sandbox_env, tmp_path):
    files = mw.list_mission_products("HST", "Z14Z0104T")
    assert files["s3_uri"].isna().all()
    job = mw.import_observations(products=files, dest=tmp_path / "r")
    assert job.wait(timeout=120).ok
    folder = tmp_path / "r" / "HST" / "Z14Z0104T"
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    assert sizes == dict(zip(files["filename"], files["size"], strict=True))


def test_a_mission_search_of_thousands_of_rows_arrives_whole(scaled_env, monkeypatch):
    monkeypatch.setattr(_missions, "PAGE_ROWS", 1000)  # several pages of a smaller search
    pages = []
    found = mw.search_mission(
        "HST", coordinates="210.80243 54.34875", radius="15 arcmin",
        progress=lambda done, total: pages.append((done, total)),
    )  # fmt: skip
    total = found.attrs["total"]
    assert total > 2_000 and len(found) == total and found["sci_data_set_name"].is_unique
    assert len(pages) == -(-total // 1000) and pages[-1] == (total, total)
    assert (found["ang_sep"] <= 15).all() and np.all(np.diff(found["ang_sep"]) >= 0)


def test_ready_for_astroquery_0_4_12(mast_sandbox, sandbox_env):
    """astroquery 0.4.12 asks MAST for bucket keys (``get_cloud_paths``:
    ``use_cloud_path=True``) and names a target ``object_name``: the sandbox answers the
    first as the bucket holds it, and searches use the keyword the installed astroquery
    takes (the suite runs warning-free with either)."""
    import warnings

    import requests

    uri = "mast:HST/product/icdm01010_drz.fits"
    lookup = mast_sandbox.mast_url + "/api/v0.1/path_lookup/"
    archive = requests.get(lookup, params={"uri": uri}, timeout=10).json()[uri]["path"]
    cloud = requests.get(lookup, params={"uri": uri, "use_cloud_path": True}, timeout=10).json()
    assert archive == "/hst/public/icdm/icdm01010/icdm01010_drz.fits"
    assert cloud[uri]["path"].lstrip("/") == mast_sandbox.catalogue.product(uri).s3_key
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(mw.search_target("M16", radius="3 arcmin", obs_collection="HST")) == 4
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)]


def test_a_mission_search_imports_like_observations(sandbox_env, mast_sandbox, tmp_path):
    """The datasets of a search go to import_observations as observations do: their
    calibrated science files are listed, fetched and recorded."""
    datasets = mw.search_mission("HST", "M16", radius="5 arcmin", sci_spec_1234="F110W")
    assert list(datasets["obs_id"]) == ["ICDM02010"] and datasets["in_cloud"].all()
    assert datasets.loc[0, "instrument_name"] == "WFC3" and datasets.loc[0, "distance"] > 0
    job = mw.import_observations(datasets, tmp_path / "d")
    result = job.wait(timeout=120)
    names = sorted(Path(r).name for r in result.records)
    assert result.ok and names == ["icdm02010_drz.fits", "icdm02aaq_flt.fits", "icdm02abq_flt.fits"]
    for name in names:
        local = tmp_path / "d" / "HST" / "ICDM02010" / name
        assert local.read_bytes() == mast_sandbox.product_bytes(f"mast:HST/product/{name}")


def test_the_mission_command_searches_lists_keywords_and_imports(sandbox_env, tmp_path):
    import subprocess
    import sys

    def run(*words):
        return subprocess.run(
            [sys.executable, "-m", "mastwidgets", "mission", *words],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    found = run("HST", "M16", "sci_spec_1234=F657N,F110W", "--radius", "5 arcmin")
    assert found.returncode == 0, found.stderr
    assert "ICDM01020" in found.stdout and "ICDM02010" in found.stdout
    assert found.stdout.rstrip().endswith("2 HST dataset(s)")
    keywords = run("JWST", "--keywords")
    assert keywords.returncode == 0 and "exp_type" in keywords.stdout
    assert "Exposure type" in keywords.stdout
    bad = run("HST", "sci_pep_id=thirteen")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "sci_pep_id" in bad.stderr
    dest = str(tmp_path / "i")
    imported = run("HST", "sci_pep_id=13926", "sci_spec_1234=F502N", "--import", dest)
    assert imported.returncode == 0, imported.stderr
    assert (tmp_path / "i" / "HST" / "ICDM01010" / "icdm01010_drz.fits").is_file()


def test_a_target_typed_as_a_position_is_searched_there(sandbox_env):
    by_text = mw.search_mission("HST", "274.7 -13.8", radius="5 arcmin", sci_pep_id=13926)
    by_name = mw.search_mission("HST", "M16", radius="5 arcmin", sci_pep_id=13926)
    assert sorted(by_text["obs_id"]) == sorted(by_name["obs_id"]) and len(by_text) == 4
    assert set(by_text["search_pos"]) == {"274.7 -13.8"}
