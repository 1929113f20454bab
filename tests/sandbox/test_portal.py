"""The sandbox's portal API on the wire, compared with real recorded MAST answers."""

import json
from pathlib import Path
from urllib.parse import quote

import astropy.units as u
import pytest
import requests
from astropy.coordinates import SkyCoord

FIXTURES = Path(__file__).parent.parent / "data" / "mast_fixtures"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def invoke(sb, service, params, **extra):
    body = {"service": service, "params": params, "format": "json", "pagesize": 50000, "page": 1}
    body.update(extra)
    response = requests.post(
        f"{sb.mast_url}/api/v0/invoke",
        data="request=" + quote(json.dumps(body)),
        headers={"Content-type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 200
    return response.json()


def field_types(answer):
    return {f["name"]: f["type"] for f in answer["fields"]}


@pytest.mark.parametrize(
    ("service", "params", "recorded"),
    [
        ("Mast.Caom.Cone", {"ra": 274.7, "dec": -13.807, "radius": 0.1}, "caom.json"),
        (
            "Mast.Caom.Filtered",
            {"columns": "*", "filters": [{"paramName": "obs_collection", "values": ["HST"]}]},
            "advSearch.json",
        ),
        (
            "Mast.Caom.Filtered.Position",
            {"columns": "*", "filters": [], "position": "274.7, -13.807, 0.1"},
            "advSearchPos.json",
        ),
    ],
)
def test_observation_answers_have_real_mast_shape(mast_sandbox, service, params, recorded):
    answer = invoke(mast_sandbox, service, params)
    real = fixture(recorded)
    assert set(answer) == set(real)
    assert answer["status"] == "COMPLETE"
    assert set(answer["paging"]) == set(real["paging"])
    assert answer["data"], "the sandbox should have observations here"
    ours, theirs = field_types(answer), field_types(real)
    shared = (set(ours) & set(theirs)) - {"obsid", "objID", "objID1", "t_exptime"}
    assert len(shared) >= 20
    assert {name: ours[name] for name in shared} == {name: theirs[name] for name in shared}
    # astroquery joins obsids as strings (MAST_PROTOCOL.md): they must be typed string.
    assert ours["obsid"] == "string"
    assert set(answer["data"][0]) >= set(ours)
    if "Position" in service or "Cone" in service:
        assert "distance" in ours
        distances = [row["distance"] for row in answer["data"]]
        assert distances == sorted(distances) and distances[-1] <= 0.1 * 3600


def test_a_cone_matches_footprints_as_mast_s_recorded_cone_does(mast_sandbox):
    # MAST's recorded 0.2-degree cone at M15 lists a TESS full-frame image centred
    # degrees away at distance 0: the cone meets its footprint, not its centre
    from mastwidgets.sandbox import recordings

    cone = recordings.load()["beginner_search_cones"]["observations"][0]
    ra, dec, radius = (float(x) for x in cone["position"].split())
    rows = [dict(zip(cone["columns"], r, strict=True)) for r in cone["rows"]]
    ffi = next(r for r in rows if r["obs_id"] == "tess-s0055-1-1")
    centre = SkyCoord(ra, dec, unit="deg")
    assert centre.separation(SkyCoord(ffi["s_ra"], ffi["s_dec"], unit="deg")).deg > 3 * radius
    assert ffi["distance"] == 0.0

    # ib6w01010 (M8, WFC3/UVIS): a square 201.6 arcseconds wide around its centre
    obs = next(o for o in mast_sandbox.catalogue.observations if o.obs_id == "ib6w01010")
    here = SkyCoord(obs.row["s_ra"], obs.row["s_dec"], unit="deg")
    inside = here.directional_offset_by(0 * u.deg, 70 * u.arcsec)
    outside = here.directional_offset_by(0 * u.deg, 150 * u.arcsec)

    def found(point, radius_deg):
        answer = invoke(
            mast_sandbox,
            "Mast.Caom.Cone",
            {"ra": point.ra.deg, "dec": point.dec.deg, "radius": radius_deg},
        )
        return {row["obs_id"]: row["distance"] for row in answer["data"]}

    assert found(inside, 1e-10)["ib6w01010"] == 0.0  # no centre is that near
    assert "ib6w01010" not in found(outside, 20 / 3600)
    assert found(outside, 90 / 3600)["ib6w01010"] == pytest.approx(150 - 100.8, abs=1)


def test_products_answer_has_real_mast_shape(mast_sandbox):
    obsid = mast_sandbox.catalogue.observations[0].obsid
    answer = invoke(mast_sandbox, "Mast.Caom.Products", {"obsid": obsid})
    real = fixture("products.json")
    assert set(answer) == set(real)
    ours, theirs = field_types(answer), field_types(real)
    shared = set(ours) & set(theirs) - {"obsID"}
    assert shared >= {"dataURI", "productFilename", "size", "productType", "obs_id"}
    assert {n: ours[n] for n in shared} == {n: theirs[n] for n in shared}
    assert ours["obsID"] == "string"
    sizes = {row["dataURI"]: row["size"] for row in answer["data"]}
    for uri, size in sizes.items():
        assert mast_sandbox.path_of(uri).stat().st_size == size


def test_products_of_several_obsids_and_a_bad_obsid(mast_sandbox):
    first, second = (o.obsid for o in mast_sandbox.catalogue.observations[:2])
    answer = invoke(mast_sandbox, "Mast.Caom.Products", {"obsid": f"{first},{second}"})
    assert {str(row["parent_obsid"]) for row in answer["data"]} == {first, second}
    bad = invoke(mast_sandbox, "Mast.Caom.Products", {"obsid": "icdm01010"})
    assert bad["status"] == "ERROR" and "bigint" in bad["msg"]


def test_paging_echoes_the_page_and_splits_the_rows(mast_sandbox):
    params = {"columns": "*", "filters": [{"paramName": "obs_collection", "values": ["JWST"]}]}
    everything = invoke(mast_sandbox, "Mast.Caom.Filtered", params)["data"]
    pages = [
        invoke(mast_sandbox, "Mast.Caom.Filtered", params, pagesize=5, page=p) for p in (1, 2, 3)
    ]
    assert [p["paging"]["page"] for p in pages] == [1, 2, 3]
    assert pages[0]["paging"]["pagesFiltered"] == 3
    assert [row["obs_id"] for p in pages for row in p["data"]] == [r["obs_id"] for r in everything]


def test_count_answers_like_real_mast(mast_sandbox):
    params = {
        "columns": "COUNT_BIG(*)",
        "filters": [{"paramName": "obs_collection", "values": ["TESS"]}],
    }
    answer = invoke(mast_sandbox, "Mast.Caom.Filtered", params)
    real = fixture("countsResp.json")
    assert field_types(answer) == field_types(real)
    tess = [o for o in mast_sandbox.catalogue.observations if o.row["obs_collection"] == "TESS"]
    assert answer["data"] == [{"Column1": len(tess)}] and len(tess) >= 5


def test_filters_and_across_or_within_wildcards_and_ranges(mast_sandbox):
    filters = [
        {"paramName": "obs_collection", "separator": ";", "values": ["JWST", "HST"]},
        {"paramName": "instrument_name", "values": [], "freeText": "%nircam%"},
        {"paramName": "t_min", "values": [{"min": 59700, "max": 59800}]},
    ]
    rows = invoke(mast_sandbox, "Mast.Caom.Filtered", {"columns": "*", "filters": filters})["data"]
    assert len(rows) == 6
    assert all(
        r["instrument_name"] == "NIRCAM/IMAGE" and 59700 <= r["t_min"] <= 59800 for r in rows
    )


def test_unknown_column_is_a_mast_error(mast_sandbox):
    filters = [{"paramName": "no_such_column", "values": ["x"]}]
    answer = invoke(mast_sandbox, "Mast.Caom.Filtered", {"columns": "*", "filters": filters})
    assert answer["status"] == "ERROR"


def test_resolver_answers_like_santa(mast_sandbox):
    response = requests.get(
        f"{mast_sandbox.mast_url}/Santa-war/query",
        params=[("outputFormat", "json"), ("resolveAll", "True"), ("name", "M8"), ("name", "Nope")],
        timeout=30,
    )
    answer = response.json()
    real = fixture("resolver.json")
    assert set(answer) == set(real)
    real_entry = real["resolvedCoordinate"][0]
    entries = answer["resolvedCoordinate"]
    assert {e["resolver"] for e in entries} == {"SIMBAD", "NED"}
    assert all(set(e) >= set(real_entry) - {"cacheDate"} for e in entries)
    assert {e["searchString"] for e in entries} == {"m8"}
    assert entries[0]["ra"] == pytest.approx(270.904) and entries[0]["decl"] == pytest.approx(
        -24.387
    )


def test_path_lookup_answers_every_uri(mast_sandbox):
    known = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.fits"
    missing = "mast:HST/product/does_not_exist.fits"
    answer = requests.get(
        f"{mast_sandbox.mast_url}/api/v0.1/path_lookup/",
        params=[("uri", known), ("uri", missing)],
        timeout=30,
    ).json()
    real = fixture("mast_relative_path.json")
    assert set(answer) == {known, missing}
    assert {type(v) for v in real.values()} == {type(v) for v in answer.values()}
    assert answer[missing] == real["mast:HST/product/does_not_exist.fits"]
    assert answer[known]["status_code"] == 200 and answer[known]["path"].startswith("/jwst/public/")


def test_columns_config_is_a_non_empty_dict_per_service(mast_sandbox):
    for service in ("Mast.Caom.Cone", "Mast.Caom.Products", "Mast.Caom.All"):
        response = requests.post(
            f"{mast_sandbox.mast_url}/portal/Mashup/Mashup.asmx/columnsconfig",
            data=f"colConfigId={service}",
            timeout=30,
        )
        config = response.json()
        assert isinstance(config, dict) and config


def test_unknown_paths_and_services_are_404_and_recorded(mast_sandbox):
    before = len(mast_sandbox.unknown_requests)
    assert requests.get(f"{mast_sandbox.mast_url}/api/v9/brand-new", timeout=30).status_code == 404
    answer = invoke(mast_sandbox, "Mast.Brand.New", {})
    assert answer["status"] == "ERROR"
    recorded = mast_sandbox.unknown_requests[before:]
    assert any("/api/v9/brand-new" in r for r in recorded)
    assert any("Mast.Brand.New" in r for r in recorded)
    mast_sandbox.portal._unknown.clear()
