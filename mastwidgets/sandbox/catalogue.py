"""The sandbox's deterministic catalogue: targets, observations and products.

Real-looking JWST, HST and TESS observations of real targets at their real
positions. Every value is computed from fixed tables below, so two sandboxes
always serve the same rows; only file *contents* scale with the size setting.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.time import Time

if TYPE_CHECKING:
    from .synthetic import SyntheticSky

MRP = "Minimum Recommended Products"


@dataclass(frozen=True)
class Target:
    """An object the name resolver knows."""

    name: str
    ra: float
    dec: float
    canonical: str
    object_type: str
    classification: str
    aliases: tuple[str, ...] = ()
    #: Where other resolvers put it, where they differ: (resolver, ra, dec), e.g. NED's.
    elsewhere: tuple[tuple[str, float, float], ...] = ()

    def position_by(self, resolver: str) -> tuple[float, float]:
        """(ra, dec) by ``resolver`` (SIMBAD's, ``ra``/``dec``, unless it differs)."""
        for name, ra, dec in self.elsewhere:
            if name == resolver.upper():
                return ra, dec
        return self.ra, self.dec


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


@dataclass(frozen=True)
class Product:
    """One file of an observation, as ``Mast.Caom.Products`` lists it."""

    filename: str
    obsid: str
    obs_id: str
    collection: str
    dataproduct_type: str
    product_type: str
    subgroup: str
    description: str
    calib_level: int
    group: str | None
    kind: str  # "image", "lightcurve", "pixels", "preview", "asn", "catalog"
    cloud_path: str | None  # what path_lookup answers; None: not a cloud product
    in_s3: bool  # False: path_lookup knows a path, but the bucket lacks the object
    data_rights: str
    proposal_id: str
    filters: str
    #: The product group MAST lists the file under (``obsID``), where it is not the
    #: observation's: a JWST exposure's files, listed with a level-3 observation, carry
    #: the exposure's group and name (``obs_id``), as MAST's product lists do.
    group_obsid: str | None = None
    #: The dataURI, where it is not ``mast:<collection>/product/<filename>`` (recorded
    #: K2 and HLSP products: ``mast:K2/url/missions/...``, ``mast:HLSP/k2sff/...``).
    data_uri: str | None = None
    #: The row real MAST was recorded listing the file with, served verbatim (its items).
    recorded: tuple[tuple[str, object], ...] | None = None
    #: MAST's ``type`` column: ``S`` (simple) or ``C`` (composite; Kepler's files, recorded).
    type: str = "S"
    #: MAST's ``prvversion`` (the pipeline's version), where not the mission's default
    #: (a reprocessed file's: :mod:`.reprocess`).
    version: str | None = None

    @property
    def uri(self) -> str:
        return self.data_uri or f"mast:{self.collection}/product/{self.filename}"

    @property
    def recorded_size(self) -> int | None:
        """The file's size in MAST's recorded listing (the sandbox serves it that long)."""
        return dict(self.recorded)["size"] if self.recorded else None

    @property
    def s3_key(self) -> str | None:
        """Where the bucket keeps it. MAST's path look-up answers PS1 paths under
        ``/ps1/``, which astroquery maps to ``panstarrs/ps1/public/`` (its
        ``mast_relative_path``; its remote test asserts the key that results)."""
        if not self.cloud_path:
            return None
        if self.cloud_path.startswith("/ps1/"):
            return "panstarrs/ps1/public/" + self.cloud_path[len("/ps1/") :]
        return self.cloud_path.lstrip("/")

    @property
    def seed(self) -> int:
        return zlib.crc32(self.filename.encode())


@dataclass(frozen=True)
class Observation:
    """One CAOM observation row and its products."""

    row: dict
    target: Target
    header: dict  # FITS primary-header facts shared by its products
    products: tuple[Product, ...] = field(default=())
    #: Its row is one real MAST was recorded answering with, served verbatim.
    recorded: bool = False

    @property
    def obsid(self) -> str:
        return self.row["obsid"]

    @property
    def obs_id(self) -> str:
        return self.row["obs_id"]


# fmt: off
# Filter name -> (em_min, em_max) in nm, and waveband.
FILTER_BANDS = {
    "F090W": (795.0, 1005.0, "INFRARED"), "F187N": (1863.0, 1885.0, "INFRARED"),
    "F200W": (1755.0, 2227.0, "INFRARED"), "F212N": (2109.0, 2134.0, "INFRARED"),
    "F335M": (3177.0, 3537.0, "INFRARED"), "F444W": (3880.0, 4986.0, "INFRARED"),
    "F470N": (4683.0, 4733.0, "INFRARED"), "F770W": (6581.0, 8687.0, "INFRARED"),
    "F1130W": (10953.0, 11667.0, "INFRARED"), "F1500W": (13527.0, 16640.0, "INFRARED"),
    "F502N": (497.0, 503.0, "OPTICAL"), "F656N": (655.0, 657.0, "OPTICAL"),
    "F657N": (652.0, 662.0, "OPTICAL"), "F658N": (656.0, 660.0, "OPTICAL"),
    "F110W": (880.0, 1400.0, "INFRARED"), "F160W": (1400.0, 1700.0, "INFRARED"),
    "F435W": (360.0, 486.0, "OPTICAL"), "F555W": (458.0, 620.0, "OPTICAL"),
    "F814W": (700.0, 960.0, "OPTICAL"), "G395H;F290LP": (2870.0, 5270.0, "INFRARED"),
    "TESS": (600.0, 1000.0, "Optical"),
}

# JWST: (target, program, obs number, instrument, detector suffix, filter, date, exptime, pi, title, rights)
_JWST = (
    ("M16", "02739", 1, "NIRCAM", "nrcb1", "F090W", "2022-07-23T10:12:41", 6441.7, "Pontoppidan, Klaus",
     "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 1, "NIRCAM", "nrcb1", "F187N", "2022-07-23T11:40:02", 6441.7, "Pontoppidan, Klaus",
     "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 1, "NIRCAM", "nrcb1", "F200W", "2022-07-23T13:02:19", 3221.0, "Pontoppidan, Klaus",
     "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 1, "NIRCAM", "nrcblong", "F335M", "2022-07-23T10:12:41", 3221.0,
     "Pontoppidan, Klaus", "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 1, "NIRCAM", "nrcblong", "F444W", "2022-07-23T11:40:02", 3221.0,
     "Pontoppidan, Klaus", "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 1, "NIRCAM", "nrcblong", "F470N", "2022-07-23T13:02:19", 6441.7,
     "Pontoppidan, Klaus", "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 2, "MIRI", "mirimage", "F770W", "2022-07-24T02:20:11", 2053.5, "Pontoppidan, Klaus",
     "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 2, "MIRI", "mirimage", "F1130W", "2022-07-24T03:05:47", 2053.5,
     "Pontoppidan, Klaus", "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M16", "02739", 2, "MIRI", "mirimage", "F1500W", "2022-07-24T03:51:30", 2053.5,
     "Pontoppidan, Klaus", "Webb's First Images: the Pillars of Creation", "PUBLIC"),
    ("M8", "04567", 1, "NIRCAM", "nrca1", "F212N", "2024-04-02T08:31:55", 1417.3, "Reiter, Megan",
     "Externally irradiated protoplanetary disks in the Lagoon Nebula", "PUBLIC"),
    ("M8", "04567", 2, "MIRI", "mirimage", "F770W", "2024-04-02T11:02:13", 1110.0, "Reiter, Megan",
     "Externally irradiated protoplanetary disks in the Lagoon Nebula", "PUBLIC"),
    ("NGC 6543", "06543", 1, "NIRSPEC/IFU", "nrs1", "G395H;F290LP", "2026-08-14T19:44:02", 3501.0,
     "Guerrero, Martin", "The Cat's Eye Nebula's fast wind, resolved", "EXCLUSIVE_ACCESS"),
)

# HST: (target, obs_id, instrument, detector, filter, date, exptime, proposal, pi, title, in_s3)
_HST = (
    ("M16", "icdm01010", "WFC3/UVIS", "UVIS", "F502N", "2014-09-02T04:12:40", 2400.0, "13926",
     "Levay, Zoltan", "Pillars of Creation revisited", True),
    ("M16", "icdm01020", "WFC3/UVIS", "UVIS", "F657N", "2014-09-02T05:48:11", 2400.0, "13926",
     "Levay, Zoltan", "Pillars of Creation revisited", True),
    ("M16", "icdm02010", "WFC3/IR", "IR", "F110W", "2014-09-03T01:05:27", 1197.7, "13926",
     "Levay, Zoltan", "Pillars of Creation revisited", True),
    ("M16", "icdm02020", "WFC3/IR", "IR", "F160W", "2014-09-03T02:31:09", 1197.7, "13926",
     "Levay, Zoltan", "Pillars of Creation revisited", True),
    ("M8", "ib6w01010", "WFC3/UVIS", "UVIS", "F656N", "2010-05-12T17:21:35", 1800.0, "11360",
     "O'Dell, C. Robert", "The Hourglass in the Lagoon Nebula", True),
    ("M8", "ib6w01020", "WFC3/UVIS", "UVIS", "F502N", "2010-05-12T18:57:02", 1800.0, "11360",
     "O'Dell, C. Robert", "The Hourglass in the Lagoon Nebula", True),
    ("M8", "j8ny01010", "ACS/WFC", "WFC", "F658N", "2004-03-21T22:40:18", 1000.0, "9857",
     "Wolff, Michael", "Proplyds and jets in M8", False),
    ("NGC 6543", "j8w101010", "ACS/WFC", "WFC", "F658N", "2002-05-04T06:14:51", 1600.0, "9522",
     "Balick, Bruce", "The Cat's Eye Nebula with ACS", True),
    ("NGC 6543", "j8w101020", "ACS/WFC", "WFC", "F502N", "2002-05-04T07:49:30", 1600.0, "9522",
     "Balick, Bruce", "The Cat's Eye Nebula with ACS", True),
    ("M101", "j8d601010", "ACS/WFC", "WFC", "F435W", "2002-11-13T12:03:44", 900.0, "9490",
     "Kuntz, Kip", "The M101 mosaic", True),
    ("M101", "j8d601020", "ACS/WFC", "WFC", "F555W", "2002-11-13T13:38:20", 720.0, "9490",
     "Kuntz, Kip", "The M101 mosaic", True),
    ("M101", "j8d601030", "ACS/WFC", "WFC", "F814W", "2002-11-13T15:14:02", 720.0, "9490",
     "Kuntz, Kip", "The M101 mosaic", True),
)

# An observation MAST lists, but for which it has no products (a failed visit).
_EMPTY_HST = ("NGC 6543", "o6h501010", "STIS/CCD", "CCD", "F28X50LP", "2001-09-09T03:00:00",
              0.0, "9036", "Balick, Bruce", "Cat's Eye STIS long-slit (failed acquisition)")

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


def _mjd(iso: str) -> float:
    return round(float(Time(iso, scale="utc").mjd), 6)


def _offset(target: Target, index: int) -> tuple[float, float]:
    """A small, fixed pointing offset so observations of a target differ (< 1.5')."""
    angle = np.deg2rad(37.0 * index)
    sep = (0.004 + 0.003 * (index % 5)) * 1.0
    ra = target.ra + sep * np.cos(angle) / np.cos(np.deg2rad(target.dec))
    return round(float(ra), 7), round(float(target.dec + sep * np.sin(angle)), 7)


def region(ra: float, dec: float, half: float) -> str:
    cosd = np.cos(np.deg2rad(dec))
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    points = " ".join(f"{ra + dx * half / cosd:.8f} {dec + dy * half:.8f}" for dx, dy in corners)
    return f"POLYGON ICRS {points}"


def footprint_half(row: dict) -> float:
    """The radius (degrees) of the circle an observation's ``s_region`` surely covers
    around its centre: a ``CIRCLE``'s radius, a polygon's nearest edge midpoint (a
    square's half side); 0 where there is no region. MAST's cone searches match
    footprints, not centres (a recorded 0.2-degree cone lists a TESS full-frame image
    centred 3.6 degrees away at distance 0)."""
    words = (row.get("s_region") or "").replace(",", " ").split()
    numbers = []
    for word in words:
        try:
            numbers.append(float(word))
        except ValueError:
            continue
    if not words or not numbers:
        return 0.0
    if words[0].upper() == "CIRCLE" and len(numbers) >= 3:
        return numbers[2]
    points = list(zip(numbers[0::2], numbers[1::2], strict=False))
    if len(points) < 3:
        return 0.0
    cosd = np.cos(np.deg2rad(row["s_dec"]))
    edges = zip(points, points[1:] + points[:1], strict=True)
    halves = [
        float(
            np.hypot(
                (((a[0] + b[0]) / 2 - row["s_ra"] + 180) % 360 - 180) * cosd,
                (a[1] + b[1]) / 2 - row["s_dec"],
            )
        )
        for a, b in edges
        if a != b
    ]
    return min(halves) if halves else 0.0


def galex_uri(number: int, tile: str, subvisit: int, band: str, ending: str) -> str:
    """A GALEX file's dataURI: MAST's GALEX pipeline folders under ``mast:GALEX/url/``
    (``data/GR6/pipe/<version>/<number>-<tile>/d/01-main/0001-img/07-try/``; MAST's
    data-delivery tests give the folders, a MAST download manifest the URI form);
    ``band`` NUV or FUV."""
    folder = f"data/GR6/pipe/02-vsn/{number}-{tile}/d/01-main/0001-img/07-try"
    return f"mast:GALEX/url/{folder}/{tile}_sg{subvisit:02d}-{band[0].lower()}d-{ending}"


def base_row(**values) -> dict:
    row = {
        "intentType": "science",
        "obs_collection": None,
        "provenance_name": None,
        "instrument_name": None,
        "project": None,
        "filters": None,
        "wavelength_region": None,
        "target_name": None,
        "target_classification": None,
        "obs_id": None,
        "s_ra": None,
        "s_dec": None,
        "dataproduct_type": None,
        "proposal_pi": None,
        "calib_level": None,
        "t_min": None,
        "t_max": None,
        "t_exptime": None,
        "em_min": None,
        "em_max": None,
        "obs_title": None,
        "t_obs_release": None,
        "proposal_id": None,
        "proposal_type": None,
        "sequence_number": None,
        "s_region": None,
        "jpegURL": None,
        "dataURL": None,
        "dataRights": "PUBLIC",
        "mtFlag": False,
        "srcDen": None,
        "obsid": None,
    }
    row.update(values)
    return row


class _Ids:
    """Hands out the obsids (numeric strings, as MAST's) in a fixed order."""

    def __init__(self) -> None:
        self._next = {"JWST": 87600001, "HST": 2003500001, "TESS": 27090001}

    def __call__(self, collection: str) -> str:
        value = self._next[collection]
        self._next[collection] += 1
        return str(value)


def _product(
    obs_row: dict,
    filename: str,
    product_type: str,
    subgroup: str,
    description: str,
    calib_level: int,
    kind: str,
    *,
    mrp: bool = False,
    cloud_path: str | None = None,
    in_s3: bool = True,
    member: tuple[str, str] | None = None,
) -> Product:
    """A product of ``obs_row``'s observation; ``member`` (group obsid, exposure name) for a
    file of one of its member exposures."""
    return Product(
        filename=filename,
        obsid=obs_row["obsid"],
        obs_id=member[1] if member else obs_row["obs_id"],
        group_obsid=member[0] if member else None,
        collection=obs_row["obs_collection"],
        dataproduct_type=obs_row["dataproduct_type"],
        product_type=product_type,
        subgroup=subgroup,
        description=description,
        calib_level=calib_level,
        group=MRP if mrp else None,
        kind=kind,
        cloud_path=cloud_path,
        in_s3=in_s3 and cloud_path is not None,
        data_rights=obs_row["dataRights"],
        proposal_id=obs_row["proposal_id"],
        filters=obs_row["filters"],
    )


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
    start = _mjd(date)
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
        _product(
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
        _product(
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
        _product(
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
        _product(row, f"{obs_id}_{suffix}.png", "PREVIEW", "", "Preview-Full", 3, "preview"),
        _product(
            row, f"{obs_id}_{suffix}_thumb.png", "THUMBNAIL", "", "Preview-Thumb", 3, "preview"
        ),
    ]
    if not spectrum:
        products += [
            _product(
                row,
                f"{obs_id}_segm.fits",
                "SCIENCE",
                "SEGM",
                "Segmentation map",
                3,
                "image",
                cloud_path=f"{target_folder}/{obs_id}_segm.fits",
            ),
            _product(
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
            found.append(_product(row, name, "AUXILIARY", mode.upper(), description, 2, "image"))
    return found


#: The files of one JWST exposure (subgroup, calibration level, description): level 1, and the five level-2 files MAST lists per exposure of an
#: imaging observation (recorded: program 2733's rate, rateints, cal, crf, i2d; the
#: outlier-flagged ``crf`` is named with the observation, ``..._o002_crf.fits``).
_JWST_EXPOSURE_FILES = (
    ("UNCAL", 1, "exposure/Uncalibrated exposure"),
    ("RATE", 2, "exposure/Countrate image"),
    ("RATEINTS", 2, "exposure/Countrate image per integration"),
    ("CAL", 2, "exposure/Calibrated exposure"),
    ("CRF", 2, "exposure/Calibrated exposure, outliers flagged"),
    ("I2D", 2, "exposure/Resampled calibrated exposure"),
)
_JWST_EXPOSURE_FILES_UNRECORDED = tuple(
    f for f in _JWST_EXPOSURE_FILES if f[0] in ("UNCAL", "RATE", "CAL")
)


def jwst_exposures(
    program: str, obs_no: int, exposure: int, detector: str, imaging: bool = True
) -> Iterator[tuple[str, str, str, int, str]]:
    """``(member, filename, subgroup, level, description)`` of a JWST observation's two
    visits' exposure files (``jw<program><obs>001_<exposure>_<visit>_<detector>_<sub>``):
    an imaging observation's as recorded, a spectroscopic one's (not recorded) the
    uncalibrated, count-rate and calibrated files only."""
    files = _JWST_EXPOSURE_FILES if imaging else _JWST_EXPOSURE_FILES_UNRECORDED
    for visit in (1, 2):
        member = f"jw{program}{obs_no:03d}001_{exposure:05d}_{visit:05d}_{detector}"
        for sub, level, desc in files:
            name = f"o{obs_no:03d}_crf" if sub == "CRF" else sub.lower()
            yield member, f"{member}_{name}.fits", sub, level, desc


def mission_cards(project: str, sequence: int | None, target: int | None) -> dict:
    """What a TESS, Kepler or K2 file's primary header says of its sector, quarter or
    campaign and its target (lightkurve reads them)."""
    if project == "TESS":
        return {"SECTOR": sequence, "TICID": target}
    return {"MISSION": project, "CAMPAIGN" if project == "K2" else "QUARTER": sequence,
            "KEPLERID": target}  # fmt: skip


def tess_folder(sector: int, tic: int) -> str:
    """Where MAST's bucket keeps a TESS target's files of one sector."""
    digits = f"{tic:016d}"
    return f"/tess/public/tid/s{sector:04d}/" + "/".join(digits[i : i + 4] for i in (0, 4, 8, 12))


def jwst_member_key(folder: str, exposure: str, filename: str) -> str:
    """Where MAST's bucket keeps a JWST exposure's file: under its visit
    (``jw<program><observation><visit>``), as a recorded key shows."""
    return f"{folder}/{exposure[:13]}/{filename}"


def member_obsids(obsid: str, exposures: list[tuple]) -> dict[str, str]:
    """The product group id of each member exposure (the first item of each of
    :func:`jwst_exposures`) of observation ``obsid``: distinct from every observation's
    (MAST lists each exposure's files under its own obsID)."""
    members = dict.fromkeys(entry[0] for entry in exposures)
    return {member: str(int(obsid) * 1000 + n) for n, member in enumerate(members, 1)}


def _hst_cloud(filename: str) -> str:
    root = filename.split("_")[0]
    return f"/hst/public/{root[:4]}/{root}/{filename}"


def _hst(ids: _Ids, index: int, spec: tuple) -> Observation:
    tname, obs_id, instrument, detector, filt, date, exptime, proposal, pi, title, in_s3 = spec
    target = _TARGETS[tname]
    ra, dec = _offset(target, index + 20)
    start = _mjd(date)
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
        _product(
            row,
            f"{obs_id}_{drz}.fits",
            "SCIENCE",
            drz.upper(),
            "DADS DRZ file - Calibrated combined image ACS/WFC3/WFPC2/STIS",
            3,
            "image",
            mrp=True,
            cloud_path=_hst_cloud(f"{obs_id}_{drz}.fits"),
            in_s3=in_s3,
        ),
        _product(
            row,
            f"{obs_id}_asn.fits",
            "AUXILIARY",
            "ASN",
            "DADS ASN file - Association",
            1,
            "asn",
            cloud_path=_hst_cloud(f"{obs_id}_asn.fits"),
            in_s3=in_s3,
        ),
        _product(row, f"{obs_id}_drz.png", "PREVIEW", "", "Preview-Full", 3, "preview"),
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
                _product(
                    row,
                    filename,
                    "SCIENCE",
                    sub,
                    desc,
                    level,
                    "image",
                    cloud_path=_hst_cloud(filename),
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
    start = _mjd(date)
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
    start = _mjd(date)
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
        _product(
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
        _product(
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


@dataclass(frozen=True)
class Catalogue:
    """Everything the sandbox serves, indexed the ways MAST looks things up.

    ``observations`` are the curated ones (kept as objects); ``synthetic``, when
    the sandbox was started with a scale, holds many more, built on request.
    """

    observations: tuple[Observation, ...]
    synthetic: SyntheticSky | None = None

    def __post_init__(self) -> None:
        by_obsid = {o.obsid: o for o in self.observations}
        by_uri = {p.uri: p for o in self.observations for p in o.products}
        object.__setattr__(self, "_by_obsid", by_obsid)
        object.__setattr__(self, "_by_uri", by_uri)
        object.__setattr__(self, "_by_key", None)  # made when the bucket is first asked
        object.__setattr__(self, "version", next(_VERSIONS))
        object.__setattr__(
            self,
            "_coords",
            SkyCoord(
                [o.row["s_ra"] for o in self.observations],
                [o.row["s_dec"] for o in self.observations],
                unit="deg",
            ),
        )
        halves = [footprint_half(o.row) * 3600.0 for o in self.observations]
        object.__setattr__(self, "_halves", np.array(halves, dtype=float))

    @property
    def products(self) -> Iterator[Product]:
        """The curated observations' products (synthetic ones are built on request)."""
        for observation in self.observations:
            yield from observation.products

    def observation(self, obsid: str) -> Observation | None:
        found = self._by_obsid.get(obsid)
        if found is None and self.synthetic is not None:
            index = self.synthetic.index_of_obsid(obsid)
            found = None if index is None else self.synthetic.observation(index)
        return found

    def product(self, uri: str) -> Product | None:
        found = self._by_uri.get(uri) or self._by_uri.get(_hla_getdata(uri))
        if found is None and self.synthetic is not None:
            pair = self.synthetic.product(uri)
            found = pair[1] if pair else None
        return found

    def add_product(self, product: Product) -> None:
        """Serve one more file (not part of any observation the portal lists)."""
        self._by_uri[product.uri] = product
        object.__setattr__(self, "_by_key", None)
        object.__setattr__(self, "version", next(_VERSIONS))

    def object_at(self, key: str) -> Product | None:
        """The product the bucket holds at ``key``, or ``None`` (the bucket is public:
        exclusive-access files are not in it)."""
        by_key = self._by_key
        if by_key is None:
            by_key = {p.s3_key: p for p in self._by_uri.values() if in_bucket(p)}
            object.__setattr__(self, "_by_key", by_key)
        found = by_key.get(key)
        if found is None and self.synthetic is not None:
            found = self.synthetic.product_at(key)
        return found if found is not None and in_bucket(found) else None

    def object_keys(self) -> list[str]:
        """The keys of the curated (recorded, asserted, added) products in the bucket."""
        return [p.s3_key for p in self._by_uri.values() if in_bucket(p)]

    def observation_of(self, product: Product) -> Observation:
        found = self.observation(product.obsid)
        if found is None:
            raise KeyError(product.obsid)
        return found

    def separations_arcsec(self, ra: float, dec: float) -> np.ndarray:
        centre = SkyCoord(ra, dec, unit="deg")
        return centre.separation(self._coords).arcsec

    def footprint_distances_arcsec(self, ra: float, dec: float) -> np.ndarray:
        """How far ``(ra, dec)`` lies outside each observation's footprint (0 inside)."""
        return np.maximum(self.separations_arcsec(ra, dec) - self._halves, 0.0)

    def with_observation(self, observation: Observation) -> Catalogue:
        """This catalogue and one more observation (the extra files stay served)."""
        return self._carried(Catalogue((*self.observations, observation), self.synthetic))

    def replacing(self, observations: Iterable[Observation], gone: Iterable[str]) -> Catalogue:
        """This catalogue with these observations in place of those of their obsids (the
        extra files stay served, but for the dataURIs ``gone``)."""
        by_obsid = {o.obsid: o for o in observations}
        made = Catalogue(tuple(by_obsid.get(o.obsid, o) for o in self.observations), self.synthetic)
        return self._carried(made, set(gone))

    def _carried(self, made: Catalogue, gone: set[str] = frozenset()) -> Catalogue:
        """``made`` still serving this catalogue's files that no observation lists."""
        for uri, product in self._by_uri.items():
            if uri not in gone:
                made._by_uri.setdefault(uri, product)
        return made

    def restricted_to(self, obs_ids: Iterable[str]) -> Catalogue:
        wanted = set(obs_ids)
        return Catalogue(tuple(o for o in self.observations if o.obs_id in wanted), self.synthetic)


def in_bucket(product: Product) -> bool:
    """Whether the public bucket holds the product (MAST keeps exclusive-access files
    out of it)."""
    return product.in_s3 and product.data_rights == "PUBLIC"


_VERSIONS = itertools.count()  # a catalogue's version: the bucket lists it anew when it changes

#: The dataURIs of files the HLA's ``getdata.cgi`` serves.
HLA_GETDATA = "mast:HLA/url/cgi-bin/getdata.cgi?"


def _hla_getdata(uri: str) -> str:
    """The HLA's ``getdata.cgi`` serves a file by its name, with or without ``download=1``
    (astroquery's remote tests fetch one file both ways): the listed form of ``uri``."""
    if not uri.startswith(HLA_GETDATA) or "download=1" in uri:
        return uri
    return f"{HLA_GETDATA}download=1&{uri[len(HLA_GETDATA) :]}"


def many_products(base: Observation, obsid: str, obs_id: str, count: int) -> Observation:
    """A copy of ``base`` named ``obs_id`` with ``count`` calibrated FITS products, one
    per extracted source (``<obs_id>_s00001_cal.fits`` ...), as a JWST WFSS observation
    has thousands; HTTP only (no cloud path)."""
    row = {**base.row, "obsid": obsid, "obs_id": obs_id, "jpegURL": None, "dataURL": None}
    products = tuple(
        _product(
            row, f"{obs_id}_s{i:05d}_cal.fits", "SCIENCE", "CAL",
            "Calibrated exposure of one source", 2, "image",
        )
        for i in range(1, count + 1)
    )  # fmt: skip
    return Observation(row, base.target, base.header, products)


def resolve(name: str) -> Target | None:
    """The target a name (or alias) designates, ignoring case and spacing."""

    def key(text: str) -> str:
        return "".join(text.lower().replace("'", "").split())

    from .asserted import asserted_targets  # they build on this module
    from .recorded import recorded_targets

    wanted = key(name)
    for target in (*TARGETS, *recorded_targets(), *asserted_targets()):
        if wanted in {key(n) for n in (target.name, target.canonical, *target.aliases)}:
            return target
    return None


def build_catalogue(synthetic: SyntheticSky | None = None) -> Catalogue:
    """The full, deterministic sandbox catalogue (and the synthetic observations, if any):
    the curated observations, then those real MAST was recorded answering."""
    from .asserted import asserted_observations  # they build on this module
    from .recorded import recorded_observations

    ids = _Ids()
    observations = [_jwst(ids, i, spec) for i, spec in enumerate(_JWST)]
    observations += [_hst(ids, i, spec) for i, spec in enumerate(_HST)]
    observations.append(_hst_empty(ids))
    observations += [_tess(ids, i, spec) for i, spec in enumerate(_TESS)]
    observations += recorded_observations()
    observations += asserted_observations()
    return Catalogue(tuple(observations), synthetic)
