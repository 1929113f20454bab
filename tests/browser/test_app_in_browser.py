"""The scenarios a scientist goes through, in the real page: the first three one after
another in one page (as a scientist would), the killed kernel in a page of its own."""

import shutil
import signal

import psutil

from mastwidgets.catalog import Catalog
from mastwidgets.sandbox import Faults

from .conftest import (
    assert_accessible,
    console_errors,
    kernels_of,
    search,
    select_rows,
    shot,
    wait_for_pictures,
)

HST_M16 = ["icdm01010", "icdm01020"]


def test_page_loads_without_errors_and_search_fills_the_grid(shared_page):
    page = shared_page
    assert page.console_errors == []
    assert page.console_warnings == []
    assert_accessible(page, "the page as it opens")
    search(page, "M16", found="13 observations found for M16.")
    assert page.locator(".ag-center-cols-container .ag-row").count() >= 10
    # Whole observation IDs are readable, JWST's long ones included (nothing cut off).
    for column in ("obs_id", "obs_collection", "instrument_name"):
        cells = page.locator(f".ag-center-cols-container .ag-cell[col-id='{column}']")
        cut = cells.evaluate_all(
            "cells => cells.filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent)"
        )
        assert cut == [], column
    shot(page, "01-search")
    # Facets beside the grid: ticking HST leaves HST's rows, the counts follow; a JWST
    # row ticked before is unticked (what is imported is what is seen)
    select_rows(page, ["jw02739-o001_t001_nircam_clear-f090w"])
    page.wait_for_selector("text=1 observation(s) selected", timeout=60_000)
    page.get_by_role("checkbox", name="HST (4)", exact=True).click()
    page.wait_for_selector("text=4 of 13 rows (facets)", timeout=60_000)
    page.wait_for_selector("text=Select observations in the table", timeout=60_000)
    missions = ".mw-results .ag-center-cols-container .ag-row [col-id='obs_collection']"
    page.wait_for_function(
        f"() => [...document.querySelectorAll({missions!r})].map(c => c.textContent.trim())"
        ".join() === 'HST,HST,HST,HST'",
        timeout=60_000,
    )
    page.get_by_role("checkbox", name="WFC3/IR (2)", exact=True).wait_for(timeout=60_000)
    shot(page, "01-facets")
    assert_accessible(page, "the search tab with facets ticked")
    page.click(".mw-facets button:has-text('Clear')")
    page.wait_for_selector("text=13 rows · results for M16", timeout=60_000)
    assert page.locator(missions).count() >= 10
    assert "Traceback" not in page.content()
    assert page.console_errors == [] and page.console_warnings == []


def test_bad_target_gets_a_friendly_message(shared_page):
    page = shared_page
    search(page, "Nowhere Nebula")
    message = page.wait_for_selector(".mw-error", timeout=60_000).inner_text()
    assert "does not know the target 'Nowhere Nebula'" in message
    shot(page, "02-bad-target")
    assert "Traceback" not in page.content()


