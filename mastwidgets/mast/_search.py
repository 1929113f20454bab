"""Searching MAST for observations: by target, position, observation ID or criteria."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd
from astropy.coordinates import Angle, SkyCoord
from astropy.table import Table
from astropy.time import Time

from ..errors import (
    InvalidCriteria,
    InvalidQuery,
    ObservationNotFound,
    TooManyResults,
    quoted,
)
from ..settings import Settings, get_settings
from ._client import OBJECT_NAME, session
from ._coords import parse_coordinates, parse_radius

DEFAULT_RADIUS = "3 arcmin"

#: The columns of every search result, in this order. The first ones are MAST's
#: CAOM columns a scientist reads first; ``proprietary``, ``in_cloud`` and
#: ``obs_date`` are derived here; ``distance`` (arcsec from the search centre)
#: is NaN for searches without a position.
RESULT_COLUMNS = (
    "obs_id",
    "obsid",
    "target_name",
    "s_ra",
    "s_dec",
    "obs_collection",
    "instrument_name",
    "filters",
    "dataproduct_type",
    "calib_level",
    "t_min",
    "t_max",
    "t_exptime",
    "obs_date",
    "proposal_id",
    "proposal_pi",
    "obs_title",
    "dataRights",
    "proprietary",
    "in_cloud",
    "distance",
    "wavelength_region",
    "em_min",
    "em_max",
    "t_obs_release",
    "intentType",
    "project",
    "provenance_name",
    "target_classification",
    "proposal_type",
    "sequence_number",
    "s_region",
    "jpegURL",
    "dataURL",
    "mtFlag",
    "srcDen",
)

#: Missions whose public files an import can take from MAST's S3 bucket ``stpubdata``:
#: those MAST's cloud look-up answers for (astroquery's supported missions,
#: :data:`._client.CLOUD_MISSIONS`). K2's files (``mast:K2/url/...``) and the HLA's and
#: HLSPs' are not looked up, so they come over HTTP.
CLOUD_COLLECTIONS = frozenset({"HST", "JWST", "TESS", "KEPLER", "GALEX", "PS1"})

_INT_COLUMNS = ("calib_level", "sequence_number")
_FLOAT_COLUMNS = (
    "s_ra",
    "s_dec",
    "t_min",
    "t_max",
    "t_exptime",
    "em_min",
    "em_max",
    "t_obs_release",
    "srcDen",
    "distance",
)
_RANGE_CRITERIA = frozenset(
    {
        "s_ra",
        "s_dec",
        "t_min",
        "t_max",
        "t_exptime",
        "t_obs_release",
        "em_min",
        "em_max",
        "distance",
    }
)
_TIME_CRITERIA = frozenset({"t_min", "t_max", "t_obs_release"})


def _column(table: Table, name: str) -> list:
    column = table[name]
    mask = getattr(column, "mask", None)
    values = column.tolist() if hasattr(column, "tolist") else list(column)
    if mask is not None and np.any(mask):
        values = [None if m else v for v, m in zip(values, np.asarray(mask), strict=True)]
    return values


def _dates(mjd: pd.Series) -> pd.Series:
    """MJD as UTC timestamps, to the second (MAST's MJDs carry no more)."""
    unix = ((mjd - 40587.0) * 86400.0).round()  # MJD 40587 is 1970-01-01
    return pd.to_datetime(unix, unit="s", utc=True)


def to_frame(table: Table | None) -> pd.DataFrame:
    """MAST's observation table as a DataFrame with :data:`~mastwidgets.RESULT_COLUMNS`."""
    table = table if table is not None else Table()
    data = {name: _column(table, name) for name in table.colnames}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(table)))
    for name in RESULT_COLUMNS:
        if name not in frame:
            frame[name] = None
    for name in _FLOAT_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in _INT_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
    frame["obsid"] = frame["obsid"].map(lambda v: None if v is None else str(v))
    rights = frame["dataRights"].fillna("PUBLIC").astype(str).str.upper()
    frame["proprietary"] = (rights != "PUBLIC").astype(bool)
    collections = frame["obs_collection"].fillna("").astype(str).str.upper()
    frame["in_cloud"] = (collections.isin(CLOUD_COLLECTIONS) & ~frame["proprietary"]).astype(bool)
    # MAST sends true, false or null (Kepler's rows): null is no moving-target flag
    frame["mtFlag"] = frame["mtFlag"].astype("boolean").fillna(False).astype(bool)
    frame["obs_date"] = _dates(frame["t_min"])
    return frame.loc[:, list(RESULT_COLUMNS)]


