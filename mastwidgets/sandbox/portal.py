"""The MAST portal API, answered from the sandbox catalogue.

Pure request-to-answer logic, no sockets: the HTTP server in ``server.py``
decodes requests and calls these methods. Request and answer shapes follow
MAST as astroquery 0.4.11 sees it (see ``shared/MAST_PROTOCOL.md``): the
``/api/v0/invoke`` services, the column configurations, the SANTA name
resolver, the cloud path look-up and ``/whoami``.
"""

from __future__ import annotations

import json
import math
import re
import threading
from importlib import resources
from pathlib import Path

import numpy as np

from .catalogue import Catalogue, resolve
from .generated import GeneratedFiles
from .missions import MissionSearch
from .rows import Observation, Product

# Observation columns of Mast.Caom.Cone (real MAST's names, order and types).
OBSERVATION_FIELDS = (
    ("intentType", "string"),
    ("obs_collection", "string"),
    ("provenance_name", "string"),
    ("instrument_name", "string"),
    ("project", "string"),
    ("filters", "string"),
    ("wavelength_region", "string"),
    ("target_name", "string"),
    ("target_classification", "string"),
    ("obs_id", "string"),
    ("s_ra", "float"),
    ("s_dec", "float"),
    ("dataproduct_type", "string"),
    ("proposal_pi", "string"),
    ("calib_level", "int"),
    ("t_min", "float"),
    ("t_max", "float"),
    ("t_exptime", "float"),
    ("em_min", "float"),
    ("em_max", "float"),
    ("obs_title", "string"),
    ("t_obs_release", "float"),
    ("proposal_id", "string"),
    ("proposal_type", "string"),
    ("sequence_number", "int"),
    ("s_region", "string"),
    ("jpegURL", "string"),
    ("dataURL", "string"),
    ("dataRights", "string"),
    ("mtFlag", "boolean"),
    ("srcDen", "float"),
    ("obsid", "string"),
)
PRODUCT_FIELDS = (
    ("obsID", "string"),
    ("obs_collection", "string"),
    ("dataproduct_type", "string"),
    ("obs_id", "string"),
    ("description", "string"),
    ("type", "string"),
    ("dataURI", "string"),
    ("productType", "string"),
    ("productGroupDescription", "string"),
    ("productSubGroupDescription", "string"),
    ("productDocumentationURL", "string"),
    ("project", "string"),
    ("prvversion", "string"),
    ("proposal_id", "string"),
    ("productFilename", "string"),
    ("size", "int"),
    ("parent_obsid", "string"),
    ("dataRights", "string"),
    ("calib_level", "int"),
    ("filters", "string"),
)
_COUNT = "COUNT_BIG(*)"
#: MAST's limit on the rows one query may match (the sandbox's default).
ROW_CAP = 500_000

KNOWN_REQUEST_KEYS = {"service", "params", "format", "pagesize", "page", "cacheBreaker"}
KNOWN_PARAMS = {
    "Mast.Caom.Cone": {"ra", "dec", "radius"},
    "Mast.Caom.Filtered": {"columns", "filters"},
    "Mast.Caom.Filtered.Position": {"columns", "filters", "position"},
    "Mast.Caom.Products": {"obsid"},
    "Mast.Caom.All": set(),
    "Mast.Name.Lookup": {"input", "format"},
}


class PortalError(Exception):
    """A request MAST would answer with ``status: ERROR``."""


def _caom_config() -> dict:
    text = resources.files(__package__).joinpath("data/columnsconfig_caom.json").read_text()
    return json.loads(text)


