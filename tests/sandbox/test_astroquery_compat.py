"""The real astroquery client, unchanged, against the sandbox.

They run against the newest astroquery that mastwidgets' requirement allows
(a fresh install picks it). If a new astroquery sends anything the sandbox
does not know (a path, a service, a request key or parameter), these tests
fail loudly: update the sandbox (and MAST_PROTOCOL.md's checks) or the range.
"""

import subprocess
from importlib.metadata import requires
from pathlib import Path

import astroquery
import boto3
import pytest
from astropy.coordinates import SkyCoord
from astroquery.mast import Observations
from packaging.requirements import Requirement

from mastwidgets.mast import _client, _cloud

I2D = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.fits"
F090W = "jw02739-o001_t001_nircam_clear-f090w"


@pytest.fixture
def obs(sandbox_env, mast_sandbox):
    mast_sandbox.portal._unknown.clear()
    client = _client.observations(sandbox_env)
    yield client
    assert mast_sandbox.unknown_requests == [], (
        f"astroquery {astroquery.__version__} sent requests the MAST sandbox does not know: "
        f"{mast_sandbox.unknown_requests}"
    )


def test_astroquery_is_a_release_mastwidgets_allows():
    wanted = next(
        Requirement(line) for line in requires("mastwidgets") if line.startswith("astroquery")
    )
    assert wanted.specifier.contains(astroquery.__version__), (
        f"astroquery {astroquery.__version__} is installed, but mastwidgets asks for {wanted}"
    )


def test_name_resolution_goes_to_the_sandbox(obs, mast_sandbox):
    coord = obs.resolve_object("M16")
    assert coord.ra.deg == pytest.approx(274.700)
    both = obs.resolve_object("M16", resolve_all=True)
    assert set(both) == {"SIMBAD", "NED"}
    assert any(path.startswith("/Santa-war/query") for _, path, _ in mast_sandbox.requests)


def test_searches_counts_and_paging(obs):
    by_name = obs.query_object("NGC 6543", radius="3 arcmin")
    by_region = obs.query_region(SkyCoord(268.39583, 66.63306, unit="deg"), radius="3 arcmin")
    assert sorted(by_name["obs_id"]) == sorted(by_region["obs_id"])
    assert len(by_name) == 4
    assert obs.query_object_count("NGC 6543", radius="3 arcmin") == 4
    assert obs.query_region_count(SkyCoord(268.39583, 66.63306, unit="deg"), radius="3 arcmin") == 4
    criteria = dict(obs_collection="JWST", instrument_name="NIRCAM*")
    rows = obs.query_criteria(**criteria)
    assert len(rows) == obs.query_criteria_count(**criteria) == 7
    paged = obs.query_criteria(**criteria, pagesize=2, page=2)
    assert list(paged["obs_id"]) == list(rows["obs_id"][2:4])
    near = obs.query_criteria(objectname="M16", radius="5 arcmin", filters=["F444W", "F160W"])
    assert sorted(near["filters"]) == ["F160W", "F444W"]
    miri = obs.query_criteria(Instrument_Name="MIRI/IMAGE", T_min=[59780, 59790])
    assert miri["obs_id"][0].startswith("jw02739")
    # MAST names JWST instruments with their mode: the form its tutorials use finds them,
    # a bare name does not (they advise "NIRCAM*")
    nircam = obs.query_criteria(obs_collection="JWST", instrument_name="NIRCAM/IMAGE")
    assert len(nircam) == len(obs.query_criteria(obs_collection="JWST", instrument_name="NIRCAM*"))
    assert len(nircam) >= 6 and len(obs.query_criteria(instrument_name="NIRCAM")) == 0
    assert obs.query_criteria_count() == len(obs.query_criteria(obs_collection=obs.list_missions()))


def test_products_filters_and_metadata(obs):
    rows = obs.query_criteria(obs_id="icdm01010")
    products = obs.get_product_list(rows)
    assert len(products) == 7
    science = obs.filter_products(products, productType="SCIENCE", extension="fits", mrp_only=True)
    assert list(science["productFilename"]) == ["icdm01010_drz.fits"]
    assert "Mission" in obs.get_metadata("observations")["Column Label"]
    assert "parent_obsid" in obs.get_metadata("products")["Column Name"]
    missions = [
        "GALEX",
        "HLA",
        "HLSP",
        "HST",
        "IUE",
        "JWST",
        "K2",
        "Kepler",
        "PS1",
        "SWIFT",
        "TESS",
    ]
    assert obs.list_missions() == missions


def test_astroquerys_own_cloud_download_reaches_the_sandbox_bucket(obs, mast_sandbox, tmp_path):
    """astroquery's cloud path (enable_cloud_dataset, then cloud_only downloads) with its
    own botocore client: AWS_ENDPOINT_URL_S3 (in the sandbox's environment) points it at
    the sandbox's bucket, and every file comes from there, byte-identical."""
    obs.enable_cloud_dataset()
    try:
        products = obs.get_product_list(obs.query_criteria(obs_id="icdm01010"))
        mark = mast_sandbox.served
        manifest = obs.download_products(
            products, download_dir=str(tmp_path), productType="SCIENCE", cloud_only=True
        )
    finally:
        obs.disable_cloud_dataset()
    assert list(manifest["Status"]) == ["COMPLETE"] * len(manifest) and len(manifest) == 5
    for row in obs.filter_products(products, productType="SCIENCE"):
        local = tmp_path / "mastDownload" / "HST" / "icdm01010" / row["productFilename"]
        assert local.read_bytes() == mast_sandbox.path_of(row["dataURI"]).read_bytes()
    downloads = [p for _, p, _ in mast_sandbox.requests_since(mark) if "Download/file" in p]
    assert downloads == []  # none over MAST's HTTP


