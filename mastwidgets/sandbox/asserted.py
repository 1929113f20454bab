"""The observations astroquery's own tests of the live MAST assert, as catalogue entries.

astroquery's remote tests (``astroquery/mast/tests/test_mast_remote.py``, recorded in
``data/recordings/astroquery_remote_tests.json``) assert facts of MAST's answers: where
``jw100`` resolves by NED and by SIMBAD, that a criteria search of program 8169's WFPC2
data finds 13 rows, that M10 has 7 GALEX rows of which 4 are NUV, that observation
``24832668`` lists no file twice and ``26421364`` repeats some of its files, that a JWST
NIRSpec MSA observation lists its MSA file six times, which files are in the cloud and
at which keys. The ids, counts, names, URIs and keys below are those facts; the rest of
each row (positions, dates, titles, the other files) is the sandbox's, made to keep to
them and to the forms of the rows recorded elsewhere. The rows MAST was recorded
answering at M15 (``beginner_search_cones``: a TESS sector-55 full-frame image and two
SPOC light curves) are served verbatim.

Not built: MAST's density (over 840 observations covering M15's centre, over 150 within
0.02 degrees of M8 with the K2 superstamp ``ktwo200071160-c92_lc``): crowds of made-up
rows at M8 would change every search of the curated M8 field; the tests that need them
are listed with that reason in ``tests/sandbox/test_astroquery_remote.py``.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from . import recordings
from .recorded import recorded_observation
from .rows import (
    FILTER_BANDS,
    Observation,
    Product,
    Target,
    base_row,
    galex_uri,
    hst_cloud,
    jwst_member_key,
    make_product,
    region,
    tess_folder,
)

__all__ = ["asserted_observations", "asserted_targets"]

M10 = Target("M10", 254.28771, -4.09933, "M  10", "GlobCluster", "STAR CLUSTER;GLOBULAR",
             ("NGC 6254",))  # fmt: skip
M15 = Target("M15", 322.49324, 12.16683, "M  15", "GlobCluster", "STAR CLUSTER;GLOBULAR",
             ("NGC 7078",))  # fmt: skip
#: The point astroquery's tests cone-search with ``Mast.service_request``.
CONE = (184.3, 54.5)


@cache
def asserted_targets() -> tuple[Target, ...]:
    """The names astroquery's tests resolve, where each resolver puts them."""
    targets = [M10, M15]
    for entry in recordings.load()["astroquery_remote_tests"]["resolver"]:
        if entry["name"] in ("M101", "TIC 307210830"):  # already known (curated targets)
            continue
        ra, dec = entry["SIMBAD"]
        others = tuple((k, *entry[k]) for k in ("NED",) if k in entry)
        targets.append(Target(entry["name"], ra, dec, entry["name"].upper(), "", "", (),
                              others))  # fmt: skip
    return tuple(targets)


def asserted_observations() -> list[Observation]:
    return [
        *_galex_m10(),
        *_cone_field(),
        *_m15(),
        *_program_8169(),
        *_program_8880(),
        *_hst_pair(),
        _hst_association("25119363", "ie7b01010", "WFC3/UVIS", "F814W", 17187, 4),
        _hst_association("25568122", "ie9c03010", "WFC3/IR", "F160W", 17301, 8),
        _u24r0102t(),
        _ps1_skycell(),
        *_tess_targets(),
        _jwst_msa(),
        *_k2_iue_m8(),
        *_hla_cgi(),
    ]


# -- rows ------------------------------------------------------------------------------------------
def _row(collection, obs_id, target, ra, dec, instrument, filters, obsid, *, half, t_min,
         exptime=1000.0, dptype="image", project=None, provenance=None, proposal="", pi=None,
         calib=3, circle=False, **extra) -> dict:  # fmt: skip
    em_min, em_max, band = FILTER_BANDS.get(filters, (None, None, _BANDS.get(collection)))
    return base_row(
        obs_collection=collection,
        provenance_name=provenance or collection,
        instrument_name=instrument,
        project=project or collection,
        filters=filters,
        wavelength_region=band,
        target_name=target,
        obs_id=obs_id,
        s_ra=ra,
        s_dec=dec,
        dataproduct_type=dptype,
        proposal_pi=pi,
        calib_level=calib,
        t_min=t_min,
        t_max=round(t_min + exptime / 86400 + 0.001, 6),
        t_exptime=exptime,
        em_min=em_min,
        em_max=em_max,
        t_obs_release=round(t_min + 365, 6),
        proposal_id=proposal,
        proposal_type="GO" if collection == "HST" else None,
        s_region=f"CIRCLE ICRS {ra:.8f} {dec:.8f} {half:.8f}" if circle else region(ra, dec, half),
        obsid=obsid,
        **extra,
    )


