"""Plain cable text (one cable per file), including another converter's five-line layout."""
from __future__ import annotations

import os
import re
from typing import Iterator, Optional

from ..model import Metadata, RawCable
from .base import Item, Reader
from .dates import normalise_date
from .layout import CLASSIFICATION_LINE, ROUTING_LINE, split_header_body

_CABLE_ID = re.compile(r"\d{2}[A-Z][A-Z0-9-]*\d+")
_RUBY_DATE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}")
_TEXT_SIGNS = re.compile(
    r"(?:TAGS\s*:?\s*[A-Z]{2}|SUBJ(?:ECT)?\s*:|E\.\s?O\.\s*\d|¶?\d{1,3}\.\s+(?:\([A-Z]|[A-Z]))")


def _five_line_meta(text: str) -> Optional[tuple[Metadata, str]]:
    """Layout `id / subject / date / classification / origin`, then the cable."""
    lines = text.split("\n", 5)
    if len(lines) < 6:
        return None
    ident, _subject, date, classification, origin, rest = lines
    if not (_CABLE_ID.fullmatch(ident.strip()) and _RUBY_DATE.fullmatch(date.strip())):
        return None
    return Metadata(id=ident.strip(), created=normalise_date(date),
                    classification=classification.strip() or None,
                    origin=origin.strip() or None), rest


def _looks_like_cable(text: str) -> bool:
    for line in text.split("\n", 200)[:200]:
        s = line.strip()
        if s and (ROUTING_LINE.match(s) or CLASSIFICATION_LINE.match(s) or _TEXT_SIGNS.match(s)):
            return True
    return False



# An export's own record of the id: "Reference ID: 06MEXICO5607", "Canonical ID: 06MEXICO5607_a"
_EXPORT_ID = re.compile(
    r"^[ \t]*(?:Reference|Canonical|Cable|Document)[ \t]+(?:ID|Id|Number)[ \t]*:?[ \t]*"
    r"(\d{2}[A-Z][A-Z-]*\d+|(?:19|20)\d{2}[A-Z]+\d+(?:_[a-z])?)\b", re.M)
# A file named after its cable: 06MEXICO5607.txt, 1974ATHENS02959_b.txt
_NAMED_ID = re.compile(r"(\d{2}[A-Z][A-Z-]*\d+|(?:19|20)\d{2}[A-Z]+\d+(?:_[a-z])?)")


def _ids(source: str, text: str) -> Metadata:
    """What a plain file says of its id: an export block in the text, and the file's name.

    The parser prefers the record, then the classification line with the cable's
    year, then the file's name (Cable.id_source says which).
    """
    meta = Metadata()
    m = _EXPORT_ID.search(text[:8000])
    if m:
        meta.id, meta.id_source = m.group(1), "text"
    stem = os.path.splitext(os.path.basename(source))[0]
    if _NAMED_ID.fullmatch(stem):
        meta.name_id = stem
    return meta


def _read_five_line(source: str, text: str) -> Iterator[Item]:
    meta, cable = _five_line_meta(text)
    meta.name_id = _ids(source, text).name_id
    header, body = split_header_body(cable)
    yield RawCable(source, 1, "text", text, header, body, meta)


def _read_plain(source: str, text: str) -> Iterator[Item]:
    header, body = split_header_body(text)
    yield RawCable(source, 1, "text", text, header, body, _ids(source, text))


FIVE_LINE_READER = Reader("text-five-line", lambda source, text: _five_line_meta(text) is not None,
                          _read_five_line)
READER = Reader("text", lambda source, text: _looks_like_cable(text), _read_plain)
