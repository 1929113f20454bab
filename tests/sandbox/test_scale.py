"""The sandbox at the archive's size: synthetic observations, generated files, paging.

One sandbox of 60,000 synthetic observations serves the module; astroquery,
unchanged, is the client wherever MAST's behaviour is what is tested.
"""

import gzip
import io
import json
from collections import Counter

import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from astroquery.exceptions import RemoteServiceError
from astroquery.mast import Observations

from mastwidgets.mast import _client, _cloud
from mastwidgets.sandbox.files import footprint_half
from mastwidgets.sandbox.generated import GeneratedFiles
from mastwidgets.sandbox.pytest_plugin import SCALE
from mastwidgets.sandbox.synthetic import BIG_PRODUCTS, SyntheticSky

from .test_astroquery_compat import _SandboxBoto3


@pytest.fixture
def big_sandbox(scaled_sandbox):
    return scaled_sandbox


@pytest.fixture
def obs(big_sandbox, scaled_env):
    big_sandbox.portal._unknown.clear()
    yield _client.observations(scaled_env)
    assert big_sandbox.unknown_requests == []


def _sample(sky: SyntheticSky, per_config: int = 3) -> list[int]:
    """A few observations of every way of observing (instrument/collection); not the big
    ones nor the big program's (thousands of files each: tests/mast/test_search_at_scale)."""
    chosen: dict[int, list[int]] = {}
    for i in range(len(BIG_PRODUCTS) + len(sky.program_indices), sky.count):
        picks = chosen.setdefault(int(sky.config[i]), [])
        if len(picks) < per_config:
            picks.append(i)
    return [i for picks in chosen.values() for i in picks]


def test_the_same_seed_gives_the_same_rows_and_bytes():
    one, two, other = SyntheticSky(3_000, seed=7), SyntheticSky(3_000, seed=7), SyntheticSky(3_000)
    picks = _sample(one, 1)
    assert [one.row(i) for i in picks] == [two.row(i) for i in picks]
    assert [one.row(i) for i in picks] != [other.row(i) for i in picks]
    files_one, files_two = GeneratedFiles(64), GeneratedFiles(64)
    for i in picks:
        a, b = one.observation(i), two.observation(i)
        assert [p.uri for p in a.products] == [p.uri for p in b.products]
        for pa, pb in zip(a.products, b.products, strict=True):
            assert files_one.content(a, pa) == files_two.content(b, pb)


def test_the_sky_is_dense_where_the_archive_is(big_sandbox):
    sky = big_sandbox.catalogue.synthetic
    collections = Counter(sky.collection(i) for i in range(sky.count))
    assert set(collections) == {"HST", "JWST", "TESS", "GALEX", "HLA", "PS1", "Kepler", "K2"}
    near = {
        name: int((sky.separations_arcsec(ra, dec) < radius * 3600).sum())
        for name, ra, dec, radius in (
            ("M101", 210.80243, 54.34875, 0.25),
            ("LMC", 80.89375, -69.75611, 3.0),
            ("anywhere", 150.0, 2.2, 0.25),  # COSMOS: not a field of the sandbox
        )
    }
    assert near["M101"] > 2_000 and near["LMC"] > 2_000 and near["anywhere"] < 20, near
    rights = Counter(sky.row(i)["dataRights"] for i in range(0, sky.count, 7))
    assert 0 < rights["EXCLUSIVE_ACCESS"] < rights["PUBLIC"] / 10, rights
    assert all(sky.row(i)["s_region"] and sky.row(i)["t_exptime"] > 0 for i in _sample(sky))


def test_listed_sizes_are_the_generated_files_sizes(big_sandbox):
    sky = big_sandbox.catalogue.synthetic
    for i in _sample(sky):
        observation = sky.observation(i)
        listed = big_sandbox.portal._products(observation.obsid)
        assert len(listed) == len(observation.products) > 0
        for row in listed:
            assert len(big_sandbox.product_bytes(row["dataURI"])) == row["size"], row


