"""Moving bytes from S3 objects and HTTP URLs to local files, resumably.

Knows nothing of MAST, widgets or catalogs. One job = one JSON state file,
``NAME.part`` files renamed only after verification, S3 preferred with HTTP
fallback per file, ranged chunks, parallel files, retries with backoff, and
progress events for subscribers.

Examples
--------
>>> from mastwidgets import get_settings, transfer
>>> mast = get_settings()  # MAST's addresses (here: the sandbox's)
>>> drz = {
...     "name": "HST/icdm01010/icdm01010_drz.fits",
...     "s3": "s3://stpubdata/hst/public/icdm/icdm01010/icdm01010_drz.fits",
...     "http": f"{mast.mast_url}/api/v0.1/Download/file?uri=mast:HST/product/icdm01010_drz.fits",
... }
>>> result = transfer.download([drz], "data", s3_endpoint=mast.s3_endpoint)
>>> print(result.status, result.files[0].source)
done s3
>>> job = transfer.start([{**drz, "name": "again.fits"}], "data", s3_endpoint=mast.s3_endpoint)
>>> job.pause()
>>> job.wait().status in ("paused", "done")    # paused, unless it was quicker
True
>>> print(transfer.resume(job.id, s3_endpoint=mast.s3_endpoint).status)
done
"""

from ._api import (
    FileSpec,
    download,
    file_state,
    file_states,
    is_running,
    load,
    new_job_id,
    resume,
    resume_start,
    safe_name,
    safe_target,
    start,
)
from ._engine import FileResult, TransferConfig, TransferJob, TransferResult
from ._events import (
    FileSnapshot,
    FileStatusChanged,
    JobSnapshot,
    JobStatusChanged,
    Progress,
    Subscriber,
    TransferEvent,
    TransferSubscriber,
    eta,
)
from ._handle import JobHandle
from ._journal import StateFollower, StateWriter, load_state, save_state
from ._loop import io_loop
from ._ranges import ByteRanges
from ._remote_file import HeldBytes, NeedBytes, RemoteFile
from ._retry import RetryPolicy
from ._source import (
    Fetch,
    Got,
    SourceError,
    SourceUnavailable,
    Stopped,
    TransientError,
)
from ._sources import open_sources
from ._state import FINISHED, FileState, JobLock, JobState, Status, state_path
from ._stop_requests import clear_stop_request, request_stop, requested_stop

__all__ = [
    "FINISHED",
    "ByteRanges",
    "Fetch",
    "FileResult",
    "FileSnapshot",
    "FileSpec",
    "FileState",
    "FileStatusChanged",
    "Got",
    "HeldBytes",
    "JobHandle",
    "JobLock",
    "JobSnapshot",
    "JobState",
    "JobStatusChanged",
    "NeedBytes",
    "Progress",
    "RemoteFile",
    "RetryPolicy",
    "SourceError",
    "SourceUnavailable",
    "StateFollower",
    "StateWriter",
    "Status",
    "Stopped",
    "Subscriber",
    "TransferConfig",
    "TransferEvent",
    "TransferJob",
    "TransferResult",
    "TransferSubscriber",
    "TransientError",
    "clear_stop_request",
    "download",
    "eta",
    "file_state",
    "file_states",
    "io_loop",
    "is_running",
    "load",
    "load_state",
    "new_job_id",
    "open_sources",
    "request_stop",
    "requested_stop",
    "resume",
    "resume_start",
    "safe_name",
    "safe_target",
    "save_state",
    "start",
    "state_path",
]
