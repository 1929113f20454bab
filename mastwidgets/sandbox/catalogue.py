"""The sandbox's catalogue: everything it serves, indexed the ways MAST looks things up,
built from its sources: the curated observations (:mod:`.curated`), those real MAST was
recorded answering (:mod:`.recorded`), those built to keep to what astroquery's tests
assert (:mod:`.asserted`) and, at a scale, the synthetic sky (:mod:`.synthetic`). Each
source builds its rows with :mod:`.rows`; none of them imports this module."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from astropy.coordinates import SkyCoord

from .asserted import asserted_observations, asserted_targets
from .curated import TARGETS, curated_observations
from .recorded import recorded_observations, recorded_targets
from .rows import HLA_GETDATA, Observation, Product, Target, footprint_half, in_bucket, make_product

if TYPE_CHECKING:
    from .synthetic import SyntheticSky


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


_VERSIONS = itertools.count()  # a catalogue's version: the bucket lists it anew when it changes


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
        make_product(
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

    wanted = key(name)
    for target in (*TARGETS, *recorded_targets(), *asserted_targets()):
        if wanted in {key(n) for n in (target.name, target.canonical, *target.aliases)}:
            return target
    return None


def build_catalogue(synthetic: SyntheticSky | None = None) -> Catalogue:
    """The full, deterministic sandbox catalogue (and the synthetic observations, if any):
    the curated observations, then those real MAST was recorded answering."""
    observations = curated_observations()
    observations += recorded_observations()
    observations += asserted_observations()
    return Catalogue(tuple(observations), synthetic)
