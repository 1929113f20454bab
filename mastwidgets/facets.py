"""Narrowing a search's results by facets, as the MAST Portal does, without asking MAST
again: the values of collection, instrument, filters, product type, calibration
level, data rights and target with their counts, and a range of release years.

Counts follow the choices as a faceted search's do: each facet counts the rows the
*other* facets' choices leave, so its own values stay choosable (ticking HST and
JWST together is a widening, not an empty set). Computed on the DataFrame already
fetched: each facet's values are coded once (``pandas.factorize``), after which a
choice is a lookup table and a count a ``numpy.bincount``, a few milliseconds for
100,000 rows.

>>> facets = mw.Facets(mw.search_target("M16"))
>>> facets.counts(obs_collection=["HST"])["instrument_name"]
[('WFC3/IR', 2), ('WFC3/UVIS', 2)]
>>> hst = facets.narrow(obs_collection=["HST"], released=(2010, 2020))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import InvalidQuery

#: The facets, by result column, with the names the page gives them.
FACETS = {
    "obs_collection": "Collection",
    "instrument_name": "Instrument",
    "exp_type": "Exposure type",
    "filters": "Filters",
    "dataproduct_type": "Product type",
    "calib_level": "Calibration level",
    "dataRights": "Data rights",
    "target_name": "Target",
}
#: What a missing value is counted as.
NONE = "(none)"
#: MJD of 1970-01-01 (MAST's release dates are MJDs).
_MJD_UNIX = 40587.0


class Counted(list):
    """A facet's ``(value, rows)`` pairs, most rows first; ``with_rows``: how many of
    its values have rows (more than listed where a limit cut the list)."""

    def __init__(self, pairs: Iterable[tuple[str, int]] = (), *, with_rows: int = 0):
        super().__init__(pairs)
        self.with_rows = with_rows


class Facets:
    """The facets of one search's results (a DataFrame of :func:`~mastwidgets.search_target` and
    its kin); choices are given as ``{column: [values]}`` (keyword arguments), the
    release years as ``released=(first, last)`` (inclusive)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._codes: dict[str, np.ndarray] = {}
        self._values: dict[str, list] = {}
        for name in FACETS:
            column = frame[name] if name in frame else pd.Series([None] * len(frame))
            shown = column.astype(object).where(column.notna(), NONE).map(str)
            codes, values = pd.factorize(shown, sort=True)
            self._codes[name] = codes.astype(np.int32)
            self._values[name] = list(values)
        release = frame["t_obs_release"] if "t_obs_release" in frame else pd.Series(dtype=float)
        mjd = pd.to_numeric(release, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        days = np.floor(mjd - _MJD_UNIX)
        self._years = (
            pd.to_datetime(days, unit="D", errors="coerce").year.to_numpy(dtype="float64")
            if len(days)
            else np.zeros(0)
        )

    def __len__(self) -> int:
        return len(self.frame)

    def values(self, name: str) -> list[str]:
        """Every value of one facet (sorted)."""
        return list(self._values[_known(name)])

    def years(self) -> tuple[int, int] | None:
        """The first and last release years among the rows (None: no dates)."""
        known = self._years[~np.isnan(self._years)]
        return (int(known.min()), int(known.max())) if len(known) else None

    def mask(self, chosen: Mapping[str, Iterable] | None = None, **more) -> np.ndarray:
        """Which rows every choice keeps (a boolean array, in the frame's order)."""
        choices, released = self._choices({**(chosen or {}), **more})
        return self._mask(choices, released, leave_out=None)

    def narrow(self, chosen: Mapping[str, Iterable] | None = None, **more) -> pd.DataFrame:
        """The rows every choice keeps."""
        return self.frame[self.mask(chosen, **more)]

    def counts(
        self, chosen: Mapping[str, Iterable] | None = None, *, limit: int | None = None, **more
    ) -> dict[str, Counted]:
        """Each facet's values with the rows they would have given the *other* facets'
        choices, most first; values with no rows are left out unless chosen (then at 0).
        ``limit``: at most that many values a facet besides the chosen ones (a
        target facet of 100,000 names is not listed whole); each list's
        ``with_rows`` says how many values have rows."""
        choices, released = self._choices({**(chosen or {}), **more})
        counted = {}
        for name, codes in self._codes.items():
            keep = self._mask(choices, released, leave_out=name)
            tally = np.bincount(codes[keep], minlength=len(self._values[name]))
            present = np.flatnonzero(tally)
            picked = present
            if limit is not None and len(present) > limit:
                picked = present[np.argpartition(-tally[present], limit - 1)[:limit]]
            wanted = choices.get(name)
            if wanted is not None:
                picked = np.union1d(picked, np.flatnonzero(wanted))
            # most rows first, then by value (the codes are in the values' order)
            order = picked[np.lexsort((picked, -tally[picked]))]
            values = self._values[name]
            counted[name] = Counted(
                ((values[i], int(tally[i])) for i in order), with_rows=len(present)
            )
        return counted

    def _choices(self, chosen: Mapping) -> tuple[dict[str, np.ndarray], tuple | None]:
        """The choices as lookup tables (one flag per value code), and the years."""
        released = chosen.get("released")
        if released is not None:
            try:
                first, last = (int(y) for y in released)
            except (TypeError, ValueError):
                raise InvalidQuery(
                    f"released must be (first year, last year), not {released!r}"
                ) from None
            released = (first, last)
        tables = {}
        for name, values in chosen.items():
            if name == "released" or values is None:
                continue
            _known(name)
            values = [values] if isinstance(values, str) else list(values)
            if not values:
                continue
            table = np.zeros(len(self._values[name]), dtype=bool)
            index = {v: i for i, v in enumerate(self._values[name])}
            for value in values:
                position = index.get(NONE if value is None else str(value))
                if position is not None:
                    table[position] = True
            tables[name] = table
        return tables, released

    def _mask(self, tables, released, *, leave_out: str | None) -> np.ndarray:
        keep = np.ones(len(self.frame), dtype=bool)
        for name, table in tables.items():
            if name != leave_out:
                keep &= table[self._codes[name]]
        if released is not None:
            first, last = released
            keep &= (self._years >= first) & (self._years <= last)
        return keep


def _known(name: str) -> str:
    if name not in FACETS:
        raise InvalidQuery(f"{name!r} is not a facet; the facets are {', '.join(FACETS)}")
    return name
