"""Byte-identical downloads from the sandbox's HTTP and S3 servers, faults included."""

import json

import pytest

from mastwidgets import transfer
from mastwidgets.sandbox import Faults
from mastwidgets.transfer._sources import S3Source

from .conftest import CHUNK, assert_identical, fast


def named(blobs, *names):
    return {n: blobs[n] for n in names}


def test_http_only(sb, blobs, dirs):
    want = named(blobs, "medium.fits", "large.fits", "second.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)
    assert {f.source for f in result.files} == {"http"}


def test_s3_only_checks_the_etag_md5(sb, blobs, dirs):
    want = named(blobs, "medium.fits", "large.fits")
    result = transfer.download([b.spec(http=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)
    assert {f.source for f in result.files} == {"s3"}
    assert [f.md5 for f in result.files] == [b.md5 for b in want.values()]


def test_s3_small_objects_cost_one_request_each_and_big_ones_no_head(sb, blobs, dirs):
    """No HEAD per object: a GET's answer says the size and the ETag (the MD5 checked),
    so a file of one chunk costs one request, sizes known or not; a bigger one its
    chunks. The S3 endpoint's log counts them."""
    want = named(blobs, "medium.fits", "large.fits")
    for size_known in (True, False):
        mark = sb.s3.served
        specs = [{**b.spec(http=False), "size": len(b.data) if size_known else None}
                 for b in want.values()]  # fmt: skip
        result = transfer.download(specs, **{k: v / str(size_known) for k, v in dirs.items()},
                                   **fast())  # fmt: skip
        assert_identical(result, want)
        asked = sb.s3.requests_since(mark)
        assert {method for method, *_ in asked} == {"GET"}, asked
        chunks = sum(-(-len(b.data) // CHUNK) for b in want.values())
        assert len(asked) == chunks
        assert [f.md5 for f in result.files] == [b.md5 for b in want.values()]


def test_mixed_and_missing_s3_key_falls_back_to_http(sb, blobs, dirs):
    want = named(blobs, "medium.fits", "http_only.fits", "second.fits")
    specs = [
        want["medium.fits"].spec(),
        want["second.fits"].spec(s3=False),
        {**want["http_only.fits"].spec(), "s3": "s3://stpubdata/sandbox/extra/http_only.fits"},
    ]
    result = transfer.download(specs, **dirs, **fast())
    assert_identical(result, want)
    sources = {f.name: f.source for f in result.files}
    assert sources == {"medium.fits": "s3", "second.fits": "http", "http_only.fits": "http"}
    state = json.loads(result.state_file.read_text())
    fallback = next(f for f in state["files"] if f["name"] == "http_only.fits")
    assert fallback["source"] == "http"
    assert "NoSuchKey" in fallback["s3_failed"] or "404" in fallback["s3_failed"]


@pytest.mark.parametrize("name", ["empty.fits", "one.fits", "three_chunks.fits"])
@pytest.mark.parametrize("via", ["http", "s3"])
def test_awkward_sizes(sb, blobs, dirs, name, via):
    blob = blobs[name]
    result = transfer.download([blob.spec(s3=via == "s3", http=via == "http")], **dirs, **fast())
    assert_identical(result, {name: blob})


def test_plain_url_strings_and_unknown_sizes(sb, blobs, dirs):
    result = transfer.download([blobs["second.fits"].http, blobs["one.fits"].s3], **dirs, **fast())
    assert_identical(result, named(blobs, "second.fits", "one.fits"))


def downloads_of(sb, mark, blobs_by_name):
    """(method, file) of the sandbox's download requests for these files since ``mark``."""
    quoted = {b.http.split("uri=", 1)[1]: name for name, b in blobs_by_name.items()}
    return [
        (method, quoted[path.split("uri=", 1)[1]])
        for method, path, _ in sb.requests_since(mark)
        if "uri=" in path and path.split("uri=", 1)[1] in quoted
    ]


@pytest.mark.parametrize("ignore_range", [False, True], ids=["ranged", "range-ignored"])
def test_unknown_sizes_come_from_the_first_get_not_a_head(sb, blobs, dirs, ignore_range):
    """A URL without a size costs no HEAD: the first GET's Content-Range (or a
    server's whole 200 answer) says how big the file is. A small file is one request;
    a bigger one is its first chunk and then the rest."""
    want = named(blobs, "empty.fits", "one.fits", "three_chunks.fits", "large.fits")
    sb.set_faults(Faults(ignore_range=ignore_range))
    mark = sb.served
    result = transfer.download(
        [b.spec(s3=False, size=False) for b in want.values()], **dirs, **fast()
    )
    assert_identical(result, want)
    assert [f.size for f in result.files] == [len(b.data) for b in want.values()]
    requests = downloads_of(sb, mark, want)
    assert not [r for r in requests if r[0] != "GET"], requests
    gets = {name: sum(1 for _, n in requests if n == name) for name in want}
    if ignore_range:  # each file arrives whole in its first answer
        assert gets == dict.fromkeys(want, 1)
    else:
        assert gets == {"empty.fits": 1, "one.fits": 1, "three_chunks.fits": 3, "large.fits": 49}


def test_server_ignoring_range_is_detected_and_the_file_fetched_whole(sb, blobs, dirs):
    sb.set_faults(Faults(ignore_range=True))
    want = named(blobs, "large.fits", "medium.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)
    state = json.loads(result.state_file.read_text())
    assert {f["ranged"] for f in state["files"]} == {False}


def test_throttled_server(sb, blobs, dirs):
    sb.set_faults(Faults(throttle=4_000_000))
    want = named(blobs, "medium.fits", "second.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)


def test_connections_dropped_mid_chunk_continue_from_the_last_byte(sb, blobs, dirs):
    sb.set_faults(Faults(drop_after=20_000))
    want = named(blobs, "medium.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)
    # every response gave 20 kB: the file came in ~50 pieces, nothing fetched twice
    assert result.bytes_transferred == len(want["medium.fits"].data)


def test_503_bursts_with_retry_after(sb, blobs, dirs):
    # 5 refusals in a row: within the 6 attempts of one request even if they all land on
    # the same file (6 could, when the other file's one request comes first: a flake).
    sb.set_faults(Faults(fail_requests=set(range(2, 7)), fail_status=503, retry_after=0))
    want = named(blobs, "medium.fits", "second.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)


def test_content_length_claiming_more_than_sent(sb, blobs, dirs):
    sb.set_faults(Faults(content_length_delta=+700))
    want = named(blobs, "medium.fits", "three_chunks.fits")
    specs = [b.spec(s3=False, size=False) for b in want.values()]  # trust no one but Content-Range
    result = transfer.download(specs, **dirs, **fast())
    assert_identical(result, want)


def test_content_length_claiming_less_never_gives_a_corrupt_file(sb, blobs, dirs):
    sb.set_faults(Faults(content_length_delta=-700))
    blob = blobs["second.fits"]
    result = transfer.download([blob.spec(s3=False)], **dirs, **fast())
    (failed,) = result.failed
    assert result.status == "failed" and "ended after" in failed.error
    assert not failed.path.exists(), "an unverified file must never appear under its name"


def test_persistent_server_errors_fail_one_file_and_the_others_go_on(sb, blobs, dirs):
    broken = {"name": "broken.fits", "http": sb.download_url("mast:SANDBOX/product/none.fits")}
    good = blobs["second.fits"]
    result = transfer.download([broken, good.spec(s3=False)], **dirs, **fast())
    assert result.status == "failed"
    outcome = {f.name: f for f in result.files}
    assert outcome["second.fits"].status == "done"
    assert outcome["broken.fits"].status == "failed" and "404" in outcome["broken.fits"].error


def test_wrong_md5_is_downloaded_again_once_then_fails(sb, blobs, dirs):
    blob = blobs["medium.fits"]
    spec = {**blob.spec(s3=False), "md5": "0" * 32}
    result = transfer.download([spec], **dirs, **fast())
    (failed,) = result.failed
    assert "checksum" in failed.error
    assert result.bytes_transferred == 2 * len(blob.data)
    assert not failed.path.exists()


def test_a_size_the_server_contradicts_fails_the_source(sb, blobs, dirs):
    blob = blobs["medium.fits"]
    result = transfer.download(
        [{**blob.spec(s3=False), "size": len(blob.data) + 5}], **dirs, **fast()
    )
    (failed,) = result.failed
    assert "expected" in failed.error and not failed.path.exists()


def test_redirected_downloads(sb, blobs, dirs):
    sb.set_faults(Faults(redirect=True))
    want = named(blobs, "medium.fits")
    result = transfer.download([b.spec(s3=False) for b in want.values()], **dirs, **fast())
    assert_identical(result, want)


def test_one_big_file_uses_every_connection(sb, blobs, dirs):
    sb.set_faults(Faults(throttle=3_000_000))
    before = sb.served
    result = transfer.download([blobs["large.fits"].spec(s3=False)], **dirs, **fast(parallel=3))
    assert_identical(result, named(blobs, "large.fits"))
    gets = [r for r in sb.requests_since(before) if r[0] == "GET"]
    assert len(gets) == -(-len(blobs["large.fits"].data) // (64 * 1024))  # each chunk once
    assert sb.downloads_peak == 3


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:9"], ids=["aws", "sandbox"])
def test_s3_urls_are_botocore_s_own(endpoint):
    """Objects are fetched at the URL botocore gives them (virtual-hosted on AWS, path
    style at an endpoint), keys quoted as botocore quotes them, ``?`` and ``#`` kept in
    the key (a URL parser would cut them off)."""
    source = S3Source(endpoint=endpoint, timeout=5, connections=2)
    for key in ("hst/public/u24r/u24r0102t/u24r0102t_c0f.fits", "a b/c+d~e%f.fits", "é/ü?#.fits"):
        theirs = source.client.generate_presigned_url(
            "get_object", Params={"Bucket": "stpubdata", "Key": key}
        )
        assert source.url(f"s3://stpubdata/{key}") == theirs


def test_s3_takes_more_requests_at_once_than_mast_s_site(sb, mast_sandbox, dirs, monkeypatch):
    """Per host: MAST's web server gets ``connections`` requests at once, S3 its own
    ``s3_connections`` (more); each answer waits 0.2 s, so the peaks show the caps."""
    payload = b"x" * 2000
    specs = []
    for i in range(48):
        http, s3 = mast_sandbox.add_file(f"per_host_{i:02d}.fits", payload)
        specs.append({"name": f"h{i:02d}.fits", "http": http, "size": len(payload)})
        specs.append({"name": f"s{i:02d}.fits", "s3": s3, "size": len(payload)})
    faults = Faults(first_byte_delay=0.2, scope="all")
    with mast_sandbox.faults(faults):
        mast_sandbox.s3.reset_peak()
        result = transfer.download(specs, **dirs, **fast(connections=4, s3_connections=24))
    assert result.ok, [f.error for f in result.failed][:3]
    assert mast_sandbox.downloads_peak <= 4
    assert 4 < mast_sandbox.s3.peak <= 24


def test_s3_slowdown_narrows_the_window_and_every_file_still_comes_from_s3(sb, blobs, dirs):
    """S3's SlowDown (503) on the first requests: the engine backs off (its host window
    halves) and retries; nothing falls back to HTTP, every byte is right."""
    want = named(blobs, "medium.fits", "large.fits", "second.fits")
    mark = sb.s3.served
    with sb.faults(Faults(fail_requests=range(1, 6), fail_status=503, scope="s3")):
        result = transfer.download([b.spec() for b in want.values()], **dirs, **fast())
    assert_identical(result, want)
    assert {f.source for f in result.files} == {"s3"}
    statuses = [status for _, _, status, _ in sb.s3.requests_since(mark)]
    assert statuses.count(503) == 5
