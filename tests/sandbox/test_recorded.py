"""Observations real MAST was recorded answering, served verbatim: found, listed and
imported as any other, by mastwidgets and by astroquery, at the sizes MAST listed."""

import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits

import mastwidgets as mw
from mastwidgets.mast import _client
from mastwidgets.sandbox import recordings

K2 = "ktwo228726301-c10_lc"  # lightkurve's cassette: MAST's K2 rows of campaign 10


def recorded_products(obs_id):
    return [
        row
        for _, answer in recordings.answers("Mast.Caom.Products")
        for row in answer["data"]
        if row["obs_id"] == obs_id
    ]


def test_a_recorded_k2_observation_is_found_listed_and_imported_at_mast_s_sizes(sandbox_env):
    found = mw.search_obs_id(K2)
    assert list(found["obs_id"]) == [K2] and found["obs_collection"][0] == "K2"
    listed = mw.list_products(K2, cloud=False)
    real = recorded_products(K2)
    assert sorted(listed["dataURI"]) == sorted(r["dataURI"] for r in real)
    assert dict(zip(listed["dataURI"], listed["size"], strict=True)) == {
        r["dataURI"]: r["size"] for r in real
    }

    result = mw.import_observations([K2], products={}).wait(timeout=300)
    assert result.ok, result.errors
    sizes = {r["productFilename"]: r["size"] for r in real}
    assert {f.path.name: f.path.stat().st_size for f in result.transfer.files} == sizes
    folders = {f.path.parent.relative_to(sandbox_env.data_dir) for f in result.transfer.files}
    assert [str(p) for p in folders] == [f"K2/{K2}"]
    records = {r["filename"]: r for r in mw.Catalog().records()}
    curve = records["ktwo228726301-c102_llc.fits"]
    assert curve["header"]["TELESCOP"] == "Kepler" and curve["header"]["CAMPAIGN"] == 10


def test_astroquery_downloads_the_recorded_rows_it_is_given(sandbox_env, tmp_path):
    """astroquery's own download of MAST's recorded HLSP and K2 rows (their dataURIs are
    not the mast:<mission>/product/ form): every file whole, at the listed size."""
    obs = _client.observations(sandbox_env)
    rows = obs.get_product_list(obs.query_criteria(target_name="ktwo228162462"))
    small = rows[rows["size"] < 3_000_000]
    manifest = obs.download_products(small, download_dir=str(tmp_path))
    assert set(manifest["Status"]) == {"COMPLETE"}, manifest
    sizes = {Path(path).name: Path(path).stat().st_size for path in manifest["Local Path"]}
    assert sizes == dict(zip(small["productFilename"], small["size"], strict=True))


def test_mast_s_beginner_tutorial_finds_and_lists_what_it_printed(sandbox_env, tmp_path):
    """MAST's beginner tutorial, run as written with astroquery: its criteria search finds
    the four HLA observations of the M101 field it printed, the last one lists the 29
    product rows it printed (every column as printed), its filter keeps the same six,
    and they download whole, at the sizes listed."""
    printed = recordings.load()["hla_m101_beginner_search"]
    obs = _client.observations(sandbox_env)
    found = obs.query_criteria(**printed["observations"]["criteria"])
    columns = printed["observations"]["columns"]
    assert [[row[c] for c in columns] for row in found] == printed["observations"]["rows"]

    products = obs.get_product_list(found[-1:])
    listed = printed["products"]
    assert len(products) == len(listed["rows"])
    for row, values in zip(products, listed["rows"], strict=True):  # as a table prints them
        shown = [None if row[c] is np.ma.masked else str(row[c]) for c in listed["columns"]]
        assert shown == [None if v is None else str(v) for v in values]

    science = obs.filter_products(
        products, productType=["SCIENCE"], calib_level=[2, 3], mrp_only=False
    )
    assert list(science["productFilename"]) == listed["science_calib_2_3"]
    manifest = obs.download_products(science, download_dir=str(tmp_path))
    assert set(manifest["Status"]) == {"COMPLETE"}, manifest
    paths = [Path(p) for p in manifest["Local Path"]]
    assert [p.relative_to(tmp_path).parts for p in paths] == [
        ("mastDownload", row["obs_collection"], row["obs_id"], row["productFilename"])
        for row in science
    ]
    assert [p.stat().st_size for p in paths] == list(science["size"])
    with fits.open(paths[-1]) as hdus:  # u2ms0402t_c1m.fits, as long as MAST's
        assert hdus[0].header["TELESCOP"] == "HST" and hdus[0].header["INSTRUME"] == "WFPC2"


