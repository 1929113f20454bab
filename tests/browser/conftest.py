"""A real Voila server on the app notebook, driven by a real headless Chromium
(Debian's package, through Playwright). Screenshots go to test-artifacts/."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mastwidgets.app import voila_command


def pytest_collection_modifyitems(items):
    """A real browser, a real Voila and kernels on a shared 2-core machine: a scenario
    that fails is run once more (both runs must fail to fail the suite); the
    screenshots of every run stay in test-artifacts/ for the post-mortem."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.flaky(reruns=1))


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def voila(mast_sandbox, tmp_path_factory, free_port_module):
    """Voila serving the app, pointed at the session's sandbox, with its own folders."""
    home = tmp_path_factory.mktemp("voila-home")
    env = {
        **os.environ,
        **mast_sandbox.environ(),
        "MASTWIDGETS_DATA_DIR": str(home / "data"),
        "MASTWIDGETS_STATE_DIR": str(home / "jobs"),
        "MASTWIDGETS_CATALOG_PATH": str(home / "catalog.sqlite"),
    }
    env.pop("MASTWIDGETS_MONGODB_URI", None)
    env.pop("MAST_API_TOKEN", None)
    process = subprocess.Popen(
        voila_command(free_port_module),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in process.stdout:  # until Voila says where it listens
        if "running at" in line:
            break
    yield {
        "url": f"http://127.0.0.1:{free_port_module}/",
        "process": process,
        "home": home,
        "env": env,
    }
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def free_port_module():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def page(browser, voila, request):
    context = browser.new_context(viewport={"width": 1300, "height": 1500})
    page = context.new_page()
    page.console_errors = []

    def keep(message):
        location = (message.location or {}).get("url", "")
        ours = location.startswith("http://127.0.0.1") or not location
        banner = message.text.strip()  # AG Grid Enterprise's licence banner (ipyaggrid's)
        noise = "AG Grid" in banner or (banner.startswith("*") and banner.endswith("*"))
        if message.type == "error" and ours and not noise:
            page.console_errors.append(message.text)

    page.on("console", keep)
    page.goto(voila["url"], timeout=120_000)
    page.wait_for_selector("text=Search by", timeout=120_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    attempt = getattr(request.node, "execution_count", 1)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end-{attempt}.png"), full_page=True)
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
