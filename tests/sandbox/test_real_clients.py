"""Clients nobody here wrote, against the sandbox: astropy, lightkurve, lksearch,
astrocut and jdaviz."""

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits

from mastwidgets.mast import _client


def test_astropy_opens_every_fits_product_the_sandbox_serves(mast_sandbox):
    kinds = set()
    for product in mast_sandbox.catalogue.products:
        path = mast_sandbox.files.get(product.uri)
        if path is None or not product.filename.endswith(".fits"):
            continue
        with fits.open(path) as hdus:
            hdus.verify("exception")
            telescopes = ("JWST", "HST", "TESS", "Kepler", "GALEX", "PS1", "SWIFT", "IUE")
            assert hdus[0].header["TELESCOP"] in telescopes, product.filename
            kinds.add(product.kind)
    assert {"image", "lightcurve", "pixels", "asn"} <= kinds


def test_lightkurve_finds_downloads_and_reads_a_tess_light_curve(sandbox_env, tmp_path):
    """lightkurve's own search and download (through astroquery, pointed at the
    sandbox as mastwidgets points it) give a light curve it can read: it used to
    call the file corrupt."""
    import lightkurve as lk  # a test extra: never skipped

    _client.observations(sandbox_env)  # astroquery's URLs, process-wide
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = lk.search_lightcurve("pi Men", mission="TESS")
        assert len(found) >= 1 and "261136679" in str(found.target_name[0])
        curve = found[0].download(download_dir=str(tmp_path))
    assert isinstance(curve, lk.TessLightCurve)
    assert len(curve) >= 100 and np.isfinite(curve.flux.value).all()
    assert curve.time.format == "btjd" and curve.meta["TICID"] == 261136679
    assert curve.flux.unit.to_string() == "electron / s"


def test_lightkurve_finds_downloads_and_reads_a_tess_target_pixel_file(sandbox_env, tmp_path):
    import lightkurve as lk

    _client.observations(sandbox_env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = lk.search_targetpixelfile("L 98-59", mission="TESS")
        assert len(found) >= 1
        pixels = found[0].download(download_dir=str(tmp_path))
        curve = pixels.to_lightcurve(aperture_mask=pixels.pipeline_mask)
    assert isinstance(pixels, lk.TessTargetPixelFile) and pixels.shape[1:] == (11, 11)
    assert pixels.pipeline_mask.sum() == 9 and isinstance(curve, lk.TessLightCurve)
    assert np.isfinite(curve.flux.value).all() and curve.flux.value.mean() > 1_000


def test_lightkurve_s_own_split_campaign_test_passes_on_the_recorded_k2_rows(sandbox_env, tmp_path):
    """lightkurve's test_search_split_campaigns, on the rows its cassette recorded MAST
    answering (K2 campaigns 9 and 10 came in two halves: two long-cadence TPFs each);
    then the first TPF as MAST lists it (a .fits.gz of its recorded size), read."""
    import lightkurve as lk

    _client.observations(sandbox_env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for campaign, target in ((9, "EPIC 228162462"), (10, "EPIC 228726301")):
            found = lk.search_targetpixelfile(target, campaign=campaign, cadence="long")
            assert len(found.table) == 2, (target, found.table)
        pixels = found[0].download(download_dir=str(tmp_path))
    files = list(tmp_path.rglob("*lpd-targ.fits.gz"))
    assert [f.stat().st_size for f in files] == [int(found.table["size"][0])]
    assert isinstance(pixels, lk.KeplerTargetPixelFile) and pixels.mission == "K2"
    assert pixels.campaign == 10 and pixels.targetid == 228726301
    assert np.isfinite(pixels.to_lightcurve().flux.value).all()


def test_astrocut_cuts_out_of_a_sandbox_image_through_its_s3_path(
    mast_sandbox, tmp_path, monkeypatch
):
    """astrocut's own cutout of an s3:// URI (fsspec and s3fs, anonymous, the endpoint from
    AWS_ENDPOINT_URL_S3 as the sandbox's environment sets it): the pixels of the file."""
    import astrocut
    from astropy.coordinates import SkyCoord
    from astropy.nddata import Cutout2D
    from astropy.wcs import WCS

    for key, value in mast_sandbox.environ().items():
        monkeypatch.setenv(key, value)
    product = next(
        p for p in mast_sandbox.catalogue.products if p.in_s3 and p.filename.endswith("_drz.fits")
    )
    row = mast_sandbox.catalogue.observation_of(product).row
    centre = SkyCoord(row["s_ra"], row["s_dec"], unit="deg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = astrocut.fits_cut(
            [f"s3://{mast_sandbox.bucket}/{product.s3_key}"],
            centre,
            cutout_size=12,
            output_dir=str(tmp_path),
            single_outfile=True,
        )
        with fits.open(made) as cut, fits.open(mast_sandbox.files[product.uri]) as whole:
            sci = whole["SCI"]
            near = Cutout2D(sci.data, centre, 12, wcs=WCS(sci.header)).origin_original
            got = cut[1].data
            windows = np.lib.stride_tricks.sliding_window_view(sci.data, (12, 12))
            found = np.argwhere((windows == got).all(axis=(2, 3)))
    # the file's own pixels, at the position asked for (astrocut rounds to a pixel its way)
    assert got.shape == (12, 12) and len(found) == 1
    (y, x) = found[0]
    assert abs(x - near[0]) <= 1 and abs(y - near[1]) <= 1


def test_jdaviz_loads_a_mast_uri_from_the_sandbox(sandbox_env, mast_sandbox, tmp_path, monkeypatch):
    """jdaviz's own ``mast:`` loading (through astroquery, pointed at the sandbox as
    mastwidgets points it) shows the file's science image."""
    from jdaviz import App  # jdaviz 5's viewer (its Imviz is deprecated)

    _client.observations(sandbox_env)
    monkeypatch.chdir(tmp_path)  # where jdaviz puts what it downloads
    uri = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        viewer = App()
        viewer.load(uri, format="Image", cache=False)
    (label,) = viewer.datasets
    assert label.endswith("[SCI,1]")
    with fits.open(mast_sandbox.path_of(uri)) as hdus:
        assert np.array_equal(np.asarray(viewer.get_data(label).data), hdus["SCI"].data)


LKSEARCH = Path(__file__).parents[2] / ".venv-lksearch" / "bin" / "python"


def test_lksearch_s_own_split_campaign_test_passes_in_its_own_environment(mast_sandbox):
    """lksearch (its own environment: it pins numpy < 2 and pandas < 3) resolves the EPIC
    numbers through the sandbox's name resolver and finds two long-cadence target pixel
    files per split K2 campaign, as its test asserts of the real MAST."""
    assert LKSEARCH.exists(), "scripts/test.sh makes .venv-lksearch (lksearch's environment)"
    child = Path(__file__).with_name("lksearch_child.py")
    ran = subprocess.run(
        [str(LKSEARCH), str(child), mast_sandbox.mast_url],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    answer = json.loads(ran.stdout.strip().splitlines()[-1])
    assert answer["lksearch"] == "1.2.1"
    assert answer["found"] == {
        "EPIC 228162462": [
            "ktwo228162462-c91_lpd-targ.fits.gz",
            "ktwo228162462-c92_lpd-targ.fits.gz",
        ],
        "EPIC 228726301": [
            "ktwo228726301-c101_lpd-targ.fits.gz",
            "ktwo228726301-c102_lpd-targ.fits.gz",
        ],
    }
