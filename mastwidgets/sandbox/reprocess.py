"""MAST reprocessing a program (:meth:`Sandbox.reprocess <mastwidgets.sandbox.Sandbox.reprocess>`).

What a calibration software release does to a program already in the archive, as a
client that keeps a copy current sees it in MAST's product lists:

- some calibrated files get new bytes (same name and dataURI, a new size, a new
  ``prvversion``);
- JWST's association files are made again from a new pool: their names carry the
  pool's timestamp, so each has a new name (the old one is no longer listed);
- a level-3 product is renamed (JWST: its target number; HST: a CTE-corrected
  ``_drc`` replaces the ``_drz``);
- a file is withdrawn (no longer listed or served).

``fraction`` is of the program's files (each once), all those changes counted.
Deterministic: the same sandbox, program, fraction and seed change the same files.
"""

from __future__ import annotations

import dataclasses
import io
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from astropy.io import fits

from .catalogue import Catalogue
from .files import product_bytes
from .rows import Product

__all__ = ["NEW_VERSION", "Reprocessed", "reprocess"]

#: ``prvversion`` of a reprocessed file (MAST's column: the pipeline's version).
NEW_VERSION = {"JWST": "1.17.1", "HST": "3.7.2"}
_POOL_TIME = re.compile(r"_\d{8}t\d{6}_")


@dataclass
class Reprocessed:
    """What a reprocessing changed, by dataURI."""

    changed: list[str] = field(default_factory=list)  # new bytes, same name
    renamed: dict[str, str] = field(default_factory=dict)  # old dataURI -> new
    withdrawn: list[str] = field(default_factory=list)


def reprocess(
    catalogue: Catalogue,
    files: dict[str, Path],
    folder: Path,
    mission: str,
    program: str,
    fraction: float,
    seed: int,
    image_side: int,
) -> tuple[Catalogue, dict[str, Path], Reprocessed]:
    """The catalogue after reprocessing, the files to serve (dataURI -> path: new ones
    written under ``folder``; withdrawn and renamed-away ones left out) and what
    changed. Raises ValueError for a program the sandbox does not hold."""
    observations = [
        o for o in catalogue.observations
        if o.row["obs_collection"] == mission and o.row["proposal_id"] == program
    ]  # fmt: skip
    if not observations:
        raise ValueError(f"the sandbox holds no {mission} program {program}")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    rng = random.Random(f"{mission}/{program}/{seed}")
    version = NEW_VERSION.get(mission, "2")
    report = Reprocessed()
    files = dict(files)
    # each file once (a JWST visit's guide-star files are listed under two observations)
    products = list({p.uri: p for o in observations for p in o.products if p.uri in files}.values())
    fits_science = [
        p for p in products
        if p.product_type == "SCIENCE" and p.filename.endswith(".fits") and p.calib_level >= 2
    ]  # fmt: skip
    level3 = [p for p in fits_science if p.calib_level == 3 and p.subgroup in ("I2D", "DRZ")]
    renamed = rng.choice(level3) if level3 else None
    rest = [p for p in fits_science if p is not renamed]
    # withdrawn: a file no association names (JWST's CRF, HST's raw files)
    spare = [p for p in products if p.subgroup in ("CRF", "RAW", "RATEINTS")]
    withdrawn = rng.choice(spare) if spare else None
    rest = [p for p in rest if p is not withdrawn]
    # ``fraction`` of the program's files change: new bytes, the renamed associations and
    # level-3 product, and the withdrawn file together
    renames = sum(1 for p in products if p.subgroup == "ASN" and _POOL_TIME.search(p.filename))
    touched = renames + (renamed is not None) + (withdrawn is not None)
    count = max(1, round(fraction * len(products)) - touched)
    changed = set(rng.sample(range(len(rest)), min(count, len(rest))))
    changes: dict[str, Product | None] = {}  # old dataURI -> the product now (None: gone)
    for index, product in enumerate(rest):
        if index in changed:
            changes[product.uri] = dataclasses.replace(product, version=version)
            report.changed.append(product.uri)
    if withdrawn is not None:
        changes[withdrawn.uri] = None
        report.withdrawn.append(withdrawn.uri)
    if renamed is not None:
        name = (
            renamed.filename.replace("_drz.fits", "_drc.fits")
            if renamed.filename.endswith("_drz.fits")
            else re.sub(r"_t(\d{3})_", lambda m: f"_t{int(m.group(1)) + 100:03d}_",
                        renamed.filename, count=1)
        )  # fmt: skip
        changes[renamed.uri] = _renamed(renamed, name, version)
        report.renamed[renamed.uri] = changes[renamed.uri].uri
    stamp = (
        f"_{rng.randrange(2024, 2026)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}t"
        f"{rng.randrange(0, 24):02d}{rng.randrange(0, 60):02d}{rng.randrange(0, 60):02d}_"
    )
    for product in products:
        if product.subgroup == "ASN" and _POOL_TIME.search(product.filename):
            name = _POOL_TIME.sub(stamp, product.filename, count=1)
            changes[product.uri] = _renamed(product, name, version)
            report.renamed[product.uri] = changes[product.uri].uri
    made = []
    for obs in observations:
        kept = tuple(
            changes.get(p.uri, p) for p in obs.products if changes.get(p.uri, p) is not None
        )
        made.append(dataclasses.replace(obs, products=kept))
    grown = catalogue.replacing(made, gone=set(changes) - set(report.changed))
    folder.mkdir(parents=True, exist_ok=True)
    for old, product in changes.items():
        if product is None:
            files.pop(old, None)
            continue
        obs = grown.observation_of(product)
        if product.subgroup == "ASN" and product.filename.endswith(".json"):
            data = product_bytes(obs, product, image_side)  # names its members anew
        elif old in report.changed:
            data = _new_bytes(files[old].read_bytes(), version)
        else:
            data = files[old].read_bytes()
        path = folder / product.filename
        path.write_bytes(data)
        if product.uri != old:
            files.pop(old, None)
        files[product.uri] = path
    return grown, files, report


def _renamed(product: Product, filename: str, version: str) -> Product:
    cloud = product.cloud_path
    if cloud:
        cloud = cloud.rsplit("/", 1)[0] + "/" + filename
    return dataclasses.replace(
        product, filename=filename, cloud_path=cloud, version=version, data_uri=None
    )


def _new_bytes(data: bytes, version: str) -> bytes:
    """A FITS file as a new calibration makes it: the version in its header, and the
    history of the reprocessing (a header block longer: a new size)."""
    with fits.open(io.BytesIO(data)) as hdus:
        header = hdus[0].header
        header["CAL_VER"] = (version, "calibration software version")
        for line in range(40):
            header.add_history(f"reprocessed with calibration software {version} ({line})")
        out = io.BytesIO()
        hdus.writeto(out)
    return out.getvalue()
