"""The mastwidgets manual: Sphinx on the astropy ecosystem's stack (sphinx-astropy's
configuration: the pydata theme, numpydoc, automodapi), sphinx-argparse for the
command's reference, myst-nb for the pages (Markdown) and the tutorials (notebooks,
executed when the site is built, against the MAST sandbox each one starts).

Built offline and strictly by ``scripts/docs.sh`` (warnings are errors, every
reference checked): no inventory is fetched; references to other projects' objects are
left as text (``nitpick_ignore_regex``).
"""

import os
import sys
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path

from sphinx_astropy.conf.v2 import *  # noqa: F403 (the ecosystem's shared configuration)
from sphinx_astropy.conf.v2 import exclude_patterns, extensions, html_theme_options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "mastwidgets"
author = "the mastwidgets developers"
copyright = "2026, " + author
release = installed_version("mastwidgets")
version = release.split("+")[0]

extensions = [e for e in extensions if e != "matplotlib.sphinxext.plot_directive"] + [
    "sphinxarg.ext",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [*exclude_patterns, "_build", "**.ipynb_checkpoints", "*.png"]
master_doc = "index"

# Offline: no inventory is fetched (the Python one sphinx-astropy ships is local).
intersphinx_mapping = {}
nitpicky = True
nitpick_ignore_regex = [
    # other projects' objects, named in signatures and numpydoc sections
    (
        r"py:.*",
        r"(pandas|pd|astropy|numpy|np|pathlib|os|requests|botocore|boto3|pymongo|"
        r"dask|distributed|ipywidgets|widgets|traitlets|fsspec|s3fs|jdaviz|collections|"
        r"concurrent|threading|typing|datetime|io|argparse|sqlite3|json|enum|"
        r"dataclasses|contextlib|collections\.abc|abc|logging|builtins|types)\..*",
    ),
    (
        r"py:.*",
        r"(Path|PathLike|DataFrame|Series|SkyCoord|Angle|Table|HDUList|Quantity|"
        r"Callable|Iterable|Iterator|Mapping|Sequence|Any|Literal|Self|"
        r"Client|Future|Event|Lock|Thread|Widget|Enum|IntEnum|"
        r"array-like|file-like|optional|default|callable|iterable|mapping)",
    ),
    (
        r"py:.*",
        r"(str|int|float|bool|bytes|dict|list|tuple|set|frozenset|None|object|"
        r"type|Exception|ValueError|LookupError|OSError|ConnectionError|"
        r"PermissionError|FileNotFoundError|RuntimeError|KeyError|TypeError)",
    ),
    (r"py:.*", r"(t|fits|random)\..*|dict\[.*|Imviz"),  # typing aliases, other projects
    # private and internal modules' types in public signatures (not documented)
    (r"py:.*", r"mastwidgets(\.[a-z_]+)*\._[a-z_]+\..*"),
    (r"py:.*", r"mastwidgets\.sandbox\.(rows|catalogue)\..*"),
    (r"py:.*", r"mastwidgets\.(basket\.BasketTotals|facets\.Counted)"),
]
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

html_theme_options = {
    **html_theme_options,
    "github_url": None,  # the repository's public address is not known yet
    "use_edit_page_button": False,
}
html_title = f"mastwidgets {version}"
html_static_path = []
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 4
suppress_warnings = ["myst.header"]

# The tutorials run when the site is built (never from a cache: a stale one hides a
# tutorial that no longer runs); a cell that raises fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

# The notebooks' kernels inherit this environment: no real keyring, a scratch data
# folder, and the package's own "mastwidgets" kernel where `mastwidgets app` finds it.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-docs-")
from mastwidgets.app import voila_environ  # noqa: E402

os.environ["JUPYTER_PATH"] = voila_environ(os.environ)["JUPYTER_PATH"]
