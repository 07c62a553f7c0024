"""The raw cable text as stored: zlib-compressed UTF-8, read back as text.

`cables.header`/`body` and `cable_versions.header`/`body` hold each text as a
BLOB compressed at zlib level 1 (the text is the source of truth and is kept
whole; compressed it weighs about a third). `pack` runs where rows are written
(in the parse workers, so the merging process pays nothing for it); every
reader goes through `unpack`, which takes a BLOB, or TEXT as archives made
before compression hold it, so old and mixed archives read the same.

SQL users read the text with the `cable_text(value)` SQL function (registered
on every connection cableparse opens, and for Datasette by the plugin) or
through the `cable_texts` view that uses it. The BLOB is a plain zlib stream:
`zlib.decompress(blob).decode()` in any language with zlib reads it too.
"""
from __future__ import annotations

import sqlite3
import zlib
from typing import Optional, Union

LEVEL = 1  # measured at +0.085 ms per cable; higher levels gain little on this text
FUNCTION = "cable_text"
# columns holding raw text: table -> columns
PACKED = {"cables": ("header", "body"), "cable_versions": ("header", "body")}


def pack(text: Optional[str]) -> Union[bytes, str, None]:
    """The text compressed (None and "" stay as they are)."""
    if not text or not isinstance(text, str):
        return text
    return zlib.compress(text.encode("utf-8", "surrogatepass"), LEVEL)


def unpack(value: Union[bytes, str, None]) -> Optional[str]:
    """The text of a stored value: a compressed BLOB, or TEXT (older archives)."""
    if isinstance(value, (bytes, memoryview)):
        return zlib.decompress(value).decode("utf-8", "surrogatepass")
    return value


def pack_rows(table: str, rows: list[dict]) -> list[dict]:
    """Rows of `table` with their raw-text columns packed (other tables unchanged)."""
    columns = PACKED.get(table)
    if not columns:
        return rows
    out = []
    for row in rows:
        if any(isinstance(row.get(c), str) and row.get(c) for c in columns):
            row = dict(row)
            for c in columns:
                if c in row:
                    row[c] = pack(row[c])
        out.append(row)
    return out


def unpack_row(row: dict) -> dict:
    """A row (dict) with its header and body as text."""
    for c in ("header", "body"):
        if c in row:
            row[c] = unpack(row[c])
    return row


def register(conn: sqlite3.Connection) -> None:
    """`cable_text(value)` on this connection: the text of a stored header or body."""
    conn.create_function(FUNCTION, 1, unpack, deterministic=True)
