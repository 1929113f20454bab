"""Searching MAST and listing data products, over astroquery.

Every function takes an optional ``settings`` (:class:`mastwidgets.Settings`);
without it, :func:`mastwidgets.get_settings` reads the ``MASTWIDGETS_*``
environment variables.
"""

from ._client import token_headers
from ._coords import parse_coordinates, parse_radius
from ._missions import (
    MISSIONS,
    is_mission_table,
    list_mission_products,
    mission_columns,
    search_mission,
)
from ._open import open_product
from ._preview import preview_image
from ._products import MRP, PRODUCT_COLUMNS, filter_products, list_products, locate
from ._programs import KINDS, Program, product_kinds, program_id, search_program
from ._search import (
    CLOUD_COLLECTIONS,
    DEFAULT_RADIUS,
    RESULT_COLUMNS,
    resolve_target,
    search_criteria,
    search_obs_id,
    search_region,
    search_target,
)
from ._targets import MAX_TARGETS, read_targets, search_targets

__all__ = [
    "CLOUD_COLLECTIONS",
    "DEFAULT_RADIUS",
    "KINDS",
    "MAX_TARGETS",
    "MISSIONS",
    "MRP",
    "PRODUCT_COLUMNS",
    "RESULT_COLUMNS",
    "Program",
    "filter_products",
    "is_mission_table",
    "list_mission_products",
    "list_products",
    "locate",
    "mission_columns",
    "open_product",
    "parse_coordinates",
    "parse_radius",
    "preview_image",
    "product_kinds",
    "program_id",
    "read_targets",
    "resolve_target",
    "search_criteria",
    "search_mission",
    "search_obs_id",
    "search_program",
    "search_region",
    "search_target",
    "search_targets",
    "token_headers",
]
