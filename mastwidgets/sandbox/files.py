"""The sandbox's product files: real FITS written with astropy, PNG and JPEG previews,
JSON association files and ECSV catalogues, all deterministic.

``image_side`` sets the side of every science image in pixels (float32), which
is what the file sizes scale with: 64 gives files of tens of kB for tests,
8192 gives files of about 270 MB per extension for benchmarks.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import tarfile
import zlib
from pathlib import Path

import astropy
import numpy as np
import platformdirs
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from .catalogue import Catalogue
from .rows import Observation, Product

TINY_IMAGE_SIDE = 64


def image_side_for(nbytes: int) -> int:
    """The image side that makes a calibrated image file about ``nbytes`` long."""
    return max(8, int((max(nbytes, 1) / 4 / 3) ** 0.5))


def _sky(product: Product, side: int) -> np.ndarray:
    """Noise plus a few stars: something that looks like an image when shown."""
    rng = np.random.default_rng(product.seed)
    image = rng.normal(1.0, 0.05, (side, side)).astype(np.float32)
    if side <= 4096:
        yy, xx = np.mgrid[0:side, 0:side]
        for _ in range(6):
            x0, y0 = rng.uniform(0, side, 2)
            flux, width = rng.uniform(5, 50), max(side / 60, 1.0)
            image += (flux * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * width**2))).astype(
                np.float32
            )
    return image


def _primary_header(obs: Observation, product: Product) -> fits.Header:
    row = obs.row
    start = row["t_min"]
    date = Time(start, format="mjd", scale="utc").isot
    header = fits.Header()
    cards = {
        "ORIGIN": "STScI-MAST sandbox (mastwidgets)",
        "FILENAME": product.filename,
        "FILETYPE": product.subgroup or product.product_type,
        "DATE-OBS": date[:10],
        "TIME-OBS": date[11:19],
        "EXPTIME": row["t_exptime"],
        "TARGNAME": row["target_name"],
        "TARGPROP": obs.target.name,
        "RA_TARG": obs.target.ra,
        "DEC_TARG": obs.target.dec,
        "OBS_ID": row["obs_id"],
        "ROOTNAME": product.filename.rsplit("_", 1)[0],
        "CAL_LEVL": product.calib_level,
    }
    for key, value in {**obs.header, **cards}.items():
        if key != "BUNIT" and value is not None:
            header[key] = value
    return header


def footprint_half(region: str) -> float:
    """Half the side of an ``s_region`` (the radius of a circle), in degrees."""
    parts = region.split()
    if parts[0].upper() == "CIRCLE":
        return float(parts[4])
    decs = [float(x) for x in parts[3::2]]
    return (max(decs) - min(decs)) / 2


def _wcs(header: fits.Header, obs: Observation, side: int) -> None:
    """A TAN WCS whose image covers the observation's footprint (``s_region``)."""
    scale = 2 * footprint_half(obs.row["s_region"]) / side
    header.update(
        {
            "WCSAXES": 2,
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRVAL1": obs.row["s_ra"],
            "CRVAL2": obs.row["s_dec"],
            "CRPIX1": side / 2 + 0.5,
            "CRPIX2": side / 2 + 0.5,
            "CD1_1": -scale,
            "CD1_2": 0.0,
            "CD2_1": 0.0,
            "CD2_2": scale,
            "CUNIT1": "deg",
            "CUNIT2": "deg",
            "RADESYS": "ICRS",
        }
    )


def _image_hdus(obs: Observation, product: Product, side: int) -> list[fits.ImageHDU]:
    sci = fits.ImageHDU(_sky(product, side), name="SCI")
    sci.header["BUNIT"] = obs.header.get("BUNIT", "")
    _wcs(sci.header, obs, side)
    err = fits.ImageHDU(np.full((side, side), 0.05, dtype=np.float32), name="ERR")
    dq = fits.ImageHDU(np.zeros((side, side), dtype=np.int32), name="DQ")
    return [sci, err, dq]


def _time_reference(obs: Observation) -> int:
    """The BJD that times in the files count from: BTJD for TESS, BKJD for Kepler and K2."""
    return 2454833 if obs.header.get("TELESCOP") == "Kepler" else 2457000


