"""The sandbox's row builders: targets, observations and products as MAST lists them,
and the names, paths and rows every source of the catalogue (curated, recorded, asserted,
synthetic) builds its observations with. Nothing here knows a particular observation."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time

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
# fmt: on


def mjd(iso: str) -> float:
    return round(float(Time(iso, scale="utc").mjd), 6)


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


def make_product(
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


def hst_cloud(filename: str) -> str:
    root = filename.split("_")[0]
    return f"/hst/public/{root[:4]}/{root}/{filename}"


def in_bucket(product: Product) -> bool:
    """Whether the public bucket holds the product (MAST keeps exclusive-access files
    out of it)."""
    return product.in_s3 and product.data_rights == "PUBLIC"


#: The dataURIs of files the HLA's ``getdata.cgi`` serves.
HLA_GETDATA = "mast:HLA/url/cgi-bin/getdata.cgi?"
