"""A Cablegate page saved as text by a browser: navigation, the metadata row, the cable."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..model import Metadata, RawCable
from .base import Item, Reader
from .dates import normalise_date
from .layout import split_header_body

_CLASSIFICATIONS = ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "UNCLASSIFIED", "CONFIDENTIAL//NOFORN",
                    "CONFIDENTIAL", "SECRET//NOFORN", "SECRET")
_PAGE_TEXT_HEAD = re.compile(
    r"^[ \t]*Reference ID\s+Created\s+Released\s+Classification\s+Origin[ \t]*\n", re.M)
_PAGE_TEXT_META = re.compile(
    r"[ \t]*(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2})\s+("
    + "|".join(re.escape(c) for c in _CLASSIFICATIONS) + r")\s+([^\n]*\S)[ \t]*(?:\n|\Z)")


def split_page_text(text: str) -> Optional[tuple[Metadata, str]]:
    """(meta, cable text) of a browser-saved page, or None if it is not one.

    The navigation ends at the line `Reference ID Created Released
    Classification Origin`; the next line holds the five values (cells may be
    on separate lines), and the cable follows.
    """
    head = _PAGE_TEXT_HEAD.search(text)
    if not head:
        return None
    m = _PAGE_TEXT_META.match(text, head.end())
    if not m:
        return Metadata(), text[head.end():]
    meta = Metadata(id=m.group(1), created=normalise_date(m.group(2)),
                    released=normalise_date(m.group(3)), classification=m.group(4),
                    origin=m.group(5))
    return meta, text[m.end():]



def _read(source: str, text: str) -> Iterator[Item]:
    meta, cable = split_page_text(text)
    header, body = split_header_body(cable)
    yield RawCable(source, 1, "page-text", text, header, body, meta)


READER = Reader("page-text", lambda source, text: bool(_PAGE_TEXT_HEAD.search(text)), _read)
