"""A MAST you can run on your own machine: ``with Sandbox() as sb: ...``.

The sandbox serves, on loopback, everything mastwidgets (and astroquery's
``Observations``) asks of MAST: name resolution, searches, product lists,
downloads with ``Range``, cloud path look-ups, and the same products in an
S3 endpoint (bucket ``stpubdata``, ``mastwidgets.sandbox.s3``), a few
deliberately missing.
Its catalogue is deterministic: JWST, HST and TESS observations of M8, M16,
NGC 6543, M101, L 98-59 and pi Men, whose products are real FITS files.

Examples
--------
>>> import os
>>> import mastwidgets
>>> from mastwidgets.sandbox import Sandbox, Faults
>>> with Sandbox() as sb:
...     os.environ.update(sb.environ())                     # mastwidgets talks to it
...     found = mastwidgets.search_target("M8")
...     with sb.faults(Faults(throttle=1_000_000)):
...         pass                                            # downloads now crawl
>>> sorted(set(found["obs_collection"]))
[...'HST', 'JWST'...]
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from .bucket import CatalogueObjects
from .catalogue import Catalogue, build_catalogue, many_products
from .faults import Faults, FaultSwitch
from .files import TINY_IMAGE_SIDE, default_cache, image_side_for, write_products
from .generated import GeneratedFiles
from .portal import ROW_CAP, Portal
from .reprocess import Reprocessed, reprocess
from .rows import Observation, Product
from .s3 import S3Server
from .server import DOWNLOAD_PATH, SandboxHTTPServer
from .synthetic import BIG_PRODUCTS, BIG_PROGRAM, SyntheticSky

__all__ = ["Faults", "Sandbox"]

BUCKET = "stpubdata"


_REPROCESSED = itertools.count(1)


class Sandbox:
    """MAST's API, download service and S3 bucket on loopback.

    Parameters
    ----------
    host
        Address to listen on (loopback by default).
    port
        Port of the MAST server; 0 picks a free one.
    s3
        Also serve bucket ``stpubdata`` from an S3 endpoint (its own port).
    file_size
        Approximate size in bytes of each science image file; ``None`` gives
        tiny files (tens of kB). Large sizes are for benchmarks: combine with
        ``obs_ids`` to generate only what you need.
    obs_ids
        Serve only these observations (default: the whole catalogue).
    files_dir
        Where to write the product files; reused if it already holds them.
        Default: a temporary directory removed on stop.
    token
        The MAST API token the sandbox accepts for exclusive-access data
        (default: a random one, see ``token``).
    scale
        Also serve this many synthetic observations (0: the curated ones only), spread
        over the sky as the archive's are, with products made on request (see
        :mod:`mastwidgets.sandbox.synthetic`). The same ``scale`` and ``seed`` always
        give the same rows and bytes. Two of them are big: :attr:`big_observations`.
    seed
        Which synthetic sky.
    row_cap
        The most rows one search may match; past it MAST (and the sandbox) refuses
        the search with an error.
    cache
        A folder where the product files are kept between runs (``True``: the user's
        cache folder, ``default_cache``; ``False``:
        made anew each start). A cached file is made again when the code or the
        libraries that make it change.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        s3: bool = True,
        file_size: int | None = None,
        obs_ids: list[str] | None = None,
        files_dir: str | Path | None = None,
        token: str | None = None,
        scale: int = 0,
        seed: int = 0,
        row_cap: int = ROW_CAP,
        cache: bool | str | Path = True,
    ):
        self.host = host
        self.port = port
        self.with_s3 = s3
        self.image_side = TINY_IMAGE_SIDE if file_size is None else image_side_for(file_size)
        self.scale, self.seed, self.row_cap = scale, seed, row_cap
        catalogue = build_catalogue(SyntheticSky(scale, seed) if scale else None)
        self.catalogue: Catalogue = catalogue.restricted_to(obs_ids) if obs_ids else catalogue
        self._files_dir = Path(files_dir) if files_dir else None
        self._cache = default_cache() if cache is True else Path(cache) if cache else None
        self._tmp: str | None = None
        self.token = token or secrets.token_hex(16)
        self._switch = FaultSwitch()
        self._http: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._s3: S3Server | None = None
        self.files: dict[str, Path] = {}

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Write the files, start the servers; returns self."""
        if self._files_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="mast-sandbox-")
            self._files_dir = Path(self._tmp)
        try:
            self.files = write_products(
                self.catalogue, self._files_dir, self.image_side, cache=self._cache
            )
            sizes = {uri: path.stat().st_size for uri, path in self.files.items()}
            self.portal = Portal(
                self.catalogue,
                sizes,
                self.token,
                files=self.files,
                generated=GeneratedFiles(self.image_side),
                row_cap=self.row_cap,
            )
            self._http = SandboxHTTPServer((self.host, self.port), self.portal, self._switch)
            self.port = self._http.server_address[1]
            self._thread = threading.Thread(
                target=self._http.serve_forever, name="mast-sandbox-http", daemon=True
            )
            self._thread.start()
            if self.with_s3:
                self._s3 = S3Server(
                    (self.host, 0), {BUCKET: CatalogueObjects(self.portal)}, self._switch
                ).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the servers and remove temporary files. Safe to call twice."""
        if self._http is not None:
            self._http.shutdown()
            self._http.close_connections()
            self._http.server_close()
            self._thread.join(timeout=10)
            self._http = None
        if self._s3 is not None:
            self._s3.stop()
            self._s3 = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._files_dir = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- where it is ------------------------------------------------------------------------------
    @property
    def mast_url(self) -> str:
        """The base URL standing in for ``https://mast.stsci.edu``."""
        return f"http://{self.host}:{self.port}"

    @property
    def s3_endpoint(self) -> str | None:
        """The S3 endpoint URL (``None`` when started with ``s3=False``)."""
        return self._s3.endpoint if self._s3 else None

    @property
    def bucket(self) -> str:
        return BUCKET

    @property
    def s3(self) -> S3Server | None:
        """The S3 endpoint's server: its request log (``served``, ``requests_since``)
        counts the requests and body bytes it answered."""
        return self._s3

    def download_url(self, uri: str) -> str:
        """The HTTP download URL of a product's dataURI, quoted as mastwidgets quotes it
        (an HLA product's URI holds ``?`` and ``&``)."""
        return f"{self.mast_url}{DOWNLOAD_PATH}?uri={quote(uri, safe=':/')}"

    def environ(self) -> dict[str, str]:
        """The ``MASTWIDGETS_*`` variables that point mastwidgets at this sandbox.

        Without its S3 server (``s3=False``), S3 is a loopback port nobody listens on
        (the discard port): look-ups fail at once and files come over HTTP, and nothing
        leaves the machine (not even an attempt at AWS's endpoint).

        ``AWS_ENDPOINT_URL_S3`` points every other botocore client there too (botocore
        reads it), so that astroquery's own cloud downloads reach the sandbox's bucket."""
        s3 = self.s3_endpoint or "http://127.0.0.1:9"
        return {
            "MASTWIDGETS_MAST_URL": self.mast_url,
            "MASTWIDGETS_S3_ENDPOINT": s3,
            "AWS_ENDPOINT_URL_S3": s3,
        }

    def add_file(self, filename: str, data: bytes, *, in_s3: bool = True) -> tuple[str, str | None]:
        """Serve ``data`` as one more file, over HTTP and (if ``in_s3``) from the bucket.

        For transfer tests that need particular sizes (0 bytes, one chunk...).
        Returns ``(http_url, s3_uri or None)``.
        """
        product = Product(
            filename=filename,
            obsid="0",
            obs_id="sandbox",
            collection="SANDBOX",
            dataproduct_type="image",
            product_type="SCIENCE",
            subgroup="",
            description="",
            calib_level=2,
            group=None,
            kind="extra",
            cloud_path=f"/sandbox/extra/{filename}",
            in_s3=in_s3,
            data_rights="PUBLIC",
            proposal_id="",
            filters="",
        )
        path = self._files_dir / "extra" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[product.uri] = path
        self.catalogue.add_product(product)
        s3_uri = f"s3://{BUCKET}/{product.s3_key}" if in_s3 and self._s3 is not None else None
        return self.download_url(product.uri), s3_uri

    def add_observation(self, like: str, count: int) -> Observation:
        """One more observation: a copy of observation ``like`` (an obs_id) with
        ``count`` small calibrated FITS products, written now and served over HTTP
        (not in the bucket). Searches by its obs_id find it. For imports of many files
        in tests and benchmarks; returns the observation."""
        base = next((o for o in self.catalogue.observations if o.obs_id == like), None)
        if base is None:
            raise ValueError(f"no observation {like!r} in this sandbox")
        obsid = str(max(int(o.obsid) for o in self.catalogue.observations) + 1)
        observation = many_products(base, obsid, f"{like}-x{obsid}", count)
        grown = self.catalogue.with_observation(observation)
        paths = write_products(
            Catalogue((observation,)), self._files_dir / "added", self.image_side, cache=self._cache
        )
        self.portal.sizes.update({uri: path.stat().st_size for uri, path in paths.items()})
        self.files.update(paths)
        self.catalogue = self.portal.catalogue = grown
        return observation

    def replace_product(self, uri: str, data: bytes) -> None:
        """Serve other bytes for a product (HTTP, S3 and its listed size), e.g. a
        corrupt FITS file. Affects every client of this sandbox."""
        product = self.catalogue.product(uri)
        if product is None or uri not in self.files:
            raise KeyError(f"{uri} (only curated products can be replaced)")
        self.files[uri].write_bytes(data)
        self.portal.sizes[uri] = len(data)

    def reprocess(
        self, mission: str, program: str | int, fraction: float = 0.05, *, seed: int = 1
    ) -> Reprocessed:
        """MAST reprocessing a program (see :mod:`.reprocess`): about ``fraction`` of its
        files get new bytes and a new ``prvversion``, JWST's association files new
        names (a new pool's timestamp), a level-3 product is renamed and a file is
        withdrawn. Every client sees it at once (HTTP, S3, product lists). Returns what
        changed, by dataURI."""
        program = str(int(program)) if str(program).strip().isdigit() else str(program)
        catalogue, files, report = reprocess(
            self.catalogue, self.files, self._files_dir / f"reprocessed-{next(_REPROCESSED)}",
            mission, program, fraction, seed, self.image_side,
        )  # fmt: skip
        for uri in set(self.files) - set(files):
            self.portal.sizes.pop(uri, None)
        for uri, path in files.items():
            if self.files.get(uri) != path:
                self.portal.sizes[uri] = path.stat().st_size
        self.files.clear()
        self.files.update(files)
        self.catalogue = self.portal.catalogue = catalogue
        return report

    def path_of(self, uri: str) -> Path:
        """The sandbox's own copy of a curated product (to compare downloads with)."""
        return self.files[uri]

    def product_bytes(self, uri: str) -> bytes:
        """The bytes the sandbox serves for a product, curated or generated."""
        found = self.portal.content(uri)
        if found is None:
            raise KeyError(uri)
        body = found[1]
        return body.read_bytes() if isinstance(body, Path) else body

    @property
    def big_observations(self) -> dict[str, int]:
        """The big synthetic observations: ``{obs_id: number of products}`` (empty at
        scale 0). One is like a JWST WFSS observation with 15,000 extracted spectra."""
        synthetic = self.catalogue.synthetic
        if synthetic is None:
            return {}
        return {
            synthetic.obs_id(i): len(synthetic.observation(i).products)
            for i in range(len(BIG_PRODUCTS))
        }

    @property
    def big_program(self) -> str | None:
        """The synthetic JWST program of MAST's shape (50 level-3 observations, ~107,000
        product rows, guide-star files ten times the science files): its ID, or ``None``
        when the synthetic sky is too small to hold it."""
        synthetic = self.catalogue.synthetic
        if synthetic is None or not synthetic.program_indices:
            return None
        return str(BIG_PROGRAM)

    # -- faults and observation -------------------------------------------------------------------
    def set_faults(self, faults: Faults | None) -> None:
        """Switch faults on (``None``: off); the request count restarts at zero."""
        self._switch.set(faults)
        if self._http is not None:
            self._http.downloads_peak = self._http.downloads_now

    @contextlib.contextmanager
    def faults(self, faults: Faults) -> Iterator[Faults]:
        """Faults in force inside a ``with`` block."""
        self.set_faults(faults)
        try:
            yield faults
        finally:
            self.set_faults(None)

    @property
    def downloads_peak(self) -> int:
        """The most file downloads served at once since :meth:`set_faults` was last called."""
        return self._http.downloads_peak if self._http else 0

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """``(method, path, status)`` of the requests served so far (the last 10,000)."""
        return list(self._http.log) if self._http else []

    @property
    def bytes_served(self) -> int:
        """File body bytes the HTTP download service has sent (the S3 endpoint counts
        its own: ``sb.s3.bytes_sent``)."""
        return self._http.bytes_sent if self._http else 0

    @property
    def served(self) -> int:
        """How many requests the HTTP server has answered (a mark for :meth:`requests_since`)."""
        return self._http.served if self._http else 0

    def requests_since(self, mark: int, *, times: bool = False) -> list[tuple]:
        """``(method, path, status)`` of the requests answered since ``served`` was
        ``mark``; with ``times``, ``(method, path, status, time.monotonic() of the answer)``."""
        if self._http is None:
            return []
        with self._http._connections_lock:
            log, when, count = (
                list(self._http.log),
                list(self._http.times),
                self._http.served - mark,
            )
        if count > len(log):
            raise ValueError(f"only the last {len(log)} requests are kept, not {count}")
        log, when = (log[len(log) - count :], when[len(when) - count :]) if count else ([], [])
        return [(*entry, t) for entry, t in zip(log, when, strict=True)] if times else log

    @property
    def unknown_requests(self) -> list[str]:
        """Paths, services and keys clients sent that the sandbox does not know."""
        return self.portal.unknown
