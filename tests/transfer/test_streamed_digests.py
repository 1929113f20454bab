"""A small file's digests come from its bytes as they were written (read once, not
twice); bytes out of order fall back to reading the finished file."""

import hashlib

import pytest

from mastwidgets import _checksums, transfer
from mastwidgets.transfer import _verify

from .conftest import assert_identical, fast


def named(blobs, *names):
    return {n: blobs[n] for n in names}


def test_streaming_digests_in_order_out_of_order_and_again_from_zero():
    data = bytes(range(256)) * 100
    whole = _checksums.Digests(hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest())
    stream = _checksums.StreamingDigests()
    stream.add(0, data[:1000])
    stream.add(1000, data[1000:])
    assert stream.digests(len(data)) == whole
    assert stream.digests(len(data) + 1) is None  # not every byte came
    stream.add(0, data)  # fetched anew from byte 0: counted anew
    assert stream.digests(len(data)) == whole
    stream.add(len(data) + 10, b"x")  # a hole: the file must be read
    assert stream.digests(len(data)) is None


@pytest.fixture
def no_reading(monkeypatch):
    """Fail any verification that reads the finished file back."""
    calls = []

    def reading(path):
        calls.append(path)
        return _checksums.file_digests(path)

    monkeypatch.setattr(_verify, "file_digests", reading)
    return calls


def test_a_small_s3_object_is_verified_without_reading_it_back(sb, blobs, dirs, no_reading):
    want = named(blobs, "medium.fits", "second.fits")
    specs = [{**b.spec(http=False), "size": None} for b in want.values()]
    result = transfer.download(specs, **dirs, **fast(chunk_size=2**20))
    assert_identical(result, want)
    assert no_reading == [], "the digests came from the bytes as they arrived"
    state = transfer.load(result.job_id, dirs["state_dir"])
    assert {f.name: f.sha256 for f in state.files} == {
        n: hashlib.sha256(b.data).hexdigest() for n, b in want.items()
    }


def test_an_http_file_keeps_the_digests_of_its_bytes_for_the_catalog(sb, blobs, dirs, no_reading):
    """No MD5 to check it against, but the digests of what arrived are kept: the
    catalog's record does not read the file for them."""
    blob = blobs["http_only.fits"]
    result = transfer.download([blob.spec(s3=False)], **dirs, **fast(chunk_size=2**20))
    assert_identical(result, {blob.name: blob})
    (state,) = transfer.load(result.job_id, dirs["state_dir"]).files
    assert state.verified_digests() == (blob.md5, hashlib.sha256(blob.data).hexdigest())
    assert no_reading == []


def test_a_big_file_in_chunks_and_a_wrong_md5_are_still_checked(sb, blobs, dirs, no_reading):
    big = named(blobs, "large.fits")  # 49 chunks of 64 kB from several connections
    result = transfer.download([b.spec(http=False) for b in big.values()], **dirs, **fast())
    assert_identical(result, big)
    wrong = {**blobs["second.fits"].spec(s3=False), "md5": "0" * 32}
    elsewhere = {k: v / "wrong" for k, v in dirs.items()}
    failed = transfer.download([wrong], **elsewhere, **fast(chunk_size=2**20))
    assert failed.failed and "checksum" in failed.failed[0].error
