"""The data products of observations, filtered, with their S3 and HTTP locations."""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pandas as pd

from ..errors import (
    InvalidCriteria,
    InvalidQuery,
    MastTimedOut,
    MastUnavailable,
    NoProductsFound,
    quoted,
)
from ..settings import Settings, get_settings
from ._cloud import cloud_uris
from ._portal import invoke_frame
from ._search import search_obs_id

log = logging.getLogger(__name__)

#: The columns of :func:`~mastwidgets.list_products`, in this order. ``extension`` (lower
#: case, e.g. 'fits'), ``proprietary``, ``s3_uri`` (None where MAST has no
#: copy in its bucket), ``url`` (MAST's HTTP download URL) and ``on_disk`` (the
#: local path of a copy imported before and unchanged, else None) are derived here.
#: ``obs_id`` is MAST's: a JWST level-3 observation lists its member exposures' files
#: under each exposure's name (where astroquery downloads them); ``parent_obs_id`` is the
#: observation they were listed for (``obsid`` its number), where the default layout
#: keeps them together.
PRODUCT_COLUMNS = (
    "obs_id",
    "obsid",
    "parent_obs_id",
    "productFilename",
    "extension",
    "size",
    "productType",
    "calib_level",
    "productSubGroupDescription",
    "productGroupDescription",
    "description",
    "dataproduct_type",
    "obs_collection",
    "dataRights",
    "proprietary",
    "dataURI",
    "s3_uri",
    "url",
    "proposal_id",
    "filters",
    "type",
    "project",
    "prvversion",
    "on_disk",
)


def _obsids(observations, settings: Settings) -> dict[str, str | None]:
    """MAST's numeric ``obsid`` of each observation given, and its obs_id where known."""
    if isinstance(observations, pd.DataFrame):
        if "obsid" not in observations:
            raise InvalidQuery("The DataFrame has no 'obsid' column: pass a search result.")
        names = observations["obs_id"] if "obs_id" in observations else [None] * len(observations)
        return {
            str(v): None if n is None or pd.isna(n) else str(n)
            for v, n in zip(observations["obsid"], names, strict=True)
            if pd.notna(v)
        }
    if isinstance(observations, pd.Series):
        if "obsid" in observations.index:
            return {str(observations["obsid"]): observations.get("obs_id")}
        return _obsids(list(observations), settings)
    items = [observations] if isinstance(observations, (str, int)) else list(observations)
    if not items:
        raise InvalidQuery("Give at least one observation.")
    if all(isinstance(i, pd.Series) for i in items):
        return {str(i["obsid"]): i.get("obs_id") for i in items}
    obsids: dict[str, str | None] = {str(i): None for i in items if isinstance(i, int)}
    names = [str(i) for i in items if not isinstance(i, int)]
    if names:
        found = search_obs_id(names, settings=settings)
        obsids.update(zip(found["obsid"], found["obs_id"], strict=True))
    return obsids


def _describe(observations) -> str:
    """How to name the observations in a message: their obs IDs where known."""
    if isinstance(observations, pd.DataFrame) and "obs_id" in observations:
        names = [str(v) for v in observations["obs_id"]]
    elif isinstance(observations, pd.Series) and "obs_id" in observations.index:
        names = [str(observations["obs_id"])]
    elif isinstance(observations, (str, int)):
        names = [str(observations)]
    else:
        names = [str(o["obs_id"]) if isinstance(o, pd.Series) else str(o) for o in observations]
    return ("observation " if len(names) == 1 else "observations ") + ", ".join(names)


def _extension(filename: str) -> str:
    name = filename.lower()
    for double in (".fits.gz", ".tar.gz", ".fits.fz"):
        if name.endswith(double):
            return double[1:]
    return name.rsplit(".", 1)[-1] if "." in name else ""


def _matches(series: pd.Series, wanted) -> pd.Series:
    values = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
    if pd.api.types.is_numeric_dtype(series):
        try:
            numbers = [float(v) for v in values]
        except (TypeError, ValueError):
            raise InvalidCriteria(f"{series.name} takes numbers, not {quoted(wanted)}") from None
        return series.astype("float64").isin(numbers)
    lowered = {
        str(v).lower().lstrip(".") if series.name == "extension" else str(v).lower() for v in values
    }
    return series.fillna("").astype(str).str.lower().isin(lowered)