_PRODUCTS_CONFIG = {
    "obsID": {"text": "Product Group ID", "vot.datatype": "long"},
    "obs_collection": {"text": "Mission", "vot.datatype": "char"},
    "dataproduct_type": {"text": "Product Type", "vot.datatype": "char"},
    "obs_id": {"text": "Observation ID", "vot.datatype": "char"},
    "description": {"text": "Description", "vot.datatype": "char"},
    "type": {"text": "Product Category", "vot.datatype": "char"},
    "dataURI": {"text": "URI", "vot.datatype": "char"},
    "productType": {"text": "Product Type", "vot.datatype": "char"},
    "productGroupDescription": {"text": "Product Group", "vot.datatype": "char"},
    "productSubGroupDescription": {"text": "Product Sub-Group", "vot.datatype": "char"},
    "productDocumentationURL": {"text": "Documentation", "vot.datatype": "char"},
    "project": {"text": "Project", "vot.datatype": "char"},
    "prvversion": {"text": "Product Version", "vot.datatype": "char"},
    "proposal_id": {"text": "Proposal ID", "vot.datatype": "char"},
    "productFilename": {"text": "Filename", "vot.datatype": "char"},
    "size": {"text": "Size", "vot.datatype": "long", "vot.unit": "byte"},
    "parent_obsid": {"text": "Parent Product Group ID", "vot.datatype": "long"},
    "dataRights": {"text": "Data Rights", "vot.datatype": "char"},
    "calib_level": {"text": "Calibration Level", "vot.datatype": "int"},
    "filters": {"text": "Filters", "vot.datatype": "char"},
}


def _envelope(fields, rows, page: int, pagesize: int, make=None) -> dict:
    """MAST's answer for one page of ``rows`` (``make`` turns the page's entries into rows)."""
    total = len(rows)
    pages = max(1, math.ceil(total / pagesize))
    shown = rows[(page - 1) * pagesize : page * pagesize]
    return {
        "status": "COMPLETE",
        "msg": "",
        "paging": {
            "page": page,
            "pageSize": pagesize,
            "pagesFiltered": pages,
            "rows": len(shown),
            "rowsFiltered": total,
            "rowsTotal": total,
        },
        "fields": [{"name": name, "type": kind} for name, kind in fields],
        "data": [make(entry) for entry in shown] if make else shown,
    }


def _like(pattern: str) -> re.Pattern:
    """SQL LIKE (``%`` any run, ``_`` one character) as a case-insensitive regex."""
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


class _Filter:
    """One entry of ``params.filters``: AND with the others, OR within its values."""

    def __init__(self, spec: dict, config: dict):
        self.name = spec.get("paramName", "")
        self.column = next((c for c in config if c.lower() == self.name.lower()), None)
        if self.column is None or config[self.column].get("remove"):
            raise PortalError(f"Invalid column name '{self.name}'.")
        values = spec.get("values") or []
        self.ranges = [v for v in values if isinstance(v, dict)]
        self.exact = {str(v).lower() for v in values if not isinstance(v, dict)}
        free = spec.get("freeText")
        self.free = _like(free) if free else None
        self.separator = spec.get("separator") or config[self.column].get("separator")

    def matches(self, row: dict) -> bool:
        return self.matches_value(row.get(self.column))

    def matches_value(self, cell) -> bool:
        if cell is None:
            return False
        if self.ranges:
            try:
                value = float(cell)
            except (TypeError, ValueError):
                return False
            return any(
                float(r.get("min", -math.inf)) <= value <= float(r.get("max", math.inf))
                for r in self.ranges
            )
        text = str(cell)
        candidates = {text.lower()}
        if self.separator:
            candidates |= {t.strip().lower() for t in text.split(self.separator)}
        if candidates & self.exact:
            return True
        return bool(self.free and any(self.free.fullmatch(c) for c in candidates))


