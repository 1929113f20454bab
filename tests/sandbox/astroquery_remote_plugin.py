"""pytest plugin: points astroquery's own remote-data tests at a MAST sandbox.

Loaded (``-p tests.sandbox.astroquery_remote_plugin``) into a pytest run of
``astroquery.mast.tests.test_mast_remote``: it starts a sandbox, points astroquery's
MAST URLs (and its ``Mast`` client's session look-up) and botocore's S3 endpoint at it,
as mastwidgets itself does, and stops it at the end. Nothing of astroquery is replaced.
"""

import os
import tempfile

from astroquery.mast import Mast

from mastwidgets.mast import _client
from mastwidgets.sandbox import Sandbox
from mastwidgets.settings import get_settings

_sandbox = None


def pytest_configure(config):
    global _sandbox
    config.addinivalue_line("markers", "remote_data: astroquery's tests of the live MAST")
    _sandbox = Sandbox(files_dir=tempfile.mkdtemp(prefix="astroquery-remote-")).start()
    os.environ.update(_sandbox.environ())
    settings = get_settings()
    _client.observations(settings)
    Mast._auth_obj.SESSION_INFO_URL = settings.mast_url + "/whoami"


def pytest_unconfigure(config):
    if _sandbox is not None:
        _sandbox.stop()