def _recorded(frame: pd.DataFrame, function: str, *args, **kwargs) -> pd.DataFrame:
    """Keep how the frame was found (``attrs["search"]``: the call, in plain values) so
    :func:`mastwidgets.snippet` can write it down."""
    frame.attrs["search"] = {"function": function, "args": list(args), "kwargs": kwargs}
    return frame


def _plain_angle(angle: Angle) -> str:
    return f"{angle.to_value('arcmin'):.10g} arcmin"


def _plain_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value.item() if isinstance(value, np.generic) else value


def _plain_criteria(criteria: dict) -> dict:
    """Criteria as given, with dates and numpy numbers as plain Python values."""
    return {
        key: [_plain_value(v) for v in value]
        if isinstance(value, (list, tuple))
        else _plain_value(value)
        for key, value in criteria.items()
    }


def _mjd(value) -> float:
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    try:
        return float(Time(value.isoformat() if isinstance(value, date) else value).mjd)
    except (ValueError, TypeError):
        raise InvalidCriteria(
            f"Could not read {quoted(value)} as a date: use ISO ('2022-07-12') or MJD."
        ) from None


def _criteria(criteria: dict) -> dict:
    """Checks ranges and turns dates into MJD, as MAST wants them."""
    prepared = {}
    for key, value in criteria.items():
        if value is None:
            continue
        if key.lower() in _RANGE_CRITERIA:
            if (
                isinstance(value, (str, bytes))
                or not isinstance(value, Sequence)
                or len(value) != 2
            ):
                raise InvalidCriteria(
                    f"{key} takes a [min, max] range, e.g. {key}=[100, 3600] "
                    "(dates as ISO strings or MJD)."
                )
            low, high = value
            if key.lower() in _TIME_CRITERIA:
                low, high = _mjd(low), _mjd(high)
            prepared[key] = [float(low), float(high)]
        else:
            prepared[key] = list(value) if isinstance(value, (tuple, set)) else value
    return prepared


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _within_limit(matched: int, settings: Settings, max_rows: int | None) -> None:
    """Refuse a search matching more rows than ``max_rows`` (default: the setting), before
    its rows are fetched: MAST's count is one quick request, the rows may be minutes."""
    limit = settings.max_search_rows if max_rows is None else max_rows
    if matched > limit:
        raise TooManyResults(matched, limit)


def resolve_target(name: str, *, settings: Settings | None = None) -> SkyCoord:
    """The sky position MAST's name resolver gives for ``name``.

    Raises
    ------
    TargetNotFound
    """
    _check_name(name)
    with session(_settings(settings)) as obs:
        return obs.resolve_object(name.strip())


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidQuery("Give a target name, e.g. 'M8' or 'NGC 6543'.")


def search_target(
    name: str,
    radius: str | Angle | float = DEFAULT_RADIUS,
    *,
    max_rows: int | None = None,
    settings: Settings | None = None,
    **criteria,
) -> pd.DataFrame:
    """Observations within ``radius`` of a named target.

    Parameters
    ----------
    name
        Any name MAST's resolver knows: 'M8', 'NGC 6543', 'TIC 307210830' ...
    radius
        An angle, or a string with units ('3 arcmin'); a bare number is degrees.
    max_rows
        The most rows to fetch (default: the ``max_search_rows`` setting, 100,000);
        a search matching more raises :class:`~mastwidgets.errors.TooManyResults`.
    **criteria
        Extra filters on observation columns, as :func:`~mastwidgets.search_criteria`.

    Returns
    -------
    pandas.DataFrame
        One row per observation, columns :data:`~mastwidgets.RESULT_COLUMNS`, nearest first.

    Raises
    ------
    TargetNotFound, InvalidRadius, InvalidCriteria, TooManyResults, MastUnavailable

    Examples
    --------
    >>> found = search_target("M8", radius="5 arcmin", obs_collection="JWST")
    >>> found[["obs_id", "instrument_name", "filters"]].head(2)
    obs_id ...
    0 ...
    """
    _check_name(name)
    angle = parse_radius(radius)
    settings = _settings(settings)
    with session(settings) as obs:
        if criteria:
            query = {OBJECT_NAME: name.strip(), "radius": angle, **_criteria(criteria)}
            _within_limit(obs.query_criteria_count(**query), settings, max_rows)
            table = obs.query_criteria(**query)
        else:
            coord = obs.resolve_object(name.strip())
            _within_limit(obs.query_region_count(coord, radius=angle), settings, max_rows)
            table = obs.query_region(coord, radius=angle)
    return _recorded(
        to_frame(table),
        "search_target",
        name.strip(),
        radius=_plain_angle(angle),
        **_plain_criteria(criteria),
    )