def test_a_ranged_get_of_a_generated_file_is_the_slice_of_the_whole(big_sandbox):
    big = next(iter(big_sandbox.big_observations))
    uri = f"mast:JWST/product/{big[:12]}_s00042_x1d.fits"
    url = big_sandbox.download_url(uri)
    whole = requests.get(url, timeout=30)
    assert whole.status_code == 200 and whole.content == big_sandbox.product_bytes(uri)
    part = requests.get(url, headers={"Range": "bytes=2000-4999"}, timeout=30)
    assert part.status_code == 206 and part.content == whole.content[2000:5000]
    assert part.headers["Content-Range"] == f"bytes 2000-4999/{len(whole.content)}"


def test_every_kind_of_generated_file_opens_and_its_wcs_covers_the_footprint(big_sandbox):
    sky = big_sandbox.catalogue.synthetic
    kinds = Counter()
    for i in _sample(sky, 1):
        observation = sky.observation(i)
        row = observation.row
        for product in observation.products:
            data = big_sandbox.product_bytes(product.uri)
            kinds[product.kind] += 1
            if product.kind == "preview":
                assert data.startswith(b"\x89PNG\r\n\x1a\n")
                continue
            if product.filename.endswith(".json"):  # an association: its members are listed
                members = json.loads(data)["products"][0]["members"]
                names = {p.filename for p in observation.products}
                assert members and {m["expname"] for m in members} <= names
                continue
            if product.filename.endswith(".gz"):  # K2's target pixel files, as MAST's
                data = gzip.decompress(data)
            with fits.open(io.BytesIO(data)) as hdus:
                header = hdus[0].header
                assert header["TELESCOP"] and header["INSTRUME"] and header["DATE-OBS"]
                assert header["EXPTIME"] == row["t_exptime"], product.filename
                if product.kind == "spectrum":
                    spectrum = hdus["EXTRACT1D"].data
                    assert len(spectrum["WAVELENGTH"]) == len(spectrum["FLUX"]) > 50
                elif product.kind == "image":
                    sci = hdus["SCI"]
                    wcs = WCS(sci.header)
                    side = sci.data.shape[0]
                    centre = wcs.pixel_to_world(side / 2 - 0.5, side / 2 - 0.5)
                    corner = wcs.pixel_to_world(-0.5, -0.5)
                    target = SkyCoord(row["s_ra"], row["s_dec"], unit="deg")
                    assert centre.separation(target).arcsec < 0.5
                    half = footprint_half(row["s_region"])
                    assert abs(corner.dec.deg - row["s_dec"]) == pytest.approx(half, rel=0.02)
                elif product.kind == "lightcurve":
                    assert len(hdus["LIGHTCURVE"].data["TIME"]) > 50
    assert {"image", "spectrum", "lightcurve", "pixels", "preview"} <= set(kinds), kinds


def test_a_search_of_more_than_50000_rows_arrives_whole_through_astroquery_paging(obs, big_sandbox):
    everything = [
        "HST",
        "JWST",
        "TESS",
        "GALEX",
        "HLA",
        "PS1",
        "Kepler",
        "K2",
        "HLSP",
        "SWIFT",
        "IUE",
    ]
    mark = big_sandbox.served
    rows = obs.query_criteria(obs_collection=everything)
    pages = [r for r in big_sandbox.requests_since(mark) if r[1] == "/api/v0/invoke"]
    expected = SCALE + len(big_sandbox.catalogue.observations)
    assert len(rows) == expected == obs.query_criteria_count(obs_collection=everything)
    assert len(set(rows["obsid"])) == expected  # no row twice, none missing
    assert len(pages) == 2  # astroquery's 50,000-row pages


def test_past_the_row_cap_the_search_fails_clearly(obs, big_sandbox):
    big_sandbox.portal.row_cap = 10_000
    try:
        with pytest.raises(RemoteServiceError, match=r"matches \d+ rows, more than the 10000"):
            obs.query_criteria(obs_collection="TESS")
        assert obs.query_criteria_count(obs_collection="TESS") > 10_000  # counts still answer
    finally:
        big_sandbox.portal.row_cap = 500_000