#: MAST's ``productGroupDescription`` of the files it recommends (the Portal's default).
MRP = "Minimum Recommended Products"


def filter_products(
    products: pd.DataFrame, *, mrp_only: bool = False, product_subgroup=None, **filters
) -> pd.DataFrame:
    """Rows of ``products`` matching every filter (a list value: any of its values).

    Keys are product columns (:data:`~mastwidgets.PRODUCT_COLUMNS`): productType,
    calib_level, productSubGroupDescription, extension ('fits', '.fits') ...
    Text matches ignore case.

    ``mrp_only``: only MAST's "Minimum Recommended Products" (its
    ``productGroupDescription``), as astroquery's ``filter_products(mrp_only=True)``
    and the Portal's default selection. ``product_subgroup``: the
    ``productSubGroupDescription``, e.g. ``"CAL"``, ``["I2D", "X1D"]``, ``"UNCAL"``.
    """
    wanted = list(filters.items())
    if mrp_only:
        wanted.append(("productGroupDescription", MRP))
    if product_subgroup is not None:
        wanted.append(("productSubGroupDescription", product_subgroup))
    keep = pd.Series(True, index=products.index)
    for key, values in wanted:
        if values is None:
            continue
        column = next((c for c in products.columns if c.lower() == key.lower()), None)
        if column is None:
            raise InvalidCriteria(
                f"Products cannot be filtered by {quoted(key)}; use one of: productType, "
                "calib_level, "
                "productSubGroupDescription (product_subgroup), extension, dataproduct_type, "
                "productFilename, or mrp_only=True."
            )
        keep &= _matches(products[column], values)
    return products.loc[keep].reset_index(drop=True)


def _to_frame(frame: pd.DataFrame, settings: Settings, names: dict | None = None) -> pd.DataFrame:
    """MAST's product rows (its columns) as :data:`~mastwidgets.PRODUCT_COLUMNS`;
    ``names``: obsid -> obs_id of the observations the products were listed for."""
    frame["obsid"] = frame.get("parent_obsid", frame.get("obsID"))
    for name in PRODUCT_COLUMNS:
        if name not in frame:
            frame[name] = None
    frame["obsid"] = frame["obsid"].map(_id_text)
    parents = frame["obsid"].map((names or {}).get)
    frame["parent_obs_id"] = parents.where(parents.notna(), frame["obs_id"])
    frame["size"] = pd.to_numeric(frame["size"], errors="coerce").astype("Int64")
    frame["calib_level"] = pd.to_numeric(frame["calib_level"], errors="coerce").astype("Int64")
    frame["extension"] = frame["productFilename"].fillna("").map(_extension)
    rights = frame["dataRights"].fillna("PUBLIC").astype(str).str.upper()
    frame["proprietary"] = (rights != "PUBLIC").astype(bool)
    frame["url"] = _urls(frame["dataURI"], settings)
    frame["s3_uri"] = None
    frame = frame.drop_duplicates(subset="dataURI", keep="first").reset_index(drop=True)
    return frame.loc[:, list(PRODUCT_COLUMNS)]


#: Observations asked for in one product-list request: JWST's (obs IDs ``jw…``; a level-3
#: observation lists its members' files, hundreds to thousands) and the others'. MAST joins
#: a request's observations on its side, and the join slows faster than its answer grows:
#: a JWST program's lists asked at once run past any timeout (astroquery #2473, #2507),
#: a few at a time are quick; other missions' observations list a handful of files each.
PRODUCT_BATCH = {"JWST": 4, "other": 200}


def _batches(obsids: dict[str, str | None]) -> list[list[str]]:
    """The obsids in request-sized batches (JWST's apart), in the order given."""
    groups: dict[str, list[str]] = {}
    for obsid, name in obsids.items():
        groups.setdefault("JWST" if str(name or "").startswith("jw") else "other", []).append(obsid)
    return [
        members[i : i + PRODUCT_BATCH[kind]]
        for kind, members in groups.items()
        for i in range(0, len(members), PRODUCT_BATCH[kind])
    ]


