"""Which bytes of a file are on disk: a sorted set of half-open intervals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class ByteRanges:
    """Sorted, merged, non-overlapping ``[start, end)`` intervals.

    Examples
    --------
    >>> r = ByteRanges([(0, 10)])
    >>> r.add(10, 20); r.add(30, 40)
    >>> r.intervals, r.total, r.missing(50)
    ([(0, 20), (30, 40)], 30, [(20, 30), (40, 50)])
    """

    __slots__ = ("_spans",)

    def __init__(self, spans: Iterable[Iterable[int]] = ()):
        self._spans: list[tuple[int, int]] = []
        for start, end in spans:
            self.add(int(start), int(end))

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        merged = []
        placed = False
        for a, b in self._spans:
            if b < start:
                merged.append((a, b))
            elif end < a:
                if not placed:
                    merged.append((start, end))
                    placed = True
                merged.append((a, b))
            else:
                start, end = min(a, start), max(b, end)
        if not placed:
            merged.append((start, end))
        merged.sort()
        self._spans = merged

    def clip(self, limit: int) -> None:
        """Forget every byte at or beyond ``limit``."""
        self._spans = [(a, min(b, limit)) for a, b in self._spans if a < limit]

    @property
    def intervals(self) -> list[tuple[int, int]]:
        return list(self._spans)

    @property
    def total(self) -> int:
        return sum(b - a for a, b in self._spans)

    @property
    def end(self) -> int:
        """One past the last byte held (0 if none)."""
        return self._spans[-1][1] if self._spans else 0

    def covers(self, size: int) -> bool:
        return size == 0 or self._spans == [(0, size)]

    def missing(self, size: int) -> list[tuple[int, int]]:
        """The intervals of ``[0, size)`` not held."""
        gaps, cursor = [], 0
        for a, b in self._spans:
            if a > cursor:
                gaps.append((cursor, min(a, size)))
            cursor = max(cursor, b)
            if cursor >= size:
                break
        if cursor < size:
            gaps.append((cursor, size))
        return [(a, b) for a, b in gaps if b > a]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ByteRanges) and self._spans == other._spans

    def __repr__(self) -> str:
        return f"ByteRanges({self._spans})"

    def to_json(self) -> list[list[int]]:
        return [[a, b] for a, b in self._spans]
