"""What to do with each file when a job starts or resumes, decided before any byte
moves (like pooch's ``download_action``): keep it (done and on disk), look whether a
finished copy is here already, or fetch it, from the bytes the state may still claim.

After a crash nothing is trusted: a state's ranges are clipped to the part file's
length on disk, and after a reboot only the flushed (``durable``) ranges count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ._ranges import ByteRanges
from ._state import DONE, FileState


class Action(Enum):
    KEEP = "keep"  # done, and its file is on disk as the state says
    CHECK = "check"  # a finished file may be here (no part file): verify it, else fetch
    FETCH = "fetch"  # fetch it, keeping ``Decision.ranges``


@dataclass(frozen=True)
class Decision:
    action: Action
    #: The bytes of the part file a fetch keeps (empty: from byte 0).
    ranges: ByteRanges


def decide(
    state: FileState, *, target_size: int | None, part_size: int | None, same_boot: bool
) -> Decision:
    """What to do with a file at a job's start.

    Parameters
    ----------
    state
        The file as the job's state has it.
    target_size, part_size
        The lengths of ``NAME`` and ``NAME.part`` on disk (``None``: absent).
    same_boot
        Whether the state was written in this boot (else only flushed bytes count).

    Examples
    --------
    >>> s = FileState("a.fits", size=10, ranges=ByteRanges([(0, 8)]))
    >>> decide(s, target_size=None, part_size=6, same_boot=True).ranges.intervals
    [(0, 6)]
    """
    claimed = state.ranges
    if state.status == DONE:
        if target_size is not None and (state.size is None or target_size == state.size):
            return Decision(Action.KEEP, ByteRanges([(0, target_size)]))
        claimed = ByteRanges()  # done, but its file is gone or changed: nothing is kept
    kept = ByteRanges((claimed if same_boot else state.durable).intervals)
    kept.clip(part_size or 0)
    if not state.ranged or state.size is None:
        kept = ByteRanges()  # fetched whole, or size unknown: from byte 0
    if part_size is None and target_size is not None and state.size is not None:
        # A file of the right size is where this one goes. Trusted only if its MD5 can be
        # checked, or if this job wrote all of it (a crash between the rename and the
        # state's write): a same-size file from elsewhere may be corrupt (astroquery
        # #3231), and is replaced, never taken as done or resumed.
        counted = claimed if same_boot else state.durable  # as for the bytes kept above
        if state.md5 or counted.intervals == [(0, state.size)]:
            return Decision(Action.CHECK, kept)
    return Decision(Action.FETCH, kept)
