"""The Cablegate `cables.csv` dump, streamed one record at a time.

Eight double-quoted columns (number, date, id, origin, classification,
references separated by `|`, header, content) with backslash escapes (`\\"`,
`\\'`), fields spanning lines. The stdlib csv module splits a record; records
are found by their first line, so a 1.7 GB file never sits in memory.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Iterator, Optional

from ..model import Metadata, RawCable
from .base import Item, input_error, trim
from .dates import normalise_date
from .decoding import decode_legacy, guess_encoding, normalise_newlines

# A record's first line: "12","1/31/1985 5:31","
CSV_START = re.compile(rb'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
# A cable's content column runs to megabytes; the csv module's default limit is 128 KiB.
csv.field_size_limit(2**31 - 1)
_CSV_COLUMNS = 8


class _CablesDialect(csv.Dialect):
    delimiter = ","
    quotechar = '"'
    escapechar = "\\"
    doublequote = False
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


class _CutDialect(_CablesDialect):
    """For a record whose last field lost its closing quote: read what is there."""

    strict = False


# One field as the dump writes it, for saying where a broken record goes wrong.
_FIELD = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[^,\n"]*', re.S)  # unrolled: fields run to megabytes


def _junk_after_field(record: str) -> Optional[tuple[int, int]]:
    """(offset, columns before it) of the first text after a field that is neither ',' nor the end."""
    pos, count = 0, 0
    while True:
        pos = _FIELD.match(record, pos).end()
        count += 1
        if record[pos:].strip() == "":
            return None
        if record[pos] != ",":
            return pos, count
        pos += 1


def _csv_fields(record: str) -> tuple[list[str], Optional[tuple[int, str]], bool]:
    """Split one record into unescaped fields.

    Returns (fields, error as (offset, message) or None, whether the last
    field lacks its closing quote). The csv module, with quotes that are never
    doubled, reads text after a closing quote as more of the field: that is
    looked for first, so the error names where the record goes wrong.
    """
    problem = _junk_after_field(record)
    if problem is not None:
        pos, count = problem
        return [], (pos, f"expected ',' or the end of the record after column "
                         f"{count}, found {record[pos:pos + 20]!r}"), False
    try:
        rows = list(csv.reader(io.StringIO(record, newline=""), _CablesDialect))
    except csv.Error:  # strict: the last field's closing quote is missing
        return next(csv.reader(io.StringIO(record, newline=""), _CutDialect)), None, True
    return (rows[0] if rows else []), None, False


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
        return input_error(source, problem[1], raw, "csv", line + dl, col)
    if len(fields) != _CSV_COLUMNS:
        hint = "row cut short?" if len(fields) < _CSV_COLUMNS else "stray quote or comma?"
        return input_error(source, f"expected a cables.csv record of {_CSV_COLUMNS} columns, "
                            f"found {len(fields)} ({hint})", raw, "csv", line)
    _number, date, ident, origin, classification, refs, header, body = fields
    meta = Metadata(id=ident.strip() or None, created=normalise_date(date),
                    classification=classification.strip() or None,
                    origin=origin.strip() or None,
                    references=[r.strip() for r in refs.split("|") if r.strip()])
    return RawCable(source=source, line=line, format="csv", raw=raw,
                    header=trim(header), body=trim(body), meta=meta)


def read_csv(source: str, lines: Iterable[bytes], first_line: int = 1,
             at_end: bool = True) -> Iterator[Item]:
    """Stream records: each starts at a line like `"12","1/31/1985 5:31","`
    and runs to the next such line, so memory holds one record at a time.

    `lines` may be a slice of the file cut at a record start (`record_ranges`):
    `first_line` is then the file's line number of its first line, and `at_end`
    says whether the slice runs to the end of the file (where a cut last record is
    accepted)."""
    buf: list[bytes] = []
    start, lineno = first_line, first_line - 1
    seen_record = False
    legacy: Optional[str] = None  # guessed once, for records that are not UTF-8

    def flush(last: bool = False) -> Iterator[Item]:
        nonlocal legacy
        data = b"".join(buf)
        try:
            raw = normalise_newlines(data.decode("utf-8"))
        except UnicodeDecodeError:
            legacy = legacy or guess_encoding(data)
            raw = decode_legacy(data, legacy)
        if seen_record:
            yield _csv_record(source, start, raw, last)
        elif last:
            yield input_error(source, "no cables.csv record found: expected lines like "
                               '"1","12/28/1966 18:48","66BUENOSAIRES2481",…', raw, "csv")
        elif raw.strip():
            yield input_error(source, "skipped a fragment before the first cables.csv record "
                               "(the file was cut mid-row?)", raw, "csv", start)

    for lineno, line in enumerate(lines, first_line):
        if CSV_START.match(line):
            yield from flush()
            buf, start, seen_record = [line], lineno, True
        else:
            buf.append(line)
    yield from flush(last=at_end)


# A record start after a line end, found in the raw bytes without splitting lines.
_RECORD_AFTER_NEWLINE = re.compile(rb"\n(?=" + CSV_START.pattern + rb")")
_START_REACH = 64  # bytes CSV_START can look at beyond a line end


def record_ranges(path: str, records: int, block: int = 8 << 20) -> Iterator[tuple[int, int, int, int]]:
    """Cut a cables.csv into slices of `records` records at record starts, as `read_csv`
    splits records (a line that matches CSV_START), reading it once in blocks.

    Yields (start byte, end byte, line number of the first line, records in the slice);
    the last slice ends at the file's end. A fragment before the first record stays in
    the first slice, so reading the slices in order gives what reading the file does
    (but for the encoding of records that are not UTF-8, guessed per slice).
    """
    with open(path, "rb") as fh:
        buf = fh.read(block)
        base = 0  # file offset of buf[0]
        head = buf[3:] if buf.startswith(b"\xef\xbb\xbf") else buf
        count = 1 if CSV_START.match(head) else 0  # records in the slice being cut
        start, start_line = 0, 1
        newlines, counted = 0, 0  # line ends before file offset `counted`
        scan = 0
        eof = False
        while True:
            limit = len(buf) if eof else max(scan, len(buf) - _START_REACH)
            for m in _RECORD_AFTER_NEWLINE.finditer(buf, scan):
                if m.start() >= limit:
                    break
                at = m.start() + 1
                count += 1
                if count > records:
                    newlines += buf.count(b"\n", counted - base, at)
                    counted = base + at
                    yield start, base + at, start_line, count - 1
                    start, start_line, count = base + at, newlines + 1, 1
            if eof:
                break
            newlines += buf.count(b"\n", counted - base, limit)
            counted = base + limit
            buf, base, scan = buf[limit:], base + limit, 0
            more = fh.read(block)
            eof = not more
            buf += more
        yield start, base + len(buf), start_line, count