def _lightcurve_hdus(
    obs: Observation, product: Product, side: int
) -> list[fits.hdu.base.ExtensionHDU]:
    """A SPOC (or Kepler) light curve as lightkurve reads one: the LIGHTCURVE table's
    columns and time keywords (BTJD or BKJD), and an APERTURE image."""
    rng = np.random.default_rng(product.seed)
    n = max(side * 16, 100)
    reference = _time_reference(obs)
    time = obs.row["t_min"] + 2400000.5 - reference + np.linspace(0, 27.4, n)
    flux = 1000 + rng.normal(0, 2, n) - 5 * (np.sin(time * 2 * np.pi / 3.69) > 0.998)
    error = np.full(n, 2.0, dtype=np.float32)
    background = 50 + rng.normal(0, 0.5, n)
    centre = 5 + rng.normal(0, 0.01, (2, n))
    columns = [
        ("TIME", "D", f"BJD - {reference}, days", time),
        ("TIMECORR", "E", "d", np.zeros(n)),
        ("CADENCENO", "J", None, np.arange(n, dtype=np.int32) + 1),
        ("SAP_FLUX", "E", "e-/s", flux),
        ("SAP_FLUX_ERR", "E", "e-/s", error),
        ("SAP_BKG", "E", "e-/s", background),
        ("SAP_BKG_ERR", "E", "e-/s", error / 4),
        ("PDCSAP_FLUX", "E", "e-/s", flux),
        ("PDCSAP_FLUX_ERR", "E", "e-/s", error),
        (
            "SAP_QUALITY" if reference == 2454833 else "QUALITY",  # Kepler's name, SPOC's
            "J",
            None,
            np.zeros(n, dtype=np.int32),
        ),
        ("MOM_CENTR1", "D", "pixel", centre[0]),
        ("MOM_CENTR2", "D", "pixel", centre[1]),
    ]
    table = fits.BinTableHDU.from_columns(
        [fits.Column(name, form, unit=unit, array=data) for name, form, unit, data in columns],
        name="LIGHTCURVE",
    )
    table.header.update(
        {
            "TIMEREF": "SOLARSYSTEM",
            "TASSIGN": "SPACECRAFT",
            "TIMESYS": "TDB",
            "BJDREFI": reference,
            "BJDREFF": 0.0,
            "TIMEUNIT": "d",
            "TSTART": float(time[0]),
            "TSTOP": float(time[-1]),
            "TIMEDEL": float(time[1] - time[0]),
        }
    )
    aperture = fits.ImageHDU(np.ones((11, 11), dtype=np.int32), name="APERTURE")
    return [table, aperture]


def _spectrum_hdus(
    obs: Observation, product: Product, side: int
) -> list[fits.hdu.base.ExtensionHDU]:
    """An extracted 1-D spectrum, as JWST's ``_x1d`` files hold one (EXTRACT1D table)."""
    rng = np.random.default_rng(product.seed)
    n = max(side * 8, 100)
    low, high = (obs.row["em_min"] or 500.0) / 1000, (obs.row["em_max"] or 1000.0) / 1000
    wavelength = np.linspace(low, high, n)
    continuum = 1e-3 * (1 + 0.3 * np.sin(wavelength * 7.0))
    flux = continuum + rng.normal(0, 2e-5, n)
    columns = [
        ("WAVELENGTH", "D", "um", wavelength),
        ("FLUX", "D", "Jy", flux),
        ("FLUX_ERROR", "D", "Jy", np.full(n, 2e-5)),
        ("DQ", "J", None, np.zeros(n, dtype=np.int32)),
    ]
    table = fits.BinTableHDU.from_columns(
        [fits.Column(name, form, unit=unit, array=data) for name, form, unit, data in columns],
        name="EXTRACT1D",
    )
    return [table]


