"""The app with a search the archive's size: 20,000 rows in the real page."""

import json

import pytest

from mastwidgets.app import voila_command

from .conftest import app_environ, running, shot


@pytest.fixture(scope="module")
def scaled_voila(scaled_sandbox, tmp_path_factory, free_port_module):
    home = tmp_path_factory.mktemp("voila-scaled")
    env = app_environ(home, scaled_sandbox)
    with running(voila_command(free_port_module), env=env, name="voila-scaled"):
        yield f"http://127.0.0.1:{free_port_module}/"


def exposures(page) -> list[float]:
    cells = page.locator(".ag-center-cols-container .ag-row .ag-cell[col-id='t_exptime']")
    rows = page.locator(".ag-center-cols-container .ag-row")
    order = rows.evaluate_all(
        "rows => rows.map(r => [Number(r.getAttribute('row-index')),"
        " Number(r.querySelector(\"[col-id='t_exptime']\").textContent)])"
    )
    assert cells.count() == len(order) > 5
    return [value for _, value in sorted(order)]


def test_a_20000_row_result_sorts_filters_and_selects_500_rows(browser, scaled_voila):
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    page = context.new_page()
    received, sent, picks = [], [], []

    def watch(ws):
        ws.on("framereceived", lambda f: received.append(len(f)))
        ws.on("framesent", lambda f: sent.append(len(f)))
        ws.on("framesent", lambda f: picks.append(f) if "picked" in str(f) else None)

    page.on("websocket", watch)
    page.goto(scaled_voila, timeout=120_000)
    page.wait_for_selector("text=Search by", timeout=120_000)
    page.click("button:has-text('Criteria')")
    page.select_option(".mw-criteria select:near(:text('Mission'))", "HST")  # the form shown
    received.clear(), sent.clear()  # from here: the search's messages
    page.click("button:has-text('Search')")
    found = page.wait_for_selector("text=/[0-9,]+ observations found/", timeout=120_000)
    rows = int(found.inner_text().split()[0].replace(",", ""))
    assert rows >= 20_000
    page.wait_for_selector(f"text={rows:,} rows", timeout=60_000)
    page.wait_for_selector(".ag-center-cols-container .ag-row", timeout=60_000)
    # The rows cross the wire once, compressed, with the grid's 10 columns only (not the
    # 36 of a search result): about 30 bytes a row. Nothing goes back: no copy of the
    # whole grid uploaded, nor echoed down again (2.4 MB more before).
    biggest = max(received)
    assert 10 * rows < biggest < 60 * rows, biggest
    assert sorted(received)[-2] < 5 * rows and max(sent) < 20_000, (received, sent)

    page.click(".ag-header-cell[col-id='t_exptime'] .ag-header-cell-label")
    page.wait_for_function(
        "() => document.querySelector(\".ag-header-cell[col-id='t_exptime']\")"
        ".getAttribute('aria-sort') === 'ascending'",
        timeout=60_000,
    )
    shown = exposures(page)
    assert shown == sorted(shown) and shown[0] <= 300.5  # HST's shortest exposures first

    page.fill(".ag-theme-balham input, input[placeholder*='ilter']", "F555W")
    page.wait_for_function(
        "() => [...document.querySelectorAll(\".ag-center-cols-container [col-id='filters']\")]"
        ".every(c => c.textContent === 'F555W')",
        timeout=60_000,
    )
    shown = exposures(page)
    assert shown == sorted(shown)  # still sorted once filtered
    page.locator(".ag-header-cell[col-id='target_name'] .ag-header-select-all").click()
    summary = page.wait_for_selector(
        "text=/[0-9,]+ observation\\(s\\) selected: [0-9,]+ product\\(s\\)/", timeout=120_000
    )
    selected = int(summary.inner_text().split()[0].replace(",", ""))
    assert 500 <= selected < 1_000  # the rows the filter left, no more
    # told to the kernel once, as positions (ipyaggrid's own report sent every selected
    # row's columns once per row ticked: n messages, n^2 rows)
    assert len(picks) == 1 and len(picks[0]) < 20 * selected, [len(p) for p in picks]
    shot(page, "scale-20000-rows")
    assert "Traceback" not in page.content()
    print(json.dumps({"rows": rows, "largest_message": biggest, "selected": selected}))
    assert max(sent) < 100 * selected  # the selected rows, up once
    context.close()
