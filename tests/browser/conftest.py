"""A real Voila server on the app notebook, driven by a real headless Chromium
(Debian's package, through Playwright). Screenshots go to test-artifacts/."""

import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from mastwidgets.app import voila_command, voila_environ


def pytest_collection_modifyitems(items):
    """A real browser, a real Voila and kernels on a shared 2-core machine: a scenario
    that fails is run once more (both runs must fail to fail the suite); the
    screenshots of every run stay in test-artifacts/ for the post-mortem."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a scenario fails, its failure's text and the Python stacks of its server's
    kernels go to test-artifacts/ (py-spy): a rerun that passes leaves only "1 rerun" in
    the log, and a page that waits on its kernel leaves no traceback of its own."""
    outcome = yield
    report = outcome.get_result()
    server = next(
        (v["process"] for v in item.funcargs.values() if isinstance(v, dict) and "process" in v),
        None,
    )
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if report.when != "call" or not report.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    attempt = getattr(item, "execution_count", 1)
    (ARTIFACTS / f"{item.name}-{attempt}-failure.txt").write_text(report.longreprtext)
    if server is None or not Path(spy).exists():
        return
    for kernel in kernels_of(server):
        dumped = subprocess.run(
            [spy, "dump", "--pid", str(kernel.pid)], capture_output=True, text=True, timeout=60
        )
        path = ARTIFACTS / f"{item.name}-{attempt}-kernel-{kernel.pid}.txt"
        path.write_text(dumped.stdout + dumped.stderr)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
