"""The data root: the one folder a hosted page may write under.

A page served to others (Voila for a group, Binder, a shared JupyterHub
service) runs with ``MASTWIDGETS_DATA_ROOT``. Every destination a visitor
gives is then a folder *inside* it: relative paths are taken from the root,
and whatever would land outside (``..``, an absolute path elsewhere, a
symbolic link leading out, a symlink loop, a path through a file) is refused
with :class:`~mastwidgets.errors.UnsafeDestination` before anything is
written. Without a data root (a scientist's own JupyterLab), destinations are
taken as given.

Examples
--------
>>> root = DataRoot("/srv/mast")
>>> root.resolve("m16/hst")
PosixPath('/srv/mast/m16/hst')
>>> root.resolve("../../etc")
Traceback (most recent call last):
UnsafeDestination: Refusing the folder '../../etc': '..' would climb out of the data root.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from ..errors import UnsafeDestination, quoted
from ..settings import Settings

__all__ = ["DataRoot", "destination", "resumable_here", "shown_path"]

#: The most of a path a message quotes (more than a typed word: a path is read whole).
PATH = 160


class DataRoot:
    """A folder that destinations must stay inside (symbolic links followed)."""

    def __init__(self, path: str | os.PathLike):
        self.given = Path(path).expanduser().absolute()
        self.given.mkdir(parents=True, exist_ok=True)
        self.path = self.given.resolve()

    def __repr__(self) -> str:
        return f"DataRoot({str(self.path)!r})"

    def contains(self, path: str | os.PathLike) -> bool:
        """Whether ``path`` (symbolic links followed) lies inside the root."""
        try:
            real = Path(path).resolve()
        except (OSError, RuntimeError):  # a symlink loop leads nowhere, so not inside
            return False
        return real.is_relative_to(self.path)

    def relative(self, path: str | os.PathLike) -> str:
        """How a visitor sees a folder inside the root: ``m16/hst`` (``.`` for the root)."""
        return Path(path).resolve().relative_to(self.path).as_posix()

    def resolve(self, dest: str | os.PathLike | None) -> Path:
        """The real folder for ``dest``, inside the root, or
        :class:`~mastwidgets.errors.UnsafeDestination`.

        ``dest`` is relative to the root (``None`` or ``""``: the root itself); an
        absolute path is accepted only if it already names a place inside the root.
        Folders that do not exist yet are not created here.
        """
        text = "" if dest is None else os.fspath(dest)
        shown = quoted(text, PATH)
        if any(ord(c) < 32 for c in text):
            raise UnsafeDestination(f"Refusing the folder {shown}: it has control characters.")
        if text.startswith("~"):
            raise UnsafeDestination(
                f"Refusing the folder {shown}: home folders are outside the data root; "
                "give a folder relative to it, e.g. 'my-project'."
            )
        relative = self._inside_lexically(PurePath(text.strip() or "."), shown)
        current = self.path
        for part in relative.parts:
            current = current / part
            if current.is_symlink():
                current = self._follow(current, shown)
            elif current.exists() and not current.is_dir():
                raise UnsafeDestination(
                    f"Refusing the folder {shown}: {self._shown(current)} is a file, not a folder."
                )
        return current

    def _inside_lexically(self, path: PurePath, shown: str) -> PurePath:
        """``path`` relative to the root, before any link is followed."""
        if ".." in path.parts:
            raise UnsafeDestination(
                f"Refusing the folder {shown}: '..' would climb out of the data root."
            )
        if not path.is_absolute():
            return path
        for base in (self.path, self.given):
            if path.is_relative_to(base):
                return path.relative_to(base)
        raise UnsafeDestination(
            f"Refusing the folder {shown}: it is outside the data root; "
            "give a folder relative to it, e.g. 'my-project'."
        )

    def _follow(self, link: Path, shown: str) -> Path:
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):
            raise UnsafeDestination(
                f"Refusing the folder {shown}: the symbolic link {self._shown(link)} "
                "is broken or loops."
            ) from None
        if not target.is_relative_to(self.path):
            raise UnsafeDestination(
                f"Refusing the folder {shown}: the symbolic link {self._shown(link)} "
                "leads outside the data root."
            )
        if not target.is_dir():
            raise UnsafeDestination(
                f"Refusing the folder {shown}: {self._shown(link)} is a file, not a folder."
            )
        return target

    def _shown(self, path: Path) -> str:
        return repr(path.relative_to(self.path).as_posix())


def destination(dest: str | os.PathLike | None, settings: Settings) -> Path:
    """Where an import writes: inside the data root if there is one, else as given
    (default: the settings' ``data_dir``).

    Raises
    ------
    UnsafeDestination
        With a data root, for anything that would land outside it.
    """
    if settings.data_root is None:
        folder = Path(dest).expanduser() if dest else settings.data_dir
        _check_folder(folder)
        return folder
    return DataRoot(settings.data_root).resolve(dest or settings.data_dir)


def _check_folder(folder: Path) -> None:
    """Refuse a folder that is a file, or lies under one (nothing could be written)."""
    for path in (folder, *folder.parents):
        if path.exists():
            if not path.is_dir():
                what = "is" if path == folder else f"lies under {quoted(path, PATH)}, which is"
                raise UnsafeDestination(
                    f"Refusing the folder {quoted(folder, PATH)}: it {what} a file, not a "
                    "folder. Give a folder (it is created if it does not exist)."
                )
            return


def resumable_here(state, settings: Settings) -> None:
    """Refuse to resume, on a hosted page, a job that writes outside the data root.

    Raises
    ------
    UnsafeDestination
    """
    if settings.data_root is None:
        return
    root = DataRoot(settings.data_root)
    if not root.contains(state.dest_dir):
        raise UnsafeDestination(
            f"Job {state.job_id} writes to a folder outside the data root; it cannot be "
            "resumed from here."
        )
    root.resolve(state.dest_dir)  # and no link on the way leads out now


def shown_path(path: str | os.PathLike, settings: Settings) -> str:
    """A folder or file as the page shows it: relative to the data root if there is
    one (a visitor never needs the server's own paths), else the full path."""
    if settings.data_root is None:
        return str(path)
    relative = DataRoot(settings.data_root).relative(path)
    return "the data folder" if relative == "." else f"{relative} (in the data folder)"
