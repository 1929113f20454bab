"""The engine asks a source and never names one: a source plugs in by the registry
(``_sources.SOURCES``) and its two flags, without touching the engine.

These sources are not stand-ins for MAST or S3 (the sandbox serves those, in
test_download.py and the others): they are sources of another kind, the way the
next one (a read in place, a mirror) would plug in.
"""

import hashlib
import random

import pytest

from mastwidgets import transfer
from mastwidgets.transfer import _sources
from mastwidgets.transfer._source import Got, RangeIgnored, Source

from .conftest import fast

DATA = random.Random(7).randbytes(300_001)
URL = "http://127.0.0.1:9/never/asked.fits"  # a port nobody listens on: no byte goes there


class MemorySource:
    """Files held in memory, by location; may ignore Range like some web servers. It
    answers at once, on the thread that asks (the I/O loop's sources answer on the
    loop's thread): the engine takes either."""

    name = "http"

    def __init__(self, *, streams_whole=True, ignores_range=False, etag=None):
        self.streams_whole = streams_whole
        self.etag_is_md5, self.etag = etag is not None, etag
        self.ignores_range = ignores_range
        self.asked: list[str] = []

    def send(self, fetch, done):
        kind = "first" if fetch.first else "whole" if fetch.end is None else "fetch"
        self.asked.append(kind)
        if self.ignores_range and kind != "whole":
            done(RangeIgnored("this source sends whole files only"))
        else:
            data = DATA[fetch.start : fetch.end]
            fetch.sink(fetch.start, memoryview(data))
            done(Got(len(data), len(DATA), kind != "whole", self.etag))
        return lambda: None  # nothing to cancel: it is over

    def close(self):
        self.asked.append("close")


@pytest.fixture
def plug(monkeypatch):
    """Put a MemorySource in the registry's place of the HTTP source."""

    def plugged(**flags):
        source = MemorySource(**flags)
        monkeypatch.setitem(_sources.SOURCES, "http", lambda **_: source)
        return source

    return plugged


def test_both_real_sources_answer_the_protocol():
    for cls in (_sources.HttpSource, _sources.S3Source):
        for member in ("name", "streams_whole", "etag_is_md5"):
            assert hasattr(cls, member), (cls, member)
        for member in ("send", "close"):
            assert callable(getattr(cls, member)), (cls, member)
    assert set(Source.__annotations__) == {"name", "streams_whole", "etag_is_md5"}


@pytest.mark.parametrize("size_known", [True, False])
def test_a_plugged_source_delivers_the_file_with_the_steps_its_flags_ask_for(
    plug, tmp_path, size_known
):
    source = plug()
    spec = {"name": "a.fits", "http": URL, "size": len(DATA) if size_known else None}
    result = transfer.download(
        [spec], tmp_path / "data", state_dir=tmp_path / "jobs", **fast(connections=2)
    )
    assert result.ok, result.files
    assert (tmp_path / "data" / "a.fits").read_bytes() == DATA
    assert ("first" in source.asked) != size_known  # the first GET tells the size
    assert source.asked[-1] == "close"


@pytest.mark.parametrize("size_known", [True, False])
def test_an_etag_that_is_an_md5_is_checked_without_a_probe(plug, tmp_path, size_known):
    """A source whose plain ETags are MD5s (S3) says it in its GET's answer: the file is
    checked against it, with no probe first; a wrong one fails the check."""
    right = hashlib.md5(DATA).hexdigest()
    source = plug(etag=right)
    spec = {"name": "e.fits", "http": URL, "size": len(DATA) if size_known else None}
    result = transfer.download(
        [spec], tmp_path / "data", state_dir=tmp_path / "jobs", **fast(connections=2)
    )
    assert result.ok and result.files[0].md5 == right
    source.etag = "0" * 32  # not this file's MD5: the check must catch it
    spec["name"] = "f.fits"
    result = transfer.download(
        [spec], tmp_path / "data", state_dir=tmp_path / "jobs2", **fast(connections=2)
    )
    assert not result.ok and "differs from its checksum" in result.failed[0].error


def test_a_source_that_ignores_range_streams_the_file_whole_if_it_may(plug, tmp_path):
    source = plug(ignores_range=True)
    spec = {"name": "c.fits", "http": URL, "size": len(DATA)}
    result = transfer.download([spec], tmp_path / "data", state_dir=tmp_path / "jobs", **fast())
    assert result.ok, result.files
    assert "whole" in source.asked
    assert (tmp_path / "data" / "c.fits").read_bytes() == DATA


def test_a_source_that_ignores_range_and_may_not_stream_whole_is_given_up(plug, tmp_path):
    plug(ignores_range=True, streams_whole=False)
    spec = {"name": "d.fits", "http": URL, "size": len(DATA)}
    result = transfer.download([spec], tmp_path / "data", state_dir=tmp_path / "jobs", **fast())
    assert not result.ok
    assert "whole files only" in result.files[0].error
    assert not (tmp_path / "data" / "d.fits").exists()
