"""Hundreds of files in one job: the view shows a dozen rows and sums up the rest."""

from mastwidgets import transfer
from mastwidgets.sandbox import Faults
from mastwidgets.ui import ProgressView
from mastwidgets.ui._progress_view import MAX_ROWS

FILES = 400


def test_hundreds_of_files_show_a_dozen_rows_and_a_summary(mast_sandbox, tmp_path):
    urls = [
        mast_sandbox.add_file(f"many_{i:03d}.fits", bytes([i % 251]) * (1000 + i), in_s3=False)[0]
        for i in range(FILES)
    ]
    job = transfer.start(urls, tmp_path / "data", state_dir=tmp_path / "jobs")
    view = ProgressView(job)
    shown = []
    job.subscribe(lambda event: shown.append(len(view.rows.children)))  # after the view's own
    result = job.wait(timeout=300)
    assert result.ok
    view.render(job.snapshot())
    assert max(shown) <= MAX_ROWS and len(view.rows.children) == MAX_ROWS
    assert view.total.value == 1.0 and "done" in view.title.value
    assert f"{FILES} files: {FILES} done ({FILES - MAX_ROWS} not shown)" in view.more.value
    # The rows are the files that finished last.
    last = {f.path.name for f in sorted(result.files, key=lambda f: f.path.stat().st_mtime_ns)[-3:]}
    names = " ".join(row.name.value for row in view.rows.children)
    assert all(name in names for name in last)


def test_a_job_is_shown_done_only_after_its_file_rows(mast_sandbox, tmp_path):
    """The page applies widget updates in the order the kernel sends them: the moment the
    job's status reads "done", no file row may still read "downloading"."""
    urls = [
        mast_sandbox.add_file(f"order_{i}.fits", bytes([i]) * 5_000, in_s3=False)[0]
        for i in range(5)
    ]
    seen_with_done = []

    def title_changed(change):
        if 'mw-job-status">done<' in change["new"]:
            seen_with_done.append([row.text.value for row in view.rows.children])

    # The files crawl until the view watches its title: a job done before it is built
    # would show "done" at once, and the order could not be seen.
    with mast_sandbox.faults(Faults(throttle=100)):
        job = transfer.start(urls, tmp_path / "data", state_dir=tmp_path / "jobs")
        view = ProgressView(job)
        view.title.observe(title_changed, "value")
        assert "done" not in view.title.value
    assert job.wait(timeout=120).ok
    view.render(job.snapshot())
    assert seen_with_done
    for rows in seen_with_done:
        assert len(rows) == 5 and all('data-status="done"' in text for text in rows), rows
