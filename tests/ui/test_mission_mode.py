"""The app's Mission search: a mission's keywords with MAST's descriptions, datasets in
the results table, their files in the import panel, imported like any other."""

import pytest

from mastwidgets.errors import InvalidCriteria
from mastwidgets.ui import App
from mastwidgets.ui._link import decode
from mastwidgets.ui._mission_form import parse_keywords

from .test_import_flow import wait_for_threads
from .test_search_panel import run_search


def test_a_mission_search_by_keywords_lists_and_imports_files(sandbox_env, mast_sandbox, tmp_path):
    app = App()
    panel = app.search
    panel.mode.value = "Mission"
    wait_for_threads()
    form = panel.mission
    assert form.layout.display is None and panel.criteria.layout.display == "none"
    assert "55 HST keywords" in form.status.value  # search_pos and search_key are not searchable
    form.keyword.value = "sci_pep_id"
    assert "Proposal ID" not in form.description.value  # the description, not the label
    assert "ID number (integer) assigned to the proposal" in form.description.value
    form._add()
    assert form.keywords.value == "sci_pep_id = "
    form.keywords.value = "sci_pep_id = 13926\nsci_spec_1234 = !F502N, !F657N"
    run_search(panel, "Mission", "M16")
    assert "2 datasets found for HST datasets near M16" in panel.status.value
    rows = panel.grid.grid_data_in
    assert sorted(r["obs_id"] for r in rows) == ["ICDM02010", "ICDM02020"]
    assert {r["instrument_name"] for r in rows} == {"WFC3"} and rows[0]["distance"] > 0
    assert decode(panel.link)["criteria"]["keywords"].startswith("sci_pep_id = 13926")

    panel.select(["ICDM02010"])
    wait_for_threads()
    imports = app.imports
    assert "1 observation(s) selected" in imports.summary.value
    listed = set(imports.table.products["productFilename"])
    assert {"icdm02010_drz.fits", "icdm02aaq_flt.fits"} <= listed
    imports.dest.value = str(tmp_path / "mission")
    imports.start()
    wait_for_threads()
    assert "started" in imports.status.value, imports.status.value
    (view,) = imports.progress.children
    result = view.job.wait(timeout=120)
    assert result.ok and len(result.records) == len(imports.table.ticked)
    for f in result.transfer.files:
        assert f.path.read_bytes() == mast_sandbox.product_bytes(f"mast:HST/product/{f.path.name}")


def test_mission_keywords_are_checked_before_mast_is_asked(sandbox_env):
    panel = App().search
    panel.mode.value = "Mission"
    wait_for_threads()
    panel.mission.keywords.value = "sci_pep = 13926"
    panel.search()
    assert "not one of the mission&#x27;s keywords" in panel.status.value
    panel.mission.keywords.value = ""
    panel.query.value = ""
    panel.search()
    assert "Type a target or position, or add keywords." in panel.status.value
    with pytest.raises(InvalidCriteria, match="name = value"):
        parse_keywords("sci_pep_id 13926")
    panel.mission.mission.value = "JWST"
    wait_for_threads()
    panel.mission.keywords.value = "program = 2739\nexp_type = MIR_IMAGE"
    run_search(panel, "Mission", "")
    assert all(r["obs_id"].startswith("jw02739002") for r in panel.grid.grid_data_in)
    assert "datasets found for JWST datasets matching the keywords" in panel.status.value
