"""The same App in JupyterLab and in Notebook 7: display App() in a cell, search, see
the rows."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import running, shot

ROOT = Path(__file__).parents[2]


@pytest.fixture(params=["lab", "notebook"])
def jupyterlab(request, mast_sandbox, tmp_path, free_port):
    """JupyterLab or Notebook on a copy of the app notebook (autosave must not touch the
    repo); yields the URL that opens it."""
    pytest.importorskip("jupyterlab" if request.param == "lab" else "notebook")
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "mast_import_app.ipynb", work / "mast_import_app.ipynb")
    env = {
        **os.environ,
        **mast_sandbox.environ(),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "MASTWIDGETS_DATA_DIR": str(tmp_path / "data"),
        "MASTWIDGETS_STATE_DIR": str(tmp_path / "jobs"),
        "MASTWIDGETS_CATALOG_PATH": str(tmp_path / "catalog.sqlite"),
    }
    command = [
        *(sys.executable, "-m", "jupyter", request.param, "--no-browser", "--allow-root"),
        *(f"--port={free_port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={work}"),
        *("--ServerApp.token=", "--ServerApp.password="),
    ]
    opening = "lab/tree" if request.param == "lab" else "notebooks"
    with running(command, env=env, name=f"jupyter-{request.param}"):
        yield f"http://127.0.0.1:{free_port}/{opening}/mast_import_app.ipynb"


def test_the_app_in_a_notebook_cell(browser, jupyterlab, request):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        page.goto(jupyterlab, timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=120_000)
        # Run the cell only once the kernel is there, or Lab just moves to a new cell.
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
        )
        page.click(".jp-Cell .jp-InputArea-editor")
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector("text=Search by", timeout=120_000)
        page.fill("input[placeholder='M8']", "M8")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=5 observations found for M8.", timeout=60_000)
        assert page.locator(".ag-center-cols-container .ag-row").count() == 5
    finally:
        attempt = getattr(request.node, "execution_count", 1)
        shot(page, f"{request.node.callspec.id}-{attempt}")
        page.close()
