"""The sandbox's S3 bucket, read the way MAST's users read stpubdata: unsigned boto3."""

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def s3(mast_sandbox):
    return boto3.client(
        "s3",
        endpoint_url=mast_sandbox.s3_endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )


def in_bucket(sb):
    return [p for p in sb.catalogue.products if p.in_s3]


def test_cloud_products_are_in_the_bucket_byte_for_byte(mast_sandbox, s3):
    for product in in_bucket(mast_sandbox)[:5]:
        body = s3.get_object(Bucket="stpubdata", Key=product.s3_key)["Body"].read()
        assert body == mast_sandbox.path_of(product.uri).read_bytes()


def test_ranged_get_and_head(mast_sandbox, s3):
    product = in_bucket(mast_sandbox)[0]
    data = mast_sandbox.path_of(product.uri).read_bytes()
    head = s3.head_object(Bucket="stpubdata", Key=product.s3_key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"')
    part = s3.get_object(Bucket="stpubdata", Key=product.s3_key, Range="bytes=100-199")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["Body"].read() == data[100:200]


def test_some_products_are_deliberately_missing(mast_sandbox, s3):
    missing = [p for p in mast_sandbox.catalogue.products if p.cloud_path and not p.in_s3]
    assert any(p.obs_id == "j8ny01010" for p in missing), "a whole observation is HTTP-only"
    assert any(p.filename.endswith("_asn.json") for p in missing)
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket="stpubdata", Key=missing[0].s3_key)
    assert error.value.response["Error"]["Code"] == "404"


def test_the_bucket_holds_exactly_the_cloud_products(mast_sandbox, s3):
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="stpubdata"):
        keys |= {item["Key"] for item in page.get("Contents", [])}
    # Files other tests add to the session's sandbox (Sandbox.add_file) live apart.
    curated = {key for key in keys if not key.startswith("sandbox/extra/")}
    assert curated == {p.s3_key for p in in_bucket(mast_sandbox)}