def _pixel_hdus(obs: Observation, product: Product, side: int) -> list[fits.hdu.base.ExtensionHDU]:
    """A SPOC target pixel file as lightkurve reads one: the PIXELS table (an 11 × 11
    cutout per cadence, with a star in it) in BTJD, and an APERTURE image."""
    rng = np.random.default_rng(product.seed)
    n = max(side, 20)
    yy, xx = np.mgrid[0:11, 0:11]
    star = 2000 * np.exp(-((xx - 5) ** 2 + (yy - 5) ** 2) / 3.0)
    flux = (rng.normal(100, 3, (n, 11, 11)) + star).astype(np.float32)
    reference = _time_reference(obs)
    time = obs.row["t_min"] + 2400000.5 - reference + np.linspace(0, 27.4, n)
    zeros = np.zeros((n, 11, 11), dtype=np.float32)
    columns = [
        fits.Column("TIME", "D", unit=f"BJD - {reference}, days", array=time),
        fits.Column("TIMECORR", "E", unit="d", array=np.zeros(n)),
        fits.Column("CADENCENO", "J", array=np.arange(n, dtype=np.int32) + 1),
        fits.Column("RAW_CNTS", "121J", dim="(11,11)", array=flux.astype(np.int32)),
        fits.Column("FLUX", "121E", dim="(11,11)", unit="e-/s", array=flux),
        fits.Column("FLUX_ERR", "121E", dim="(11,11)", unit="e-/s", array=np.sqrt(flux)),
        fits.Column("FLUX_BKG", "121E", dim="(11,11)", unit="e-/s", array=zeros + 50),
        fits.Column("FLUX_BKG_ERR", "121E", dim="(11,11)", unit="e-/s", array=zeros + 1),
        fits.Column("QUALITY", "J", array=np.zeros(n, dtype=np.int32)),
        fits.Column("POS_CORR1", "E", unit="pixel", array=np.zeros(n)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=np.zeros(n)),
    ]
    table = fits.BinTableHDU.from_columns(columns, name="PIXELS")
    table.header.update({"TIMEREF": "SOLARSYSTEM", "TIMESYS": "TDB", "BJDREFI": reference,
                         "BJDREFF": 0.0, "TIMEUNIT": "d", "TSTART": float(time[0]),
                         "TSTOP": float(time[-1])})  # fmt: skip
    aperture = fits.ImageHDU(np.full((11, 11), 1, dtype=np.int32), name="APERTURE")
    aperture.data[4:7, 4:7] = 1 | 2  # all collected; the centre 3 × 3 the optimal aperture
    return [table, aperture]


#: The pipelines' CREATOR keyword by telescope and product kind (lightkurve's
#: ``detect_filetype`` tells files apart by it).
_CREATORS = {
    ("TESS", "lightcurve"): "9320 LightCurveExporterPipelineModule",
    ("TESS", "pixels"): "9320 TargetPixelExporterPipelineModule",
    ("Kepler", "lightcurve"): "917482 FluxExporter2PipelineModule",
    ("Kepler", "pixels"): "917482 TargetPixelExporterPipelineModule",
}


def _fits_bytes(obs: Observation, product: Product, side: int) -> bytes:
    make = {
        "image": _image_hdus,
        "lightcurve": _lightcurve_hdus,
        "pixels": _pixel_hdus,
        "spectrum": _spectrum_hdus,
    }
    if product.kind == "asn":  # HST association tables are FITS binary tables
        # As calwf3 and drizzlepac read them: a row per exposure (its rootname, the
        # raw/flt files' prefix), then the product, named as the association.
        exposures = sorted(
            {p.filename.split("_")[0].upper() for p in obs.products
             if p.subgroup in ("RAW", "FLT", "FLC", "IMA")}
        )  # fmt: skip
        names = [*exposures, product.obs_id.upper()]
        members = fits.BinTableHDU.from_columns(
            [
                fits.Column("MEMNAME", "14A", array=names),
                fits.Column("MEMTYPE", "14A", array=["EXP-DTH"] * len(exposures) + ["PROD-DTH"]),
                fits.Column("MEMPRSNT", "L", array=[True] * len(names)),
            ],
            name="ASN",
        )
        extensions = [members]
    else:
        extensions = make[product.kind](obs, product, side)
    primary = fits.PrimaryHDU(header=_primary_header(obs, product))
    creator = _CREATORS.get((obs.header.get("TELESCOP"), product.kind))
    if creator and product.collection != "HLSP":  # the missions' own pipelines only
        primary.header["CREATOR"] = creator
    hdus = fits.HDUList([primary, *extensions])
    buffer = io.BytesIO()
    hdus.writeto(buffer)
    return buffer.getvalue()


