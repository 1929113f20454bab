"""A FITS image in jdaviz (``pip install mastwidgets[viz]``), from this disk or read where
it lives (S3, MAST's download service) without importing it.

jdaviz 5 deprecates its ``Imviz`` for the top-level ``App`` (``App().load(...,
format="Image")``, what its documentation now shows); jdaviz 4 has only ``Imviz``. The
viewer is whichever the installed jdaviz recommends, so neither warns.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MastWidgetsError
from ._quicklook import _basename, is_remote

if TYPE_CHECKING:
    from jdaviz import App as Imviz  # jdaviz 4: Imviz


class ImvizUnavailable(MastWidgetsError):
    """jdaviz is not installed (``pip install mastwidgets[viz]``)."""


def imviz_available() -> bool:
    """Whether Imviz can be shown here: jdaviz (``pip install mastwidgets[viz]``) is
    installed and, in a Voila page, the page was served with Imviz's front-end
    extensions (``mastwidgets app --imviz``: they cost the page half a second to load,
    so the app's page leaves them out unless asked)."""
    if importlib.util.find_spec("jdaviz") is None:
        return False
    in_voila = "VOILA_BASE_URL" in os.environ
    return not in_voila or os.environ.get("MASTWIDGETS_IMVIZ") == "1"


def show_in_imviz(product, *, imviz: Imviz | None = None, name: str | None = None) -> Imviz:
    """Load a FITS image into Imviz and return the Imviz (``imviz.show()`` in a cell).

    ``product``: a file's path, or a product where it lives as
    :func:`mastwidgets.open_product` takes it (``s3://`` URI, ``mast:`` dataURI,
    ``http(s)://`` URL): its HDUs are read through ranged requests (the MAST token
    for exclusive-access files, MAST's bucket where it has them) and handed to Imviz,
    nothing is written to disk. ``imviz``: an Imviz to add the image to (default: a
    new one); ``name``: the data's label (default: the file's name).

    Raises
    ------
    ImvizUnavailable
        jdaviz is not installed.
    ProductNotFound, TokenRequired
        A product read in place that its archive does not give.
    """
    if not imviz_available():
        raise ImvizUnavailable("Imviz needs jdaviz: pip install 'mastwidgets[viz]'")
    if imviz is None:
        imviz = new_viewer()
    if not is_remote(product):
        _load(imviz, str(product))
        return imviz
    from astropy.io import fits

    from ..mast import open_product

    label = Path(name or _basename(product)).stem
    with open_product(product) as hdus:
        # Imviz keeps the arrays it is given: copies, read now, outlive the file
        loaded = fits.HDUList([hdu.copy() for hdu in hdus])
    _load(imviz, loaded, data_label=label)
    return imviz


def new_viewer():
    """A new image viewer of the installed jdaviz: its top-level ``App`` (jdaviz 5), else
    its ``Imviz`` (jdaviz 4)."""
    import jdaviz

    return jdaviz.App() if hasattr(jdaviz, "App") else jdaviz.Imviz()


def _load(viewer, data, **options) -> None:
    """Load an image the way the viewer takes one (jdaviz 5's App is told it is one)."""
    if type(viewer).__name__ == "App":
        viewer.load(data, format="Image", **options)
    else:
        viewer.load(data, **options)