def test_the_m101_field_s_hla_files_import_with_their_previews_and_catalogues(sandbox_env):
    """mastwidgets imports the recorded HLA list whole: files whose dataURIs are MAST's
    HLA cgi-bin forms (query strings with ``?`` and ``&``) land under their product file
    names, previews are JPEG, catalogues text, and FITS headers are catalogued."""
    obs_id = "hst_05766_04_wfpc2_total_wf"
    listed = mw.list_products(obs_id, cloud=False, auxiliary=True)
    assert len(listed) == 29
    small = listed[listed["size"].fillna(0) < 300_000]
    result = mw.import_observations(products=small).wait(timeout=300)
    assert result.ok, result.errors
    names = {f.path.name for f in result.transfer.files}
    assert names == set(small["productFilename"])
    by_name = {f.path.name: f.path for f in result.transfer.files}
    assert by_name["u2ms0402t_c0f.jpg"].read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG
    assert by_name["u2ms0402t_c0f.jpg"].stat().st_size == 75344
    assert by_name[f"{obs_id}_daophot_trm.cat"].read_bytes().isascii()
    records = {r["filename"]: r for r in mw.Catalog().records()}
    assert records["u2ms0402t_c3m.fits"]["header"]["TELESCOP"] == "HST"


def test_kepler_10_s_recorded_rows_are_found_by_name_and_listed_verbatim(sandbox_env):
    """lightkurve's recorded search for Kepler-10: MAST's two Kepler time series (long and
    short cadence), served as recorded; the long cadence's ten recorded product rows (an
    excerpt of its list), with MAST's Kepler dataURIs, and the files import whole."""
    kepler = recordings.load()["kepler_10"]
    with warnings.catch_warnings():  # MAST's null mtFlag read without pandas' FutureWarning
        warnings.simplefilter("error", FutureWarning)
        found = mw.search_target("Kepler-10", radius="2 arcsec", obs_collection="Kepler")
    assert not found["mtFlag"].any()
    assert sorted(found["obs_id"]) == sorted(r[kepler["observations"]["columns"].index(
        "obs_id")] for r in kepler["observations"]["rows"])  # fmt: skip
    assert (found["distance"] == 0).all()
    long_cadence = "kplr011904151_lc_Q111111110111011101"
    listed = mw.list_products(long_cadence, cloud=False, auxiliary=True)
    columns = kepler["products"]["columns"]
    rows = [dict(zip(columns, r, strict=True)) for r in kepler["products"]["rows"]]
    assert sorted(listed["dataURI"]) == sorted(r["dataURI"] for r in rows)
    assert all(u.startswith("mast:KEPLER/url/missions/kepler/") for u in listed["dataURI"])
    small = [r["productFilename"] for r in rows if r["size"] < 300_000]
    chosen = listed[listed["productFilename"].isin(small)]
    result = mw.import_observations([long_cadence], products=chosen).wait(timeout=300)
    assert result.ok, result.errors
    sizes = {r["productFilename"]: r["size"] for r in rows if r["productFilename"] in small}
    assert {f.path.name: f.path.stat().st_size for f in result.transfer.files} == sizes


def test_tic_273985862_s_recorded_answer_is_found_whole_with_its_quirks(sandbox_env):
    """lightkurve's recorded search of TIC 273985862: all 31 of MAST's rows (SPOC and
    seven HLSPs), found by the TIC name, its quirks as MAST sent them, and the 47 product
    rows MAST listed for them (QLP's older sectors with a text copy)."""
    doc = recordings.load()["tess_tic273985862"]
    recorded = doc["interactions"][0]["answer"]["data"]
    products = doc["interactions"][1]["answer"]["data"]
    found = mw.search_target("TIC 273985862", radius="3 arcsec")
    assert sorted(found["obs_id"]) == sorted(r["obs_id"] for r in recorded)
    assert set(found["provenance_name"]) == {
        "SPOC", "QLP", "TESS-SPOC", "TASOC", "GSFC-ELEANOR-LITE", "TGLC", "T16",
    }  # fmt: skip
    # QLP's sectors 27 and 28 came with instrument_name "": mastwidgets shows it as missing
    assert found["instrument_name"].isna().sum() == 2
    listed = mw.list_products(found, cloud=False)
    assert sorted(listed["dataURI"]) == sorted(r["dataURI"] for r in products)
    assert dict(zip(listed["dataURI"], listed["size"], strict=True)) == {
        r["dataURI"]: r["size"] for r in products
    }