#: Product-list requests in flight at once: they wait on MAST, not on this process.
LOOKUPS = 4
#: Listed rows held before the filters drop what is not wanted (JWST's guide-star files
#: alone are ten times the science files): a program's list never sits whole in memory.
FILTER_ROWS = 20_000


def _product_batches(obsids: dict[str, str | None], settings: Settings) -> Iterator[tuple]:
    """(MAST's product rows, {obsid: obs_id} of their observations), a batch a request (see
    :data:`PRODUCT_BATCH`), :data:`LOOKUPS` requests at a time, in the order given; only
    a few batches' rows are held before the caller takes them."""
    with ThreadPoolExecutor(LOOKUPS, thread_name_prefix="mast-products") as pool:
        window: deque = deque()
        for batch in _batches(obsids):
            window.append(pool.submit(_listed, batch, obsids, settings))
            if len(window) >= LOOKUPS:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def _listed(batch: list[str], obsids: dict[str, str | None], settings: Settings) -> list:
    """One batch's products; a batch MAST does not answer in time is asked again in halves,
    down to one observation, whose time-out is the caller's."""
    try:
        rows = invoke_frame("Mast.Caom.Products", {"obsid": ",".join(batch)}, settings)
    except MastTimedOut:
        if len(batch) == 1:
            name = obsids[batch[0]] or batch[0]
            raise MastTimedOut(
                f"MAST did not list the products of {name} within the timeout setting "
                f"({settings.timeout:g} s, MASTWIDGETS_TIMEOUT): it may be busy; try again "
                "later, or raise the timeout."
            ) from None
        log.info("MAST took too long for %d observations' products; asking in halves", len(batch))
        half = len(batch) // 2
        return _listed(batch[:half], obsids, settings) + _listed(batch[half:], obsids, settings)
    return [(rows, {o: obsids[o] for o in batch})] if len(rows) else []


