"""One contract, both stores: SQLite and MongoDB (real wire protocol over TCP)."""

import pytest

from mastwidgets.catalog import RECORD_FIELDS
from mastwidgets.catalog.mongo_store import MongoCatalog
from mastwidgets.catalog.sqlite_store import SqliteCatalog
from mastwidgets.errors import InvalidCriteria


def record(key, **fields):
    base = {name: None for name in RECORD_FIELDS}
    base.update(
        key=key,
        header={"TELESCOP": "JWST", "EXPTIME": 1.5, "SIMPLE": True},
        extensions=[{"name": "SCI", "shape": [64, 64]}],
        imported_at="2026-11-24T06:00:00",
    )
    base.update(fields)
    return base


def test_upsert_get_and_replace(catalog):
    catalog.upsert(record("mast:JWST/product/a.fits", obs_id="o1", target="M16", size=10))
    got = catalog.get("mast:JWST/product/a.fits")
    assert got["obs_id"] == "o1" and got["header"]["EXPTIME"] == 1.5
    assert got["extensions"][0]["shape"] == [64, 64] and "_id" not in got
    catalog.upsert(record("mast:JWST/product/a.fits", obs_id="o1", target="M16", size=11))
    assert catalog.count() == 1 and catalog.get("mast:JWST/product/a.fits")["size"] == 11
    assert catalog.get("mast:nothing") is None


def test_find_by_fields_any_of_a_list_and_limit(catalog):
    catalog.upsert(
        record(
            "k1",
            obs_id="o1",
            target="M16",
            instrument="NIRCAM",
            filters="F090W",
            imported_at="2026-11-24T06:00:01",
        )
    )
    catalog.upsert(
        record(
            "k2",
            obs_id="o1",
            target="M16",
            instrument="MIRI",
            filters="F770W",
            imported_at="2026-11-24T06:00:02",
        )
    )
    catalog.upsert(
        record(
            "k3",
            obs_id="o2",
            target="M8",
            instrument="WFC3",
            filters="F656N",
            imported_at="2026-11-24T06:00:03",
        )
    )
    assert [r["key"] for r in catalog.by_obs_id("o1")] == ["k2", "k1"]  # newest first
    assert [r["key"] for r in catalog.find(target="M16", instrument="MIRI")] == ["k2"]
    assert {r["key"] for r in catalog.find(filters=["F090W", "F656N"])} == {"k1", "k3"}
    assert len(catalog.records(limit=2)) == 2
    assert catalog.find(target="NGC 6543") == []


def test_delete_and_count(catalog):
    catalog.upsert(record("k1"))
    catalog.upsert(record("k2"))
    assert catalog.delete("k1") is True and catalog.delete("k1") is False
    assert catalog.count() == 1


def test_to_dataframe_has_the_record_fields(catalog):
    catalog.upsert(record("k1", obs_id="o1", size=5))
    frame = catalog.to_dataframe()
    assert list(frame.columns) == list(RECORD_FIELDS)
    assert frame.loc[0, "obs_id"] == "o1"


def test_unknown_search_fields_are_refused(catalog):
    with pytest.raises(InvalidCriteria, match="cannot be searched by colour"):
        catalog.find(colour="red")


def test_the_store_matches_the_settings(catalog, request):
    expected = (
        SqliteCatalog if "sqlite" in request.node.callspec.params["catalog"] else MongoCatalog
    )
    assert isinstance(catalog, expected)
    assert "mongodb://" not in repr(catalog)


def test_find_under_a_folder_keeps_only_the_files_inside_it(catalog, tmp_path):
    root = tmp_path / "root"
    for key, path in [
        ("in", root / "HST" / "a.fits"),
        ("deep", root / "x" / "y" / "b.fits"),
        ("sibling", tmp_path / "root-other" / "c.fits"),  # the root's name is its prefix
        ("outside", tmp_path / "d.fits"),
    ]:
        catalog.upsert(record(key, path=str(path)))
    assert {r["key"] for r in catalog.find(under=root)} == {"in", "deep"}
    assert {r["key"] for r in catalog.find(under=root / "x")} == {"deep"}
    assert len(catalog.find()) == 4
    assert list(catalog.to_dataframe(under=root)["key"].sort_values()) == ["deep", "in"]


def test_upsert_many_inserts_and_replaces_in_one_call(catalog):
    catalog.upsert(record("k0", obs_id="old"))
    catalog.upsert_many([record(f"k{i}", obs_id="new", size=i) for i in range(300)])
    assert catalog.count() == 300
    assert catalog.get("k0")["obs_id"] == "new" and catalog.get("k299")["size"] == 299
    catalog.upsert_many([])
    assert catalog.count() == 300


def test_pages_counts_and_wildcards_are_the_stores_work(catalog):
    catalog.upsert_many(
        [
            record(
                f"mast:JWST/product/f{i:04d}.fits",
                obs_id=f"jw0{2739 + i % 3}-o001",
                target=("M16", "M8", "NGC 6543")[i % 3],
                instrument="NIRCAM" if i % 2 else "MIRI",
                imported_at=f"2026-11-24T06:{i // 60:02d}:{i % 60:02d}",
            )
            for i in range(250)
        ]
    )
    newest_first = [r["key"] for r in catalog.find()]
    pages = [catalog.find(limit=100, offset=o) for o in (0, 100, 200)]
    assert [len(p) for p in pages] == [100, 100, 50]
    assert [r["key"] for p in pages for r in p] == newest_first
    assert catalog.find(offset=240)[0]["key"] == newest_first[240]
    assert catalog.count() == 250 and catalog.count(target="M16") == 84
    assert catalog.count(target=["M16", "M8"], instrument="MIRI") == len(
        [r for r in catalog.find(target=["M16", "M8"]) if r["instrument"] == "MIRI"]
    )
    assert catalog.count(obs_id="JW02739*") == 84  # a wildcard ignores case
    assert catalog.count(target="ngc*") == 83 and catalog.count(target="*6543") == 83
    assert catalog.count(target="M1_") == 0  # only * is a wildcard
    assert {r["target"] for r in catalog.find(target=["M8", "ngc*"], limit=20)} == {
        "M8",
        "NGC 6543",
    }
    second = catalog.find(target="m1*", limit=10, offset=10)
    assert [r["key"] for r in second] == [r["key"] for r in catalog.find(target="M16")[10:20]]


def test_get_many_answers_in_batches_past_the_store_limits(catalog):
    catalog.upsert_many([record(f"mast:JWST/product/f{i:05d}.fits") for i in range(1_200)])
    wanted = [f"mast:JWST/product/f{i:05d}.fits" for i in range(0, 2_400, 2)]
    found = catalog.get_many([*wanted, "mast:JWST/product/f00000.fits"])  # a repeat, too
    assert sorted(found) == [k for k in wanted if int(k[-10:-5]) < 1_200]
    assert found["mast:JWST/product/f00002.fits"]["key"] == "mast:JWST/product/f00002.fits"
    assert catalog.get_many([]) == {}
