"""MAST's mission search: HST and JWST (and the other missions astroquery's
``MastMissions`` knows) searched by their instruments' own keywords.

The Portal's observations (:mod:`._search`) share one set of columns across missions;
the mission search speaks each mission's: HST's ``sci_pep_id``, ``sci_spec_1234``,
``sci_aec``, JWST's FITS keywords (``exp_type``, ``targprop``, ...), each with MAST's
description (:func:`~mastwidgets.mission_columns`). Criteria follow MAST's rules: a list is any of
its values, ``"!x"`` excludes, ``">2012"``, ``"<=100"`` and ``"100..1000"`` compare
numbers and dates, ``"*GAL*"`` matches text. A dataset's files
(:func:`~mastwidgets.list_mission_products`) come with the columns an import needs, so
:func:`mastwidgets.import_observations` (``products=``) fetches them through the engine
and records them in the catalog like any other import.

astroquery builds the requests (its column check, parameters and batching); the answers
are read into pandas directly, a page of 5,000 rows at a time, so a search of hundreds
of thousands of rows does not go through an astropy Table.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from urllib.parse import quote

import pandas as pd
from astropy.coordinates import Angle, SkyCoord

from ..errors import (
    InvalidCoordinates,
    InvalidCriteria,
    InvalidQuery,
    InvalidRadius,
    MastUnavailable,
    TooManyResults,
    quoted,
)
from ..settings import Settings, get_settings
from ._client import session, token_for, translate_errors
from ._coords import parse_coordinates, parse_radius
from ._products import PRODUCT_COLUMNS, _extension, placed

#: The missions MAST's mission search serves (astroquery's documentation), and each one's
#: dataset column (``None``: MAST lists no dataset keyword for it).
MISSIONS = {
    "hst": "sci_data_set_name",
    "jwst": "fileSetName",
    "roman": "fileSetName",
    "iue": None,
    "classy": "Target",
    "ullyses": "observation_id",
}
#: Missions whose files are also CAOM products (``mast:<MISSION>/product/<file>``): they
#: are found in MAST's S3 bucket and recognised in the catalog as the same files.
CAOM_MISSIONS = ("hst", "jwst")
#: The widest cone the mission search takes.
MAX_RADIUS = Angle(30, "arcmin")
#: Rows asked for at a time (astroquery's default ``limit``).
PAGE_ROWS = 5000
#: Datasets per product-list request (astroquery's batch).
DATASETS_PER_REQUEST = 1000

_clients: dict[tuple, object] = {}
_columns: dict[tuple, pd.DataFrame] = {}
_lock = threading.Lock()


def _mission(mission: str) -> str:
    name = str(mission or "").strip().lower()
    if name not in MISSIONS:
        raise InvalidQuery(
            f"MAST's mission search has no mission {quoted(str(mission))}; "
            f"it has {', '.join(m.upper() for m in MISSIONS)}."
        )
    return name


def _client(mission: str, settings: Settings):
    """astroquery's ``MastMissionsClass`` for ``mission``, pointed at the settings' MAST,
    with their timeout and retries and the MAST token (if any)."""
    from astroquery.mast import MastMissionsClass

    from ._client import _Adapter

    key = (mission, settings.mast_url, settings.timeout, settings.retries)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = MastMissionsClass(mission=mission)
            api = client._service_api_connection
            api.SERVICE_URL = settings.mast_url
            api.MISSIONS_DOWNLOAD_URL = settings.mast_url + "/search/"
            api.TIMEOUT = max(settings.timeout * (settings.retries + 1), 60)
            client.mission = mission  # its request URL anew, on the configured MAST
            adapter = _Adapter(settings.timeout, settings.retries)
            client._session.mount("http://", adapter)
            client._session.mount("https://", adapter)
            _clients[key] = client
    token = token_for(settings)
    if token:
        client._session.headers["Authorization"] = f"token {token}"
    else:
        client._session.headers.pop("Authorization", None)
    return client


def mission_columns(mission: str, *, settings: Settings | None = None) -> pd.DataFrame:
    """The columns a mission can be searched by: ``name``, ``data_type`` and MAST's
    ``description`` of each.

    Examples
    --------
    >>> columns = mission_columns("HST")
    >>> columns.set_index("name").loc["sci_pep_id", "description"]
    'ID number (integer) assigned to the proposal    (e.g. 1012, 12045)'
    """
    mission = _mission(mission)
    settings = settings or get_settings()
    key = (mission, settings.mast_url)
    with _lock:
        found = _columns.get(key)
    if found is None:
        client = _client(mission, settings)
        with session(settings):  # the column list goes through astroquery's redirected utils
            try:
                table = client.get_column_list()
            except (ConnectionError, RuntimeError, KeyError, ValueError) as error:
                raise _column_list_failed(mission, error) from None
        found = pd.DataFrame(
            {
                "name": [str(v) for v in table["name"]],
                "data_type": [str(v) for v in table["data_type"]],
                "description": [" ".join(str(v).split()) for v in table["description"]],
            }
        )
        with _lock:
            _columns[key] = found
    return found.copy()


def _column_list_failed(mission: str, error: Exception) -> Exception:
    """Ours of the exception astroquery raises when the column list fails (it wraps
    requests' in a bare ConnectionError or RuntimeError)."""
    cause = error.__context__
    status = getattr(getattr(cause, "response", None), "status_code", None)
    if status in (400, 404):
        return InvalidQuery(
            f"MAST's mission search does not know the mission {mission.upper()} here (HTTP "
            f"{status}): check the MAST URL setting, or search HST or JWST."
        )
    return MastUnavailable(f"MAST's mission search did not list {mission.upper()}'s columns.")


def _criteria(criteria: dict) -> dict:
    """Criteria as MAST takes them: a (low, high) pair is the range ``"low..high"``."""
    prepared = {}
    for name, value in criteria.items():
        if isinstance(value, tuple) and len(value) == 2:
            value = f"{value[0]}..{value[1]}"
        elif isinstance(value, (set, frozenset, tuple)):
            value = list(value)
        prepared[name] = value
    return prepared


def search_mission(
    mission: str,
    target: str | None = None,
    *,
    coordinates: SkyCoord | str | None = None,
    radius: str | Angle | float = "3 arcmin",
    columns: Iterable[str] | str | None = None,
    sort_by: str | list[str] | None = None,
    sort_desc: bool | list[bool] = False,
    max_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
    **criteria,
) -> pd.DataFrame:
    """Datasets of one mission, by position and the mission's own keywords.

    Parameters
    ----------
    mission
        ``"HST"``, ``"JWST"`` (any case), or another of :data:`~mastwidgets.mast.MISSIONS`.
    target
        A name MAST's resolver knows (``"M16"``), or a position as text
        (``"274.7 -13.8"``); or give ``coordinates``.
    coordinates
        A sky position (``SkyCoord`` or text, ``"274.7 -13.8"``).
    radius
        The cone around the position (at most 30 arcminutes); a bare number is degrees.
    columns
        The columns to return (default: the mission's default set; ``"all"``: every
        one); the dataset column always comes back.
    sort_by, sort_desc
        Columns to sort by and whether each is descending (default: nearest first).
    max_rows
        The most rows to fetch (default: the ``max_search_rows`` setting); a search
        matching more raises :class:`~mastwidgets.errors.TooManyResults`.
    progress
        Called ``(rows so far, rows in all)`` after each page.
    **criteria
        The mission's columns (:func:`~mastwidgets.mission_columns`) and the values they must have:
        ``sci_instrume=["ACS", "WFC3"]``, ``sci_spec_1234="!F814W"``,
        ``sci_actual_duration="1000..2000"`` or ``(1000, 2000)``, ``sci_start_time=">2020"``,
        ``sci_targname="*GAL*"``.

    Returns
    -------
    pandas.DataFrame
        One row per dataset (per position and dataset, for a cone), text stripped of
        MAST's padding: the mission's columns, then those every mastwidgets table of
        observations has (``OBSERVATION_COLUMNS``: ``obs_id`` is the dataset, so
        the table can be given to :func:`mastwidgets.import_observations`). ``attrs``:
        ``mission``, ``dataset_column``, ``total`` (the rows MAST matched) and
        ``descriptions`` ({column: MAST's description}).

    Raises
    ------
    InvalidQuery, InvalidCriteria, InvalidRadius, TargetNotFound, TooManyResults,
    MastUnavailable

    Examples
    --------
    >>> found = search_mission("HST", "M16", radius="3 arcmin", sci_instrume="WFC3*")
    >>> sorted(set(found["sci_instrume"]))
    [...'WFC3'...]
    >>> len(search_mission("HST", sci_pep_id=13926, sci_spec_1234=["F657N", "F502N"])) > 0
    True
    """
    mission = _mission(mission)
    settings = settings or get_settings()
    limit = settings.max_search_rows if max_rows is None else max_rows
    position = _position(target, coordinates, settings)
    angle = parse_radius(radius)
    if position is not None and angle > MAX_RADIUS:
        raise InvalidRadius(
            f"MAST's mission search takes a radius of at most 30 arcminutes, not "
            f"{angle.to_string(unit='arcmin', decimal=True, precision=2)} arcmin."
        )
    if position is None and not criteria:
        raise InvalidQuery(
            "Give a target, coordinates or at least one of the mission's columns to search by."
        )
    descriptions = mission_columns(mission, settings=settings)
    known = set(descriptions["name"])
    for name in criteria:
        if name not in known:
            close = [n for n in known if n.lower() == name.lower()]
            hint = f" Did you mean {quoted(close[0])}?" if close else ""
            raise InvalidCriteria(
                f"{mission.upper()} has no searchable column {quoted(name)}.{hint} "
                "mission_columns() lists them."
            )
    types = dict(zip(descriptions["name"], descriptions["data_type"], strict=True))
    for name, value in _criteria(criteria).items():
        _check_value(name, types[name], value)
    options = {"select_cols": _columns_wanted(columns, descriptions)}
    if sort_by is not None:
        options["sort_by"] = [sort_by] if isinstance(sort_by, str) else list(sort_by)
        desc = sort_desc if isinstance(sort_desc, list) else [bool(sort_desc)]
        options["sort_desc"] = desc * (len(options["sort_by"]) if len(desc) == 1 else 1)
    frames, fetched, total = [], 0, None
    client = _client(mission, settings)
    with translate_errors():
        while total is None or fetched < total:
            size = PAGE_ROWS if total is None else min(PAGE_ROWS, total - fetched)
            answer = _page(client, position, angle, size, fetched, options, criteria)
            if total is None:
                total = int(answer.get("totalResults") or 0)
                if total > limit:
                    raise TooManyResults(total, limit)
            frame = _frame(answer)
            frames.append(frame)
            fetched += len(frame)
            if progress is not None:
                progress(fetched, total)
            if len(frame) < size:
                break
    result = _observation_columns(
        mission,
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[MISSIONS[mission] or "dataset"]),
    )
    result.attrs.update(
        mission=mission,
        dataset_column=MISSIONS[mission],
        total=total or 0,
        descriptions=dict(zip(descriptions["name"], descriptions["description"], strict=True)),
    )
    return result


