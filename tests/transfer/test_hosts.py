"""A throttling host slows the whole job down, not one file: AIMD on 429/503."""

import time

from mastwidgets import transfer
from mastwidgets.sandbox import Faults
from mastwidgets.transfer._hosts import HostWindow

from .conftest import FAST_RETRY


def test_a_429_halves_the_window_and_answers_widen_it_again():
    window = HostWindow(16)
    assert window.try_enter()
    window.leave(429)
    assert window.window == 8
    for _ in range(3):
        assert window.try_enter()
        window.leave(503)
    assert window.window == 1  # 8 -> 4 -> 2 -> 1, never below one
    assert window.try_enter() and not window.try_enter()  # one request at a time now
    window.leave(206)
    for _ in range(200):
        window.try_enter()
        window.leave(206)
    assert window.window == 16  # additive increase, up to the cap


def test_retry_after_closes_the_host_until_then():
    window = HostWindow(4)
    window.try_enter()
    now = time.monotonic()
    window.leave(429, retry_after=0.3)
    assert not window.try_enter(now + 0.29)  # closed until Retry-After has passed
    assert window.try_enter(now + 0.31)
    window.leave(429, retry_after=3600)  # at most MAX_PAUSE
    assert window.try_enter(time.monotonic() + 61)


def test_a_job_through_429s_with_retry_after_finishes_without_fetching_twice(sb, blobs, dirs):
    """429s with Retry-After in the middle of a job of a big file and many small ones:
    the job ends done, every file right, and no byte fetched twice (only the refused
    requests were repeated)."""
    small = {}
    for i in range(60):
        data = bytes([i]) * (1000 + i)
        http, _ = sb.add_file(f"hosts/h{i:02d}.fits", data, in_s3=False)
        small[f"h{i:02d}.fits"] = (http, data)
    specs = [blobs["large.fits"].spec(s3=False)] + [
        {"name": n, "http": h, "size": len(d)} for n, (h, d) in small.items()
    ]
    before = sb.served
    sb.set_faults(Faults(fail_requests=set(range(10, 40, 3)), fail_status=429, retry_after=0.2))
    result = transfer.download(specs, **dirs, chunk_size=64 * 1024, retry=FAST_RETRY)
    assert result.ok, [(f.name, f.error) for f in result.failed]
    for f in result.files:
        want = blobs["large.fits"].data if f.name == "large.fits" else small[f.name][1]
        assert f.path.read_bytes() == want, f.name
    total = len(blobs["large.fits"].data) + sum(len(d) for _, d in small.values())
    assert result.bytes_transferred == total
    refused = [r for r in sb.requests_since(before) if r[2] == 429]
    assert len(refused) == 10


def test_the_whole_host_waits_out_retry_after_in_a_many_file_job(sb, dirs):
    """A 429 with Retry-After: 1.5 s in a job of 200 small files on 16 connections:
    after each refusal the sandbox answers only requests sent before the engine read
    the 429, until the time has passed: not only the refused file waits, every
    connection to the host does; without the wait, 16 connections send a hundred or
    more in that time. The job still ends with every file right, each fetched once.
    Counted, not timed: on a busy machine the sandbox (in this process) answered
    requests sent before the 429 up to 0.94 s after it. Those are at most one a
    connection, the ones in flight when the I/O loop read the 429 (it closes the
    host's window before it sends anything more; with a thread per connection, a
    second one a connection could slip out before the refused one's thread read the
    429: 18 answers were seen once then)."""
    files = {}
    for i in range(200):
        data = bytes([i % 251]) * (2000 + i)
        http, _ = sb.add_file(f"hosts/w{i:03d}.fits", data, in_s3=False)
        files[f"w{i:03d}.fits"] = (http, data)
    specs = [{"name": n, "http": h, "size": len(d)} for n, (h, d) in files.items()]
    sb.set_faults(Faults(fail_requests={40, 120}, fail_status=429, retry_after=1.5))
    mark = sb.served
    result = transfer.download(specs, **dirs, retry=FAST_RETRY)
    assert result.ok, [(f.name, f.error) for f in result.failed]
    assert all(f.path.read_bytes() == files[f.name][1] for f in result.files)
    answers = [r for r in sb.requests_since(mark, times=True) if "hosts/w" in r[1]]
    refusals = [t for _, _, status, t in answers if status == 429]
    assert len(refusals) == 2
    for refused in refusals:
        during = [round(t - refused, 2) for *_, t in answers if refused < t < refused + 1.45]
        assert len(during) <= 16, f"{len(during)} answers after a 429 asking for 1.5 s: {during}"
    assert len(answers) == 200 + 2, "each file fetched once, the refused ones twice"