#: Wavebands as MAST's recorded rows give them, where a filter does not say.
_BANDS = {"GALEX": "UV", "TESS": "Optical", "HLSP": "Optical", "K2": "Optical", "PS1": "OPTICAL"}
#: How MAST's recorded HLA rows name WFPC2's chips.
_WFPC2_CHIPS = {"wf": "WFPC2/WFC", "pc": "WFPC2/PC"}
#: MAST's descriptions of WFPC2 files (astroquery's recorded product list).
_WFPC2 = {
    "C0F": "DADS C0F file - Calibrated exposure WFPC/WFPC2/FOC/FOS/GHRS/HSP",
    "C0M": "DADS C0M file - Calibrated exposure WFPC2",
    "C1F": "DADS C1F file - Calibrated exposure WFPC/FOC/FOS/GHRS/HSP",
    "C3M": "DADS C3M file - Calibrated exposure WFPC2",
}
#: The telescope a collection's files name (the HLA's are Hubble's, K2's Kepler's).
_TELESCOPES = {"HLA": "HST", "K2": "Kepler", "HLSP": "TESS"}


def _observation(row: dict, products=(), target: Target | None = None) -> Observation:
    target = target or Target(row["target_name"], row["s_ra"], row["s_dec"],
                              row["target_name"], "", "")  # fmt: skip
    telescope = _TELESCOPES.get(row["obs_collection"], row["obs_collection"])
    header = {"TELESCOP": telescope, "INSTRUME": row["instrument_name"].split("/")[0],
              "FILTER": row["filters"], "BUNIT": "COUNTS/S"}  # fmt: skip
    return Observation(row, target, header, tuple(products))


def _hst_files(row: dict, names: list[tuple[str, str, str, int]], cloud=True) -> list[Product]:
    """(file name, productType, subgroup, level) -> products, in the cloud at HST's keys."""
    made = []
    for name, ptype, sub, level in names:
        kind = "preview" if name.endswith(".jpg") else "asn" if sub == "ASN" else "image"
        in_cloud = cloud and kind != "preview"
        description = "Preview-Full" if kind == "preview" else _WFPC2.get(sub, f"DADS {sub} file")
        made.append(make_product(row, name, ptype, sub, description, level, kind,
                             mrp=sub in ("DRZ", "DRC"), cloud_path=hst_cloud(name) if in_cloud
                             else None, in_s3=in_cloud))  # fmt: skip
    return made


# -- the observations ------------------------------------------------------------------------------
def _galex_m10() -> list[Observation]:
    """M10's seven GALEX rows, four of them NUV (a tile's NUV and FUV rows share obs_id)."""
    tiles = (("GI3_079001_M10", 2), ("AIS_411", 2), ("AIS_412", 2), ("MISDR2_28417", 1))
    made, obsid = [], 1000112001
    for n, (tile, bands) in enumerate(tiles):
        ra, dec = M10.ra + 0.05 * n, M10.dec - 0.03 * n
        obs_id = f"6374610{n + 1:02d}93149532{n:02d}"
        for band in ("NUV", "FUV")[:bands]:
            row = _row("GALEX", obs_id, tile, ra, dec, "GALEX", band, str(obsid), half=0.6,
                       circle=True, t_min=53900.0 + n, exptime=1690.0, provenance="AIS",
                       project="AIS", calib=2)  # fmt: skip
            uri = galex_uri(50411 + n, tile, n + 1, band, "int.fits.gz")
            name = uri.rsplit("/", 1)[1]
            image = make_product(row, name, "SCIENCE", "INT", "Intensity map", 2, "image", mrp=True,
                             in_s3=False)  # fmt: skip
            made.append(_observation(row, [replace(image, data_uri=uri)], M10))
            obsid += 1
    return made


