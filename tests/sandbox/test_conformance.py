"""The sandbox against the real MAST: its answers compared with answers MAST gave public
projects (``mastwidgets/sandbox/data/recordings/``, each with its source, and astroquery's
own recordings in ``tests/data/mast_fixtures/``).

For each mission and column: the share of the sandbox's values that real MAST would give,
that is, values MAST was recorded giving for that mission, or values of the form its
recorded values have (a pattern, itself checked against every recorded value). The table
is printed and kept in ``test-artifacts/conformance.txt``; a column below 100 % must be
listed in ``EXCEPTIONS`` with its reason, and an exception that no longer holds fails too.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from mastwidgets.sandbox import Sandbox, recordings
from mastwidgets.sandbox.synthetic import BIG_PRODUCTS, SyntheticSky

from .test_portal import invoke

#: Synthetic observations measured (every way of observing appears many times).
SYNTHETIC_SAMPLE = 300

FIXTURES = Path(__file__).parent.parent / "data" / "mast_fixtures"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

#: Observation columns whose values come from a closed vocabulary, per mission.
OBSERVATION_VOCABULARY = (
    "obs_collection",
    "provenance_name",
    "instrument_name",
    "project",
    "filters",
    "wavelength_region",
    "dataproduct_type",
    "intentType",
    "calib_level",
    "dataRights",
    "proposal_type",
)
PRODUCT_VOCABULARY = (
    "productType",
    "productGroupDescription",
    "productSubGroupDescription",
    "type",
    "description",
    "dataproduct_type",
    "calib_level",
    "dataRights",
)
#: Forms of open-ended values, per (mission, column), read off the recordings (each pattern
#: must match every recorded value of its mission and column, or this test fails).
#: MAST's K2 dataURIs: the kind of file, campaign, EPIC to 100,000 and the rest to 1,000.
_K2_URI = (
    r"mast:K2/url/missions/k2/(lightcurves|target_pixel_files|previews)/c\d{2,3}/\d{9}/\d{5}/"
    r"ktwo\d{9}-c\d{2,3}_(llc\.fits|[ls]pd-targ\.fits\.gz|llc_bw_large\.png)"
)
PATTERNS = {
    ("observations", "JWST", "instrument_name"): (
        recordings.load()["instrument_names"]["pattern"]["JWST"]
    ),
    (
        "observations",
        "JWST",
        "obs_id",
    ): r"jw\d{5}-o\d{3}_t\d{3}_(nircam|miri|niriss|nirspec)_[a-z0-9-]+",
    ("observations", "JWST", "filters"): r"F\d{3,4}[WMN](;F\d{3,4}[WMN])?",
    ("products", "JWST", "productFilename"): r"jw\d{11}_\d{5}_\d{5}_[a-z0-9]+_[a-z0-9_]+\.fits",
    (
        "observations",
        "TESS",
        "obs_id",
    ): r"tess\d{13}-s\d{4}-(\d{16}-\d{4}-[as](_fast)?|s\d{4}-\d{16})|tess-s\d{4}-[1-4]-[1-4]",
    ("observations", "TESS", "dataURL"): (
        r"mast:TESS/product/tess\d{13}-s\d{4}-"
        r"(\d{16}-\d{4}-[as](_fast-lc|_lc)|s\d{4}-\d{16}-\d{5}_dvt)\.fits"
    ),
    ("observations", "HLA", "obs_id"): r"hst_\d{5}_[0-9a-z]{2}(_[a-z0-9]+)+",
    ("observations", "TESS", "target_name"): r"\d{1,10}|TESS FFI",
    ("observations", "TESS", "proposal_pi"): r"Ricker, George",
    ("observations", "Kepler", "obs_id"): r"kplr\d{9}_(lc|sc)_Q[0-3]{18}",
    ("observations", "Kepler", "target_name"): r"kplr\d{9}",
    ("products", "Kepler", "dataURI"): (
        r"mast:KEPLER/url/missions/kepler/(lightcurves|target_pixel_files|previews|dv_files)/"
        r"\d{4}/\d{9}/kplr\d{9}[-_][\w.-]+"
    ),
    ("products", "Kepler", "description"): (
        r"Lightcurve Long Cadence \(CLC\) - Q\d{1,2}|Preview-Full|tar file for .+ - all quarters"
        r"|Data Validation (summary report|time series|full report)"
        r"|Transit Crossing Event Review Team \(TCERT\) report"
    ),
    ("observations", "K2", "obs_id"): r"ktwo\d{9}-c\d{2,3}_(lc|sc)",
    ("observations", "K2", "target_name"): r"ktwo\d{9}",
    ("observations", "K2", "dataURL"): _K2_URI,
    ("observations", "K2", "jpegURL"): _K2_URI,
    ("products", "K2", "dataURI"): _K2_URI,
    ("products", "K2", "description"): (
        r"Preview-Full|Lightcurve Long Cadence \(KLC\) - C\d{2}(-\d)?"
        r"|Target Pixel (Long|Short) Cadence \(KT[LS]\) - C\d{2}(-\d)?"
    ),
}
#: (mission, column) whose sandbox values real MAST would not (all) give, and why.
_NO_HST = (
    "the recordings hold WFPC2-era HST rows only (astroquery's); none of WFC3, ACS or STIS yet"
)
_NO_JWST_PRODUCTS = (
    "the JWST product recording is the level-2 SCIENCE rows a tutorial printed (obsID, file "
    "name, size, level): no level-1 or level-3 files, association files or other columns"
)
EXCEPTIONS = {
    ("HST", "dataproduct_type"): _NO_HST + " (a STIS spectrum)",
    ("HST", "filters"): _NO_HST,
    ("HST", "instrument_name"): _NO_HST,
    ("HST", "wavelength_region"): _NO_HST + " (WFC3/IR: INFRARED)",
    ("HST", "description"): _NO_HST + "'s FLT, RAW, ASN or preview products",
    ("HST", "productSubGroupDescription"): _NO_HST + "'s FLT, RAW, ASN, DRC or preview products",
    ("HST", "calib_level"): (
        "the recorded HST product rows are one WFPC2 exposure's (levels 1 and 2): no recorded "
        "HST level-3 (DRZ, DRC) row"
    ),
    ("JWST", "dataproduct_type"): "no recorded JWST spectroscopy (the sandbox's NIRSpec IFU cube)",
    ("JWST", "filters"): "no recorded JWST spectroscopy (the NIRSpec IFU's G395H;F290LP)",
    ("JWST", "calib_level"): _NO_JWST_PRODUCTS,
    ("JWST", "productFilename"): _NO_JWST_PRODUCTS,
    ("HLA", "filters"): (
        "F375N and F814W: astroquery's remote tests fetch files of hst_05206_01_wfpc2_f375n_wf "
        "and hst_04819_65_wfpc2_f814w_pc; the recorded HLA rows hold F555W and DETECTION only"
    ),
    ("HLSP", "provenance_name"): (
        "TICA: the tutorial printed its TICA row without provenance (the sandbox's TICA FFIs "
        "at astroquery's cone)"
    ),
    ("TESS", "productSubGroupDescription"): (
        "no recorded SPOC data-validation product rows: the multi-sector DV rows' file "
        "(their dataURL, _dvt.fits) is listed with subgroup DVT, a guess"
    ),
}


def _astroquery_rows(name):
    return json.loads((FIXTURES / name).read_text())["data"]


def recorded_values(kind):
    """{(mission, column): {values}} of every recorded row of ``kind``."""
    if kind == "observations":
        rows = [row for _, row in recordings.observation_rows()]
        rows += _astroquery_rows("caom.json") + _astroquery_rows("advSearch.json")
        documented = recordings.load()["instrument_names"]["instrument_name"]
        rows += [
            {"obs_collection": mission, "instrument_name": name}
            for mission, names in documented.items()
            for name in names
        ]
    else:
        rows = [row for _, row in recordings.product_rows()]
        rows += _astroquery_rows("products.json")
    values = defaultdict(set)
    for row in rows:
        mission = row.get("obs_collection") or _mission_of_product(row)
        for column, value in row.items():
            values[mission, column].add(value)
    return values


def _mission_of_product(row):
    name = row.get("productFilename", "")
    return "JWST" if name.startswith("jw") else None


@pytest.fixture(scope="module")
def sandbox_rows(mast_sandbox):
    collections = sorted({o.row["obs_collection"] for o in mast_sandbox.catalogue.observations})
    filters = [{"paramName": "obs_collection", "values": collections}]
    observations = invoke(mast_sandbox, "Mast.Caom.Filtered", {"columns": "*", "filters": filters})
    obsids = ",".join(str(row["obsid"]) for row in observations["data"])
    products = invoke(mast_sandbox, "Mast.Caom.Products", {"obsid": obsids})
    return {"observations": observations, "products": products}


@pytest.fixture(scope="module")
def built_rows(sandbox_rows):
    """The rows the sandbox makes itself: those it serves verbatim from a recording are
    real MAST's by construction, and would only flatter the figures."""
    built = {}
    for kind in ("observations", "products"):
        verbatim = [row for _, row in getattr(recordings, f"{kind[:-1]}_rows")()]
        rows = sandbox_rows[kind]["data"]
        built[kind] = [row for row in rows if not any(_served(row, r) for r in verbatim)]
        built[kind + " verbatim"] = len(rows) - len(built[kind])
    return built


