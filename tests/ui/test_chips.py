"""The file filters are chips (toggle buttons), not list boxes needing Ctrl-click."""

from mastwidgets.ui import App
from mastwidgets.ui._chips import Chips

from .test_import_flow import wait_for_threads
from .test_search_panel import run_search


def test_pressing_chips_sets_the_value_and_setting_the_value_presses_them():
    chips = Chips(["A", "B", "C"], ["A", "C"], description="Letters")
    seen = []
    chips.observe(lambda change: seen.append(change["new"]), names="value")
    assert chips.value == ("A", "C")
    assert [b.icon for b in chips.buttons] == ["check", "", "check"]
    chips.buttons[1].value = True  # a click on B
    assert chips.value == ("A", "B", "C") and seen == [("A", "B", "C")]
    chips.value = ["B"]  # from Python: the buttons follow, one change reported
    assert [b.value for b in chips.buttons] == [False, True, False]
    assert [b.icon for b in chips.buttons] == ["", "check", ""]
    assert seen == [("A", "B", "C"), ("B",)]


def test_a_chip_pressed_in_the_import_panel_lists_those_files(sandbox_env):
    app = App()
    run_search(app.search, "Target name", "M16")
    app.search.select(["icdm01010"])
    wait_for_threads()
    panel = app.imports
    assert "AUXILIARY" not in panel.types.value  # listed only when chosen
    listed = set(panel.products["productType"])
    assert "PREVIEW" in listed
    (preview,) = [b for b in panel.types.buttons if b.description == "PREVIEW"]
    preview.value = False  # a click on the PREVIEW chip
    wait_for_threads()
    assert "PREVIEW" not in set(panel.products["productType"])
    assert set(panel.products["productType"]) == listed - {"PREVIEW"}
