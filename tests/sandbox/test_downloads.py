"""The sandbox's download service: HEAD, GET, Range, errors and every fault switch."""

import http.client
import time
from urllib.parse import urlsplit

import pytest
import requests

from mastwidgets.sandbox import Faults

I2D = "mast:JWST/product/jw02739-o001_t001_nircam_clear-f090w_i2d.fits"
EXCLUSIVE = "mast:JWST/product/jw06543-o001_t001_nirspec_g395h-f290lp_s3d.fits"


@pytest.fixture
def sb(mast_sandbox):
    mast_sandbox.set_faults(None)
    yield mast_sandbox
    mast_sandbox.set_faults(None)


def original(sb, uri=I2D) -> bytes:
    return sb.path_of(uri).read_bytes()


def raw_get(sb, uri=I2D, headers=None):
    """One GET on a fresh connection; returns (response, body or the exception)."""
    conn = http.client.HTTPConnection(urlsplit(sb.mast_url).netloc, timeout=30)
    conn.request("GET", f"/api/v0.1/Download/file?uri={uri}", headers=headers or {})
    response = conn.getresponse()
    try:
        body = response.read()
    except (TimeoutError, http.client.IncompleteRead, ConnectionError) as error:
        body = error
    conn.close()
    return response, body


def test_get_returns_the_file_byte_for_byte_with_its_headers(sb):
    response = requests.get(sb.download_url(I2D), timeout=30)
    assert response.status_code == 200
    assert response.content == original(sb)
    assert int(response.headers["Content-Length"]) == len(original(sb))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert (
        "jw02739-o001_t001_nircam_clear-f090w_i2d.fits" in response.headers["Content-Disposition"]
    )
    assert "Content-Encoding" not in response.headers


def test_head_answers_like_get_without_a_body(sb):
    head = requests.head(sb.download_url(I2D), timeout=30)
    get = requests.get(sb.download_url(I2D), timeout=30)
    assert head.status_code == get.status_code == 200
    for key in ("Content-Length", "Content-Type", "Accept-Ranges", "Last-Modified"):
        assert head.headers[key] == get.headers[key]
    assert head.content == b""


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=10-99", 10, 99), ("bytes=100-", 100, None), ("bytes=-100", -100, None)],
)
def test_range_requests_get_206_and_exactly_those_bytes(sb, header, first, last):
    data = original(sb)
    response = requests.get(sb.download_url(I2D), headers={"Range": header}, timeout=30)
    expected = data[first:] if last is None else data[first : last + 1]
    assert response.status_code == 206
    assert response.content == expected
    start = first if first >= 0 else len(data) + first
    assert (
        response.headers["Content-Range"]
        == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"
    )


def test_a_range_past_the_end_gets_416(sb):
    size = len(original(sb))
    response = requests.get(sb.download_url(I2D), headers={"Range": f"bytes={size}-"}, timeout=30)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_unknown_products_are_404(sb):
    assert (
        requests.get(sb.download_url("mast:HST/product/nope.fits"), timeout=30).status_code == 404
    )
    assert (
        requests.head(sb.download_url("mast:HST/product/nope.fits"), timeout=30).status_code == 404
    )


def test_exclusive_access_data_need_the_token(sb):
    assert requests.get(sb.download_url(EXCLUSIVE), timeout=30).status_code == 401
    as_cookie = requests.get(
        sb.download_url(EXCLUSIVE), cookies={"mast_token": sb.token}, timeout=30
    )
    as_header = requests.get(
        sb.download_url(EXCLUSIVE), headers={"Authorization": f"token {sb.token}"}, timeout=30
    )
    assert as_cookie.status_code == as_header.status_code == 200
    assert as_cookie.content == original(sb, EXCLUSIVE)


def test_drop_after_closes_the_connection_mid_body(sb):
    sb.set_faults(Faults(drop_after=1000))
    response, body = raw_get(sb)
    assert response.status == 200
    assert isinstance(body, http.client.IncompleteRead)
    assert body.partial == original(sb)[:1000]


def test_fail_requests_fails_exactly_the_numbered_requests(sb):
    sb.set_faults(Faults(fail_requests={2, 3}, fail_status=503, retry_after=7))
    statuses = [requests.get(sb.download_url(I2D), timeout=30) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 503, 503, 200]
    assert statuses[1].headers["Retry-After"] == "7"
    assert statuses[3].content == original(sb)