#: A recorded row with fewer columns (a tutorial's few printed ones) leaves most of the
#: sandbox's row its own: such a row is measured, not counted as served verbatim.
_WHOLE_ROW = 13


def _served(row, recorded):
    """Whether the sandbox's ``row`` is the ``recorded`` one: equal in every recorded
    column, a printed product list's too (all but ``filters``, which it did not print)."""
    keys = "obsid", "obs_id", "obsID", "dataURI"
    identified = any(k in recorded for k in keys) and len(recorded) >= _WHOLE_ROW
    return identified and all(row.get(k) == v for k, v in recorded.items())


def test_the_recorded_requests_get_the_recorded_answers(mast_sandbox):
    """Each request a recording holds, sent again, gets real MAST's rows verbatim, in its
    order (an excerpt's rows open the answer), with its columns and paging."""
    replayed = 0
    for name, doc in recordings.load().items():
        for interaction in doc.get("interactions", ()):
            if "params" not in interaction:
                continue
            real = interaction["answer"]
            answer = invoke(mast_sandbox, interaction["service"], interaction["params"])
            if interaction.get("excerpt"):
                assert answer["data"][: len(real["data"])] == real["data"], name
            else:
                assert answer["data"] == real["data"], name
                assert answer["fields"] == real["fields"], name
                assert answer["paging"] == real["paging"], name
            replayed += 1
    assert replayed >= 7


