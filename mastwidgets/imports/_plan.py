"""What an import will do, decided before any byte moves (like pooch's
``download_action``): from the product rows, the folder, the layout and the files
here already, which files to fetch, which to skip and why, and which are here.

No network and no writes: only the destination's names are looked at (a symbolic
link leading out of the folder is refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import TransferError, UnsafeDestination
from ..transfer import FileSpec, FileState, file_state
from .layouts import file_name

#: Where files may come from: S3 where MAST has a copy, else HTTP; S3 only; HTTP only.
SOURCES = ("auto", "s3", "http")
#: The product fields kept with the job (they go into the catalog records).
PRODUCT_FIELDS = (
    "dataURI",
    "obs_id",
    "parent_obs_id",
    "obsid",
    "productFilename",
    "obs_collection",
    "productType",
    "calib_level",
    "filters",
    "target_name",
    "instrument_name",
    "prvversion",
)


@dataclass(frozen=True)
class ImportPlan:
    """The files an import fetches, and those it does not."""

    #: The files to fetch, named relative to the folder (checked to stay inside it).
    files: tuple[FileState, ...]
    #: File name -> its product fields (:data:`PRODUCT_FIELDS`), for the records.
    products: dict[str, dict]
    #: (file name, why) of each file that cannot be fetched.
    skipped: tuple[tuple[str, str], ...]
    #: (file name, where it is) of each file here already (not fetched again).
    already: tuple[tuple[str, str], ...]

    @property
    def sizes(self) -> list[int | None]:
        return [f.size for f in self.files]


def plan_import(
    rows: Iterable[Mapping],
    folder: str | Path,
    *,
    layout: str,
    source: str = "auto",
    here: Mapping[str, str] | None = None,
) -> ImportPlan:
    """Sort product rows (of :func:`mastwidgets.list_products`, with their ``url`` and
    ``s3_uri``) into files to fetch, skipped and here already.

    Parameters
    ----------
    rows
        Product rows as mappings, one per file (a dataURI once).
    folder
        The import's folder.
    layout
        A layout name or pattern (see :mod:`mastwidgets.imports.layouts`).
    source
        One of :data:`~mastwidgets.imports.SOURCES`.
    here
        dataURI -> local path of the files here already (see
        :func:`mastwidgets.catalog.on_disk`).

    Examples
    --------
    >>> row = {"dataURI": "mast:HST/product/x_flt.fits", "obs_id": "x", "parent_obs_id": "x",
    ...        "obs_collection": "HST", "productFilename": "x_flt.fits", "size": 10,
    ...        "url": "https://mast.example/x_flt.fits", "s3_uri": None}
    >>> plan = plan_import([row], "/tmp/data", layout="observation")
    >>> [f.name for f in plan.files]
    ['HST/x/x_flt.fits']
    """
    root = Path(folder).resolve()
    here = here or {}
    files, products, skipped, already = [], {}, [], []
    for row in rows:
        name = file_name(layout, row)
        uri = row["dataURI"]
        if uri in here:
            already.append((name, here[uri]))
            continue
        s3 = _present(row.get("s3_uri")) if source in ("auto", "s3") else None
        http = _present(row.get("url")) if source in ("auto", "http") else None
        if not s3 and not http:
            skipped.append((name, "not in MAST's S3 bucket (source='s3' forbids HTTP)"))
            continue
        size = _present(row.get("size"))
        spec = FileSpec(name, s3=s3, http=http, size=None if size is None else int(size))
        try:
            state = file_state(spec, root)
        except (UnsafeDestination, TransferError) as error:
            skipped.append((name, str(error)))
            continue
        if state.name in products:
            taken = products[state.name]["dataURI"]
            skipped.append((state.name, f"another file ({taken}) has this name"))
            continue
        files.append(state)
        products[state.name] = {k: _present(row.get(k)) for k in PRODUCT_FIELDS}
    return ImportPlan(tuple(files), products, tuple(skipped), tuple(already))


def _present(value):
    """``value`` as a plain Python value, ``None`` for a missing one (NaN, NA, None)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        pass
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value.item() if hasattr(value, "item") else value
