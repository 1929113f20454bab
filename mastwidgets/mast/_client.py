"""astroquery's ``Observations``, pointed at the configured MAST and made robust.

astroquery fixes its MAST URLs when it is imported and hard-codes two hosts
(the SANTA name resolver and the cloud path look-up; MAST_PROTOCOL.md §1.2).
This module is the one place that redirects all of them to the settings'
URLs, gives every request a socket timeout and a retry policy with backoff,
logs in with the MAST token, and translates astroquery's and requests'
exceptions into :mod:`mastwidgets.errors`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import platform
import threading
import warnings
from collections.abc import Iterator

import botocore
import botocore.client
import botocore.exceptions
import botocore.session
import keyring
import keyring.errors
import requests
import urllib3.exceptions
from astroquery.exceptions import (
    InvalidQueryError,
    LoginError,
    NoResultsWarning,
    RemoteServiceError,
    ResolverError,
)
from astroquery.mast import Observations, utils
from astroquery.mast.cloud import CloudAccess
from astroquery.mast.discovery_portal import PortalAPI
from astroquery.version import version as astroquery_version
from botocore.config import Config
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..errors import (
    AuthenticationError,
    InvalidCriteria,
    MastQueryFailed,
    MastTimedOut,
    MastUnavailable,
    TargetNotFound,
)
from ..settings import DEFAULT_MAST_URL, DEFAULT_RESOLVER_URL, Settings

log = logging.getLogger(__name__)

# astroquery warns (through astropy's logger) for every empty answer; an empty
# DataFrame says the same thing to our callers.
warnings.filterwarnings("ignore", category=NoResultsWarning, module=r"astroquery\.mast.*")

_RETRY_STATUSES = (429, 500, 502, 503, 504)
_BACKOFF = 0.5  # seconds; doubles at every retry
_KEYRING_ENTRIES = (
    ("mastwidgets", "mast_api_token"),
    ("astroquery:mast.stsci.edu.token", "masttoken"),
)


class _Adapter(HTTPAdapter):
    """requests' adapter with a default timeout: astroquery sends ``timeout=None``."""

    def __init__(self, timeout: float, retries: int):
        self.default_timeout = timeout
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=_BACKOFF,
            status_forcelist=_RETRY_STATUSES,
            allowed_methods=None,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        super().__init__(max_retries=retry)

    def send(self, request, *args, timeout=None, **kwargs):
        return super().send(request, *args, timeout=timeout or self.default_timeout, **kwargs)


class _Redirect:
    """Replaces ``astroquery.mast.utils._simple_request`` (SANTA and path look-up)."""

    def __init__(self, settings: Settings):
        self.hosts = {
            DEFAULT_RESOLVER_URL: settings.resolver_url,
            DEFAULT_MAST_URL: settings.mast_url,
        }
        self.timeout = settings.timeout
        self.session = requests.Session()
        adapter = _Adapter(settings.timeout, settings.retries)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __call__(self, url: str, params=None) -> requests.Response:
        for default, configured in self.hosts.items():
            if url.startswith(default):
                url = configured + url[len(default) :]
        headers = {
            "User-Agent": f"astroquery/{astroquery_version} Python/{platform.python_version()} "
            f"({platform.system()}) python-requests/{requests.__version__}",
            "Content-type": "application/x-www-form-urlencoded",
            "Accept": "text/plain",
        }
        response = self.session.get(url, params=params, headers=headers)
        response.raise_for_status()
        return response


#: dataURI prefixes of the missions astroquery looks up in the cloud (its
#: ``CloudAccess.supported_missions``; the protocol tests check they agree).
CLOUD_MISSIONS = (
    "mast:hst/product",
    "mast:tess/product",
    "mast:kepler",
    "mast:galex",
    "mast:ps1",
    "mast:jwst/product",
)


class _Boto3:
    """Stands in for the ``boto3`` module inside astroquery's ``CloudAccess``: its
    ``client`` call, made with botocore alone (boto3 is not a dependency: next to
    s3fs, as in lightkurve's or jdaviz's environments, it sends pip's resolver
    backtracking for minutes), with the configured endpoint, timeouts and retries."""

    def __init__(self, settings: Settings):
        self.endpoint = settings.s3_endpoint
        self.extra = Config(
            connect_timeout=min(settings.timeout, 10),
            read_timeout=settings.timeout,
            retries={"max_attempts": settings.retries + 1, "mode": "standard"},
        )

    def _kwargs(self, config: Config | None) -> dict:
        # the caller's own options win (the cloud look-up asks for no retries)
        merged = self.extra.merge(config) if config is not None else self.extra
        return {"config": merged, "endpoint_url": self.endpoint, "region_name": "us-east-1"}

    def client(self, name: str, config: Config | None = None, **kwargs):
        session = botocore.session.get_session()
        return session.create_client(name, **{**kwargs, **self._kwargs(config)})


#: The keyword astroquery's ``Observations`` takes a target name by: ``object_name`` from
#: astroquery 0.4.12 (``objectname`` still works there, with a deprecation warning).
OBJECT_NAME = (
    "object_name"
    if "object_name" in inspect.signature(Observations.query_criteria_async).parameters
    else "objectname"
)

_lock = threading.RLock()
_applied: tuple | None = None
_logged_in_with: str | None = None


