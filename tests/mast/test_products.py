"""Listing products: by obs ID, search rows or DataFrames; filters; S3 and HTTP locations."""

import logging
import subprocess
import sys

import pandas as pd
import pytest
import requests

import mastwidgets as mw
from mastwidgets.errors import InvalidCriteria, NoProductsFound, ObservationNotFound

F090W = "jw02739-o001_t001_nircam_clear-f090w"


def test_products_of_an_obs_id_with_the_documented_columns(sandbox_env, mast_sandbox):
    products = mw.list_products(F090W)
    assert list(products.columns) == list(mw.PRODUCT_COLUMNS)
    assert len(products) == 18
    # MAST lists a member exposure's files under the exposure (JWST's recorded lists)
    assert set(products["obs_id"]) == {
        F090W,
        "jw02739001001_02101_00001_nrcb1",
        "jw02739001001_02101_00002_nrcb1",
    }
    assert set(products["parent_obs_id"]) == {F090W}  # the observation they were listed for
    i2d = products.set_index("productFilename").loc[f"{F090W}_i2d.fits"]
    assert i2d["productType"] == "SCIENCE" and i2d["calib_level"] == 3
    assert i2d["extension"] == "fits"
    assert i2d["size"] == mast_sandbox.path_of(i2d["dataURI"]).stat().st_size
    assert i2d["s3_uri"] == f"s3://stpubdata/jwst/public/jw02739/L3/t/o001/{F090W}_i2d.fits"


def test_products_not_in_the_bucket_have_no_s3_uri(sandbox_env):
    products = mw.list_products(F090W).set_index("extension")
    assert products.loc["png", "s3_uri"].isna().all()  # previews: no cloud path
    assert pd.isna(products.loc["json", "s3_uri"])  # path known, object missing
    hst_only = mw.list_products("j8ny01010")
    assert hst_only["s3_uri"].isna().all()


def test_the_http_url_serves_the_file(sandbox_env, mast_sandbox):
    row = mw.list_products("icdm01010", productSubGroupDescription="DRZ").iloc[0]
    body = requests.get(row["url"], timeout=30).content
    assert body == mast_sandbox.path_of(row["dataURI"]).read_bytes()
    assert row["url"].startswith(sandbox_env.mast_url + "/api/v0.1/Download/file?uri=mast:HST/")


def test_products_of_search_rows_and_frames(sandbox_env):
    found = mw.search_target("M16", radius="5 arcmin", instrument_name="WFC3/IR")
    from_frame = mw.list_products(found)
    from_rows = mw.list_products([row for _, row in found.iterrows()])
    from_row = mw.list_products(found.iloc[0])
    assert len(from_frame) == len(from_rows) == 12  # 7 each, less the 2 AUXILIARY ASN files
    assert set(from_row["obs_id"]) == {found.iloc[0]["obs_id"]}


def test_filters_ignore_case_take_lists_and_extensions_with_or_without_dot(sandbox_env):
    science = mw.list_products(F090W, productType="science", calib_level=[2, 3], extension=".FITS")
    assert len(science) == 12
    assert set(science["calib_level"]) == {2, 3}
    assert set(science["productSubGroupDescription"]) == {
        "RATE", "RATEINTS", "CAL", "CRF", "I2D", "SEGM"
    }  # fmt: skip
    assert mw.list_products(F090W, productSubGroupDescription="nope").empty


def test_duplicate_uris_are_listed_once(sandbox_env):
    twice = mw.list_products(["icdm01010", "icdm01010"])
    assert twice["dataURI"].is_unique and len(twice) == 6  # 7 files, 1 of them AUXILIARY


def test_unknown_filter_is_invalid_criteria(sandbox_env):
    with pytest.raises(InvalidCriteria, match="cannot be filtered by 'colour'"):
        mw.list_products(F090W, colour="red")
    with pytest.raises(InvalidCriteria, match="takes numbers"):
        mw.list_products(F090W, calib_level="high")


def test_observation_without_products_is_no_products_found(sandbox_env):
    with pytest.raises(NoProductsFound, match="o6h501010"):
        mw.list_products("o6h501010")


def test_unknown_obs_id_is_observation_not_found(sandbox_env):
    with pytest.raises(ObservationNotFound):
        mw.list_products("jw99999-o001_t001_nircam_clear-f000w")


def test_products_still_list_when_s3_is_down(sandbox_env, monkeypatch, free_port, caplog):
    monkeypatch.setenv("MASTWIDGETS_S3_ENDPOINT", f"http://127.0.0.1:{free_port}")
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "0")
    with caplog.at_level(logging.WARNING):
        products = mw.list_products("icdm01010")
    assert len(products) == 6 and products["s3_uri"].isna().all()
    assert "S3" in products.attrs["cloud_error"]
    assert "files will come over HTTP" in caplog.text


