"""Cablegate viewer pages, whole or cut: the metadata box and the two `<pre>` blocks."""
from __future__ import annotations

import html
import re
from typing import Iterator, Optional

from ..model import Metadata, RawCable
from .base import Item, Reader, input_error, trim
from .dates import normalise_date

_CABLE_TABLE = re.compile(r"<table\s+class=['\"]cable['\"][^>]*>(.*?)</table>", re.S | re.I)
_TD = re.compile(r"<td\b[^>]*>(.*?)</td>", re.S | re.I)
_PRE = re.compile(r"<code>\s*<pre[^>]*>(.*?)</pre>\s*</code>", re.S | re.I)
_BARE_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.S | re.I)
_NEWLINE_REF = re.compile(r"&#(?:x0*a|0*10);", re.I)
_PAR_ANCHOR = re.compile(
    r"<a\s+id=['\"]par[^'\"]*['\"]\s+href=['\"]#par[^'\"]*['\"]\s*>\s*¶?\s*</a>", re.I)
_LINK = re.compile(r"<a\s[^>]*>(.*?)</a>", re.S | re.I)
_BR_BEFORE_SPACE = re.compile(r"<br\s*/?>(?=\s|\Z)", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def unescape_strict(text: str) -> str:
    """html.unescape, but only for complete `&name;` / `&#n;` references.

    Cable text inside <pre> is often not escaped and uses `&` as an opening
    quote (`&regular8`, `&note of`, `&micro-…`); plain html.unescape would turn
    those into `®ular8`, `¬e of`, `µ-…`.
    """
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text)


def _pre_text(block: str) -> str:
    """The cable text inside one <pre>, by targeted rewrites (no HTML parser:
    `<<Israel>>` and `S&ED;` must survive)."""
    block = _NEWLINE_REF.sub("\n", block)
    block = _PAR_ANCHOR.sub("", block)
    block = _LINK.sub(lambda m: m.group(1), block)
    block = _BR_BEFORE_SPACE.sub("", block)
    block = _BR.sub("\n", block)
    return _strip_continuations(unescape_strict(block))


_CONTINUATION = re.compile(r"[ \t]*\\[ \t]*$", re.M)


def _strip_continuations(text: str) -> str:
    """Some pages hold a database record pasted with a `\\` ending every line
    (04BOGOTA11339, 06BERN1280); those backslashes are not the cable's."""
    lines = [line for line in text.split("\n") if line.strip()]
    ends = sum(1 for line in lines if line.rstrip().endswith("\\"))
    if lines and ends * 2 > len(lines):
        return _CONTINUATION.sub("", text)
    return text


def _cell_text(cell: str) -> Optional[str]:
    text = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", cell)).split())
    return text or None


def extract_html_page(text: str) -> Optional[tuple[str, str, Metadata]]:
    """(header, body, meta) of a Cablegate page, or None if it has no <pre>.

    Meta comes from the five cells of `<table class='cable'>`, taking the link
    text (the title attributes are sometimes wrong).  With one <pre> it is the
    body.
    """
    blocks = _PRE.findall(text) or _BARE_PRE.findall(text)
    if not blocks:
        return None
    meta = Metadata()
    table = _CABLE_TABLE.search(text)
    if table:
        cells = [_cell_text(c) for c in _TD.findall(table.group(1))[:5]]
        cells += [None] * (5 - len(cells))
        meta = Metadata(id=cells[0], created=normalise_date(cells[1]),
                        released=normalise_date(cells[2]), classification=cells[3],
                        origin=cells[4])
    if len(blocks) == 1:
        # a page cut inside its second <pre>: the first is the header, the rest the body so far
        cut = _UNCLOSED_PRE.search(text, text.rfind("</pre>") + 1) if "</pre>" in text else None
        if cut is not None:
            return trim(_pre_text(blocks[0])), trim(_pre_text(text[cut.end():])), meta
        return "", trim(_pre_text(blocks[0])), meta
    return trim(_pre_text(blocks[0])), trim(_pre_text(blocks[1])), meta


_UNCLOSED_PRE = re.compile(r"<pre[^>]*>", re.I)


_PRE_OPEN = re.compile(r"<pre[\s>]", re.I)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.I)
HTML_SIGNS = re.compile(r"<table\s+class=['\"]cable['\"]|<pre[\s>]|<html[\s>]|<!doctype html", re.I)


def _has_pre_block(text: str) -> bool:
    return ("<pre" in text or "<PRE" in text) and bool(_PRE.search(text) or _BARE_PRE.search(text))


def _looks_like_html(text: str) -> bool:
    return bool(HTML_SIGNS.search(text[:65536])) and text.lstrip().startswith("<")


def _recognises(source: str, text: str) -> bool:
    """A page with a <pre> block, or anything that opens as HTML (then: a page without a cable)."""
    return _has_pre_block(text) or _looks_like_html(text)


def _read(source: str, text: str) -> Iterator[Item]:
    page = extract_html_page(text) if _has_pre_block(text) else None
    if page is None:
        yield input_error(source, "HTML without a cable: expected a Cablegate page with "
                                  "<code><pre> blocks", text, "page-html")
        return
    header, body, meta = page
    raw = RawCable(source, 1, "page-html", text, header, body, meta)
    opened, closed = len(_PRE_OPEN.findall(text)), len(_PRE_CLOSE.findall(text))
    if opened > closed:
        raw.cut = True
        raw.notes.append(f"the page is cut: {opened} <pre> blocks open, {closed} closed")
    yield raw


READER = Reader("page-html", _recognises, _read)
