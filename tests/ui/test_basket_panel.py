"""The basket in the app: files from two searches, kept across a new page (App), their
totals, one import of all, removal; a hosted page's visitors each have their own."""

from pathlib import Path

import mastwidgets as mw
from mastwidgets.ui import App

from .test_import_flow import wait_for_threads
from .test_search_panel import run_search


def add_ticked(app, target, obs_id):
    run_search(app.search, "Target name", target)
    app.search.select([obs_id])
    wait_for_threads()
    assert not app.imports.to_basket.disabled
    app.imports.to_basket.click()
    return set(app.imports.table.ticked["dataURI"])


def test_files_from_two_searches_are_imported_from_the_basket(sandbox_env, mast_sandbox):
    app = App()
    m16 = add_ticked(app, "M16", "icdm01010")
    assert "added to the basket (1 in it)" in app.imports.status.value
    m8 = add_ticked(app, "M8", mw.search_target("M8")["obs_id"].iloc[0])
    assert app.tabs.get_title(1) == f"Basket ({len(m16 | m8)})"
    # a new page (a reload, a restarted kernel) finds the same basket
    app = App()
    app.tabs.selected_index = 1
    wait_for_threads()
    panel = app.basket
    assert {row["file"] for row in panel.grid.grid_data_in} == {
        uri.rsplit("/", 1)[-1] for uri in m16 | m8
    }
    assert f"{len(m16 | m8)} file(s) in the basket" in panel.summary.value
    panel.import_button.click()
    wait_for_threads()
    (job,) = app.jobs._live.values()  # the job the Jobs tab follows
    result = job.wait(timeout=120)
    assert result.ok and len(result.records) == len(m16 | m8)
    drz = mast_sandbox.path_of("mast:HST/product/icdm01010_drz.fits").read_bytes()
    assert Path(mw.Catalog().get("mast:HST/product/icdm01010_drz.fits")["path"]).read_bytes() == drz
    panel.refresh()
    wait_for_threads()
    assert f"{len(m16 | m8)} here already" in panel.summary.value
    # take the first file out, then empty it
    panel._picked([0])
    panel.remove_button.click()
    assert len(panel.basket) == len(m16 | m8) - 1
    panel.empty_button.click()
    assert len(mw.Basket()) == 0 and panel.import_button.disabled


def test_a_hosted_pages_visitors_do_not_share_a_basket(sandbox_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("MASTWIDGETS_DATA_DIR")
    first, second = App(), App()
    add_ticked(first, "M16", "icdm01010")
    assert len(first.basket.basket) == 1 and len(second.basket.basket) == 0
    assert first.basket.basket.name != second.basket.basket.name
    assert len(mw.Basket()) == 0  # not the local app's basket either


def test_a_hosted_visitor_finds_their_basket_again_and_shares_it_only_by_its_link(
    sandbox_env, monkeypatch, tmp_path
):
    """A reload: the browser hands back the basket's id it kept (``stored_basket``);
    a colleague: "Copy basket link" (``?basket=<id>``). Anything else gets a new one."""
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("MASTWIDGETS_DATA_DIR")
    first = App()
    mine = first.basket.basket.name
    assert mine.startswith("page-") and len(mine) == len("page-") + 32  # 128 random bits
    assert first.search.grid.basket == mine  # what the page keeps in the browser
    gathered = add_ticked(first, "M16", "icdm01010")

    # the same browser, reloaded: a new page, whose browser says which basket it had
    reloaded = App()
    assert reloaded.basket.basket.name != mine and len(reloaded.basket.basket) == 0
    reloaded.search.grid.stored_basket = mine
    assert reloaded.basket.basket.name == mine and len(reloaded.basket.basket) == 1
    assert reloaded.tabs.get_title(1) == "Basket (1)"

    # a kept id that is not a basket (any more), or not a page's, is not taken up
    for kept in ("page-" + "0" * 32, "../../etc/passwd", "default", ""):
        other = App()
        other.search.grid.stored_basket = kept
        assert other.basket.basket.name.startswith("page-")
        assert other.basket.basket.name not in (mine, kept) and len(other.basket.basket) == 0

    # a page whose own basket has files keeps it
    busy = App()
    add_ticked(busy, "M16", "icdm01020")
    busy.search.grid.stored_basket = mine
    assert busy.basket.basket.name != mine

    # shared on purpose: a link opens the same basket; both pages add to it
    query = first._copy_basket_link()
    assert query == f"?basket={mine}"
    asked = first.search.grid.copy_request
    assert asked["what"] == "basket" and asked["query"] == query
    first.search.grid.copied = {**asked, "ok": True, "text": "http://host/" + query}
    assert f"Link to this basket copied: http://host/{query}" in first.basket.status.value
    colleague = App(link=query)
    assert colleague.basket.basket.name == mine and len(colleague.basket.basket) == 1
    gathered |= add_ticked(colleague, "M16", "icdm01020")
    gathered |= add_ticked(first, "M8", mw.search_target("M8")["obs_id"].iloc[0])
    first.basket.refresh()
    colleague.basket.refresh()
    for page in (first, colleague):  # none lost, though each page added to it
        assert set(page.basket.basket.products["dataURI"]) == gathered
    for link in ("?basket=page-" + "f" * 32, "?basket=../x", "?basket=default"):
        assert App(link=link).basket.basket.name not in (mine, "default")
