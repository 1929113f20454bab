"""Imports of a selection: exact product rows, folder layouts, files here already."""

import os

import pandas as pd
import pytest

import mastwidgets as mw
from mastwidgets.catalog import on_disk
from mastwidgets.errors import InvalidQuery, NoProductsFound

JWST = "jw02739-o001_t001_nircam_clear-f090w"
JWST_EXPOSURES = ("jw02739001001_02101_00001_nrcb1", "jw02739001001_02101_00002_nrcb1")


def downloads_since(sandbox, mark):
    return [r for r in sandbox.requests_since(mark) if "Download" in r[1]]


def test_a_table_of_products_imports_exactly_its_rows(sandbox_env, mast_sandbox):
    listed = mw.list_products([JWST], mrp_only=True)
    chosen = listed[~listed["productFilename"].str.endswith("00002_nrcb1_cal.fits")]
    result = mw.import_observations(products=chosen).wait(timeout=120)
    assert result.ok, result.errors
    got = sorted(f.path.name for f in result.transfer.files)
    assert got == sorted(chosen["productFilename"]) and len(got) == len(listed) - 1
    for f in result.transfer.files:
        uri = chosen.loc[chosen["productFilename"] == f.path.name, "dataURI"].iloc[0]
        assert f.path.read_bytes() == mast_sandbox.product_bytes(uri)
    assert mw.Catalog().count() == len(got)


def test_a_table_without_locations_is_located_and_duplicates_fetched_once(
    sandbox_env, mast_sandbox
):
    listed = mw.list_products(["icdm02010"])
    bare = listed.drop(columns=["s3_uri", "url"])
    twice = pd.concat([bare, bare], ignore_index=True)  # one file under two observations
    mark = mast_sandbox.served
    result = mw.import_observations(products=twice, source="http").wait(timeout=120)
    assert result.ok and len(result.transfer.files) == len(listed)
    fetched = [r for r in downloads_since(mast_sandbox, mark) if r[0] == "GET"]
    assert len(fetched) == len(listed)  # each file once (one chunk each: small files)


def test_bad_tables_of_products_are_refused(sandbox_env):
    with pytest.raises(InvalidQuery, match="lacks obs_collection, productFilename, dataURI"):
        mw.import_observations(products=pd.DataFrame({"obs_id": ["x"]}))
    with pytest.raises(NoProductsFound, match="empty"):
        mw.import_observations(products=mw.list_products(["icdm02010"]).iloc[:0])
    with pytest.raises(InvalidQuery, match="observations to import"):
        mw.import_observations(products={"mrp_only": True})


@pytest.mark.parametrize(
    ("layout", "folders"),
    [
        ("observation", {f"JWST/{JWST}"}),  # the observation's own and its members' files
        ("flat", {""}),
        # astroquery's: each file in the folder of its MAST obs_id, a member exposure's
        # under the exposure (as MAST's curl scripts and download_products put them)
        ("astroquery", {f"mastDownload/JWST/{name}" for name in (JWST, *JWST_EXPOSURES)}),
    ],
)
def test_folder_layouts(sandbox_env, layout, folders):
    result = mw.import_observations([JWST], products={"mrp_only": True}, layout=layout)
    result = result.wait(timeout=120)
    assert result.ok, result.errors
    files = result.transfer.files
    assert {f.path.parent.relative_to(sandbox_env.data_dir).as_posix() for f in files} == {
        folder.strip("/") or "." for folder in folders
    }
    for folder in folders:
        base = sandbox_env.data_dir / folder
        assert sorted(p.name for p in base.iterdir() if p.is_file()) == sorted(
            f.path.name for f in files if f.path.parent == base
        )