def test_every_pattern_matches_every_recorded_value():
    recorded = {kind: recorded_values(kind) for kind in ("observations", "products")}
    for (kind, mission, column), pattern in PATTERNS.items():
        values = {v for v in recorded[kind].get((mission, column), ()) if v is not None}
        assert values, f"no recorded {mission} {column} grounds the pattern {pattern}"
        unmatched = sorted(v for v in values if not re.fullmatch(pattern, str(v)))
        assert unmatched == [], (mission, column, unmatched)


@pytest.mark.parametrize("service", ["Mast.Caom.Filtered", "Mast.Caom.Products"])
def test_columns_their_order_and_types_are_mast_s(sandbox_rows, service):
    kind = "observations" if service == "Mast.Caom.Filtered" else "products"
    ours = [(f["name"], f["type"]) for f in sandbox_rows[kind]["fields"]]
    assert ours == recordings.fields(service)
    assert all(list(row) == [name for name, _ in ours] for row in sandbox_rows[kind]["data"])
    # In JSON, as MAST sends them: a "string" column may hold numbers (obsid, objID).
    recorded = json_types(row for _, row in getattr(recordings, f"{kind[:-1]}_rows")())
    sandbox = json_types(sandbox_rows[kind]["data"])
    odd = {c: sorted(t - recorded[c]) for c, t in sandbox.items() if t - recorded.get(c, t)}
    assert odd == {}


def json_types(rows):
    """{column: {JSON types of its values}} (null left out)."""
    types = defaultdict(set)
    for row in rows:
        for column, value in row.items():
            if value is not None:
                types[column].add("number" if type(value) in (int, float) else type(value).__name__)
    return types


def measure(rows_of: dict[str, list[dict]]) -> tuple[list[str], dict]:
    """The table's lines, per (kind, mission, column): how many of the rows' values real
    MAST would give; and the (mission, column) pairs below 100 %, with a few odd values."""
    lines, below = [], {}
    for kind, columns in (
        ("observations", OBSERVATION_VOCABULARY),
        ("products", PRODUCT_VOCABULARY),
    ):
        recorded = recorded_values(kind)
        rows = rows_of[kind]
        checked = sorted(
            {(row["obs_collection"], c) for row in rows for c in columns}
            | {
                (m, c)
                for k, m, c in PATTERNS
                if k == kind and any(r["obs_collection"] == m for r in rows)
            }
        )
        for mission, column in checked:
            if column not in rows[0]:
                continue
            values = [row[column] for row in rows if row["obs_collection"] == mission]
            pattern = PATTERNS.get((kind, mission, column))
            known = recorded.get((mission, column))
            if pattern is None and known is None:
                lines.append(f"{kind:12} {mission:5} {column:27} {len(values):6}    (no recording)")
                continue
            real = [
                v
                for v in values
                if (known is not None and v in known)
                or (pattern is not None and v is not None and re.fullmatch(pattern, str(v)))
            ]
            share = 100 * len(real) / len(values)
            odd = sorted({str(v) for v in values} - {str(v) for v in real})[:4]
            lines.append(
                f"{kind:12} {mission:5} {column:27} {len(values):6} {share:6.1f} %"
                + (f"  not in the recordings: {', '.join(odd)}" if odd else "")
            )
            if share < 100:
                below[mission, column] = odd
    return lines, below


