"""Observations real MAST was recorded answering, served verbatim: found, listed and
imported as any other, by mastwidgets and by astroquery, at the sizes MAST listed."""

from pathlib import Path

import mastwidgets as mw
from mastwidgets.mast import _client
from mastwidgets.sandbox import recordings

K2 = "ktwo228726301-c10_lc"  # lightkurve's cassette: MAST's K2 rows of campaign 10


def recorded_products(obs_id):
    return [
        row
        for _, answer in recordings.answers("Mast.Caom.Products")
        for row in answer["data"]
        if row["obs_id"] == obs_id
    ]


def test_a_recorded_k2_observation_is_found_listed_and_imported_at_mast_s_sizes(sandbox_env):
    found = mw.search_obs_id(K2)
    assert list(found["obs_id"]) == [K2] and found["obs_collection"][0] == "K2"
    listed = mw.list_products(K2, cloud=False)
    real = recorded_products(K2)
    assert sorted(listed["dataURI"]) == sorted(r["dataURI"] for r in real)
    assert dict(zip(listed["dataURI"], listed["size"], strict=True)) == {
        r["dataURI"]: r["size"] for r in real
    }

    result = mw.import_observations([K2], products={}).wait(timeout=300)
    assert result.ok, result.errors
    sizes = {r["productFilename"]: r["size"] for r in real}
    assert {f.path.name: f.path.stat().st_size for f in result.transfer.files} == sizes
    folders = {f.path.parent.relative_to(sandbox_env.data_dir) for f in result.transfer.files}
    assert [str(p) for p in folders] == [f"K2/{K2}"]
    records = {r["filename"]: r for r in mw.Catalog().records()}
    curve = records["ktwo228726301-c102_llc.fits"]
    assert curve["header"]["TELESCOP"] == "Kepler" and curve["header"]["CAMPAIGN"] == 10


def test_astroquery_downloads_the_recorded_rows_it_is_given(sandbox_env, tmp_path):
    """astroquery's own download of MAST's recorded HLSP and K2 rows (their dataURIs are
    not the mast:<mission>/product/ form): every file whole, at the listed size."""
    obs = _client.observations(sandbox_env)
    rows = obs.get_product_list(obs.query_criteria(target_name="ktwo228162462"))
    small = rows[rows["size"] < 3_000_000]
    manifest = obs.download_products(small, download_dir=str(tmp_path))
    assert set(manifest["Status"]) == {"COMPLETE"}, manifest
    sizes = {Path(path).name: Path(path).stat().st_size for path in manifest["Local Path"]}
    assert sizes == dict(zip(small["productFilename"], small["size"], strict=True))
