"""Where each imported file goes under the destination folder.

- ``observation`` (the default): ``{obs_collection}/{parent_obs_id}/{productFilename}``,
  one folder per observation imported (a JWST level-3 observation's member exposures'
  files beside its own, as its association file names them);
- ``flat``: ``{productFilename}``, every file in one folder;
- ``astroquery``: ``mastDownload/{obs_collection}/{obs_id}/{productFilename}``, where
  astroquery's ``download_products`` and lightkurve put them (MAST's ``obs_id`` of each
  file: a JWST member exposure's files in a folder of the exposure's name).

A pattern may also be given as is (Python format fields of product columns);
the setting ``layout`` (``MASTWIDGETS_LAYOUT``) takes a name only.
"""

from __future__ import annotations

from ..errors import InvalidQuery, quoted
from ..settings import LAYOUTS

__all__ = ["LAYOUTS", "file_name", "layout_pattern"]


def layout_pattern(layout: str) -> str:
    """The format pattern of a layout name (a pattern is returned as it is)."""
    if layout in LAYOUTS:
        return LAYOUTS[layout]
    if "{" not in layout:
        raise InvalidQuery(f"Unknown layout {quoted(layout)}: use one of {', '.join(LAYOUTS)}.")
    return layout


def file_name(layout: str, row: dict) -> str:
    """The file's path under the destination folder (not yet checked for safety)."""
    if row.get("parent_obs_id") is None:  # a row not from list_products: its own obs_id
        row = {**row, "parent_obs_id": row.get("obs_id")}
    try:
        return layout_pattern(layout).format(**row)
    except (KeyError, IndexError, ValueError) as error:
        raise InvalidQuery(
            f"The layout {quoted(layout)} names an unknown product column: {error}"
        ) from None
