"""Footprints on the sky and quick-looks of files: PNGs that show what they should."""

import io

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from PIL import Image

from mastwidgets.views import NotViewable, quicklook
from mastwidgets.views.footprints import footprints_png, parse_s_region

SQUARE = "POLYGON ICRS 10.0 20.0 10.1 20.0 10.1 20.1 10.0 20.1"


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def share_of(picture, colour):
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(picture - rgb).sum(axis=2) < 60).mean()


def pink_share(picture):
    """Pixels of the highlight (pink, over the page or its translucent fill)."""
    return (picture[..., 0] - picture[..., 1] > 40).mean()


def test_s_regions_as_mast_writes_them():
    assert parse_s_region(SQUARE)[0][0] == "POLYGON"
    assert parse_s_region(SQUARE)[0][1].shape == (4, 2)
    circle = parse_s_region("CIRCLE ICRS 274.7 -13.8 0.05")
    assert circle[0][0] == "CIRCLE" and list(circle[0][1]) == [274.7, -13.8, 0.05]
    union = parse_s_region(f"UNION ({SQUARE} POLYGON 11 20 11.1 20 11.1 20.1)")
    assert [kind for kind, _ in union] == ["POLYGON", "POLYGON"]
    assert parse_s_region(None) == [] and parse_s_region("POLYGON ICRS 1 2 3") == []


def test_footprints_are_drawn_with_the_focused_one_highlighted():
    regions = [SQUARE, "POLYGON ICRS 359.95 20.0 0.05 20.0 0.05 20.1 359.95 20.1", None]
    assert footprints_png([None, "nonsense"]) is None
    plain = pixels(footprints_png(regions[:1]))
    focused = pixels(footprints_png(regions[:1], focus=0))
    assert pink_share(plain) == 0 and pink_share(focused) > 0.05
    dark = pixels(footprints_png(regions[:1], theme="dark"))
    assert dark.mean() < plain.mean() - 80  # a dark page gets a dark figure
    # a field across RA 0 is one shape near RA 0, not a band across the sky
    across = pixels(footprints_png(regions[1:2], focus=0))
    assert pink_share(across) > 0.05


def test_an_image_is_shown_with_zscale(tmp_path):
    data = np.random.default_rng(1).normal(100, 5, (300, 200)).astype("float32")
    data[100:110, 50:60] = 1e6  # a saturated star must not flatten the rest
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, name="SCI")]).writeto(tmp_path / "i.fits")
    look = quicklook(tmp_path / "i.fits")
    assert look.kind == "image" and look.extension == "SCI" and "EXTNAME = 'SCI" in look.header
    grey = pixels(look.png)
    assert grey.std() > 20  # noise is visible, not one flat grey


def test_spectra_and_light_curves_are_plotted(tmp_path):
    spectrum = Table({"WAVELENGTH": np.linspace(1, 5, 50), "FLUX": np.sin(np.arange(50))})
    spectrum["WAVELENGTH"].unit = "um"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(spectrum, name="EXTRACT1D")]).writeto(
        tmp_path / "x1d.fits"
    )
    look = quicklook(tmp_path / "x1d.fits")
    assert look.kind == "plot" and look.extension == "EXTRACT1D"
    assert share_of(pixels(look.png), "#1565c0") > 0.002  # the line is drawn


def test_what_cannot_be_shown_says_so(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(NotViewable, match="cannot be read as FITS"):
        quicklook(tmp_path / "a.json")
    fits.PrimaryHDU().writeto(tmp_path / "empty.fits")
    with pytest.raises(NotViewable, match="no image and no spectrum"):
        quicklook(tmp_path / "empty.fits")
