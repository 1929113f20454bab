"""A basket of files gathered from any number of searches, as the MAST Portal's
download basket: kept in a JSON file in the state folder (so it outlives the page,
the kernel and the machine's sleep), imported or exported all at once.

>>> basket = mw.Basket()                       # "default", in the state folder
>>> basket.add(mw.list_products("icdm01010", mrp_only=True))   # files added
1
>>> basket.add(mw.list_products(mw.search_target("M8").head(2)))
36
>>> basket.totals()
BasketTotals(files=..., bytes=..., here=0, exclusive=0)
>>> job = basket.import_all()                  # one job for every file in it
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import InvalidQuery
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from .imports import ImportJob

#: A basket's name: what its file is called (no path can be made of it).
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: The columns a basket keeps of each product row (what an import, the totals and
#: the exports need); a row is known by its ``dataURI``.
KEPT = (
    "obs_id",
    "obsid",
    "parent_obs_id",
    "productFilename",
    "extension",
    "size",
    "productType",
    "calib_level",
    "productSubGroupDescription",
    "description",
    "obs_collection",
    "dataRights",
    "proprietary",
    "dataURI",
    "s3_uri",
    "url",
)
#: The most files one basket holds (a JWST program is ~100,000).
MAX_FILES = 500_000


@dataclass(frozen=True)
class BasketTotals:
    """What a basket holds: files, their bytes, how many are here already (imported
    before, unchanged) and how many are exclusive-access (they need a MAST token)."""

    files: int
    bytes: int
    here: int
    exclusive: int


class Basket:
    """Files from any number of searches, kept in ``<state folder>/baskets/<name>.json``.

    Parameters
    ----------
    name
        Letters, digits, ``-`` and ``_`` (default ``"default"``).
    settings
        Default: :func:`~mastwidgets.get_settings` (its state folder; on a hosted page
        the baskets are under the data root's state folder as the jobs are).

    Raises
    ------
    InvalidQuery
        A name that is not a plain name.
    """

    def __init__(self, name: str = "default", *, settings: Settings | None = None):
        if not isinstance(name, str) or not NAME.match(name):
            raise InvalidQuery(
                f"a basket's name is letters, digits, '-' and '_' (up to 64), not {name!r}"
            )
        self.name = name
        self.settings = settings or get_settings()
        self.path = Path(self.settings.state_dir) / "baskets" / f"{name}.json"
        self._lock = threading.Lock()
        self.products = self._load()

    def __len__(self) -> int:
        return len(self.products)

    @property
    def exists(self) -> bool:
        """Whether the basket has been kept (a file was ever added to it)."""
        return self.path.exists()

    def reload(self) -> None:
        """Read the basket again: another page or process may have changed it."""
        with self._lock:
            self.products = self._load()

    @contextlib.contextmanager
    def _changing(self):
        """A change, one at a time across pages and processes (a lock file beside the
        basket), to the basket as it is now on disk: two pages sharing a basket never
        lose each other's files."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self.products = self._load()
                yield
            finally:
                os.close(fd)

    def __repr__(self) -> str:
        return f"Basket({self.name!r}: {len(self):,} files)"

    def add(self, products: pd.DataFrame) -> int:
        """Add these product rows (of :func:`~mastwidgets.list_products`); files in the
        basket already are not added twice. Returns how many were new."""
        if not isinstance(products, pd.DataFrame) or "dataURI" not in products:
            raise InvalidQuery("add() takes a DataFrame of products (mw.list_products)")
        rows = products.loc[:, [c for c in KEPT if c in products]].copy()
        rows = rows[rows["dataURI"].notna()].drop_duplicates("dataURI")
        with self._changing():
            new = rows[~rows["dataURI"].isin(set(self.products["dataURI"]))]
            if len(self.products) + len(new) > MAX_FILES:
                raise InvalidQuery(
                    f"a basket holds at most {MAX_FILES:,} files; this one has "
                    f"{len(self.products):,} and {len(new):,} more were added"
                )
            if len(new):  # (an empty basket is not concatenated: its columns have no dtype)
                parts = [self.products, new] if len(self.products) else [new]
                columns = self.products.columns.union(new.columns, sort=False)
                self.products = pd.concat(parts, ignore_index=True).reindex(columns=columns)
                self._save()
        return len(new)

    def remove(self, data_uris) -> int:
        """Take these files (dataURIs) out; returns how many were in it."""
        gone = {data_uris} if isinstance(data_uris, str) else set(data_uris)
        with self._changing():
            keep = ~self.products["dataURI"].isin(gone)
            removed = int((~keep).sum())
            if removed:
                self.products = self.products[keep].reset_index(drop=True)
                self._save()
        return removed

    def clear(self) -> None:
        """Empty the basket."""
        with self._changing():
            self.products = self.products.iloc[0:0]
            self._save()

    def totals(self, *, catalog=None) -> BasketTotals:
        """Files, bytes, here already (the catalog's verified copies; on a hosted page,
        under its data root only) and exclusive-access files."""
        products = self.products
        here = 0
        if len(products):
            from .catalog import mark_on_disk

            marked = mark_on_disk(
                products.copy(),
                catalog if catalog is not None else True,
                under=self.settings.data_root,
            )
            here = int(marked["on_disk"].notna().sum())
        proprietary = products.get("proprietary", pd.Series(dtype=bool))
        return BasketTotals(
            files=len(products),
            bytes=int(pd.to_numeric(products.get("size"), errors="coerce").fillna(0).sum())
            if len(products)
            else 0,
            here=here,
            exclusive=int(proprietary.fillna(False).astype(bool).sum()),
        )

    def import_all(self, dest=None, **options) -> ImportJob:
        """Import every file in the basket: one job (:func:`mastwidgets.import_observations`
        with ``products=``; files here already are not fetched again)."""
        if self.products.empty:
            raise InvalidQuery(f"the basket {self.name!r} is empty")
        from .imports import import_observations

        return import_observations(
            products=self.products.copy(), dest=dest, settings=self.settings, **options
        )

    def snippet(self) -> str:
        """Python code that finds exactly these files again (by their observations and
        dataURIs) and imports them: for a colleague, or a script. It holds no token."""
        if self.products.empty:
            raise InvalidQuery(f"the basket {self.name!r} is empty")
        parents = self.products.get("parent_obs_id", pd.Series(dtype=object))
        observed = parents.where(parents.notna(), self.products["obs_id"])
        obs_ids = sorted({str(o) for o in observed if pd.notna(o)})
        uris = list(dict.fromkeys(str(u) for u in self.products["dataURI"]))
        return "\n".join(
            [
                "import mastwidgets as mw",
                "",
                f"observations = mw.search_obs_id({obs_ids!r})",
                "products = mw.list_products(observations, auxiliary=True)",
                f'products = products[products["dataURI"].isin({uris!r})]',
                "job = mw.import_observations(products=products)",
                "",
            ]
        )

    def _load(self) -> pd.DataFrame:
        empty = pd.DataFrame(columns=list(KEPT))
        try:
            rows = json.loads(self.path.read_text())["products"]
        except FileNotFoundError:
            return empty
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InvalidQuery(f"the basket file {self.path} cannot be read: {error}") from None
        frame = pd.DataFrame(rows, columns=list(KEPT)) if rows else empty
        if "size" in frame:
            frame["size"] = pd.to_numeric(frame["size"], errors="coerce").astype("Int64")
        return frame

    def _save(self) -> None:
        """Write the basket whole, atomically (a kill leaves the old or the new one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.products.astype(object).where(self.products.notna(), None)
        body = json.dumps({"name": self.name, "products": frame.to_dict("records")}, default=_plain)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.name}.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _plain(value):
    """numpy's scalars as JSON's (``int64`` sizes, ``bool_`` flags)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")