#: A host name for pages served "from elsewhere" (not localhost: AG Grid, for one, only
#: watermarks an unlicensed grid on other hosts); Chromium resolves it to loopback.
HOSTED_NAME = "mastwidgets.test"
LAUNCH_FLAGS = [
    f"--host-resolver-rules=MAP {HOSTED_NAME} 127.0.0.1",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def app_environ(home, sandbox=None, *, jupyter=False, **extra) -> dict[str, str]:
    """The environment of a server under test: the sandbox (if given), its own data,
    jobs and catalog under ``home``, no MongoDB and no token of the developer's, and the
    app's page template on Voila's search path. ``jupyter``: a Jupyter server's (JupyterLab,
    Binder), whose kernels draw the grids with ipyaggrid's front end, not the app's own
    page's (`mastwidgets app` tells its kernels)."""
    env = {
        **os.environ,
        **(sandbox.environ() if sandbox else {}),
        "MASTWIDGETS_DATA_DIR": str(home / "data"),
        "MASTWIDGETS_STATE_DIR": str(home / "jobs"),
        "MASTWIDGETS_CATALOG_PATH": str(home / "catalog.sqlite"),
        **extra,
    }
    for name in (
        "MASTWIDGETS_MONGODB_URI",
        "MAST_API_TOKEN",
        "MASTWIDGETS_DATA_ROOT",
        "MASTWIDGETS_MAX_IMPORT_BYTES",
        "MASTWIDGETS_MAX_CONCURRENT_IMPORTS",
        "MASTWIDGETS_APP_TOKEN",
        "JUPYTER_TOKEN",
    ):
        if name not in extra:
            env.pop(name, None)
    return voila_environ(env, late_grid=not jupyter)


def kernels_of(server) -> list[psutil.Process]:
    """The live kernels a server process started (an ended one can linger a moment as a
    zombie)."""
    found = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # it ended meanwhile
            pass
    return found


@contextmanager
def running(command, *, env, name, cwd=None):
    """A Voila or Jupyter server, or ``mastwidgets app``, from when it says it listens
    (the app: once it prints the page's address) until the end of the block.
    Its output is read all along (a full pipe would freeze it mid-test) into
    test-artifacts/<name>.log."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"{name}.log").open("w")
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )

    def copy():
        for line in process.stdout:
            log.write(line)
            log.flush()

    for line in process.stdout:
        log.write(line)
        if "running at" in line or line.startswith("mastwidgets app: "):
            break
    else:
        log.close()
        raise RuntimeError(f"{name} stopped before listening: see {log.name}")
    copier = threading.Thread(target=copy, daemon=True)
    copier.start()
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        copier.join(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (each test opens its own context)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def voila(mast_sandbox, tmp_path_factory, free_port_module, request):
    """Voila serving the app, pointed at the session's sandbox, with its own folders
    (its log: test-artifacts/voila-<module>.log, its kernels' tracebacks included)."""
    home = tmp_path_factory.mktemp("voila-home")
    imviz = getattr(request.module, "VOILA_IMVIZ", False)  # "Open in Imviz" offered
    env = app_environ(home, mast_sandbox, MASTWIDGETS_IMVIZ="1" if imviz else "0")
    name = f"voila-{request.module.__name__.rsplit('.', 1)[-1]}"
    command = voila_command(free_port_module, imviz=imviz)
    with running(command, env=env, name=name) as process:
        yield {
            "url": f"http://127.0.0.1:{free_port_module}/",
            "process": process,
            "home": home,
            "env": env,
        }


@pytest.fixture(scope="module")
def free_port_module():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def console_errors(page) -> list[str]:
    """The page's console errors from our own pages, as they come (a live list).
    A request to another host is not an error of ours here (test_hosted_page.py asserts
    the app page makes none); AG Grid's licence banner is one (the grid is Community)."""
    errors = []

    def keep(message):
        location = (message.location or {}).get("url", "")
        ours = location.startswith("http://127.0.0.1") or not location
        if message.type == "error" and ours:
            errors.append(message.text)

    page.on("console", keep)
    return errors


def console_warnings(page) -> list[str]:
    """The page's console warnings (a live list)."""
    warnings = []

    def keep(message):
        if message.type == "warning":
            warnings.append(message.text)

    page.on("console", keep)
    return warnings


def open_app(browser, url, height=1500):
    """A fresh visitor's page of the app, loaded, with its console errors and
    unexplained warnings kept."""
    context = browser.new_context(viewport={"width": 1300, "height": height})
    page = context.new_page()
    page.console_errors = console_errors(page)
    page.console_warnings = console_warnings(page)
    page.goto(url, timeout=120_000)
    page.wait_for_selector("text=Search by", timeout=120_000)
    # The results table is drawn just after the form (its code is fetched once the page
    # is drawn): a visitor who clicks in it sees it first.
    page.wait_for_selector(".mw-results .ag-root", timeout=60_000)
    return page


def end_shot(page, request):
    ARTIFACTS.mkdir(exist_ok=True)
    attempt = getattr(request.node, "execution_count", 1)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end-{attempt}.png"), full_page=True)


@pytest.fixture
def page(browser, voila, request):
    """A page of its own: for a scenario that must start from a fresh page."""
    page = open_app(browser, voila["url"])
    yield page
    end_shot(page, request)
    page.context.close()


@pytest.fixture(scope="module")
def module_page(browser, voila):
    page = open_app(browser, voila["url"])
    yield page
    page.context.close()


@pytest.fixture
def shared_page(module_page, browser, voila, request):
    """The module's one page, for scenarios that each begin with a new search (a page
    load is ~12 CPU-seconds of Chromium, kernel and server): each starts on the first
    tab. A rerun of a failed scenario gets a fresh page of its own (the shared one may
    be mid-import; reloading it would log the refused shutdown of its kernel)."""
    rerun = getattr(request.node, "execution_count", 1) > 1
    page = open_app(browser, voila["url"]) if rerun else module_page
    page.click("text=Search & import")
    yield page
    end_shot(page, request)
    if rerun:
        page.context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def select_rows(page, obs_ids):
    for obs_id in obs_ids:
        row = page.locator(".mw-results .ag-row", has_text=obs_id).first
        row.locator(".ag-selection-checkbox").click()


def search(page, target, found=None):
    """Type a target name and press Enter (or Search, if the box already held it: Enter
    sends only a changed text), then wait until this search has begun (its
    status replaced the one shown before) and, with ``found``, until it says that.
    On a page that searched before, the old answer may read the same as the new one:
    a marker put into the shown status tells them apart (an update replaces it)."""
    page.locator(".mw-search-status .widget-html-content").evaluate(
        "el => el.insertAdjacentHTML('beforeend', '<i class=\"mw-stale\"></i>')"
    )
    box = page.locator("input[placeholder='M8']")
    again = box.input_value() == target
    box.fill(target)
    if again:  # Enter sends a changed text; the same text again takes the button
        page.click("button:text-is('Search')")
    else:
        page.keyboard.press("Enter")
    page.wait_for_function(
        """found => {
          const status = document.querySelector('.mw-search-status');
          return !status.querySelector('.mw-stale')
            && (!found || status.textContent.includes(found));
        }""",
        arg=found or "",
        timeout=60_000,
    )


#: The images the user sees that show nothing: rendered <img> elements whose load
#: finished without a picture (the browser's broken-image icon).
BROKEN_IMAGES = """() => [...document.querySelectorAll('img')]
  .filter(i => i.getClientRects().length && i.complete && i.naturalWidth === 0)
  .map(i => i.className || i.src.slice(0, 60) || '(no src)')"""


def assert_no_broken_images(page, where):
    broken = page.evaluate(BROKEN_IMAGES)
    assert broken == [], f"broken images on {where}: {broken}"


def wait_for_pictures(page, selector=".mw-preview, .mw-footprints"):
    """Wait until the selected observation's preview and footprints are drawn: they
    arrive from the kernel a moment after a tick and push the buttons below them down,
    so a click aimed before they land can hit whatever moved under the pointer."""
    page.wait_for_function(
        f"() => [...document.querySelectorAll({selector!r})]"
        ".map(e => e.tagName === 'IMG' ? e : e.querySelector('img'))"
        ".every(i => i && i.complete && i.naturalWidth > 100)",
        timeout=60_000,
    )


def axe_script() -> Path:
    """axe-core's script, fetched from npm by scripts/test.sh (MASTWIDGETS_AXE_JS)."""
    found = os.environ.get("MASTWIDGETS_AXE_JS") or next(
        (str(p) for p in sorted(Path(sys.prefix, "share").glob("axe-core-*/axe.min.js"))), ""
    )
    assert found and Path(found).is_file(), "axe-core is missing: run scripts/test.sh once"
    return Path(found)


#: axe-core's own rules (WCAG 2.x A and AA, and best practices); these impacts fail.
AXE_FAILS = ("serious", "critical")


def assert_accessible(page, where, within=None):
    """axe-core's audit of the page as it is (``within``: only the elements a CSS
    selector picks, e.g. the app in JupyterLab): no serious or critical violation."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    violations = page.evaluate(
        """async (within) => (await axe.run(within || document,
              {resultTypes: ['violations']})).violations
          .map(v => ({id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""",
        within,
    )
    failing = [v for v in violations if v["impact"] in AXE_FAILS]
    assert failing == [], f"accessibility violations on {where}: {failing}"
