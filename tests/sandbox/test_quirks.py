"""MAST's known quirks, from the trackers, reproduced by the sandbox and met by the client."""

import logging

import pandas as pd
import pytest
import requests

import mastwidgets as mw
from mastwidgets.errors import MastTimedOut
from mastwidgets.mast import _client
from mastwidgets.sandbox import Faults


def test_a_file_served_without_content_length_arrives_whole(sandbox_env, mast_sandbox, caplog):
    """Files MAST generates on request come without Content-Length (astroquery #3290):
    the whole body, its end the connection's close."""
    uri = "mast:HST/product/icdm02010_drz.fits"
    with mast_sandbox.faults(Faults(no_content_length=True)):
        answer = requests.get(
            mast_sandbox.download_url(uri), headers={"Range": "bytes=0-99"}, timeout=30
        )
        assert answer.status_code == 200 and "Content-Length" not in answer.headers
        assert answer.content == mast_sandbox.path_of(uri).read_bytes()

        result = mw.import_observations(["icdm02010"], source="http").wait(timeout=120)
        assert result.ok, result.errors
        assert len(result.transfer.files) == 3
        for f in result.transfer.files:
            expected = mast_sandbox.path_of(f"mast:HST/product/{f.path.name}").read_bytes()
            assert f.path.read_bytes() == expected

        # astroquery's own download of it (it cannot check the length)
        with caplog.at_level(logging.WARNING):
            status, message, _ = _client.observations(sandbox_env).download_file(
                uri, local_path=str(sandbox_env.data_dir / "by-astroquery.fits")
            )
    assert status == "COMPLETE", message
    copy = (sandbox_env.data_dir / "by-astroquery.fits").read_bytes()
    assert copy == mast_sandbox.path_of(uri).read_bytes()


def test_a_maintenance_window_pauses_the_import_and_resume_finishes_it(sandbox_env, mast_sandbox):
    """MAST's maintenance windows answer every request 503 for minutes to hours (lightkurve
    #1497): the import pauses saying why, no file is marked failed, and Resume finishes it."""
    from mastwidgets.ui._progress_view import ProgressView

    down = Faults(fail_requests=range(1, 10**9), fail_status=503, retry_after=0)
    with mast_sandbox.faults(down):
        job = mw.import_observations(["icdm02010"], source="http")
        result = job.wait(timeout=300)
    assert result.status == "paused" and result.errors == ()
    assert {f.status for f in result.transfer.files} == {"paused"}
    note = result.transfer.note
    assert "HTTP 503" in note and "resume it when MAST is back" in note
    listed = mw.list_jobs().set_index("id").loc[job.id]
    assert listed["status"] == "paused" and listed["note"] == note  # for the Jobs tab and CLI
    shown = ProgressView(job).title.value  # what the page shows
    assert "paused" in shown and "maintenance" in shown

    resumed = mw.resume(job.id).wait(timeout=120)
    assert resumed.ok and resumed.transfer.note is None
    for f in resumed.transfer.files:
        expected = mast_sandbox.path_of(f"mast:HST/product/{f.path.name}").read_bytes()
        assert f.path.read_bytes() == expected


