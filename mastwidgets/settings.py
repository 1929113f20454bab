"""Settings: keyword argument, then environment variable, then default.

This is the only module that reads ``os.environ``. Everything else receives a
:class:`Settings` (or calls :func:`get_settings`).

========================  ============================  ==========================================
setting                   environment variable          default
========================  ============================  ==========================================
``mast_url``              ``MASTWIDGETS_MAST_URL``      ``https://mast.stsci.edu``
``resolver_url``          ``MASTWIDGETS_RESOLVER_URL``  MAST's SANTA host for the default MAST URL,
                                                        otherwise ``mast_url``
``s3_endpoint``           ``MASTWIDGETS_S3_ENDPOINT``   AWS (``None``: botocore's default)
``s3_bucket``             ``MASTWIDGETS_S3_BUCKET``     ``stpubdata``
``data_dir``              ``MASTWIDGETS_DATA_DIR``      ``<user data dir>/mastwidgets/data``
``state_dir``             ``MASTWIDGETS_STATE_DIR``     ``<user data dir>/mastwidgets/jobs``
``mongodb_uri``           ``MASTWIDGETS_MONGODB_URI``   ``None`` (embedded catalog)
``mongodb_database``      ``MASTWIDGETS_MONGODB_DB``    ``mastwidgets``
``mongodb_collection``    ``MASTWIDGETS_MONGODB_COLL``  ``records``
``catalog_path``          ``MASTWIDGETS_CATALOG_PATH``  ``<user data dir>/catalog.sqlite``
``mast_token``            ``MAST_API_TOKEN``            ``None`` (then the user's keyring)
``timeout``               ``MASTWIDGETS_TIMEOUT``       ``60`` seconds per network read
``retries``               ``MASTWIDGETS_RETRIES``       ``3`` retries after a failed MAST call
``theme``                 ``MASTWIDGETS_THEME``         ``light`` (the app's colours; or ``dark``)
========================  ============================  ==========================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from .errors import ConfigurationError

__all__ = ["DEFAULT_MAST_URL", "DEFAULT_RESOLVER_URL", "Settings", "get_settings"]

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
}

THEMES = ("light", "dark")


def _user_dir(name: str) -> Path:
    return Path(platformdirs.user_data_dir("mastwidgets", appauthor=False)) / name


@dataclass(frozen=True)
class Settings:
    """Where mastwidgets talks to and where it keeps its files.

    Build it with :func:`get_settings`; secrets (the MAST token, a MongoDB URI
    with a password) are left out of ``repr``.
    """

    mast_url: str = DEFAULT_MAST_URL
    resolver_url: str = DEFAULT_RESOLVER_URL
    s3_endpoint: str | None = None
    s3_bucket: str = "stpubdata"
    data_dir: Path = field(default_factory=lambda: _user_dir("data"))
    state_dir: Path = field(default_factory=lambda: _user_dir("jobs"))
    mongodb_uri: str | None = field(default=None, repr=False)
    mongodb_database: str = "mastwidgets"
    mongodb_collection: str = "records"
    catalog_path: Path = field(default_factory=lambda: _user_dir("catalog.sqlite"))
    mast_token: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    retries: int = 3
    theme: str = "light"

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


def get_settings(**overrides: object) -> Settings:
    """Build the settings: keyword argument > environment variable > default.

    Parameters
    ----------
    **overrides
        Any :class:`Settings` field. ``None`` means "not given".

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
    ):
        if (value := pick(name)) is not None:
            values[name] = str(value)
    for name in ("data_dir", "state_dir", "catalog_path"):
        if (value := pick(name)) is not None:
            values[name] = Path(str(value)).expanduser()
    if (value := pick("timeout")) is not None:
        values["timeout"] = _number("timeout", value, float)
    if (value := pick("retries")) is not None:
        values["retries"] = _number("retries", value, int)
    if (value := pick("theme")) is not None:
        if str(value).lower() not in THEMES:
            raise ConfigurationError(f"theme must be one of {', '.join(THEMES)}, not {value!r}")
        values["theme"] = str(value).lower()
    return Settings(**values)
