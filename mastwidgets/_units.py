"""Byte counts as people read them."""

from __future__ import annotations


def human_bytes(n: float | None) -> str:
    """'63.4 kB', '1.2 GB', '512 B'; '?' when unknown (decimal units, as MAST shows sizes)."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{n} B"
