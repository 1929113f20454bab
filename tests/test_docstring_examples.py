"""The examples in the package's docstrings run, against the MAST sandbox: what the API
reference shows is what a user gets. Each docstring with examples is a test; they run
with ``mw`` and ``mastwidgets`` (and the module's own names) in scope, in a folder of
their own, with the settings pointed at the sandbox (``sandbox_env``). An example that
needs the real network says so with ``# doctest: +SKIP`` (none does today)."""

import doctest
import importlib
import io
from pathlib import Path

import pytest

import mastwidgets
from mastwidgets.imports import ImportJob
from mastwidgets.transfer import JobHandle

PACKAGE = Path(mastwidgets.__file__).parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL


def _docstring_tests():
    """(module name, DocTest) of every docstring of the package that has examples."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>> " not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        module = importlib.import_module(name)
        for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
            if test.examples and Path(test.filename or "").resolve() == path.resolve():
                found.append(test)
    return found


TESTS = _docstring_tests()


def test_the_package_has_docstring_examples():
    assert len(TESTS) >= 15
    assert sum(len(t.examples) for t in TESTS) >= 40


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_a_docstring_example_runs(test, sandbox_env, mast_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test.globs = {**test.globs, "mw": mastwidgets, "mastwidgets": mastwidgets}
    given = set(test.globs)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    try:
        outcome = runner.run(test, out=report.write, clear_globs=False)
    finally:
        made = [v for k, v in test.globs.items() if k not in given]
        for job in [v for v in made if isinstance(v, (ImportJob, JobHandle))]:
            job.pause()  # an example's job still running stops here
            job.wait()
        test.globs.clear()
    assert outcome.failed == 0, report.getvalue()
