"""search -> import -> byte-identical files -> catalog records, in both stores."""

import json
import signal
import subprocess
import sys

import pytest

import mastwidgets as mw
from mastwidgets.errors import ObservationNotFound
from mastwidgets.sandbox import Faults

M16_HST = ["icdm01010", "icdm01020"]


def files_match(result, sb, settings):
    for f in result.transfer.files:
        product_uri = f"mast:{f.name.split('/')[0]}/product/{f.name.split('/')[-1]}"
        assert f.path.read_bytes() == sb.path_of(product_uri).read_bytes(), f.name
        assert f.path.is_relative_to(settings.data_dir)


def test_search_import_records(store_env, sandbox_env, mast_sandbox):
    found = mw.search_target(
        "M16", radius="5 arcmin", obs_collection="HST", instrument_name="WFC3/UVIS"
    )
    job = mw.import_observations(found)
    result = job.wait(timeout=120)
    assert result.ok, result.errors
    names = sorted(f.name for f in result.transfer.files)
    assert names == sorted(
        f"HST/{o}/{n}"
        for o in M16_HST
        for n in (
            f"{o}_drz.fits",
            f"{o[:6]}{'ab'[int(o[7]) - 1]}aq_flt.fits",
            f"{o[:6]}{'ab'[int(o[7]) - 1]}bq_flt.fits",
        )
    )
    files_match(result, mast_sandbox, sandbox_env)
    catalog = mw.Catalog()
    assert catalog.count() == 6
    drz = catalog.get("mast:HST/product/icdm01010_drz.fits")
    assert drz["obs_id"] == "icdm01010" and drz["source"] == "s3" and drz["job_id"] == job.id
    assert drz["telescope"] == "HST" and drz["instrument"] == "WFC3" and drz["filters"] == "F502N"
    assert drz["header"]["TARGNAME"] == "M16" and drz["extensions"][1]["name"] == "SCI"
    assert {r["obs_id"] for r in catalog.records()} == set(M16_HST)


def test_importing_twice_downloads_nothing_and_duplicates_nothing(
    store_env, sandbox_env, mast_sandbox
):
    first = mw.import_observations(["icdm02010"]).wait(timeout=120)
    before = mast_sandbox.served
    second = mw.import_observations(["icdm02010"]).wait(timeout=120)
    assert first.ok and second.ok
    assert second.transfer.bytes_transferred == 0
    assert not [
        r for r in mast_sandbox.requests_since(before) if r[0] == "GET" and "Download" in r[1]
    ]
    assert mw.Catalog().count() == len(first.records) == 3


def test_http_source_and_product_filters(store_env, sandbox_env):
    job = mw.import_observations(
        ["jw02739-o002_t001_miri_f770w"],
        source="http",
        products={"productSubGroupDescription": ["I2D", "CAT"]},
    )
    result = job.wait(timeout=120)
    assert result.ok and {f.source for f in result.transfer.files} == {"http"}
    kinds = {r["filename"].rsplit(".", 1)[-1]: r["kind"] for r in mw.Catalog().records()}
    assert kinds == {"fits": "fits", "ecsv": "other"}


def test_s3_only_reports_files_without_a_cloud_copy(store_env, sandbox_env):
    job = mw.import_observations(
        ["icdm02020"], source="s3", products={"extension": ["fits", "png"], "calib_level": 3}
    )
    result = job.wait(timeout=120)
    assert [f.name for f in result.transfer.files] == ["HST/icdm02020/icdm02020_drz.fits"]
    assert result.transfer.files[0].source == "s3"
    (skipped,) = result.errors
    assert skipped[0].endswith("icdm02020_drz.png") and "S3" in skipped[1]
    with pytest.raises(mw.errors.NoProductsFound, match="chosen source"):
        mw.import_observations(["icdm02020"], source="s3", products={"productType": "PREVIEW"})


def test_bad_input_raises_typed_errors(store_env, sandbox_env):
    with pytest.raises(ObservationNotFound):
        mw.import_observations(["nope123"])
    with pytest.raises(mw.errors.NoProductsFound):
        mw.import_observations(["o6h501010"])
    with pytest.raises(mw.errors.InvalidQuery, match="source"):
        mw.import_observations(["icdm01010"], source="ftp")


def test_cancel_leaves_no_records_for_unfinished_files(store_env, sandbox_env, mast_sandbox):
    mast_sandbox.set_faults(Faults(throttle=50_000))
    job = mw.import_observations(["j8ny01010"], source="http", chunk_size=64 * 1024)

    def cancel_when_started(event):
        if event.kind == "progress" and event.job.bytes_done > 0:
            job.cancel()

    job.subscribe(cancel_when_started)
    result = job.wait(timeout=120)
    assert result.status == "cancelled"
    done = {f.name for f in result.transfer.files if f.status == "done"}
    recorded = {r["path"] for r in mw.Catalog().records()}
    assert recorded == {str(f.path) for f in result.transfer.files if f.name in done}
    assert len(done) < len(result.transfer.files)


def test_corrupt_fits_gets_a_record_with_an_error_and_the_job_succeeds(
    store_env, sandbox_env, mast_sandbox
):
    uri = "mast:HST/product/j8d601030_drc.fits"
    original = mast_sandbox.path_of(uri).read_bytes()
    mast_sandbox.replace_product(uri, b"SIMPLE  = garbage" + b"\x00" * 3000)
    try:
        result = mw.import_observations(["j8d601030"]).wait(timeout=120)
    finally:
        mast_sandbox.replace_product(uri, original)
    assert result.ok
    broken = mw.Catalog().get(uri)
    assert broken["error"].startswith("unreadable FITS") and broken["size"] == 3017