def _id_text(value) -> str | None:
    """A MAST id as text: JSON sends numbers (a column with a gap holds floats)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(int(value)) if isinstance(value, float) else str(value)


def _urls(uris, settings: Settings) -> list[str]:
    return [f"{settings.download_url}?uri={quote(str(u), safe=':/')}" for u in uris]


def locate(
    products: pd.DataFrame, *, cloud: bool = True, settings: Settings | None = None
) -> pd.DataFrame:
    """``products`` with the locations it lacks: ``url`` (MAST's download URL) and,
    with ``cloud``, ``s3_uri`` (looked up in MAST's bucket where no row has one).
    A failed look-up leaves ``s3_uri`` empty (``attrs["cloud_error"]`` says why)."""
    settings = settings or get_settings()
    products = products.copy()
    if "url" not in products or products["url"].isna().any():
        products["url"] = _urls(products["dataURI"], settings)
    if "s3_uri" not in products:
        products["s3_uri"] = None
    if cloud and len(products) and products["s3_uri"].isna().all():
        try:
            found = cloud_uris(products["dataURI"], settings)
        except MastUnavailable as error:
            log.warning("S3 look-up failed, files will come over HTTP: %s", error)
            products.attrs["cloud_error"] = str(error)
        else:
            products["s3_uri"] = [found.get(u) for u in products["dataURI"]]
    return products


def _asks_for_auxiliary(filters: dict) -> bool:
    """Whether the filters name AUXILIARY among the product types they want."""
    wanted = next((v for k, v in filters.items() if k.lower() == "producttype"), None)
    values = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
    return any(str(v).upper() == "AUXILIARY" for v in values if v is not None)


def list_products(
    observations,
    *,
    cloud: bool = True,
    auxiliary: bool = False,
    catalog=True,
    settings: Settings | None = None,
    **filters,
) -> pd.DataFrame:
    """The data products of one or more observations.

    Parameters
    ----------
    observations
        Observation IDs (str), MAST obsids (int), a search result DataFrame,
        or rows (Series) of one.
    auxiliary
        Also list ``AUXILIARY`` products (JWST's guide-star files and the like, which
        can outnumber the science files tenfold); hidden otherwise, as the MAST
        Portal leaves them out of "All", unless ``productType`` asks for them.
    cloud
        Look up each product's copy in MAST's S3 bucket (column ``s3_uri``).
        If the look-up fails, ``s3_uri`` stays empty, a warning is logged and
        ``frame.attrs["cloud_error"]`` says why: the files can still come over HTTP.
    catalog
        Where to look for copies imported before (column ``on_disk``: the path of a
        copy unchanged since, else None; no network): a :class:`mastwidgets.Catalog`,
        True (the default: the settings' catalog) or False (do not look).
    **filters
        Product column filters, see :func:`~mastwidgets.filter_products`, e.g.
        ``productType="SCIENCE", calib_level=[2, 3], extension="fits"``,
        ``mrp_only=True`` (MAST's Minimum Recommended Products) or
        ``product_subgroup="CAL"``.

    Returns
    -------
    pandas.DataFrame
        One row per distinct file, columns :data:`~mastwidgets.PRODUCT_COLUMNS`. Empty if the
        filters leave nothing.

    Raises
    ------
    ObservationNotFound
        An observation ID matches nothing.
    NoProductsFound
        MAST lists no products at all for these observations.
    InvalidCriteria, MastUnavailable
    """
    settings = settings or get_settings()
    hide_auxiliary = not auxiliary and not _asks_for_auxiliary(filters)
    kept, listed = [], 0
    for rows, count, _ in product_chunks(observations, settings):
        listed += count
        if hide_auxiliary:
            rows = rows.loc[rows["productType"].fillna("").astype(str).str.upper() != "AUXILIARY"]
        kept.append(filter_products(rows, **filters))  # a chunk at a time: what is dropped goes
    if listed == 0:
        raise NoProductsFound(
            f"MAST lists no data products for {_describe(observations)}: they may not be "
            "processed yet, or have been withdrawn."
        )
    products = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    products = products.drop_duplicates(subset="dataURI", ignore_index=True)  # across chunks
    return placed(products, cloud=cloud, catalog=catalog, settings=settings)


def product_chunks(observations, settings: Settings) -> Iterator[tuple[pd.DataFrame, int, int]]:
    """The products of ``observations`` as MAST lists them (every type, duplicates and
    all), in frames of about :data:`FILTER_ROWS` rows with :data:`~mastwidgets.PRODUCT_COLUMNS`:
    (frame, rows MAST listed, observations listed so far). A program's hundreds of
    thousands of rows never sit whole in memory unless the caller keeps them.

    Raises
    ------
    ObservationNotFound, InvalidCriteria, MastUnavailable
    """
    obsids = _obsids(observations, settings)

    def frame(chunk: list[tuple[pd.DataFrame, dict]]) -> pd.DataFrame:
        raw = [rows for rows, _ in chunk]
        names = {k: v for _, batch_names in chunk for k, v in batch_names.items()}
        rows = pd.concat(raw, ignore_index=True) if len(raw) > 1 else raw[0]
        return _to_frame(rows, settings, names)

    chunk, held, done = [], 0, 0
    for batch, names in _product_batches(obsids, settings):
        chunk.append((batch, names))
        held += len(batch)
        done += len(names)
        if held >= FILTER_ROWS:
            yield frame(chunk), held, done
            chunk, held = [], 0
    if chunk:
        yield frame(chunk), held, len(obsids)


def placed(products: pd.DataFrame, *, cloud: bool, catalog, settings: Settings) -> pd.DataFrame:
    """``products`` with their locations (:func:`locate`) and, unless ``catalog`` is
    False, the copies imported before (column ``on_disk``)."""
    products = locate(products, cloud=cloud, settings=settings)
    if catalog is not False and len(products):
        from ..catalog import mark_on_disk  # the catalog answers "is it here?"

        products = mark_on_disk(products, catalog, under=settings.data_root)
    return products
