"""The observations real MAST was recorded answering, as entries of the sandbox's catalogue.

Their observation rows and product rows are served verbatim (see :mod:`.recordings`),
so a recorded request gets the recorded answer. Where a recording holds an observation
but not its product list (the TESS excerpt), the observation lists the one file its
``dataURL`` names, in the sandbox's own product row. The files themselves are the
sandbox's (:mod:`.files`), as long as MAST's listing says.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from . import recordings
from .catalogue import MRP, Observation, Product, Target, mission_cards, tess_folder

__all__ = ["recorded_observations", "recorded_targets"]


def recorded_observations() -> list[Observation]:
    """Every observation of the recorded ``Mast.Caom.Filtered`` answers (first answer wins),
    in recorded order, with its recorded products."""
    rows: dict[str, dict] = {}
    for _, answer in recordings.answers("Mast.Caom.Filtered"):
        for row in answer["data"]:
            rows.setdefault(str(row["obsid"]), row)
    products: dict[str, list[dict]] = {}
    seen = set()
    for _, answer in recordings.answers("Mast.Caom.Products"):
        for row in answer["data"]:
            key = (row["parent_obsid"], row["dataURI"])
            if key not in seen:
                seen.add(key)
                products.setdefault(str(row["parent_obsid"]), []).append(row)
    return [_observation(row, products.get(obsid)) for obsid, row in rows.items()]


@cache
def recorded_targets() -> tuple[Target, ...]:
    """The recorded observations' targets, for the name resolver: a K2 target by its EPIC
    number (``EPIC 228162462``, as lightkurve and lksearch ask), a TESS one by its TIC."""
    found = {}
    for _, answer in recordings.answers("Mast.Caom.Filtered"):
        for row in answer["data"]:
            name = row["target_name"]
            if name in found or row["obs_collection"] not in ("K2", "TESS"):
                continue
            number = "".join(c for c in name if c.isdigit())
            canonical = f"EPIC {number}" if row["obs_collection"] == "K2" else f"TIC {number}"
            found[name] = Target(canonical, row["s_ra"], row["s_dec"], canonical, "Star", "STAR")
    return tuple(found.values())


def _observation(recorded: dict, product_rows: list[dict] | None) -> Observation:
    row = {**recorded, "obsid": str(recorded["obsid"])}  # the catalogue's keys are strings
    name = row["target_name"]
    target = Target(name, row["s_ra"], row["s_dec"], name, "", row["target_classification"] or "")
    if product_rows is not None:
        products = tuple(_recorded_product(row, p) for p in product_rows)
    elif row["dataURL"]:
        products = _data_url_products(row)
    else:
        products = ()
    return Observation(row, target, _header(row), products, recorded=True)


def _header(row: dict) -> dict:
    """The primary-header facts of the observation's files."""
    number = "".join(c for c in row["target_name"] if c.isdigit())
    telescope = "TESS" if row["project"] == "TESS" else "Kepler"  # Kepler, K2, their HLSPs
    return {
        "TELESCOP": telescope,
        "INSTRUME": f"{telescope} Photometer",
        **mission_cards(row["project"], row["sequence_number"], int(number) if number else None),
        "BUNIT": "e-/s",
    }


def kind_of(filename: str) -> str:
    """What the sandbox writes for a recorded file, by its name."""
    name = filename.lower()
    if name.endswith(".png"):
        return "preview"
    if name.endswith(("-targ.fits.gz", "_tp.fits")):
        return "pixels"
    if name.endswith((".fits", ".fits.gz")):
        return "lightcurve"
    return "blob"  # text, PDF and tar files: bytes nobody here reads


def _recorded_product(obs_row: dict, row: dict) -> Product:
    group = str(row["obsID"])
    return Product(
        filename=row["productFilename"],
        obsid=obs_row["obsid"],
        obs_id=row["obs_id"],
        collection=row["obs_collection"],
        dataproduct_type=row["dataproduct_type"],
        product_type=row["productType"],
        subgroup=row["productSubGroupDescription"] or "",
        description=row["description"],
        calib_level=row["calib_level"],
        group=row["productGroupDescription"],
        kind=kind_of(row["productFilename"]),
        cloud_path=None,
        in_s3=False,
        data_rights=row["dataRights"],
        proposal_id=row["proposal_id"],
        filters=row["filters"],
        group_obsid=None if group == obs_row["obsid"] else group,
        data_uri=row["dataURI"],
        recorded=tuple(row.items()),
    )


def _data_url_products(obs_row: dict) -> tuple[Product, ...]:
    """The file the row's ``dataURL`` names; for a SPOC two-minute light curve also its
    target pixel file, both where MAST's bucket keeps a sector's files (the curated TESS
    observations' structure)."""
    light_curve = _data_url_product(obs_row, obs_row["dataURL"])
    if not light_curve.filename.endswith("-s_lc.fits") or obs_row["provenance_name"] != "SPOC":
        return (light_curve,)
    folder = tess_folder(obs_row["sequence_number"], int(obs_row["target_name"]))
    pixels_uri = obs_row["dataURL"].replace("_lc.fits", "_tp.fits")
    return tuple(
        replace(product, cloud_path=f"{folder}/{product.filename}", in_s3=True)
        for product in (light_curve, _data_url_product(obs_row, pixels_uri))
    )


#: SPOC's product subgroup by the end of the file name (``_dvt`` is not recorded: a guess).
_SPOC_SUBGROUPS = {"lc.fits": "LC", "tp.fits": "TP", "dvt.fits": "DVT", "fast-lc.fits": "LC"}


def _data_url_product(obs_row: dict, uri: str) -> Product:
    filename = uri.rsplit("/", 1)[1]
    hlsp = obs_row["obs_collection"] == "HLSP"  # described as the recorded HLSP files are
    pixels = filename.endswith("_tp.fits")
    return Product(
        filename=filename,
        obsid=obs_row["obsid"],
        obs_id=obs_row["obs_id"],
        collection=obs_row["obs_collection"],
        dataproduct_type=obs_row["dataproduct_type"],
        product_type="SCIENCE",
        subgroup="" if hlsp else _SPOC_SUBGROUPS.get(filename.rsplit("_", 1)[1], "LC"),
        description="FITS" if hlsp else "Target pixel files" if pixels else "Light curves",
        calib_level=2 if pixels else obs_row["calib_level"],
        group=MRP,
        kind=kind_of(filename),
        cloud_path=None,
        in_s3=False,
        data_rights=obs_row["dataRights"],
        proposal_id=obs_row["proposal_id"],
        filters=obs_row["filters"],
        data_uri=uri,
    )
