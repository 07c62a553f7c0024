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

import hashlib
import io
import itertools
import os
import sys
from typing import BinaryIO, Iterable, Iterator, Optional

from ..model import RawCable
from . import html_page, page_text, plain_text, plusd
from .base import InputError, Item, Reader, input_error
from .csv_dump import CSV_START, read_csv
from .dates import normalise_date
from .decoding import BinaryDataError, decode, decode_noted
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


# One cable is never near this size (the longest in the release is under 1 MB): a
# larger input that is not cables.csv is recorded by size, hash and first bytes,
# and never held in memory whole.
MAX_WHOLE_BYTES = 128 * 2**20
_EXCERPT_BYTES = 4096


def _fingerprint(head: bytes, stream: BinaryIO) -> tuple[int, str]:
    """Size and sha256 of `head` and the rest of `stream`, reading it in slices."""
    digest, size = hashlib.sha256(head), len(head)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _too_large(source: str, head: bytes, stream: BinaryIO) -> InputError:
    size, digest = _fingerprint(head, stream)
    excerpt = head[:_EXCERPT_BYTES].decode("utf-8", errors="replace")
    return input_error(source, f"too large for one cable: {size:,} bytes (more than {MAX_WHOLE_BYTES:,}), "
                               f"sha256 {digest}; expected a Cablegate page, cables.csv or cable text; "
                               f"the first {_EXCERPT_BYTES:,} bytes are kept", excerpt, "unknown", 0, 0)


def _binary(source: str, data: bytes) -> InputError:
    first = data[:16].hex(" ")
    return input_error(source, f"binary file, expected cable text, HTML or CSV ({len(data):,} bytes, "
                               f"sha256 {hashlib.sha256(data).hexdigest()}, first bytes {first})",
                       "", "unknown", 0, 0)


def _read_stream(source: str, stream: BinaryIO) -> Iterator[Item]:
    """Detect the format from the first bytes; stream CSV, read the rest whole (up to a size)."""
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
    data = head + stream.read(max(0, MAX_WHOLE_BYTES + 1 - len(head)))
    if len(data) > MAX_WHOLE_BYTES:
        yield _too_large(source, data, stream)
        return
    yield from _read_whole(source, data)


def read_bytes(source: str, data: bytes) -> Iterator[Item]:
    """Detect and read one input given as bytes (path or "-" as `source`)."""
    return _read_stream(source, io.BytesIO(data))


def _read_whole(source: str, data: bytes) -> Iterator[Item]:
    try:
        text, notes = decode_noted(data)
    except BinaryDataError:
        yield _binary(source, data)
        return
    if not text.strip():
        yield input_error(source, "empty file, expected a cable", text)
        return
    for reader in WHOLE_TEXT_READERS:
        if reader.recognises(source, text):
            for item in reader.read(source, text):
                if isinstance(item, RawCable):
                    item.notes.extend(notes)
                yield item
            return
    yield input_error(source, "unknown format: expected a Cablegate page, cables.csv, or cable text",
                      text)


def _walk(directory: str, unreadable: list[OSError]) -> list[str]:
    """Files under `directory`, recursively, sorted, hidden names skipped; folders that
    cannot be listed go to `unreadable` (with the OS error) instead of being skipped."""
    found = []
    for root, dirs, files in os.walk(directory, onerror=unreadable.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(root, f) for f in files if not f.startswith("."))
    return sorted(found, key=lambda p: os.path.relpath(p, directory).split(os.sep))


def source_name(path: str, named: str) -> str:
    """The source recorded for `path`, found under the input the user `named`.

    As named when the user gave a relative path; from an absolute one, relative to
    the folder that holds it (`/home/me/cables.csv` -> `cables.csv`,
    `/data/corpus` -> `corpus/pages/x.html`): a published archive never shows the
    ingesting machine's folders.
    """
    if path == "-" or not os.path.isabs(named):
        return path
    return os.path.relpath(path, os.path.dirname(os.path.normpath(named)))


def iter_inputs(paths: Iterable[str], stdin: Optional[BinaryIO] = None) -> Iterator[Item]:
    """One item per cable (or unreadable input) in files, directories and "-".

    A plusd `X.metadata.txt` is read together with `X.raw-content.txt`, so it
    is skipped when that file is among the inputs. Every item's `source` is
    `source_name` of the file it came from.
    """
    files: list[tuple[str, str]] = []  # (path, the input the user named)
    unreadable: list[OSError] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            files.extend((f, path) for f in _walk(path, unreadable))
        else:
            files.append((path, path))
    for exc in unreadable:
        named = next((p for p in paths if exc.filename and str(exc.filename).startswith(p)), exc.filename)
        yield input_error(source_name(exc.filename, named), f"cannot read directory: {exc.strerror or exc}",
                          "", "unknown", 0, 0)
    wanted = {path for path, _ in files}
    for path, named in files:
        for item in _read_path(path, wanted, stdin):
            item.source = source_name(item.source, named)
            yield item


def _read_path(path: str, wanted: set, stdin: Optional[BinaryIO]) -> Iterator[Item]:
    if path == "-":
        yield from _read_stream("-", stdin if stdin is not None else sys.stdin.buffer)
        return
    if path.endswith(META_SUFFIX) and (path[: -len(META_SUFFIX)] + RAW_SUFFIX) in wanted:
        return
    try:
        with open(path, "rb") as fh:
            yield from _read_stream(path, fh)
    except FileNotFoundError:
        yield input_error(path, "no such file or directory", "", "unknown", 0, 0)
    except IsADirectoryError:
        yield input_error(path, "cannot read directory: it could not be listed", "", "unknown", 0, 0)
    except OSError as exc:
        yield input_error(path, f"cannot read: {exc.strerror or exc}", "", "unknown", 0, 0)
