"""A whole program imported ready for the pipeline: a folder per association, every
member beside it, byte-identical to MAST's; shared members stored once, linked."""

import csv
import json
import subprocess
import sys

import pytest
from astropy.io import fits

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery, ProgramNotFound, UnsafeDestination
from mastwidgets.imports import INDEX, arrange_associations
from mastwidgets.sandbox import Sandbox
from mastwidgets.sandbox.pytest_plugin import _point_at


def members_named(asn):
    """The file names an association file names, read as the pipeline reads it."""
    if asn.suffix == ".json":
        data = json.loads(asn.read_text())
        return [m["expname"] for p in data["products"] for m in p["members"]]
    with fits.open(asn) as hdus:
        rows = hdus["ASN"].data
        kinds = zip(rows["MEMNAME"], rows["MEMTYPE"], strict=True)
        roots = [name.strip().lower() for name, kind in kinds if kind.strip().startswith("EXP")]
    return [f"{root}_flt.fits" for root in roots]


def source_bytes(sandbox, name):
    (uri,) = [u for u in sandbox.files if u.rsplit("/", 1)[-1] == name]
    return sandbox.path_of(uri).read_bytes()


@pytest.mark.parametrize(
    ("mission", "program", "levels", "associations"),
    [("JWST", "02739", [2, 3], 9), ("HST", 13926, [3], 4)],
)
def test_every_member_of_every_association_is_beside_it_byte_identical(
    sandbox_env, mast_sandbox, tmp_path, mission, program, levels, associations
):
    dest = tmp_path / "program"
    result = mw.import_program(mission, program, dest, levels=levels).wait()
    assert result.ok, result.errors
    files = sorted(dest.rglob("*_asn.*"))
    assert len(files) == associations
    for asn in files:
        named = members_named(asn)
        assert named, asn
        for name in named:
            here = asn.parent / name
            assert here.is_file(), f"{name} is not beside {asn.name}"
            assert here.read_bytes() == source_bytes(mast_sandbox, name)
    with open(dest / INDEX, newline="") as index:
        rows = list(csv.DictReader(index))
    assert len(rows) == associations and all(r["complete"] == "True" for r in rows)
    assert not list(dest.rglob("*_gs-*")) and not list(dest.rglob("*.part"))
    # every file imported is recorded in the catalog, the associations too
    records = mw.Catalog().find(under=dest)
    assert {r["filename"] for r in records} >= {asn.name for asn in files}
    assert len(records) == len([p for p in dest.rglob("*") if p.is_file()]) - 1  # the index


def test_the_levels_asked_and_nothing_else(sandbox_env, tmp_path):
    dest = tmp_path / "l3"
    assert mw.import_program("JWST", 2739, dest, levels=[3]).wait().ok
    names = {p.name for p in dest.rglob("*") if p.is_file()} - {INDEX}
    assert not [n for n in names if n.endswith(("_uncal.fits", "_rate.fits"))]  # level 1, 2
    assert len([n for n in names if n.endswith("_cal.fits")]) == 18  # members, whatever level
    assert len([n for n in names if n.endswith("_asn.json")]) == 9


def test_a_member_shared_by_two_associations_is_stored_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x_cal.fits").write_bytes(b"member")
    problems = arrange_associations(tmp_path, {"a": ["x_cal.fits"], "b": ["x_cal.fits"]})
    assert problems == []
    first, second = tmp_path / "a" / "x_cal.fits", tmp_path / "b" / "x_cal.fits"
    assert second.read_bytes() == b"member" and second.samefile(first)
    with open(tmp_path / INDEX, newline="") as index:
        rows = list(csv.DictReader(index))
    assert [(r["association"], r["present"], r["complete"]) for r in rows] == [
        ("a", "1", "True"),
        ("b", "1", "True"),
    ]