def test_select_import_progress_done_files_and_records(shared_page, voila, mast_sandbox):
    page = shared_page
    for obs_id in HST_M16:  # a rerun imports them again, as the first run did
        shutil.rmtree(voila["home"] / "data" / "HST" / obs_id, ignore_errors=True)
    search(page, "M16", found="observations found")
    select_rows(page, HST_M16)
    page.wait_for_selector("text=2 observation(s) selected: 2 product(s) ticked", timeout=60_000)
    page.click("button:has-text('All listed')")  # MAST's recommended files, then every one
    page.wait_for_selector("text=12 product(s) ticked of 12 listed", timeout=60_000)
    page.locator(".mw-products .ag-row", has_text="icdm01010_drz.png").locator(
        ".ag-selection-checkbox"
    ).click()
    page.locator(".mw-products .ag-row", has_text="icdm01020_drz.png").locator(
        ".ag-selection-checkbox"
    ).click()
    page.wait_for_selector("text=10 product(s) ticked of 12 listed", timeout=60_000)
    shot(page, "03-selected")
    page.click("button:has-text('HTTP only')")  # the sandbox throttles HTTP, not S3
    # Slow enough to watch the bars move on a busy machine: ~4 s a file (at 40 kB/s, 1.6 s,
    # the page once went from queued to done between two of its frames).
    mast_sandbox.set_faults(Faults(throttle=16_000))
    try:
        page.click("button:has-text('Import')")
        page.wait_for_selector(".mw-file-status[data-status='downloading']", timeout=60_000)
        page.wait_for_selector(r"text=/ [1-9][0-9.]* kB \/ 63.4 kB/", timeout=60_000)
        # A file row with its speed and ETA, as the engine measures them.
        page.wait_for_selector(r"text=/63.4 kB · [0-9.]+ kB\/s · ETA 0m0[0-9]s/", timeout=60_000)
        # The job's own line in the action bar, in view without scrolling: its total
        line = page.locator(".mw-action-bar .mw-job-line")
        line.filter(has_text="downloading").wait_for(timeout=60_000)
        assert "of 10 files" in line.inner_text() and line.is_visible()
        # The bars, in view. In one script: a row's status is redrawn with each update, so
        # a handle found first may be gone by the time it is scrolled (that failed 1 in 10).
        page.evaluate(
            "() => [...document.querySelectorAll('.mw-file-status')].pop().scrollIntoView()"
        )
        shot(page, "04-downloading")
        page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
    finally:
        mast_sandbox.set_faults(None)
    statuses = page.locator(".mw-file-status").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["done"] * 10
    shot(page, "05-done")
    data = voila["home"] / "data" / "HST"
    files = sorted(data.rglob("*.fits"))
    assert len(files) == 10 and not list(data.rglob("*.png"))
    for path in files:
        assert (
            path.read_bytes() == mast_sandbox.path_of(f"mast:HST/product/{path.name}").read_bytes()
        )
    with Catalog(path=voila["home"] / "catalog.sqlite") as catalog:
        assert {r["obs_id"] for r in catalog.records()} == set(HST_M16)
        assert catalog.count() == 10
    page.click("text=Catalog")
    page.wait_for_selector("text=10 file(s) in the catalog", timeout=60_000)
    shot(page, "06-catalog")
    assert page.console_errors == []
    # Nor a warning, after the page's searches and import: its connection to its kernel
    # was never lost ("Connection lost, reconnecting": each page's, every 30 s, once).
    assert page.console_warnings == []


def test_killed_kernel_then_reload_and_resume(page, browser, voila, mast_sandbox):
    shutil.rmtree(voila["home"] / "data" / "HST" / "icdm02010", ignore_errors=True)  # a rerun
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm02010"])
    page.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    page.click("button:has-text('All listed')")
    page.wait_for_selector("text=6 product(s) ticked of 6 listed", timeout=60_000)
    page.click("button:has-text('HTTP only')")
    mast_sandbox.set_faults(Faults(throttle=10_000))  # ~6 s per file: time to kill
    try:
        page.click("button:has-text('Import')")
        page.wait_for_selector(".mw-file-status[data-status='downloading']", timeout=120_000)
        kernels = kernels_of(voila["process"])
        assert kernels
        for kernel in kernels:
            kernel.send_signal(signal.SIGKILL)
        psutil.wait_procs(kernels, timeout=30)
    finally:
        mast_sandbox.set_faults(None)
    page.reload()
    page.wait_for_selector("text=Search by", timeout=120_000)
    page.click("text=Jobs")
    row = page.wait_for_selector(".mw-job[data-status='interrupted']", timeout=60_000)
    shot(page, "07-interrupted")
    assert "icdm02010" in row.inner_text()
    page.click("button:has-text('Resume')")
    page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
    shot(page, "08-resumed")
    assert_accessible(page, "the Jobs tab")
    files = sorted((voila["home"] / "data" / "HST" / "icdm02010").glob("*.fits"))
    assert len(files) == 5  # and the preview PNG
    for path in files:
        assert (
            path.read_bytes() == mast_sandbox.path_of(f"mast:HST/product/{path.name}").read_bytes()
        )
    assert not list((voila["home"] / "data").rglob("*.part"))