#: The observation columns a mission search's rows get (from the mission's own), so that
#: the app's table, facets and imports read them as they read observations.
OBSERVATION_COLUMNS = (
    "obs_id", "obsid", "obs_collection", "target_name", "instrument_name", "filters",
    "t_exptime", "obs_date", "calib_level", "distance", "in_cloud", "dataproduct_type",
    "dataRights",
)  # fmt: skip
#: The observation columns a mission has its own of, and each mission's.
_SAME_COLUMNS = ("target_name", "instrument_name", "filters", "t_exptime", "obs_date")
_SAME_AS = {
    "hst": ("sci_targname", "sci_instrume", "sci_spec_1234", "sci_actual_duration",
            "sci_start_time"),
    "jwst": ("targprop", "instrume", "opticalElements", "duration", "date_obs"),
}  # fmt: skip


def _observation_columns(mission: str, frame: pd.DataFrame) -> pd.DataFrame:
    dataset = MISSIONS[mission]
    ids = frame[dataset] if dataset in frame else pd.Series([None] * len(frame), dtype=object)
    frame["obs_id"] = ids.astype(object)
    frame["obsid"] = ids.astype(object)
    frame["obs_collection"] = mission.upper()
    names = _SAME_AS.get(mission, (None,) * len(_SAME_COLUMNS))
    for ours, theirs in zip(_SAME_COLUMNS, names, strict=True):
        frame[ours] = frame.get(theirs)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"], errors="coerce")
    frame["t_exptime"] = pd.to_numeric(frame["t_exptime"], errors="coerce")
    separation = frame.get("ang_sep")
    frame["calib_level"] = pd.array([None] * len(frame), dtype="Int64")  # not said
    frame["distance"] = (
        float("nan") if separation is None else pd.to_numeric(separation, errors="coerce") * 60.0
    )
    frame["in_cloud"] = mission in CAOM_MISSIONS
    kind = frame.get("sci_obs_type", frame.get("exp_type"))
    frame["dataproduct_type"] = None if kind is None else kind.map(_product_type)
    rights = frame.get("sci_status", frame.get("access"))
    frame["dataRights"] = None if rights is None else rights.map(
        lambda v: None if v is None else "PUBLIC" if str(v).upper() == "PUBLIC"
        else "EXCLUSIVE_ACCESS"
    )  # fmt: skip
    return frame


