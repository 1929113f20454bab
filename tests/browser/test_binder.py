"""The Binder link's page, as Binder serves it: binder/postBuild run in a fresh home, then
a Jupyter server started in the repository (Binder's working directory) through
binder/start, with JupyterLab and Notebook 7 installed next to Voila, and the link's path
opened in Chromium."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import HOSTED_NAME, app_environ, console_errors, running, search, shot

ROOT = Path(__file__).parents[2]
BINDER_PATH = "voila/render/notebooks/mast_import_app.ipynb"  # the link's ?urlpath=


def test_binder_files_install_the_project_on_python_311():
    requirements = (ROOT / "binder" / "requirements.txt").read_text().split("\n")
    assert "." in [line.strip() for line in requirements]  # the repository root: mastwidgets
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)
    assert os.access(ROOT / "binder" / "start", os.X_OK)


@pytest.fixture
def binder_server(mast_sandbox, tmp_path, free_port):
    home = tmp_path / "home"
    home.mkdir()
    env = app_environ(
        tmp_path,
        mast_sandbox,
        jupyter=True,
        HOME=str(home),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    for name in [name for name in env if name.startswith("JUPYTER_")]:
        del env[name]  # Binder's Jupyter finds its settings in the home folder
    for name in [name for name in env if name.startswith("MASTWIDGETS_DATA_")]:
        del env[name]  # binder/start chooses where the page writes
    subprocess.run([str(ROOT / "binder" / "postBuild")], env=env, cwd=ROOT, check=True)
    assert (home / ".jupyter" / "voila.json").exists()
    command = [
        str(ROOT / "binder" / "start"),
        *(sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root"),
        *(f"--port={free_port}", "--ServerApp.ip=127.0.0.1"),
        *("--ServerApp.token=", "--ServerApp.password="),
        "--ServerApp.allow_remote_access=True",  # served under a name, as Binder's are
    ]
    with running(command, env=env, cwd=ROOT, name="binder"):
        yield f"http://{HOSTED_NAME}:{free_port}/{BINDER_PATH}", home


def test_the_binder_link_opens_the_app(browser, binder_server, request):
    url, home = binder_server
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    errors = console_errors(page)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(url, timeout=120_000)
        page.wait_for_selector("text=Search by", timeout=120_000)
        search(page, "M8", found="5 observations found for M8.")
        assert page.locator(".ag-center-cols-container .ag-row").count() == 5
        # binder/start's data root is in force: the page saves under ~/mast-data only.
        assert page.locator("text=Save to data/").count() == 1
        assert (home / "mast-data").is_dir()
        # The page, served by Jupyter's own Voila extension, loads nothing from elsewhere.
        host = url.split("/")[2]
        assert [
            u
            for u in requests
            if not u.startswith(("data:", "blob:", f"http://{host}/", f"ws://{host}/"))
        ] == []
        content = page.content()
        assert "from mastwidgets.ui import App" not in content, "the page must not show code"
        assert "Traceback" not in content
        assert errors == []
    finally:
        shot(page, f"binder-{getattr(request.node, 'execution_count', 1)}")
        page.close()
