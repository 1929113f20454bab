"""mastwidgets: search the STScI MAST archive and import observations' data
products, from Jupyter, Voila, scripts or the ``mastwidgets`` command."""

from . import errors
from .errors import MastWidgetsError
from .mast import (
    PRODUCT_COLUMNS,
    RESULT_COLUMNS,
    filter_products,
    list_products,
    resolve_target,
    search_criteria,
    search_obs_id,
    search_region,
    search_target,
)
from .settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "PRODUCT_COLUMNS",
    "RESULT_COLUMNS",
    "MastWidgetsError",
    "Settings",
    "__version__",
    "errors",
    "filter_products",
    "get_settings",
    "list_products",
    "resolve_target",
    "search_criteria",
    "search_obs_id",
    "search_region",
    "search_target",
]