def test_a_corrupt_file_already_where_a_product_goes_is_replaced(sandbox_env, mast_sandbox):
    """A file of the right name and size but wrong bytes, left by another tool or a
    broken copy (astroquery #3231), is fetched again: never taken as done, never resumed."""
    uri = "mast:HST/product/icdm02010_drz.fits"
    real = mast_sandbox.path_of(uri).read_bytes()
    target = sandbox_env.data_dir / "HST" / "icdm02010" / "icdm02010_drz.fits"
    for corrupt in (b"\0" * len(real), real[: len(real) // 2]):  # same size; cut short
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(corrupt)
        mark = mast_sandbox.served
        result = mw.import_observations(["icdm02010"], source="http").wait(timeout=120)
        assert result.ok, result.errors
        assert target.read_bytes() == real
        fetched = [path for _, path, _ in mast_sandbox.requests_since(mark) if "drz" in path]
        assert fetched, "the corrupt copy was taken as the file"


def test_files_listed_under_several_observations_are_fetched_once(
    sandbox_env, mast_sandbox, tmp_path
):
    """MAST lists a file under every observation that holds it (a visit's guide-star files
    under each of its level-3 observations; astroquery #2496): a product list of both
    repeats them, and each is still listed, fetched and recorded once."""
    both = ["jw02739-o001_t001_nircam_clear-f090w", "jw02739-o001_t001_nircam_clear-f335m"]
    obsids = [o.obsid for o in mast_sandbox.catalogue.observations if o.obs_id in both]
    answer = mast_sandbox.portal.invoke(
        {"service": "Mast.Caom.Products", "params": {"obsid": ",".join(obsids)}}
    )
    uris = [row["dataURI"] for row in answer["data"] if row["productType"] == "AUXILIARY"]
    assert len(uris) == 2 * len(set(uris)) == 320  # MAST's answer: each guide-star file twice

    listed = mw.list_products(both, cloud=False, productType="AUXILIARY")
    assert sorted(listed["dataURI"]) == sorted(set(uris))
    job = mw.import_observations(both, products={"productType": "AUXILIARY", "calib_level": 2})
    result = job.wait(timeout=300)
    assert result.ok, result.errors
    assert len(result.transfer.files) == len({f.path for f in result.transfer.files}) == 160
    assert mw.Catalog().count() == 160

    # astroquery's own download culls them too (since astroquery #2497)
    obs = _client.observations(sandbox_env)
    rows = obs.get_product_list(",".join(obsids))
    guide = rows[(rows["productType"] == "AUXILIARY")][:4]
    twice = guide.copy()
    twice.add_row(guide[0])  # a row as a second observation lists it
    manifest = obs.download_products(twice, download_dir=str(tmp_path))
    assert len(manifest) == 4 and set(manifest["Status"]) == {"COMPLETE"}


def test_product_lists_too_slow_to_ask_together_are_asked_a_few_at_a_time(
    sandbox_env, mast_sandbox, monkeypatch, caplog
):
    """MAST joins a request's observations on its side: a program's product lists asked
    together run past the timeout (astroquery #2473, #2507), one at a time they are quick.
    The client asks a few at a time, halving a batch that times out, and lists them all."""
    monkeypatch.setenv("MASTWIDGETS_TIMEOUT", "2")
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "0")
    names = [
        "jw02739-o001_t001_nircam_clear-f090w",  # each with the visit's 80 guide-star files
        "jw02739-o001_t001_nircam_clear-f335m",
        "jw02739-o001_t001_nircam_clear-f187n",
        "jw02739-o002_t001_miri_f770w",
    ]
    found = mw.search_obs_id(names)
    expected = {
        p.uri
        for o in mast_sandbox.catalogue.observations
        if o.obs_id in names
        for p in o.products
        if p.product_type != "AUXILIARY"
    }
    slow = Faults(slow_products=100.0, scope="api")  # two observations together: > 3 s
    with mast_sandbox.faults(slow):
        at_once = pytest.raises(MastTimedOut, match="timeout")  # as astroquery asks
        with at_once, _client.session(mw.get_settings()) as obs:
            obs.get_product_list(",".join(found["obsid"]))
        with caplog.at_level(logging.INFO, logger="mastwidgets.mast"):
            listed = mw.list_products(found, cloud=False)
    assert set(listed["dataURI"]) == expected
    halved = [r.getMessage() for r in caplog.records if "asking in halves" in r.getMessage()]
    assert halved[0].startswith("MAST took too long for 4 observations' products")


def test_one_observation_too_slow_to_list_is_a_clear_error(sandbox_env, mast_sandbox, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_TIMEOUT", "1")
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "0")
    with mast_sandbox.faults(Faults(first_byte_delay=3, scope="api")):
        found = None
        with pytest.raises(MastTimedOut, match=r"within the timeout setting \(1 s"):
            found = mw.list_products(
                pd.DataFrame({"obsid": ["87600001"], "obs_id": ["jw02739-o001_t001_x"]})
            )
    assert found is None


def test_exclusive_access_files_are_refused_as_mast_refuses_them(
    sandbox_env, mast_sandbox, monkeypatch
):
    """MAST answers a download of exclusive-access data without a token '401 Unauthorized'
    (astroquery #2016): astroquery reports that status; the import says what the user
    needs, each file failed with it, nothing written; with the token it arrives."""
    obs_id = "jw06543-o001_t001_nirspec_g395h-f290lp"
    uri = next(
        p.uri for o in mast_sandbox.catalogue.observations if o.obs_id == obs_id for p in o.products
    )
    status, message, _ = _client.observations(sandbox_env).download_file(
        uri, local_path=str(sandbox_env.data_dir / "refused.fits")
    )
    assert status == "ERROR" and "401 Client Error: Unauthorized" in message

    result = mw.import_observations([obs_id], source="http").wait(timeout=120)
    assert result.status == "failed" and result.errors
    for _, error in result.errors:
        assert "HTTP 401 Unauthorized: exclusive-access data" in error
        assert "need a MAST token with access (MAST_API_TOKEN" in error
    assert not list(sandbox_env.data_dir.rglob("*.fits"))

    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)
    assert mw.import_observations([obs_id], source="http").wait(timeout=120).ok
