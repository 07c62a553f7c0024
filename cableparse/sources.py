"""Read whatever a researcher points the tool at and hand out one item per cable.

Inputs come as Cablegate viewer pages (whole or cut), pages saved as text by a
browser, the cables.csv dump, plusd raw-content/metadata pairs and plain cable
text.  The format is recognised from the content (the file name only breaks
ties), the container is taken off, and every cable comes out as a `RawCable`.
Anything that cannot be read as a cable becomes an `InputError` that the caller
stores: readers never raise for bad content, so one bad file cannot stop an
ingest of thousands.
"""
from __future__ import annotations

import html
import io
import itertools
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Iterable, Iterator, Optional, Union

from .model import Metadata, RawCable

__all__ = [
    "InputError",
    "BinaryDataError",
    "iter_inputs",
    "read_bytes",
    "decode",
    "split_header_body",
    "extract_html_page",
    "split_page_text",
    "normalise_date",
    "parse_plusd_metadata",
]


@dataclass
class InputError:
    """Input that could not be read as a cable, kept with its text so nothing is lost.

    `line`/`column` are 1-based; both are 0 when no position applies (a missing
    path, a binary file).  `format` is the reader that gave up ("csv", "plusd",
    …) or "unknown".
    """

    source: str
    line: int
    column: int
    message: str
    raw: str
    format: str


Item = Union[RawCable, InputError]

# --------------------------------------------------------------------------
# Decoding


class BinaryDataError(ValueError):
    """Raised by `decode` for data that is not text at all."""


