"""mw.search_targets: a list of names and positions, one table with the target of each row."""

import pandas as pd
import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery, TargetNotFound, TooManyResults


def test_names_and_positions_in_one_table_with_their_target(sandbox_env):
    found = mw.search_targets(["M16", "268.39583 66.63306", "Nowhere Nebula"], radius="5 arcmin")
    assert list(found.columns[:2]) == ["target", "obs_id"]
    m16 = mw.search_target("M16", radius="5 arcmin")
    ngc = mw.search_region("268.39583 66.63306", radius="5 arcmin")
    assert sorted(found.loc[found["target"] == "M16", "obs_id"]) == sorted(m16["obs_id"])
    by_position = found.loc[found["target"] == "268.39583 66.63306", "obs_id"]
    assert sorted(by_position) == sorted(ngc["obs_id"]) and len(by_position)
    assert list(found.attrs["failed"]) == ["Nowhere Nebula"]
    assert "does not know the target" in found.attrs["failed"]["Nowhere Nebula"]
    code = mw.snippet(found)
    assert "['M16', '268.39583 66.63306', 'Nowhere Nebula']," in code
    namespace = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    assert list(namespace["observations"]["obs_id"]) == list(found["obs_id"])


def test_pasted_text_and_csv_files(sandbox_env, tmp_path):
    pasted = "M16\n\n# a comment\n268.39583, 66.63306\n"
    assert mw.read_targets(pasted) == ["M16", "268.39583, 66.63306"]
    (tmp_path / "names.csv").write_text("Target,Note\nM16,eagle\nNGC 6543,cat's eye\n")
    assert mw.read_targets(str(tmp_path / "names.csv")) == ["M16", "NGC 6543"]
    assert mw.read_targets("target\nM16\n") == ["M16"]  # one column, no comma
    (tmp_path / "positions.csv").write_text("ra,dec\n274.700,-13.807\n268.39583,66.63306\n")
    found = mw.search_targets(tmp_path / "positions.csv", radius="5 arcmin")
    assert list(dict.fromkeys(found["target"])) == ["274.700 -13.807", "268.39583 66.63306"]
    with pytest.raises(InvalidQuery, match="no target column"):
        mw.read_targets(pd.DataFrame({"label": ["x"], "ra_deg": [1.0]}))
    with pytest.raises(InvalidQuery, match="empty"):
        mw.read_targets("\n \n")
    with pytest.raises(InvalidQuery, match="more than 1,000"):
        mw.read_targets([f"TIC {i}" for i in range(1_001)])


def test_every_target_unknown_raises_and_the_row_limit_counts_the_whole_list(
    sandbox_env, monkeypatch
):
    with pytest.raises(TargetNotFound):
        mw.search_targets(["Nowhere Nebula", "Elsewhere Cluster"])
    one = len(mw.search_target("M16", radius="5 arcmin"))
    two = len(mw.search_target("NGC 6543", radius="5 arcmin"))
    with pytest.raises(TooManyResults, match=f"matches {one + two:,} observations"):
        mw.search_targets(["M16", "NGC 6543"], radius="5 arcmin", max_rows=one + two - 1)