def _cone_field() -> list[Observation]:
    """What covers (184.3, 54.5): a GALEX tile's NUV and FUV rows (one obs_id, as asserted),
    PS1 stacks in five filters, TESS full-frame images of ten sectors, three TICA ones."""
    ra, dec = CONE
    made = []
    for n, band in enumerate(("NUV", "FUV")):
        row = _row("GALEX", "6374399093149532160", "AIS_220_sg54", ra + 0.2, dec + 0.1, "GALEX",
                   band, str(1000220001 + n), half=0.6, circle=True, t_min=53800.0,
                   exptime=220.0, provenance="AIS", project="AIS", calib=2)  # fmt: skip
        made.append(_observation(row))
    for n, band in enumerate("grizy"):
        obs_id = f"rings.v3.skycell.2381.040.stk.{band}"
        made.append(_observation(_row("PS1", obs_id, obs_id, ra + 0.05, dec - 0.04, "GPC1",
                                      band, str(40240001 + n), half=0.2, t_min=55500.0 + n,
                                      exptime=600.0, provenance="3PI")))  # fmt: skip
    for n, sector in enumerate((14, 15, 16, 21, 22, 23, 41, 47, 48, 49)):
        row = _row("TESS", f"tess-s{sector:04d}-2-1", "TESS FFI", ra + 3 - n * 0.5, dec + 2,
                   "Photometer", "TESS", str(95100001 + n), half=6.0, t_min=58682.0 + n * 27.4,
                   exptime=475.199786, provenance="SPOC",
                   pi="Ricker, George", proposal="N/A", sequence_number=sector)  # fmt: skip
        made.append(_observation({**row, "wavelength_region": "Optical"}))
    for n, sector in enumerate((47, 48, 49)):
        row = _row("HLSP", f"hlsp_tica_tess_ffi_s{sector:04d}-cam2-ccd1", "TICA FFI",
                   ra + 2 - n, dec + 1.5, "Photometer", "TESS", str(95200001 + n), half=6.0,
                   t_min=59580.0 + n * 27.4, exptime=600.0, provenance="TICA",
                   project="TESS", calib=4, sequence_number=sector)  # fmt: skip
        made.append(_observation({**row, "wavelength_region": "Optical"}))
    return made


#: Swift UVOT's filters, for the segments of target 31992 (M15).
_UVOT_FILTERS = ("UVW1", "UVM2", "UVW2", "U", "B", "V")
#: How many Swift segments cover M15's centre: more than the 840 observations astroquery's
#: test counts there (what else makes up MAST's count was not recorded).
M15_SEGMENTS = 850


def _m15() -> list[Observation]:
    """MAST's recorded rows at M15 (verbatim) and Swift's UVOT segments of target 31992
    (``00031992001`` asserted, the rest to the asserted count; no files listed)."""
    cone = recordings.load()["beginner_search_cones"]["observations"][0]
    made = []
    for values in cone["rows"]:
        row = dict(zip(cone["columns"], values, strict=True))
        row.pop("distance")
        made.append(recorded_observation(row, None))
    for n in range(1, M15_SEGMENTS + 1):
        swift = _row("SWIFT", f"00031992{n:03d}", "M15", M15.ra + 0.002 * ((n % 5) - 2),
                     M15.dec + 0.001 * ((n % 3) - 1), "UVOT", _UVOT_FILTERS[n % 6],
                     str(1010031000 + n), half=0.14, circle=True, t_min=54600.0 + n * 6.5,
                     exptime=1500.0, calib=2)  # fmt: skip
        made.append(_observation(swift, (), M15))
    return made


def _program_8169() -> list[Observation]:
    """Program 8169's 13 WFPC2 rows started on MJD 51361 (HST exposures and HLA images)."""
    ra, dec, made = 201.36, -47.47, []
    for n in range(7):
        obs_id = f"u5ah01{n + 1:02d}r"
        row = _row("HST", obs_id, "FIELD-8169", ra, dec, "WFPC2/WFC", "F555W", str(24500101 + n),
                   half=0.04, t_min=51361.1 + n * 0.1, exptime=400.0, provenance="CALWFPC2",
                   project="HST", proposal="8169", pi="Sembach, Kenneth")  # fmt: skip
        made.append(_observation(row, _hst_files(row, [(f"{obs_id}_c0m.fits", "SCIENCE", "C0M",
                                                        2)])))  # fmt: skip
    for n, (visit, filt, chip) in enumerate(
        (("01", "F555W", "wf"), ("01", "F555W", "pc"), ("01", "DETECTION", "wf"),
         ("01", "DETECTION", "pc"), ("02", "F555W", "wf"), ("02", "F555W", "pc"))
    ):  # fmt: skip
        name = "total" if filt == "DETECTION" else filt.lower()  # as the recorded HLA rows
        obs_id = f"hst_08169_{visit}_wfpc2_{name}_{chip}"
        made.append(_observation(_row("HLA", obs_id, "FIELD-8169", ra, dec,
                                      _WFPC2_CHIPS[chip], filt, str(24600101 + n),
                                      half=0.04 if chip == "wf" else 0.0125,
                                      t_min=51361.2 + n * 0.1, exptime=800.0, proposal="8169",
                                      pi="SEMBACH")))  # fmt: skip
    return made