def test_astroquerys_other_calls_work_at_scale(obs, big_sandbox):
    sky = big_sandbox.catalogue.synthetic
    program = sky.row(_sample(sky)[0])["proposal_id"]
    by_program = obs.query_criteria(proposal_id=program)
    assert len(by_program) == obs.query_criteria_count(proposal_id=program) > 0
    assert set(by_program["proposal_id"]) == {program}
    region = obs.query_region(SkyCoord(210.80243, 54.34875, unit="deg"), radius="0.05 deg")
    assert len(region) == obs.query_region_count(
        SkyCoord(210.80243, 54.34875, unit="deg"), radius="0.05 deg"
    )
    many = region[:300]
    products = obs.get_product_list(many)
    assert set(products["parent_obsid"]) <= set(many["obsid"])
    assert len(products) == sum(len(sky.observation(int(o) - 5_000_000_000).products)
                                for o in many["obsid"] if int(o) >= 5_000_000_000) + sum(
        len(big_sandbox.catalogue.observation(o).products)
        for o in many["obsid"] if int(o) < 5_000_000_000
    )  # fmt: skip
    mrp = obs.filter_products(products, mrp_only=True, extension="fits")
    assert 0 < len(mrp) < len(products)
    assert set(mrp["productGroupDescription"]) == {"Minimum Recommended Products"}


def test_cloud_look_ups_of_generated_products_agree_with_astroquery(obs, big_sandbox, scaled_env):
    """Generated files are objects in the bucket as curated ones are: astroquery's own
    ``get_cloud_uris`` (a HEAD of each object) and mastwidgets' look-up find every one of
    them, and a curated product in the same request."""
    big = next(iter(big_sandbox.big_observations))
    products = obs.get_product_list(obs.query_criteria(obs_id=big))[:40]
    uris = [*products["dataURI"], "mast:HST/product/icdm01010_drz.fits"]
    paths = big_sandbox.portal.path_lookup(uris)
    assert all(paths[u]["path"].startswith("/jwst/public/jw09990/") for u in uris[:-1])
    Observations._cloud_connection = None
    obs.enable_cloud_dataset(verbose=False)
    obs._cloud_connection.boto3 = _SandboxBoto3(big_sandbox.s3_endpoint)
    try:
        theirs = obs.get_cloud_uris(uris, return_uri_map=True, verbose=False)
    finally:
        Observations._cloud_connection = None
    ours = _cloud.cloud_uris(uris, scaled_env)
    assert ours == {u: theirs.get(u) for u in uris}
    assert all(ours.values())
    assert ours["mast:HST/product/icdm01010_drz.fits"].endswith("/icdm01010_drz.fits")


def test_generated_products_come_from_the_bucket_as_over_http(big_sandbox):
    """A generated product is an object at its cloud key with the bytes the download
    service sends, found without listing (the synthetic sky is too big to list)."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    s3 = boto3.client("s3", endpoint_url=big_sandbox.s3_endpoint, region_name="us-east-1",
                      config=Config(signature_version=UNSIGNED))  # fmt: skip
    big = next(iter(big_sandbox.big_observations))
    observation = big_sandbox.catalogue.observation(big_sandbox.catalogue.synthetic.obsid(0))
    assert observation.obs_id == big
    for product in [p for p in observation.products if p.in_s3][:: len(observation.products) // 4]:
        body = s3.get_object(Bucket="stpubdata", Key=product.s3_key)["Body"].read()
        assert body == big_sandbox.product_bytes(product.uri)


def test_a_synthetic_folder_lists_its_generated_objects(big_sandbox):
    """Listing a big observation's level-3 folder page by page gives exactly its files'
    keys, in order, as S3 lists a folder."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    s3 = boto3.client("s3", endpoint_url=big_sandbox.s3_endpoint, region_name="us-east-1",
                      config=Config(signature_version=UNSIGNED))  # fmt: skip
    observation = big_sandbox.catalogue.observation(big_sandbox.catalogue.synthetic.obsid(0))
    folder = next(p.s3_key for p in observation.products if "/L3/" in p.s3_key).rsplit("/", 1)[0]
    wanted = sorted(
        p.s3_key for p in observation.products if (p.s3_key or "").startswith(folder + "/")
    )
    listed = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket="stpubdata", Prefix=folder + "/", Delimiter="/"
        )
        for item in page.get("Contents", [])
    ]
    assert len(wanted) > 10_000
    assert listed == wanted
