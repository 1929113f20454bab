"""Reading products where they live (``open_product``): real astropy, s3fs and fsspec's
HTTP store against the sandbox's bucket and download service; the servers' own logs
count what was read."""

import numpy as np
import pytest
from astropy.io import fits

import mastwidgets as mw
from mastwidgets.errors import AuthenticationError, InvalidQuery, ProductNotFound
from mastwidgets.mast import _client

DRZ = "mast:HST/product/icdm01010_drz.fits"
SIDE = 2048  # a 16 MiB float32 image


@pytest.fixture(scope="module")
def big_image(mast_sandbox):
    """A 2048 x 2048 float32 image (16 MiB), in the bucket and over HTTP; its pixel
    (y, x) holds y * 2048 + x (exact in float32), so a cutout shows where it came from."""
    y, x = np.mgrid[0:SIDE, 0:SIDE]
    data = (y * SIDE + x).astype(">f4")
    header = fits.Header({"TARGNAME": "BIG-IMAGE"})
    hdul = fits.HDUList([fits.PrimaryHDU(header=header), fits.ImageHDU(data, name="SCI")])
    import io

    buffer = io.BytesIO()
    hdul.writeto(buffer)
    http, s3 = mast_sandbox.add_file("open_big_image.fits", buffer.getvalue())
    http_only, _ = mast_sandbox.add_file("open_big_http.fits", buffer.getvalue(), in_s3=False)
    return {"http": http, "s3": s3, "http_only": http_only, "size": len(buffer.getvalue())}


def test_a_cloud_product_is_read_from_the_bucket_not_downloaded(sandbox_env, mast_sandbox):
    mark_http, mark_s3 = mast_sandbox.served, mast_sandbox.s3.served
    with mw.open_product(DRZ) as hdul:
        header = dict(hdul[0].header)
        science = hdul["SCI"].data.copy()
    with fits.open(mast_sandbox.path_of(DRZ)) as theirs:
        assert header == dict(theirs[0].header)
        assert np.array_equal(science, theirs["SCI"].data)
    downloads = [r for r in mast_sandbox.requests_since(mark_http) if "Download" in r[1]]
    assert downloads == [], "read from S3, not over HTTP"
    assert mast_sandbox.s3.requests_since(mark_s3)


def test_a_cutout_reads_only_its_blocks(sandbox_env, mast_sandbox, big_image):
    """``.section`` fetches the blocks its rows lie in: with 64 kB blocks, a 10 x 10
    cutout and the headers cost a few requests and under 5 % of the file."""
    mark, before = mast_sandbox.s3.served, mast_sandbox.s3.bytes_sent
    with mw.open_product(big_image["s3"], block_size=64 * 1024) as hdul:
        assert hdul[0].header["TARGNAME"] == "BIG-IMAGE"
        cutout = hdul["SCI"].section[1000:1010, 500:510]
    assert cutout[0, 0] == 1000 * SIDE + 500 and cutout.shape == (10, 10)
    sent = mast_sandbox.s3.bytes_sent - before
    asked = mast_sandbox.s3.requests_since(mark)
    assert sent < 0.05 * big_image["size"], f"{sent} of {big_image['size']} bytes"
    assert 2 <= len(asked) <= 12, asked
    # the default block (1 MiB) reads a few MiB at most, not the file
    before = mast_sandbox.s3.bytes_sent
    with mw.open_product(big_image["s3"]) as hdul:
        hdul["SCI"].section[1000:1010, 500:510]
    assert mast_sandbox.s3.bytes_sent - before <= 4 * 2**20


def test_products_not_in_the_cloud_are_read_over_http_in_ranges(
    sandbox_env, mast_sandbox, big_image
):
    before = mast_sandbox.bytes_served
    with mw.open_product(big_image["http_only"], block_size=64 * 1024) as hdul:
        cutout = hdul["SCI"].section[2000:2002, 0:3]
    assert cutout.tolist() == [
        [2000 * SIDE + x for x in range(3)],
        [2001 * SIDE + x for x in range(3)],
    ]
    assert mast_sandbox.bytes_served - before < 0.05 * big_image["size"]


def test_rows_and_data_uris_of_http_only_products(sandbox_env, mast_sandbox):
    """j8ny01010's files are not in the bucket: its list row opens over HTTP."""
    products = mw.list_products(mw.search_obs_id("j8ny01010"))
    row = products[products["productFilename"].str.endswith(".fits")].iloc[0]
    mark = mast_sandbox.served
    with mw.open_product(row) as hdul:
        assert hdul[0].header["TELESCOP"] == "HST"
    assert any("Download" in path for _, path, _ in mast_sandbox.requests_since(mark))


def test_exclusive_access_files_need_the_token(sandbox_env, mast_sandbox, monkeypatch):
    _client._keyring_token.cache_clear()
    private = next(
        p for p in mast_sandbox.catalogue.products
        if p.data_rights != "PUBLIC" and p.filename.endswith(".fits")
    )  # fmt: skip
    with pytest.raises(AuthenticationError, match="MAST token"):
        mw.open_product(private.uri)
    monkeypatch.setenv("MAST_API_TOKEN", mast_sandbox.token)
    with mw.open_product(private.uri) as hdul:
        assert hdul[0].header["SIMPLE"]


def test_bad_products_are_typed_errors(sandbox_env):
    with pytest.raises(ProductNotFound):
        mw.open_product("mast:HST/product/nosuchfile_drz.fits")
    with pytest.raises(InvalidQuery):
        mw.open_product("ftp://example.org/a.fits")
    with pytest.raises(InvalidQuery):
        mw.open_product(42)


def test_quicklook_and_imviz_take_a_product_where_it_lives(
    sandbox_env, mast_sandbox, isolated_glue
):
    """An ``s3://`` URI is drawn and shown in Imviz without a download: its pixels
    are the file's, and nothing came over MAST's download service."""
    from mastwidgets.views import quicklook, show_in_imviz

    s3_uri = "s3://stpubdata/hst/public/icdm/icdm01010/icdm01010_drz.fits"  # MAST's key
    mark_http, mark_s3 = mast_sandbox.served, mast_sandbox.s3.served
    look = quicklook(s3_uri)
    assert look.png.startswith(b"\x89PNG") and look.kind == "image" and look.extension == "SCI"
    imviz = show_in_imviz(s3_uri)
    assert list(imviz.datasets) == ["icdm01010_drz"]  # labelled by the file's name
    shown = imviz.get_data("icdm01010_drz")
    with fits.open(mast_sandbox.path_of(DRZ)) as theirs:
        assert np.array_equal(np.asarray(shown.data), theirs["SCI"].data)
    downloads = [r for r in mast_sandbox.requests_since(mark_http) if "Download" in r[1]]
    assert downloads == [], "read from S3, not over HTTP"
    assert mast_sandbox.s3.requests_since(mark_s3)