_BINARY_PROBE = 8192
# Scripts for which charset-normalizer's guess beats cp1252.
_NON_LATIN = ("Cyrillic", "Greek", "Hebrew", "Arabic", "Thai", "CJK", "Hiragana",
              "Katakana", "Hangul", "Devanagari", "Armenian", "Georgian")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """Bytes to text with LF newlines; raises BinaryDataError for binary data.

    UTF-8 first (most pages and the CSV).  Otherwise the cables are old
    Windows/ISO-8859 text, where charset-normalizer tends to guess cp1250 from a
    handful of `¶` bytes; so unless it sees a non-Latin script, cp1252 wins
    (it maps 0x80-0x9F to real quotes and dashes), and latin-1, which never
    fails, is the last resort.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _normalise_newlines(data.decode("utf-16", errors="replace"))
    if b"\x00" in data[:_BINARY_PROBE]:
        raise BinaryDataError("binary file, expected cable text, HTML or CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return _normalise_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, _guess_encoding(data))


def _decode_legacy(data: bytes, encoding: str) -> str:
    for enc in (encoding, "cp1252", "latin-1"):
        try:
            return _normalise_newlines(data.decode(enc))
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 cannot fail")  # pragma: no cover


def _guess_encoding(data: bytes) -> str:
    """cp1252 unless charset-normalizer sees a non-Latin script."""
    encoding = "cp1252"
    try:
        from charset_normalizer import from_bytes

        sample = data[:65536]
        best = from_bytes(sample).best()
        # a few stray high bytes say nothing about the script; demand some text
        if (best is not None and sum(b > 0x7F for b in sample) >= 32
                and any(a.startswith(_NON_LATIN) for a in best.alphabets)):
            encoding = best.encoding
    except Exception:  # detection is a nicety; never let it stop a read
        pass
    return encoding


def _text_of(data: bytes) -> str:
    """decode() for side files, where binary junk should not stop the read."""
    try:
        return decode(data)
    except BinaryDataError:
        return _normalise_newlines(data.decode("latin-1"))


# --------------------------------------------------------------------------
# Dates and small helpers

_MONTHS = {m: i for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}


def normalise_date(value: Optional[str]) -> Optional[str]:
    """Any date form the sources use -> 'YYYY-MM-DD HH:MM' (None if unreadable).

    Handles 2007-03-07 16:52, 12/28/1966 18:48 (cables.csv), 17 MAY 1974
    (plusd) and Wed Nov 20 00:00:00 +0100 2002 (kept as written, no timezone
    conversion).
    """
    if not value:
        return None
    v = " ".join(value.split())
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?", v)
    if m:
        y, mo, d, hh, mm = m.groups()
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::\d{2})?)?", v):
        mo, d, y, hh, mm = m.groups()
    elif m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]{3})[A-Za-z]* (\d{4})", v):
        d, mon, y = m.groups()
        if mon.upper() not in _MONTHS:
            return None
        mo, hh, mm = _MONTHS[mon.upper()], None, None
    elif m := re.fullmatch(
            r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2}):\d{2}(?: [+-]\d{4}| [A-Z]{3,4})? (\d{4})", v):
        mon, d, hh, mm, y = m.groups()
        if mon.upper() not in _MONTHS:
            return None
        mo = _MONTHS[mon.upper()]
    else:
        return None
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0))
    except ValueError:
        return None
    return dt.strftime("%Y-%m-%d %H:%M")


def _trim(text: str) -> str:
    """Drop blank lines at both ends (keeping the first line's indentation)."""
    return re.sub(r"\A(?:[ \t\f\v]*\n)+", "", text).rstrip()


def _err(source: str, message: str, raw: str = "", fmt: str = "unknown",
         line: int = 1, column: int = 1) -> InputError:
    return InputError(source=source, line=line, column=column, message=message,
                      raw=raw, format=fmt)


# --------------------------------------------------------------------------
# Header/body split shared by the text formats

_CLASSIFICATION_LINE = re.compile(
    r"(?:UNCLAS(?:SIFIED)?|U N C L A S(?: S I F I E D)?|C O N F I D E N T I A L|CONFIDENTIAL"
    r"|S E C R E T|SECRET|T O P S E C R E T|TOP SECRET|LIMITED OFFICIAL USE"
    r"|L I M I T E D O F F I C I A L U S E)\b")
_ROUTING_LINE = re.compile(
    r"""(?:VZCZC\w*
      | [ZOPRM]{1,2}(?:\s+R[A-Z]{3,6})+                         # precedence + RIs
      | DE\s+R[A-Z]{3,6}\b.*
      | ZN[RY]\s.*
      | (?:[ZOPRM0]\s+){0,3}\d{6}\s?Z\s+[A-Z]{3}\s+\d{2}.*     # DTG
      | (?:FM|TO|INFO|ACTION|ORIGIN|XMT|BT|NNNN?)\b.*
      | R[A-Z]{3,6}/.*                                         # RI/station address
      | (?:AM(?:EMBASSY|CONSUL)|SECSTATE|USMISSION|USDEL|USEU|USNATO|USCINC\w*|CINC\w*)\b.*
      | PAGE\s+\d+\b.*
      | -{5,}.*
      | This\ record\ is\ a\ partial\ extract\b.*
    )\s*$""", re.X)
_PARTIAL_NOTICE_GLUED = re.compile(
    r"(The full text of the original cable is not available\.)[ \t]*(?=\S)")


def split_header_body(text: str) -> tuple[str, str]:
    """Split cable text into routing header and body.

    The header runs from the first line (VZCZC…, a DTG, FM, a partial-extract
    notice, or the old `CLASSIFICATION` + `PAGE 01` banner) up to, not
    including, the classification line that opens the body (`UNCLAS SECTION 01
    OF 18 …`, `C O N F I D E N T I A L …`).  Text that does not start with
    routing lines is all body.  If no classification line follows, the header
    is the leading run of routing lines.
    """
    text = _PARTIAL_NOTICE_GLUED.sub(r"\1\n", text)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", ""
    start = None  # where to begin looking for the body's classification line
    if _ROUTING_LINE.match(lines[first].strip()):
        start = first + 1
    elif _CLASSIFICATION_LINE.match(lines[first]):
        # 1970s layout: a bare classification banner, then "PAGE 01 …"
        nxt = next((i for i in range(first + 1, len(lines)) if lines[i].strip()), None)
        if nxt is not None and re.match(r"\s*PAGE\s+0*1\b", lines[nxt]):
            start = nxt + 1
    if start is None:
        return "", _trim(text)
    for i in range(start, len(lines)):
        if _CLASSIFICATION_LINE.match(lines[i]):
            return _trim("\n".join(lines[:i])), _trim("\n".join(lines[i:]))
    end = first
    while end < len(lines) and (not lines[end].strip() or _ROUTING_LINE.match(lines[end].strip())):
        end += 1
    return _trim("\n".join(lines[:end])), _trim("\n".join(lines[end:]))


# --------------------------------------------------------------------------
# Cablegate pages (HTML)

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


def _unescape_strict(text: str) -> str:
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
    return _strip_continuations(_unescape_strict(block))


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
        return "", _trim(_pre_text(blocks[0])), meta
    return _trim(_pre_text(blocks[0])), _trim(_pre_text(blocks[1])), meta


# --------------------------------------------------------------------------
# A page saved as text by a browser

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


# --------------------------------------------------------------------------
# Plain text, including the five-line layout of another converter

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
        if s and (_ROUTING_LINE.match(s) or _CLASSIFICATION_LINE.match(s) or _TEXT_SIGNS.match(s)):
            return True
    return False


# --------------------------------------------------------------------------
# plusd: NAME.raw-content.txt with NAME.metadata.txt beside it

_RAW_SUFFIX, _META_SUFFIX = ".raw-content.txt", ".metadata.txt"


def _plusd_sibling(source: str) -> Optional[str]:
    if source.endswith(_RAW_SUFFIX):
        sibling = source[: -len(_RAW_SUFFIX)] + _META_SUFFIX
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

    stem = os.path.basename(source)[: -len(_RAW_SUFFIX)]
    rid = stem if re.fullmatch(r"\d{4}[A-Z]+\d+(?:_[a-z])?", stem) else get("Document Number")
    return Metadata(id=rid, created=normalise_date(get("Draft Date")),
                    classification=get("Original Classification"), origin=get("From"),
                    tags=get("TAGS"))


# --------------------------------------------------------------------------
# cables.csv, streamed

_CSV_START = re.compile(rb'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
_CSV_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)', re.S)
_CSV_UNESCAPE = re.compile(r"""\\(["'\\])""")
_CSV_COLUMNS = 8


def _csv_fields(record: str) -> tuple[list[str], Optional[tuple[int, str]], bool]:
    """Split one record into unescaped fields.

    Returns (fields, error as (offset, message) or None, whether the last
    field lacks its closing quote).  Fields are double-quoted with backslash
    escapes (\\" \\' \\\\) and may span lines.
    """
    fields: list[str] = []
    pos, n = 0, len(record)
    while True:
        if pos < n and record[pos] == '"':
            m = _CSV_QUOTED.match(record, pos)
            fields.append(_CSV_UNESCAPE.sub(r"\1", m.group(1)))
            pos = m.end()
            if pos >= n:
                return fields, None, True
            pos += 1  # closing quote
        else:
            end = pos
            while end < n and record[end] not in ",\n":
                end += 1
            fields.append(record[pos:end])
            pos = end
        if pos < n and record[pos] == ",":
            pos += 1
            continue
        if record[pos:].strip() == "":
            return fields, None, False
        return fields, (pos, f"expected ',' or the end of the record after column "
                             f"{len(fields)}, found {record[pos:pos + 20]!r}"), False


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n"), offset - (before.rfind("\n") + 1) + 1


def _csv_record(source: str, line: int, raw: str, last: bool) -> Item:
    """One record -> RawCable, or InputError if it is not 8 well-formed columns.

    A last column without its closing quote is accepted only at the very end
    of the input and at a line end: that is how a file cut with `split -l`
    ends (wikileaks_aa.csv does).  Anywhere else the row was cut short.
    """
    fields, problem, unterminated = _csv_fields(raw)
    if unterminated and len(fields) == _CSV_COLUMNS and not (last and raw.endswith("\n")):
        where = "" if last else " before the next record"
        problem = (0, f"cables.csv row cut short: column {_CSV_COLUMNS} has no closing quote{where}")
    if problem:
        dl, col = _line_col(raw, problem[0])
        return _err(source, problem[1], raw, "csv", line + dl, col)
    if len(fields) != _CSV_COLUMNS:
        hint = "row cut short?" if len(fields) < _CSV_COLUMNS else "stray quote or comma?"
        return _err(source, f"expected a cables.csv record of {_CSV_COLUMNS} columns, "
                            f"found {len(fields)} ({hint})", raw, "csv", line)
    _number, date, ident, origin, classification, refs, header, body = fields
    meta = Metadata(id=ident.strip() or None, created=normalise_date(date),
                    classification=classification.strip() or None,
                    origin=origin.strip() or None,
                    references=[r.strip() for r in refs.split("|") if r.strip()])
    return RawCable(source=source, line=line, format="csv", raw=raw,
                    header=_trim(header), body=_trim(body), meta=meta)


def _read_csv(source: str, lines: Iterable[bytes]) -> Iterator[Item]:
    """Stream records: each starts at a line like `"12","1/31/1985 5:31","`
    and runs to the next such line, so memory holds one record at a time."""
    buf: list[bytes] = []
    start, lineno = 1, 0
    seen_record = False
    legacy: Optional[str] = None  # guessed once, for records that are not UTF-8

    def flush(last: bool = False) -> Iterator[Item]:
        nonlocal legacy
        data = b"".join(buf)
        try:
            raw = _normalise_newlines(data.decode("utf-8"))
        except UnicodeDecodeError:
            legacy = legacy or _guess_encoding(data)
            raw = _decode_legacy(data, legacy)
        if seen_record:
            yield _csv_record(source, start, raw, last)
        elif last:
            yield _err(source, "no cables.csv record found: expected lines like "
                               '"1","12/28/1966 18:48","66BUENOSAIRES2481",…', raw, "csv")
        elif raw.strip():
            yield _err(source, "skipped a fragment before the first cables.csv record "
                               "(the file was cut mid-row?)", raw, "csv", start)

    for lineno, line in enumerate(lines, 1):
        if _CSV_START.match(line):
            yield from flush()
            buf, start, seen_record = [line], lineno, True
        else:
            buf.append(line)
    yield from flush(last=True)


# --------------------------------------------------------------------------
# Detection and dispatch

_HEAD_BYTES = 65536
_HTML_SIGNS = re.compile(rb"<table\s+class=['\"]cable['\"]|<pre[\s>]|<html[\s>]|<!doctype html",
                         re.I)


def _is_csv(head: bytes) -> bool:
    for line in head.split(b"\n")[:5]:
        s = line.strip()
        if s in (b"", b'"'):
            continue
        return bool(_CSV_START.match(line.lstrip()))
    return False


def _read_stream(source: str, stream: BinaryIO) -> Iterator[Item]:
    """Detect the format from the first bytes; stream CSV, read the rest whole."""
    head = stream.read(_HEAD_BYTES)
    if head and not head.endswith(b"\n"):
        head += stream.readline()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    is_csv = _is_csv(head) or (
        source.lower().endswith(".csv") and not _HTML_SIGNS.search(head)
        and b"\x00" not in head[:_BINARY_PROBE] and head.strip() != b"")
    if is_csv:
        yield from _read_csv(source, itertools.chain(io.BytesIO(head), stream))
        return
    yield from _read_whole(source, head + stream.read())


def read_bytes(source: str, data: bytes) -> Iterator[Item]:
    """Detect and read one input given as bytes (path or "-" as `source`)."""
    return _read_stream(source, io.BytesIO(data))


def _read_whole(source: str, data: bytes) -> Iterator[Item]:
    try:
        text = decode(data)
    except BinaryDataError as exc:
        yield _err(source, f"{exc} ({len(data)} bytes)", "", "unknown", 0, 0)
        return
    if not text.strip():
        yield _err(source, "empty file, expected a cable", text)
        return

    page = extract_html_page(text) if "<pre" in text or "<PRE" in text else None
    if page is not None:
        header, body, meta = page
        yield RawCable(source, 1, "page-html", text, header, body, meta)
        return
    if _HTML_SIGNS.search(data[:_HEAD_BYTES]) and text.lstrip().startswith("<"):
        yield _err(source, "HTML without a cable: expected a Cablegate page with "
                           "<code><pre> blocks", text, "page-html")
        return

    saved = split_page_text(text)
    if saved is not None:
        meta, cable = saved
        header, body = split_header_body(cable)
        yield RawCable(source, 1, "page-text", text, header, body, meta)
        return

    sibling = _plusd_sibling(source)
    if sibling is not None:
        with open(sibling, "rb") as fh:
            fields = parse_plusd_metadata(_text_of(fh.read()))
        # transcribed from web pages: entities such as &quot; stand for their characters
        header, body = split_header_body(_unescape_strict(text))
        yield RawCable(source, 1, "plusd", text, header, body, _plusd_meta(fields, source))
        return
    if source.endswith(_META_SUFFIX) or (
            text.lstrip().startswith("---") and re.search(r"^Document Number:", text, re.M)):
        raw_name = (source[: -len(_META_SUFFIX)] + _RAW_SUFFIX
                    if source.endswith(_META_SUFFIX) else "its .raw-content.txt")
        if os.path.isfile(raw_name):
            message = f"plusd metadata is read with its cable: give {raw_name} instead"
        else:
            message = f"plusd metadata without its cable: expected {raw_name} beside it"
        yield _err(source, message, text, "plusd")
        return

    five = _five_line_meta(text)
    if five is not None:
        meta, cable = five
        header, body = split_header_body(cable)
        yield RawCable(source, 1, "text", text, header, body, meta)
        return
    if _looks_like_cable(text):
        header, body = split_header_body(text)
        yield RawCable(source, 1, "text", text, header, body, Metadata())
        return
    yield _err(source, "unknown format: expected a Cablegate page, cables.csv, or cable text",
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
        if path.endswith(_META_SUFFIX) and (
                path[: -len(_META_SUFFIX)] + _RAW_SUFFIX) in wanted:
            continue
        try:
            with open(path, "rb") as fh:
                yield from _read_stream(path, fh)
        except FileNotFoundError:
            yield _err(path, "no such file or directory", "", "unknown", 0, 0)
        except OSError as exc:
            yield _err(path, f"cannot read: {exc.strerror or exc}", "", "unknown", 0, 0)