def _apply(settings: Settings) -> None:
    base = settings.mast_url
    PortalAPI.MAST_REQUEST_URL = base + "/api/v0/invoke"
    PortalAPI.COLUMNS_CONFIG_URL = base + "/portal/Mashup/Mashup.asmx/columnsconfig"
    PortalAPI.MAST_DOWNLOAD_URL = base + "/api/v0.1/Download/file"
    PortalAPI.MAST_BUNDLE_URL = base + "/api/v0.1/Download/bundle"
    PortalAPI.TIMEOUT = max(settings.timeout * (settings.retries + 1), 60)
    Observations._auth_obj.SESSION_INFO_URL = base + "/whoami"
    adapter = _Adapter(settings.timeout, settings.retries)
    Observations._session.mount("http://", adapter)
    Observations._session.mount("https://", adapter)
    utils._simple_request = _Redirect(settings)
    PortalAPI._column_configs.clear()  # they may come from another server
    if getattr(Observations, "_cloud_enabled_explicitly", False) is None:
        # astroquery 0.4.12 turns its S3 access on by itself (with boto3, which is not
        # here); mastwidgets decides when S3 is used (enable_cloud)
        Observations._cloud_enabled_explicitly = False
    if Observations._cloud_connection is not None:
        _point_cloud(settings)


@functools.cache
def _keyring_token() -> str | None:
    for service, user in _KEYRING_ENTRIES:
        try:
            token = keyring.get_password(service, user)
        except keyring.errors.KeyringError as error:
            log.debug("no MAST token from the keyring: %s", type(error).__name__)
            return None
        if token:
            return token
    return None


def token_for(settings: Settings) -> str | None:
    """The MAST token: the settings' (argument or ``MAST_API_TOKEN``), else the keyring's."""
    return settings.mast_token or _keyring_token()


def token_headers(settings: Settings) -> dict:
    """The HTTP header that carries the MAST token to MAST (none without a token)."""
    token = token_for(settings)
    return {"Authorization": f"token {token}"} if token else {}


def _login(token: str | None) -> None:
    global _logged_in_with
    if token == _logged_in_with:
        return
    Observations.logout()
    Observations._session.cookies.pop("mast_token", None)
    _logged_in_with = None
    if token is None:
        return
    with translate_errors():
        try:
            Observations.login(token=token)
        except LoginError:
            raise AuthenticationError(
                "MAST rejected the API token. Create a new one at MAST's token page and set "
                "MAST_API_TOKEN (or store it in your keyring)."
            ) from None
    _logged_in_with = token


def observations(settings: Settings):
    """astroquery's ``Observations``, configured for ``settings`` and logged in if a
    token is known. Calls are serialised by the caller holding :func:`session`."""
    global _applied
    key = (
        settings.mast_url,
        settings.resolver_url,
        settings.s3_endpoint,
        settings.timeout,
        settings.retries,
    )
    if key != _applied:
        _apply(settings)
        _applied = key
    _login(token_for(settings))
    return Observations


@contextlib.contextmanager
def session(settings: Settings) -> Iterator:
    """``with session(settings) as obs:`` gives the configured client, one caller at a
    time (astroquery's configuration is process-wide), with errors translated."""
    with _lock, translate_errors():
        yield observations(settings)


def enable_cloud(settings: Settings) -> None:
    """Switch on astroquery's S3 access, with the configured endpoint.

    What ``Observations.enable_cloud_dataset()`` does, without its ``import boto3``:
    the same attributes on astroquery's own ``CloudAccess``.
    """
    if Observations._cloud_connection is None:
        cloud = CloudAccess.__new__(CloudAccess)
        cloud.supported_missions = list(CLOUD_MISSIONS)
        cloud.botocore = botocore
        cloud.config = botocore.client.Config(signature_version=botocore.UNSIGNED)
        Observations._cloud_connection = cloud
        if hasattr(Observations, "_cloud_enabled_explicitly"):  # astroquery >= 0.4.12
            Observations._cloud_enabled_explicitly = True
    _point_cloud(settings)


def _point_cloud(settings: Settings) -> None:
    cloud = Observations._cloud_connection
    cloud.boto3 = _Boto3(settings)
    cloud.pubdata_bucket = settings.s3_bucket


def _http_message(error: requests.HTTPError) -> str:
    response = error.response
    status = response.status_code if response is not None else "?"
    return (
        f"MAST answered HTTP {status} for {response.url if response is not None else 'a request'}"
    )


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn astroquery's, requests' and botocore's exceptions into ours."""
    try:
        yield
    except ResolverError as error:
        raise TargetNotFound(_quoted_name(str(error))) from None
    except InvalidQueryError as error:
        raise InvalidCriteria(f"MAST cannot search that way: {error}") from None
    except RemoteServiceError as error:
        raise MastQueryFailed(f"MAST could not answer the query: {error}") from None
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status in (401, 403):
            raise AuthenticationError(
                f"{_http_message(error)}: these data need a MAST token with access "
                "(set MAST_API_TOKEN)."
            ) from None
        raise MastUnavailable(f"{_http_message(error)}; try again later.") from None
    except (requests.ConnectionError, requests.Timeout, TimeoutError) as error:
        if _timed_out(error):
            raise MastTimedOut(
                "MAST did not answer within the timeout setting (MASTWIDGETS_TIMEOUT); it may "
                "still be working on a large query: ask for less at once, or raise the timeout."
            ) from None
        raise MastUnavailable(
            f"MAST did not answer ({type(error).__name__}); check the network or the MAST "
            "URL setting, or try again later."
        ) from None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise MastUnavailable(f"MAST's S3 bucket did not answer: {error}") from None


def _timed_out(error: Exception) -> bool:
    """Whether a requests error is a read that waited past its timeout (retries spent, it
    comes wrapped: ConnectionError(MaxRetryError(ReadTimeoutError)))."""
    if isinstance(error, (requests.ReadTimeout, TimeoutError)):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, urllib3.exceptions.ReadTimeoutError)


def _quoted_name(message: str) -> str:
    """The name in astroquery's 'Could not resolve "X" to a sky position.'"""
    first, last = message.find('"'), message.rfind('"')
    return message[first + 1 : last] if last > first else message
