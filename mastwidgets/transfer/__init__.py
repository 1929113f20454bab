"""Moving bytes from S3 objects and HTTP URLs to local files, resumably.

Knows nothing of MAST, widgets or catalogs. One job = one JSON state file,
``NAME.part`` files renamed only after verification, S3 preferred with HTTP
fallback per file, ranged chunks, parallel files, retries with backoff, and
progress events for subscribers.

Examples
--------
>>> from mastwidgets import transfer
>>> result = transfer.download(                                 # doctest: +SKIP
...     [{"name": "x.fits", "s3": "s3://stpubdata/hst/public/x.fits",
...       "http": "https://mast.stsci.edu/api/v0.1/Download/file?uri=mast:HST/product/x.fits"}],
...     "data")
>>> job = transfer.start(["https://example.org/big.fits"], "data")  # doctest: +SKIP
>>> job.snapshot().bytes_done; job.pause(); transfer.resume(job.id)  # doctest: +SKIP
"""

from ._api import (
    FileSpec,
    download,
    is_running,
    load,
    resume,
    resume_start,
    safe_name,
    safe_target,
    start,
)
from ._engine import FileResult, TransferConfig, TransferJob, TransferResult
from ._events import FileSnapshot, JobSnapshot, TransferEvent
from ._ranges import ByteRanges
from ._retry import RetryPolicy

__all__ = [
    "ByteRanges",
    "FileResult",
    "FileSnapshot",
    "FileSpec",
    "JobSnapshot",
    "RetryPolicy",
    "TransferConfig",
    "TransferEvent",
    "TransferJob",
    "TransferResult",
    "download",
    "is_running",
    "load",
    "resume",
    "resume_start",
    "safe_name",
    "safe_target",
    "start",
]
