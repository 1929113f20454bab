"""The Jobs tab while jobs run: a job of another process (another page, a script)
with its bar, speed and time left moving; paused and resumed from here; removed once
done; its records shown in the Catalog tab."""

import threading

import mastwidgets as mw
from mastwidgets.sandbox import Faults
from mastwidgets.ui import App

from ..imports.test_job_control import OBS, _child_import, _end_of
from .test_import_flow import wait_for_threads


def _until_shown(widget, wanted, what: str, timeout: float = 60) -> str:
    """Wait until ``wanted(widget.value)``, woken by the widget's own changes."""
    changed = threading.Event()
    watcher = lambda _: changed.set()  # noqa: E731
    widget.observe(watcher, names="value")
    try:
        for _ in range(int(timeout * 4)):
            if wanted(widget.value):
                return widget.value
            changed.wait(0.25)
            changed.clear()
        raise AssertionError(f"{what} never showed; last: {widget.value}")
    finally:
        widget.unobserve(watcher, names="value")


def _row(app, job_id):
    return app.jobs._rows[job_id]


def test_a_job_of_another_process_moves_pauses_resumes_and_leaves_the_list(
    sandbox_env, mast_sandbox
):
    mast_sandbox.set_faults(Faults(throttle=5_000))
    child, job_id = _child_import()
    try:
        app = App()
        app.tabs.selected_index = 2  # Jobs
        row = _row(app, job_id)
        assert "running in another page or process" in row.numbers.value
        moving = _until_shown(
            row.numbers,
            lambda text: "/s · ETA" in text and "ETA –" not in text,
            "a speed and a time left",
        )
        assert "of 18 files" in moving and 0 < row.bar.value < 1
        assert OBS in row.title.value and 'data-status="running"' in row.title.value
        assert app.jobs.summary.value.count("running") == 1
        labels = [b.description for b in row.buttons.children]
        assert labels[:2] == ["Pause", "Cancel"] and "Remove" not in labels
        row.buttons.children[0].click()  # Pause, asked of the other process
        wait_for_threads()
        assert _end_of(child) == "paused"
    finally:
        child.kill()
        mast_sandbox.set_faults(None)
    _until_shown(row.numbers, lambda text: ">paused<" in text, "paused")
    assert row.buttons.children[0].description == "Resume"
    row.buttons.children[0].click()  # Resume, here
    wait_for_threads()
    (view,) = app.jobs.detail.children
    result = view.job.wait(timeout=120)
    assert result.ok
    _until_shown(row.numbers, lambda text: ">done<" in text, "done")
    assert row.bar.value == 1.0 and "18 of 18 files" in row.numbers.value
    labels = [b.description for b in row.buttons.children]
    assert "Remove" in labels and "Pause" not in labels and "Resume" not in labels

    # its records, in the Catalog tab
    row.buttons.children[labels.index("In Catalog")].click()
    wait_for_threads()
    assert app.tabs.selected_index == 3
    assert app.catalog.field.value == "job_id" and app.catalog.text.value == job_id
    assert len(app.catalog.records) == 18
    assert {r["job_id"] for r in app.catalog.records} == {job_id}

    # off the list; the files stay
    row.buttons.children[labels.index("Remove")].click()
    assert job_id not in app.jobs._rows
    assert "No imports yet" in app.jobs.table.children[0].value
    assert all(f.path.is_file() for f in result.transfer.files)
    assert len(result.transfer.files) == 18 == mw.Catalog().count()
