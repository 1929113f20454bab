"""Real MAST answers, recorded by public projects: the sandbox's ground truth.

Each file of ``data/recordings/`` holds what one public recording shows (answers
verbatim, or the columns a tutorial printed) and its ``source``: repository, path,
commit and when and how it was recorded. ``data/recordings/README.md`` lists them.
Facts only: rows, names and forms, never the recording project's code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources


@cache
def load() -> dict[str, dict]:
    """Every recording, by file name (without ``.json``)."""
    folder = resources.files(__package__).joinpath("data/recordings")
    return {
        entry.name.removesuffix(".json"): json.loads(entry.read_text())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def answers(service: str) -> Iterator[tuple[str, dict]]:
    """(recording name, answer) of every recorded request to ``service``."""
    for name, doc in load().items():
        for interaction in doc.get("interactions", ()):
            if interaction["service"] == service:
                yield name, interaction["answer"]


def fields(service: str) -> list[tuple[str, str]]:
    """The (name, type) columns of ``service``'s recorded answers (the first whole one)."""
    for _, answer in answers(service):
        if "fields" in answer:
            return [(f["name"], f["type"]) for f in answer["fields"]]
    raise LookupError(f"no recorded answer of {service} lists its fields")


def observation_rows() -> Iterator[tuple[str, dict]]:
    """(recording name, row) of every recorded observation row, whole or in the printed
    columns."""
    return _rows("Mast.Caom.Filtered", "observations")


def product_rows() -> Iterator[tuple[str, dict]]:
    """(recording name, row) of every recorded product row."""
    return _rows("Mast.Caom.Products", "products")


def _rows(service: str, printed: str) -> Iterator[tuple[str, dict]]:
    """The rows of ``service``'s recorded answers, then those a recording printed (its
    ``printed`` table, or list of tables: columns and rows)."""
    for name, answer in answers(service):
        for row in answer["data"]:
            yield name, row
    for name, doc in load().items():
        tables = doc.get(printed) or []
        for table in [tables] if isinstance(tables, dict) else tables:  # one, or several
            for values in table["rows"]:
                yield name, dict(zip(table["columns"], values, strict=True))