def _program_8880() -> list[Observation]:
    """Program 8880's eight rows."""
    made = []
    for n in range(8):
        obs_id = f"n6ds{n + 1:02d}010"
        row = _row("HST", obs_id, "NGC-3603", 168.78, -61.26, "NICMOS/NIC2", "F110W",
                   str(24700101 + n), half=0.0053, t_min=51950.3 + n * 0.05, exptime=256.0,
                   provenance="CALNICA", proposal="8880", pi="Brandl, Bernhard")  # fmt: skip
        made.append(_observation(row, _hst_files(row, [(f"{obs_id}_mos.fits", "SCIENCE", "MOS",
                                                        3)])))  # fmt: skip
    return made


def _hst_pair() -> list[Observation]:
    """``24832668`` (an association: its files once each) and ``26421364`` (a
    single-visit mosaic of the same visit listing the member exposures' files again)."""
    ra, dec = 150.10, 2.21
    visit = _row("HST", "ie3x01010", "COSMOS-1", ra, dec, "WFC3/UVIS", "F606W", "24832668",
                 half=0.0225, t_min=59600.2, exptime=1400.0, provenance="CALWF3",
                 proposal="16085", pi="Faisst, Andreas")  # fmt: skip
    members = [(f"ie3x01{m}q_{s}.fits", "SCIENCE", s.upper(), 2) for m in ("abc", "abd")
               for s in ("flc", "flt")]  # fmt: skip
    files = [("ie3x01010_asn.fits", "AUXILIARY", "ASN", 1),
             ("ie3x01010_drc.fits", "SCIENCE", "DRC", 3), *members]  # fmt: skip
    mosaic = _row("HST", "hst_16085_01_wfc3_uvis_f606w_ie3x01", "COSMOS-1", ra, dec,
                  "WFC3/UVIS", "F606W", "26421364", half=0.0225, t_min=59600.2, exptime=1400.0,
                  provenance="HAP-SVM", proposal="16085", pi="Faisst, Andreas")  # fmt: skip
    svm = [("hst_16085_01_wfc3_uvis_f606w_ie3x01_drc.fits", "SCIENCE", "DRC", 3)]
    own = _hst_files(mosaic, svm, cloud=False)
    shared = [replace(p, obsid="26421364") for p in _hst_files(visit, members)]
    return [_observation(visit, _hst_files(visit, files)), _observation(mosaic, own + shared)]


def _hst_association(obsid, obs_id, instrument, filt, proposal, exposures) -> Observation:
    """An association and its exposures' files (raw, ima or flt), all in the cloud."""
    ra, dec = 53.16 + int(obsid[-2:]) * 0.01, -27.78
    row = _row("HST", obs_id, "GOODS-S", ra, dec, instrument, filt, obsid, half=0.0225,
               t_min=60100.0 + exposures, exptime=exposures * 300.0, provenance="CALWF3",
               proposal=str(proposal), pi="Illingworth, Garth")  # fmt: skip
    names = [(f"{obs_id}_asn.fits", "AUXILIARY", "ASN", 1), (f"{obs_id}_drz.fits", "SCIENCE",
             "DRZ", 3), (f"{obs_id}_drz.jpg", "PREVIEW", "", 3)]  # fmt: skip
    for n in range(exposures):
        member = f"{obs_id[:6]}{'abcdefghij'[n]}{n}q"
        for sub, level in (("flt", 2), ("raw", 1), ("ima", 2)):
            names.append((f"{member}_{sub}.fits", "SCIENCE", sub.upper(), level))
    return _observation(row, _hst_files(row, names))