def summary_of(lines: list[str]) -> str:
    measured = [line for line in lines if "(no recording)" not in line]
    full = [line for line in measured if " 100.0 %" in line]
    return (
        f"{len(full)} of {len(measured)} recorded (mission, column) pairs at 100 %; "
        f"{len(lines) - len(measured)} without any recording"
    )


def report(name: str, lines: list[str], summary: str) -> None:
    header = "rows         mission column                     values   real"
    table = "\n".join([header, *lines, summary])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(table + "\n")
    print(table)


def test_values_are_what_real_mast_gives(built_rows):
    lines, below = measure(built_rows)
    summary = (
        f"{summary_of(lines)}; {built_rows['observations verbatim']} observation and "
        f"{built_rows['products verbatim']} product rows served verbatim from the "
        "recordings, not counted"
    )
    report("conformance.txt", lines, summary)
    assert sorted(below) == sorted(EXCEPTIONS), {
        key: values for key, values in below.items() if key not in EXCEPTIONS
    }


#: The synthetic sky's (mission, column) pairs real MAST would not (all) give, and why.
_NO_SPECTRA = "no recorded {} spectroscopy (the synthetic sky's spectra)"
_HLA_WFPC2 = "the recorded HLA rows are WFPC2's; the synthetic sky's are ACS's and WFC3's"
SYNTHETIC_EXCEPTIONS = {
    **{k: v for k, v in EXCEPTIONS.items() if k[0] == "HST" and k[1] != "calib_level"},
    ("HST", "calib_level"): EXCEPTIONS["HST", "calib_level"],
    ("HST", "instrument_name"): _NO_HST + " (nor COS)",
    ("HST", "wavelength_region"): _NO_HST + " (WFC3/IR: INFRARED; COS: UV)",
    ("HST", "dataRights"): "only PUBLIC rows are recorded; the synthetic sky's newest "
    "observations are EXCLUSIVE_ACCESS, as MAST's are for a year",
    ("HST", "dataproduct_type"): _NO_SPECTRA.format("HST"),
    ("JWST", "dataproduct_type"): _NO_SPECTRA.format("JWST"),
    ("JWST", "filters"): _NO_SPECTRA.format("JWST") + ": NIRSpec's filter;grating pairs",
    ("JWST", "productFilename"): _NO_JWST_PRODUCTS + "; " + _NO_SPECTRA.format("JWST"),
    ("JWST", "calib_level"): _NO_JWST_PRODUCTS,
    ("HLA", "instrument_name"): _HLA_WFPC2,
    ("HLA", "filters"): _HLA_WFPC2 + " (F435W, F438W)",
}


def test_the_synthetic_sky_s_values_are_what_real_mast_gives():
    """The same measure for the synthetic sky (the archive-scale observations of every
    benchmark and scale test): a sample of every way of observing, with its products."""
    with Sandbox(scale=SYNTHETIC_SAMPLE, s3=False, cache=False) as sandbox:
        sky = sandbox.catalogue.synthetic
        obsids = [sky.obsid(i) for i in range(len(BIG_PRODUCTS), sky.count)]
        filters = [{"paramName": "obsid", "values": obsids}]
        observations = invoke(sandbox, "Mast.Caom.Filtered", {"columns": "*", "filters": filters})
        products = invoke(sandbox, "Mast.Caom.Products", {"obsid": ",".join(obsids)})
    rows = {"observations": observations["data"], "products": products["data"]}
    missions = {"HST", "JWST", "TESS", "GALEX", "HLA", "PS1", "Kepler", "K2"}
    assert {r["obs_collection"] for r in rows["observations"]} == missions
    lines, below = measure(rows)
    report("conformance-synthetic.txt", lines, summary_of(lines) + " (synthetic sky)")
    assert sorted(below) == sorted(SYNTHETIC_EXCEPTIONS), {
        key: values for key, values in below.items() if key not in SYNTHETIC_EXCEPTIONS
    }


