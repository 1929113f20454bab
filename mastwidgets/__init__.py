"""mastwidgets: search the STScI MAST archive and import observations' data
products, from Jupyter, Voila, scripts or the ``mastwidgets`` command.

The search functions load astroquery on first use, so ``import mastwidgets``
(and the transfer engine alone) stay quick.
"""

from . import errors
from ._lazy import attach, by_module
from ._version import __version__
from .errors import MastWidgetsError
from .settings import Settings, get_settings

_FROM_MAST = (
    "PRODUCT_COLUMNS",
    "RESULT_COLUMNS",
    "filter_products",
    "list_mission_products",
    "list_products",
    "mission_columns",
    "open_product",
    "preview_image",
    "read_targets",
    "resolve_target",
    "search_criteria",
    "search_mission",
    "search_obs_id",
    "search_program",
    "search_region",
    "search_target",
    "search_targets",
)

_FROM_IMPORTS = (
    "cancel",
    "catalog_products",
    "import_observations",
    "import_program",
    "list_jobs",
    "pause",
    "remove_job",
    "resume",
)
_FROM_EXPORTS = ("download_script", "manifest", "snippet")
_FROM_CATALOG = ("Catalog",)
_FROM_FACETS = ("Facets",)
_FROM_BASKET = ("Basket",)
_FROM_UI = ("App",)  # the widgets load only when the App is asked for

__all__ = [
    *_FROM_MAST,
    *_FROM_IMPORTS,
    *_FROM_EXPORTS,
    *_FROM_CATALOG,
    *_FROM_FACETS,
    *_FROM_BASKET,
    *_FROM_UI,
    "MastWidgetsError",
    "Settings",
    "__version__",
    "errors",
    "get_settings",
]


__getattr__, __dir__ = attach(
    __name__,
    by_module(
        {
            ".mast": _FROM_MAST,
            ".imports": _FROM_IMPORTS,
            ".exports": _FROM_EXPORTS,
            ".catalog": _FROM_CATALOG,
            ".facets": _FROM_FACETS,
            ".basket": _FROM_BASKET,
            ".ui": _FROM_UI,
        }
    ),
)
