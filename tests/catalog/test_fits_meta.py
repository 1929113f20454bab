"""Records from real files: the sandbox's FITS products, corrupt ones, non-FITS."""

import numpy as np
from astropy.io import fits

from mastwidgets.catalog import make_record, read_metadata

I2D = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.fits"


def test_fits_headers_become_a_record(mast_sandbox):
    path = mast_sandbox.path_of(I2D)
    rec = make_record(
        path,
        product={
            "dataURI": I2D,
            "obs_id": "jw02739-o001_t001_nircam_clear-f090w",
            "obsid": 87600001,
            "obs_collection": "JWST",
        },
        source="s3",
        job_id="j1",
    )
    assert rec["key"] == I2D and rec["obsid"] == "87600001" and rec["source"] == "s3"
    assert rec["telescope"] == "JWST" and rec["instrument"] == "NIRCAM"
    assert rec["filters"] == "F090W" and rec["target"] == "M16"
    assert rec["date_obs"] == "2022-07-23" and rec["exptime"] == 6441.7
    assert rec["kind"] == "fits" and rec["error"] is None
    assert rec["size"] == path.stat().st_size and len(rec["md5"]) == 32 and len(rec["sha256"]) == 64
    names = [e["name"] for e in rec["extensions"]]
    assert names == ["PRIMARY", "SCI", "ERR", "DQ"]
    sci = rec["extensions"][1]
    assert sci["shape"] == [64, 64] and sci["keywords"]["CTYPE1"] == "RA---TAN"
    assert rec["header"]["PROGRAM"] == "02739"


def test_headers_are_read_without_the_data(tmp_path):
    # A header announcing 3.6 GB of pixels, and no pixels: reading any data would fail.
    header = fits.PrimaryHDU(np.zeros((2, 2), dtype=np.float32)).header
    header["NAXIS1"], header["NAXIS2"] = 30000, 30000
    header["TELESCOP"] = "HST"
    path = tmp_path / "huge.fits"
    path.write_bytes(header.tostring().encode())
    meta = read_metadata(path)
    assert meta["extensions"][0]["shape"] == [30000, 30000]
    assert meta["keywords"]["TELESCOP"] == "HST"


def test_corrupt_fits_gets_a_record_with_an_error(tmp_path):
    path = tmp_path / "broken_cal.fits"
    path.write_bytes(b"this is not FITS at all" * 100)
    rec = make_record(path, product={"dataURI": "mast:HST/product/broken_cal.fits"})
    assert rec["kind"] == "fits" and rec["error"].startswith("unreadable FITS")
    assert rec["header"] == {} and rec["size"] == 2300


def test_non_fits_products_get_file_facts(mast_sandbox):
    uri = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.png"
    rec = make_record(mast_sandbox.path_of(uri), product={"dataURI": uri})
    assert rec["kind"] == "other" and rec["error"] is None and rec["filename"].endswith(".png")


def test_astropy_settings_are_followed_while_headers_are_read(tmp_path):
    """Reading settles astropy's card settings for speed; they are the user's, and
    astropy's live configuration is back afterwards."""
    from astropy.io.fits import card

    path = tmp_path / "spaces.fits"
    fits.PrimaryHDU(header=fits.Header({"NOTE": "padded   "})).writeto(path)
    live = card.conf
    assert read_metadata(path)["header"]["NOTE"] == "padded"
    with fits.conf.set_temp("strip_header_whitespace", False):
        assert read_metadata(path)["header"]["NOTE"] == "padded   "
    assert card.conf is live


def test_readers_in_threads_leaving_out_of_order_leave_no_warning_filter_behind():
    """Many threads read headers at once (catalog_products): the first to start quiets
    astropy's warnings, the last to end restores the filters as they were, even when
    they end in another order than they began (``catch_warnings`` per call would
    leave an "ignore" filter behind)."""
    import threading
    import warnings

    from mastwidgets.catalog import fits_meta

    before = list(warnings.filters)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    quiet_meanwhile = []

    def first():
        with fits_meta._reading_headers():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with fits_meta._reading_headers():
            second_in.set()
            first_out.wait(10)
            quiet_meanwhile.append(any(f[2] is fits_meta.AstropyWarning for f in warnings.filters))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert quiet_meanwhile == [True]
    assert list(warnings.filters) == before