def test_a_link_opens_the_same_search_and_copy_link_copies_the_address(browser, voila):
    """The page's address follows the search; opening it runs the search again; "Copy
    link" puts the address on the clipboard. The address holds no token or folder."""
    context = browser.new_context(
        viewport={"width": 1300, "height": 1200}, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = context.new_page()
        errors = console_errors(page)
        page.goto(voila["url"] + "?by=target&q=M16", timeout=120_000)
        page.wait_for_selector("text=13 observations found for M16.", timeout=120_000)
        assert page.locator("input[placeholder='M8']").input_value() == "M16"
        search(page, "M8", found="5 observations found for M8.")
        page.wait_for_function("() => location.search.includes('q=M8')", timeout=60_000)
        address = page.evaluate("location.href")
        assert "by=target" in address and "radius=" in address
        assert "token" not in address.lower() and "data" not in address.lower()
        page.click("button:has-text('Copy link')")
        page.wait_for_selector("text=Link copied", timeout=60_000)
        page.wait_for_function(
            "async (want) => (await navigator.clipboard.readText()) === want",
            arg=address,
            timeout=10_000,
        )
        # A colleague opens the copied address: the same search, in a page of their own.
        # Their connection is slow: the tables' code (ipyaggrid's) has not arrived when
        # the search ends. The form works without it; the rows wait and are then drawn.
        other = context.new_page()
        held = []
        code = "**/labextensions/ipyaggrid/static/remoteEntry.*.js"
        other.route(code, lambda route: held.append(route))
        with other.expect_request(code, timeout=120_000):
            other.goto(address, timeout=120_000)
        other.wait_for_selector("text=5 observations found for M8.", timeout=120_000)
        assert other.locator("input[placeholder='M8']").input_value() == "M8"
        assert len(held) == 1 and other.locator(".ag-root").count() == 0
        assert other.locator(".mw-results").inner_text() == "Loading the table\u2026"
        held[0].continue_()
        rows = other.locator(".mw-results .ag-center-cols-container .ag-row")
        rows.nth(4).wait_for(timeout=60_000)
        assert rows.count() == 5
        assert other.locator(".mw-results .ag-row", has_text="jw04567-o001").count() == 1
        assert errors == []
    finally:
        context.close()


#: Where the keyboard's focus is: "TAG class | label", for messages.
FOCUSED = """() => { const e = document.activeElement; if (!e) return null;
  const label = e.getAttribute('aria-label') || e.placeholder || (e.innerText || '').slice(0, 40);
  return `${e.tagName} ${e.className} | ${label}`; }"""


def tab_until(page, test: str, what: str, limit: int = 200) -> int:
    """Press Tab until ``test`` (a JS function of the focused element) is true; how many."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({test}); }}"):
            return presses
    raise AssertionError(f"{what}: not reached in {limit} Tabs; at {page.evaluate(FOCUSED)}")


def test_search_tick_and_import_with_the_keyboard_alone(page, voila, mast_sandbox):
    """No mouse: Tab to the target box, type, Enter; Tab into the results, arrows to the
    row, Space ticks it; Tab to Import, Enter; the file arrives."""
    shutil.rmtree(voila["home"] / "data" / "HST" / "icdm02020", ignore_errors=True)  # a rerun
    page.set_viewport_size({"width": 1400, "height": 900})  # a laptop's screen
    page.wait_for_selector("input[placeholder='M8']", timeout=120_000)
    tab_until(page, "e.placeholder === 'M8'", "the target box")
    page.keyboard.type("M16")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=13 observations found for M16.", timeout=120_000)
    tab_until(page, "e.closest('.mw-results .ag-root')", "the results grid")
    for _ in range(20):  # down the rows until the one wanted has the focus
        page.keyboard.press("ArrowDown")
        row = page.evaluate("() => (document.activeElement.closest('.ag-row') || {}).innerText")
        if row and "icdm02020" in row:
            break
    page.keyboard.press("Space")
    page.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    # The work layout at 1400 x 900: the observation's details beside the results, and
    # the action bar (Import) in view without scrolling.
    wait_for_pictures(page)
    shot(page, "layout-1400x900")
    grid = page.locator(".mw-results").bounding_box()
    details = page.locator(".mw-details").bounding_box()
    assert details["x"] >= grid["x"] + grid["width"] and details["y"] < grid["y"] + 50
    for column in ("obs_id", "obs_collection", "instrument_name"):  # whole, beside both
        cells = page.locator(f".mw-results .ag-center-cols-container [col-id='{column}']")
        cut = cells.evaluate_all("cs => cs.filter(c => c.scrollWidth > c.clientWidth).length")
        assert cut == 0, column
    facets = page.locator(".mw-facets").evaluate("e => getComputedStyle(e).overflowY")
    assert facets == "auto"  # a long facet column scrolls in its own box, over nothing
    for button in ("Import", "Add to basket", "Download script"):
        box = page.locator(f".mw-action-bar button:text-is('{button}')").bounding_box()
        assert box and box["y"] + box["height"] <= 900, (button, box)
    presses = tab_until(page, "(e.innerText || '').trim() === 'Import'", "the Import button")
    assert presses < 60  # Tab leaves a grid at once: it does not visit every cell
    page.keyboard.press("Enter")
    page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
    (imported,) = (voila["home"] / "data" / "HST" / "icdm02020").glob("*.fits")
    assert (
        imported.read_bytes()
        == mast_sandbox.path_of(f"mast:HST/product/{imported.name}").read_bytes()
    )
    assert page.console_errors == []


def test_a_program_search_shows_its_summary_and_offers_its_import(page):
    page.click("button:text-is('Program')")
    box = page.locator("input[placeholder='JWST 2739']")
    box.fill("JWST 2739")
    box.press("Enter")
    page.wait_for_selector("text=9 observations found for program JWST 2739", timeout=60_000)
    summary = page.locator(".mw-program-summary").inner_text()
    assert "JWST program 2739: 9 observation(s), 322 file(s)" in summary
    assert "guide-star level 2\t160" in summary and "NIRCAM/IMAGE F090W" in summary
    assert page.locator(".ag-center-cols-container .ag-row").count() == 9
    page.locator("button:text-is('Import program')").wait_for(timeout=60_000)
    page.wait_for_selector("text=Whole program: JWST 2739", timeout=60_000)
    shot(page, "program")
    assert page.console_errors == []


def test_a_mission_search_by_the_missions_keywords(page):
    page.click("button:text-is('Mission')")
    page.wait_for_selector("text=55 HST keywords", timeout=60_000)
    page.locator(".mw-mission-keyword select").select_option(label="sci_spec_1234 · string")
    page.wait_for_selector("text=The filter(s) or grating(s) used", timeout=60_000)
    criteria = "sci_pep_id = 13926\nsci_spec_1234 = F657N, F110W"
    page.locator(".mw-mission-keywords textarea").fill(criteria)
    box = page.locator("input[placeholder='M16, 274.7 -13.8, or nothing (keywords only)']")
    box.fill("M16")
    box.press("Enter")
    page.wait_for_selector("text=2 datasets found for HST datasets near M16", timeout=60_000)
    assert page.locator(".ag-center-cols-container .ag-row").count() == 2
    assert page.locator(".mw-results .ag-row", has_text="ICDM02010").count() == 1
    shot(page, "mission")
    assert page.console_errors == []
