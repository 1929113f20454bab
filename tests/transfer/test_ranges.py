from mastwidgets.transfer import ByteRanges


def test_adding_merges_touching_and_overlapping_spans():
    r = ByteRanges()
    for span in [(10, 20), (30, 40), (20, 25), (35, 50), (0, 5)]:
        r.add(*span)
    assert r.intervals == [(0, 5), (10, 25), (30, 50)]
    assert r.total == 40 and r.end == 50


def test_missing_and_covers():
    r = ByteRanges([(0, 10), (20, 30)])
    assert r.missing(40) == [(10, 20), (30, 40)]
    assert not r.covers(30)
    r.add(10, 20)
    assert r.covers(30) and r.missing(30) == []
    assert ByteRanges().covers(0)


def test_clip_forgets_bytes_past_a_limit():
    r = ByteRanges([(0, 10), (20, 30)])
    r.clip(25)
    assert r.intervals == [(0, 10), (20, 25)]
    r.clip(5)
    assert r.intervals == [(0, 5)]
    assert ByteRanges(r.to_json()) == r