def _u24r0102t() -> Observation:
    """WFPC2 exposure u24r0102t, whose calibrated files are in the cloud at HST's keys."""
    row = _row("HST", "u24r0102t", "NGC4151", 182.63575, 39.40584, "WFPC2/WFC", "F502N",
               "2003800101", half=0.04, t_min=49400.3, exptime=600.0, provenance="CALWFPC2",
               proposal="5124", pi="Evans, Ian")  # fmt: skip
    names = [(f"u24r0102t_{s}.fits", "SCIENCE", s.upper(), 2) for s in ("c0f", "c1f", "c3m")]
    return _observation(row, _hst_files(row, names))


def _ps1_skycell() -> Observation:
    """Obsid ``31411``: a PS1 r-band stack of sky cell 1334.061, its files in the cloud at
    the key astroquery's test asserts (``panstarrs/ps1/public/rings.v3.skycell/...``)."""
    obs_id = "rings.v3.skycell.1334.061.stk.r"
    row = _row("PS1", obs_id, obs_id, 322.45, 12.12, "GPC1", "r", "31411", half=0.2,
               t_min=55400.0, exptime=560.0, provenance="3PI")  # fmt: skip
    folder = "/ps1/rings.v3.skycell/1334/061"  # MAST's path look-up form
    products = []
    for suffix, ptype in (
        ("unconv.fits", "SCIENCE"),
        ("unconv.exp.fits", "AUXILIARY"),
        ("unconv.wt.fits", "AUXILIARY"),
        ("unconv.mask.fits", "AUXILIARY"),
    ):
        name = f"{obs_id}.{suffix}"
        products.append(make_product(row, name, ptype, suffix.split(".")[1].upper(), "stack image",
                                 3, "image", mrp=ptype == "SCIENCE",
                                 cloud_path=f"{folder}/{name}"))  # fmt: skip
    return _observation(row, products)


def _tess_targets() -> list[Observation]:
    """TIC 234295610 (obsid ``107604081``: its light curve and target pixel file in the
    cloud) and TIC 429031146, each a SPOC two-minute light curve."""
    made = []
    for obsid, tic, sector, ra, dec in (("107604081", 234295610, 12, 262.5, -58.1),
                                        ("107604082", 429031146, 48, 188.4, 52.2)):  # fmt: skip
        obs_id = f"tess2019140104343-s{sector:04d}-{tic:016d}-0144-s"
        row = _row("TESS", obs_id, str(tic), ra, dec, "Photometer", "TESS", obsid,
                   half=0.00138889, circle=True, t_min=58600.0 + sector, exptime=120.0,
                   dptype="timeseries", provenance="SPOC", pi="Ricker, George",
                   proposal="G011112", sequence_number=sector, calib=3)  # fmt: skip
        row["wavelength_region"] = "Optical"
        folder = tess_folder(sector, tic)
        products = [
            make_product(row, f"{obs_id}_lc.fits", "SCIENCE", "LC", "Light curves", 3,
                     "lightcurve", mrp=True, cloud_path=f"{folder}/{obs_id}_lc.fits"),
            make_product(row, f"{obs_id}_tp.fits", "SCIENCE", "TP", "Target pixel files", 2,
                     "pixels", mrp=True, cloud_path=f"{folder}/{obs_id}_tp.fits"),
        ]  # fmt: skip
        made.append(_observation(row, products))
    return made


def _jwst_msa() -> Observation:
    """Program 2736's NIRSpec MSA observation of MPTCAT-0628: its six exposures each list
    the observation's one MSA configuration file (one dataURI, six rows)."""
    obs_id = "jw02736-o007_t001_nirspec_f170lp-g235m"
    row = _row("JWST", obs_id, "MPTCAT-0628", 110.8403, -73.4508, "NIRSPEC/MSA",
               "F170LP;G235M", "87602736", half=0.028, t_min=59760.9, exptime=8841.0,
               dptype="spectrum", provenance="CALJWST", proposal="2736",
               pi="Pontoppidan, Klaus")  # fmt: skip
    msa = "jw02736007001_01_msa.fits"
    folder = "/jwst/public/jw02736"
    products = [
        make_product(
            row,
            f"{obs_id}_x1d.fits",
            "SCIENCE",
            "X1D",
            "Extracted 1D spectrum",
            3,
            "image",
            mrp=True,
            cloud_path=f"{folder}/L3/t/o007/{obs_id}_x1d.fits",
        )
    ]
    for n in range(6):
        exposure = f"jw02736007001_03103_{n + 1:05d}_nrs1"
        member = (str(87602736000 + n + 1), exposure)
        products.append(make_product(row, msa, "AUXILIARY", "MSA", "MSA configuration file", 1,
                                 "asn", cloud_path=jwst_member_key(folder, exposure, msa),
                                 member=member))  # fmt: skip
    return _observation(row, products)


