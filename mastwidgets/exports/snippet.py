"""A search and a selection of products as Python code: mastwidgets calls that
reproduce them in a notebook cell or a colleague's script."""

from __future__ import annotations

import pprint

import pandas as pd

from ..errors import InvalidQuery

__all__ = ["snippet"]


def _call(function: str, args: list, kwargs: dict) -> str:
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    one_line = f"mw.{function}({', '.join(words)})"
    if len(one_line) <= 80:
        return one_line
    return f"mw.{function}(\n" + "".join(f"    {w},\n" for w in words) + ")"


def _listed(values: list[str]) -> str:
    return pprint.pformat(values, width=88, compact=False)


def snippet(search: pd.DataFrame, products: pd.DataFrame | None = None) -> str:
    """Python code that repeats ``search`` (a frame returned by one of the search
    functions) and, with ``products`` (rows of :func:`~mastwidgets.list_products`, perhaps picked by
    hand), selects exactly those files and imports them.

    The code names the observations and files it selects, so it gives the same
    selection even after MAST adds observations. It holds no token.

    Raises
    ------
    InvalidQuery
        ``search`` did not come from a mastwidgets search.
    """
    found = getattr(search, "attrs", {}).get("search")
    if not isinstance(search, pd.DataFrame) or not found:
        raise InvalidQuery(
            "Give a search result as mastwidgets' search functions return it "
            "(it remembers how it was found)."
        )
    lines = [
        "import mastwidgets as mw",
        "",
        "observations = " + _call(found["function"], found["args"], found["kwargs"]),
    ]
    if products is None:
        return "\n".join(lines) + "\n"
    if not isinstance(products, pd.DataFrame) or "dataURI" not in products:
        raise InvalidQuery("Give the products as list_products returns them (a DataFrame).")
    obsids = sorted({str(v) for v in products["obsid"] if pd.notna(v)})
    uris = list(dict.fromkeys(str(v) for v in products["dataURI"]))
    lines += [
        'picked = observations["obsid"].isin(' + _listed(obsids) + ")",
        "products = mw.list_products(observations[picked], auxiliary=True)",
        'products = products[products["dataURI"].isin(' + _listed(uris) + ")]",
        "job = mw.import_observations(products=products)",
        "job.wait()",
    ]
    return "\n".join(lines) + "\n"
