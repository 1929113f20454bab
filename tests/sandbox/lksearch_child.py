"""lksearch's own split-campaign test, run in lksearch's environment (.venv-lksearch) with
astroquery pointed at the MAST sandbox given as the argument; prints what it found.

Not a test module: tests/sandbox/test_real_clients.py runs it in that environment (it
cannot import mastwidgets, whose stack needs numpy 2)."""

import json
import sys
import warnings

from astroquery.mast import utils
from astroquery.mast.discovery_portal import PortalAPI

base = sys.argv[1]
PortalAPI.MAST_REQUEST_URL = base + "/api/v0/invoke"
PortalAPI.COLUMNS_CONFIG_URL = base + "/portal/Mashup/Mashup.asmx/columnsconfig"
PortalAPI.MAST_DOWNLOAD_URL = base + "/api/v0.1/Download/file"
PortalAPI.MAST_BUNDLE_URL = base + "/api/v0.1/Download/bundle"
_simple = utils._simple_request


def _redirected(url, params=None):  # the name resolver and path look-ups, as mastwidgets does
    for real in ("http://mastresolver.stsci.edu", "https://mast.stsci.edu"):
        url = url.replace(real, base)
    return _simple(url, params)


utils._simple_request = _redirected
warnings.simplefilter("ignore")

import lksearch  # noqa: E402  (after astroquery is pointed at the sandbox)

found = {}
for campaign, target in ((9, "EPIC 228162462"), (10, "EPIC 228726301")):
    table = lksearch.K2Search(target, campaign=campaign, exptime="long").cubedata.table
    found[target] = sorted(str(name) for name in table["productFilename"])
print(json.dumps({"lksearch": lksearch.__version__, "found": found}))