def search_region(
    coordinates: SkyCoord | str,
    radius: str | Angle | float = DEFAULT_RADIUS,
    *,
    max_rows: int | None = None,
    settings: Settings | None = None,
    **criteria,
) -> pd.DataFrame:
    """Observations within ``radius`` of a sky position.

    Parameters
    ----------
    coordinates
        A SkyCoord, or a string astropy parses: '270.904 -24.387',
        '18:03:37 -24:23:13', '18h03m37s -24d23m13s', 'galactic 6.0 -1.2'.
        Never sent to a name resolver.
    radius
        An angle, or a string with units ('3 arcmin'); a bare number is degrees.
    max_rows
        As for :func:`~mastwidgets.search_target`.
    **criteria
        Extra filters on observation columns, as :func:`~mastwidgets.search_criteria`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~mastwidgets.RESULT_COLUMNS`, nearest first.

    Raises
    ------
    InvalidCoordinates, InvalidRadius, InvalidCriteria, TooManyResults, MastUnavailable
    """
    coord = parse_coordinates(coordinates)
    angle = parse_radius(radius)
    settings = _settings(settings)
    with session(settings) as obs:
        if criteria:
            query = dict(coordinates=coord, radius=angle, **_criteria(criteria))
            _within_limit(obs.query_criteria_count(**query), settings, max_rows)
            table = obs.query_criteria(**query)
        else:
            _within_limit(obs.query_region_count(coord, radius=angle), settings, max_rows)
            table = obs.query_region(coord, radius=angle)
    return _recorded(
        to_frame(table),
        "search_region",
        coord.icrs.to_string("decimal", precision=8),
        radius=_plain_angle(angle),
        **_plain_criteria(criteria),
    )


def _as_list(values: str | Iterable[str]) -> list[str]:
    items = [values] if isinstance(values, str) else list(values)
    items = [str(v).strip() for v in items if str(v).strip()]
    if not items:
        raise InvalidQuery("Give an observation ID, e.g. 'jw02739-o001_t001_nircam_clear-f090w'.")
    return items


def search_obs_id(obs_id: str | Iterable[str], *, settings: Settings | None = None) -> pd.DataFrame:
    """The observation(s) with these observation IDs (case does not matter).

    Raises
    ------
    ObservationNotFound
        If any of the IDs matches nothing.
    """
    wanted = _as_list(obs_id)
    with session(_settings(settings)) as obs:
        table = obs.query_criteria(obs_id=wanted)
    frame = to_frame(table)
    found = {str(v).lower() for v in frame["obs_id"]}
    missing = [w for w in wanted if w.lower() not in found]
    if missing:
        raise ObservationNotFound(missing)
    return _recorded(frame, "search_obs_id", wanted)


def search_criteria(
    *, max_rows: int | None = None, settings: Settings | None = None, **criteria
) -> pd.DataFrame:
    """Observations matching column criteria, ANDed; a list value means any of them.

    Strings may use ``*`` as a wildcard (one wildcarded value per column).
    Numeric columns take ``[min, max]``; ``t_min``/``t_max``/``t_obs_release``
    also take dates ('2022-07-01') instead of MJD.

    Examples
    --------
    >>> found = search_criteria(obs_collection="JWST", instrument_name="NIRCAM*",
    ...                         t_min=["2022-07-01", "2022-08-01"])
    >>> sorted(set(found["instrument_name"]))
    ['NIRCAM/IMAGE']

    ``max_rows`` is as for :func:`~mastwidgets.search_target`.

    Raises
    ------
    InvalidCriteria, TooManyResults, MastUnavailable
    """
    prepared = _criteria(criteria)
    if not prepared:
        raise InvalidCriteria("Give at least one criterion, e.g. obs_collection='JWST'.")
    settings = _settings(settings)
    with session(settings) as obs:
        _within_limit(obs.query_criteria_count(**prepared), settings, max_rows)
        table = obs.query_criteria(**prepared)
    return _recorded(to_frame(table), "search_criteria", **_plain_criteria(criteria))
