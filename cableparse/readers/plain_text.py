"""Plain cable text (one cable per file), including another converter's five-line layout."""
from __future__ import annotations

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



def _read_five_line(source: str, text: str) -> Iterator[Item]:
    meta, cable = _five_line_meta(text)
    header, body = split_header_body(cable)
    yield RawCable(source, 1, "text", text, header, body, meta)


def _read_plain(source: str, text: str) -> Iterator[Item]:
    header, body = split_header_body(text)
    yield RawCable(source, 1, "text", text, header, body, Metadata())


FIVE_LINE_READER = Reader("text-five-line", lambda source, text: _five_line_meta(text) is not None,
                          _read_five_line)
READER = Reader("text", lambda source, text: _looks_like_cable(text), _read_plain)
