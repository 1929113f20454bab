"""MAST's mission search (``/search/<mission>/api/v0.1/``, astroquery's ``MastMissions``)
over the sandbox's catalogue.

A mission's *datasets* are the same data its CAOM observations hold: an HST dataset is
an HST observation (``sci_data_set_name`` its ``obs_id`` in capitals) with its files; a
JWST dataset is one exposure (``fileSetName``, ``jw01189001001_02101_00001``, as MAST's
names and astroquery's remote test show) with its exposure-level files. A file fetched
by ``retrieve_product`` is byte for byte the one ``Download/file`` serves.

What MAST was recorded answering is served verbatim (``recordings/hst_mission_search``):
HST's 57 columns with their descriptions, one cone's three datasets, and the product
list of dataset Z14Z0104T. JWST's column list was not recorded: its columns here are the
FITS keywords the search form offers, described by the sandbox.

Searches follow MAST's rules (astroquery's documentation, "Writing Queries"): criteria
AND-ed, a value list OR-ed, ``!`` negates (negated values AND-ed), ``<``, ``>``, ``<=``,
``>=`` and ``lo..hi`` ranges on numbers and dates, ``*`` wildcards on text; a cone of at
most 30 arcminutes around each of several positions; ``limit``, ``offset``, ``sort_by``
and ``sort_desc``, ``select_cols`` and ``totalResults``. A bad value is an HTTP 400 with
MAST's ``detail``, which astroquery turns into ``InvalidQueryError``.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from threading import Lock

import numpy as np

from . import recordings
from .files import recorded_head
from .rows import Observation, Product, Target, base_row

#: The missions served, and the CAOM collection their datasets come from.
MISSIONS = {"hst": "HST", "jwst": "JWST"}
#: Each mission's dataset column (astroquery's ``dataset_kwds``).
DATASET_COLUMN = {"hst": "sci_data_set_name", "jwst": "fileSetName"}
#: The widest cone MAST searches (astroquery 0.4.12 refuses wider ones itself).
MAX_RADIUS_ARCSEC = 30 * 60.0
_UNITS = {"arcseconds": 1.0, "arcsec": 1.0, "arcminutes": 60.0, "arcmin": 60.0, "degrees": 3600.0}
_RECORDING = "hst_mission_search"

# JWST's searchable columns: (name, type, description, shown by default).
# fmt: off
_JWST_COLUMNS = (
    ("fileSetName", "string", "Dataset: the exposure's name, jw<program><observation><visit>_"
     "<visit group><sequence><activity>_<exposure> (e.g. jw01189001001_02101_00001)", True),
    ("targprop", "string", "Target name proposed by the observer (e.g. M16, NGC-6543)", True),
    ("targ_ra", "ra", "Target right ascension (J2000), in degrees", True),
    ("targ_dec", "dec", "Target declination (J2000), in degrees", True),
    ("instrume", "string", "Instrument (NIRCAM, NIRSPEC, NIRISS, MIRI, FGS)", True),
    ("exp_type", "string", "Exposure type (e.g. NRC_IMAGE, MIR_IMAGE, NRS_IFU)", True),
    ("opticalElements", "string", "Filter and pupil or grating (e.g. F090W;CLEAR)", True),
    ("detector", "string", "Detector (e.g. NRCB1, MIRIMAGE, NRS1)", True),
    ("program", "integer", "Program (proposal) number (e.g. 2739)", True),
    ("observtn", "integer", "Observation number within the program", True),
    ("visit", "integer", "Visit number within the observation", True),
    ("date_obs", "datetime", "Start of the exposure (UTC)", True),
    ("duration", "float", "Exposure time, in seconds", True),
    ("pi_name", "string", "Principal investigator (e.g. Pontoppidan, Klaus)", True),
    ("program_title", "substring", "Title of the program", False),
    ("category", "string", "Program category (e.g. GO, ERO)", False),
    ("publicReleaseDate", "datetime", "When the data become public", True),
    ("access", "string", "PUBLIC or EXCLUSIVE_ACCESS", True),
    ("productLevel", "string", "Highest calibration level of the dataset's files (1, 2a, 2b)",
     False),
    ("ang_sep", "float", "Angular separation from the search position, in arcminutes", True),
    ("search_pos", "string", "Search position (RA and Dec)", False),
    ("search_key", "string", "Search key (the search position and the dataset)", False),
)
# fmt: on
_DB_TYPES = {
    "string": "VARCHAR",
    "substring": "VARCHAR",
    "datetime": "DATETIME",
    "integer": "INTEGER",
    "float": "FLOAT",
    "ra": "FLOAT",
    "dec": "FLOAT",
    "boolean": "INTEGER",
}  # fmt: skip
_NUMERIC = {"integer", "float", "ra", "dec", "boolean"}
_UNCALIBRATED = {"RAW", "UNCAL", "D0F", "SHF", "ULF"}
_AUX = {"ASN", "TRL", "JIF", "JIT", "SPT", "PDQ"}


class MissionError(ValueError):
    """A request MAST refuses (HTTP 400, its message in ``detail``)."""


@dataclass(frozen=True)
class Dataset:
    """One dataset: its row (the mission's columns), position and files."""

    row: dict
    ra: float | None
    dec: float | None
    #: (listing row, product, its observation) of each file; product ``None``: not served.
    files: tuple[tuple[dict, Product | None, Observation | None], ...]


def column_list(mission: str) -> list[dict]:
    """``/search/util/api/v0.1/column_list?mission=``: the mission's searchable columns."""
    if mission == "hst":
        return recordings.load()[_RECORDING]["mission_column_list"]
    if mission == "jwst":
        return [
            {
                "field_name": name, "description": text, "column_name": name,
                "queryable": "no" if name in ("search_pos", "search_key") else "yes",
                "qual_type": kind, "default_output": "yes" if shown else "no",
                "indexed": "yes" if name in ("fileSetName", "program") else "no",
                "datatype": "char" if kind in ("string", "substring", "datetime") else "double",
            }
            for name, kind, text, shown in _JWST_COLUMNS
        ]  # fmt: skip
    raise MissionError(f"Unknown mission '{mission}'.")


_MJD_ZERO = datetime(1858, 11, 17)


def _iso(mjd: float | None) -> str | None:
    """An MJD as MAST's mission search writes dates (``2014-09-02T04:12:40.000000``; UTC,
    leap seconds ignored: datetime's arithmetic, hundreds of thousands a second)."""
    if mjd is None:
        return None
    return (_MJD_ZERO + timedelta(days=float(mjd))).isoformat(timespec="microseconds")


class MissionSearch:
    """Answers the mission API from a portal's (current) catalogue."""

    def __init__(self, portal):
        self.portal = portal
        self._lock = Lock()
        self._built: tuple[int, dict] | None = None
        self._answers: OrderedDict[tuple, list[dict]] = OrderedDict()

    # -- the datasets -----------------------------------------------------------------------------
    def _curated(self) -> dict[str, dict[str, Dataset]]:
        """{mission: {dataset ID: Dataset}} of the curated catalogue (made once a version)."""
        catalogue = self.portal.catalogue
        with self._lock:
            if self._built is not None and self._built[0] == catalogue.version:
                return self._built[1]
        found: dict[str, dict[str, Dataset]] = {"hst": {}, "jwst": {}}
        for obs in catalogue.observations:
            if obs.row["obs_collection"] == "HST" and obs.row.get("s_ra") is not None:
                dataset = self._hst(obs)
                found["hst"].setdefault(dataset.row["sci_data_set_name"], dataset)
            elif obs.row["obs_collection"] == "JWST":
                for dataset in self._jwst(obs):
                    found["jwst"].setdefault(dataset.row["fileSetName"], dataset)
        found["hst"].update(_recorded_datasets())
        with self._lock:
            self._built = (catalogue.version, found)
            self._answers.clear()
        return found

    @cached_property
    def _synthetic_hst(self) -> dict[str, int]:
        """{dataset ID: index} of the synthetic sky's HST observations."""
        sky = self.portal.catalogue.synthetic
        if sky is None:
            return {}
        return {sky.obs_id(i).upper(): i for i in range(sky.count) if sky.collection(i) == "HST"}

    def _listing(self, obs: Observation, product: Product, dataset: str) -> dict:
        sub = (product.subgroup or product.filename.rsplit("_", 1)[-1].split(".")[0]).upper()
        category = (
            "AUX" if sub in _AUX or product.product_type in ("AUXILIARY", "INFO")
            else "UNCALIBRATED" if sub in _UNCALIBRATED or product.calib_level <= 1
            else "CALIBRATED" if product.product_type == "SCIENCE"
            else "OTHER"
        )  # fmt: skip
        return {
            "product_key": f"{dataset}_{product.filename}",
            "access": "PUBLIC" if product.data_rights == "PUBLIC" else "EXCLUSIVE_ACCESS",
            "dataset": dataset,
            "instrument_name": obs.header.get("INSTRUME", ""),
            "filters": product.filters,
            "filename": product.filename,
            "uri": f"{dataset}/{product.filename}",
            "authz_primary_identifier": product.filename.split("_")[0].upper()
            if obs.row["obs_collection"] == "HST"
            else dataset,
            "authz_secondary_identifier": "CAL",
            "file_suffix": sub,
            "category": category,
            "size": self.portal.size_of(obs, product),
            "type": "science",
        }

    def _hst(self, obs: Observation, with_files: bool = True) -> Dataset:
        row = obs.row
        dataset = row["obs_id"].upper()
        instrument, _, mode = row["instrument_name"].partition("/")
        proposal = str(row.get("proposal_id") or "")
        center = (row["em_min"] + row["em_max"]) * 5.0 if row.get("em_min") else None
        values = {
            "sci_data_set_name": dataset,
            "sci_targname": (row.get("target_name") or "").upper().replace(" ", ""),
            "sci_hapnum": 0,
            "sci_haspnum": "0",
            "sci_instrume": instrument.ljust(6),
            "sci_aper_1234": mode or instrument,
            "sci_spec_1234": row.get("filters"),
            "sci_actual_duration": row.get("t_exptime"),
            "sci_start_time": _iso(row.get("t_min")),
            "sci_pep_id": int(proposal) if proposal.isdigit() else None,
            "sci_pi_last_name": (row.get("proposal_pi") or "").split(",")[0].upper() or None,
            "sci_ra": row["s_ra"],
            "sci_dec": row["s_dec"],
            "sci_archive_class": "CAL",
            "sci_program_id": dataset[1:4],
            "sci_obset_id": dataset[4:6],
            "sci_obsnum": dataset[6:9],
            "sci_asn_id": dataset if dataset.endswith("0") else None,
            "sci_refnum": 0,
            "sci_instrument_config": row["instrument_name"],
            "sci_central_wavelength": None if center is None else round(center, 4),
            "sci_mtflag": "T" if row.get("mtFlag") else "F",
            "sci_release_date": _iso(row.get("t_obs_release")),
            "sci_stop_time": _iso(row.get("t_max")),
            "sci_aec": "S" if row.get("intentType", "science") == "science" else "C",
            "sci_preview_name": dataset,
            "sci_obs_type": "SPECTRUM" if row.get("dataproduct_type") == "spectrum" else "IMAGE",
            "scp_scan_type": None,
            "sci_hlsp": None,
            "sci_status": "PUBLIC" if row.get("dataRights") == "PUBLIC" else "PROPRIETARY",
        }
        files = ()
        if with_files:
            files = tuple(
                (self._listing(obs, p, dataset), p, obs)
                for p in obs.products
                if p.kind != "preview"
            )
        return Dataset(values, row["s_ra"], row["s_dec"], files)

    def _jwst(self, obs: Observation) -> Iterator[Dataset]:
        row, header = obs.row, obs.header
        exposures: dict[str, list[Product]] = {}
        for product in obs.products:
            name = product.obs_id
            if product.group_obsid is None or not re.fullmatch(r"jw\d{11}_\d{5}_\d{5}_\w+", name):
                continue
            exposures.setdefault(name.rsplit("_", 1)[0], []).append(product)
        filt = row.get("filters") or ""
        elements = filt if ";" in filt else f"{filt};{header.get('PUPIL') or ''}".rstrip(";")
        for visit_no, (dataset, products) in enumerate(exposures.items(), 1):
            program = int(dataset[2:7])
            values = {
                "fileSetName": dataset,
                "targprop": row.get("target_name"),
                "targ_ra": row["s_ra"],
                "targ_dec": row["s_dec"],
                "instrume": header.get("INSTRUME"),
                "exp_type": header.get("EXP_TYPE"),
                "opticalElements": elements,
                "detector": products[0].obs_id.rsplit("_", 1)[1].upper(),
                "program": program,
                "observtn": int(dataset[7:10]),
                "visit": int(dataset[20:25]) if len(dataset) >= 25 else visit_no,
                "date_obs": _iso(row.get("t_min")),
                "duration": row.get("t_exptime"),
                "pi_name": row.get("proposal_pi"),
                "program_title": row.get("obs_title"),
                "category": row.get("proposal_type"),
                "publicReleaseDate": _iso(row.get("t_obs_release")),
                "access": row.get("dataRights"),
                "productLevel": "2b" if any(p.calib_level >= 2 for p in products) else "1b",
            }
            files = tuple((self._listing(obs, p, dataset), p, obs) for p in products)
            yield Dataset(values, row["s_ra"], row["s_dec"], files)

    def _synthetic_datasets(self, indices: Iterable[int]) -> Iterator[Dataset]:
        sky = self.portal.catalogue.synthetic
        for i in indices:
            row = sky.row(int(i))
            obs = Observation(row, Target(row["target_name"], 0, 0, "", "", ""), {})
            yield self._hst(obs, with_files=False)

    def _datasets(self, mission: str, cones: list[tuple[float, float, str]], radius: float):
        """(dataset, search position, separation in arcminutes) of every candidate."""
        curated = self._curated()[mission]
        sky = self.portal.catalogue.synthetic
        if not cones:
            for dataset in curated.values():
                yield dataset, None, None
            if mission == "hst" and sky is not None:
                yield from (
                    (d, None, None) for d in self._synthetic_datasets(self._synthetic_hst.values())
                )
            return
        positioned = [d for d in curated.values() if d.ra is not None]
        ras = np.array([d.ra for d in positioned], dtype=float)
        decs = np.array([d.dec for d in positioned], dtype=float)
        for ra, dec, text in cones:
            separations = _separations_arcsec(ra, dec, ras, decs)
            for index in np.flatnonzero(separations <= radius):
                yield positioned[index], text, separations[index] / 60.0
            if mission == "hst" and sky is not None:
                far = sky.separations_arcsec(ra, dec)
                near = np.flatnonzero(far <= radius)
                hst = [i for i in near if sky.collection(int(i)) == "HST"]
                for i, dataset in zip(hst, self._synthetic_datasets(hst), strict=True):
                    yield dataset, text, far[i] / 60.0

    # -- the services -----------------------------------------------------------------------------
    def search(self, mission: str, params: dict) -> dict:
        """``POST /search/<mission>/api/v0.1/search``."""
        columns = {c["column_name"]: c for c in column_list(mission)}
        dataset_col = DATASET_COLUMN[mission]
        cones, radius, radius_units = _cones(params)
        tests = [_test(columns, name, value) for name, value in _conditions(params)]
        tests = [t for t in tests if t is not None]
        sort_by = _as_list(params.get("sort_by")) or (
            ["ang_sep", _TARGET[mission], dataset_col] if cones else [dataset_col]
        )
        sort_desc = _as_list(params.get("sort_desc")) or [False] * len(sort_by)
        for name in sort_by:
            if name not in columns:
                raise MissionError(f"Cannot sort by '{name}': no such column.")
        recorded = _recorded_answer(mission, params, cones)
        if recorded is not None:
            return recorded
        key = (mission, repr(cones), radius, repr(_conditions(params)), repr(sort_by),
               repr(sort_desc))  # fmt: skip
        with self._lock:
            rows = self._answers.get(key)
        if rows is None:
            rows = self._rows(mission, cones, radius, tests, sort_by, sort_desc)
            with self._lock:
                self._answers[key] = rows
                while len(self._answers) > 8:
                    self._answers.popitem(last=False)
        limit, offset = _count(params, "limit", 5000), _count(params, "offset", 0)
        chosen = _select(params.get("select_cols"), columns, mission, dataset_col)
        shown = chosen + (["search_key", "search_pos", "ang_sep"] if cones else [])
        shown = list(dict.fromkeys(shown))
        page = rows[offset : offset + limit]
        skip = bool(params.get("skip_count"))
        echoed = {
            "target": [c[2] for c in cones], "radius": radius if cones else None,
            "radius_units": radius_units, "offset": offset, "limit": limit,
            "sort_by": sort_by, "sort_desc": sort_desc, "skip_count": skip,
            "select_cols": chosen, "search_key": [], "user_fields": [],
            "conditions": [{k: v} for k, v in _conditions(params)],
        }  # fmt: skip
        return {
            "messages": [],
            "info": [{"name": n, "type": _DB_TYPES[columns[n]["qual_type"]]} for n in shown],
            "search_params": echoed,
            "totalResults": None if skip else len(rows),
            "results": [{n: r.get(n) for n in shown} for r in page],
        }

    def _rows(self, mission, cones, radius, tests, sort_by, sort_desc) -> list[dict]:
        found = []
        for dataset, position, separation in self._datasets(mission, cones, radius):
            row = dataset.row
            if all(test(row.get(name)) for name, test in tests):
                if position is not None:
                    ident = row[DATASET_COLUMN[mission]]
                    row = {**row, "search_pos": position, "search_key": position + ident,
                           "ang_sep": separation}  # fmt: skip
                found.append(row)
        for name, desc in reversed(list(zip(sort_by, sort_desc, strict=False))):
            present = [r for r in found if r.get(name) is not None]
            missing = [r for r in found if r.get(name) is None]
            present.sort(key=lambda r, n=name: _sortable(r[n]), reverse=bool(desc))
            found = present + missing
        return found

    def products(self, mission: str, dataset_ids: Iterable[str]) -> dict:
        """``POST /search/<mission>/api/v0.1/post_list_products``."""
        listed = []
        for ident in dict.fromkeys(str(d).strip() for d in dataset_ids):
            dataset = self.dataset(mission, ident)
            if dataset is not None:
                listed += [entry[0] for entry in dataset.files]
        return {"products": listed}

    def dataset(self, mission: str, ident: str) -> Dataset | None:
        """A dataset by its ID (any case), with its files."""
        found = self._curated().get(mission, {}).get(ident.upper() if mission == "hst" else ident)
        if found is None and mission == "hst":
            index = self._synthetic_hst.get(ident.upper())
            if index is not None:
                obs = self.portal.catalogue.synthetic.observation(index)
                found = self._hst(obs)
        return found

    def retrieve(self, mission: str, product_name: str):
        """``GET /search/<mission>/api/v0.1/retrieve_product?product_name=<dataset>/<file>``:
        (product, its bytes or file) or ``None``."""
        ident, _, filename = product_name.partition("/")
        dataset = self.dataset(mission, ident) if filename else None
        if dataset is None:
            return None
        for listing, product, obs in dataset.files:
            if listing["filename"] == filename and product is not None:
                if (
                    product.recorded_size is not None
                    and obs is not None
                    and product.uri.startswith("mission:")
                ):  # a file only the mission search lists (recorded)
                    head = recorded_head(obs, product)
                    return product, head + bytes(product.recorded_size - len(head))
                return self.portal.content(product.uri)
        return None


_TARGET = {"hst": "sci_targname", "jwst": "targprop"}


def _recorded_datasets() -> dict[str, Dataset]:
    """The datasets MAST was recorded answering: the cone's three (rows verbatim, files
    not recorded) and Z14Z0104T's five files (listing verbatim)."""
    doc = recordings.load()[_RECORDING]
    found = {}
    for result in doc["mission_search"]["results"]:
        row = {k: v for k, v in result.items() if k not in ("search_pos", "search_key", "ang_sep")}
        found[row["sci_data_set_name"]] = Dataset(row, row["sci_ra"], row["sci_dec"], ())
    listed = doc["mission_products"]
    ident = listed[0]["dataset"]
    header = {"TELESCOP": "HST", "INSTRUME": listed[0]["instrument_name"].strip()}
    obs_row = base_row(obs_id=ident.lower(), obs_collection="HST", obsid="0", s_ra=0.0, s_dec=0.0,
                       instrument_name="HRS", filters=listed[0]["filters"], t_min=48000.0,
                       t_max=48000.01, em_min=120.0, em_max=320.0, dataproduct_type="spectrum",
                       target_name=ident)  # fmt: skip
    obs = Observation(obs_row, Target(ident, 0.0, 0.0, ident, "", ""), header)
    files = []
    for entry in listed:
        product = Product(
            filename=entry["filename"], obsid="0", obs_id=ident.lower(), collection="HST",
            dataproduct_type="spectrum", product_type="SCIENCE", subgroup=entry["file_suffix"],
            description="", calib_level=1, group=None, kind="spectrum", cloud_path=None,
            in_s3=False, data_rights="PUBLIC", proposal_id="", filters=entry["filters"],
            data_uri=f"mission:hst/{entry['uri']}", recorded=(("size", entry["size"]),),
        )  # fmt: skip
        files.append((entry, product, obs))
    row = {"sci_data_set_name": ident, "sci_instrume": listed[0]["instrument_name"],
           "sci_spec_1234": listed[0]["filters"], "sci_status": "PUBLIC"}  # fmt: skip
    found[ident] = Dataset(row, None, None, tuple(files))
    return found


def _recorded_answer(mission: str, params: dict, cones) -> dict | None:
    """The recorded answer, verbatim, to the request it answered (its cone and radius,
    the default columns, no conditions)."""
    if mission != "hst" or len(cones) != 1 or params.get("select_cols") or _conditions(params):
        return None
    answer = recordings.load()[_RECORDING]["mission_search"]
    asked = answer["search_params"]
    ra, dec = (float(v) for v in asked["target"][0].split())
    if abs(cones[0][0] - ra) > 1e-9 or abs(cones[0][1] - dec) > 1e-9:
        return None
    if not math.isclose(_radius_arcsec(params), asked["radius"] * 60.0):
        return None
    if _count(params, "offset", 0) or params.get("sort_by"):
        return None
    return answer


def _separations_arcsec(ra: float, dec: float, ras: np.ndarray, decs: np.ndarray) -> np.ndarray:
    if not len(ras):
        return np.array([])
    r1, d1, r2, d2 = map(np.deg2rad, (ra, dec, ras, decs))
    cos = np.sin(d1) * np.sin(d2) + np.cos(d1) * np.cos(d2) * np.cos(r1 - r2)
    return np.rad2deg(np.arccos(np.clip(cos, -1.0, 1.0))) * 3600.0


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _count(params: dict, name: str, default: int) -> int:
    value = params.get(name, default)
    try:
        number = int(value if value is not None else default)
    except (TypeError, ValueError):
        raise MissionError(f"'{name}' must be a whole number, not {value!r}.") from None
    if number < 0:
        raise MissionError(f"'{name}' must not be negative.")
    return number


def _radius_arcsec(params: dict) -> float:
    units = str(params.get("radius_units") or "arcminutes").lower()
    if units not in _UNITS:
        raise MissionError(f"Unknown radius_units '{units}'.")
    try:
        radius = float(params.get("radius") if params.get("radius") is not None else 3.0)
    except (TypeError, ValueError):
        raise MissionError(f"radius must be a number, not {params.get('radius')!r}.") from None
    return radius * _UNITS[units]


def _cones(params: dict) -> tuple[list[tuple[float, float, str]], float, str]:
    targets = _as_list(params.get("target"))
    radius = _radius_arcsec(params)
    if targets and radius > MAX_RADIUS_ARCSEC:
        raise MissionError("Query radius too large: it must be at most 30 arcminutes.")
    cones = []
    for text in targets:
        parts = str(text).replace(",", " ").split()
        try:
            ra, dec = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise MissionError(f"Cannot read the target position '{text}'.") from None
        if not (0.0 <= ra < 360.0 or math.isclose(ra, 360.0)) or not -90.0 <= dec <= 90.0:
            raise MissionError(f"The target position '{text}' is off the sky.")
        cones.append((ra, dec, str(text)))
    return cones, radius, str(params.get("radius_units") or "arcminutes")


def _conditions(params: dict) -> list[tuple[str, object]]:
    found = []
    for entry in params.get("conditions") or []:
        if not isinstance(entry, dict):
            raise MissionError("Each condition must be an object: {column: value}.")
        found += list(entry.items())
    return found


def _select(select_cols, columns: dict, mission: str, dataset_col: str) -> list[str]:
    if not select_cols:
        if mission == "hst":  # the default MAST echoed when recorded
            recorded = recordings.load()[_RECORDING]["mission_search"]
            return list(recorded["search_params"]["select_cols"])
        return [n for n, c in columns.items() if c["default_output"] == "yes" and n != "ang_sep"]
    chosen = [c.strip() for c in _as_list(select_cols) for c in str(c).split(",")]
    if any(c in ("*", "all") for c in chosen):
        chosen = [n for n in columns if n not in ("search_pos", "search_key", "ang_sep")]
    unknown = [c for c in chosen if c not in columns]
    if unknown:
        raise MissionError(f"Unknown column(s) in select_cols: {', '.join(unknown)}.")
    return list(dict.fromkeys([dataset_col, *chosen]))


def _sortable(value):
    return value.strip().lower() if isinstance(value, str) else value


def _test(columns: dict, name: str, value) -> tuple[str, Callable] | None:
    """(column, predicate of a cell) for one condition, or ``None`` (no constraint)."""
    column = columns.get(name)
    if column is None or column["queryable"] != "yes":
        raise MissionError(f"Column '{name}' does not exist or cannot be searched.")
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if isinstance(value, bool):
        value = int(value)
    items = [item.strip() for item in str(value).split(",") if item.strip()]
    if not items:
        return None
    kind = column["qual_type"]
    positives, negatives = [], []
    for item in items:
        negated = item.startswith("!")
        test = _item_test(name, kind, item[1:].strip() if negated else item)
        (negatives if negated else positives).append(test)

    def matches(cell) -> bool:
        if any(t(cell) for t in negatives):
            return False
        return not positives or any(t(cell) for t in positives)

    return name, matches


_COMPARE = re.compile(r"^(<=|>=|<|>)\s*(.+)$")


def _item_test(name: str, kind: str, item: str) -> Callable:
    if kind in _NUMERIC:
        return _number_test(name, kind, item)
    if kind == "datetime":
        return _date_test(item)
    pattern = re.escape(item.lower()).replace(r"\*", ".*")
    if kind == "substring":
        pattern = f".*{pattern}.*"
    compiled = re.compile(pattern, re.DOTALL)
    return lambda cell: cell is not None and bool(compiled.fullmatch(str(cell).strip().lower()))


def _number(name: str, kind: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise MissionError(
            f"Invalid value '{text}' for column '{name}', which holds numbers ({kind})."
        ) from None
    if kind == "integer" and not value.is_integer():
        raise MissionError(f"Invalid value '{text}' for column '{name}', which holds integers.")
    return value


def _number_test(name: str, kind: str, item: str) -> Callable:
    def value(cell):
        try:
            return float(cell)
        except (TypeError, ValueError):
            return None

    low, dots, high = item.partition("..")
    if dots:
        lo, hi = _number(name, kind, low), _number(name, kind, high)
        return lambda cell: (v := value(cell)) is not None and lo <= v <= hi
    compare = _COMPARE.match(item)
    if compare:
        op, bound = compare.group(1), _number(name, kind, compare.group(2))
        return {
            "<": lambda c: (v := value(c)) is not None and v < bound,
            ">": lambda c: (v := value(c)) is not None and v > bound,
            "<=": lambda c: (v := value(c)) is not None and v <= bound,
            ">=": lambda c: (v := value(c)) is not None and v >= bound,
        }[op]
    exact = _number(name, kind, item)
    return lambda cell: (v := value(cell)) is not None and v == exact


def _date_test(item: str) -> Callable:
    """Dates compare as ISO text (``<2012`` is before 2012; ``2012-05`` is May 2012)."""
    low, dots, high = item.partition("..")
    if dots:
        return lambda cell: cell is not None and low <= str(cell)[: len(low)] <= high
    compare = _COMPARE.match(item)
    if compare:
        op, bound = compare.groups()
        return {
            "<": lambda c: c is not None and str(c) < bound,
            ">": lambda c: c is not None and str(c)[: len(bound)] > bound,
            "<=": lambda c: c is not None and str(c)[: len(bound)] <= bound,
            ">=": lambda c: c is not None and str(c) >= bound,
        }[op]
    return lambda cell: cell is not None and str(cell).startswith(item)