#: A JWST exposure's name: program, observation, visit, group/activity, exposure, detector.
EXPOSURE = re.compile(r"(jw\d{11}_\d{5}_\d{5}_[a-z0-9]+)_[a-z0-9_]+\.fits")


def test_a_jwst_exposure_s_files_are_listed_under_the_exposure(sandbox_rows):
    """MAST lists a level-3 observation's member files under their exposure: its own
    obsID (one per exposure, in the recording) and its name as obs_id, which is the folder
    astroquery downloads them to and the folder of MAST's curl scripts."""
    recorded = recordings.load()["jwst_program_2733"]
    groups = defaultdict(set)
    for obsid, _, filename, _, _ in recorded["products"]["rows"]:
        groups[EXPOSURE.fullmatch(filename).group(1)].add(obsid)
    assert len(groups) == 16 and all(len(ids) == 1 for ids in groups.values())
    assert len({ids.pop() for ids in groups.values()}) == 16  # one obsID per exposure
    for download in [*recorded["downloads"], *recorded["bundle"]["rows"]]:
        path = download.get("local_path") or download["file"]
        exposure = EXPOSURE.fullmatch(path.rsplit("/", 1)[1]).group(1)
        assert path.endswith(f"JWST/{exposure}/{path.rsplit('/', 1)[1]}")

    members = [
        row
        for row in sandbox_rows["products"]["data"]
        if row["obs_collection"] == "JWST" and EXPOSURE.fullmatch(row["productFilename"])
    ]
    assert members
    by_exposure = defaultdict(set)
    for row in members:
        exposure = EXPOSURE.fullmatch(row["productFilename"]).group(1)
        assert row["obs_id"] == exposure, row
        assert row["obsID"] != row["parent_obsid"]
        by_exposure[exposure].add(row["obsID"])
    assert all(len(ids) == 1 for ids in by_exposure.values())
    assert len({next(iter(ids)) for ids in by_exposure.values()}) == len(by_exposure)


def test_a_jwst_imaging_exposure_lists_mast_s_level_2_files(sandbox_rows):
    """Each exposure of a JWST imaging observation lists the level-2 files MAST's recorded
    exposures have (rate, rateints, cal, crf named with the observation, i2d)."""

    def suffix(filename):  # what follows the exposure's name, the observation left out
        exposure = EXPOSURE.fullmatch(filename).group(1)
        return re.sub(r"^o\d{3}_", "o<obs>_", filename[len(exposure) + 1 : -len(".fits")])

    recorded = defaultdict(set)
    for _, _, filename, _, level in recordings.load()["jwst_program_2733"]["products"]["rows"]:
        recorded[EXPOSURE.fullmatch(filename).group(1)].add((suffix(filename), level))
    expected = {frozenset(files) for files in recorded.values()}
    assert len(expected) == 1 and len(next(iter(expected))) == 5

    ours = defaultdict(set)
    for row in sandbox_rows["products"]["data"]:
        match = EXPOSURE.fullmatch(row["productFilename"])
        image = row["obs_collection"] == "JWST" and row["dataproduct_type"] == "image"
        if image and match and row["calib_level"] == 2:
            ours[match.group(1)].add((suffix(row["productFilename"]), 2))
    assert ours and {frozenset(files) for files in ours.values()} == expected


#: The forms of JWST keys in MAST's bucket, read off recordings/jwst_s3_keys.json.
JWST_KEYS = {
    3: re.compile(r"jwst/public/jw(\d{5})/L3/t/o(\d{3})/jw\1-o\2_[a-z0-9_.-]+"),
    2: re.compile(
        r"jwst/public/jw(\d{5})/jw\1\d{6}/jw\1\d{6}_\d{5}_\d{5}_[a-z0-9]+_[a-z0-9_]+\.\w+"
    ),
}


def test_jwst_files_sit_where_mast_s_bucket_keeps_them(mast_sandbox):
    """Level-3 files under ``L3/t/o<observation>``, an exposure's under its visit, as the
    keys recorded from MAST's bucket are; in the curated and the synthetic catalogue."""
    for key in recordings.load()["jwst_s3_keys"]["s3_keys"]:
        assert JWST_KEYS[key["level"]].fullmatch(key["key"]), key
    synthetic = SyntheticSky(200)
    products = [p for p in mast_sandbox.catalogue.products if p.collection == "JWST"]
    products += [
        p
        for i in range(synthetic.count)
        if synthetic.collection(i) == "JWST"
        for p in synthetic.observation(i).products
    ]
    # an MSA configuration file's key was not recorded (the sandbox keeps it by its visit)
    keys = [(p, p.s3_key) for p in products if p.s3_key and not p.filename.endswith("_msa.fits")]
    assert len(keys) > 100
    for product, key in keys:
        level = 2 if EXPOSURE.fullmatch(product.filename) else 3
        assert JWST_KEYS[level].fullmatch(key), key
        assert key.endswith("/" + product.filename)


