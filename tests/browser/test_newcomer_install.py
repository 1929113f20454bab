"""mastwidgets installed as a newcomer installs it, in an environment of its own (never
the test environment): ``./scripts/app.sh --sandbox`` in a copy of the checkout, word
for word (pip builds the wheel and installs it with its dependencies into ``.venv``).
It serves a page that works in Chromium, three visitors in a row get it with a quiet
console, the README's commands run in that environment, and its kernel shows the app.
The wheel ``pip wheel`` builds carries what the app needs beside its code. pip installs
from the wheelhouse scripts/test.sh filled (no index: the suite reaches nothing beyond
loopback)."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest
import requests

import mastwidgets

from ..test_cli import start_sandbox
from .conftest import ARTIFACTS, open_app, search, select_rows, shot

ROOT = Path(__file__).parents[2]
#: What the app prints once it is installed: the sandbox's address and the page's, no more.
QUIET_START = re.compile(
    r"^(MAST sandbox: http://127\.0\.0\.1:\d+ \(S3 http://127\.0\.0\.1:\d+\)"
    r"|mastwidgets app: http://127\.0\.0\.1:\d+/ \(Ctrl-C stops it\))$"
)


def wheelhouse() -> Path:
    found = Path(
        os.environ.get("MASTWIDGETS_WHEELHOUSE") or Path(sys.prefix, "share", "wheelhouse")
    )
    assert (found / ".made-for").is_file(), f"no wheelhouse at {found}: run scripts/test.sh once"
    return found


def newcomer_environ(home: Path) -> dict[str, str]:
    """A shell of a newcomer's: none of the suite's settings, an empty home, pip taking
    packages from the wheelhouse only. Their Jupyter has a kernel named "python3" of
    another environment, which would fail at once: the app must never start it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MASTWIDGETS_", "PIP_", "JUPYTER", "VIRTUAL_ENV", "UV_"))
        and key not in ("MAST_API_TOKEN", "PYTHONPATH", "AWS_ENDPOINT_URL_S3")
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "share"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse()),
        PIP_CONFIG_FILE=os.devnull,
        PATH=os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix)
        ),
    )
    for folder in ("share", "cache", "config"):
        (home / folder).mkdir(parents=True)
    decoy = home / "share" / "jupyter" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    spec = {
        "argv": ["/bin/false", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
    }
    (decoy / "kernel.json").write_text(json.dumps(spec))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class App:
    """A started app's process: its whole output kept (a log in test-artifacts/ too)."""

    def __init__(self, command, *, env, cwd, name):
        self.log = ARTIFACTS / f"{name}.log"
        ARTIFACTS.mkdir(exist_ok=True)
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.url = None
        with self.log.open("w") as log:
            for line in self.process.stdout:
                log.write(line)
                self.lines.append(line.rstrip("\n"))
                if found := re.match(r"mastwidgets app: (http://\S+)", line):
                    self.url = found.group(1)
                    break
        assert self.url, f"the app did not start: see {self.log}"
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        with self.log.open("a") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                self.lines.append(line.rstrip("\n"))

    def output_after(self, marker: str) -> list[str]:
        return self.lines[next(i for i, line in enumerate(self.lines) if marker in line) + 1 :]

    def stop(self):
        """Ctrl-C, as its user would stop it; its exit code."""
        if self.process.poll() is not None:
            return self.process.returncode
        os.killpg(self.process.pid, 2)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.reader.join(timeout=10)
            if self.process.poll() is None:
                os.killpg(self.process.pid, 9)


def copy_checkout(where: Path) -> Path:
    """The project's files as a fresh clone has them (no environments, no build output)."""
    ignored = shutil.ignore_patterns(
        ".venv*", ".git", "test-artifacts", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
    )
    return Path(shutil.copytree(ROOT, where, ignore=ignored, symlinks=True))


@pytest.fixture(scope="module")
def readme_app(tmp_path_factory):
    """``./scripts/app.sh --sandbox`` in a copy of the checkout, as the README says."""
    base = tmp_path_factory.mktemp("readme")
    checkout = copy_checkout(base / "mastwidgets")
    env = newcomer_environ(base / "home")
    command = ["./scripts/app.sh", "--sandbox", "--no-browser", f"--port={free_port()}"]
    app = App(command, env=env, cwd=checkout, name="newcomer-app-sh")
    yield {"app": app, "env": env, "venv": checkout / ".venv", "home": base / "home"}
    app.stop()


def import_one_file(browser, installed, request):
    """In Chromium: the search box is drawn, M16 shows rows, one file is imported."""
    page = open_app(browser, installed["app"].url)
    try:
        search(page, "M16", found="13 observations found for M16.")
        assert page.locator(".mw-results .ag-center-cols-container .ag-row").count() >= 10
        select_rows(page, ["icdm02010"])
        page.wait_for_selector(
            "text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000
        )
        page.click("button:has-text('Import')")
        page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
        shot(page, f"{request.node.name}-done")
        assert page.console_errors == []
        assert "Traceback" not in page.content()
    finally:
        page.context.close()
    data = installed["home"] / "share" / "mastwidgets" / "data"
    (imported,) = data.rglob("icdm02010*.fits")
    assert imported.stat().st_size > 0 and not list(data.rglob("*.part"))
    return imported


def test_three_visitors_in_a_row_get_the_page_with_a_quiet_console(browser, readme_app):
    """Three strangers open the installed app's page one after another, each as soon as
    the one before has it (the app keeps three kernels pre-heated): each gets the app
    drawn, and the browser's console says nothing, no error and no warning (with Voila
    0.5.13 and ipywidgets 8.1.9 each load logged 13 "Unsatisfied version" warnings)."""
    pages = []
    try:
        for _ in range(3):
            page = open_app(browser, readme_app["app"].url)
            page.wait_for_selector("input[placeholder='M8']", state="visible", timeout=60_000)
            pages.append(page)
        for page in pages:
            assert page.console_errors == [] and page.console_warnings == []
            assert "Traceback" not in page.content()
    finally:
        for page in pages:
            page.context.close()


def test_readme_first_command_serves_a_working_page(browser, readme_app, request):
    app = readme_app["app"]
    imported = import_one_file(browser, readme_app, request)
    # Byte for byte what the app's own sandbox serves for it.
    sandbox = re.search(r"MAST sandbox: (\S+)", "\n".join(app.lines)).group(1)
    served = requests.get(
        f"{sandbox}/api/v0.1/Download/file",
        params={"uri": f"mast:HST/product/{imported.name}"},
        timeout=60,
    )
    assert served.status_code == 200 and served.content == imported.read_bytes()
    # The app's kernel is installed where Jupyter finds it (JupyterLab's launcher).
    kernels = subprocess.run(
        [readme_app["venv"] / "bin" / "jupyter", "kernelspec", "list"],
        env=readme_app["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "mastwidgets" in kernels.stdout, kernels.stdout + kernels.stderr
    # A quiet start and a quiet run: the two addresses, nothing else (no "not trusted",
    # no "Native kernel ... not available", no refused favicon), however many visitors.
    said = app.output_after("mastwidgets: starting the app")
    assert len(said) == 2 and all(QUIET_START.match(line) for line in said), said
    assert app.stop() == 0


def test_the_built_wheel_carries_the_app_s_page_kernel_and_sandbox(tmp_path):
    """``pip wheel`` of a fresh checkout: beside the code, the app's notebook, its page
    template, its kernel (in the package and where Jupyter looks) and the sandbox's
    recorded answers; no tests and nothing of the checkout's own."""
    checkout = copy_checkout(tmp_path / "mastwidgets")
    env = newcomer_environ(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(tmp_path / "dist"), str(checkout)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("mastwidgets-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "mastwidgets/ui/notebooks/mast_import_app.ipynb",
        "mastwidgets/ui/jupyter/voila/templates/mastwidgets/conf.json",
        "mastwidgets/ui/jupyter/voila/templates/mastwidgets/index.html.j2",
        "mastwidgets/ui/jupyter/kernels/mastwidgets/kernel.json",
        f"mastwidgets-{mastwidgets.__version__}.data/data/share/jupyter/kernels/mastwidgets/kernel.json",
        "mastwidgets/sandbox/data/columnsconfig_caom.json",
        "mastwidgets/py.typed",
    } <= names
    recordings = {p.name for p in (ROOT / "mastwidgets/sandbox/data/recordings").glob("*.json")}
    assert recordings and all(
        f"mastwidgets/sandbox/data/recordings/{name}" in names for name in recordings
    )
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "docs/", "scripts/"))]
    # The app's notebook as signed: the one the page serves is the one in the checkout.
    notebook = zipfile.ZipFile(wheel).read("mastwidgets/ui/notebooks/mast_import_app.ipynb")
    assert notebook == (ROOT / "mastwidgets/ui/notebooks/mast_import_app.ipynb").read_bytes()


def run(installed, *args, **kwargs):
    return subprocess.run(
        [installed["venv"] / "bin" / "mastwidgets", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_readme_commands_in_the_newcomers_environment(readme_app, tmp_path):
    """`mastwidgets sandbox`, then search, products, import, jobs and catalog against it."""
    sandbox, exported, _ = start_sandbox(
        [readme_app["venv"] / "bin" / "mastwidgets"], env=readme_app["env"]
    )
    try:
        env = {**readme_app["env"], **exported}
        found = run(readme_app, "search", "M16", env=env)  # the first try of most
        assert found.returncode == 0 and "13 observation(s)" in found.stdout, found.stderr
        listed = run(readme_app, "products", "icdm01010", env=env)
        assert listed.returncode == 0 and "icdm01010_drz.fits" in listed.stdout, listed.stderr
        imported = run(readme_app, "import", "icdm01010", "--dest", str(tmp_path), env=env)
        assert imported.returncode == 0 and ": done;" in imported.stdout, (
            imported.stderr + imported.stdout
        )
        assert list(tmp_path.rglob("icdm01010_drz.fits"))
        jobs = run(readme_app, "jobs", env=env)
        assert jobs.returncode == 0 and "icdm01010" in jobs.stdout, jobs.stderr
        catalog = run(readme_app, "catalog", "--obs-id", "icdm01010", env=env)
        assert catalog.returncode == 0 and "icdm01010_drz.fits" in catalog.stdout, catalog.stderr
        # Reading in place (the app's "Look in place") needs nothing more either.
        code = (
            "from mastwidgets import mast\n"
            "with mast.open_product('mast:HST/product/icdm01010_drz.fits') as hdul:\n"
            "    print(hdul['SCI'].header['NAXIS'])"
        )
        look = subprocess.run(
            [readme_app["venv"] / "bin" / "python", "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert look.returncode == 0 and look.stdout.strip() == "2", look.stderr
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=60)


def test_app_in_a_kernel_of_the_newcomers_environment(readme_app):
    """`from mastwidgets import App; App()` in a notebook's kernel ("mastwidgets", the
    app notebook's) of that environment: the app is displayed, no error."""
    code = textwrap.dedent(
        """
        from jupyter_client.manager import start_new_kernel

        km, kc = start_new_kernel(kernel_name="mastwidgets")
        shown = []
        try:
            reply = kc.execute_interactive(
                "from mastwidgets import App; App()", timeout=120,
                output_hook=lambda msg: shown.append(msg["msg_type"]) if (
                    msg["msg_type"] == "error"
                    or "application/vnd.jupyter.widget-view+json"
                    in msg["content"].get("data", {})
                ) else None,
            )
            print(reply["content"]["status"], shown)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        """
    )
    done = subprocess.run(
        [readme_app["venv"] / "bin" / "python", "-c", code],
        env=readme_app["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok ['execute_result']", done.stdout + done.stderr
