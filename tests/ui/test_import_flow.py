"""Select rows -> products -> Import -> progress -> files -> catalog and jobs tabs."""

import threading
from pathlib import Path

import mastwidgets as mw
from mastwidgets.mast._products import PRODUCT_BATCH
from mastwidgets.ui import App

from .test_search_panel import run_search


def wait_for_threads(prefix="mastwidgets-ui"):
    for thread in [t for t in threading.enumerate() if t.name.startswith(prefix)]:
        thread.join(timeout=60)


def test_select_import_and_watch(sandbox_env, mast_sandbox, isolated_glue):
    app = App()
    run_search(
        app.search,
        "Target name",
        "M16",
    )
    app.search.select(["icdm01010", "icdm01020"])
    wait_for_threads()
    # every file but the auxiliary ones is listed; MAST's recommended ones are ticked
    summary = app.imports.summary.value
    assert "2 observation(s) selected: 2 product(s) ticked of 12 listed" in summary
    assert sorted(app.imports.table.ticked["productFilename"]) == [
        "icdm01010_drz.fits",
        "icdm01020_drz.fits",
    ]
    assert not app.imports.button.disabled

    app.imports.calib.value = [2, 3]
    app.imports.ticks.value = "All listed"
    wait_for_threads()
    assert "8 product(s) ticked of 8 listed" in app.imports.summary.value
    dropped = "icdm01aaq_flt.fits"
    keep = app.imports.table.products
    app.imports.table.tick(keep.loc[keep["productFilename"] != dropped, "dataURI"])
    assert "7 product(s) ticked of 8 listed" in app.imports.summary.value

    app.imports.start()
    wait_for_threads()
    (view,) = app.imports.progress.children
    result = view.job.wait(timeout=120)
    assert result.ok
    view.render(view.job.snapshot())
    assert "done" in view.title.value and view.total.value == 1.0
    assert len(view.rows.children) == 7
    (line,) = app.imports.job_line.children  # the action bar's line: the job, in view
    line.render(view.job.snapshot())
    assert view.job.id in line.title.value and ">done<" in line.title.value
    assert line.bar.value == 1.0 and "7 of 7 files" in line.text.value
    assert dropped not in {f.path.name for f in result.transfer.files}
    assert all('data-status="done"' in row.text.value for row in view.rows.children)
    for f in result.transfer.files:
        uri = f"mast:HST/product/{f.path.name}"
        assert f.path.read_bytes() == mast_sandbox.path_of(uri).read_bytes()

    app.jobs.refresh()
    row = app.jobs._rows[view.job.id]
    assert 'data-status="done"' in row.title.value and row.bar.value == 1.0
    assert "7 of 7 files" in row.numbers.value
    app.catalog.refresh()
    wait_for_threads()
    assert len(app.catalog.records) == mw.Catalog().count() == 7
    assert len(app.catalog.grid.grid_data_in) == 7
    app.catalog.show_record("mast:HST/product/icdm01010_drz.fits")
    assert "TARGNAME" in app.catalog.header.value and "SCI" in app.catalog.header.value
    wait_for_threads()
    assert bytes(app.catalog.look.value).startswith(b"\x89PNG")
    assert "image of SCI" in app.catalog.look_status.value
    assert app.catalog.open_imviz.layout.display is None  # jdaviz is installed (the test extra)
    app.catalog.open_in_imviz()
    assert list(app.catalog.imviz.datasets) == ["icdm01010_drz[SCI,1]"]
    assert "open in Imviz below" in app.catalog.look_status.value


def test_catalog_headers_only_then_a_quick_look_read_in_place(
    sandbox_env, mast_sandbox, isolated_glue
):
    """ "Catalog headers only" records the ticked files' headers without downloading
    them; the Catalog tab shows them as remote, draws one from where it lives and
    opens it in Imviz, read in place."""
    app = App()
    run_search(app.search, "Target name", "M16")
    app.search.select(["icdm01010"])
    wait_for_threads()
    assert not app.imports.headers.disabled
    mark = mast_sandbox.served
    # a ticked file drawn where it lives, before anything is imported
    assert app.imports.look_choice.options == ("icdm01010_drz.fits",)
    app.imports.look_button.click()
    wait_for_threads()
    assert "image of SCI, read in place" in app.imports.look_status.value
    assert bytes(app.imports.look.value).startswith(b"\x89PNG")
    app.imports.headers.click()
    wait_for_threads()
    assert "nothing downloaded" in app.imports.status.value
    (view,) = app.imports.progress.children
    result = view.job.wait(timeout=120)
    assert result.ok and len(result.records) == 1  # MAST's recommended file: the drz
    view.render(view.job.snapshot())
    assert "Headers" in view.title.value and "done" in view.title.value
    assert view.total.value == 1.0
    assert not sandbox_env.data_dir.exists() or not list(sandbox_env.data_dir.rglob("*"))
    app.catalog.refresh()
    wait_for_threads()
    (row,) = app.catalog.grid.grid_data_in
    assert row["where"].startswith("remote: s3://stpubdata/hst/public/icdm/icdm01010/")
    app.catalog.show_record("mast:HST/product/icdm01010_drz.fits")
    assert (
        "TARGNAME" in app.catalog.header.value
        and "<th>location</th><td>s3://" in app.catalog.header.value
    )
    wait_for_threads()
    assert bytes(app.catalog.look.value).startswith(b"\x89PNG")
    assert "image of SCI" in app.catalog.look_status.value
    assert app.catalog.open_imviz.layout.display is None  # Imviz reads it in place too
    app.catalog.open_in_imviz()
    assert list(app.catalog.imviz.datasets) == ["icdm01010_drz"]
    assert "open in Imviz below" in app.catalog.look_status.value
    downloads = [r for r in mast_sandbox.requests_since(mark) if "Download" in r[1]]
    assert downloads == []
    # the remote record's file, imported from the Catalog tab: the record becomes local
    assert app.catalog.import_file.layout.display is None
    app.catalog.import_file.click()
    wait_for_threads()
    assert app.catalog.import_job.wait(timeout=120).ok
    local = mw.Catalog().get("mast:HST/product/icdm01010_drz.fits")
    assert local["path"] and local["location"] is None
    drz = mast_sandbox.path_of("mast:HST/product/icdm01010_drz.fits").read_bytes()
    assert Path(local["path"]).read_bytes() == drz


