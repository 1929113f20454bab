"""Starting, resuming and waiting for transfer jobs."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import JobNotFound, TransferError, UnsafeDestination, quoted
from ..settings import get_settings
from ._engine import TransferConfig, TransferJob, TransferResult
from ._events import Subscriber
from ._journal import load_state
from ._sources import parse_s3_uri
from ._state import FileState, JobLock, JobState, state_path


@dataclass(frozen=True)
class FileSpec:
    """One file to fetch: where from (S3 preferred, HTTP fallback), and where to.

    Parameters
    ----------
    name
        Destination path relative to the job's folder (``HST/icdm01010/x.fits``).
    s3, http
        ``s3://bucket/key`` and ``http(s)://`` locations; at least one.
    size
        Expected size in bytes, if known (checked before the file is renamed).
    md5
        Expected MD5 (hex), if known.
    """

    name: str
    s3: str | None = None
    http: str | None = None
    size: int | None = None
    md5: str | None = None


def _name_from_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return PurePosixPath(parts.path).name
    for values in parse_qs(parts.query).values():  # e.g. ?uri=mast:HST/product/x.fits
        for value in values:
            candidate = PurePosixPath(unquote(value)).name
            if "." in candidate:
                return candidate
    return PurePosixPath(unquote(parts.path)).name


def _check_url(url: str | None, scheme: str) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if scheme == "s3":
        parse_s3_uri(url)
    elif parts.scheme not in ("http", "https") or not parts.netloc:
        raise TransferError(f"not an http(s) URL: {quoted(url)}")
    if parts.username or parts.password:
        raise TransferError(
            "URLs with a user name or password are not accepted (they would be "
            "stored in the job's state file); give a token instead."
        )
    return url


def to_spec(item: str | FileSpec | Mapping) -> FileSpec:
    """A :class:`FileSpec` from a URL string, a FileSpec or a mapping of its fields."""
    if isinstance(item, FileSpec):
        spec = item
    elif isinstance(item, str):
        scheme = urlsplit(item).scheme
        spec = FileSpec(
            name=_name_from_url(item),
            s3=item if scheme == "s3" else None,
            http=item if scheme != "s3" else None,
        )
    elif isinstance(item, Mapping):
        unknown = set(item) - {"name", "s3", "http", "size", "md5"}
        if unknown:
            raise TransferError(f"unknown source field(s): {', '.join(sorted(unknown))}")
        s3, http = item.get("s3"), item.get("http")
        name = item.get("name") or _name_from_url(s3 or http or "")
        size = item.get("size")
        spec = FileSpec(
            name=name,
            s3=s3,
            http=http,
            size=None if size is None else int(size),
            md5=item.get("md5"),
        )
    else:
        raise TransferError(f"cannot download {quoted(item)}: give a URL, a FileSpec or a dict")
    if not spec.s3 and not spec.http:
        raise TransferError(f"{quoted(spec.name or item)}: no s3 or http location given")
    if spec.size is not None and spec.size < 0:
        raise TransferError(f"{spec.name}: size must not be negative")
    return replace(
        spec,
        s3=_check_url(spec.s3, "s3"),
        http=_check_url(spec.http, "http"),
        md5=spec.md5.lower() if spec.md5 else None,
    )


def safe_name(name: str) -> PurePosixPath:
    """``name`` as a relative path that stays inside any folder (no symlinks checked).

    Raises
    ------
    UnsafeDestination
        Empty, absolute, ``..``, or control characters.
    """
    shown = quoted(name)
    if not name or "\x00" in name or any(ord(c) < 32 for c in name):
        raise UnsafeDestination(f"Refusing the file name {shown}: empty or control characters.")
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeDestination(f"Refusing the file name {shown}: it is an absolute path.")
    if any(part in ("..", ".", "") for part in pure.parts) or not pure.parts:
        raise UnsafeDestination(f"Refusing the file name {shown}: it climbs out of the folder.")
    return pure


def safe_target(dest_dir: Path, name: str) -> Path:
    """``dest_dir / name``, refused if it would land outside ``dest_dir``.

    Raises
    ------
    UnsafeDestination
        Empty, absolute, ``..``, control characters, or a symlink leading out.
    """
    return _inside(Path(dest_dir).resolve(), name)


def _inside(root: Path, name: str) -> Path:
    """``root / name`` (``root`` resolved), refused if it would land outside ``root``."""
    pure = safe_name(name)
    target = root.joinpath(*pure.parts)
    if target.is_symlink() or not target.resolve().is_relative_to(root):
        raise UnsafeDestination(
            f"Refusing the file name {quoted(name)}: it leads outside {root} through a "
            "symbolic link."
        )
    return target


def file_state(item: str | FileSpec | Mapping, dest: str | os.PathLike) -> FileState:
    """One new file of a job: its source checked (``to_spec``), its name kept
    inside ``dest`` (:func:`safe_target`) and made relative to it.

    Raises
    ------
    TransferError, UnsafeDestination
    """
    return _file_state(to_spec(item), Path(dest).resolve())


def _file_state(spec: FileSpec, root: Path) -> FileState:
    name = _inside(root, spec.name).relative_to(root).as_posix()
    given = spec.size is not None
    return FileState(
        name=name, s3=spec.s3, http=spec.http, size=spec.size, size_given=given, md5=spec.md5
    )


def file_states(
    sources: Iterable[str | FileSpec | Mapping | FileState], dest: str | os.PathLike
) -> list[FileState]:
    """A new job's files (each as :func:`file_state` makes it; a :class:`FileState` is
    taken as it is: :func:`file_state` made it), no two written to one name.

    Raises
    ------
    TransferError, UnsafeDestination
    """
    root = Path(dest).resolve()
    files = [
        item if isinstance(item, FileState) else _file_state(to_spec(item), root)
        for item in sources
    ]
    duplicates = [name for name, count in Counter(f.name for f in files).items() if count > 1]
    if duplicates:
        raise TransferError(f"two files would be written to {sorted(duplicates)[0]!r}")
    return files


def new_job_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _config(parallel: int, chunk_size: int, **options) -> TransferConfig:
    if parallel < 1:
        raise TransferError("parallel must be at least 1")
    if chunk_size < 64 * 1024:
        raise TransferError("chunk_size must be at least 64 KiB")
    settings = get_settings()
    options.setdefault("s3_endpoint", settings.s3_endpoint)
    options.setdefault("timeout", settings.timeout)
    options.setdefault("connections", settings.connections)
    options.setdefault("s3_connections", settings.s3_connections)
    return TransferConfig(parallel=parallel, chunk_size=chunk_size, **options)


def start(
    sources: Iterable[str | FileSpec | Mapping | FileState],
    dest_dir: str | os.PathLike,
    *,
    job_id: str | None = None,
    state_dir: str | os.PathLike | None = None,
    parallel: int = 3,
    chunk_size: int = 5 * 2**20,
    on_event: Subscriber | None = None,
    http_headers: dict | None = None,
    meta: dict | None = None,
    **options,
) -> TransferJob:
    """Start a job in background threads and return its handle at once.

    Parameters are those of :func:`download`; ``sources`` may also hold
    :class:`FileState` objects made by :func:`file_state` (checked already, so a front
    end that sorts files out before starting checks each name once).
    ``http_headers`` (e.g. an ``Authorization`` header) are used for this run only and
    never stored.
    ``options`` are further :class:`TransferConfig` fields (``split``,
    ``timeout``, ``retry``, ``s3_endpoint`` ...).

    Returns
    -------
    TransferJob
        ``wait()``, ``cancel()``, ``pause()``, ``snapshot()``, ``subscribe()``.
    """
    dest = Path(dest_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    files = file_states(sources, dest)
    config = _config(parallel, chunk_size, **options)
    job_id = job_id or new_job_id()
    folder = Path(state_dir).expanduser() if state_dir else get_settings().state_dir
    path = state_path(folder, job_id)
    if path.exists():
        raise TransferError(f"job {job_id} exists already; resume it with resume({job_id!r})")
    state = JobState(
        job_id=job_id,
        dest_dir=str(dest.resolve()),
        files=files,
        parallel=parallel,
        chunk_size=chunk_size,
        meta=dict(meta or {}),
    )
    job = TransferJob(state, path, config, http_headers)
    if on_event is not None:
        job.subscribe(on_event)
    return job.start()


def download(
    sources: Iterable[str | FileSpec | Mapping],
    dest_dir: str | os.PathLike,
    *,
    job_id: str | None = None,
    state_dir: str | os.PathLike | None = None,
    parallel: int = 3,
    chunk_size: int = 5 * 2**20,
    on_event: Subscriber | None = None,
    **options,
) -> TransferResult:
    """Download files to ``dest_dir``; blocks until every file is done or failed.

    Parameters
    ----------
    sources
        URL strings (``s3://bucket/key`` or ``http(s)://``), :class:`FileSpec`
        objects, or dicts with ``name``, ``s3``, ``http``, ``size``, ``md5``.
        Where both are given, S3 is tried first and HTTP takes over on failure.
    dest_dir
        The folder; names may contain subfolders but never leave it.
    job_id
        Default: a new ID (date and random suffix).
    state_dir
        Where the job's JSON state file goes (default: the settings' ``state_dir``).
    parallel
        Files (and connections) at a time.
    chunk_size
        Bytes per ranged request.
    on_event
        Called with every :class:`TransferEvent` (from a background thread).

    Returns
    -------
    TransferResult
        ``status`` is ``done`` only if every file was downloaded and verified;
        failed files carry their error and the others are kept.

    Raises
    ------
    UnsafeDestination, DiskFull, TransferError
        Before anything is downloaded.

    Examples
    --------
    >>> mast = mw.get_settings().mast_url  # https://mast.stsci.edu (here: the sandbox)
    >>> url = f"{mast}/api/v0.1/Download/file?uri=mast:HST/product/icdm01010_drz.fits"
    >>> result = download([url], "data")
    >>> print(result.status, result.files[0].name)
    done icdm01010_drz.fits
    """
    job = start(
        sources,
        dest_dir,
        job_id=job_id,
        state_dir=state_dir,
        parallel=parallel,
        chunk_size=chunk_size,
        on_event=on_event,
        **options,
    )
    return _wait(job)


def _wait(job: TransferJob) -> TransferResult:
    try:
        return job.wait()
    except KeyboardInterrupt:
        job.pause()
        job.wait()
        raise


def is_running(state_file: str | os.PathLike) -> bool:
    """Whether some process holds the job's lock (is running it) right now."""
    return JobLock.held(state_file)


