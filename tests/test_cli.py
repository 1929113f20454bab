"""The ``mastwidgets`` command, run for real in subprocesses, as the README shows it."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mastwidgets.sandbox import Faults


def run(args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "mastwidgets", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        **kwargs,
    )


def start_sandbox(mastwidgets=(sys.executable, "-m", "mastwidgets"), env=None):
    """``mastwidgets sandbox`` in the background (``mastwidgets``: the command, e.g. an
    environment's own): (process, exported variables, banner)."""
    process = subprocess.Popen(
        [*mastwidgets, "sandbox"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    exported = {}
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("export "):
            key, value = line[len("export ") :].strip().split("=", 1)
            exported[key] = value
            if key == "MASTWIDGETS_S3_ENDPOINT":
                break
    assert exported, "".join(lines)
    return process, exported, "".join(lines)


@pytest.fixture(scope="module")
def sandboxes():
    """The module's ``mastwidgets sandbox`` (its S3 server takes seconds to start): one
    for the tests that only ask it, started again for a test that finds it stopped."""
    started = []

    def running():
        if not started or started[-1][0].poll() is not None:
            started.append(start_sandbox())
        return started[-1]

    yield running
    for process, _, _ in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def sandbox_process(sandboxes):
    return sandboxes()


def test_search_errors_are_one_line_without_traceback(sandbox_process):
    _, exported, _ = sandbox_process
    unknown = run(["search", "--target", "Nowhere Nebula"], env=exported)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("mastwidgets: ") and unknown.stderr.count("\n") == 1
    assert "Traceback" not in unknown.stderr
    bad = run(["search", "--coordinates", "12:00 +99:00"], env=exported)
    assert bad.returncode == 2 and "sky coordinates" in bad.stderr
    down = run(
        ["search", "--obs-id", "icdm01010"],
        env={**exported, "MASTWIDGETS_MAST_URL": "http://127.0.0.1:9", "MASTWIDGETS_RETRIES": "0"},
    )
    assert (
        down.returncode == 1 and "did not answer" in down.stderr and "Traceback" not in down.stderr
    )


def test_search_takes_a_bare_target_name_or_position(sandbox_process):
    """`mastwidgets search M16`, a newcomer's first try, searches around M16 (it was a
    traceback); a name of several words and a position work the same way."""
    _, exported, _ = sandbox_process
    for words, found in (
        (["M16"], "13 observation(s)"),
        (["M16", "obs_collection=HST"], "4 observation(s)"),
        (["NGC", "6611"], "13 observation(s)"),  # M16's other name, as two words
        (["274.7", "-13.8"], "13 observation(s)"),
    ):
        result = run(["search", *words], env=exported)
        assert result.returncode == 0 and found in result.stdout, (words, result.stderr)
    both = run(["search", "--target", "M16", "M8"], env=exported)
    assert both.returncode == 2 and "Traceback" not in both.stderr
    assert "'M8' is not a COLUMN=VALUE criterion" in both.stderr


def test_sandbox_command_then_search_from_a_plain_python(sandbox_process, tmp_path):
    process, exported, banner = sandbox_process
    assert "Ctrl-C" in banner and "MAST token" in banner
    code = "import mastwidgets; print(len(mastwidgets.search_target('M8')))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **exported},
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5"

    table = run(["search", "--target", "M16", "obs_collection=HST"], env=exported)
    assert table.returncode == 0, table.stderr
    assert "icdm02020" in table.stdout and "4 observation(s)" in table.stdout

    s3 = urlsplit(exported["MASTWIDGETS_S3_ENDPOINT"])
    with socket.create_connection((s3.hostname, s3.port), timeout=5):
        pass  # the S3 endpoint listens while the sandbox runs
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # say where it hangs (one clean-clone run did)
        spy = Path(sys.executable).with_name("py-spy")
        dump = subprocess.run([str(spy), "dump", "--pid", str(process.pid)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        pytest.fail(f"the sandbox did not stop within 30 s of Ctrl-C:\n{dump.stdout}")
    assert code == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((s3.hostname, s3.port), timeout=5).close()


def test_help_for_each_command():
    commands = ["sandbox", "search", "products", "import", "resume", "jobs", "catalog", "app",
                "pause", "cancel", "remove"]  # fmt: skip
    for args in (["--help"], *([c, "--help"] for c in commands)):
        result = run(args)
        assert result.returncode == 0 and "usage: mastwidgets" in result.stdout
        if args[0] == "sandbox":  # it says what in it is real
            assert "recorded by public projects" in result.stdout
            text = " ".join(result.stdout.split())  # argparse wraps lines
            assert "served verbatim" in text and "Synthetic rows" in text


def test_import_jobs_catalog_products_commands(sandbox_env, mast_sandbox):
    products = run(["products", "icdm01010", "--type", "SCIENCE", "--calib", "2", "3"])
    assert products.returncode == 0 and "icdm01aaq_flt.fits" in products.stdout
    assert "3 product(s)" in products.stdout

    imported = run(["import", "icdm01010"])
    assert imported.returncode == 0, imported.stderr
    assert "done; 3/3 file(s)" in imported.stdout and "3 catalog record(s)" in imported.stdout
    drz = sandbox_env.data_dir / "HST" / "icdm01010" / "icdm01010_drz.fits"
    assert (
        drz.read_bytes() == mast_sandbox.path_of("mast:HST/product/icdm01010_drz.fits").read_bytes()
    )

    jobs = run(["jobs"])
    assert jobs.returncode == 0 and " done " in jobs.stdout and "icdm01010" in jobs.stdout
    listed = run(["catalog", "--obs-id", "icdm01010"])
    rows = [line for line in listed.stdout.splitlines() if line.startswith("icdm01010 ")]
    assert listed.returncode == 0 and len(rows) == 3
    shown = run(["catalog", "--show", "mast:HST/product/icdm01010_drz.fits"])
    assert '"TARGNAME": "M16"' in shown.stdout


def test_catalog_remote_records_headers_and_an_import_makes_them_local(sandbox_env):
    remote = run(["catalog-remote", "icdm01010"])
    assert remote.returncode == 0, remote.stderr
    assert "done; 3 remote record(s) from 3 request(s)" in remote.stdout
    listed = run(["catalog", "--obs-id", "icdm01010"])
    rows = [line for line in listed.stdout.splitlines() if line.startswith("icdm01010 ")]
    assert len(rows) == 3 and all(" remote " in row for row in rows)
    assert not sandbox_env.data_dir.exists() or not list(sandbox_env.data_dir.rglob("*.fits"))
    assert run(["import", "icdm01010"]).returncode == 0
    listed = run(["catalog", "--obs-id", "icdm01010"])
    rows = [line for line in listed.stdout.splitlines() if line.startswith("icdm01010 ")]
    assert len(rows) == 3 and all(" local " in row for row in rows)
    again = run(["catalog-remote", "icdm01010"])
    assert again.returncode == 0 and "3 product(s) in the catalog already" in again.stdout


def test_import_errors_are_one_line(sandbox_env):
    for args, message in (
        (["import", "nope123"], "no observation"),
        (["resume", "no-such-job"], "No job"),
        (["pause", "no-such-job"], "No job"),
        (["remove", "../../etc"], "is not a job ID"),
        (["import", "o6h501010"], "no data products"),
    ):
        result = run(args)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr


def slow_import(mast_sandbox):
    """``mastwidgets import`` of a throttled observation, in the background: the
    process, and its job's ID once it has printed it. At 2 kB/s its largest file
    (66 kB) takes half a minute, so the commands started meanwhile (a Python each,
    seconds on a busy machine) find it still running."""
    mast_sandbox.set_faults(Faults(throttle=2_000))
    process = subprocess.Popen(
        [sys.executable, "-m", "mastwidgets", "import", "icdm02010", "--source", "http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    assert first.startswith("Job ")
    return process, first.split()[1].rstrip(":")


def test_ctrl_c_pauses_and_resume_finishes(sandbox_env, mast_sandbox):
    process, job_id = slow_import(mast_sandbox)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err
    assert f"mastwidgets resume {job_id}" in err
    mast_sandbox.set_faults(None)
    resumed = run(["resume", job_id])
    assert resumed.returncode == 0, resumed.stderr
    assert "done; 3/3" in resumed.stdout


def test_hosted_page_settings_are_checked_before_anything_starts(sandbox_env, tmp_path):
    for args, message in (
        (["app", "--ip", "0.0.0.0", "--no-browser"], "add --token"),
        (["app", "--max-import-bytes", "lots", "--no-browser"], "max_import_bytes"),
        (["app", "--max-concurrent-imports", "0", "--no-browser"], "max_concurrent_imports"),
        (
            ["app", "--imviz", "--data-root", str(tmp_path), "--no-browser"],
            "--imviz is for a page of your own",
        ),
    ):
        result = run(args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert "mastwidgets app:" not in result.stdout  # no server was started


def test_import_outside_the_data_root_and_over_the_limit(sandbox_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("MASTWIDGETS_DATA_DIR")
    refused = run(["import", "icdm01010", "--dest", "/etc"])
    assert refused.returncode == 2 and "outside the data root" in refused.stderr
    monkeypatch.setenv("MASTWIDGETS_MAX_IMPORT_BYTES", "1 kB")
    over = run(["import", "icdm01010", "--dest", "m16"])
    assert over.returncode == 2 and "at most 1.0 kB per import" in over.stderr
    assert not (tmp_path / "root" / "m16").exists()


def test_layouts_files_here_already_scripts_manifests_and_target_lists(sandbox_env, tmp_path):
    first = run(["import", "icdm02010", "--layout", "astroquery", "--dest", str(tmp_path / "a")])
    assert first.returncode == 0, first.stderr
    assert len(list((tmp_path / "a" / "mastDownload" / "HST" / "icdm02010").glob("*.fits"))) == 3
    again = run(["import", "icdm02010", "--dest", str(tmp_path / "b")])
    assert again.returncode == 0 and "3 file(s) here already" in again.stdout
    assert not (tmp_path / "b" / "HST").exists()
    refetched = run(["import", "icdm02010", "--refetch", "--dest", str(tmp_path / "c")])
    assert refetched.returncode == 0
    assert len(list((tmp_path / "c" / "HST" / "icdm02010").glob("*.fits"))) == 3

    script, listing = tmp_path / "get.sh", tmp_path / "files.ecsv"
    made = run(
        ["products", "icdm02010", "--mrp", "--script", str(script), "--manifest", str(listing)]
    )
    assert made.returncode == 0, made.stderr
    assert "fetch HST/icdm02010/icdm02010_drz.fits" in script.read_text()
    assert "mast:HST/product/icdm02010_drz.fits" in listing.read_text()

    targets = tmp_path / "targets.csv"
    targets.write_text("target\nM16\nNowhere Nebula\n")
    found = run(["search", "--targets", str(targets), "--radius", "5 arcmin"])
    assert found.returncode == 0, found.stderr
    assert "M16" in found.stdout.splitlines()[1] and "Nowhere Nebula" in found.stderr
    assert "'target'" not in found.stderr  # the header is not a target


def test_a_job_paused_by_another_command_then_removed(sandbox_env, mast_sandbox):
    process, job_id = slow_import(mast_sandbox)
    busy = run(["remove", job_id])
    assert busy.returncode == 2 and "pause or cancel it" in busy.stderr
    paused = run(["pause", job_id])
    assert paused.returncode == 0, paused.stderr
    assert f"Job {job_id}: asked to pause (now paused)." in paused.stdout
    _, err = process.communicate(timeout=60)
    assert f"mastwidgets resume {job_id}" in err and "Traceback" not in err
    assert run(["pause", job_id]).stdout.strip() == f"Job {job_id} is not running."
    mast_sandbox.set_faults(None)
    removed = run(["remove", job_id])
    assert removed.returncode == 0 and "its files and records stay" in removed.stdout
    assert job_id not in run(["jobs"]).stdout


def test_ctrl_c_as_the_import_ends_reports_the_job_s_end_not_a_pause(sandbox_env, capsys):
    """Ctrl-C in the instant a job ends (nothing left to pause): the command reports the
    job's own outcome, and "Paused" only for a job that paused. That instant cannot be
    hit from outside the process, so the command's wait runs here, on a job that has
    just ended, with Ctrl-C arriving as its progress bars are made."""
    import mastwidgets as mw
    from mastwidgets.cli import _wait_or_pause
    from mastwidgets.views.progress import TqdmProgress

    job = mw.import_observations(["icdm02010"])
    assert job.wait(timeout=120).ok

    def bars_then_ctrl_c():
        signal.raise_signal(signal.SIGINT)  # handled by the command: marks the wish
        return TqdmProgress(files=1)

    result = _wait_or_pause(job, f"Job {job.id}: 1 file(s)", bars_then_ctrl_c)
    assert result is not None and result.ok and result.status == "done"
    assert "Paused" not in capsys.readouterr().err