def _k2_iue_m8() -> list[Observation]:
    """The K2 superstamp tile ``ktwo200071160-c92_lc`` (one file) and two IUE spectra of
    NGC6523, 6 to 9 arcminutes from M8's centre (the curated M8 field stays as it was)."""
    ra0, dec0 = 270.904, -24.387
    tile = _row("K2", "ktwo200071160-c92_lc", "ktwo200071160", ra0 + 0.11, dec0 + 0.05,
                "Kepler", "KEPLER", "1000071160", half=0.0278, t_min=57500.0, exptime=1765.5,
                dptype="timeseries", provenance="K2", proposal="GO9900", pi="Howell, Steve",
                calib=2, sequence_number=92)  # fmt: skip
    uri = ("mast:K2/url/missions/k2/target_pixel_files/c92/200000000/71000/"
           "ktwo200071160-c92_lpd-targ.fits.gz")  # fmt: skip
    tile.update(wavelength_region="Optical", dataURL=uri)  # as the recorded K2 rows
    tpf = make_product(
        tile,
        uri.rsplit("/", 1)[1],
        "SCIENCE",
        "LPD-TARG",
        "Target Pixel Long Cadence (KTL) - C92",
        2,
        "pixels",
        mrp=True,
        in_s3=False,
    )
    made = [_observation(tile, [replace(tpf, data_uri=uri)])]
    for n, camera in enumerate(("swp", "lwp")):
        obs_id = f"{camera}{20411 + n:05d}"
        row = _row("IUE", obs_id, "NGC6523", ra0 - 0.13, dec0 - 0.06, camera.upper(),
                   "LOW-DISP", str(10020411 + n), half=0.003, t_min=45900.0 + n,
                   exptime=3600.0, dptype="spectrum", provenance="NEWSIPS", calib=2)  # fmt: skip
        made.append(_observation(row, [
            make_product(row, f"{obs_id}mxlo_vo.fits", "SCIENCE", "MXLO", "Extracted spectrum",
                     2, "image", mrp=True, in_s3=False),
        ]))  # fmt: skip
    return made


def _hla_cgi() -> list[Observation]:
    """Two HLA images whose files astroquery's tests fetch through the HLA's CGI forms: a
    DAOPHOT catalogue (``getdata.cgi``) and a colour cut-out (``fitscut.cgi``, FITS)."""
    made = []
    for n, (obs_id, uri, name, kind) in enumerate((
        ("hst_05206_01_wfpc2_f375n_wf",
         "mast:HLA/url/cgi-bin/getdata.cgi?download=1&filename="
         "hst_05206_01_wfpc2_f375n_wf_daophot_trm.cat",
         "hst_05206_01_wfpc2_f375n_wf_daophot_trm.cat", "catalog"),
        ("hst_04819_65_wfpc2_f814w_pc",
         "mast:HLA/url/cgi-bin/fitscut.cgi?red=hst_04819_65_wfpc2_f814w_pc"
         "&blue=hst_04819_65_wfpc2_f555w_pc&size=ALL&format=fits",
         "hst_04819_65_wfpc2_f814w_pc_color.fits", "image"),
    )):  # fmt: skip
        filt = obs_id.split("_")[4].upper()
        chip = _WFPC2_CHIPS[obs_id.rsplit("_", 1)[1]]
        row = _row("HLA", obs_id, f"FIELD-{obs_id[4:8]}", 15.0 + n, -35.0, chip,
                   filt, str(25500101 + n), half=0.04, t_min=49500.0 + n * 200,
                   exptime=1200.0, proposal=obs_id[4:8].lstrip("0"), pi="HLA")  # fmt: skip
        sub, description = (("DAOPHOT", "HLA DAOPHOT Catalog") if kind == "catalog"
                            else ("DRZ", "HLA simple fits science image"))  # fmt: skip
        product = make_product(row, name, "SCIENCE", sub, description, 3, kind, in_s3=False)
        made.append(_observation(row, [replace(product, data_uri=uri)]))
    return made
