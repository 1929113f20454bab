"""Searching around a list of targets (names or positions), as the MAST Portal's
target-list upload: one table, each row with the target it matched."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from ..errors import InvalidCoordinates, InvalidQuery, TooManyResults, quoted
from ..settings import Settings, get_settings
from ._coords import parse_coordinates, parse_radius
from ._search import (
    DEFAULT_RADIUS,
    RESULT_COLUMNS,
    _plain_angle,
    _plain_criteria,
    _recorded,
    search_region,
)
from ._search import search_target as _search_name

#: The most targets one list may hold (each is a query to MAST).
MAX_TARGETS = 1_000
_NAME_COLUMNS = ("target", "name", "target_name", "object", "objname")


def _from_rows(rows: list[dict]) -> list[str]:
    """Targets from CSV rows: a name column, or ra and dec columns."""
    columns = {c.strip().lower(): c for c in rows[0]} if rows else {}
    name = next((columns[c] for c in _NAME_COLUMNS if c in columns), None)
    if name is not None:
        return [str(r[name]).strip() for r in rows if str(r[name] or "").strip()]
    if "ra" in columns and "dec" in columns:
        ra, dec = columns["ra"], columns["dec"]
        return [f"{r[ra]} {r[dec]}".strip() for r in rows if r[ra] and r[dec]]
    raise InvalidQuery(
        "The target list has a header but no target column: name one 'target' (names or "
        "coordinates) or give 'ra' and 'dec' columns."
    )


def read_targets(targets) -> list[str]:
    """The targets of a list, a pasted text (one per line, or CSV with a header), a CSV
    file's path, or a DataFrame with a ``target`` (or ``ra``/``dec``) column."""
    if isinstance(targets, pd.DataFrame):
        found = _from_rows(targets.astype(str).to_dict("records"))
    elif isinstance(targets, os.PathLike) or (
        isinstance(targets, str) and "\n" not in targets and targets.lower().endswith(".csv")
    ):
        try:
            text = Path(targets).read_text()
        except OSError as error:
            raise InvalidQuery(f"Cannot read the target list {quoted(targets)}: {error}") from None
        found = read_targets(text)
    elif isinstance(targets, str):
        lines = [line for line in targets.splitlines() if line.strip()]
        head = lines[0].lower().replace(" ", "") if lines else ""
        words = set(head.split(","))
        if words & set(_NAME_COLUMNS) or {"ra", "dec"} <= words:  # a CSV header
            found = _from_rows(list(csv.DictReader(io.StringIO("\n".join(lines)))))
        else:
            found = [line.strip() for line in lines if not line.lstrip().startswith("#")]
    else:
        found = [str(t).strip() for t in targets if str(t).strip()]
    found = list(dict.fromkeys(found))
    if not found:
        raise InvalidQuery("The target list is empty: give one target (name or position) a line.")
    if len(found) > MAX_TARGETS:
        raise InvalidQuery(
            f"The target list has {len(found):,} targets, more than {MAX_TARGETS:,}; split it."
        )
    return found


def _position(target: str):
    """The target's coordinates if it is a position ('10.68 41.27', '10.68, 41.27'),
    else None (a name)."""
    try:
        return parse_coordinates(target.replace(",", " "))
    except InvalidCoordinates:
        return None


def search_targets(
    targets,
    radius=DEFAULT_RADIUS,
    *,
    max_rows: int | None = None,
    settings: Settings | None = None,
    **criteria,
) -> pd.DataFrame:
    """Observations around each target of a list, in one table.

    Parameters
    ----------
    targets
        Names and/or positions: a list, a text (one a line, or CSV with a ``target``
        or ``ra``/``dec`` header), a CSV file's path, or a DataFrame with such columns.
        At most :data:`~mastwidgets.mast.MAX_TARGETS`.
    radius, criteria
        As for :func:`~mastwidgets.search_target`, for every target.
    max_rows
        The most rows in all (default: the ``max_search_rows`` setting).

    Returns
    -------
    pandas.DataFrame
        ``target`` (as given) then :data:`~mastwidgets.RESULT_COLUMNS`; an observation near two
        targets has a row for each. ``attrs["failed"]``: the targets that could not
        be searched, with why (an unknown name, say); the others are still there.

    Raises
    ------
    InvalidQuery
        The list is empty, too long, or unreadable; or no target could be searched
        (the first target's error).
    TooManyResults, MastUnavailable
    """
    wanted = read_targets(targets)
    angle = parse_radius(radius)
    settings = settings or get_settings()
    limit = settings.max_search_rows if max_rows is None else max_rows
    frames, failed, first_error, rows = [], {}, None, 0
    for target in wanted:
        coord = _position(target)
        search = search_region if coord is not None else _search_name
        try:
            found = search(
                target if coord is None else coord,
                angle,
                max_rows=limit - rows,
                settings=settings,
                **criteria,
            )
        except TooManyResults as error:  # counted over the whole list
            raise TooManyResults(rows + error.matched, limit) from None
        except InvalidQuery as error:  # this target's fault (MAST down is not: raised)
            failed[target] = str(error)
            first_error = first_error or error
            continue
        rows += len(found)
        frames.append(found.assign(target=target))
    if not frames:
        raise first_error
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.loc[:, ["target", *RESULT_COLUMNS]]
    frame.attrs["failed"] = failed
    return _recorded(
        frame, "search_targets", wanted, radius=_plain_angle(angle), **_plain_criteria(criteria)
    )
