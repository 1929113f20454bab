"""A selection of products as a bash script of curl calls, to run anywhere.

In the style of MAST's own download scripts, with what they lack: each file
resumes where a previous run stopped (``curl --continue-at -`` into
``<file>.part``, renamed once its size is MAST's), failures are retried, and
``MANIFEST.txt`` lists every file requested and whether it arrived. The files
land in the importer's layout, under the folder the script is run from.

Exclusive-access files need a MAST token: the script's first argument or
``MAST_API_TOKEN`` in its environment. The token is never written into the
script, and reaches curl through a pipe (not its command line, which other
users of the machine can read).
"""

from __future__ import annotations

import os
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._units import human_bytes
from ..errors import InvalidQuery
from ..imports.layouts import file_name, layout_pattern
from ..settings import Settings, get_settings
from ..transfer import safe_name

__all__ = ["download_script"]

_HEAD = r"""#!/usr/bin/env bash
# MAST download script made by mastwidgets {version} on {made}:
# {count} file(s), {size}, {private} of them exclusive-access, in the '{layout}' layout.
#
# Usage:  bash {name} [MAST_API_TOKEN]
#   Files go under the current folder. Run it again to resume: finished files are
#   kept, partial ones (<file>.part) continue where they stopped.
#   Exclusive-access files need a MAST token, as the first argument or MAST_API_TOKEN
#   in the environment (https://auth.mast.stsci.edu/token); without one they are
#   listed as MISSING in MANIFEST.txt.
set -u
TOKEN="${{1:-${{MAST_API_TOKEN:-}}}}"
ATTEMPTS="${{MAST_ATTEMPTS:-4}}"
MANIFEST=MANIFEST.txt
printf '# status\tfile\tbytes requested\tbytes retrieved\tdataURI\n' > "$MANIFEST"
retrieved=0
missing=0

size_of() {{ if [ -f "$1" ]; then wc -c < "$1" | tr -d ' '; else echo 0; fi; }}

note() {{  # note STATUS FILE SIZE URI [WHY]
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(size_of "$2")" "$4" >> "$MANIFEST"
  if [ "$1" = OK ]; then retrieved=$((retrieved + 1)); else
    missing=$((missing + 1)); echo "MISSING $2: ${{5:-}}" >&2; fi
}}

fetch() {{  # fetch FILE SIZE(-1: unknown) EXCLUSIVE(0/1) URI URL
  local file="$1" size="$2" exclusive="$3" uri="$4" url="$5" attempt=0
  if [ -f "$file" ] && {{ [ "$size" -lt 0 ] || [ "$(size_of "$file")" -eq "$size" ]; }}; then
    note OK "$file" "$size" "$uri"; return
  fi
  if [ "$exclusive" = 1 ] && [ -z "$TOKEN" ]; then
    note MISSING "$file" "$size" "$uri" "exclusive-access: give a MAST token"; return
  fi
  mkdir -p -- "$(dirname -- "$file")"
  if [ "$size" -ge 0 ] && [ "$(size_of "$file.part")" -gt "$size" ]; then rm -f -- "$file.part"; fi
  while [ "$attempt" -lt "$ATTEMPTS" ]; do
    attempt=$((attempt + 1))
    if [ "$size" -ge 0 ] && [ "$(size_of "$file.part")" -eq "$size" ]; then break; fi
    if {{ if [ "$exclusive" = 1 ]; then
            printf 'header = "Authorization: token %s"\n' "$TOKEN"; fi; }} |
       curl --config - --fail --silent --show-error --location --retry 2 \
            --connect-timeout 30 --continue-at - --output "$file.part" -- "$url"; then
      if [ "$size" -lt 0 ] || [ "$(size_of "$file.part")" -eq "$size" ]; then break; fi
    fi
    sleep "$attempt"
  done
  if [ -f "$file.part" ] && {{ [ "$size" -lt 0 ] || [ "$(size_of "$file.part")" -eq "$size" ]; }}
  then
    mv -f -- "$file.part" "$file"; note OK "$file" "$size" "$uri"
  else
    note MISSING "$file" "$size" "$uri" "not retrieved after $ATTEMPTS attempts"
  fi
}}

"""

_TAIL = r"""
echo "$retrieved of $((retrieved + missing)) file(s) retrieved; see $MANIFEST" >&2
[ "$missing" -eq 0 ]
"""


def download_script(
    products: pd.DataFrame,
    path: str | os.PathLike | None = None,
    *,
    layout: str | None = None,
    settings: Settings | None = None,
) -> str:
    """A bash script that downloads ``products`` (rows of :func:`~mastwidgets.list_products`) with
    curl, into the importer's layout; written to ``path`` (made executable) if given.

    Run it as ``bash script.sh`` (or ``bash script.sh <MAST token>``) in the folder the
    files should go to; run it again to resume. It writes ``MANIFEST.txt`` (status,
    file, bytes requested and retrieved, dataURI of each file) and exits non-zero if
    any file is missing. Nothing secret is written: the token is read when it runs.

    Raises
    ------
    InvalidQuery
        ``products`` is not a table of products, or is empty.
    UnsafeDestination
        A file name would land outside the folder.
    """
    from .._version import __version__
    from ..mast import locate

    if not isinstance(products, pd.DataFrame) or "dataURI" not in products:
        raise InvalidQuery("Give the products as list_products returns them (a DataFrame).")
    rows = products.drop_duplicates(subset="dataURI", ignore_index=True)
    if rows.empty:
        raise InvalidQuery("There are no products to put in a download script.")
    settings = settings or get_settings()
    layout = layout or settings.layout
    pattern = layout_pattern(layout)
    rows = locate(rows, cloud=False, settings=settings)
    lines, names, exclusive_count = [], set(), 0
    for row in rows.to_dict("records"):
        name = safe_name(file_name(pattern, row)).as_posix()
        if name in names:
            continue  # two products of one file name: the layout keeps the first
        names.add(name)
        size = -1 if pd.isna(row.get("size")) else int(row["size"])
        exclusive = int(str(row.get("dataRights") or "PUBLIC").upper() != "PUBLIC")
        exclusive_count += exclusive
        words = (name, str(size), str(exclusive), str(row["dataURI"]), str(row["url"]))
        lines.append("fetch " + " ".join(shlex.quote(w) for w in words))
    sizes = [s for s in rows["size"] if pd.notna(s)] if "size" in rows else []
    script_name = Path(path).name if path is not None else "mast_download.sh"
    head = _HEAD.format(
        version=__version__,
        made=datetime.now(UTC).isoformat(timespec="seconds"),
        count=len(lines),
        size=human_bytes(sum(int(s) for s in sizes)),
        private=exclusive_count,
        layout=layout,
        name=script_name,
    )
    text = head + "\n".join(lines) + "\n" + _TAIL
    if path is not None:
        Path(path).write_text(text)
        Path(path).chmod(0o755)
    return text