def test_bad_program_imports_are_refused_before_anything_moves(sandbox_env, tmp_path):
    with pytest.raises(InvalidQuery, match="levels must be calibration levels"):
        mw.import_program("JWST", 2739, tmp_path / "x", levels=[5])
    with pytest.raises(InvalidQuery, match="Unknown layout"):
        mw.import_program("JWST", 2739, tmp_path / "x", layout="by-filter")
    with pytest.raises(ProgramNotFound):
        mw.import_program("JWST", 99999, tmp_path / "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(UnsafeDestination):
        mw.import_program("JWST", 2739, tmp_path / "file")
    assert not (tmp_path / "x").exists()


def test_the_program_command_imports_a_program(sandbox_env, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mastwidgets", "program", "HST", "13926", "--import",
         str(tmp_path / "h"), "--levels", "3"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "done; 16/16" in done.stdout  # 4 associations, 4 drizzled images, 8 members
    assert "16 new, 0 reprocessed, 0 withdrawn (kept), 0 unchanged; 794.9 kB moved." in done.stdout
    assert (tmp_path / "h" / "icdm01010" / "icdm01aaq_flt.fits").is_file()


@pytest.fixture
def own_sandbox(monkeypatch, tmp_path):
    """A sandbox of this test's own (it is reprocessed: other tests must not see it),
    with the settings pointing at it."""
    with Sandbox(files_dir=tmp_path / "sandbox-files") as sandbox:
        settings = _point_at(sandbox, monkeypatch, tmp_path)
        next(settings)
        yield sandbox


def test_after_mast_reprocesses_a_second_import_moves_only_what_changed(own_sandbox, tmp_path):
    dest = tmp_path / "pillars"
    first = mw.import_program("JWST", 2739, dest, levels=[2, 3])
    assert first.wait().ok and not first.changes.reprocessed and not first.changes.withdrawn
    taken = set(first.changes.new)
    kept_before = {p.relative_to(dest): p.read_bytes() for p in dest.rglob("*.fits")}

    changed = own_sandbox.reprocess("JWST", 2739, fraction=0.05)
    sync = mw.import_program("JWST", 2739, dest, levels=[2, 3])
    result = sync.wait()
    assert result.ok, result.errors
    changes = sync.changes
    assert set(changes.reprocessed) == set(changed.changed) & taken and changes.reprocessed
    assert set(changes.new) == {new for old, new in changed.renamed.items() if old in taken}
    assert set(changes.withdrawn) == (set(changed.renamed) | set(changed.withdrawn)) & taken
    assert changes.unchanged == len(taken) - len(changes.reprocessed) - len(changes.withdrawn)
    # the bytes moved are the changed files' only, and each is MAST's new copy
    listed = mw.search_program("JWST", 2739).products.set_index("dataURI")
    assert result.transfer.bytes_transferred == sum(
        int(listed.loc[u, "size"]) for u in (*changes.new, *changes.reprocessed)
    )
    for uri in changes.reprocessed:
        (path,) = dest.rglob(listed.loc[uri, "productFilename"])
        assert path.read_bytes() == own_sandbox.product_bytes(uri)
    untouched = [p for p in kept_before if not any(
        str(p).endswith(u.rsplit("/", 1)[-1]) for u in changes.reprocessed)]  # fmt: skip
    assert all((dest / p).read_bytes() == kept_before[p] for p in untouched)
    # withdrawn files kept (the default), their records marked; the old records kept
    records = {r["key"]: r for r in mw.Catalog().find(under=dest)}
    for uri in changes.withdrawn:
        assert records[uri]["withdrawn"] and records[uri]["path"]
    superseded = [r for r in mw.Catalog().find(job_id=first.id) if r.get("superseded")]
    assert {r["dataURI"] for r in superseded} == set(changes.reprocessed)
    text = changes.describe(result.transfer.bytes_transferred)
    assert text.startswith(f"{len(changes.new)} new, {len(changes.reprocessed)} reprocessed")
    # the associations (new names, same folders) are complete, members byte-identical
    for asn in dest.rglob("*_asn.json"):
        if f"mast:JWST/product/{asn.name}" in changes.withdrawn:
            continue  # the old pool's association, kept
        for name in members_named(asn):
            assert (asn.parent / name).read_bytes() == source_bytes(own_sandbox, name)

    again = own_sandbox.reprocess("JWST", 2739, fraction=0.05, seed=2)
    removing = mw.import_program("JWST", 2739, dest, levels=[2, 3], withdrawn="remove")
    assert removing.wait().ok
    gone = [u for u in removing.changes.withdrawn if u in set(again.renamed) | set(again.withdrawn)]
    assert gone and not [p for u in gone for p in dest.rglob(u.rsplit("/", 1)[-1])]
