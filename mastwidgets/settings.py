"""Settings: keyword argument, then environment variable, then default.

This is the only module that reads ``os.environ``. Everything else receives a
:class:`~mastwidgets.Settings` (or calls :func:`~mastwidgets.get_settings`).

==========================  ======================================  ==============================
setting                     environment variable                    default
==========================  ======================================  ==============================
``mast_url``                ``MASTWIDGETS_MAST_URL``                https://mast.stsci.edu
``resolver_url``            ``MASTWIDGETS_RESOLVER_URL``            MAST's SANTA host for MAST,
                                                                    else ``mast_url``
``s3_endpoint``             ``MASTWIDGETS_S3_ENDPOINT``             AWS (botocore's default)
``s3_bucket``               ``MASTWIDGETS_S3_BUCKET``               ``stpubdata``
``data_dir``                ``MASTWIDGETS_DATA_DIR``                <user data dir>/data, or
                                                                    the data root if one is set
``state_dir``               ``MASTWIDGETS_STATE_DIR``               <user data dir>/jobs
``mongodb_uri``             ``MASTWIDGETS_MONGODB_URI``             ``None`` (embedded catalog)
``mongodb_database``        ``MASTWIDGETS_MONGODB_DB``              ``mastwidgets``
``mongodb_collection``      ``MASTWIDGETS_MONGODB_COLL``            ``records``
``catalog_path``            ``MASTWIDGETS_CATALOG_PATH``            <user data dir>/catalog.sqlite
``mast_token``              ``MAST_API_TOKEN``                      ``None`` (then the keyring)
``timeout``                 ``MASTWIDGETS_TIMEOUT``                 ``60`` s per network read
``retries``                 ``MASTWIDGETS_RETRIES``                 ``3`` after a failed call
``theme``                   ``MASTWIDGETS_THEME``                   ``light`` (or ``dark``)
``data_root``               ``MASTWIDGETS_DATA_ROOT``               ``None``; a hosted page's
                                                                    only place to write
``max_import_bytes``        ``MASTWIDGETS_MAX_IMPORT_BYTES``        ``None`` (no limit); ``20 GB``
``max_concurrent_imports``  ``MASTWIDGETS_MAX_CONCURRENT_IMPORTS``  ``None`` (no limit); counts
                                                                    every process of ``state_dir``
``ag_grid_license``         ``MASTWIDGETS_AG_GRID_LICENSE``         ``None``: AG Grid Community
``connections``             ``MASTWIDGETS_CONNECTIONS``             ``16``: small files at once, per
                                                                    job (big ones: ``parallel``),
                                                                    requests at once to MAST's site
``s3_connections``          ``MASTWIDGETS_S3_CONNECTIONS``          ``64``: requests at once to S3
                                                                    (it takes far more than a web
                                                                    server; SlowDown backs off)
``app_token``               ``MASTWIDGETS_APP_TOKEN``               ``None``; ``mastwidgets app
                                                                    --token`` makes one up
``max_search_rows``         ``MASTWIDGETS_MAX_SEARCH_ROWS``         ``100000``: a search matching
                                                                    more asks to be narrowed
``layout``                  ``MASTWIDGETS_LAYOUT``                  ``observation``; ``flat`` or
                                                                    ``astroquery`` (see layouts)
``dask_scheduler``          ``MASTWIDGETS_DASK_SCHEDULER``          ``None`` (imports run here); a
                                                                    Dask scheduler's address
``kernel_pool``             ``MASTWIDGETS_KERNEL_POOL``             ``3``: kernels the app's page
                                                                    keeps pre-heated (0: none)
==========================  ======================================  ==============================

With a data root (a page served to others: Voila for a group, Binder), every
destination is resolved inside it or refused, and the Jobs and Catalog views
show only what lies under it; see :mod:`mastwidgets.imports.data_root`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from .errors import ConfigurationError

__all__ = ["DEFAULT_MAST_URL", "DEFAULT_RESOLVER_URL", "LAYOUTS", "Settings", "get_settings"]

#: The folder layouts an import may use, by name: where each file goes under the
#: destination (see :mod:`mastwidgets.imports.layouts`). The ``layout`` setting takes
#: one of these names.
LAYOUTS = {
    "observation": "{obs_collection}/{parent_obs_id}/{productFilename}",
    "flat": "{productFilename}",
    "astroquery": "mastDownload/{obs_collection}/{obs_id}/{productFilename}",
}

DEFAULT_MAST_URL = "https://mast.stsci.edu"
DEFAULT_RESOLVER_URL = "http://mastresolver.stsci.edu"

_ENV = {
    "mast_url": "MASTWIDGETS_MAST_URL",
    "resolver_url": "MASTWIDGETS_RESOLVER_URL",
    "s3_endpoint": "MASTWIDGETS_S3_ENDPOINT",
    "s3_bucket": "MASTWIDGETS_S3_BUCKET",
    "data_dir": "MASTWIDGETS_DATA_DIR",
    "state_dir": "MASTWIDGETS_STATE_DIR",
    "mongodb_uri": "MASTWIDGETS_MONGODB_URI",
    "catalog_path": "MASTWIDGETS_CATALOG_PATH",
    "mongodb_database": "MASTWIDGETS_MONGODB_DB",
    "mongodb_collection": "MASTWIDGETS_MONGODB_COLL",
    "mast_token": "MAST_API_TOKEN",
    "timeout": "MASTWIDGETS_TIMEOUT",
    "retries": "MASTWIDGETS_RETRIES",
    "theme": "MASTWIDGETS_THEME",
    "data_root": "MASTWIDGETS_DATA_ROOT",
    "max_import_bytes": "MASTWIDGETS_MAX_IMPORT_BYTES",
    "max_concurrent_imports": "MASTWIDGETS_MAX_CONCURRENT_IMPORTS",
    "ag_grid_license": "MASTWIDGETS_AG_GRID_LICENSE",
    "app_token": "MASTWIDGETS_APP_TOKEN",
    "dask_scheduler": "MASTWIDGETS_DASK_SCHEDULER",
    "connections": "MASTWIDGETS_CONNECTIONS",
    "s3_connections": "MASTWIDGETS_S3_CONNECTIONS",
    "max_search_rows": "MASTWIDGETS_MAX_SEARCH_ROWS",
    "layout": "MASTWIDGETS_LAYOUT",
    "kernel_pool": "MASTWIDGETS_KERNEL_POOL",
}

THEMES = ("light", "dark")


def user_dir(name: str) -> Path:
    """A folder of mastwidgets' own under the user's data directory."""
    return Path(platformdirs.user_data_dir("mastwidgets", appauthor=False)) / name


@dataclass(frozen=True)
class Settings:
    """Where mastwidgets talks to and where it keeps its files.

    Build it with :func:`~mastwidgets.get_settings`; secrets (the MAST token, a MongoDB URI
    with a password) are left out of ``repr``.
    """

    mast_url: str = DEFAULT_MAST_URL
    resolver_url: str = DEFAULT_RESOLVER_URL
    s3_endpoint: str | None = None
    s3_bucket: str = "stpubdata"
    data_dir: Path = field(default_factory=lambda: user_dir("data"))
    state_dir: Path = field(default_factory=lambda: user_dir("jobs"))
    mongodb_uri: str | None = field(default=None, repr=False)
    mongodb_database: str = "mastwidgets"
    mongodb_collection: str = "records"
    catalog_path: Path = field(default_factory=lambda: user_dir("catalog.sqlite"))
    mast_token: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    retries: int = 3
    theme: str = "light"
    data_root: Path | None = None
    max_import_bytes: int | None = None
    max_concurrent_imports: int | None = None
    ag_grid_license: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    connections: int = 16
    s3_connections: int = 64
    max_search_rows: int = 100_000
    layout: str = "observation"
    dask_scheduler: str | None = None
    kernel_pool: int = 3

    @property
    def download_url(self) -> str:
        """MAST's file download endpoint (``?uri=<dataURI>`` is appended)."""
        return self.mast_url + "/api/v0.1/Download/file"


