"""A selection of products, handed on: a download script (bash and curl), a
manifest (where each file is and how big) and a Python snippet (the mastwidgets
calls that repeat the search and the selection)."""

from .manifest import MANIFEST_COLUMNS, manifest
from .script import download_script
from .snippet import snippet

__all__ = ["MANIFEST_COLUMNS", "download_script", "manifest", "snippet"]