def test_layout_setting_and_bad_layouts(sandbox_env, monkeypatch):
    monkeypatch.setenv("MASTWIDGETS_LAYOUT", "astroquery")
    assert mw.get_settings().layout == "astroquery"
    result = mw.import_observations(["icdm02010"]).wait(timeout=120)
    assert all("mastDownload/HST/" in f.path.as_posix() for f in result.transfer.files)
    monkeypatch.setenv("MASTWIDGETS_LAYOUT", "{productFilename}")  # a setting takes names only
    with pytest.raises(mw.errors.ConfigurationError, match="layout must be one of"):
        mw.get_settings()
    monkeypatch.delenv("MASTWIDGETS_LAYOUT")
    with pytest.raises(InvalidQuery, match="Unknown layout"):
        mw.import_observations(["icdm02010"], layout="by-date")


def test_files_here_already_are_marked_and_skipped_without_the_network(
    sandbox_env, mast_sandbox, tmp_path
):
    first = mw.import_observations(["icdm02010"], dest=tmp_path / "first").wait(timeout=120)
    assert first.ok
    paths = {f.path.name: str(f.path.resolve()) for f in first.transfer.files}

    listed = mw.list_products(["icdm02010"])  # every file; only the imported ones are here
    marked = dict(zip(listed["productFilename"], listed["on_disk"], strict=True))
    assert {name: where for name, where in marked.items() if where} == paths
    assert len(marked) > len(paths)

    mark = mast_sandbox.served
    again = mw.import_observations(["icdm02010"], dest=tmp_path / "second").wait(timeout=120)
    assert again.ok and again.transfer.files == ()
    assert not [p for p in (tmp_path / "second").rglob("*") if p.is_file()]
    assert sorted(where for _, where in again.already) == sorted(paths.values())
    assert not downloads_since(mast_sandbox, mark)

    # a changed file is not "here": it is fetched again, into the new folder
    changed = next(iter(paths.values()))
    with open(changed, "r+b") as data:
        data.truncate(100)
    listed = mw.list_products(["icdm02010"], productType="SCIENCE", calib_level=[2, 3])
    assert listed["on_disk"].isna().sum() == 1 and len(listed) == 3
    third = mw.import_observations(["icdm02010"], dest=tmp_path / "third").wait(timeout=120)
    assert [f.path.name for f in third.transfer.files] == [os.path.basename(changed)]
    assert len(third.already) == 2

    # and skip_existing=False fetches everything
    fresh = mw.import_observations(["icdm02010"], dest=tmp_path / "fresh", skip_existing=False)
    assert len(fresh.wait(timeout=120).transfer.files) == 3


def test_copies_outside_the_data_root_are_not_here(sandbox_env, tmp_path):
    result = mw.import_observations(["icdm02010"], dest=tmp_path / "mine").wait(timeout=120)
    uris = [f"mast:HST/product/{f.path.name}" for f in result.transfer.files]
    catalog = mw.Catalog()
    assert len(on_disk(catalog, uris)) == 3
    assert len(on_disk(catalog, uris, under=tmp_path / "mine")) == 3
    (tmp_path / "visitor").mkdir()
    assert on_disk(catalog, uris, under=tmp_path / "visitor") == {}


class _CatalogDown(mw.Catalog.__mro__[0]):
    """A catalog whose store does not answer (what CatalogUnavailable reports)."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def get_many(self, keys):
        raise mw.errors.CatalogUnavailable("MongoDB did not answer")

    upsert = upsert_many = get = find = delete = count = close = get_many


def test_a_catalog_that_cannot_answer_costs_only_the_marks(sandbox_env, mast_sandbox, tmp_path):
    listed = mw.list_products(["icdm02010"], catalog=_CatalogDown())
    assert len(listed) and listed["on_disk"].isna().all()
    assert "did not answer" in listed.attrs["catalog_error"]
    fetched = mw.import_observations(["icdm02010"], catalog=mw.Catalog())
    assert fetched.wait(timeout=120).ok
    again = mw.import_observations(["icdm02010"], catalog=_CatalogDown(), dest=tmp_path / "b")
    assert again.already == () and len(again.transfer.state.files) == 3  # fetched again
    again.cancel()
    again.wait(timeout=120)
