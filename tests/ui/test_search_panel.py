"""The search panel calls the public API and shows results or a one-line message."""

from mastwidgets.ui import App


def run_search(panel, mode, text):
    panel.mode.value = mode
    panel.query.value = text  # Enter in the text box
    panel._thread.join(timeout=60)
    assert not panel._thread.is_alive()


def test_search_fills_the_grid(sandbox_env):
    panel = App().search_panel
    run_search(panel, "Target name", "M8")
    assert len(panel.results) == 5
    assert len(panel.grid.grid_data_in) == 5
    assert {row["obs_id"] for row in panel.grid.grid_data_in} == set(panel.results["obs_id"])
    assert "5 observations found" in panel.status.value
    assert not panel.button.disabled


def test_errors_are_short_messages(sandbox_env):
    panel = App().search_panel
    run_search(panel, "Coordinates", "somewhere over there")
    assert "sky coordinates" in panel.status.value and "Traceback" not in panel.status.value
    run_search(panel, "Observation ID", "nope123")
    assert "no observation with ID nope123" in panel.status.value
