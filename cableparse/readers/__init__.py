"""Read whatever a researcher points the tool at and hand out one item per cable.

Inputs come as Cablegate viewer pages (whole or cut), pages saved as text by a
browser, the cables.csv dump, plusd raw-content/metadata pairs and plain cable
text: one module per format. The format is recognised from the content (the
file name only breaks ties): cables.csv by its first bytes, and streamed; any
other input is decoded whole and taken by the first reader of
`WHOLE_TEXT_READERS` that recognises it. Every cable comes out as a
`RawCable`; anything that cannot be read as a cable becomes an `InputError`.
"""
from __future__ import annotations

import io
import itertools
import os
import sys
from typing import BinaryIO, Iterable, Iterator, Optional

from . import html_page, page_text, plain_text, plusd
from .base import InputError, Item, Reader, input_error
from .csv_dump import CSV_START, read_csv
from .dates import normalise_date
from .decoding import BinaryDataError, decode
from .html_page import extract_html_page
from .layout import split_header_body
from .page_text import split_page_text
from .plusd import META_SUFFIX, RAW_SUFFIX, parse_plusd_metadata

__all__ = [
    "InputError", "BinaryDataError", "Item", "Reader", "WHOLE_TEXT_READERS",
    "iter_inputs", "read_bytes", "decode", "split_header_body", "extract_html_page",
    "split_page_text", "normalise_date", "parse_plusd_metadata",
]

# In the order they are asked: a page before a saved page's text (both carry
# the metadata words), a plusd pair before plain text (both are telegram text).
WHOLE_TEXT_READERS: list[Reader] = [
    html_page.READER,
    page_text.READER,
    plusd.READER,
    plusd.METADATA_READER,
    plain_text.FIVE_LINE_READER,
    plain_text.READER,
]

_HEAD_BYTES = 65536
_BINARY_PROBE = 8192


def _is_csv(head: bytes) -> bool:
    for line in head.split(b"\n")[:5]:
        s = line.strip()
        if s in (b"", b'"'):
            continue
        return bool(CSV_START.match(line.lstrip()))
    return False


def _read_stream(source: str, stream: BinaryIO) -> Iterator[Item]:
    """Detect the format from the first bytes; stream CSV, read the rest whole."""
    head = stream.read(_HEAD_BYTES)
    if head and not head.endswith(b"\n"):
        head += stream.readline()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    is_csv = _is_csv(head) or (
        source.lower().endswith(".csv")
        and not html_page.HTML_SIGNS.search(head.decode("latin-1"))
        and b"\x00" not in head[:_BINARY_PROBE] and head.strip() != b"")
    if is_csv:
        yield from read_csv(source, itertools.chain(io.BytesIO(head), stream))
        return
    yield from _read_whole(source, head + stream.read())


def read_bytes(source: str, data: bytes) -> Iterator[Item]:
    """Detect and read one input given as bytes (path or "-" as `source`)."""
    return _read_stream(source, io.BytesIO(data))


def _read_whole(source: str, data: bytes) -> Iterator[Item]:
    try:
        text = decode(data)
    except BinaryDataError as exc:
        yield input_error(source, f"{exc} ({len(data)} bytes)", "", "unknown", 0, 0)
        return
    if not text.strip():
        yield input_error(source, "empty file, expected a cable", text)
        return
    for reader in WHOLE_TEXT_READERS:
        if reader.recognises(source, text):
            yield from reader.read(source, text)
            return
    yield input_error(source, "unknown format: expected a Cablegate page, cables.csv, or cable text",
                      text)


def _walk(directory: str) -> list[str]:
    """Files under `directory`, recursively, sorted, hidden names skipped."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(root, f) for f in files if not f.startswith("."))
    return sorted(found, key=lambda p: os.path.relpath(p, directory).split(os.sep))


def iter_inputs(paths: Iterable[str], stdin: Optional[BinaryIO] = None) -> Iterator[Item]:
    """One item per cable (or unreadable input) in files, directories and "-".

    A plusd `X.metadata.txt` is read together with `X.raw-content.txt`, so it
    is skipped when that file is among the inputs.
    """
    files: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            files.extend(_walk(path))
        else:
            files.append(path)
    wanted = set(files)
    for path in files:
        if path == "-":
            yield from _read_stream("-", stdin if stdin is not None else sys.stdin.buffer)
            continue
        if path.endswith(META_SUFFIX) and (
                path[: -len(META_SUFFIX)] + RAW_SUFFIX) in wanted:
            continue
        try:
            with open(path, "rb") as fh:
                yield from _read_stream(path, fh)
        except FileNotFoundError:
            yield input_error(path, "no such file or directory", "", "unknown", 0, 0)
        except OSError as exc:
            yield input_error(path, f"cannot read: {exc.strerror or exc}", "", "unknown", 0, 0)