def _product_type(value) -> str | None:
    """CAOM's ``dataproduct_type`` of HST's ``sci_obs_type`` or JWST's ``exp_type``."""
    if not isinstance(value, str) or not value:
        return None
    text = value.upper()
    if text in ("IMAGE", "ASTROMETRY", "PHOTOMETRY") or text.endswith(("_IMAGE", "_TACQ")):
        return "image"
    if text.endswith("_IFU"):
        return "cube"
    return "spectrum" if "SPEC" in text or text.startswith("NRS_") else text.lower()


def is_mission_table(frame) -> str | None:
    """The mission whose search gave ``frame`` (its ``attrs``, else its dataset column),
    or ``None`` for any other table."""
    if not isinstance(frame, pd.DataFrame):
        return None
    if frame.attrs.get("mission") in MISSIONS:
        return frame.attrs["mission"]
    for mission, column in MISSIONS.items():
        ours = column and column in frame and "obs_collection" in frame
        if ours and set(frame["obs_collection"].dropna().unique()) <= {mission.upper()}:
            return mission
    return None


#: Column types that hold numbers (MAST's ``qual_type``).
_NUMBERS = ("integer", "float", "ra", "dec", "boolean")


def _check_value(name: str, kind: str, value) -> None:
    """Refuse a value a column of numbers cannot take, before MAST is asked (MAST answers
    such a search with a bare HTTP 400)."""
    if kind not in _NUMBERS:
        return
    items = value if isinstance(value, list) else str(value).split(",")
    for item in (str(i).strip().lstrip("!").lstrip("<>=").strip() for i in items):
        for part in item.split("..") if ".." in item else [item]:
            try:
                float(part)
            except ValueError:
                raise InvalidCriteria(
                    f"{quoted(name)} holds numbers ({kind}): {quoted(part)} is not one. Give a "
                    "number, a list (1, 2), a range (1..5), a comparison (>3) or !number."
                ) from None