def _preview(product: Product, side: int) -> bytes:
    """A preview image, in the format its name says (MAST's HST and HLA previews are
    JPEG, the others PNG)."""
    image = _sky(product, side)
    if not product.filename.lower().endswith((".jpg", ".jpeg")):
        return _png(image)
    from PIL import Image  # matplotlib's dependency; only JPEG previews need it

    buffer = io.BytesIO()
    Image.fromarray(_grey(image)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _grey(image: np.ndarray) -> np.ndarray:
    """``image`` scaled to 8-bit grey levels (1st to 99.5th percentile), north up."""
    low, high = np.percentile(image, [1, 99.5])
    scaled = np.clip((image - low) / max(high - low, 1e-6), 0, 1)
    return (scaled[::-1] * 255).astype(np.uint8)


def _png(image: np.ndarray) -> bytes:
    """A grey-scale PNG of ``image`` (stdlib only: zlib + the PNG chunk format).

    Stored, not compressed (zlib level 0): its size depends on the image's shape only,
    so a generated preview's size is known without making it."""
    pixels = _grey(image)
    raw = b"".join(b"\x00" + line.tobytes() for line in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )


def _asn_json(obs: Observation, product: Product) -> bytes:
    members = [p.filename for p in obs.products if p.subgroup == "CAL"]
    program = obs.header.get("PROGRAM", "")
    asn = {
        "asn_type": product.filename.split("_")[-3],
        "asn_rule": "candidate_Asn_Lv3Image",
        "version_id": product.filename.split("_")[1],
        "code_version": "1.16.0",
        "degraded_status": "No known degraded exposures in association.",
        "program": program,
        "constraints": f"DMSAttrConstraint({{'name': 'program', 'value': '{program}'}})",
        "asn_id": product.filename.split("_")[0],
        "target": obs.row["target_name"],
        "asn_pool": "sandbox_pool",
        "products": [
            {
                "name": obs.obs_id,
                "members": [{"expname": m, "exptype": "science"} for m in members],
            }
        ],
    }
    return (json.dumps(asn, indent=4) + "\n").encode()


def _catalog_ecsv(obs: Observation, product: Product) -> bytes:
    rng = np.random.default_rng(product.seed)
    n = 25
    table = Table(
        {
            "label": np.arange(1, n + 1),
            "sky_centroid.ra": obs.row["s_ra"] + rng.normal(0, 0.005, n),
            "sky_centroid.dec": obs.row["s_dec"] + rng.normal(0, 0.005, n),
            "aper_total_flux": rng.uniform(1e-7, 1e-5, n),
        }
    )
    table["aper_total_flux"].unit = "Jy"
    buffer = io.StringIO()
    table.write(buffer, format="ascii.ecsv")
    return buffer.getvalue().encode()


def product_bytes(obs: Observation, product: Product, image_side: int = TINY_IMAGE_SIDE) -> bytes:
    """The content of one product file (of a recorded product, the part before the zeros
    that make it as long as MAST's listing says: see ``recorded_head``)."""
    if product.recorded_size is not None:
        return recorded_head(obs, product)
    if product.kind == "preview":
        side = 64 if product.product_type == "THUMBNAIL" else 256
        return _preview(product, side)
    if product.kind == "asn" and product.filename.endswith(".json"):
        return _asn_json(obs, product)
    if product.kind == "catalog":
        return _catalog_ecsv(obs, product)
    data = _fits_bytes(obs, product, image_side)
    if product.filename.endswith(".gz"):  # stored, not compressed: the size is the shape's
        return gzip.compress(data, compresslevel=0, mtime=0)
    return data


def recorded_head(obs: Observation, product: Product) -> bytes:
    """A recorded product's file up to where zeros make it its recorded size: a FITS file
    ending in a PADDING extension (whose data are the zeros), a gzip stream (readers
    skip zeros after one), a PNG (readers stop at its end), or text as long as the size.
    """
    size = product.recorded_size
    name = product.filename
    if product.kind == "preview":
        candidates = (_preview(product, side) for side in (256, 128, 64, 32, 16, 8))
    elif name.endswith(".txt"):
        candidates = iter([_text_of_size(product, size)])
    elif name.endswith(".tar.gz"):
        candidates = iter([gzip.compress(_tar_of(product), mtime=0)])
    elif name.endswith(".tar"):  # its end is zero blocks: the zeros after it are more
        candidates = iter([_tar_of(product)])
    elif name.endswith(".pdf"):
        candidates = iter([b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n%%EOF\n"])
    else:  # FITS, perhaps gzipped; for the smallest, the primary header alone
        candidates = (_sized_fits(obs, product, side, size) for side in (64, 16, 4, 0))
    for head in candidates:
        if len(head) <= size:
            return head
    raise ValueError(f"the sandbox cannot make {name} as small as its recorded {size} bytes")


def _sized_fits(obs: Observation, product: Product, side: int, size: int) -> bytes:
    if side:
        data = _fits_bytes(obs, product, side)
    else:
        buffer = io.BytesIO()
        fits.PrimaryHDU(header=_primary_header(obs, product)).writeto(buffer)
        data = buffer.getvalue()
    if product.filename.endswith(".gz"):
        return gzip.compress(data, mtime=0)
    spare = size - len(data) - 2880
    if spare < 0:
        return data
    padding = fits.Header(
        [("XTENSION", "IMAGE"), ("BITPIX", 8), ("NAXIS", 1), ("NAXIS1", spare),
         ("PCOUNT", 0), ("GCOUNT", 1), ("EXTNAME", "PADDING")]
    )  # fmt: skip
    return data + padding.tostring().encode("ascii")


def _text_of_size(product: Product, size: int) -> bytes:
    """Two columns of numbers, exactly ``size`` bytes long."""
    rng = np.random.default_rng(product.seed)
    lines = ["# time, flux (mastwidgets sandbox)"]
    length = len(lines[0]) + 1
    while length < size:
        lines.append(f"{len(lines) * 0.0204:.6f}, {1 + rng.normal(0, 1e-4):.8f}")
        length += len(lines[-1]) + 1
    return "\n".join(lines).encode("ascii")[: size - 1] + b"\n"


def _tar_of(product: Product) -> bytes:
    """A tar file holding one short text file."""
    body = f"{product.filename}: made by the mastwidgets sandbox\n".encode()
    member = tarfile.TarInfo("README.txt")
    member.size = len(body)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(member, io.BytesIO(body))
    return buffer.getvalue()


def write_products(
    catalogue: Catalogue,
    directory: Path,
    image_side: int = TINY_IMAGE_SIDE,
    *,
    cache: Path | None = None,
) -> dict:
    """Write every product of ``catalogue`` under ``directory``; return {uri: path}.

    With ``cache`` (a folder kept between runs, e.g. :func:`default_cache`), each
    file is made once and copied from there afterwards: astropy takes about ten
    seconds to write the curated FITS files, a copy a few milliseconds. A cached
    file is named by what its bytes depend on (this module's code, astropy's and
    numpy's versions, the product and its observation), so a change to any of them
    makes it again.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    version = _code_version(image_side) if cache is not None else ""
    for obs in catalogue.observations:
        for product in obs.products:
            path = directory / product.filename
            if not path.exists():
                if cache is None:
                    _write(path, product_bytes(obs, product, image_side), product.recorded_size)
                else:
                    source = _cached(cache, version, obs, product, image_side)
                    _copy(source, path, product.recorded_size)
            paths[product.uri] = path
    return paths


def default_cache() -> Path:
    """Where the sandbox keeps the files it made (the user's cache folder)."""
    return Path(platformdirs.user_cache_dir("mastwidgets")) / "sandbox-files"


def _write(path: Path, data: bytes, size: int | None = None) -> None:
    """``path`` with ``data`` (then zeros up to ``size``), whole or not at all."""
    _place(path, lambda tmp: tmp.write_bytes(data), size)


def _copy(source: Path, path: Path, size: int | None) -> None:
    """:func:`_write` with ``source``'s bytes."""
    _place(path, lambda tmp: shutil.copyfile(source, tmp), size)


def _place(path: Path, make, size: int | None) -> None:
    """``make`` the file under a unique temporary name, extend it with zeros to ``size``
    (a hole: recorded files of 90 MB take no disk), then rename it: two processes making
    the same file both succeed, and nobody sees half of it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    make(tmp)
    if size is not None:
        os.truncate(tmp, size)
    tmp.replace(path)


def _cached(cache: Path, version: str, obs: Observation, product: Product, side: int) -> Path:
    key = hashlib.sha256(f"{version}|{product!r}|{sorted(obs.row.items())!r}".encode()).hexdigest()[
        :24
    ]
    path = cache / version / f"{key}-{product.filename}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, product_bytes(obs, product, side))
    return path


def _code_version(image_side: int) -> str:
    """What every file's bytes depend on beyond its product: this module, the
    catalogue's code and the libraries that write them."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("files.py", "catalogue.py", "recorded.py"):
        digest.update((here / name).read_bytes())
    digest.update(f"{astropy.__version__}|{np.__version__}|{image_side}".encode())
    return digest.hexdigest()[:16]
