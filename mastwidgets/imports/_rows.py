"""The product rows an import fetches: listed from MAST for the observations, or
given by the caller as a table of :func:`mastwidgets.list_products` rows."""

from __future__ import annotations

import pandas as pd

from ..errors import InvalidQuery, NoProductsFound
from ..settings import Settings

#: The products imported when ``products`` is not given: calibrated science files.
DEFAULT_PRODUCTS = {"productType": "SCIENCE", "calib_level": [2, 3, 4]}
#: The columns a DataFrame of products given to an import must have.
GIVEN_COLUMNS = ("obs_id", "obs_collection", "productFilename", "dataURI")


def product_rows(observations, products, source: str, settings: Settings) -> pd.DataFrame:
    """One row per file (a dataURI once), with its ``url`` and ``s3_uri``, and the
    observations' target and instrument where the caller gave a search result.

    Raises
    ------
    InvalidQuery, NoProductsFound, ObservationNotFound, MastUnavailable
    """
    if isinstance(products, pd.DataFrame):
        rows = _given_rows(products, source, settings)
    elif observations is None:
        raise InvalidQuery("Give the observations to import, or a table of their products.")
    else:
        filters = DEFAULT_PRODUCTS if products is None else dict(products)
        rows = _listed_rows(observations, filters, settings)
    return _with_observations(rows.drop_duplicates("dataURI", ignore_index=True), observations)


def _listed_rows(observations, filters: dict, settings: Settings) -> pd.DataFrame:
    from .. import mast  # astroquery loads on first use only

    mission = mast.is_mission_table(observations)
    if mission is not None:  # datasets of MAST's mission search
        every = mast.list_mission_products(
            mission, observations["obs_id"], settings=settings, catalog=False
        )
        products = mast.filter_products(every, **filters)
    else:
        products = mast.list_products(observations, settings=settings, catalog=False, **filters)
    if products.empty:
        raise NoProductsFound(
            "No products of these observations match the product filters "
            f"{filters}; loosen them (e.g. products={{}} for every file)."
        )
    return products


def _given_rows(products: pd.DataFrame, source: str, settings: Settings) -> pd.DataFrame:
    """Rows given by the caller, with their S3 and HTTP locations (looked up if the
    caller's table lacks them)."""
    from ..mast import locate

    missing = [c for c in GIVEN_COLUMNS if c not in products]
    if missing:
        raise InvalidQuery(
            f"The products table lacks {', '.join(missing)}: give rows of list_products."
        )
    if products.empty:
        raise NoProductsFound("The products table is empty: select at least one file.")
    return locate(products.reset_index(drop=True), cloud=source != "http", settings=settings)


def _with_observations(products: pd.DataFrame, observations) -> pd.DataFrame:
    """The search's target and instrument for each product (they go into records)."""
    if isinstance(observations, pd.DataFrame) and "obs_id" in observations:
        extra = observations.drop_duplicates("obs_id").set_index("obs_id")
        for column in ("target_name", "instrument_name"):
            if column in extra:
                products[column] = products["obs_id"].map(extra[column])
    return products
