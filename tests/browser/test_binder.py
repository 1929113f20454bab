"""The Binder link's page, as Binder serves it: binder/postBuild run in a fresh home, then
a Jupyter server started in the repository (Binder's working directory) with JupyterLab
and Notebook 7 installed next to Voila, and the link's path opened in Chromium."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import app_environ, console_errors, running, search, shot

ROOT = Path(__file__).parents[2]
BINDER_PATH = "voila/render/notebooks/mast_import_app.ipynb"  # the link's ?urlpath=


def test_binder_files_install_the_project_on_python_311():
    requirements = (ROOT / "binder" / "requirements.txt").read_text().split("\n")
    assert "." in [line.strip() for line in requirements]  # the repository root: mastwidgets
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)


@pytest.fixture
def binder_server(mast_sandbox, tmp_path, free_port):
    home = tmp_path / "home"
    home.mkdir()
    env = app_environ(
        tmp_path,
        mast_sandbox,
        HOME=str(home),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    for name in [name for name in env if name.startswith("JUPYTER_")]:
        del env[name]  # Binder's Jupyter finds its settings in the home folder
    subprocess.run([str(ROOT / "binder" / "postBuild")], env=env, cwd=ROOT, check=True)
    assert (home / ".jupyter" / "voila.json").exists()
    command = [
        *(sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root"),
        *(f"--port={free_port}", "--ServerApp.ip=127.0.0.1"),
        *("--ServerApp.token=", "--ServerApp.password="),
    ]
    with running(command, env=env, cwd=ROOT, name="binder"):
        yield f"http://127.0.0.1:{free_port}/{BINDER_PATH}"


def test_the_binder_link_opens_the_app(browser, binder_server, request):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    errors = console_errors(page)
    try:
        page.goto(binder_server, timeout=120_000)
        page.wait_for_selector("text=Search by", timeout=120_000)
        search(page, "M8", found="5 observations found for M8.")
        assert page.locator(".ag-center-cols-container .ag-row").count() == 5
        content = page.content()
        assert "from mastwidgets.ui import App" not in content, "the page must not show code"
        assert "Traceback" not in content
        assert errors == []
    finally:
        shot(page, f"binder-{getattr(request.node, 'execution_count', 1)}")
        page.close()