def test_nothing_selected_means_no_import(sandbox_env):
    app = App()
    app.search.select([])
    assert app.imports.button.disabled
    app.imports.start()
    assert "Select observations first" in app.imports.status.value


def test_a_destination_without_room_is_a_short_message(sandbox_env, small_disk):
    app = App()
    run_search(app.search, "Target name", "M16")
    app.search.select(["icdm01010", "icdm01020"])  # 6 files, 380 kB
    wait_for_threads()
    app.imports.dest.value = str(small_disk("100k"))
    app.imports.start()
    wait_for_threads()
    message = app.imports.status.value
    assert "mw-error" in message and "needs" in message and "free" in message
    assert "Traceback" not in message
    assert app.imports.progress.children == () and not app.imports.button.disabled


def test_the_products_of_a_15000_file_observation_and_of_1000_rows_in_few_look_ups(
    scaled_env, scaled_sandbox
):
    app = App()
    big = next(iter(scaled_sandbox.big_observations))  # 15,000 extracted spectra and more
    run_search(app.search, "Observation ID", big)
    mark = scaled_sandbox.served
    app.search.select([big])
    wait_for_threads()
    asked = [r for r in scaled_sandbox.requests_since(mark) if r[1] == "/api/v0/invoke"]
    assert len(asked) == 1
    every = scaled_sandbox.big_observations[big]
    assert every == 15_008
    summary = app.imports.summary.value
    assert f"1 observation(s) selected: 3 product(s) ticked of {every:,} listed" in summary
    assert len(app.imports.table.grid.grid_data_in) == every
    mark = scaled_sandbox.served
    app.imports.types.value = ["SCIENCE", "PREVIEW"]
    app.imports.calib.value = [2, 3, 4]  # all but 2 uncalibrated files
    app.imports.ticks.value = "All listed"
    wait_for_threads()
    assert "15,006 product(s) ticked of 15,006 listed" in app.imports.summary.value
    assert scaled_sandbox.requests_since(mark) == []  # filters never ask MAST again

    run_search(app.search, "Criteria", collection="TESS")
    chosen = list(app.search.results["obs_id"][:1000])
    mark = scaled_sandbox.served
    app.search.select(chosen)
    wait_for_threads()
    asked = [r for r in scaled_sandbox.requests_since(mark) if r[1] == "/api/v0/invoke"]
    assert len(asked) == 1000 // PRODUCT_BATCH["other"]  # batched look-ups, not one per row
    summary = app.imports.summary.value
    rows = app.search.results.set_index("obs_id").loc[chosen]
    files = sum(len(scaled_sandbox.catalogue.observation(str(o)).products) for o in rows["obsid"])
    assert files > 1_900  # two per SPOC sector, one per recorded row (its dataURL)
    assert f"1,000 observation(s) selected: {files:,} product(s) ticked of {files:,}" in summary


def test_a_hosted_page_offers_no_imviz(sandbox_env, monkeypatch, tmp_path):
    """Imviz's own Import dialog would open any file of the server: not for visitors."""
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("MASTWIDGETS_DATA_DIR")
    assert mw.import_observations(["icdm01010"], products={"mrp_only": True}).wait(120).ok
    app = App()
    app.catalog.refresh()
    wait_for_threads()
    app.catalog.show_record("mast:HST/product/icdm01010_drz.fits")
    wait_for_threads()
    assert "image of SCI" in app.catalog.look_status.value  # the quick look is for everyone
    assert app.catalog.open_imviz.layout.display == "none"
    app.catalog.open_in_imviz()  # and a click that reaches the kernel anyway does nothing
    assert app.catalog.imviz is None and app.catalog.viewer.children == ()
