"""PlusD telegrams: NAME.raw-content.txt, read with NAME.metadata.txt beside it."""
from __future__ import annotations

import html
import os
import re
from typing import Iterator, Optional

from ..model import Metadata, RawCable
from .base import Item, Reader, input_error
from .dates import normalise_date
from .decoding import text_of
from .html_page import unescape_strict
from .layout import split_header_body

RAW_SUFFIX, META_SUFFIX = ".raw-content.txt", ".metadata.txt"


def _plusd_sibling(source: str) -> Optional[str]:
    if source.endswith(RAW_SUFFIX):
        sibling = source[: -len(RAW_SUFFIX)] + META_SUFFIX
        if os.path.isfile(sibling):
            return sibling
    return None


def parse_plusd_metadata(text: str) -> dict[str, str]:
    """`Key: value` lines (YAML-ish: indented continuation lines, quoted scalars,
    HTML entities) -> dict."""
    fields: dict[str, str] = {}
    key = None
    for line in text.split("\n"):
        m = re.match(r"([A-Za-z][\w ]*?):(?:\s+(.*))?$", line)
        if m and not line[0].isspace():
            key = m.group(1)
            fields[key] = (m.group(2) or "").strip()
        elif key and line.strip():
            fields[key] = (fields[key] + " " + line.strip()).strip()
    for k, v in fields.items():
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        fields[k] = html.unescape(v)
    return fields


def _plusd_meta(fields: dict[str, str], source: str) -> Metadata:
    """The PlusD record; the id is the archive's own (`1974ATHENS02959_b`, from the file name
    when it has that shape), which the parser normalises and keeps as raw_id."""
    def get(key: str) -> Optional[str]:
        v = fields.get(key)
        return v if v and v.lower() != "n/a" else None

    stem = os.path.basename(source)[: -len(RAW_SUFFIX)]
    rid = stem if re.fullmatch(r"\d{4}[A-Z]+\d+(?:_[a-z])?", stem) else get("Document Number")
    return Metadata(id=rid, created=normalise_date(get("Draft Date")),
                    classification=get("Original Classification"), origin=get("From"),
                    tags=get("TAGS"))



def _read_raw_content(source: str, text: str) -> Iterator[Item]:
    with open(_plusd_sibling(source), "rb") as fh:
        fields = parse_plusd_metadata(text_of(fh.read()))
    # transcribed from web pages: entities such as &quot; stand for their characters
    header, body = split_header_body(unescape_strict(text))
    yield RawCable(source, 1, "plusd", text, header, body, _plusd_meta(fields, source))


def _is_metadata(source: str, text: str) -> bool:
    return source.endswith(META_SUFFIX) or (
        text.lstrip().startswith("---") and bool(re.search(r"^Document Number:", text, re.M)))


def _read_metadata(source: str, text: str) -> Iterator[Item]:
    """A metadata file alone is not a cable: say where its cable should be."""
    raw_name = (source[: -len(META_SUFFIX)] + RAW_SUFFIX
                if source.endswith(META_SUFFIX) else "its .raw-content.txt")
    if os.path.isfile(raw_name):
        message = f"plusd metadata is read with its cable: give {raw_name} instead"
    else:
        message = f"plusd metadata without its cable: expected {raw_name} beside it"
    yield input_error(source, message, text, "plusd")


READER = Reader("plusd", lambda source, text: _plusd_sibling(source) is not None, _read_raw_content)
METADATA_READER = Reader("plusd-metadata", _is_metadata, _read_metadata)
