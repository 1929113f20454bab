"""A first look at an imported file: its first image (ZScale, asinh stretch) or its
spectrum or light curve, drawn with matplotlib, next to its header."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from astropy.io import fits

from ..errors import MastWidgetsError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Pixels per side drawn at most (bigger images are sampled, every n-th pixel).
MAX_SIDE = 1_024
#: Columns plotted from tables, as (x, y) candidates in order of preference.
_CURVES = (
    ("WAVELENGTH", "FLUX"),
    ("WAVELENGTH", "SURF_BRIGHT"),
    ("TIME", "PDCSAP_FLUX"),
    ("TIME", "SAP_FLUX"),
    ("TIME", "FLUX"),
)
_INK = {"light": ("white", "#212121", "#1565c0"), "dark": ("#212121", "#eeeeee", "#64b5f6")}


class NotViewable(MastWidgetsError):
    """The file has nothing to draw (no image, no spectrum) or cannot be read."""


@dataclass(frozen=True)
class QuickLook:
    """What was drawn (``png``), from which extension, and the headers to show."""

    png: bytes
    kind: str  # "image" or "plot"
    extension: str
    header: str


def _figure(theme: str) -> tuple[Figure, object, tuple[str, str, str]]:
    # matplotlib when a quick look is drawn, not when the app starts (a second of every kernel)
    from matplotlib.figure import Figure

    face, ink, line = _INK.get(theme, _INK["light"])
    figure = Figure(figsize=(5.0, 4.0), dpi=100, facecolor=face)
    axes = figure.add_subplot()
    axes.set_facecolor(face)
    axes.tick_params(colors=ink, labelsize=8)
    for spine in axes.spines.values():
        spine.set_color(ink)
    return figure, axes, (face, ink, line)


def _png(figure: Figure, face: str) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=face)
    return buffer.getvalue()


def _image(data: np.ndarray, title: str, theme: str) -> bytes:
    while data.ndim > 2:
        data = data[0]  # a cube or a stack: its first plane
    step = max(1, int(np.ceil(max(data.shape) / MAX_SIDE)))
    data = np.asarray(data[::step, ::step], dtype="float32")
    from astropy.visualization import AsinhStretch, ImageNormalize, ZScaleInterval

    figure, axes, (face, ink, _) = _figure(theme)
    finite = data[np.isfinite(data)]
    norm = ImageNormalize(
        finite if finite.size else data, interval=ZScaleInterval(), stretch=AsinhStretch()
    )
    axes.imshow(data, origin="lower", cmap="gray", norm=norm, interpolation="nearest")
    axes.set_title(title, color=ink, fontsize=9)
    axes.set_xlabel("x (pixel)" + (f", every {step}th" if step > 1 else ""), color=ink)
    axes.set_ylabel("y (pixel)", color=ink)
    return _png(figure, face)


def _curve(table, x: str, y: str, title: str, theme: str) -> bytes:
    figure, axes, (face, ink, line) = _figure(theme)
    xs, ys = np.asarray(table[x], dtype=float), np.asarray(table[y], dtype=float)
    if xs.ndim > 1 or ys.ndim > 1:  # per-order spectra: one line each
        for xo, yo in zip(np.atleast_2d(xs), np.atleast_2d(ys), strict=False):
            axes.plot(xo, yo, color=line, linewidth=0.8)
    else:
        axes.plot(xs, ys, color=line, linewidth=0.8)
    units = {name: table.columns[name].unit for name in (x, y)}
    axes.set_xlabel(f"{x}" + (f" ({units[x]})" if units[x] else ""), color=ink)
    axes.set_ylabel(f"{y}" + (f" ({units[y]})" if units[y] else ""), color=ink)
    axes.set_title(title, color=ink, fontsize=9)
    axes.grid(True, color=ink, alpha=0.2)
    return _png(figure, face)


def _numeric(table, name: str) -> bool:
    return np.issubdtype(np.asarray(table[name][:1]).dtype, np.number)


def quicklook(path, *, theme: str = "light", name: str | None = None) -> QuickLook:
    """Draw the first image extension of a FITS file, or else its first table with a
    spectrum or light curve (WAVELENGTH/FLUX, TIME/PDCSAP_FLUX ... or its first two
    numeric columns).

    ``path``: a file's path; an open ``HDUList``; or a product where it lives, as
    :func:`mastwidgets.open_product` takes it (an ``s3://`` URI, a ``mast:`` dataURI,
    an ``http(s)://`` URL), read in place: only the HDUs drawn are read. ``name``:
    the file name shown (default: the path's).

    Raises
    ------
    NotViewable
        Nothing to draw, or not FITS.
    ProductNotFound, TokenRequired
        A product read in place that its archive does not give (see ``open_product``).
    """
    if is_remote(path):
        from ..mast import open_product

        with open_product(path) as hdus:
            return quicklook(hdus, theme=theme, name=name or _basename(path))
    if isinstance(path, fits.HDUList):
        name = name or "product"
        try:
            return _draw(path, name, theme)
        except (OSError, ValueError, TypeError, IndexError) as error:
            raise NotViewable(f"{name} cannot be read as FITS: {error}") from None
    name = name or Path(path).name
    try:
        with fits.open(path, memmap=True, lazy_load_hdus=False) as hdus:
            return _draw(hdus, name, theme)
    except (OSError, ValueError, TypeError, IndexError) as error:
        raise NotViewable(f"{name} cannot be read as FITS: {error}") from None


#: How a product read where it lives is named (what ``open_product`` takes as a string).
REMOTE_SCHEMES = ("s3://", "mast:", "http://", "https://")


def is_remote(product) -> bool:
    """Whether ``product`` names a file where it lives rather than on this disk."""
    return isinstance(product, str) and product.startswith(REMOTE_SCHEMES)


def _basename(uri: str) -> str:
    return uri.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or uri


def _draw(hdus: fits.HDUList, filename: str, theme: str) -> QuickLook:
    primary = hdus[0].header.tostring(sep="\n", padding=False)
    for index, hdu in enumerate(hdus):
        name = hdu.name or f"HDU {index}"
        title = f"{filename} [{name}]"
        header = (
            primary
            if index == 0
            else (primary + "\n\n" + hdu.header.tostring(sep="\n", padding=False))
        )
        if hdu.is_image and hdu.data is not None and hdu.data.ndim >= 2:
            return QuickLook(_image(hdu.data, title, theme), "image", name, header)
        if isinstance(hdu, fits.BinTableHDU) and hdu.data is not None and len(hdu.data):
            columns = [c.upper() for c in hdu.columns.names]
            for x, y in _CURVES:
                if x in columns and y in columns:
                    return QuickLook(_curve(hdu.data, x, y, title, theme), "plot", name, header)
            numeric = [c for c in hdu.columns.names if _numeric(hdu.data, c)]
            if len(numeric) >= 2:
                png = _curve(hdu.data, numeric[0], numeric[1], title, theme)
                return QuickLook(png, "plot", name, header)
    raise NotViewable(f"{filename} has no image and no spectrum to show.")