def test_list_jobs(store_env, sandbox_env):
    result = mw.import_observations(["icdm02010"]).wait(timeout=120)
    jobs = mw.list_jobs()
    row = jobs.set_index("id").loc[result.job_id]
    assert row["status"] == "done" and row["observations"] == "icdm02010"
    assert row["bytes_done"] == row["bytes_total"] > 0 and row["files"] == 3


def test_kill_9_then_resume_records_every_file_exactly_once(store_env, sandbox_env, mast_sandbox):
    mast_sandbox.set_faults(Faults(throttle=50_000))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.imports.child",
            json.dumps({"mode": "start", "obs_ids": ["jw02739-o001_t001_nircam_clear-f187n"]}),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    job_id = None
    for line in child.stdout:
        if line.startswith("JOB"):
            job_id = line.split()[1]
        elif line.strip().isdigit() and int(line) > 150_000:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert job_id and mw.list_jobs().set_index("id").loc[job_id, "status"] == "interrupted"
    recorded_before = mw.Catalog().count()
    mast_sandbox.set_faults(None)
    result = mw.resume(job_id).wait(timeout=120)
    assert result.ok, result.errors
    catalog = mw.Catalog()
    assert catalog.count() == len(result.transfer.files) == 18
    assert recorded_before < 18
    keys = [r["key"] for r in catalog.records()]
    assert len(keys) == len(set(keys))
    for f in result.transfer.files:
        uri = catalog.find(job_id=job_id) and next(
            r["dataURI"] for r in catalog.records() if r["path"] == str(f.path)
        )
        assert f.path.read_bytes() == mast_sandbox.path_of(uri).read_bytes()


def test_an_observation_of_many_products_imports_and_records_each_file_once(
    store_env, tmp_path, monkeypatch
):
    """450 products of one observation (more than a record batch, more than the
    16 connections): every file arrives byte-identical, each is recorded once with
    its FITS headers, and listing them from a search row asks MAST for the products
    once, not once per row."""
    from mastwidgets.sandbox import Sandbox

    with Sandbox(s3=False, obs_ids=["jw02739-o001_t001_nircam_clear-f090w"]) as sb:
        added = sb.add_observation("jw02739-o001_t001_nircam_clear-f090w", 450)
        for name, value in sb.environ().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MASTWIDGETS_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("MASTWIDGETS_STATE_DIR", str(tmp_path / "jobs"))
        rows = mw.list_products(added.obs_id)
        assert len(rows) == 450 and rows["s3_uri"].isna().all()
        mark = sb.served
        job = mw.import_observations(rows, products={})  # product rows: one obsid, once
        result = job.wait(timeout=300)
        asked = [r for r in sb.requests_since(mark) if r[1].startswith("/api/v0/invoke")]
        assert result.ok, result.errors[:3]
        assert len(result.records) == 450
        for f in result.transfer.files[::37]:
            uri = f"mast:JWST/product/{f.path.name}"
            assert f.path.read_bytes() == sb.path_of(uri).read_bytes()
        catalog = mw.Catalog()
        assert catalog.count() == 450
        record = catalog.get(f"mast:JWST/product/{added.obs_id}_s00450_cal.fits")
        assert record["obs_id"] == added.obs_id and record["extensions"][1]["name"] == "SCI"
    assert len(asked) <= 3, asked  # the product list (and its column configuration), once


def test_the_2000_product_observation_of_a_scaled_sandbox_imports_whole(
    store_env, tmp_path, monkeypatch
):
    """Every file of the sandbox's ~2,000-product observation (files made on request,
    not stored) arrives byte-identical and is recorded once."""
    from mastwidgets.sandbox import Sandbox

    with Sandbox(s3=False, scale=1_000) as sb:
        obs_id, count = list(sb.big_observations.items())[1]
        assert 2_000 <= count < 2_100
        for name, value in sb.environ().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MASTWIDGETS_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("MASTWIDGETS_STATE_DIR", str(tmp_path / "jobs"))
        rows = mw.list_products(obs_id)
        fits_files = rows[rows["productFilename"].str.endswith(".fits")]
        job = mw.import_observations(obs_id, products={"extension": ["fits"]})
        result = job.wait(timeout=600)
        assert result.ok, result.errors[:3]
        assert len(result.transfer.files) == len(fits_files) >= 2_000
        for f in result.transfer.files:
            uri = f"mast:JWST/product/{f.path.name}"
            assert f.path.read_bytes() == sb.product_bytes(uri), f.path.name
        catalog = mw.Catalog()
        assert catalog.count() == len(fits_files) == len(result.records)
        record = catalog.get(f"mast:JWST/product/{obs_id[:12]}_s02000_x1d.fits")
        assert record["obs_id"] == obs_id and record["extensions"][1]["name"] == "EXTRACT1D"


def test_importing_the_minimum_recommended_products(sandbox_env):
    job = mw.import_observations(
        ["jw02739-o001_t001_nircam_clear-f090w"], products={"mrp_only": True}
    )
    result = job.wait(timeout=120)
    names = sorted(f.path.name for f in result.transfer.files)
    assert result.ok and names == [
        "jw02739-o001_t001_nircam_clear-f090w_i2d.fits",
        "jw02739001001_02101_00001_nrcb1_cal.fits",
        "jw02739001001_02101_00002_nrcb1_cal.fits",
    ]