class Portal:
    """Answers MAST portal requests from a :class:`Catalogue`.

    Parameters
    ----------
    catalogue
        The observations and products to serve.
    sizes
        Byte size of every product file, by dataURI.
    token
        The MAST API token the sandbox accepts (``None``: no login possible).
    files
        The curated products' files, by dataURI.
    generated
        Makes the files of synthetic observations (their sizes are not in ``sizes``).
    row_cap
        The most rows one query may match; past it the query fails, as MAST's do.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        sizes: dict[str, int],
        token: str | None = None,
        *,
        files: dict[str, Path] | None = None,
        generated: GeneratedFiles | None = None,
        row_cap: int = ROW_CAP,
    ):
        self.catalogue = catalogue
        self.sizes = sizes
        self.files = files if files is not None else {}
        self.generated = generated
        self.row_cap = row_cap
        self.token = token
        self.missions = MissionSearch(self)
        self.caom_config = _caom_config()
        self._unknown: list[str] = []
        self._lock = threading.Lock()

    # -- bookkeeping of requests the sandbox does not know ------------------------------------
    def note_unknown(self, what: str) -> None:
        with self._lock:
            self._unknown.append(what)

    @property
    def unknown(self) -> list[str]:
        """What clients sent that the sandbox does not know (paths, services, keys)."""
        with self._lock:
            return list(self._unknown)

    # -- /portal/Mashup/Mashup.asmx/columnsconfig -----------------------------------------------
    def columns_config(self, service: str) -> dict:
        if service in ("Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Filtered.Position"):
            return self.caom_config
        if service == "Mast.Caom.Products":
            return _PRODUCTS_CONFIG
        if service == "Mast.Caom.All":
            return {"obs_collection": self.caom_config["obs_collection"]}
        self.note_unknown(f"columnsconfig for {service!r}")
        return {}

    # -- /api/v0/invoke -------------------------------------------------------------------------
    def invoke(self, request: dict) -> dict:
        """Answer one decoded ``request`` (MAST's JSON envelope, errors included)."""
        service = request.get("service")
        for key in set(request) - KNOWN_REQUEST_KEYS:
            self.note_unknown(f"request key {key!r} for {service}")
        params = request.get("params") or {}
        if service not in KNOWN_PARAMS:
            self.note_unknown(f"service {service!r}")
            return {
                "status": "ERROR",
                "msg": f"Unknown service: {service}",
                "data": [],
                "fields": [],
            }
        for key in set(params) - KNOWN_PARAMS[service]:
            self.note_unknown(f"param {key!r} for {service}")
        page, pagesize = int(request.get("page") or 1), int(request.get("pagesize") or 50000)
        try:
            if service == "Mast.Caom.All":
                return self._missions()
            if service == "Mast.Name.Lookup":
                return self._name_lookup(params)
            if service == "Mast.Caom.Products":
                rows = self._products(str(params.get("obsid", "")))
                return _envelope(PRODUCT_FIELDS, rows, page, pagesize)
            return self._observations(service, params, page, pagesize)
        except PortalError as error:
            return {"status": "ERROR", "msg": str(error), "data": [], "fields": []}

    def _observations(self, service: str, params: dict, page: int, pagesize: int) -> dict:
        position = None
        if service == "Mast.Caom.Cone":
            position = tuple(float(params[k]) for k in ("ra", "dec", "radius"))
        elif service == "Mast.Caom.Filtered.Position":
            try:
                position = tuple(float(x) for x in str(params["position"]).split(","))
            except (KeyError, ValueError):
                raise PortalError("Position must be 'ra, dec, radius' in degrees.") from None
        filters = [_Filter(f, self.caom_config) for f in params.get("filters") or []]
        chosen = self._curated_matches(position, filters) + self._synthetic_matches(
            position, filters
        )
        if position is not None:
            chosen.sort(key=lambda pair: pair[0])
        if params.get("columns") == _COUNT:
            return _envelope((("Column1", "string"),), [{"Column1": len(chosen)}], 1, pagesize)
        if len(chosen) > self.row_cap:
            raise PortalError(
                f"The query matches {len(chosen)} rows, more than the {self.row_cap} "
                "MAST returns for one query. Please narrow the search."
            )
        fields = list(OBSERVATION_FIELDS)
        if service != "Mast.Caom.Cone":
            fields.append(("objID", "string"))
        if service == "Mast.Caom.Filtered.Position":
            fields.append(("objID1", "string"))
        if position is not None:
            fields.append(("distance", "float"))
        synthetic = self.catalogue.synthetic

        names = [name for name, _ in fields]

        def make(pair) -> dict:
            distance, source = pair
            row = source.row if isinstance(source, Observation) else synthetic.row(source)
            return self._observation_row(row, distance, names)

        return _envelope(fields, chosen, page, pagesize, make)

    def _curated_matches(self, position, filters) -> list[tuple[float | None, Observation]]:
        distances = None
        if position is not None:
            distances = self.catalogue.footprint_distances_arcsec(position[0], position[1])
        chosen = []
        for index, obs in enumerate(self.catalogue.observations):
            distance = None if distances is None else float(distances[index])
            if distance is not None and distance > position[2] * 3600:
                continue
            if all(f.matches(obs.row) for f in filters):
                chosen.append((distance, obs))
        return chosen

    def _synthetic_matches(self, position, filters) -> list[tuple[float | None, int]]:
        """(distance, index) of the synthetic observations that match, filtered column by
        column (each distinct value of a column is tested once)."""
        synthetic = self.catalogue.synthetic
        if synthetic is None:
            return []
        indices = np.arange(synthetic.count)
        distances = None
        if position is not None:
            distances = synthetic.footprint_distances_arcsec(position[0], position[1])
            indices = indices[distances <= position[2] * 3600]
        for spec in filters:
            values = synthetic.column(spec.column)
            verdicts: dict = {}
            keep = []
            for i in indices:
                value = values[i]
                verdict = verdicts.get(value)
                if verdict is None:
                    verdict = verdicts[value] = spec.matches_value(value)
                if verdict:
                    keep.append(i)
            indices = np.array(keep, dtype=np.int64)
        if distances is None:
            return [(None, int(i)) for i in indices]
        return [(float(distances[i]), int(i)) for i in indices]

    @staticmethod
    def _observation_row(source: dict, distance: float | None, names: list[str]) -> dict:
        """The row in the answer's columns; ids are JSON numbers, as MAST sends them (its
        fields call them strings)."""
        row = dict(source)
        row["obsid"] = int(row["obsid"])
        row["objID1"] = row["obsid"] + 1_000_000_000
        row.setdefault("objID", row["objID1"])  # a recorded row keeps MAST's
        if distance is not None:
            row["distance"] = round(distance, 6)
        values = (row.get(name) for name in names)
        return {
            name: None if isinstance(v, float) and np.isnan(v) else v
            for name, v in zip(names, values, strict=True)
        }

    def _products(self, obsids: str) -> list[dict]:
        """The products of the observations, grouped by mission, then by obsid (the order
        of every recorded answer, whatever the order asked in)."""
        found = []
        for obsid in (o.strip() for o in obsids.split(",")):
            if not obsid:
                continue
            if not obsid.isdigit():
                raise PortalError("Error converting data type varchar to bigint.")
            obs = self.catalogue.observation(obsid)
            if obs is not None:
                found.append(obs)
        found.sort(key=lambda obs: (obs.row["obs_collection"], int(obs.obsid)))
        return [self._product_row(obs, p) for obs in found for p in obs.products]

    def _product_row(self, obs: Observation, product: Product) -> dict:
        if product.recorded:
            return dict(product.recorded)  # as real MAST was recorded listing it
        return {
            "obsID": int(product.group_obsid or product.obsid),
            "obs_collection": product.collection,
            "dataproduct_type": product.dataproduct_type,
            "obs_id": product.obs_id,
            "description": product.description,
            "type": product.type,
            "dataURI": product.uri,
            "productType": product.product_type,
            "productGroupDescription": product.group,
            "productSubGroupDescription": product.subgroup or None,
            "productDocumentationURL": None,
            # MAST names the pipeline for TESS files (recorded: "SPOC")
            "project": "SPOC" if product.collection == "TESS" else obs.row["project"],
            "prvversion": product.version or ("1.16.0" if product.collection == "JWST" else None),
            "proposal_id": product.proposal_id,
            "productFilename": product.filename,
            "size": self.size_of(obs, product),
            "parent_obsid": int(obs.obsid),
            "dataRights": product.data_rights,
            "calib_level": product.calib_level,
            "filters": product.filters,
        }

    def size_of(self, obs: Observation, product: Product) -> int:
        size = self.sizes.get(product.uri)
        return size if size is not None else self.generated.size(obs, product)

    def content(self, uri: str) -> tuple[Product, Path | bytes] | None:
        """A product and its file (a path) or its bytes (generated), or ``None``."""
        product = self.catalogue.product(uri)
        if product is None:
            return None
        path = self.files.get(product.uri)
        if path is not None:
            return product, path
        if self.generated is None or self.catalogue.synthetic is None:
            return None
        return product, self.generated.content(self.catalogue.observation_of(product), product)

    def _missions(self) -> dict:
        counts: dict = {"hist": []}
        for obs in self.catalogue.observations:
            name = obs.row["obs_collection"]
            counts[name] = counts.get(name, 0) + 1
        if self.catalogue.synthetic is not None:
            for name, count in self.catalogue.synthetic.collection_counts().items():
                counts[name] = counts.get(name, 0) + count
        column = {"text": "obs_collection", "ExtendedProperties": {"histObj": counts}}
        return {"status": "COMPLETE", "msg": "", "data": {"Tables": [{"Columns": [column]}]}}

    def _name_lookup(self, params: dict) -> dict:
        """The legacy (astroquery <= 0.4.10) resolver service."""
        target = resolve(str(params.get("input", "")))
        found = (
            []
            if target is None
            else [
                {
                    "ra": target.ra,
                    "decl": target.dec,
                    "canonicalName": target.canonical,
                    "objectType": target.object_type,
                    "resolver": "SIMBAD",
                    "searchString": str(params.get("input", "")).lower(),
                }
            ]
        )
        return {"resolvedCoordinate": found, "status": ""}

    # -- /Santa-war/query -----------------------------------------------------------------------
    def santa(self, names: list[str], resolve_all: bool, resolver: str | None) -> dict:
        """SANTA's answer: one entry per resolver that knows each name."""
        entries = []
        for name in names:
            target = resolve(name)
            if target is None:
                continue
            by = ["SIMBAD", "NED"] if resolve_all else [resolver.upper() if resolver else "SIMBAD"]
            if name.upper().startswith("TIC ") and (resolve_all or resolver):
                by.append("TIC")
            for source in by:
                entries.append(
                    {
                        "searchString": name.lower(),
                        "resolver": source,
                        "cached": True,
                        "resolverTime": 3,
                        "searchRadius": -1.0,
                        "canonicalName": target.canonical,
                        "ra": target.position_by(source)[0],
                        "decl": target.position_by(source)[1],
                        "objectType": target.object_type,
                    }
                )
        return {"resolvedCoordinate": entries, "status": ""}

    # -- /api/v0.1/path_lookup/ -----------------------------------------------------------------
    def path_lookup(self, uris: list[str], use_cloud_path: bool = False) -> dict:
        """Where MAST keeps each file: its archive path (astroquery <= 0.4.11 maps it to a
        bucket key) or, with ``use_cloud_path`` (astroquery 0.4.12's ``get_cloud_paths``),
        the bucket key itself."""
        answer = {}
        for uri in uris:
            product = self.catalogue.product(uri)
            path = product.cloud_path if product else None
            if path and use_cloud_path:
                path = "/" + product.s3_key
            answer[uri] = {"status_code": 200 if path else 404, "path": path}
        return answer

    # -- /whoami --------------------------------------------------------------------------------
    def whoami(self, token: str | None) -> dict:
        if self.token and token == self.token:
            return {
                "anon": False,
                "ezid": "sandbox_scientist",
                "token": None,
                "attrib": {"display_name": "Sandbox Scientist"},
                "scopes": ["mast:exclusive_access"],
                "session": None,
                "eppn": None,
            }
        return {
            "anon": True,
            "ezid": "anonymous",
            "token": None,
            "attrib": {},
            "scopes": [],
            "session": None,
            "eppn": None,
        }

    def authorized(self, product: Product, token: str | None) -> bool:
        """Public data are for everyone; exclusive-access data need the token."""
        return product.data_rights == "PUBLIC" or bool(self.token and token == self.token)
