"""The same App in JupyterLab, Notebook 7 and the classic notebook (nbclassic): display
App() in a cell, search, see the rows."""

import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import app_environ, assert_accessible, running, search, shot

ROOT = Path(__file__).parents[2]


class Frontend(NamedTuple):
    """How a front end opens a notebook, and where its idle kernel, first cell and that
    cell's prompt show."""

    package: str
    opening: str
    idle: str
    cell: str
    prompt: str


_LAB_LIKE = (
    ".jp-Notebook-ExecutionIndicator[data-status='idle']",
    ".jp-Cell .jp-InputArea-editor",
    ".jp-Cell .jp-InputPrompt",
)
FRONTENDS = {
    "lab": Frontend("jupyterlab", "lab/tree", *_LAB_LIKE),
    "notebook": Frontend("notebook", "notebooks", *_LAB_LIKE),
    "nbclassic": Frontend(
        "nbclassic",
        "nbclassic/notebooks",
        "#kernel_indicator_icon.kernel_idle_icon",
        ".cell .CodeMirror",
        ".cell .input_prompt",
    ),
}


def run_first_cell(page, cell, prompt):
    """Shift+Enter in the first cell until its prompt shows it ran or is queued: right
    after start-up, JupyterLab (4.6) now and then moves on to a new cell without running
    this one, its kernel indicator already idle, and now and then asks "Select Kernel"
    although its kernel is up (answered as a user does: Select, the notebook's own)."""
    for _ in range(3):
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count() and accept.first.is_visible():
            accept.first.click()
        try:
            page.locator(cell).first.click(timeout=15_000)
        except PlaywrightTimeout:  # a dialog came up meanwhile
            continue
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(
                "sel => !/\\[ \\]/.test(document.querySelector(sel).textContent)",
                arg=prompt,
                timeout=15_000,
            )
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the first cell never ran")


def the_app_works_in_a_cell(page):
    """Facets narrow the rows; a ticked observation's details show beside the results;
    the action bar adds its file to the basket; the Basket and Jobs tabs show."""
    collection = page.locator(".mw-facets input[type='checkbox']").first
    collection.check()
    page.wait_for_selector("text=/\\d+ of 5 rows \\(facets\\)/", timeout=60_000)
    page.click(".mw-facets button:has-text('Clear')")
    page.wait_for_selector("text=5 rows · results for M8", timeout=60_000)
    page.locator(".mw-results .ag-row .ag-selection-checkbox").first.click()
    page.wait_for_selector("text=/product\\(s\\) ticked of/", timeout=60_000)
    page.wait_for_selector(".mw-details .mw-footprints", timeout=60_000)
    grid = page.locator(".mw-results").bounding_box()
    assert page.locator(".mw-details").bounding_box()["x"] >= grid["x"] + grid["width"]
    page.click(".mw-action-bar button:has-text('Add to basket')")
    page.wait_for_selector("text=/added to the basket/", timeout=60_000)
    page.get_by_role("tab", name=re.compile(r"^Basket \(\d+\)$")).click()
    page.wait_for_selector("text=/file\\(s\\) in the basket/", timeout=60_000)
    page.get_by_role("tab", name="Jobs").click()
    page.wait_for_selector(".mw-jobs button:has-text('Refresh')", timeout=60_000)


@pytest.fixture(scope="module")
def jupyter_server(mast_sandbox, tmp_path_factory, free_port_module):
    """One Jupyter server for the three front ends (each is an extension of it, at its
    own path: /lab, /notebooks, /nbclassic), as `jupyter lab` or `jupyter notebook`
    would start it; yields its address and its folder."""
    home = tmp_path_factory.mktemp("jupyter")
    work = home / "lab"
    work.mkdir()
    env = app_environ(home, mast_sandbox, jupyter=True, JUPYTER_CONFIG_DIR=str(home / "cfg"))
    command = [
        *(sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root"),
        *(f"--port={free_port_module}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={work}"),
        *("--ServerApp.token=", "--ServerApp.password="),
    ]
    with running(command, env=env, name="jupyter-frontends"):
        yield f"http://127.0.0.1:{free_port_module}", work


@pytest.fixture(params=list(FRONTENDS))
def frontend(request, jupyter_server):
    """A front end on its own copy of the app notebook (autosave must not touch the
    repo; a notebook of its own is a kernel of its own); yields the URL that opens it
    and its `Frontend`."""
    frontend = FRONTENDS[request.param]
    pytest.importorskip(frontend.package)
    address, work = jupyter_server
    name = f"mast_import_app_{request.param}.ipynb"
    shutil.copy(ROOT / "notebooks" / "mast_import_app.ipynb", work / name)
    return f"{address}/{frontend.opening}/{name}", frontend


def test_the_app_in_a_notebook_cell(browser, frontend, request):
    url, front = frontend
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_selector(front.cell, timeout=120_000)
        # Run the cell only once the kernel is there, or the cell just moves to the next.
        page.wait_for_selector(front.idle, timeout=120_000)
        run_first_cell(page, front.cell, front.prompt)
        page.wait_for_selector("text=Search by", timeout=120_000)
        search(page, "M8", found="5 observations found for M8.")
        assert page.locator(".ag-center-cols-container .ag-row").count() == 5
        assert_accessible(page, f"the app in {request.node.callspec.id}", within=".mw-app")
        if request.node.callspec.id != "nbclassic":  # the points, in JupyterLab's
            the_app_works_in_a_cell(page)
    finally:
        attempt = getattr(request.node, "execution_count", 1)
        shot(page, f"{request.node.callspec.id}-{attempt}")
        page.close()