def _position(target, coordinates, settings: Settings) -> SkyCoord | None:
    if target is not None and coordinates is not None:
        raise InvalidQuery("Give a target or coordinates, not both.")
    if target is not None:
        from ._search import resolve_target

        try:
            return parse_coordinates(target)  # a position, typed as a target
        except InvalidCoordinates:
            return resolve_target(target, settings=settings)
    if coordinates is not None:
        return parse_coordinates(coordinates)
    return None


def _columns_wanted(columns, descriptions: pd.DataFrame) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        if columns.strip().lower() in ("all", "*"):
            return [n for n in descriptions["name"] if n not in ("search_pos", "search_key")]
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    wanted = list(columns)
    unknown = [c for c in wanted if c not in set(descriptions["name"])]
    if unknown:
        raise InvalidCriteria(f"No such column(s): {', '.join(map(quoted, unknown))}.")
    return wanted


def _page(client, position, angle, limit: int, offset: int, options: dict, criteria) -> dict:
    """One page of a search, as MAST answers it (JSON)."""
    select = options.get("select_cols")
    extra = {**options, "select_cols": list(select) if select else None}
    if position is not None:
        response = client.query_region_async(
            position, radius=angle, limit=limit, offset=offset, **extra, **_criteria(criteria)
        )
    else:
        response = client.query_criteria_async(
            limit=limit, offset=offset, **extra, **_criteria(criteria)
        )
    return response.json()


def _frame(answer: dict) -> pd.DataFrame:
    names = [c.get("name") or c.get("column_name") for c in answer.get("info", [])]
    rows = answer.get("results") or []
    for row in rows:  # columns MAST sends but does not list (older answers: ang_sep)
        for name in row:
            if name not in names:
                names.append(name)
        break
    frame = pd.DataFrame.from_records(rows, columns=names)
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame


def _dataset_ids(mission: str, datasets) -> list[str]:
    if isinstance(datasets, pd.DataFrame):
        column = datasets.attrs.get("dataset_column") or MISSIONS[mission]
        if column is None or column not in datasets:
            raise InvalidQuery(
                f"The table has no dataset column ({column or 'unknown for ' + mission}); "
                "give the dataset IDs."
            )
        values = datasets[column]
    elif isinstance(datasets, str):
        values = [datasets]
    else:
        values = list(datasets)
    ids = list(dict.fromkeys(str(v).strip() for v in values if v is not None and str(v).strip()))
    if not ids:
        raise InvalidQuery("Give at least one dataset ID.")
    return ids


