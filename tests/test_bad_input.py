"""Bad input at every public entry: the Python API, the command line and the page's
boxes. Each answer is a typed error (in Python) or a one-line message (the command
line, the page), quoting at most a short piece of what was typed, and nothing is
written: no file, no folder, no job state, no record."""

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import mastwidgets as mw
from mastwidgets import errors, transfer
from mastwidgets.cli import main
from mastwidgets.ui import App

HUGE = "M" + "x" * 9_999  # a 10,000-character "target name"
#: The most of a message a user should have to read (and a page show).
LONGEST = 400


def snapshot(*folders: Path) -> set[str]:
    """Every path under the folders (what would show that something was written)."""
    return {str(p) for folder in folders if folder.exists() for p in folder.rglob("*")}


def records() -> int:
    """Records in the embedded catalog (opening it makes its empty file: not a record)."""
    path = Path(os.environ["MASTWIDGETS_CATALOG_PATH"])
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        return (
            db.execute("SELECT COUNT(*) FROM records").fetchone()[0] if "records" in tables else 0
        )


@pytest.fixture
def untouched(sandbox_env):
    """Asserts, after the test, that nothing was written: no data, no job, no record."""
    folders = (sandbox_env.data_dir, sandbox_env.state_dir)
    before = snapshot(*folders), records()
    yield sandbox_env
    assert (snapshot(*folders), records()) == before


def one_line(message: str) -> str:
    assert "\n" not in message.strip() and "Traceback" not in message, message
    assert len(message) <= LONGEST, f"{len(message)} characters: {message[:200]}…"
    assert "x" * 100 not in message  # what was typed is quoted shortened
    return message


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a folder")
    return path


API_CASES = [
    ("empty target", lambda: mw.search_target(""), errors.InvalidQuery),
    ("huge target", lambda: mw.search_target(HUGE), errors.TargetNotFound),
    ("bad position", lambda: mw.search_region("over the rainbow"), errors.InvalidCoordinates),
    ("huge position", lambda: mw.search_region(HUGE), errors.InvalidCoordinates),
    ("bad radius", lambda: mw.search_region("10 20", radius="wide"), errors.InvalidRadius),
    ("negative radius", lambda: mw.search_region("10 20", radius=-1), errors.InvalidRadius),
    ("unknown obs id", lambda: mw.search_obs_id("nope123"), errors.ObservationNotFound),
    ("many unknown obs ids", lambda: mw.search_obs_id([HUGE] * 50), errors.ObservationNotFound),
    ("no criteria", lambda: mw.search_criteria(), errors.InvalidCriteria),
    ("bad date", lambda: mw.search_criteria(t_min=[HUGE, "x"]), errors.InvalidCriteria),
    (
        "too many targets",
        lambda: mw.search_targets([f"NGC {n}" for n in range(1_001)]),
        errors.InvalidQuery,
    ),
    ("products of nothing", lambda: mw.list_products(["nope123"]), errors.ObservationNotFound),
    (
        "unknown product filter",
        lambda: mw.list_products(["icdm01010"], **{HUGE: 1}),
        errors.InvalidCriteria,
    ),
    ("import nothing", lambda: mw.import_observations(), errors.InvalidQuery),
    (
        "import from ftp",
        lambda: mw.import_observations(["icdm01010"], source=HUGE),
        errors.InvalidQuery,
    ),
    (
        "unknown layout",
        lambda: mw.import_observations(["icdm01010"], layout=HUGE),
        errors.InvalidQuery,
    ),
    (
        "a table that is not products",
        lambda: mw.import_observations(products=pd.DataFrame({"x": [1]})),
        errors.InvalidQuery,
    ),
    ("no products", lambda: mw.import_observations(["o6h501010"]), errors.NoProductsFound),
    ("resume nothing", lambda: mw.resume("no-such-job"), errors.JobNotFound),
    ("resume a path", lambda: mw.resume("../../etc/passwd"), errors.JobNotFound),
    ("resume a huge id", lambda: mw.resume(HUGE), errors.JobNotFound),
    ("script of nothing", lambda: mw.download_script(pd.DataFrame()), errors.InvalidQuery),
    ("manifest of nothing", lambda: mw.manifest(pd.DataFrame()), errors.InvalidQuery),
    ("snippet of nothing", lambda: mw.snippet(pd.DataFrame()), errors.InvalidQuery),
    ("download from ftp", lambda: transfer.download([f"ftp://{HUGE}"], "."), errors.TransferError),
]