def test_synthetic_k2_rows_have_mast_s_recorded_forms():
    """The synthetic sky's K2 observations and files, in the forms of MAST's recorded K2
    answers: dataURIs, previews, descriptions, campaigns."""
    sky = SyntheticSky(400)
    k2 = [i for i in range(sky.count) if sky.collection(i) == "K2"]
    assert len(k2) > 10
    for i in k2:
        row = sky.row(i)
        for column in ("obs_id", "target_name", "dataURL", "jpegURL"):
            assert re.fullmatch(PATTERNS["observations", "K2", column], row[column]), row[column]
        assert row["obs_id"].split("-c")[1].startswith(f"{row['sequence_number']:02d}")
        products = sky.observation(i).products
        assert {p.kind for p in products} == {"preview", "lightcurve", "pixels"}
        for product in products:
            assert re.fullmatch(PATTERNS["products", "K2", "dataURI"], product.uri)
            assert re.fullmatch(PATTERNS["products", "K2", "description"], product.description)
            assert sky.product(product.uri)[1] == product  # downloads find it by its URI


def test_ps1_files_take_the_names_and_keys_astroquery_s_remote_test_asserts():
    """astroquery's remote test fetches mast:PS1/product/rings.v3.skycell.1334.061.stk.r.
    unconv.exp.fits from s3://stpubdata/panstarrs/ps1/public/rings.v3.skycell/1334/061/:
    the synthetic sky's PS1 stacks are named and kept the same way."""
    asserted = next(
        f
        for f in recordings.load()["astroquery_remote_tests"]["files"]
        if f["dataURI"].startswith("mast:PS1/")
    )
    uri = re.compile(
        r"mast:PS1/product/(rings\.v3\.skycell\.(\d{4})\.(\d{3})\.stk\.[grizy])\.unconv(\.\w+)?\.fits"
    )
    found = uri.fullmatch(asserted["dataURI"])
    assert found and asserted["cloud"] == (
        f"s3://stpubdata/panstarrs/ps1/public/rings.v3.skycell/{found[2]}/{found[3]}/"
        + asserted["dataURI"].rsplit("/", 1)[1]
    )
    sky = SyntheticSky(400)
    stacks = [sky.observation(i) for i in range(sky.count) if sky.collection(i) == "PS1"]
    assert stacks
    for observation in stacks:
        for product in observation.products:
            found = uri.fullmatch(product.uri)
            assert found and found[1] == observation.obs_id, product.uri
            assert product.s3_key == (
                f"panstarrs/ps1/public/rings.v3.skycell/{found[2]}/{found[3]}/{product.filename}"
            )


def test_galex_rows_and_files_take_mast_s_forms():
    """GALEX obs_ids are 19-digit numbers and files sit in MAST's GALEX pipeline folders
    (MAST's data-delivery tests), named under ``mast:GALEX/url/`` as MAST names Kepler's
    archive files under ``mast:KEPLER/url/`` (recorded)."""
    facts = recordings.load()["galex_paths"]
    folder = re.compile(
        r"data/GR[67]/pipe/0[12]-vsn/\d{5}-(?P<tile>[A-Za-z0-9_]+)/[dg]/01-main/0001-img/07-try/"
    )
    for fact in facts["galex"]:
        assert re.fullmatch(r"\d{19}", fact["obs_id"])
        assert folder.match(fact["url"].removeprefix("galex.stsci.edu/")), fact
    sky = SyntheticSky(400)
    galex = [sky.observation(i) for i in range(sky.count) if sky.collection(i) == "GALEX"]
    assert galex
    for observation in galex:
        assert re.fullmatch(r"\d{19}", observation.obs_id)
        for product in observation.products:
            path = product.uri.removeprefix("mast:GALEX/url/")
            found = folder.match(path)
            assert product.uri.startswith("mast:GALEX/url/") and found, product.uri
            assert found["tile"] == observation.row["target_name"]
            assert product.filename.startswith(found["tile"] + "_sg")