def _check_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{name} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def _number(name: str, value: object, kind: type) -> float | int:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise ConfigurationError(f"{name} must not be negative, not {value!r}")
    return number


def _inside_root(data_dir: Path | None, data_root: Path) -> Path:
    """The default destination with a data root: the root, or a folder inside it."""
    if data_dir is None:
        return data_root
    if not data_dir.absolute().is_relative_to(data_root.absolute()):
        raise ConfigurationError(
            f"data_dir ({data_dir}) must be inside data_root ({data_root}): unset "
            "MASTWIDGETS_DATA_DIR, or give a folder inside the data root."
        )
    return data_dir


def _byte_count(name: str, value: object) -> int:
    """Bytes from a number or a text with a unit ("20 GB", "500MiB"), through astropy."""
    if isinstance(value, (int, float)) or str(value).strip().isdigit():
        count = _number(name, value, float)
    else:
        from astropy import units

        try:
            count = units.Quantity(str(value)).to_value(units.byte)
        except (TypeError, ValueError, units.UnitsError):
            raise ConfigurationError(
                f"{name} must be a number of bytes or a size such as '20 GB', not {value!r}"
            ) from None
    if count <= 0:
        raise ConfigurationError(f"{name} must be positive, not {value!r}")
    return int(count)


def get_settings(**overrides: object) -> Settings:
    """Build the settings: keyword argument > environment variable > default.

    Parameters
    ----------
    **overrides
        Any :class:`~mastwidgets.Settings` field. ``None`` means "not given".

    Returns
    -------
    Settings

    Examples
    --------
    >>> get_settings(mast_url="http://127.0.0.1:8765").mast_url
    'http://127.0.0.1:8765'
    """
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise ConfigurationError(f"unknown setting(s): {', '.join(sorted(unknown))}")

    def pick(name: str) -> object | None:
        value = overrides.get(name)
        if value is None:
            value = os.environ.get(_ENV[name]) or None
        return value

    values: dict[str, object] = {}
    mast_url = _check_url("mast_url", str(pick("mast_url") or DEFAULT_MAST_URL))
    values["mast_url"] = mast_url
    default_resolver = DEFAULT_RESOLVER_URL if mast_url == DEFAULT_MAST_URL else mast_url
    values["resolver_url"] = _check_url(
        "resolver_url", str(pick("resolver_url") or default_resolver)
    )
    if (endpoint := pick("s3_endpoint")) is not None:
        values["s3_endpoint"] = _check_url("s3_endpoint", str(endpoint))
    for name in (
        "s3_bucket",
        "mongodb_uri",
        "mast_token",
        "mongodb_database",
        "mongodb_collection",
        "ag_grid_license",
        "app_token",
        "dask_scheduler",
    ):
        if (value := pick(name)) is not None:
            values[name] = str(value)
    for name in ("data_dir", "state_dir", "catalog_path", "data_root"):
        if (value := pick(name)) is not None:
            values[name] = Path(str(value)).expanduser()
    if "data_root" in values:  # a hosted page's imports go under its root
        values["data_dir"] = _inside_root(values.get("data_dir"), values["data_root"])
    if (value := pick("max_import_bytes")) is not None:
        values["max_import_bytes"] = _byte_count("max_import_bytes", value)
    if (value := pick("connections")) is not None:
        count = _number("connections", value, int)
        if not 1 <= count <= 64:
            raise ConfigurationError(f"connections must be between 1 and 64, not {value!r}")
        values["connections"] = count
    if (value := pick("s3_connections")) is not None:
        count = _number("s3_connections", value, int)
        if not 1 <= count <= 256:
            raise ConfigurationError(f"s3_connections must be between 1 and 256, not {value!r}")
        values["s3_connections"] = count
    if (value := pick("max_search_rows")) is not None:
        count = _number("max_search_rows", value, int)
        if count < 1:
            raise ConfigurationError(f"max_search_rows must be at least 1, not {value!r}")
        values["max_search_rows"] = count
    if (value := pick("kernel_pool")) is not None:
        count = _number("kernel_pool", value, int)
        if not 0 <= count <= 16:
            raise ConfigurationError(f"kernel_pool must be between 0 and 16, not {value!r}")
        values["kernel_pool"] = count
    if (value := pick("max_concurrent_imports")) is not None:
        count = _number("max_concurrent_imports", value, int)
        if count < 1:
            raise ConfigurationError(f"max_concurrent_imports must be at least 1, not {value!r}")
        values["max_concurrent_imports"] = count
    if (value := pick("timeout")) is not None:
        values["timeout"] = _number("timeout", value, float)
    if (value := pick("retries")) is not None:
        values["retries"] = _number("retries", value, int)
    if (value := pick("theme")) is not None:
        if str(value).lower() not in THEMES:
            raise ConfigurationError(f"theme must be one of {', '.join(THEMES)}, not {value!r}")
        values["theme"] = str(value).lower()
    if (value := pick("layout")) is not None:
        if str(value).lower() not in LAYOUTS:  # a setting takes a name, not a pattern
            raise ConfigurationError(f"layout must be one of {', '.join(LAYOUTS)}, not {value!r}")
        values["layout"] = str(value).lower()
    return Settings(**values)