def test_http_downloads_are_byte_identical(obs, mast_sandbox, tmp_path):
    products = obs.get_product_list(obs.query_criteria(obs_id="j8ny01010"))
    manifest = obs.download_products(products, download_dir=str(tmp_path), productType="SCIENCE")
    assert set(manifest["Status"]) == {"COMPLETE"}
    for row in obs.filter_products(products, productType="SCIENCE"):
        local = tmp_path / "mastDownload" / "HST" / "j8ny01010" / row["productFilename"]
        assert local.read_bytes() == mast_sandbox.path_of(row["dataURI"]).read_bytes()
    status, _, _ = obs.download_file(
        "mast:HST/product/nope.fits", local_path=str(tmp_path / "x.fits")
    )
    assert status == "ERROR"


class _SandboxBoto3:
    """boto3 (a test dependency here, not mastwidgets') with the sandbox's endpoint."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def client(self, name, **kwargs):
        return boto3.client(name, endpoint_url=self.endpoint, region_name="us-east-1", **kwargs)

    def resource(self, name, **kwargs):
        return boto3.resource(name, endpoint_url=self.endpoint, region_name="us-east-1", **kwargs)


@pytest.fixture
def astroquery_cloud(obs, mast_sandbox):
    """astroquery's own cloud access (``enable_cloud_dataset``, with boto3), on the sandbox."""
    Observations._cloud_connection = None
    obs.enable_cloud_dataset(verbose=False)
    obs._cloud_connection.boto3 = _SandboxBoto3(mast_sandbox.s3_endpoint)
    yield obs._cloud_connection
    Observations._cloud_connection = None  # mastwidgets builds its own again


def test_mastwidgets_looks_up_the_missions_astroquery_has_in_the_cloud(astroquery_cloud):
    assert set(astroquery_cloud.supported_missions) == set(_client.CLOUD_MISSIONS)


def test_cloud_uris_and_cloud_downloads(obs, astroquery_cloud, mast_sandbox, tmp_path):
    products = obs.get_product_list(obs.query_criteria(obs_id="icdm01020"))
    uris = obs.get_cloud_uris(products, return_uri_map=True, verbose=False)
    assert uris["mast:HST/product/icdm01020_drz.fits"] == (
        "s3://stpubdata/hst/public/icdm/icdm01020/icdm01020_drz.fits"
    )
    assert uris["mast:HST/product/icdm01020_drz.png"] is None
    before = mast_sandbox.served
    local = tmp_path / "icdm01020_drz.fits"
    status, _, _ = obs.download_file("mast:HST/product/icdm01020_drz.fits", local_path=str(local))
    assert status == "COMPLETE"
    assert (
        local.read_bytes()
        == mast_sandbox.path_of("mast:HST/product/icdm01020_drz.fits").read_bytes()
    )
    new = [path for _, path, _ in mast_sandbox.requests_since(before)]
    assert not any(p.startswith("/api/v0.1/Download/file") for p in new), "should come from S3"


@pytest.mark.parametrize("list_from", [1, 10**9], ids=["folders-listed", "one-head-each"])
def test_batched_cloud_look_up_answers_as_astroquery_does(
    obs, astroquery_cloud, mast_sandbox, sandbox_env, monkeypatch, list_from
):
    """mastwidgets' cloud look-up (path look-ups side by side, folders listed) gives
    astroquery's own answer for every product of the sandbox, in as many path
    look-ups as astroquery sends (50 dataURIs each; 40 from astroquery 0.4.12)."""
    uris = sorted({p.uri for p in mast_sandbox.catalogue.products if p.kind != "extra"})
    theirs = obs.get_cloud_uris(uris, return_uri_map=True, verbose=False)
    Observations._cloud_connection = None  # ours again, without boto3
    monkeypatch.setattr(_cloud, "LIST_FROM", list_from)
    mark = mast_sandbox.served
    ours = _cloud.cloud_uris(uris, sandbox_env)
    lookups = [r for r in mast_sandbox.requests_since(mark) if "path_lookup" in r[1]]
    wanted = [u for u in uris if u.lower().startswith(_client.CLOUD_MISSIONS)]
    assert ours == {u: theirs.get(u) for u in wanted}
    assert sum(v is not None for v in ours.values()) > 50
    assert len(lookups) == -(-len(wanted) // _cloud.LOOKUP_BATCH)


def test_curl_script_and_session_info(obs, tmp_path, mast_sandbox):
    """astroquery's curl_flag=True: MAST's bundle service writes a curl script; run with
    bash and curl, it puts each file where MAST's recorded script does
    (<mission>/<obs_id>/: a JWST exposure's files under the exposure), byte for byte."""
    products = obs.get_product_list(obs.query_criteria(obs_id="icdm02010"))
    manifest = obs.download_products(products[:2], download_dir=str(tmp_path), curl_flag=True)
    script = Path(manifest["Local Path"][0]).read_text()
    assert script.count("curl ") == 2
    assert obs.session_info()["ezid"] == "anonymous"

    rows = obs.get_product_list(obs.query_criteria(obs_id=F090W))
    cal = rows[rows["productSubGroupDescription"] == "CAL"][:3]
    (tmp_path / "c").mkdir()
    manifest = obs.download_products(cal, download_dir=str(tmp_path / "c"), curl_flag=True)
    script = Path(manifest["Local Path"][0])
    ran = subprocess.run(["bash", str(script)], cwd=script.parent, capture_output=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    for uri, obs_id, name in zip(
        cal["dataURI"], cal["obs_id"], cal["productFilename"], strict=True
    ):
        (copy,) = script.parent.rglob(str(name))
        assert copy.parent.name == obs_id and copy.parent.parent.name == "JWST"
        assert copy.read_bytes() == mast_sandbox.path_of(uri).read_bytes()
