"""Facets of a search's results (``mastwidgets.facets``): counts that follow the other
facets' choices, and the rows they keep, on real sandbox results and at 100,000 rows."""

import numpy as np
import pandas as pd
import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery
from mastwidgets.facets import Facets


def test_counts_follow_the_other_facets_and_narrow_keeps_those_rows(sandbox_env):
    results = mw.search_target("M16")
    facets = Facets(results)
    everything = facets.counts()
    assert dict(everything["obs_collection"]) == {"JWST": 9, "HST": 4}
    assert sum(n for _, n in everything["instrument_name"]) == len(results) == 13
    hst = facets.counts(obs_collection=["HST"])
    # the collection facet still offers JWST (its own choice does not narrow it) ...
    assert dict(hst["obs_collection"]) == {"JWST": 9, "HST": 4}
    # ... and every other facet counts HST's rows only
    assert dict(hst["instrument_name"]) == {"WFC3/IR": 2, "WFC3/UVIS": 2}
    narrowed = facets.narrow(obs_collection=["HST"], instrument_name=["WFC3/IR"])
    assert sorted(narrowed["obs_id"]) == ["icdm02010", "icdm02020"]
    # two values of one facet widen; a year range with no release narrows to nothing
    both = facets.narrow(obs_collection=["HST", "JWST"])
    assert len(both) == 13
    first, last = facets.years()
    assert first <= last
    assert facets.mask(released=(first - 20, first - 10)).sum() == 0
    assert facets.mask(released=(first, last)).all()


def test_a_ticked_value_with_no_rows_left_stays_listed_at_zero(sandbox_env):
    facets = Facets(mw.search_target("M16"))
    counts = facets.counts(obs_collection=["JWST"], instrument_name=["WFC3/IR"])
    # JWST has no WFC3/IR rows: each ticked value stays listed, at 0, beside the others
    assert counts["instrument_name"] == [("NIRCAM/IMAGE", 6), ("MIRI/IMAGE", 3), ("WFC3/IR", 0)]
    assert counts["obs_collection"] == [("HST", 2), ("JWST", 0)]
    assert not facets.mask(obs_collection=["JWST"], instrument_name=["WFC3/IR"]).any()


def test_bad_choices_are_typed_errors():
    facets = Facets(pd.DataFrame({"obs_collection": ["HST"]}))
    with pytest.raises(InvalidQuery, match="not a facet"):
        facets.counts(colour=["red"])
    with pytest.raises(InvalidQuery, match="released"):
        facets.mask(released="2020")


def test_100000_rows_counted_and_narrowed():
    """At archive scale: a click's counts and mask are numpy lookups (timed in
    benchmarks/, not here); what they say is checked against pandas' own counting."""
    rng = np.random.default_rng(7)
    n = 100_000
    frame = pd.DataFrame(
        {
            "obs_collection": rng.choice(["HST", "JWST", "TESS"], n),
            "instrument_name": rng.choice([f"I{i}" for i in range(30)], n),
            "target_name": rng.choice([f"T{i}" for i in range(5_000)], n),
            "calib_level": pd.array(rng.integers(1, 4, n), dtype="Int64"),
            "t_obs_release": rng.uniform(50_000, 61_000, n),
        }
    )
    facets = Facets(frame)
    chosen = {"obs_collection": ["HST"], "calib_level": ["3"]}
    keep = facets.mask(chosen)
    expected = (frame["obs_collection"] == "HST") & (frame["calib_level"] == 3)
    assert np.array_equal(keep, expected.to_numpy())
    counts = dict(facets.counts(chosen)["instrument_name"])
    assert counts == frame[expected]["instrument_name"].value_counts().to_dict()


def test_a_limit_lists_the_most_frequent_values_and_every_chosen_one():
    frame = pd.DataFrame({"target_name": ["A"] * 5 + ["B"] * 3 + ["C"] * 2 + ["D"]})
    facets = Facets(frame)
    top = facets.counts(limit=2)["target_name"]
    assert top == [("A", 5), ("B", 3)] and top.with_rows == 4
    # a chosen value is listed beyond the limit; ties go by value
    assert facets.counts(target_name=["D"], limit=2)["target_name"] == [
        ("A", 5),
        ("B", 3),
        ("D", 1),
    ]
