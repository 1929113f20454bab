"""Facets beside the results: a tick narrows the grid's rows (one bit a row sent to
the page) and every facet's counts follow; Clear and a new search show all again."""

import base64

import numpy as np

from mastwidgets.ui import App

from .test_search_panel import run_search


def shown_rows(panel) -> list[str]:
    """The observation IDs the page is told to show."""
    shown = panel.grid.shown
    assert shown["batch"] == panel.grid.batch
    if shown["bits"] is None:
        return sorted(row["obs_id"] for row in panel.grid.grid_data_in)
    bits = np.unpackbits(np.frombuffer(base64.b64decode(shown["bits"]), dtype=np.uint8))
    return sorted(
        row["obs_id"] for row, kept in zip(panel.grid.grid_data_in, bits, strict=False) if kept
    )


def box(group, label):
    (found,) = [b for b in group.boxes if b.layout.display != "none" and b.description == label]
    return found


def test_ticking_facets_narrows_the_grid_and_the_counts_follow(sandbox_env):
    panel = App().search
    run_search(panel, "Target name", "M16")
    facets = panel.facets
    assert facets.layout.display is None and len(shown_rows(panel)) == 13
    collection = facets.groups["obs_collection"]
    assert [b.description for b in collection.boxes[:2]] == ["JWST (9)", "HST (4)"]
    box(collection, "HST (4)").value = True
    assert shown_rows(panel) == ["icdm01010", "icdm01020", "icdm02010", "icdm02020"]
    assert "4 of 13 rows (facets)" in panel.count.value
    instruments = facets.groups["instrument_name"]
    shown = [b.description for b in instruments.boxes if b.layout.display != "none"]
    assert shown == ["WFC3/IR (2)", "WFC3/UVIS (2)"]
    box(instruments, "WFC3/IR (2)").value = True
    assert shown_rows(panel) == ["icdm02010", "icdm02020"]
    # the collection facet counts the instrument's rows: JWST has none left, and goes
    listed = [b.description for b in collection.boxes if b.layout.display != "none"]
    assert listed == ["HST (2)"] and box(collection, "HST (2)").value
    facets.clear()
    assert shown_rows(panel) == sorted(panel.results["obs_id"])
    assert panel.count.value.startswith("<small>13 rows")
    # a new search: new facets, nothing ticked, every row shown
    box(collection, "HST (4)").value = True
    run_search(panel, "Target name", "M8")
    assert len(shown_rows(panel)) == 5 and not any(b.value for b in collection.boxes)


def test_the_release_years_narrow_too(sandbox_env):
    panel = App().search
    run_search(panel, "Target name", "M16")
    years = panel.facets.released
    first = years.value[0]
    years.value = (first, first)  # the earliest year only
    kept = shown_rows(panel)
    assert 0 < len(kept) < 13
    assert len(kept) == panel.facets.facets.mask(released=(first, first)).sum()
