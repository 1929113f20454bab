"""Where products sit in MAST's S3 bucket, for thousands of products at once.

astroquery's ``get_cloud_uris`` asks MAST's ``path_lookup`` for 50 dataURIs per
request (more gives "414 Request-URI Too Large"), one request after another,
then sends S3 a HEAD per file: for a JWST observation of 20,000 files, 400
look-ups and 20,000 HEADs in a row before the first byte moves. Here the same
answer comes from the same services with fewer waits: the look-ups run a few at
a time, and a folder holding many of the wanted files is *listed* (1,000 keys
per request) instead of asking for each file; a few files in a folder are
still asked for one by one, concurrently. A bucket that refuses listings gets
the HEADs. The paths themselves come from astroquery's own
``mast_relative_path`` (with its corrections for GALEX, PS1 and HLSP paths).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
from astroquery.mast import utils as mast_utils
from botocore.client import Config

from ..settings import Settings
from ._client import CLOUD_MISSIONS, enable_cloud, session

#: dataURIs per ``path_lookup`` request: astroquery's own batch (MAST's URL limit):
#: 50, 40 from astroquery 0.4.12 (its ``get_cloud_paths``).
LOOKUP_BATCH = 40 if hasattr(mast_utils, "get_cloud_paths") else 50
#: ``path_lookup`` requests at once: a few, MAST asks clients not to hammer it.
LOOKUPS_AT_ONCE = 4
#: S3 requests at once (HEADs, listings).
S3_AT_ONCE = 16
#: Wanted files in one folder from which listing the folder beats a HEAD per file.
LIST_FROM = 8


def cloud_uris(uris: Iterable[str], settings: Settings) -> dict[str, str | None]:
    """``{dataURI: "s3://bucket/key" or None}`` for the products of missions MAST
    keeps in its bucket; the others are left out (as astroquery does).

    Raises
    ------
    MastUnavailable
        MAST's path look-up or the bucket did not answer.
    """
    wanted = list(dict.fromkeys(u for u in uris if u.lower().startswith(CLOUD_MISSIONS)))
    if not wanted:
        return {}
    with session(settings) as obs:
        enable_cloud(settings)
        cloud = obs._cloud_connection
        bucket = cloud.pubdata_bucket
        batches = [wanted[i : i + LOOKUP_BATCH] for i in range(0, len(wanted), LOOKUP_BATCH)]
        with ThreadPoolExecutor(LOOKUPS_AT_ONCE, thread_name_prefix="mastwidgets-lookup") as pool:
            found = pool.map(lambda batch: _cloud_paths(batch, verbose=False), batches)
            paths = dict(zip(wanted, (p for batch in found for p in batch), strict=True))
        config = cloud.config.merge(Config(max_pool_connections=S3_AT_ONCE))
        # The first request without retries: a bucket that cannot be reached sends the
        # files over HTTP at once (botocore's retries slept 5.5 s per list of products).
        probe = cloud.boto3.client(
            "s3", config=config.merge(Config(retries={"total_max_attempts": 1}))
        )
        client = cloud.boto3.client("s3", config=config)
        present = _present(client, bucket, paths.values(), probe=probe)
    return {
        uri: f"s3://{bucket}/{path}" if path in present else None for uri, path in paths.items()
    }


def _cloud_paths(uris: list[str], *, verbose: bool) -> list[str | None]:
    """astroquery's look-up of bucket keys: ``get_cloud_paths`` (0.4.12, MAST answers the
    keys), else ``mast_relative_path`` (deprecated in 0.4.12)."""
    lookup = getattr(mast_utils, "get_cloud_paths", None) or mast_utils.mast_relative_path
    return lookup(uris, verbose=verbose)


def _present(client, bucket: str, keys: Iterable[str | None], *, probe=None) -> set[str]:
    """The keys that exist in the bucket: folders with many of them listed, the
    rest asked for one by one."""
    folders: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if key:
            folders[posixpath.dirname(key)].append(key)
    listed = [folder for folder, keys in folders.items() if len(keys) >= LIST_FROM]
    single = [key for keys in folders.values() if len(keys) < LIST_FROM for key in keys]
    present: set[str] = set()
    # One request first: a bucket that cannot be reached fails it at once, instead of
    # every look-up of the pool retrying against it (2,000 files: 17 s on loopback).
    probe = probe or client
    first = [_listing(probe, bucket, listed[0])] if listed else []
    if not listed and single:
        if _exists(probe, bucket, single[0]):
            present.add(single[0])
        single = single[1:]
    with ThreadPoolExecutor(S3_AT_ONCE, thread_name_prefix="mastwidgets-s3-lookup") as pool:
        listings = [*first, *pool.map(lambda folder: _listing(client, bucket, folder), listed[1:])]
        for folder, answer in zip(listed, listings, strict=True):
            if answer is None:  # listing refused: ask for each file
                single += folders[folder]
            else:
                present.update(key for key in folders[folder] if key in answer)
        exists = pool.map(lambda key: _exists(client, bucket, key), single)
        present.update(key for key, here in zip(single, exists, strict=True) if here)
    return present


def _listing(client, bucket: str, folder: str) -> set[str] | None:
    """Every key directly in ``folder``; None if the bucket refuses to list it."""
    keys: set[str] = set()
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{folder}/" if folder else "", Delimiter="/"
        )
        for page in pages:
            keys.update(item["Key"] for item in page.get("Contents", ()))
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("AccessDenied", "AllAccessDisabled"):
            return None
        raise
    return keys


def _exists(client, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