def list_mission_products(
    mission: str,
    datasets,
    *,
    cloud: bool = True,
    catalog=True,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The files of some datasets of a mission, ready to import.

    Parameters
    ----------
    mission
        As :func:`~mastwidgets.search_mission`.
    datasets
        Dataset IDs, or rows of :func:`~mastwidgets.search_mission`.
    cloud
        Look each file up in MAST's S3 bucket (``s3_uri``), for HST and JWST.
    catalog
        Mark the files imported before (column ``on_disk``): ``True`` (the settings'
        catalog), a :class:`~mastwidgets.Catalog`, or ``False`` (do not ask).
    progress
        Called ``(datasets done, datasets in all)`` after each request.

    Returns
    -------
    pandas.DataFrame
        Each file once: :data:`~mastwidgets.PRODUCT_COLUMNS` (as
        :func:`~mastwidgets.list_products` gives them: ``obs_id`` is the dataset,
        ``url`` MAST's ``retrieve_product``, ``s3_uri`` the bucket's copy,
        ``calib_level`` 1 or 2 from MAST's category), then MAST's own product columns
        (``filename``, ``dataset``, ``category``, ``file_suffix``, ``uri``, ...).

    Examples
    --------
    >>> files = list_mission_products("HST", ["ICDM01010"])
    >>> job = mastwidgets.import_observations(products=files, dest="data")
    >>> job.wait().ok
    True
    """
    mission = _mission(mission)
    settings = settings or get_settings()
    ids = _dataset_ids(mission, datasets)
    client = _client(mission, settings)
    batched = "batch_size" in inspect.signature(client.get_product_list_async).parameters
    frames = []
    with translate_errors():
        for start in range(0, len(ids), DATASETS_PER_REQUEST):
            batch = ids[start : start + DATASETS_PER_REQUEST]
            extra = {"batch_size": DATASETS_PER_REQUEST} if batched else {}
            response = client.get_product_list_async(batch, **extra)
            frames.append(pd.DataFrame.from_records(client._extract_products(response)))
            if progress is not None:
                progress(min(start + len(batch), len(ids)), len(ids))
    products = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if products.empty:
        products = pd.DataFrame(columns=["filename", "dataset", "uri", "size"])
    products = products.drop_duplicates("filename", ignore_index=True)
    for name in ("instrument_name", "filters", "category", "file_suffix"):
        if name in products:
            products[name] = products[name].map(lambda v: v.strip() if isinstance(v, str) else v)
    products = _importable(mission, products, settings)
    located = placed(products, cloud=cloud and mission in CAOM_MISSIONS, catalog=catalog,
                     settings=settings)  # fmt: skip
    located.attrs.update(mission=mission)
    return located


def _importable(mission: str, products: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The columns an import reads, from MAST's mission product columns."""
    base = f"{settings.mast_url}/search/{mission}/api/v0.1/retrieve_product?product_name="
    products = products.copy()
    if mission in CAOM_MISSIONS:
        products["dataURI"] = [f"mast:{mission.upper()}/product/{f}" for f in products["filename"]]
    else:
        products["dataURI"] = [f"mast:{mission.upper()}/mission/{u}" for u in products["uri"]]
    products["obs_id"] = products["dataset"]
    products["parent_obs_id"] = products["dataset"]
    products["obs_collection"] = mission.upper()
    products["productFilename"] = products["filename"]
    category = products.get("category", pd.Series([None] * len(products))).fillna("")
    products["productType"] = [
        "SCIENCE" if c in ("CALIBRATED", "UNCALIBRATED") else "AUXILIARY" for c in category
    ]
    products["url"] = [base + quote(str(u), safe="") for u in products["uri"]]
    products["obsid"] = products["dataset"]
    products["calib_level"] = pd.array(
        [_LEVELS.get(c) for c in category], dtype="Int64"
    )  # MAST's mission lists give a category, not a level
    products["productSubGroupDescription"] = products.get("file_suffix")
    products["description"] = category.str.capitalize().replace("Aux", "Auxiliary")
    products["dataRights"] = products.get("access", "PUBLIC")
    rights = products["dataRights"].fillna("PUBLIC").astype(str).str.upper()
    products["proprietary"] = rights != "PUBLIC"
    products["extension"] = products["filename"].map(_extension)
    products["project"] = mission.upper()
    for name in PRODUCT_COLUMNS:
        if name not in products:
            products[name] = None
    extra = [c for c in products.columns if c not in PRODUCT_COLUMNS]
    return products.loc[:, [*PRODUCT_COLUMNS, *extra]]


#: The calibration level a mission product's category stands for.
_LEVELS = {"UNCALIBRATED": 1, "CALIBRATED": 2}
