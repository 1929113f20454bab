"""A hosted page's data root: every destination inside it, or UnsafeDestination and
nothing written; the jobs and the catalog seen through it show only what lies under it."""

import os

import pytest

import mastwidgets as mw
from mastwidgets.errors import UnsafeDestination
from mastwidgets.imports.data_root import DataRoot
from mastwidgets.sandbox import Faults

OBS = "icdm02010"  # 3 calibrated science files


def files_under(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def hosted(sandbox_env, monkeypatch, tmp_path):
    """Settings as a hosted page has them: a data root, and an outside world beside it."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("the host's own file")
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(root))
    monkeypatch.delenv("MASTWIDGETS_DATA_DIR")
    assert mw.get_settings().data_dir == root  # imports go under the root by default
    return root, outside


def escapes(root, outside):
    """Each way out of the root a visitor might try, made real on disk."""
    root.mkdir(exist_ok=True)
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root / "loop")
    (root / "notes.txt").write_text("a file, not a folder")
    return {
        "absolute": str(outside),
        "etc": "/etc",
        "dotdot": "../outside",
        "dotdot-deep": "a/../../outside",
        "home": "~/mast",
        "symlink-out": "out",
        "below-symlink-out": "out/m16",
        "symlink-loop": "loop/m16",
        "through-a-file": "notes.txt/m16",
        "control-character": "m16\n",
    }


ESCAPES = [
    "absolute",
    "etc",
    "dotdot",
    "dotdot-deep",
    "home",
    "symlink-out",
    "below-symlink-out",
    "symlink-loop",
    "through-a-file",
    "control-character",
]


@pytest.mark.parametrize("kind", ESCAPES)
def test_every_escape_is_refused_before_anything_is_written(hosted, mast_sandbox, kind):
    root, outside = hosted
    dest = escapes(root, outside)[kind]
    before_root, before_outside = files_under(root), files_under(outside)
    requests_before = mast_sandbox.served
    with pytest.raises(UnsafeDestination, match="Refusing the folder") as refused:
        mw.import_observations([OBS], dest)
    assert "\n" not in str(refused.value).strip()  # one line, fit for the page
    assert files_under(root) == before_root and files_under(outside) == before_outside
    assert not list(mw.get_settings().state_dir.glob("*.json"))  # no job was started
    assert mast_sandbox.served == requests_before  # MAST was not even asked


def test_inside_the_root_imports_as_usual(hosted, mast_sandbox):
    root, outside = hosted
    (root / "projects").mkdir(parents=True)
    os.symlink(root / "projects", root / "shortcut")  # a link that stays inside is fine
    for dest, where in [
        (None, root),
        ("m16", root / "m16"),
        (str(root / "abs"), root / "abs"),
        ("shortcut/deep", root / "projects" / "deep"),
    ]:
        # each folder gets its own copy (not "here already" from the folder before)
        job = mw.import_observations([OBS], dest, skip_existing=False)
        result = job.wait(timeout=120)
        assert result.ok, (dest, result.errors)
        files = sorted(p.name for p in (where / "HST" / OBS).glob("*.fits"))
        assert len(files) == 3, dest
        for path in (where / "HST" / OBS).glob("*.fits"):
            assert (
                path.read_bytes()
                == mast_sandbox.path_of(f"mast:HST/product/{path.name}").read_bytes()
            )
    assert files_under(outside) == [outside / "keep.txt"]


def test_resume_refuses_a_job_outside_the_root(hosted, monkeypatch, mast_sandbox):
    root, outside = hosted
    mast_sandbox.set_faults(Faults(throttle=20_000))
    monkeypatch.delenv("MASTWIDGETS_DATA_ROOT")  # the host's own import, outside the root
    job = mw.import_observations([OBS], outside / "mine", source="http")
    job.pause()
    job.wait(timeout=60)
    mast_sandbox.set_faults(None)
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(root))
    with pytest.raises(UnsafeDestination, match="outside the data root"):
        mw.resume(job.id)
    assert job.id not in list(mw.list_jobs()["id"])  # and it is not listed through the root


def test_resume_refuses_a_job_whose_folder_became_a_link_out(hosted, mast_sandbox):
    root, outside = hosted
    mast_sandbox.set_faults(Faults(throttle=20_000))
    job = mw.import_observations([OBS], "m16", source="http")
    job.pause()
    job.wait(timeout=60)
    mast_sandbox.set_faults(None)
    (root / "m16").rename(root / "m16-was")
    (root / "m16").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeDestination):
        mw.resume(job.id)
    assert files_under(outside) == [outside / "keep.txt"]


def test_jobs_and_catalog_show_only_what_lies_under_the_root(hosted, monkeypatch):
    root, outside = hosted
    inside = mw.import_observations([OBS], "m16").wait(timeout=120)
    monkeypatch.delenv("MASTWIDGETS_DATA_ROOT")
    monkeypatch.setenv("MASTWIDGETS_DATA_DIR", str(root))
    beside = mw.import_observations(["icdm02020"], outside / "private").wait(timeout=120)
    assert inside.ok and beside.ok
    assert set(mw.list_jobs()["id"]) == {inside.job_id, beside.job_id}  # no root: all
    with mw.Catalog() as catalog:
        assert len(catalog.find()) == 6
        assert {r["obs_id"] for r in catalog.find(under=root)} == {OBS}
        assert {r["obs_id"] for r in catalog.find(under=outside)} == {"icdm02020"}
    monkeypatch.setenv("MASTWIDGETS_DATA_ROOT", str(root))
    assert list(mw.list_jobs()["id"]) == [inside.job_id]


def test_a_sibling_folder_with_the_root_as_prefix_is_not_inside(tmp_path):
    root = DataRoot(tmp_path / "data")
    (tmp_path / "data-other").mkdir()
    assert root.contains(tmp_path / "data" / "x")
    assert not root.contains(tmp_path / "data-other" / "x")
    with pytest.raises(UnsafeDestination):
        root.resolve(tmp_path / "data-other")


def test_bad_job_ids_are_not_paths(hosted):
    with pytest.raises(mw.errors.JobNotFound, match="not a job ID"):
        mw.resume("../../etc/passwd")


def test_without_a_data_root_destinations_are_taken_as_given(sandbox_env, tmp_path):
    anywhere = tmp_path / "anywhere" / "at" / "all"
    result = mw.import_observations([OBS], anywhere).wait(timeout=120)
    assert result.ok and len(list((anywhere / "HST" / OBS).glob("*.fits"))) == 3
