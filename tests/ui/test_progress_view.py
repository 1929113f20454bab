"""Hundreds of files in one job: the view shows a dozen rows and sums up the rest."""

from mastwidgets import transfer
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
