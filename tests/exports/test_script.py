"""mw.download_script: a bash script of curl calls, run with bash and curl against the sandbox."""

import os
import subprocess

import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery, UnsafeDestination

PRIVATE = "jw06543-o001_t001_nirspec_g395h-f290lp"


def run(script, folder, *args, env=None):
    return subprocess.run(
        ["bash", str(script), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def manifest_rows(folder):
    lines = (folder / "MANIFEST.txt").read_text().splitlines()
    return [line.split("\t") for line in lines[1:]]


def clean_env(sandbox_env):
    """The test's environment (pointing at the sandbox) without a MAST token."""
    return {k: v for k, v in os.environ.items() if k != "MAST_API_TOKEN"}


def test_the_script_fetches_byte_identical_files_in_the_importers_layout(
    sandbox_env, mast_sandbox, tmp_path
):
    products = mw.list_products(["icdm02010", "jw02739-o001_t001_nircam_clear-f090w"])
    script = tmp_path / "get.sh"
    text = mw.download_script(products, script)
    assert script.read_text() == text and script.stat().st_mode & 0o100
    out = tmp_path / "out"
    out.mkdir()
    done = run(script, out, env=clean_env(sandbox_env))
    assert done.returncode == 0, done.stderr
    assert f"{len(products)} of {len(products)} file(s) retrieved" in done.stderr
    imported = mw.import_observations(products=products, dest=tmp_path / "imported")
    result = imported.wait(timeout=120)
    for f in result.transfer.files:  # the same relative paths, the same bytes
        assert (out / f.name).read_bytes() == f.path.read_bytes(), f.name
    assert len(result.transfer.files) == len(products)
    assert not list(out.rglob("*.part"))
    rows = manifest_rows(out)
    assert [r[0] for r in rows] == ["OK"] * len(products)
    assert sorted(r[4] for r in rows) == sorted(products["dataURI"])
    assert all(r[2] == r[3] for r in rows)  # bytes requested == retrieved


def test_a_truncated_file_resumes_and_finished_files_are_not_fetched_again(
    sandbox_env, mast_sandbox, tmp_path
):
    products = mw.list_products(["icdm02010"], productType="SCIENCE", calib_level=[2, 3])
    script = tmp_path / "get.sh"
    mw.download_script(products, script, layout="flat")
    first = products.iloc[0]
    whole = mast_sandbox.product_bytes(first["dataURI"])
    (tmp_path / f"{first['productFilename']}.part").write_bytes(whole[:10_000])
    second = products.iloc[1]
    (tmp_path / second["productFilename"]).write_bytes(
        mast_sandbox.product_bytes(second["dataURI"])
    )
    mark = mast_sandbox.served
    done = run(script, tmp_path, env=clean_env(sandbox_env))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / first["productFilename"]).read_bytes() == whole
    fetched = [r for r in mast_sandbox.requests_since(mark) if "Download" in r[1]]
    assert sorted(r[2] for r in fetched) == [200, 206]  # the third file whole, the first resumed
    assert not any(second["productFilename"] in r[1] for r in fetched)


def test_exclusive_access_files_need_the_token_which_is_never_written(
    sandbox_env, mast_sandbox, tmp_path
):
    products = mw.list_products([PRIVATE])
    assert products["proprietary"].all()
    script = tmp_path / "get.sh"
    text = mw.download_script(products, script)
    without = tmp_path / "without"
    without.mkdir()
    refused = run(script, without, env=clean_env(sandbox_env))
    assert refused.returncode != 0 and "give a MAST token" in refused.stderr
    assert {r[0] for r in manifest_rows(without)} == {"MISSING"}
    assert not [p for p in without.rglob("*") if p.is_file() and p.name != "MANIFEST.txt"]

    env = clean_env(sandbox_env) | {"MAST_API_TOKEN": mast_sandbox.token}
    with_env = tmp_path / "with-env"
    with_env.mkdir()
    assert run(script, with_env, env=env).returncode == 0
    by_argument = tmp_path / "by-argument"
    by_argument.mkdir()
    assert run(script, by_argument, mast_sandbox.token, env=clean_env(sandbox_env)).returncode == 0
    for folder in (with_env, by_argument):
        for uri, name in zip(products["dataURI"], products["productFilename"], strict=True):
            assert (folder / "JWST" / PRIVATE / name).read_bytes() == mast_sandbox.product_bytes(
                uri
            )
        assert mast_sandbox.token not in (folder / "MANIFEST.txt").read_text()
    assert mast_sandbox.token not in text
    table = mw.manifest(products)
    assert mast_sandbox.token not in "\n".join(table.pformat(max_lines=-1, max_width=-1))


def test_hostile_file_names_are_quoted_or_refused(sandbox_env, mast_sandbox, tmp_path):
    products = mw.list_products(["icdm02010"], productType="SCIENCE", calib_level=3)
    hostile = products.copy()
    hostile["productFilename"] = ["a'$(touch pwned)`touch pwned2`;\"b.fits"]
    script = tmp_path / "get.sh"
    mw.download_script(hostile, script, layout="flat")
    assert run(script, tmp_path, env=clean_env(sandbox_env)).returncode == 0
    assert (tmp_path / hostile["productFilename"].iloc[0]).read_bytes() == (
        mast_sandbox.product_bytes(products["dataURI"].iloc[0])
    )
    assert not list(tmp_path.glob("pwned*"))
    hostile["productFilename"] = ["../../escape.fits"]
    with pytest.raises(UnsafeDestination):
        mw.download_script(hostile, layout="flat")
    with pytest.raises(InvalidQuery):
        mw.download_script(products.iloc[:0])
