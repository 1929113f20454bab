"""The app's Program search: a whole program's observations and its summary, its
import ready for the pipeline, and a Sync of that import from the Jobs tab."""

import mastwidgets as mw
from mastwidgets.imports import INDEX, JobWatch
from mastwidgets.ui import App

from .test_import_flow import wait_for_threads
from .test_search_panel import run_search


def test_a_program_search_import_and_sync(sandbox_env, tmp_path):
    app = App()
    run_search(app.search, "Program", "jwst 02739")
    assert len(app.search.grid.grid_data_in) == 9
    assert "9 observations found for program jwst 02739" in app.search.status.value
    # the exposure types (MAST's mission search says them) are a facet of the program
    exposure = app.search.facets.groups["exp_type"]
    assert exposure.layout.display is None
    labels = [b.description for b in exposure.boxes if b.layout.display is None]
    assert labels == ["NRC_IMAGE (6)", "MIR_IMAGE (3)"]
    summary = app.search.program_summary.value
    assert "JWST program 2739</b>: 9 observation(s), 322 file(s)" in summary
    assert (
        "guide-star level 2</td><td style='padding:1px 10px 1px 0;text-align:right'>160" in summary
    )
    imports = app.imports
    assert imports.program_row.layout.display is None
    assert "322 files" in imports.program_title.value

    imports.dest.value = str(tmp_path / "pillars")
    imports.program_levels.value = (3,)
    imports.start_program()
    imports._program_thread.join(timeout=60)
    assert "of program 2739 started" in imports.status.value, imports.status.value
    job = app.jobs._live[next(iter(app.jobs._live))]
    assert job.wait(timeout=60).ok
    assert (tmp_path / "pillars" / INDEX).read_text().count("True") == 9
    assert not list((tmp_path / "pillars").rglob("*_rate.fits"))  # level 2: not asked

    (progress,) = [j for j in JobWatch().poll() if j.id == job.id]
    assert progress.program["program"] == "2739" and progress.program["levels"] == [3]
    labels = [b.description for b in app.jobs.buttons_for(progress)]
    assert "Sync" in labels
    app.jobs.sync(progress)
    app.jobs._sync_thread.join(timeout=60)
    assert "0 new, 0 reprocessed, 0 withdrawn (kept)" in app.jobs.status.value
    wait_for_threads()

    run_search(app.search, "Target name", "M8")  # another search: no program offered
    assert imports.program_row.layout.display == "none" and not app.search.program_summary.value
    assert app.search.facets.groups["exp_type"].layout.display == "none"  # nothing to say


def test_a_program_query_of_one_word_says_what_to_give(sandbox_env):
    panel = App().search
    run_search(panel, "Program", "2739")
    assert "Give a mission and a program ID, e.g. &#x27;JWST 2739&#x27;" in panel.status.value
    run_search(panel, "Program", "JWST 99999")
    assert "no JWST observations of program 99999" in panel.status.value
    assert mw.search_program  # the API the panel calls
