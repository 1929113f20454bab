"""The command line's progress: a total bar with files done; a line per file for small
jobs only (a big import is not thousands of lines)."""

import io

from mastwidgets import transfer
from mastwidgets.views.progress import TqdmProgress


def run_with_bars(sb, tmp_path, count, list_files):
    specs = []
    for i in range(count):
        http, _ = sb.add_file(f"bars/{count}/b{i:03d}.fits", b"y" * 500, in_s3=False)
        specs.append({"name": f"b{i:03d}.fits", "http": http, "size": 500})
    out = io.StringIO()
    bars = TqdmProgress(file=out, files=count, list_files=list_files)
    result = transfer.download(
        specs, tmp_path / str(count), state_dir=tmp_path / "j", on_event=bars
    )
    bars.close()
    assert result.ok
    return out.getvalue()


def test_small_jobs_list_their_files_big_ones_count_them(mast_sandbox, sandbox_env, tmp_path):
    small = run_with_bars(mast_sandbox, tmp_path, 5, list_files=10)
    assert small.count("✓ b0") == 5 and "5/5 files" in small
    big = run_with_bars(mast_sandbox, tmp_path, 30, list_files=10)
    assert "✓ b0" not in big and "30/30 files" in big