def test_fail_status_500(sb):
    sb.set_faults(Faults(fail_requests={1}, fail_status=500))
    assert requests.get(sb.download_url(I2D), timeout=30).status_code == 500
    assert requests.get(sb.download_url(I2D), timeout=30).status_code == 200


def test_throttle_limits_bytes_per_second(sb):
    # 40 kB at 100 kB/s cannot arrive in less than 0.4 s (a lower bound: no flakiness).
    sb.set_faults(Faults(throttle=100_000))
    began = time.monotonic()
    response = requests.get(sb.download_url(I2D), headers={"Range": "bytes=0-39999"}, timeout=30)
    elapsed = time.monotonic() - began
    assert response.content == original(sb)[:40000]
    assert elapsed >= 0.35


def test_lifting_the_throttle_lets_a_crawling_body_finish(sb):
    """A test holds a download "running" with a crawl and ends it by lifting the faults."""
    sb.set_faults(Faults(throttle=16))  # a kB block, then a minute's pause, if nothing changed
    response = requests.get(
        sb.download_url(I2D), headers={"Range": "bytes=0-65535"}, stream=True, timeout=20
    )
    first = next(response.iter_content(1024))  # the body has begun
    sb.set_faults(None)
    rest = b"".join(response.iter_content(65536))  # no 20 s without a byte
    assert first + rest == original(sb)[:65536]


def test_ignore_range_sends_200_and_the_whole_file(sb):
    sb.set_faults(Faults(ignore_range=True))
    response = requests.get(sb.download_url(I2D), headers={"Range": "bytes=10-99"}, timeout=30)
    assert response.status_code == 200
    assert "Content-Range" not in response.headers
    assert response.content == original(sb)


def test_content_length_can_claim_more_than_is_sent(sb):
    sb.set_faults(Faults(content_length_delta=+500))
    response, body = raw_get(sb)
    assert int(response.getheader("Content-Length")) == len(original(sb)) + 500
    assert isinstance(body, http.client.IncompleteRead)
    assert body.partial == original(sb)


def test_content_length_can_claim_less_and_cut_the_body(sb):
    sb.set_faults(Faults(content_length_delta=-500))
    response, body = raw_get(sb)
    assert int(response.getheader("Content-Length")) == len(original(sb)) - 500
    assert body == original(sb)[:-500]


def test_first_byte_delay_holds_the_answer_back(sb):
    sb.set_faults(Faults(first_byte_delay=0.5))
    began = time.monotonic()
    assert requests.get(sb.download_url(I2D), timeout=30).status_code == 200
    assert time.monotonic() - began >= 0.45


def test_download_faults_leave_the_api_alone_and_api_faults_the_downloads(sb):
    invoke = f"{sb.mast_url}/whoami"
    sb.set_faults(Faults(fail_requests=range(1, 100)))
    assert requests.get(invoke, timeout=30).status_code == 200
    assert requests.get(sb.download_url(I2D), timeout=30).status_code == 503
    sb.set_faults(Faults(fail_requests=range(1, 100), scope="api"))
    assert requests.get(invoke, timeout=30).status_code == 503
    assert requests.get(sb.download_url(I2D), timeout=30).status_code == 200


def test_keep_alive_serves_several_requests_on_one_connection(sb):
    with requests.Session() as session:
        bodies = [session.get(sb.download_url(I2D), timeout=30).content for _ in range(3)]
    assert bodies == [original(sb)] * 3
    assert sum(1 for r in sb.requests if "i2d.fits" in r[1]) >= 3


def test_redirect_sends_downloads_elsewhere_for_head_and_get(sb):
    sb.set_faults(Faults(redirect=True))
    head = requests.head(sb.download_url(I2D), timeout=30, allow_redirects=False)
    assert head.status_code == 302 and "/sandbox/redirected/file?uri=" in head.headers["Location"]
    followed = requests.get(sb.download_url(I2D), headers={"Range": "bytes=0-9"}, timeout=30)
    assert followed.history and followed.history[0].status_code == 302
    assert followed.status_code == 206 and followed.content == original(sb)[:10]


def test_faults_lifted_before_the_crawl_waits_are_not_lost(sb):
    """The crawl reads the faults, sends a block, then waits: a change in between (the
    client got the block and lifted the faults at once) must still end the wait (it was
    lost, and the body stalled for a minute, when the machine was busy)."""
    switch = sb._switch
    sb.set_faults(Faults(throttle=16))
    _, generation = switch.current()
    sb.set_faults(None)  # lifted before the server's wait
    assert switch.wait(60, since=generation) is True  # at once: the change is seen
