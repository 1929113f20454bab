"""The curated observations: real-looking JWST, HST and TESS observations of real
targets at their real positions. Every value is computed from the fixed tables below,
so two sandboxes always serve the same rows; only file *contents* scale with the size
setting."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from .rows import (
    FILTER_BANDS,
    Observation,
    Product,
    Target,
    base_row,
    hst_cloud,
    jwst_exposures,
    jwst_member_key,
    make_product,
    member_obsids,
    mission_cards,
    mjd,
    region,
    tess_folder,
)

# fmt: off
TARGETS = (
    Target("M8", 270.904, -24.387, "M   8", "HII", "NEBULA;HII REGION", ("NGC 6523", "Lagoon Nebula")),
    Target("M16", 274.700, -13.807, "M  16", "OpenCluster", "NEBULA;STAR FORMING REGION",
           ("NGC 6611", "Eagle Nebula", "Pillars of Creation")),
    Target("NGC 6543", 268.39583, 66.63306, "NGC  6543", "PlanetaryNeb", "PLANETARY NEBULA",
           ("Cat's Eye Nebula", "Cats Eye Nebula")),
    Target("M101", 210.80243, 54.34875, "M 101", "Seyfert2", "GALAXY;SPIRAL", ("NGC 5457",)),
    Target("L 98-59", 124.5317560, -68.3130015, "L   98-59", "HighPM*", "STAR;EXOPLANET HOST",
           ("TIC 307210830",)),
    Target("pi Men", 84.2912, -80.4691, "* pi. Men", "HighPM*", "STAR;EXOPLANET HOST",
           ("TIC 261136679", "HD 39091")),
)

# fmt: on

# JWST: (target, program, obs number, instrument, detector suffix, filter, date, exptime, pi, title, rights)
_JWST = (
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcb1",
        "F090W",
        "2022-07-23T10:12:41",
        6441.7,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcb1",
        "F187N",
        "2022-07-23T11:40:02",
        6441.7,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcb1",
        "F200W",
        "2022-07-23T13:02:19",
        3221.0,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcblong",
        "F335M",
        "2022-07-23T10:12:41",
        3221.0,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcblong",
        "F444W",
        "2022-07-23T11:40:02",
        3221.0,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        1,
        "NIRCAM",
        "nrcblong",
        "F470N",
        "2022-07-23T13:02:19",
        6441.7,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        2,
        "MIRI",
        "mirimage",
        "F770W",
        "2022-07-24T02:20:11",
        2053.5,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        2,
        "MIRI",
        "mirimage",
        "F1130W",
        "2022-07-24T03:05:47",
        2053.5,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M16",
        "02739",
        2,
        "MIRI",
        "mirimage",
        "F1500W",
        "2022-07-24T03:51:30",
        2053.5,
        "Pontoppidan, Klaus",
        "Webb's First Images: the Pillars of Creation",
        "PUBLIC",
    ),
    (
        "M8",
        "04567",
        1,
        "NIRCAM",
        "nrca1",
        "F212N",
        "2024-04-02T08:31:55",
        1417.3,
        "Reiter, Megan",
        "Externally irradiated protoplanetary disks in the Lagoon Nebula",
        "PUBLIC",
    ),
    (
        "M8",
        "04567",
        2,
        "MIRI",
        "mirimage",
        "F770W",
        "2024-04-02T11:02:13",
        1110.0,
        "Reiter, Megan",
        "Externally irradiated protoplanetary disks in the Lagoon Nebula",
        "PUBLIC",
    ),
    (
        "NGC 6543",
        "06543",
        1,
        "NIRSPEC/IFU",
        "nrs1",
        "G395H;F290LP",
        "2026-08-14T19:44:02",
        3501.0,
        "Guerrero, Martin",
        "The Cat's Eye Nebula's fast wind, resolved",
        "EXCLUSIVE_ACCESS",
    ),
)

# HST: (target, obs_id, instrument, detector, filter, date, exptime, proposal, pi, title, in_s3)
_HST = (
    (
        "M16",
        "icdm01010",
        "WFC3/UVIS",
        "UVIS",
        "F502N",
        "2014-09-02T04:12:40",
        2400.0,
        "13926",
        "Levay, Zoltan",
        "Pillars of Creation revisited",
        True,
    ),
    (
        "M16",
        "icdm01020",
        "WFC3/UVIS",
        "UVIS",
        "F657N",
        "2014-09-02T05:48:11",
        2400.0,
        "13926",
        "Levay, Zoltan",
        "Pillars of Creation revisited",
        True,
    ),
    (
        "M16",
        "icdm02010",
        "WFC3/IR",
        "IR",
        "F110W",
        "2014-09-03T01:05:27",
        1197.7,
        "13926",
        "Levay, Zoltan",
        "Pillars of Creation revisited",
        True,
    ),
    (
        "M16",
        "icdm02020",
        "WFC3/IR",
        "IR",
        "F160W",
        "2014-09-03T02:31:09",
        1197.7,
        "13926",
        "Levay, Zoltan",
        "Pillars of Creation revisited",
        True,
    ),
    (
        "M8",
        "ib6w01010",
        "WFC3/UVIS",
        "UVIS",
        "F656N",
        "2010-05-12T17:21:35",
        1800.0,
        "11360",
        "O'Dell, C. Robert",
        "The Hourglass in the Lagoon Nebula",
        True,
    ),
    (
        "M8",
        "ib6w01020",
        "WFC3/UVIS",
        "UVIS",
        "F502N",
        "2010-05-12T18:57:02",
        1800.0,
        "11360",
        "O'Dell, C. Robert",
        "The Hourglass in the Lagoon Nebula",
        True,
    ),
    (
        "M8",
        "j8ny01010",
        "ACS/WFC",
        "WFC",
        "F658N",
        "2004-03-21T22:40:18",
        1000.0,
        "9857",
        "Wolff, Michael",
        "Proplyds and jets in M8",
        False,
    ),
    (
        "NGC 6543",
        "j8w101010",
        "ACS/WFC",
        "WFC",
        "F658N",
        "2002-05-04T06:14:51",
        1600.0,
        "9522",
        "Balick, Bruce",
        "The Cat's Eye Nebula with ACS",
        True,
    ),
    (
        "NGC 6543",
        "j8w101020",
        "ACS/WFC",
        "WFC",
        "F502N",
        "2002-05-04T07:49:30",
        1600.0,
        "9522",
        "Balick, Bruce",
        "The Cat's Eye Nebula with ACS",
        True,
    ),
    (
        "M101",
        "j8d601010",
        "ACS/WFC",
        "WFC",
        "F435W",
        "2002-11-13T12:03:44",
        900.0,
        "9490",
        "Kuntz, Kip",
        "The M101 mosaic",
        True,
    ),
    (
        "M101",
        "j8d601020",
        "ACS/WFC",
        "WFC",
        "F555W",
        "2002-11-13T13:38:20",
        720.0,
        "9490",
        "Kuntz, Kip",
        "The M101 mosaic",
        True,
    ),
    (
        "M101",
        "j8d601030",
        "ACS/WFC",
        "WFC",
        "F814W",
        "2002-11-13T15:14:02",
        720.0,
        "9490",
        "Kuntz, Kip",
        "The M101 mosaic",
        True,
    ),
)

# An observation MAST lists, but for which it has no products (a failed visit).
_EMPTY_HST = (
    "NGC 6543",
    "o6h501010",
    "STIS/CCD",
    "CCD",
    "F28X50LP",
    "2001-09-09T03:00:00",
    0.0,
    "9036",
    "Balick, Bruce",
    "Cat's Eye STIS long-slit (failed acquisition)",
)

# TESS: (target, TIC id, sector, date)
_TESS = (
    ("L 98-59", 307210830, 2, "2018-08-22T18:00:00"),
    ("L 98-59", 307210830, 5, "2018-11-15T12:00:00"),
    ("L 98-59", 307210830, 8, "2019-02-02T20:00:00"),
    ("pi Men", 261136679, 1, "2018-07-25T19:00:00"),
    ("pi Men", 261136679, 4, "2018-10-19T06:00:00"),
)
# fmt: on


_TARGETS = {t.name: t for t in TARGETS}


def _offset(target: Target, index: int) -> tuple[float, float]:
    """A small, fixed pointing offset so observations of a target differ (< 1.5')."""
    angle = np.deg2rad(37.0 * index)
    sep = (0.004 + 0.003 * (index % 5)) * 1.0
    ra = target.ra + sep * np.cos(angle) / np.cos(np.deg2rad(target.dec))
    return round(float(ra), 7), round(float(target.dec + sep * np.sin(angle)), 7)


class _Ids:
    """Hands out the obsids (numeric strings, as MAST's) in a fixed order."""

    def __init__(self) -> None:
        self._next = {"JWST": 87600001, "HST": 2003500001, "TESS": 27090001}

    def __call__(self, collection: str) -> str:
        value = self._next[collection]
        self._next[collection] += 1
        return str(value)


#: MAST's instrument_name for JWST: the instrument and its mode (MAST's tutorials: "Both HST
#: and JWST use instrument configurations in this field", e.g. NIRISS/IMAGE).
_JWST_MODES = {"NIRCAM": "NIRCAM/IMAGE", "MIRI": "MIRI/IMAGE"}


def _jwst(ids: _Ids, index: int, spec: tuple) -> Observation:
    tname, program, obs_no, instrument, detector, filt, date, exptime, pi, title, rights = spec
    target = _TARGETS[tname]
    ra, dec = _offset(target, index)
    lower = filt.lower().replace(";", "-")
    if instrument == "NIRCAM":
        config = f"nircam_clear-{lower}"
    elif instrument == "MIRI":
        config = f"miri_{lower}"
    else:
        config = f"nirspec_{lower}"
    obs_id = f"jw{program}-o{obs_no:03d}_t001_{config}"
    start = mjd(date)
    spectrum = instrument.startswith("NIRSPEC")
    em_min, em_max, band = FILTER_BANDS[filt]
    row = base_row(
        obs_collection="JWST",
        provenance_name="CALJWST",
        instrument_name=_JWST_MODES.get(instrument, instrument),
        project="JWST",
        filters=filt,
        wavelength_region=band,
        target_name=tname.upper(),
        target_classification=target.classification,
        obs_id=obs_id,
        s_ra=ra,
        s_dec=dec,
        dataproduct_type="cube" if spectrum else "image",
        proposal_pi=pi,
        calib_level=3,
        t_min=start,
        t_max=round(start + exptime / 86400, 6),
        t_exptime=exptime,
        em_min=em_min,
        em_max=em_max,
        obs_title=title,
        t_obs_release=round(start + 365.0, 6),
        proposal_id=str(int(program)),
        proposal_type="ERO" if program == "02739" else "GO",
        s_region=region(ra, dec, 0.018 if instrument == "NIRCAM" else 0.012),
        dataRights=rights,
        obsid=ids("JWST"),
    )
    suffix = "s3d" if spectrum else "i2d"
    row["jpegURL"] = f"mast:JWST/product/{obs_id}_{suffix}.png"
    row["dataURL"] = f"mast:JWST/product/{obs_id}_{suffix}.fits"
    folder = f"/jwst/public/jw{program}"
    target_folder = f"{folder}/L3/t/o{obs_no:03d}"  # MAST's bucket: recordings/jwst_s3_keys.json

    exposures = list(jwst_exposures(program, obs_no, 2101 + 2 * index, detector, not spectrum))
    groups = member_obsids(row["obsid"], exposures)
    products = [
        make_product(
            row, filename, "SCIENCE", sub, desc, level, "image",
            mrp=sub == "CAL", cloud_path=jwst_member_key(folder, member, filename),
            member=(groups[member], member),
        )
        for member, filename, sub, level, desc in exposures
    ]  # fmt: skip
    day = datetime.fromisoformat(date).strftime("%Y%m%dt%H%M%S")
    level3 = "spec3" if spectrum else "image3"
    asn = f"jw{program}-o{obs_no:03d}_{day}_{level3}_{index + 1:05d}_asn.json"
    products += [
        make_product(
            row,
            f"{obs_id}_{suffix}.fits",
            "SCIENCE",
            suffix.upper(),
            "Combined calibrated image" if not spectrum else "Spectral cube",
            3,
            "image",
            mrp=True,
            cloud_path=f"{target_folder}/{obs_id}_{suffix}.fits",
        ),
        make_product(
            row,
            asn,
            "INFO",
            "ASN",
            "Association file",
            3,
            "asn",
            cloud_path=f"{target_folder}/{asn}",
            in_s3=False,
        ),
        make_product(row, f"{obs_id}_{suffix}.png", "PREVIEW", "", "Preview-Full", 3, "preview"),
        make_product(
            row, f"{obs_id}_{suffix}_thumb.png", "THUMBNAIL", "", "Preview-Thumb", 3, "preview"
        ),
    ]
    if not spectrum:
        products += [
            make_product(
                row,
                f"{obs_id}_segm.fits",
                "SCIENCE",
                "SEGM",
                "Segmentation map",
                3,
                "image",
                cloud_path=f"{target_folder}/{obs_id}_segm.fits",
            ),
            make_product(
                row,
                f"{obs_id}_cat.ecsv",
                "SCIENCE",
                "CAT",
                "Source catalog",
                3,
                "catalog",
                cloud_path=f"{target_folder}/{obs_id}_cat.ecsv",
            ),
        ]
    if obs_id in GUIDE_STAR_OBSERVATIONS:
        products += _guide_stars(row, program, obs_no, date)
    header = {
        "TELESCOP": "JWST",
        "INSTRUME": instrument.split("/")[0],
        "DETECTOR": detector.upper(),
        "FILTER": filt.split(";")[-1] if spectrum else filt,
        "PUPIL": "CLEAR" if instrument == "NIRCAM" else None,
        "GRATING": filt.split(";")[0] if spectrum else None,
        "EXP_TYPE": {"NIRCAM": "NRC_IMAGE", "MIRI": "MIR_IMAGE"}.get(instrument, "NRS_IFU"),
        "PROGRAM": program,
        "OBSERVTN": f"{obs_no:03d}",
        "PI_NAME": pi,
        "TITLE": title,
        "BUNIT": "MJy/sr",
    }
    return Observation(row, target, header, tuple(products))


#: JWST observations listed with guide-star files (AUXILIARY), ten times their science
#: files as in MAST, so that hiding them by default is tested where it matters. The files
#: are the visit's: each level-3 observation of the visit lists them (here NIRCam's short-
#: and long-wave images, taken together), so a product list of both repeats every one of
#: them, as MAST's do (astroquery #2496).
GUIDE_STAR_OBSERVATIONS = (
    "jw02739-o001_t001_nircam_clear-f090w",
    "jw02739-o001_t001_nircam_clear-f335m",
)
_GUIDE_STAR_MODES = ("gs-id", "gs-acq1", "gs-acq2", "gs-track", "gs-fg")


def _guide_stars(row: dict, program: str, obs_no: int, date: str) -> list[Product]:
    """Guide-star files of an observation: each mode at 32 times, every minute (MAST's
    recorded list of program 2733's MIRI image holds 3,470 files, 80 of them its level-2
    science files)."""
    start = datetime.fromisoformat(date)
    found = []
    for step in range(32):
        stamp = (start + timedelta(minutes=step)).strftime("%Y%j%H%M%S")
        for mode in _GUIDE_STAR_MODES:
            name = f"jw{program}{obs_no:03d}001_{mode}_{stamp}_cal.fits"
            description = f"Guide star {mode[3:].upper()} data"
            found.append(
                make_product(row, name, "AUXILIARY", mode.upper(), description, 2, "image")
            )
    return found


def _hst(ids: _Ids, index: int, spec: tuple) -> Observation:
    tname, obs_id, instrument, detector, filt, date, exptime, proposal, pi, title, in_s3 = spec
    target = _TARGETS[tname]
    ra, dec = _offset(target, index + 20)
    start = mjd(date)
    em_min, em_max, band = FILTER_BANDS[filt]
    calwf = {"WFC3": "CALWF3", "ACS": "CALACS"}[instrument.split("/")[0]]
    row = base_row(
        obs_collection="HST",
        provenance_name=calwf,
        instrument_name=instrument,
        project="HST",
        filters=filt,
        wavelength_region=band,
        target_name=tname.upper().replace(" ", ""),
        target_classification=target.classification,
        obs_id=obs_id,
        s_ra=ra,
        s_dec=dec,
        dataproduct_type="image",
        proposal_pi=pi,
        calib_level=3,
        t_min=start,
        t_max=round(start + exptime / 86400 + 0.01, 6),
        t_exptime=exptime,
        em_min=em_min,
        em_max=em_max,
        obs_title=title,
        t_obs_release=round(start + 365.0, 6),
        proposal_id=proposal,
        proposal_type="GO",
        s_region=region(ra, dec, 0.028),
        srcDen=5885.0,
        obsid=ids("HST"),
    )
    row["jpegURL"] = f"mast:HST/product/{obs_id}_drz.png"
    drz = "drc" if instrument.startswith("ACS") else "drz"

    products = [
        make_product(
            row,
            f"{obs_id}_{drz}.fits",
            "SCIENCE",
            drz.upper(),
            "DADS DRZ file - Calibrated combined image ACS/WFC3/WFPC2/STIS",
            3,
            "image",
            mrp=True,
            cloud_path=hst_cloud(f"{obs_id}_{drz}.fits"),
            in_s3=in_s3,
        ),
        make_product(
            row,
            f"{obs_id}_asn.fits",
            "AUXILIARY",
            "ASN",
            "DADS ASN file - Association",
            1,
            "asn",
            cloud_path=hst_cloud(f"{obs_id}_asn.fits"),
            in_s3=in_s3,
        ),
        make_product(row, f"{obs_id}_drz.png", "PREVIEW", "", "Preview-Full", 3, "preview"),
    ]
    obs_letter = "abcdefghi"[int(obs_id[6:8]) - 1]
    for letter in "ab":
        member = f"{obs_id[:6]}{obs_letter}{letter}q"
        for sub, level, desc in (
            ("FLT", 2, "DADS FLT file - Calibrated exposure"),
            ("RAW", 1, "DADS RAW file - Raw exposure"),
        ):
            filename = f"{member}_{sub.lower()}.fits"
            products.append(
                make_product(
                    row,
                    filename,
                    "SCIENCE",
                    sub,
                    desc,
                    level,
                    "image",
                    cloud_path=hst_cloud(filename),
                    in_s3=in_s3,
                )
            )
    header = {
        "TELESCOP": "HST",
        "INSTRUME": instrument.split("/")[0],
        "DETECTOR": detector,
        "FILTER": filt,
        "PROPOSID": int(proposal),
        "PR_INV_L": pi.split(",")[0],
        "TITLE": title,
        "BUNIT": "ELECTRONS/S",
    }
    return Observation(row, target, header, tuple(products))


def _hst_empty(ids: _Ids) -> Observation:
    tname, obs_id, instrument, _detector, filt, date, exptime, proposal, pi, title = _EMPTY_HST
    target = _TARGETS[tname]
    ra, dec = _offset(target, 40)
    start = mjd(date)
    row = base_row(
        obs_collection="HST",
        provenance_name="CALSTIS",
        instrument_name=instrument,
        project="HST",
        filters=filt,
        wavelength_region="OPTICAL",
        target_name=tname.upper().replace(" ", ""),
        target_classification=target.classification,
        obs_id=obs_id,
        s_ra=ra,
        s_dec=dec,
        dataproduct_type="spectrum",
        proposal_pi=pi,
        calib_level=1,
        t_min=start,
        t_max=start,
        t_exptime=exptime,
        em_min=550.0,
        em_max=1020.0,
        obs_title=title,
        t_obs_release=round(start + 365.0, 6),
        proposal_id=proposal,
        proposal_type="GO",
        s_region=region(ra, dec, 0.0003),
        obsid=ids("HST"),
    )
    return Observation(row, target, {"TELESCOP": "HST", "INSTRUME": "STIS"}, ())


def _tess(ids: _Ids, index: int, spec: tuple) -> Observation:
    tname, tic, sector, date = spec
    target = _TARGETS[tname]
    start = mjd(date)
    stamp = (datetime.fromisoformat(date) + timedelta(days=-1, hours=3)).strftime("%Y%j%H%M%S")
    obs_id = f"tess{stamp}-s{sector:04d}-{tic:016d}-{120 + sector:04d}-s"
    row = base_row(
        obs_collection="TESS",
        provenance_name="SPOC",
        instrument_name="Photometer",
        project="TESS",
        filters="TESS",
        wavelength_region="Optical",
        target_name=str(tic),
        target_classification=target.classification,
        obs_id=obs_id,
        s_ra=target.ra,
        s_dec=target.dec,
        dataproduct_type="timeseries",
        proposal_pi="Ricker, George",
        calib_level=3,
        t_min=start,
        t_max=round(start + 27.4, 6),
        t_exptime=120.0,
        em_min=600.0,
        em_max=1000.0,
        obs_title=None,
        t_obs_release=round(start + 60.0, 6),
        proposal_id="G011112_G011183",
        proposal_type=None,
        sequence_number=sector,
        s_region=f"CIRCLE ICRS {target.ra:.8f} {target.dec:.8f} 0.00138889",
        obsid=ids("TESS"),
    )
    row["dataURL"] = f"mast:TESS/product/{obs_id}_lc.fits"  # as MAST's SPOC rows give it
    folder = tess_folder(sector, tic)
    products = [
        make_product(
            row,
            f"{obs_id}_lc.fits",
            "SCIENCE",
            "LC",
            "Light curves",
            3,
            "lightcurve",
            mrp=True,
            cloud_path=f"{folder}/{obs_id}_lc.fits",
        ),
        make_product(
            row,
            f"{obs_id}_tp.fits",
            "SCIENCE",
            "TP",
            "Target pixel files",
            2,  # as MAST lists SPOC's target pixel files (recorded): level 2, recommended
            "pixels",
            mrp=True,
            cloud_path=f"{folder}/{obs_id}_tp.fits",
        ),
    ]
    header = {
        "TELESCOP": "TESS",
        "INSTRUME": "TESS Photometer",
        "DETECTOR": "CCD",
        "FILTER": "TESS",
        **mission_cards("TESS", sector, tic),
        "BUNIT": "e-/s",
    }
    return Observation(row, target, header, tuple(products))


def curated_observations() -> list[Observation]:
    """The curated observations, in their fixed order (their obsids follow it)."""
    ids = _Ids()
    observations = [_jwst(ids, i, spec) for i, spec in enumerate(_JWST)]
    observations += [_hst(ids, i, spec) for i, spec in enumerate(_HST)]
    observations.append(_hst_empty(ids))
    observations += [_tess(ids, i, spec) for i, spec in enumerate(_TESS)]
    return observations
