"""The observations real MAST was recorded answering, as entries of the sandbox's catalogue.

Their observation rows and product rows are served verbatim (see :mod:`.recordings`),
so a recorded request gets the recorded answer. Where a recording holds an observation
but not its product list (the TESS excerpt), the observation lists the one file its
``dataURL`` names, in the sandbox's own product row. Where a tutorial printed a few
columns of the observations and every column of a product list (the M101 field in the
Hubble Legacy Archive), the printed values are served as printed and the rest are the
sandbox's, made to keep to the tutorial's recorded search. The files themselves are the
sandbox's (:mod:`.files`), as long as MAST's listing says.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from . import recordings
from .rows import (
    FILTER_BANDS,
    MRP,
    Observation,
    Product,
    Target,
    base_row,
    make_product,
    mission_cards,
    region,
    tess_folder,
)

__all__ = ["recorded_observation", "recorded_observations", "recorded_targets"]


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
    observations = [recorded_observation(row, products.get(obsid)) for obsid, row in rows.items()]
    observations += _tabled_observations("kepler_10")
    return observations + _printed_observations("hla_m101_beginner_search", _NGC5457_FLD2)


def _tabled_observations(name: str) -> list[Observation]:
    """The whole rows a recording holds as a table (Kepler-10's two Kepler time series),
    served verbatim with the product rows it recorded (the first ten of the long-cadence
    list: an excerpt; the short-cadence list was not recorded, so it lists none)."""
    doc = recordings.load()[name]
    table, listed = doc["observations"], doc["products"]
    product_rows: dict[str, list[dict]] = {}
    for values in listed["rows"]:
        row = dict(zip(listed["columns"], values, strict=True))
        product_rows.setdefault(str(row["parent_obsid"]), []).append(row)
    made = []
    for values in table["rows"]:
        row = dict(zip(table["columns"], values, strict=True))
        for key in ("objID", "objID1", "distance"):  # the position search's own columns
            row.pop(key, None)
        made.append(recorded_observation(row, product_rows.get(str(row["obsid"]), [])))
    return made


@cache
def recorded_targets() -> tuple[Target, ...]:
    """The recorded observations' targets, for the name resolver: a K2 target by its EPIC
    number (``EPIC 228162462``, as lightkurve and lksearch ask), a TESS one by its TIC,
    Kepler-10 by its name and KIC number (the search lightkurve recorded)."""
    found = {}
    for _, answer in recordings.answers("Mast.Caom.Filtered"):
        for row in answer["data"]:
            name = row["target_name"]
            if name in found or row["obs_collection"] not in ("K2", "TESS"):
                continue
            number = "".join(c for c in name if c.isdigit())
            canonical = f"EPIC {number}" if row["obs_collection"] == "K2" else f"TIC {number}"
            found[name] = Target(canonical, row["s_ra"], row["s_dec"], canonical, "Star", "STAR")
    kepler = recordings.load()["kepler_10"]["observations"]
    row = dict(zip(kepler["columns"], kepler["rows"][0], strict=True))
    kepler_10 = Target("Kepler-10", row["s_ra"], row["s_dec"], "Kepler-10", "Star",
                       "STAR;EXOPLANET HOST", ("KIC 11904151", "kplr011904151"))  # fmt: skip
    return (*found.values(), kepler_10)


def recorded_observation(recorded: dict, product_rows: list[dict] | None) -> Observation:
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


def kind_of(filename: str, dataproduct_type: str = "timeseries") -> str:
    """What the sandbox writes for a recorded file, by its name (a FITS file of an image
    observation is an image, of a time series a light curve)."""
    name = filename.lower()
    if name.endswith((".png", ".jpg")):
        return "preview"
    if name.endswith(".cat"):
        return "catalog"
    if name.endswith(("-targ.fits.gz", "_tp.fits")):
        return "pixels"
    if name.endswith((".fits", ".fits.gz")):
        return "image" if dataproduct_type == "image" else "lightcurve"
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
        kind=kind_of(row["productFilename"], row["dataproduct_type"]),
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


#: What MAST's beginner tutorial did not print of the four HLA observations of the M101
#: field NGC5457-FLD2 (program 5766): the sandbox's values, chosen to keep to the search
#: the tutorial recorded (HLA, s_dec 50..60, calib_level 3, proposal_pi ``Mould*``,
#: images, t_max 49800..49820) and to the forms of astroquery's recorded HLA rows (the
#: PI's surname in capitals, project HLA, no waveband for a ``DETECTION`` image). The
#: observation the product list was recorded for keeps its recorded obsid.
_NGC5457_FLD2 = {
    "ra": 210.9125,
    "dec": 54.3163,
    "t_min": 49809.71474,
    "t_max": 49809.73558,
    "t_exptime": 1800.0,
    "proposal_pi": "MOULD",
    "t_obs_release": 50174.0,
    "obsids": {"hst_05766_04_wfpc2_total_wf": "25579950"},
    "first_obsid": 25579946,  # the others': near the recorded one, as MAST's HLA ids run
}


def _printed_observations(name: str, unprinted: dict) -> list[Observation]:
    """The observations a tutorial printed in a few columns, with the one whose whole
    product list it printed (served verbatim; a column it did not print, ``filters``, is
    the observation's)."""
    doc = recordings.load()[name]
    table, listed = doc["observations"], doc["products"]
    observations = []
    for i, values in enumerate(table["rows"]):
        printed = dict(zip(table["columns"], values, strict=True))
        obs_id = printed["obs_id"]
        obsid = unprinted["obsids"].get(obs_id, str(unprinted["first_obsid"] + i))
        row = _completed_row(printed, obsid, unprinted)
        if obsid == str(listed["parent_obsid"]):
            printed_rows = (dict(zip(listed["columns"], r, strict=True)) for r in listed["rows"])
            products = tuple(_recorded_product(row, _with_filters(p, row)) for p in printed_rows)
        else:
            products = _hla_products(row)
        target = Target(row["target_name"], row["s_ra"], row["s_dec"], row["target_name"], "", "")
        header = {
            "TELESCOP": "HST",
            "INSTRUME": row["instrument_name"].split("/")[0],
            "DETECTOR": row["instrument_name"].split("/")[1],
            "FILTER": row["filters"],
            "PROPOSID": int(row["proposal_id"]),
            "BUNIT": "COUNTS/S",
        }
        observations.append(Observation(row, target, header, products))
    return observations


def _completed_row(printed: dict, obsid: str, unprinted: dict) -> dict:
    """A whole ``Mast.Caom`` row: the printed columns as printed, the rest the sandbox's."""
    filters = printed["filters"]
    em_min, em_max, band = FILTER_BANDS.get(filters, (None, None, None))
    ra, dec = unprinted["ra"], unprinted["dec"]
    half = 0.0125 if printed["instrument_name"].endswith("/PC") else 0.0375
    url = f"mast:HLA/url/cgi-bin/getdata.cgi?dataset={printed['obs_id']}_drz.fits"
    return base_row(
        **printed,
        provenance_name="HLA",
        project="HLA",
        wavelength_region=band,
        s_ra=ra,
        s_dec=dec,
        dataproduct_type="image",
        proposal_pi=unprinted["proposal_pi"],
        calib_level=3,
        t_min=unprinted["t_min"],
        t_max=unprinted["t_max"],
        t_exptime=unprinted["t_exptime"],
        em_min=em_min,
        em_max=em_max,
        t_obs_release=unprinted["t_obs_release"],
        s_region=region(ra, dec, half),
        jpegURL=f"mast:HLA/url/cgi-bin/preview.cgi?dataset={printed['obs_id']}",
        dataURL=url,
        obsid=obsid,
    )


def _with_filters(printed: dict, obs_row: dict) -> dict:
    """A printed product row in MAST's column order, with the observation's ``filters``
    where the tutorial's astroquery printed none (MAST lists them last)."""
    return {**printed, "filters": obs_row["filters"]}


def _hla_products(row: dict) -> tuple[Product, ...]:
    """An HLA observation's own image and preview, in the forms of the recorded list (the
    sandbox's rows: no other HLA product list was recorded)."""
    obs_id, description = row["obs_id"], "HLA simple fits science image"
    science = make_product(row, f"{obs_id}_drz.fits", "SCIENCE", "DRZ", description, 3, "image",
                       mrp=True, in_s3=False)  # fmt: skip
    preview = make_product(row, f"{obs_id}_drz.jpg", "PREVIEW", "", "Preview-Full", 3, "preview",
                       in_s3=False)  # fmt: skip
    return replace(science, data_uri=row["dataURL"]), replace(preview, data_uri=row["jpegURL"])