def test_s3_locations_and_s3_imports_need_no_boto3(sandbox_env, tmp_path):
    """boto3 is not a dependency (next to s3fs it made pip backtrack for minutes): the
    cloud look-up and the S3 transfer work with botocore alone."""
    script = f"""
import sys
sys.modules["boto3"] = None  # import boto3 fails, as where it is not installed
import mastwidgets as mw
products = mw.list_products("icdm01020", productSubGroupDescription="DRZ")
assert products["s3_uri"].notna().all(), products["s3_uri"]
result = mw.import_observations("icdm01020", {str(tmp_path / "data")!r}, source="s3",
                                products={{"productSubGroupDescription": "DRZ"}}).wait()
assert result.ok and [f.source for f in result.transfer.files] == ["s3"], result
print("fetched", products["s3_uri"].iloc[0])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fetched s3://stpubdata/hst/public/icdm/icdm01020/icdm01020_drz.fits" in done.stdout


def test_minimum_recommended_products_and_subgroups_as_mast_and_astroquery_define_them(
    sandbox_env,
):
    from mastwidgets.mast import _client

    every = mw.list_products([F090W, "icdm01010"], cloud=False)
    mrp = mw.list_products([F090W, "icdm01010"], cloud=False, mrp_only=True)
    obs = _client.observations(sandbox_env)
    table = obs.get_product_list(",".join(sorted(set(every["obsid"]))))
    theirs = obs.filter_products(table, mrp_only=True)
    assert sorted(mrp["dataURI"]) == sorted(set(theirs["dataURI"]))
    assert sorted(mrp["productFilename"]) == [
        "icdm01010_drz.fits",
        f"{F090W}_i2d.fits",
        "jw02739001001_02101_00001_nrcb1_cal.fits",
        "jw02739001001_02101_00002_nrcb1_cal.fits",
    ]
    assert set(mrp["productGroupDescription"]) == {"Minimum Recommended Products"}
    cal = mw.filter_products(every, product_subgroup="cal")  # case does not matter
    assert sorted(cal["productFilename"]) == sorted(
        f for f in every["productFilename"] if f.endswith("_cal.fits")
    )
    both = mw.filter_products(every, product_subgroup=["I2D", "FLT"], mrp_only=True)
    assert list(both["productFilename"]) == [f"{F090W}_i2d.fits"]  # FLTs are not recommended
    assert len(mw.filter_products(every, product_subgroup=["UNCAL", "RAW"])) == 4


def test_the_command_line_takes_mrp_and_subgroups(sandbox_env):
    from .. import test_cli

    listed = test_cli.run(["products", F090W, "--mrp"])
    assert listed.returncode == 0 and "3 product(s)" in listed.stdout, listed.stdout
    assert f"{F090W}_i2d.fits" in listed.stdout and "_rate.fits" not in listed.stdout
    uncal = test_cli.run(["products", F090W, "--subgroup", "uncal"])
    assert "2 product(s)" in uncal.stdout and "_uncal.fits" in uncal.stdout


def test_auxiliary_files_are_hidden_unless_asked_for(sandbox_env):
    shown = mw.list_products("icdm01010", cloud=False)
    every = mw.list_products("icdm01010", cloud=False, auxiliary=True)
    assert "AUXILIARY" not in set(shown["productType"]) and len(shown) == 6
    assert list(every.loc[every["productType"] == "AUXILIARY", "productFilename"]) == [
        "icdm01010_asn.fits"
    ]
    asked = mw.list_products("icdm01010", cloud=False, productType=["auxiliary"])
    assert list(asked["productFilename"]) == ["icdm01010_asn.fits"]  # asking is the switch
    from .. import test_cli

    assert "7 product(s)" in test_cli.run(["products", "icdm01010", "--auxiliary"]).stdout
    assert "6 product(s)" in test_cli.run(["products", "icdm01010"]).stdout


def test_jwst_guide_star_files_outnumber_the_science_tenfold_and_stay_hidden(sandbox_env):
    obs_id = "jw02739-o001_t001_nircam_clear-f090w"
    shown = mw.list_products(obs_id, cloud=False)
    every = mw.list_products(obs_id, cloud=False, auxiliary=True)
    guide = every[every["productType"] == "AUXILIARY"]
    science = shown[shown["productType"] == "SCIENCE"]
    assert len(guide) >= 10 * len(science) and len(guide) == 160
    assert guide["productFilename"].str.contains("_gs-").all()
    assert not shown["productFilename"].str.contains("_gs-").any()
    assert set(guide["productSubGroupDescription"]) == {
        "GS-ID",
        "GS-ACQ1",
        "GS-ACQ2",
        "GS-TRACK",
        "GS-FG",
    }
    tracks = mw.list_products(obs_id, cloud=False, product_subgroup="GS-TRACK", auxiliary=True)
    assert len(tracks) == 32


def test_a_manifest_lists_where_each_file_is_and_writes_csv_and_ecsv(
    sandbox_env, mast_sandbox, tmp_path, monkeypatch
):
    from astropy.table import Table

    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)  # never in the manifest
    products = mw.list_products(["icdm01010", "j8ny01010"], productType="SCIENCE")
    table = mw.manifest(products)
    assert table.colnames == list(mw.exports.MANIFEST_COLUMNS) and len(table) == len(products)
    row = table[list(table["productFilename"]).index("icdm01010_drz.fits")]
    assert row["s3_uri"] == "s3://stpubdata/hst/public/icdm/icdm01010/icdm01010_drz.fits"
    assert row["size"] == mast_sandbox.path_of(row["dataURI"]).stat().st_size
    assert (
        requests.get(row["url"], timeout=30).content
        == mast_sandbox.path_of(row["dataURI"]).read_bytes()
    )
    assert set(table[table["obs_id"] == "j8ny01010"]["s3_uri"]) == {""}  # no cloud copy
    assert set(table["md5"]) == {""}  # nothing imported yet

    result = mw.import_observations("icdm01010").wait(timeout=120)
    assert result.ok and len(result.records) == 3
    known = mw.manifest(products, catalog=mw.Catalog())
    imported = {key: mw.Catalog().get(key)["md5"] for key in result.records}
    assert sum(bool(m) for m in known["md5"]) == 3
    for line in known:
        assert line["md5"] == imported.get(line["dataURI"], "")
    for name in ("files.csv", "files.ecsv"):
        known.write(tmp_path / name)
        again = Table.read(tmp_path / name)
        assert list(again["dataURI"]) == list(known["dataURI"])
        assert list(again["size"]) == list(known["size"])
        assert mast_sandbox.token not in (tmp_path / name).read_text()
    assert Table.read(tmp_path / "files.ecsv")["size"].unit == "byte"