def load(job_id: str, state_dir: str | os.PathLike | None = None) -> JobState:
    """A job's stored state."""
    folder = Path(state_dir).expanduser() if state_dir else get_settings().state_dir
    path = state_path(folder, job_id)
    if not path.exists():
        raise JobNotFound(f"No job {job_id!r} in {folder}.")
    return load_state(path)


def resume_start(
    job_id: str,
    *,
    state_dir: str | os.PathLike | None = None,
    on_event: Subscriber | None = None,
    http_headers: dict | None = None,
    **options,
) -> TransferJob:
    """Continue a job from its state file, in background threads; returns its handle."""
    folder = Path(state_dir).expanduser() if state_dir else get_settings().state_dir
    state = load(job_id, folder)
    config = _config(
        options.pop("parallel", state.parallel),
        options.pop("chunk_size", state.chunk_size),
        **options,
    )
    job = TransferJob(state, state_path(folder, job_id), config, http_headers)
    if on_event is not None:
        job.subscribe(on_event)
    return job.start()


def resume(
    job_id: str,
    *,
    state_dir: str | os.PathLike | None = None,
    on_event: Subscriber | None = None,
    **options,
) -> TransferResult:
    """Continue an interrupted, paused, failed or cancelled job; blocks until it ends.

    Bytes already on disk (as the state file records them) are kept; each file
    continues from its first missing byte; files already verified are not
    downloaded again.

    Raises
    ------
    JobNotFound, JobRunning, DiskFull
    """
    return _wait(resume_start(job_id, state_dir=state_dir, on_event=on_event, **options))
