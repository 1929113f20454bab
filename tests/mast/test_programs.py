"""A whole program: its observations and files, counted by kind before anything moves."""

import subprocess
import sys
from collections import Counter

import pytest
from astroquery.mast import Observations

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery, ObservationNotFound, ProgramNotFound


def expected_files(sandbox, mission, program):
    """What the sandbox holds for the program, each file once, by kind and level."""
    products = {
        p.uri: p
        for o in sandbox.catalogue.observations
        if o.row["obs_collection"] == mission and o.row["proposal_id"] == program
        for p in o.products
    }
    kinds = Counter()
    for p in products.values():
        kind = (
            "guide-star" if p.subgroup.startswith("GS-")
            else "association" if p.subgroup == "ASN"
            else "science" if p.product_type == "SCIENCE"
            else "preview" if p.product_type in ("PREVIEW", "THUMBNAIL")
            else "auxiliary"
        )  # fmt: skip
        kinds[kind, p.calib_level] += 1
    return kinds


def test_a_jwst_program_by_number_with_its_files_counted_once_by_kind(sandbox_env, mast_sandbox):
    calls = []
    program = mw.search_program("jwst", 2739, progress=lambda *a: calls.append(a))
    assert (program.mission, program.program) == ("JWST", "2739")
    # the observations astroquery itself finds for the program
    theirs = Observations.query_criteria(obs_collection="JWST", proposal_id="2739")
    assert sorted(program.observations["obs_id"]) == sorted(theirs["obs_id"])

    found = {(r.kind, r.calib_level): r.files for r in program.summary.itertuples()}
    assert found == expected_files(mast_sandbox, "JWST", "2739")
    assert found["guide-star", 2] == 160 and found["association", 3] == 9
    assert program.files == sum(found.values())
    # guide-star files are counted, not kept; every file kept is there once
    assert "guide-star" not in set(program.products["kind"])
    assert program.products["dataURI"].is_unique
    assert len(program.products) == program.files - 160
    assert program.bytes == program.summary["bytes"].sum() > 0
    assert calls[-1][:2] == (9, 9) and calls[-1][2] >= program.files

    by_filter = program.by_instrument.set_index("filters")
    assert by_filter.loc["F090W", "instrument_name"] == "NIRCAM/IMAGE"
    assert by_filter["files"].sum() == program.summary.query("kind == 'science'")["files"].sum()

    text = program.describe()
    assert text.startswith("JWST program 2739: 9 observation(s), 322 file(s)")
    assert "guide-star level 2" in text and "NIRCAM/IMAGE F090W" in text

    padded = mw.search_program("JWST", "02739", guide_stars=True)
    assert padded.files == program.files
    assert (padded.products["kind"] == "guide-star").sum() == 160


def test_an_hst_program_lists_its_association_tables(sandbox_env, mast_sandbox):
    program = mw.search_program("HST", "13926")
    found = {(r.kind, r.calib_level): r.files for r in program.summary.itertuples()}
    assert found == expected_files(mast_sandbox, "HST", "13926")
    asn = program.products.loc[program.products["kind"] == "association", "productFilename"]
    assert sorted(asn) == [f"icdm0{n}_asn.fits" for n in ("1010", "1020", "2010", "2020")]


def test_bad_program_searches_say_what_to_give(sandbox_env):
    for mission, program, message in (
        ("", 1, "not a mission"),
        ("JW ST", 1, "not a mission"),
        ("JWST", "", "not a program ID"),
        ("JWST", -5, "not a program ID"),
        ("JWST", "12 34", "not a program ID"),
        ("JWST", True, "not a program ID"),
    ):
        with pytest.raises(InvalidQuery, match=message):
            mw.search_program(mission, program)
    with pytest.raises(ProgramNotFound, match="no JWST observations of program 99999") as caught:
        mw.search_program("JWST", "099999")
    assert isinstance(caught.value, ObservationNotFound)


def test_the_program_command_prints_the_summary(sandbox_env):
    done = subprocess.run(
        [sys.executable, "-m", "mastwidgets", "program", "JWST", "02739"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("JWST program 2739: 9 observation(s), 322 file(s)")
    unknown = subprocess.run(
        [sys.executable, "-m", "mastwidgets", "program", "JWST", "99999"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert unknown.returncode != 0 and "no JWST observations of program 99999" in unknown.stderr
    assert "Traceback" not in unknown.stderr
