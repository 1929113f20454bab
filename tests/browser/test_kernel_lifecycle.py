"""A hosted app's kernels: closing the page does not stop its import; another page
sees the job running; the closed page's kernel ends once its downloads are over and it
has been silent for the cull timeout (an hour in the app; seconds here)."""

import time

import pytest

from mastwidgets import get_settings, list_jobs
from mastwidgets.app import voila_command
from mastwidgets.sandbox import Faults

from .conftest import app_environ, kernels_of, running, shot

# Seconds, not an hour; still several times the stalls a loaded 2-core machine gives
# Voila's event loop (the culler can run before the messages that queued meanwhile).
CULL = {"MappingKernelManager": {"cull_idle_timeout": 8, "cull_interval": 2}}


def kernel_pids(server) -> set[int]:
    return {kernel.pid for kernel in kernels_of(server)}


def until(condition, timeout, what):
    """Wait for a condition that another process brings about, checking twice a second."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return result


@pytest.fixture
def culling_voila(mast_sandbox, tmp_path, free_port):
    env = app_environ(tmp_path, mast_sandbox)
    with running(voila_command(free_port, config=CULL), env=env, name="voila-cull") as process:
        yield {"url": f"http://127.0.0.1:{free_port}/", "process": process, "home": tmp_path}


def test_closed_page_finishes_its_import_then_its_kernel_ends(
    browser, culling_voila, mast_sandbox, request
):
    voila, settings = culling_voila, get_settings(state_dir=culling_voila["home"] / "jobs")
    # The kernel the first page will get: the pre-heated one waiting (Voila then heats
    # another for the next page: pooled kernels are never culled).
    pooled = until(lambda: kernel_pids(voila["process"]), 120, "the pre-heated kernel")
    assert len(pooled) == 1
    context = browser.new_context(viewport={"width": 1300, "height": 1300})
    first = context.new_page()
    first.goto(voila["url"], timeout=120_000)
    first.fill("input[placeholder='M8']", "M16")
    first.keyboard.press("Enter")
    first.locator(".ag-row", has_text="icdm02010").first.locator(".ag-selection-checkbox").click()
    first.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    first.click("button:has-text('HTTP only')")
    importing = pooled & kernel_pids(voila["process"])  # the first page's, still there
    assert importing
    mast_sandbox.set_faults(Faults(throttle=3_000))  # ~21 s for its file: 2.5 cull timeouts
    try:
        first.click("button:has-text('Import')")
        first.wait_for_selector(".mw-file-status[data-status='downloading']", timeout=60_000)
        first.close(run_before_unload=True)  # the tab is closed mid-import

        second = context.new_page()
        second.goto(voila["url"], timeout=120_000)
        second.click("text=Jobs")
        second.wait_for_selector(".mw-job[data-status='running']", timeout=60_000)
        row = second.locator(".mw-job-row", has=second.locator(".mw-job[data-status='running']"))
        assert "running in another page or process" in row.inner_text()
        # the other page's import moves here too: its bar, speed and time left
        row.locator(".mw-job-progress:has-text('/s · ETA')").wait_for(timeout=60_000)
        assert row.locator(".progress-bar").first.bounding_box()["width"] > 0
        assert row.locator("button:has-text('Pause')").is_visible()
        shot(second, "kernel-lifecycle-running-elsewhere")
        viewing = kernel_pids(voila["process"]) - importing

        # The import outlives several cull timeouts: its progress keeps its kernel alive.
        until(
            lambda: list_jobs(settings=settings).status.tolist() == ["done"],
            timeout=120,
            what="the closed page's import to finish",
        )
        assert list_jobs(settings=settings).files.tolist() == [1]
    finally:
        mast_sandbox.set_faults(None)
    files = sorted((voila["home"] / "data").rglob("*.fits"))
    assert [f.read_bytes() for f in files] == [
        mast_sandbox.path_of(f"mast:HST/product/{f.name}").read_bytes() for f in files
    ]
    assert len(files) == 1

    # Then, silent, the closed page's kernel is ended; the open page's is kept.
    until(
        lambda: not importing & kernel_pids(voila["process"]),
        timeout=60,
        what="the idle kernel of the closed page to be culled",
    )
    assert viewing and viewing <= kernel_pids(voila["process"])
    second.click("text=Search & import")
    second.fill("input[placeholder='M8']", "M8")
    second.keyboard.press("Enter")
    second.wait_for_selector("text=5 observations found for M8.", timeout=60_000)
    context.close()
