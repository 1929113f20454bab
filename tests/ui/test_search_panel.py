"""The app's panels call the public API and show results or one-line messages.

These drive the widgets from Python (the same methods the buttons call) and
join the background threads; the browser tests drive the real page.
"""

import subprocess
import sys

from mastwidgets.sandbox import Faults
from mastwidgets.ui import App
from mastwidgets.ui._search_panel import GRID_COLUMNS


def run_search(panel, mode, text="", **criteria):
    panel.mode.value = mode
    for name, value in criteria.items():
        getattr(panel.criteria, name).value = value
    if mode == "Criteria" or not text:
        panel.search()
    else:
        panel.query.value = text  # Enter in the text box
    panel._thread.join(timeout=60)
    assert not panel._thread.is_alive()


def test_search_fills_the_grid(sandbox_env):
    panel = App().search
    run_search(panel, "Target name", "M8")
    assert len(panel.results) == 5
    assert len(panel.grid.grid_data_in) == 5
    assert {row["obs_id"] for row in panel.grid.grid_data_in} == set(panel.results["obs_id"])
    assert "5 observations found" in panel.status.value
    assert not panel.button.disabled


def test_a_row_ticked_as_soon_as_it_is_drawn_stays_selected(sandbox_env):
    """The page's tick can reach the kernel while the search's answer is still being
    shown (the facets counted after the rows are sent): it must not be cleared then."""
    app = App()
    panel = app.search
    count_facets = panel.facets.set_frame

    def ticked_meanwhile(frame):  # the page ticks the first row while the facets count
        panel.grid.picked = {"batch": panel.grid.batch, "rows": [0]}
        count_facets(frame)

    panel.facets.set_frame = ticked_meanwhile
    from .test_import_flow import wait_for_threads

    run_search(panel, "Target name", "M8")
    assert list(panel.selected["obs_id"]) == [panel.results["obs_id"].iloc[0]]
    wait_for_threads()  # its files listed
    assert "1 observation(s) selected" in app.imports.summary.value


def test_criteria_mode(sandbox_env):
    panel = App().search
    run_search(
        panel,
        "Criteria",
        collection="JWST",
        instrument="MIRI",
        date_from="2022-07-01",
        date_to="2022-08-01",
    )
    assert sorted(panel.results["obs_id"]) == [
        "jw02739-o002_t001_miri_f1130w",
        "jw02739-o002_t001_miri_f1500w",
        "jw02739-o002_t001_miri_f770w",
    ]
    assert panel.criteria.layout.display is None and panel.query.layout.display == "none"


def test_errors_are_short_messages(sandbox_env):
    panel = App().search
    run_search(panel, "Target name", "M8")
    run_search(panel, "Coordinates", "somewhere over there")
    assert "sky coordinates" in panel.status.value and "Traceback" not in panel.status.value
    run_search(panel, "Observation ID", "nope123")
    assert "no observation with ID nope123" in panel.status.value
    run_search(panel, "Target name", "Nowhere Nebula")
    assert "does not know the target" in panel.status.value
    # The grid still holds M8's rows, and says so.
    assert len(panel.results) == 5 and "5 rows · results for M8" in panel.count.value


def test_mast_down_is_a_short_message(sandbox_env, mast_sandbox, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_RETRIES", "1")
    mast_sandbox.set_faults(Faults(fail_requests=range(1, 10**6), fail_status=503, scope="api"))
    try:
        panel = App().search
        run_search(panel, "Target name", "M8")
    finally:
        mast_sandbox.set_faults(None)
    assert "mw-error" in panel.status.value and "try again later" in panel.status.value
    assert "Traceback" not in panel.status.value and not panel.button.disabled


def test_the_app_is_one_import_away_and_loads_widgets_only_then():
    code = (
        "import sys, mastwidgets; assert 'ipywidgets' not in sys.modules; "
        "from mastwidgets import App; assert 'ipywidgets' in sys.modules; print(App.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "App"


def test_a_big_search_fills_the_grid_and_one_too_big_asks_to_narrow_it(scaled_env, monkeypatch):
    panel = App().search
    run_search(panel, "Criteria", collection="TESS")
    rows = len(panel.results)
    assert rows > 10_000 and len(panel.grid.grid_data_in) == rows
    assert set(panel.grid.grid_data_in[-1]) == set(GRID_COLUMNS)  # 10 of 36 columns
    assert panel.grid.sync_grid is False  # the page does not send every row back
    assert f"{rows:,} observations found" in panel.status.value
    monkeypatch.setenv("MASTWIDGETS_MAX_SEARCH_ROWS", "5000")
    panel.radius.value = "0.25 deg"
    run_search(panel, "Target name", "M101")
    assert "more than the 5,000" in panel.status.value and "Narrow it" in panel.status.value
    assert "Traceback" not in panel.status.value
    assert len(panel.results) == rows  # the TESS rows stay, labelled as such


def uploaded(name, content):
    """A file as ipywidgets' FileUpload gives it once the page has sent it."""
    import datetime

    when = datetime.datetime.now(datetime.UTC)
    return (
        {
            "name": name,
            "type": "text/csv",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": when,
        },
    )


def test_a_pasted_or_uploaded_target_list(sandbox_env):
    panel = App().search
    panel.mode.value = "Target list"
    panel.radius.value = "5 arcmin"
    panel.upload.value = uploaded("targets.csv", b"target\nM16\nNowhere Nebula\n")
    assert panel.targets.value.splitlines()[1] == "M16"
    panel.search()
    panel._thread.join(timeout=60)
    assert set(panel.results["target"]) == {"M16"} and len(panel.results) == 13
    assert {row["searched"] for row in panel.grid.grid_data_in} == {"M16"}
    assert "13 observations found for a list of 3 line(s)" in panel.status.value
    assert "Not searched: Nowhere Nebula (MAST&#x27;s name resolver" in panel.status.value

    panel.upload.value = uploaded("big.csv", b"M16\n" * 70_000)
    assert "at most 262,144" in panel.status.value and panel.targets.value.count("\n") == 3
    panel.upload.value = uploaded("x.csv", b"\xff\xfe\x00bad")
    assert "is not a text (CSV) file" in panel.status.value