@pytest.mark.parametrize(("case", "call", "error"), API_CASES, ids=[c[0] for c in API_CASES])
def test_the_api_raises_a_typed_error_and_writes_nothing(untouched, case, call, error):
    with pytest.raises(error) as raised:
        call()
    one_line(str(raised.value))


def test_an_import_into_a_file_names_it_and_writes_nothing(untouched, a_file):
    for dest in (a_file, a_file / "below"):
        with pytest.raises(errors.UnsafeDestination) as raised:
            mw.import_observations(["icdm01010"], dest)
        assert str(a_file) in one_line(str(raised.value)) and "not a folder" in str(raised.value)
    assert a_file.read_text() == "not a folder"


CLI_CASES = [
    (["search", "--target", HUGE], "does not know the target"),
    (["search", "--coordinates", "over the rainbow"], "sky coordinates"),
    (["search", "--coordinates", HUGE], "sky coordinates"),
    (["search", "--coordinates", "10 20", "--radius", "wide"], "radius"),
    (["import", "nope123"], "no observation"),
    (["import", "icdm01010", "--layout", HUGE], "invalid choice"),
    (["import", "icdm01010", "--parallel", "many"], "invalid int value"),
    (["search", "--no-such-option"], "unrecognized arguments"),
    (["resume", "../../etc/passwd"], "not a job ID"),
    (["catalog", "--show", HUGE], "No record"),
]


def test_the_command_line_prints_one_line_and_writes_nothing(untouched, a_file, capsys):
    """``mastwidgets.cli.main``, what the command runs, in this process (tests/test_cli.py
    runs the command itself; a process a case would cost seconds of imports each)."""
    cases = [*CLI_CASES, (["import", "icdm01010", "--dest", str(a_file)], "not a folder")]
    for args, message in cases:
        try:
            code = main(args)
        except SystemExit as exit:  # argparse's usage errors
            code = exit.code
        out, err = capsys.readouterr()
        assert code == 2, (args[:2], err[-500:])
        assert message in one_line(err), (args[:2], err)
        assert out == ""


def test_the_command_itself_prints_one_line_for_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "mastwidgets", "import", "icdm01010", "--layout", HUGE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "invalid choice" in one_line(done.stderr)


def _join_ui_threads():
    for thread in [t for t in threading.enumerate() if t.name.startswith("mastwidgets-ui")]:
        thread.join(timeout=60)


@pytest.mark.parametrize(
    ("mode", "text", "message"),
    [
        ("Target name", HUGE, "does not know the target"),
        ("Target name", "   ", "Type"),
        ("Coordinates", "over the rainbow", "sky coordinates"),
        ("Coordinates", HUGE, "sky coordinates"),
        ("Observation ID", "nope123", "no observation"),
        ("Target list", "\n".join(f"NGC {n}" for n in range(1_001)), "more than 1,000"),
    ],
    ids=["huge-name", "blank", "coordinates", "huge-coordinates", "obs-id", "long-list"],
)
def test_the_page_search_boxes_show_one_line_and_write_nothing(untouched, mode, text, message):
    panel = App().search
    panel.mode.value = mode
    if mode == "Target list":
        panel.targets.value = text
        panel.search()
    else:
        panel.query.value = text  # Enter in the box
    _join_ui_threads()
    shown = panel.status.value
    assert message in shown and "error" in shown, shown
    assert "Traceback" not in shown and len(shown) <= LONGEST + 200  # the message's markup
    assert "x" * 100 not in shown


def test_the_page_import_box_refuses_a_file_and_writes_nothing(sandbox_env, a_file):
    app = App()
    app.search.mode.value = "Observation ID"
    app.search.query.value = "icdm01010"
    _join_ui_threads()
    app.search.select(["icdm01010"])
    _join_ui_threads()
    before = snapshot(sandbox_env.data_dir, sandbox_env.state_dir), records()
    app.imports.dest.value = str(a_file)
    app.imports.start()
    _join_ui_threads()
    shown = app.imports.status.value
    assert "not a folder" in shown and "Traceback" not in shown, shown
    assert app.imports.progress.children == ()
    assert (snapshot(sandbox_env.data_dir, sandbox_env.state_dir), records()) == before
    assert a_file.read_text() == "not a folder"
