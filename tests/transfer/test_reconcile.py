"""The start-up decision for each file (keep / check / fetch, and from which bytes),
as a pure function of the state and what is on disk: no network, no files."""

import pytest

from mastwidgets.transfer import ByteRanges, FileState, Status
from mastwidgets.transfer._reconcile import Action, decide


def state(status=Status.QUEUED, size=100, ranges=(), durable=(), ranged=True):
    return FileState(
        "a.fits",
        size=size,
        status=status,
        ranges=ByteRanges(ranges),
        durable=ByteRanges(durable),
        ranged=ranged,
    )


def test_a_done_file_on_disk_as_recorded_is_kept():
    decision = decide(state(Status.DONE), target_size=100, part_size=None, same_boot=True)
    assert decision.action == Action.KEEP


@pytest.mark.parametrize("target_size", [None, 99])
def test_a_done_file_gone_or_changed_is_fetched_from_byte_0(target_size):
    s = state(Status.DONE, ranges=[(0, 100)], durable=[(0, 100)])
    decision = decide(s, target_size=target_size, part_size=None, same_boot=True)
    assert decision.action == Action.FETCH  # a changed file is not this job's any more
    assert decision.ranges.intervals == []


def test_bytes_the_state_claims_beyond_the_part_file_are_dropped():
    s = state(ranges=[(0, 60), (80, 100)])
    decision = decide(s, target_size=None, part_size=70, same_boot=True)
    assert decision.action == Action.FETCH and decision.ranges.intervals == [(0, 60)]


def test_after_a_reboot_only_flushed_bytes_count():
    s = state(ranges=[(0, 90)], durable=[(0, 40)])
    decision = decide(s, target_size=None, part_size=90, same_boot=False)
    assert decision.ranges.intervals == [(0, 40)]


@pytest.mark.parametrize(("size", "ranged"), [(None, True), (100, False)])
def test_a_file_fetched_whole_or_of_unknown_size_starts_again(size, ranged):
    s = state(size=size, ranges=[(0, 50)], ranged=ranged)
    assert decide(s, target_size=None, part_size=50, same_boot=True).ranges.intervals == []


def test_a_finished_file_without_a_part_file_is_checked_before_fetching():
    """A crash between the rename and the state's write: every byte was this job's."""
    written = state(ranges=[(0, 100)], durable=[(0, 100)])
    decision = decide(written, target_size=100, part_size=None, same_boot=True)
    assert decision.action == Action.CHECK
    with_part = decide(written, target_size=100, part_size=10, same_boot=True)
    assert with_part.action == Action.FETCH


def test_a_same_size_file_from_elsewhere_is_trusted_only_by_its_md5():
    """A file of the right size this job did not write may be corrupt (astroquery #3231):
    checked against a known MD5, else fetched again from byte 0."""
    unknown = decide(state(), target_size=100, part_size=None, same_boot=True)
    assert unknown.action == Action.FETCH and unknown.ranges.intervals == []
    known = state()
    known.md5 = "0" * 32
    assert decide(known, target_size=100, part_size=None, same_boot=True).action == Action.CHECK
