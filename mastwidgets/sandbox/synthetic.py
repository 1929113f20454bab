"""Synthetic observations: the sandbox at the archive's size, ``Sandbox(scale=N, seed=0)``.

N observations are drawn once, column by column, with numpy (a few arrays of N
numbers); an observation's row, products and file contents are built only when
asked for, from its index. So 100,000 observations start in about a second and
take tens of MB, and the same ``(N, seed)`` always gives the same rows, names and
bytes.

The sky is the archive's: most observations fall on well-studied fields (M101,
M31, the Magellanic Clouds, the TESS/JWST continuous viewing zones around the
ecliptic poles, the Kepler field, the curated targets), the rest anywhere.
Collections, instruments, filters, exposure times and footprints come from the
configuration table below (HST, JWST, TESS, GALEX, HLA, PS1, Kepler, K2).

Two observations are big, as JWST WFSS observations are: one with
:data:`BIG_PRODUCTS` ``[0]`` products (extracted spectra), one with ``[1]``.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Lock

import numpy as np
from astropy.coordinates import angular_separation
from astropy.time import Time

from .rows import (
    Observation,
    Product,
    Target,
    base_row,
    galex_uri,
    in_bucket,
    jwst_exposures,
    jwst_member_key,
    make_product,
    member_obsids,
    mission_cards,
    region,
    tess_folder,
)

__all__ = [
    "BIG_PRODUCTS", "BIG_PROGRAM", "GUIDE_STARS_PER_FILE", "NOW_MJD", "OBSID_BASE",
    "PROGRAM_EXPOSURES", "PROGRAM_OBSERVATIONS", "SyntheticSky",
]  # fmt: skip

#: Products of the two big observations (``Sandbox.big_observations``).
BIG_PRODUCTS = (15_000, 2_000)
#: The synthetic JWST program of MAST's shape (``Sandbox.big_program``), the observations
#: after the big ones: level-3 observations over member exposures (each of a pair of
#: observations lists its visit's guide-star files, ten times its science files; every
#: fifth a NIRSpec MOS observation listing the program's one MSA file), ~107,000 product
#: rows in all, as MAST's lists of a large program (astroquery #2496, #2507).
BIG_PROGRAM = 9000
PROGRAM_OBSERVATIONS = 50
#: Member exposures of each of its observations (exposure numbers, two visits each).
PROGRAM_EXPOSURES = 18
#: Guide-star files per science file of a visit (MAST's recorded list: ~10).
GUIDE_STARS_PER_FILE = 10
#: obsids of synthetic observations are this plus their index.
OBSID_BASE = 5_000_000_000
#: "Today" for the synthetic archive: rows released after it are exclusive-access.
NOW_MJD = 61_345.0  # 2026-11-01

# Dense fields: (name, ra, dec, radius in degrees, weight, kind)
_FIELDS = (
    ("M101", 210.80243, 54.34875, 0.25, 0.10, "galaxy"),
    ("M31", 10.68471, 41.26875, 1.2, 0.13, "galaxy"),
    ("LMC", 80.89375, -69.75611, 3.0, 0.12, "galaxy"),
    ("SMC", 13.18667, -72.82861, 1.5, 0.06, "galaxy"),
    ("SOUTH CVZ", 90.0, -66.56071, 10.0, 0.10, "cvz"),
    ("NORTH CVZ", 270.0, 66.56071, 10.0, 0.07, "cvz"),
    ("KEPLER FIELD", 290.66667, 44.5, 6.0, 0.05, "kepler"),
    ("M8", 270.904, -24.387, 0.3, 0.02, "galaxy"),
    ("M16", 274.700, -13.807, 0.3, 0.02, "galaxy"),
    ("NGC 6543", 268.39583, 66.63306, 0.3, 0.02, "galaxy"),
    ("L 98-59", 124.5317560, -68.3130015, 0.3, 0.01, "cvz"),
    ("pi Men", 84.2912, -80.4691, 0.3, 0.01, "cvz"),
    (None, 0.0, 0.0, 0.0, 0.29, "sparse"),  # anywhere on the sky
)

_COLLECTIONS = ("HST", "JWST", "TESS", "GALEX", "HLA", "PS1", "Kepler", "K2")
# Chance of each collection on each kind of field (same order as _COLLECTIONS).
_MIX = {
    "galaxy": (0.42, 0.16, 0.05, 0.08, 0.15, 0.08, 0.0, 0.06),
    "cvz": (0.10, 0.15, 0.62, 0.05, 0.03, 0.03, 0.0, 0.02),
    "kepler": (0.05, 0.02, 0.13, 0.05, 0.02, 0.08, 0.65, 0.0),
    "sparse": (0.30, 0.06, 0.26, 0.15, 0.10, 0.08, 0.0, 0.05),
}


@dataclass(frozen=True)
class Config:
    """One way of observing: what every row made this way shares."""

    collection: str
    instrument: str
    filters: tuple[str, ...]
    product_type: str  # dataproduct_type: image, spectrum, timeseries
    exptime: tuple[float, float]
    half: float  # footprint half-size (degrees); CIRCLE radius for round fields
    provenance: str
    era: tuple[str, str]  # first and last observing dates
    band: str
    wavelength: tuple[float, float]  # em_min, em_max (nm)


# fmt: off
_CONFIGS = (
    Config("HST", "WFC3/UVIS", ("F275W", "F336W", "F438W", "F555W", "F606W", "F814W", "F656N"),
           "image", (300, 2800), 0.0225, "CALWF3", ("2009-06-01", "2026-10-01"), "OPTICAL",
           (200, 1000)),
    Config("HST", "WFC3/IR", ("F110W", "F140W", "F160W"), "image", (250, 2600), 0.019, "CALWF3",
           ("2009-06-01", "2026-10-01"), "INFRARED", (900, 1700)),
    Config("HST", "ACS/WFC", ("F435W", "F606W", "F814W", "F658N"), "image", (300, 2400), 0.028,
           "CALACS", ("2002-03-01", "2026-10-01"), "OPTICAL", (360, 960)),
    Config("HST", "STIS/CCD", ("G430L", "G750L"), "spectrum", (600, 3000), 0.0003, "CALSTIS",
           ("1997-02-14", "2026-10-01"), "OPTICAL", (290, 1030)),
    Config("HST", "COS/FUV", ("G130M", "G160M"), "spectrum", (800, 5000), 0.0003, "CALCOS",
           ("2009-06-01", "2026-10-01"), "UV", (90, 180)),
    Config("JWST", "NIRCAM/IMAGE", ("F090W", "F150W", "F200W", "F277W", "F356W", "F444W"), "image",
           (500, 6500), 0.018, "CALJWST", ("2022-07-01", "2026-10-20"), "INFRARED", (795, 4990)),
    Config("JWST", "MIRI/IMAGE", ("F560W", "F770W", "F1000W", "F1500W", "F2100W"), "image",
           (300, 3000), 0.012, "CALJWST", ("2022-07-01", "2026-10-20"), "INFRARED", (5000, 24000)),
    Config("JWST", "NIRSPEC/MSA", ("CLEAR;PRISM", "F170LP;G235M", "F290LP;G395M"), "spectrum",
           (800, 9000), 0.028, "CALJWST", ("2022-07-01", "2026-10-20"), "INFRARED", (600, 5300)),
    Config("TESS", "Photometer", ("TESS",), "timeseries", (120, 120), 0.00138889, "SPOC",
           ("2018-07-25", "2026-09-30"), "Optical", (600, 1000)),
    Config("GALEX", "GALEX", ("FUV", "NUV"), "image", (100, 30000), 0.6, "AIS",
           ("2003-06-01", "2012-02-01"), "UV", (134, 283)),
    Config("HLA", "WFC3/UVIS", ("F438W", "F555W", "F606W", "F814W"), "image", (300, 2800), 0.0225,
           "HLA", ("2009-06-01", "2022-12-31"), "OPTICAL", (400, 960)),
    Config("HLA", "ACS/WFC", ("F435W", "F555W", "F814W"), "image", (300, 2400), 0.028, "HLA",
           ("2002-03-01", "2022-12-31"), "OPTICAL", (360, 960)),
    Config("PS1", "GPC1", ("g", "r", "i", "z", "y"), "image", (40, 1200), 0.2, "3PI",
           ("2010-05-01", "2014-03-31"), "OPTICAL", (400, 1080)),
    Config("Kepler", "Kepler", ("KEPLER",), "timeseries", (1765.5, 1765.5), 0.00138889, "Kepler",
           ("2009-05-02", "2013-05-11"), "OPTICAL", (420, 900)),
    Config("K2", "Kepler", ("KEPLER",), "timeseries", (1765.5, 1765.5), 0.00138889, "K2",
           ("2014-03-08", "2018-09-20"), "Optical", (420, 900)),
)
# fmt: on
_HALVES_ARCSEC = np.array([c.half for c in _CONFIGS]) * 3600.0
_CONFIGS_OF = {c: [i for i, k in enumerate(_CONFIGS) if k.collection == c] for c in _COLLECTIONS}
_PIS = (
    "Dalcanton, Julianne", "Riess, Adam", "Kennicutt, Robert", "Madau, Piero", "Fox, Ori",
    "Rieke, Marcia", "Ferguson, Henry", "Windhorst, Rogier", "Sabbi, Elena", "Bianchi, Luciana",
    "Lee, Janice", "Chambers, Kenneth", "Borucki, William", "Howell, Steve", "Ricker, George",
)  # fmt: skip
#: MAST's description of an HST combined image, where recorded (astroquery's products.json).
_HST_COMBINED = {"drz": "DADS DRZ file - Calibrated combined image ACS/WFC3/WFPC2/STIS"}
_MISSION_PIS = {"TESS": "Ricker, George", "Kepler": "William Borucki", "K2": "Howell, Steve"}
#: What MAST's recorded Kepler rows (Kepler-10's) hold where other missions' differ.
_KEPLER_ROW = {
    "calib_level": 2,
    "proposal_id": "EX",
    "proposal_type": "Kepler",
    "sequence_number": -999,
    "obs_title": "Kepler Key Project",
    "t_obs_release": None,
    "mtFlag": None,
    "srcDen": 5885.0,
}
_CLASSES = (
    "GALAXY;SPIRAL", "STAR;VARIABLE", "STAR CLUSTER", "NEBULA;HII REGION", "STAR;EXOPLANET HOST",
    "GALAXY;DWARF", "QSO", "FIELD",
)  # fmt: skip
_DETECTORS = {"NIRCAM/IMAGE": "nrcb1", "MIRI/IMAGE": "mirimage", "NIRSPEC/MSA": "nrs1"}
_HST_LETTERS = {"WFC3": "i", "ACS": "j", "STIS": "o", "COS": "l"}
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        digits.append(_B36[rest])
    return "".join(reversed(digits))


def _spherical_offsets(rng, centre_ra, centre_dec, radius, n):
    """Points around centres, denser in the middle (a Gaussian of sigma radius/2)."""
    distance = np.abs(rng.normal(0.0, radius / 2.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    dec = np.clip(centre_dec + distance * np.sin(angle), -89.9, 89.9)
    ra = (centre_ra + distance * np.cos(angle) / np.cos(np.deg2rad(dec))) % 360.0
    return ra, dec


#: MJD 0, for TESS obs_ids (astropy's Time took 5 s for 15,000 of them; no leap second
#: falls in TESS's era, since 2018, so the dates are the same to the second).
_MJD_ZERO = datetime(1858, 11, 17)


class SyntheticSky:
    """``count`` deterministic observations and their products, built on request."""

    def __init__(self, count: int, seed: int = 0):
        if count < len(BIG_PRODUCTS):
            raise ValueError(f"scale must be 0 or at least {len(BIG_PRODUCTS)}, not {count}")
        self.count, self.seed = count, seed
        rng = np.random.default_rng([seed, 0x5A4D])
        weights = np.array([f[4] for f in _FIELDS])
        field = rng.choice(len(_FIELDS), count, p=weights / weights.sum())
        ra, dec = np.empty(count), np.empty(count)
        sparse = field == len(_FIELDS) - 1
        ra[sparse] = rng.uniform(0.0, 360.0, sparse.sum())
        dec[sparse] = np.rad2deg(np.arcsin(rng.uniform(-1.0, 1.0, sparse.sum())))
        for index, (_, fra, fdec, radius, _, _) in enumerate(_FIELDS[:-1]):
            chosen = field == index
            ra[chosen], dec[chosen] = _spherical_offsets(rng, fra, fdec, radius, chosen.sum())
        collection = np.empty(count, dtype=np.int8)
        for kind, mix in _MIX.items():
            chosen = np.isin(field, [i for i, f in enumerate(_FIELDS) if f[5] == kind])
            collection[chosen] = rng.choice(len(_COLLECTIONS), chosen.sum(), p=mix)
        collection[(collection == _COLLECTIONS.index("PS1")) & (dec < -30)] = _COLLECTIONS.index(
            "GALEX"
        )
        config = np.empty(count, dtype=np.int16)
        for code, name in enumerate(_COLLECTIONS):
            chosen = collection == code
            config[chosen] = rng.choice(_CONFIGS_OF[name], chosen.sum())
        self.ra, self.dec, self.field, self.config = ra, dec, field.astype(np.int8), config
        starts = np.array([Time(c.era[0]).mjd for c in _CONFIGS])
        ends = np.array([Time(c.era[1]).mjd for c in _CONFIGS])
        self.t_min = np.round(
            starts[config] + rng.uniform(0, 1, count) * (ends - starts)[config], 6
        )
        low = np.array([c.exptime[0] for c in _CONFIGS])[config]
        high = np.array([c.exptime[1] for c in _CONFIGS])[config]
        self.exptime = np.round(low + rng.uniform(0, 1, count) * (high - low), 1)
        self.filter = (
            rng.integers(0, 1_000_000, count) % np.array([len(c.filters) for c in _CONFIGS])[config]
        )
        self.program = rng.integers(0, 400, count)  # index into a per-collection program pool
        self.pi = rng.integers(0, len(_PIS), count)
        self.klass = rng.integers(0, len(_CLASSES), count)
        # the two big observations: JWST NIRCam WFSS near the north ecliptic pole
        nircam = next(i for i, c in enumerate(_CONFIGS) if c.instrument == "NIRCAM/IMAGE")
        for big in range(len(BIG_PRODUCTS)):
            self.config[big], self.filter[big] = nircam, 5
            self.ra[big], self.dec[big] = 270.0 + 0.05 * big, 66.56071
            self.t_min[big], self.exptime[big] = Time("2023-03-14").mjd + big, 5153.6
            self.field[big] = 5
        # the big program: NIRCam imaging, every fifth observation NIRSpec MOS
        nirspec = next(i for i, c in enumerate(_CONFIGS) if c.instrument == "NIRSPEC/MSA")
        for n, i in enumerate(self.program_indices, 1):
            self.config[i] = nirspec if n % 5 == 0 else nircam
            self.filter[i] = n % len(_CONFIGS[self.config[i]].filters)
            self.ra[i], self.dec[i] = 269.2 + 0.02 * (n % 10), 66.3 + 0.02 * (n // 10)
            self.t_min[i], self.exptime[i] = Time("2024-01-10").mjd + 0.5 * n, 2576.8
            self.field[i] = 5
        self._obs_ids = [self._obs_id(i) for i in range(count)]
        self._index = {self._key_of_obs(i): i for i in range(count)}
        # the last observations built, each with its products by file name
        self._built: OrderedDict[int, tuple[Observation, dict[str, Product]]] = OrderedDict()
        self._lock = Lock()
        self._columns: dict[str, list] = {}
        self._home_index: tuple[list[str], dict[str, list[int]]] | None = None

    @property
    def program_indices(self) -> range:
        """The indices of the big program's observations (none in a sky too small)."""
        first = len(BIG_PRODUCTS)
        if self.count < first + 2 * PROGRAM_OBSERVATIONS:
            return range(0)
        return range(first, first + PROGRAM_OBSERVATIONS)

    # -- names ------------------------------------------------------------------------------------
    def _jwst_numbers(self, i: int) -> tuple[int, int]:
        """(program, observation number) of a JWST observation: unique per index."""
        if i < len(BIG_PRODUCTS):
            return 9990 + i, 1
        if i in self.program_indices:
            return BIG_PROGRAM, i - self.program_indices.start + 1
        return 10000 + i // 999, 1 + i % 999

    def _obs_id(self, i: int) -> str:
        config = _CONFIGS[self.config[i]]
        name = config.collection
        filt = config.filters[self.filter[i]]
        if name == "JWST":
            program, number = self._jwst_numbers(i)
            lower = filt.lower().replace(";", "-")  # elements joined as recorded: clear-f444w
            if config.instrument == "NIRCAM/IMAGE":
                mode = f"nircam_clear-{lower}" + ("-grismr" if i < len(BIG_PRODUCTS) else "")
            elif config.instrument == "MIRI/IMAGE":
                mode = f"miri_{lower}"
            else:
                mode = f"nirspec_{lower}"
            return f"jw{program:05d}-o{number:03d}_t001_{mode}"
        if name == "HST":
            letter = _HST_LETTERS[config.instrument.split("/")[0]]
            return f"{letter}{_base36(i, 5)}010"
        if name == "TESS":
            sector = 1 + int((self.t_min[i] - 58324.0) // 27.4)
            return (
                f"tess{self._stamp(i)}-s{sector:04d}-{self._tic(i):016d}-{120 + sector % 90:04d}-s"
            )
        if name == "GALEX":  # MAST's GALEX obs_ids are 19-digit numbers (recorded)
            return str(6_370_000_000_000_000_000 + i * 7_919)
        if name == "HLA":
            inst = config.instrument.lower().replace("/", "_")
            # as recorded: hst_<program>_<visit>_<instrument>..., e.g. hst_05766_04_wfpc2_f555w_wf
            return f"hst_{10000 + i // 100:05d}_{i % 100:02d}_{inst}_{filt.lower()}"
        if name == "PS1":
            return f"rings.v3.skycell.{1000 + i // 100:04d}.{i % 100:03d}.stk.{filt}"
        if name == "Kepler":
            return f"kplr{self._tic(i):09d}_lc_Q{'1' * 18}"  # Q0 to Q17, as recorded
        return f"ktwo{200_000_000 + i:09d}-c{self._campaign(i):02d}_lc"

    @staticmethod
    def _campaign(i: int) -> int:
        return i % 20

    def _k2_uri(self, i: int, kind: str) -> str:
        """A K2 file's dataURI in MAST's form (recorded: mast:K2/url/missions/k2/<kind>/
        c<campaign>/<EPIC to 100,000>/<the rest to 1,000>/<file>)."""
        epic = 200_000_000 + i
        stem = f"ktwo{epic}-c{self._campaign(i):02d}"
        name = {
            "lightcurves": f"{stem}_llc.fits",
            "previews": f"{stem}_llc_bw_large.png",
            "target_pixel_files": f"{stem}_lpd-targ.fits.gz",
        }[kind]
        folder = f"{epic // 100_000 * 100_000}/{epic % 100_000 // 1000 * 1000:05d}"
        return f"mast:K2/url/missions/k2/{kind}/c{self._campaign(i):02d}/{folder}/{name}"

    def _kepler_uri(self, i: int, kind: str) -> str:
        """A Kepler file's dataURI in MAST's form (recorded: mast:KEPLER/url/missions/
        kepler/<kind>/<first 4 digits of the KIC>/<KIC>/<file>)."""
        kic, stamp = f"{self._tic(i):09d}", self._stamp(i)
        name = {
            "lightcurves": f"kplr{kic}-{stamp}_llc.fits",
            "previews": f"kplr{kic}-{stamp}_llc_bw_large.png",
        }[kind]
        return f"mast:KEPLER/url/missions/kepler/{kind}/{kic[:4]}/{kic}/{name}"

    def _stamp(self, i: int) -> str:
        """Observation ``i``'s start as the missions' file names write it (YYYYDDDHHMMSS)."""
        return (_MJD_ZERO + timedelta(days=float(self.t_min[i]))).strftime("%Y%j%H%M%S")

    def _tic(self, i: int) -> int:
        return 100_000_000 + 7 * i

    def _key_of_obs(self, i: int) -> str:
        """The key of observation ``i``: its obs_id (a GALEX one's tile) read as one of its
        files' names."""
        if self.collection(i) == "GALEX":
            return self._key_of_file("GALEX", f"{self._galex_tile(i)}_sg01-x")
        return self._key_of_file(self.collection(i), f"{self._obs_ids[i]}_x")

    @staticmethod
    def _galex_tile(i: int) -> str:
        """A GALEX tile's name (the row's target_name; its files' names start with it)."""
        return f"{'AIS' if i % 3 else 'MIS'}_{i}"

    def _galex_uri(self, i: int, ending: str) -> str:
        band = _CONFIGS[self.config[i]].filters[self.filter[i]]
        return galex_uri(50_000 + i, self._galex_tile(i), 1 + i % 99, band, ending)

    @staticmethod
    def _key_of_file(collection: str, filename: str) -> str:
        """The key of the observation a product file belongs to: every file's name starts
        with its observation's obs_id, or (JWST exposures, HST members, Kepler) with the
        part of it the key keeps."""
        if collection == "JWST":
            digits = filename[2:7] + filename[9:12] if filename[7:8] == "-" else filename[2:10]
            return f"JWST:{digits}"
        if collection == "HST":
            return f"HST:{filename[:6]}"
        if collection in ("Kepler", "K2"):
            return f"{collection}:{filename[:13]}"
        if collection == "GALEX" and "_sg" in filename:  # <tile>_sg<NN>-<band>d-<kind>
            return f"GALEX:{filename.split('_sg')[0]}"
        if collection == "PS1" and "_" not in filename:  # <obs_id>.unconv[.wt].fits
            return f"PS1:{'.'.join(filename.split('.')[:7])}"
        return f"{collection}:{filename.rsplit('_', 1)[0]}"

    # -- rows -------------------------------------------------------------------------------------
    def obsid(self, i: int) -> str:
        return str(OBSID_BASE + i)

    def index_of_obsid(self, obsid: str) -> int | None:
        if not obsid.isdigit():
            return None
        i = int(obsid) - OBSID_BASE
        return i if 0 <= i < self.count else None

    def obs_id(self, i: int) -> str:
        return self._obs_ids[i]

    def collection(self, i: int) -> str:
        return _CONFIGS[self.config[i]].collection

    def row(self, i: int) -> dict:
        """The ``Mast.Caom`` row of observation ``i``."""
        config = _CONFIGS[self.config[i]]
        filt = config.filters[self.filter[i]]
        ra, dec = round(float(self.ra[i]), 7), round(float(self.dec[i]), 7)
        start, exptime = float(self.t_min[i]), float(self.exptime[i])
        timeseries = config.product_type == "timeseries"
        span = 27.4 if config.collection == "TESS" else 90.0 if timeseries else exptime / 86400
        name = config.collection
        release = start + (365.0 if name in ("HST", "JWST") else 30.0)
        program = self._program(i)
        obs_id = self._obs_ids[i]
        round_field = timeseries or name == "GALEX"
        jpeg = data_url = None
        if config.product_type == "image" and name in ("HST", "JWST", "HLA", "GALEX"):
            jpeg = (
                self._galex_uri(i, "int_2color.png")
                if name == "GALEX"
                else f"mast:{name}/product/{self._preview_name(i)}"
            )
        if name == "K2":  # as MAST's recorded K2 rows: the light curve and its preview
            data_url, jpeg = self._k2_uri(i, "lightcurves"), self._k2_uri(i, "previews")
        if name == "TESS":  # as MAST's recorded SPOC rows: the light curve
            data_url = f"mast:TESS/product/{self._obs_ids[i]}_lc.fits"
        if name == "Kepler":  # MAST's rows name archive URLs; the sandbox's stay on loopback
            data_url, jpeg = self._kepler_uri(i, "lightcurves"), self._kepler_uri(i, "previews")
        return base_row(
            obs_collection=name,
            provenance_name=config.provenance,
            # MAST names a JWST instrument with its mode: the big ones are NIRCam WFSS
            instrument_name="NIRCAM/GRISM" if i < len(BIG_PRODUCTS) else config.instrument,
            # as recorded: HLA rows' project is HLA, GALEX rows' the survey (AIS)
            project=config.provenance if name == "GALEX" else name,
            filters=filt,
            wavelength_region=config.band,
            target_name=self._target_name(i),
            target_classification=_CLASSES[self.klass[i]],
            obs_id=obs_id,
            s_ra=ra,
            s_dec=dec,
            dataproduct_type=config.product_type,
            proposal_pi=_MISSION_PIS.get(name, _PIS[self.pi[i]]),
            calib_level=2 if name in ("K2", "GALEX") else 3,  # as MAST's recorded rows
            t_min=round(start, 6),
            t_max=round(start + span, 6),
            t_exptime=exptime,
            em_min=float(config.wavelength[0]),
            em_max=float(config.wavelength[1]),
            obs_title=self._title(i) if name in ("HST", "JWST") else "",
            t_obs_release=round(release, 6),
            proposal_id=program,
            proposal_type="GO" if name in ("HST", "JWST") else None,
            sequence_number=(
                (1 + int((start - 58324.0) // 27.4))
                if name == "TESS"
                else self._campaign(i)
                if name == "K2"
                else None
            ),
            s_region=(
                f"CIRCLE ICRS {ra:.8f} {dec:.8f} {config.half:.8f}"
                if round_field
                else region(ra, dec, config.half)
            ),
            jpegURL=jpeg,
            dataURL=data_url,
            dataRights="EXCLUSIVE_ACCESS"
            if name in ("HST", "JWST") and release > NOW_MJD
            else "PUBLIC",
            srcDen=5885.0 if name == "HST" else None,
            obsid=self.obsid(i),
        ) | (_KEPLER_ROW if name == "Kepler" else {})

    def _program(self, i: int) -> str:
        name = _CONFIGS[self.config[i]].collection
        if name == "JWST":
            return str(self._jwst_numbers(i)[0])
        if name in ("HST", "HLA"):
            return str(11000 + int(self.program[i]) * 13 % 7000)
        if name == "TESS":
            return f"G0{11000 + int(self.program[i]):05d}"
        if name == "K2":
            return f"GO{1000 + int(self.program[i]) % 100}"
        return ""

    def _title(self, i: int) -> str:
        field = _FIELDS[self.field[i]][0] or "the high-latitude sky"
        topics = ("A survey of", "Star formation in", "Variable stars in", "Deep imaging of")
        return f"{topics[int(self.program[i]) % 4]} {field} ({self._program(i)})"

    def _target_name(self, i: int) -> str:
        name = _CONFIGS[self.config[i]].collection
        if name == "TESS":
            return str(self._tic(i))
        if name in ("Kepler", "K2"):
            return self._obs_ids[i][:13]
        if name == "GALEX":  # as recorded: the tile (AIS_246_1_35)
            return self._galex_tile(i)
        field = _FIELDS[self.field[i]][0]
        if field is None:
            return f"FIELD-{self.ra[i]:07.3f}{self.dec[i]:+07.3f}".upper()
        return f"{field.upper().replace(' ', '')}-{int(self.program[i]) % 50 + 1}"

    def separations_arcsec(self, ra: float, dec: float) -> np.ndarray:
        """Every observation's distance from ``(ra, dec)`` (degrees), in arcseconds."""
        return (
            np.rad2deg(
                angular_separation(
                    np.deg2rad(ra), np.deg2rad(dec), np.deg2rad(self.ra), np.deg2rad(self.dec)
                )
            )
            * 3600.0
        )

    def footprint_distances_arcsec(self, ra: float, dec: float) -> np.ndarray:
        """How far ``(ra, dec)`` lies outside each observation's footprint (0 inside; the
        footprint taken as the circle its ``s_region`` surely covers)."""
        return np.maximum(self.separations_arcsec(ra, dec) - _HALVES_ARCSEC[self.config], 0.0)

    def collection_counts(self) -> dict[str, int]:
        counts = np.bincount(self.config, minlength=len(_CONFIGS))
        totals: dict[str, int] = {}
        for config, count in zip(_CONFIGS, counts, strict=True):
            totals[config.collection] = totals.get(config.collection, 0) + int(count)
        return totals

    def column(self, name: str) -> list:
        """Every observation's value of one row column (kept: searches filter on columns)."""
        with self._lock:
            values = self._columns.get(name)
        if values is None:
            if name == "obs_id":
                values = self._obs_ids
            elif name == "obsid":
                values = [self.obsid(i) for i in range(self.count)]
            elif name == "obs_collection":
                values = [_CONFIGS[c].collection for c in self.config]
            else:
                values = [self.row(i)[name] for i in range(self.count)]
            with self._lock:
                self._columns[name] = values
        return values

    # -- observations and products ----------------------------------------------------------------
    def observation(self, i: int) -> Observation:
        """Observation ``i`` with its products (the last few built are kept)."""
        return self._build(i)[0]

    def _build(self, i: int) -> tuple[Observation, dict[str, Product]]:
        with self._lock:
            found = self._built.get(i)
            if found is not None:
                self._built.move_to_end(i)
                return found
        row = self.row(i)
        target = Target(row["target_name"], row["s_ra"], row["s_dec"], row["target_name"], "", "")
        observation = Observation(row, target, self._header(i, row), self._products(i, row))
        built = (observation, {p.filename: p for p in observation.products})
        with self._lock:
            self._built[i] = built
            while len(self._built) > 64:
                self._built.popitem(last=False)
        return built

    def product(self, uri: str) -> tuple[Observation, Product] | None:
        """The observation and product a dataURI names, or ``None``."""
        if uri.startswith("mast:K2/url/missions/k2/"):  # MAST's K2 form
            collection, filename = "K2", uri.rsplit("/", 1)[1]
        elif uri.startswith("mast:KEPLER/url/missions/kepler/"):  # and Kepler's
            collection, filename = "Kepler", uri.rsplit("/", 1)[1]
        elif uri.startswith("mast:GALEX/url/data/"):  # and GALEX's
            collection, filename = "GALEX", uri.rsplit("/", 1)[1]
        else:
            prefix, _, filename = uri.partition("/product/")
            collection = prefix.removeprefix("mast:")
        i = self._index.get(self._key_of_file(collection, filename)) if filename else None
        if i is None or self.collection(i) != collection:
            return None
        observation, by_filename = self._build(i)
        product = by_filename.get(filename)
        return (observation, product) if product is not None else None

    def product_at(self, key: str) -> Product | None:
        """The product kept at bucket key ``key`` (its file's name ends the key)."""
        for prefix, collection in _BUCKET_FOLDERS:
            if key.startswith(prefix):
                pair = self.product(f"mast:{collection}/product/{key.rsplit('/', 1)[-1]}")
                return pair[1] if pair is not None and pair[1].s3_key == key else None
        return None

    def object_keys(self, prefix: str, after: str) -> Iterator[str]:
        """The bucket keys of the synthetic products under ``prefix`` and after ``after``,
        in S3's order, made as a listing reaches them: each observation's files share
        one folder (its *home*: a JWST program's, an HST root's, a TESS target's sector,
        a PS1 sky cell) and homes never nest, so the keys come home by home."""
        homes, members = self._homes()
        start = bisect.bisect_left(homes, prefix)
        if start == len(homes) or not homes[start].startswith(prefix):
            # a prefix inside one home (...jw01234/L3/), or none holds any
            inside = [h for h in _folders_of(prefix) if h in members]
            if not inside:
                return
            start = homes.index(inside[0])
        below = bisect.bisect_right(homes, after)  # the home ``after`` lies in, or the next
        if below and after.startswith(homes[below - 1]):
            below -= 1
        for home in homes[max(start, below) :]:
            if not (home.startswith(prefix) or prefix.startswith(home)):
                return
            keys = sorted(
                p.s3_key
                for i in members[home]
                for p in self.observation(i).products
                if in_bucket(p) and p.s3_key.startswith(prefix)
            )
            yield from (k for k in keys if k > after)

    def _homes(self) -> tuple[list[str], dict[str, list[int]]]:
        """The homes, sorted, and the observations each holds (made once)."""
        with self._lock:
            found = self._home_index
        if found is not None:
            return found
        members: dict[str, list[int]] = {}
        for i in range(self.count):
            home = self._home(i)
            if home is not None:
                members.setdefault(home, []).append(i)
        found = (sorted(members), members)
        with self._lock:
            self._home_index = found
        return found

    def _home(self, i: int) -> str | None:
        """The bucket folder holding observation ``i``'s files (``None``: not in the cloud)."""
        collection = self.collection(i)
        if collection == "JWST":
            return f"jwst/public/jw{self._jwst_numbers(i)[0]:05d}/"
        if collection == "HST":
            return f"hst/public/{self._obs_ids[i][:4]}/"
        if collection == "TESS":
            return tess_folder(self.row(i)["sequence_number"], self._tic(i)).lstrip("/") + "/"
        if collection == "PS1":
            cell = self._obs_ids[i].split(".")[3:5]
            return f"panstarrs/ps1/public/rings.v3.skycell/{cell[0]}/{cell[1]}/"
        return None

    def _header(self, i: int, row: dict) -> dict:
        config = _CONFIGS[self.config[i]]
        filt = config.filters[self.filter[i]]
        telescope = {"HLA": "HST", "Kepler": "Kepler", "K2": "Kepler"}.get(
            config.collection, config.collection
        )
        header = {
            "TELESCOP": telescope,
            "INSTRUME": config.instrument.split("/")[0],
            "FILTER": filt.split(";")[-1],
            "PROGRAM": row["proposal_id"] or None,
            "PI_NAME": row["proposal_pi"],
            "BUNIT": "MJy/sr" if config.collection == "JWST" else "e-/s",
        }
        if config.collection == "TESS":
            header |= mission_cards("TESS", row["sequence_number"], self._tic(i))
        if config.collection == "K2":  # what lightkurve reads a K2 file's mission by
            header |= mission_cards("K2", row["sequence_number"], 200_000_000 + i)
        return header

    def _preview_name(self, i: int) -> str:
        return f"{self._obs_ids[i]}_{self._science_suffix(i)}.png"

    def _science_suffix(self, i: int) -> str:
        config = _CONFIGS[self.config[i]]
        if config.collection == "JWST":
            return "x1d" if config.product_type == "spectrum" else "i2d"
        if config.collection == "HST":
            if config.product_type == "spectrum":
                return "x1d"
            return "drc" if config.instrument.startswith("ACS") else "drz"
        return "drz" if config.collection == "HLA" else ""

    def _products(self, i: int, row: dict) -> tuple[Product, ...]:
        config = _CONFIGS[self.config[i]]
        name = config.collection
        obs_id = self._obs_ids[i]
        spectrum = config.product_type == "spectrum"

        def make(filename, ptype, sub, desc, level, kind, mrp=False, cloud=None, member=None):
            return make_product(row, filename, ptype, sub, desc, level, kind, mrp=mrp,
                            cloud_path=cloud, member=member)  # fmt: skip

        products = []
        suffix = self._science_suffix(i)
        if i in self.program_indices:
            return _program_products(self, i, row, make)
        if name == "JWST":
            program, number = self._jwst_numbers(i)
            folder = f"/jwst/public/jw{program:05d}"
            level3 = f"{folder}/L3/t/o{number:03d}"  # source-based ones too (not recorded)
            detector = _DETECTORS[config.instrument]
            imaging = not spectrum and i >= len(BIG_PRODUCTS)  # WFSS: spectra too
            exposures = list(jwst_exposures(f"{program:05d}", number, 2101, detector, imaging))
            groups = member_obsids(row["obsid"], exposures)
            for member, filename, sub, level, desc in exposures:
                products.append(
                    make(filename, "SCIENCE", sub, desc, level, "image", sub == "CAL",
                         jwst_member_key(folder, member, filename), (groups[member], member))
                )  # fmt: skip
            big = BIG_PRODUCTS[i] if i < len(BIG_PRODUCTS) else 0
            for source in range(1, big + 1):
                filename = f"{obs_id[:12]}_s{source:05d}_x1d.fits"
                products.append(
                    make(filename, "SCIENCE", "X1D", "Extracted spectrum of one source", 2,
                         "spectrum", False, f"{level3}/{filename}")
                )  # fmt: skip
            science = f"{obs_id}_{suffix}.fits"
            products.append(
                make(science, "SCIENCE", suffix.upper(),
                     "Extracted spectra" if spectrum else "Combined calibrated image", 3,
                     "spectrum" if spectrum else "image", True, f"{level3}/{science}")
            )  # fmt: skip
        elif name == "HST":
            root = obs_id[:6]
            cloud = f"/hst/public/{root[:4]}/{{}}/{{}}"
            science = f"{obs_id}_{suffix}.fits"
            products.append(
                make(science, "SCIENCE", suffix.upper(),
                     _HST_COMBINED.get(suffix, f"DADS {suffix.upper()} file"), 3,
                     "spectrum" if spectrum else "image", True, cloud.format(obs_id, science))
            )  # fmt: skip
            for letter in "ab":
                member = f"{root}a{letter}q"
                for sub, level in (("FLT", 2), ("RAW", 1)):
                    filename = f"{member}_{sub.lower()}.fits"
                    products.append(
                        make(filename, "SCIENCE", sub, f"DADS {sub} file", level, "image",
                             False, cloud.format(member, filename))
                    )  # fmt: skip
        elif name == "TESS":
            folder = tess_folder(row["sequence_number"], self._tic(i))
            products.append(
                make(f"{obs_id}_lc.fits", "SCIENCE", "LC", "Light curves", 3, "lightcurve", True,
                     f"{folder}/{obs_id}_lc.fits")
            )  # fmt: skip
            products.append(
                make(f"{obs_id}_tp.fits", "SCIENCE", "TP", "Target pixel files", 2, "pixels",
                     True, f"{folder}/{obs_id}_tp.fits")
            )  # fmt: skip
        elif name == "K2":  # the recorded K2 product lists' files, names and descriptions
            campaign = f"C{self._campaign(i):02d}"
            return _archive_files(make, lambda kind: self._k2_uri(i, kind), "S", (
                ("previews", "PREVIEW", "", "Preview-Full", "preview"),
                ("lightcurves", "SCIENCE", "LLC", f"Lightcurve Long Cadence (KLC) - {campaign}",
                 "lightcurve"),
                ("target_pixel_files", "SCIENCE", "LPD-TARG",
                 f"Target Pixel Long Cadence (KTL) - {campaign}", "pixels"),
            ))  # fmt: skip
        elif name == "Kepler":  # as the recorded Kepler list: a quarter's light curve, preview
            quarter = 1 + i % 17
            return _archive_files(make, lambda kind: self._kepler_uri(i, kind), "C", (
                ("previews", "PREVIEW", "", "Preview-Full", "preview"),
                ("lightcurves", "SCIENCE", "LLC", f"Lightcurve Long Cadence (CLC) - Q{quarter}",
                 "lightcurve"),
            ))  # fmt: skip
        elif name == "HLA":  # as the recorded HLA list: the combined image (its preview below)
            products.append(
                make(f"{obs_id}_drz.fits", "SCIENCE", "DRZ", "HLA simple fits science image", 3,
                     "image", True)
            )  # fmt: skip
        elif name == "PS1":  # a sky cell's stack and its weight map, named and kept as the
            # file astroquery's remote test fetches from the cloud (rings.v3.skycell.NNNN.MMM.
            # stk.<filter>.unconv[.exp].fits; MAST's path look-up answers /ps1/..., the key)
            cell = obs_id.split(".")[3:5]
            folder = f"/ps1/rings.v3.skycell/{cell[0]}/{cell[1]}"
            for ending, ptype, sub in (("unconv.fits", "SCIENCE", "UNCONV"),
                                       ("unconv.wt.fits", "AUXILIARY", "WT")):  # fmt: skip
                filename = f"{obs_id}.{ending}"
                products.append(make(filename, ptype, sub, "Stack image" if sub == "UNCONV"
                                     else "Weight map", 3, "image", ptype == "SCIENCE",
                                     f"{folder}/{filename}"))  # fmt: skip
        else:  # GALEX: the intensity map and its relative response, at MAST's GALEX URIs
            for ending, ptype, sub, desc in (
                ("int.fits.gz", "SCIENCE", "INT", "Intensity map"),
                ("rrhr.fits.gz", "AUXILIARY", "RRHR", "Relative response"),
            ):
                uri = self._galex_uri(i, ending)
                made = make(uri.rsplit("/", 1)[1], ptype, sub, desc, 2, "image", ptype == "SCIENCE")
                products.append(replace(made, data_uri=uri))
        if name == "GALEX":  # its preview beside them (PNG: MAST's is a JPEG, under qa/)
            uri = row["jpegURL"]
            made = make(uri.rsplit("/", 1)[1], "PREVIEW", "", "Preview-Full", 2, "preview")
            products.append(replace(made, data_uri=uri))
        elif row["jpegURL"]:
            products.append(
                make(self._preview_name(i), "PREVIEW", "", "Preview-Full", 3, "preview")
            )
        return tuple(products)


def _program_products(sky: SyntheticSky, i: int, row: dict, make) -> tuple[Product, ...]:
    """One observation of the big program, as MAST lists it: its member exposures'
    files (each exposure's under its own product group), its visit's guide-star files
    (the pair's first observation names them; both list them), the MSA file of a MOS
    observation (one for the program, listed by each), its association and level-3
    products and previews."""
    config = _CONFIGS[sky.config[i]]
    spectrum = config.product_type == "spectrum"
    program, number = sky._jwst_numbers(i)
    digits = f"{program:05d}"
    obs_id = sky._obs_ids[i]
    folder = f"/jwst/public/jw{digits}"
    level3 = f"{folder}/L3/t/o{number:03d}"
    exposures = [
        entry
        for exposure in range(PROGRAM_EXPOSURES)
        for entry in jwst_exposures(digits, number, 2101 + exposure, _DETECTORS[config.instrument],
                                    not spectrum)
    ]  # fmt: skip
    groups = member_obsids(row["obsid"], exposures)
    products = [
        make(filename, "SCIENCE", sub, desc, level, "image", sub == "CAL",
             jwst_member_key(folder, member, filename), (groups[member], member))
        for member, filename, sub, level, desc in exposures
    ]  # fmt: skip
    first = number - 1 + number % 2  # the pair's first observation: its visit's files
    start = datetime(2024, 1, 10) + timedelta(days=0.5 * first)
    steps = GUIDE_STARS_PER_FILE * len(exposures) // len(_GUIDE_STAR_MODES)
    for step in range(steps):
        stamp = (start + timedelta(seconds=20 * step)).strftime("%Y%j%H%M%S")
        for mode in _GUIDE_STAR_MODES:
            name = f"jw{digits}{first:03d}001_{mode}_{stamp}_cal.fits"
            products.append(
                make(name, "AUXILIARY", mode.upper(), f"Guide star {mode[3:].upper()} data", 2,
                     "image")
            )  # fmt: skip
    if spectrum:
        msa = f"jw{digits}005001_01_msa.fits"  # the program's first MOS observation's
        member = exposures[0][0]
        products.append(
            make(msa, "AUXILIARY", "MSA", "MSA configuration file", 1, "asn", False,
                 jwst_member_key(folder, f"jw{digits}005001_x", msa), (groups[member], member))
        )  # fmt: skip
    suffix = "x1d" if spectrum else "i2d"
    kind = "spectrum" if spectrum else "image"
    day = (start + timedelta(hours=number)).strftime("%Y%m%dt%H%M%S")
    asn = f"jw{digits}-o{number:03d}_{day}_{'spec3' if spectrum else 'image3'}_00001_asn.json"
    level3_files = [(f"{obs_id}_{suffix}.fits", "SCIENCE", suffix.upper(), 3, kind, True)]
    if not spectrum:  # (a source catalogue's size differs by observation: not generated)
        level3_files.append((f"{obs_id}_segm.fits", "SCIENCE", "SEGM", 3, "image", False))
    level3_files.append((asn, "INFO", "ASN", 3, "asn", False))
    for filename, ptype, sub, level, file_kind, mrp in level3_files:
        products.append(
            make(filename, ptype, sub, sub.lower(), level, file_kind, mrp, f"{level3}/{filename}")
        )
    products.append(make(f"{obs_id}_{suffix}.png", "PREVIEW", "", "Preview-Full", 3, "preview"))
    return tuple(products)


#: The guide-star modes of a visit's files (MAST's: identification, acquisition, tracking).
_GUIDE_STAR_MODES = ("gs-id", "gs-acq1", "gs-acq2", "gs-track", "gs-fg")


#: Where the bucket keeps each collection's files (the collections MAST has in the cloud).
_BUCKET_FOLDERS = (
    ("jwst/public/", "JWST"),
    ("hst/public/", "HST"),
    ("tess/public/", "TESS"),
    ("panstarrs/ps1/public/", "PS1"),
)


def _folders_of(key: str) -> list[str]:
    """The folders a key lies in, deepest first (``a/b/c`` -> ``a/b/``, ``a/``)."""
    cuts = [i + 1 for i, char in enumerate(key) if char == "/"]
    return [key[:cut] for cut in reversed(cuts)]


def _archive_files(make, uri_of, kind_of_type: str, files: tuple) -> tuple[Product, ...]:
    """Kepler's and K2's files as MAST lists them (recorded): at ``uri_of(folder)``
    (``mast:<MISSION>/url/missions/...``), level 2, recommended unless a preview, of MAST
    ``type`` ``kind_of_type``; ``files``: (folder, productType, subgroup, description,
    kind of file)."""
    found = []
    for folder, ptype, sub, desc, file_kind in files:
        uri = uri_of(folder)
        made = make(uri.rsplit("/", 1)[1], ptype, sub, desc, 2, file_kind, ptype != "PREVIEW")
        found.append(replace(made, data_uri=uri, type=kind_of_type))
    return tuple(found)
