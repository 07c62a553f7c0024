"""Turn the text of a REF/REFS/REFTEL field into references with canonical ids.

`REFS:  (A) 06 STATE 00202745` -> label A, target 06STATE202745. An item is a
label (`A.`, `(A)`, `A)`, `B:`, `Ref C:`), then text that may hold a citation:
a station, a serial and a year, which may stand before the station
(`06 STATE 1234`, `2008 RIO 295`, `10SHENYANG 003`), between station and serial
(`SECSTATE 06 163201`), after the serial (`THE HAGUE 3128 (2005)`) or be
missing (`REFTEL: HARARE 6584`). The station must be one of the Cablegate
stations or a known spelling of one (stations.py): report numbers
(`IIR 6 809 0156 08`), date-time groups (`SECDEF MSG DTG 301601Z SEP 08`),
e-mails, meetings, `STATE CA-3400 NOV 2, 1966` keep their raw text and no target.

A field runs into items by its labels, taken in turn (A, B, C ...; a label the
page doubled, `A. A)`, counts once), else by `;`, a colon before a citation
(`TEHRAN 1091: TEHRAN 263`) and each further citation (`STATE 297614 AND
PREVIOUS 03 RANGOON 1427`). A page's second copy of the field, the body run on
into it and page furniture are left out.

A missing year is the citing cable's own, except where that cannot be: a serial
above the citing cable's own at the same station, a STATE serial higher than any
the Department had reached by the citing cable's month of its year, or, from
January to March, another station's serial higher than any it had reached by that
month in any year of Cablegate, is last year's (stations.py has the tables).
Those guesses, and abbreviations read as a station (`USUN` -> USUNNEWYORK), are
reported by `parse_refs_with_warnings`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..model import ParseProblem, Reference
from . import stations as _stations
from .terms import MONTH, MONTH_NAME

# ----------------------------------------------------------------------------- the field's text

# The field's own label, when the text still carries it: `REF.:`, `REFS.`, `Ref(s):`
_FIELD_LABEL = re.compile(
    r"^\s*REF(?:S|TELS?|TEL\(S\)|\(S\)|ERENCES?)?(?:\s*(?:\.\s*:?|:)\s*|\s+(?=\(?[A-Za-z]\s?[.):]\s))", re.I)
# A label written with the word: `Ref A:`, `REF B)` -> `A.` (not `Ref A.`: prose says that)
_WORD_LABEL = re.compile(r"(?<![A-Za-z])REF(?:S|TELS?)?\s+\(?([A-Za-z])\s*[:)]", re.I)
# Where the body starts when the field ran on into it: a first paragraph or a paragraph
# mark at a line start (`\n1. (C) Summary`, `\n(U) Post delivered`), `Classified By`,
# `SENSITIVE BUT UNCLASSIFIED`. Run on the text as written: a line start may also be a
# run of spaces where the page lost its line ends.
_BODY_START = re.compile(
    r"(?:\n|[ \t]{3,})[ \t]*(?:¶[ \t]?)?"
    r"(?:1[ \t]?[.)][ \t]*(?=\(|[A-Z])|\((?:U|SBU|SBU/NF|U//FOUO|FOUO)\)\s*(?=[A-Z]))"
    r"|(?<!\S)\((?:U|SBU|SBU/NF|U//FOUO|FOUO)\)\s*(?=[A-Z][a-z])"
    r"|\bClassi\w*\s+By\b|\bCLASSI\w*\s+BY\b|\bSENSITIVE\s+BUT\s+UNCLASSIFIED\b")
# Page furniture run into the field: `CAIRO 00000524  001.2 OF 002`, `PAGE 02 HARARE 05461 01 OF 02 271458Z`
_PAGE_BREAK = re.compile(
    r"[A-Z][A-Z.'-]*(?:[ ][A-Z][A-Z.'-]*){0,2}[ \t]+0\d{4,7}[ \t]+\d{3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{3}"
    r"|PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z.' -]*?[ \t]+\d{3,6}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z")
_ELLIPSIS = re.compile(r"\.\.\.|…")

# A label candidate: `(A)`, `A.`, `A)`, `A:` at the start or after a separator. After `A.`
# / `A)` / `A:` comes a space, or a station or year glued on (`A.BOGOTA`, `(A)STATE`);
# `A.4.` and `U.S.` are no labels.
_LABEL = re.compile(
    r"(?:^|(?<=[\s;,(]))(?:\(\s?([A-Za-z]|\d{1,2})\s?\)|([A-Za-z])[.):](?=\s|[A-Za-z]{2}|\d{2}\s)|(\d{1,2})[.)](?=\s))")

# ----------------------------------------------------------------------------- citations

_TOKEN = re.compile(
    r"(?P<id>(?<![\w])\d{2}[A-Z]{2,}\d{1,7}(?![\w]))"          # 08CAIRO2408
    r"|(?P<yst>(?<![\w])\d{2}[A-Z]{2,}(?![\w]))"              # 10SHENYANG (003)
    r"|(?P<pyear>\((?:19|20)?\d{2}\))"                         # (2005) (06)
    r"|(?P<num>(?<![\w./:-])-?0*\d{1,7}(?![\w/]|:\S|[.,-]\d))"   # 1234, -097844
    r"|(?P<word>[A-Za-z][A-Za-z']*\.?)"                        # station words
    r"|(?P<other>\S)")
_ID_PARTS = re.compile(r"(\d{2})([A-Z]+?)0*(\d+)$")  # 08CAIRO2408 -> 08, CAIRO, 2408
_YEAR_STATION = re.compile(r"(\d{2})([A-Z]+)$")  # 10SHENYANG -> 10, SHENYANG
_DIGIT = re.compile(r"\d")
_IS_MONTH = re.compile(rf"{MONTH}|{MONTH_NAME}").fullmatch  # a date's month: `30 APRIL`
_MAX_STATION_WORDS = 5


@dataclass
class Citation:
    """One cited cable: what the text says, before the year is settled."""

    start: int  # offset in the item text
    station: str  # Cablegate station (STATE, THEHAGUE ...)
    serial: int
    year: Optional[str]  # two digits as written, None when the text gives none
    spelling: str  # the station as written
    variant: bool  # the spelling is an abbreviation or misspelling read as the station (USUN)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    return [(m.lastgroup, m[0], m.start()) for m in _TOKEN.finditer(text.upper())]


def _year(text: str) -> Optional[str]:
    digits = text.strip("()")
    if len(digits) == 4 and digits[:2] not in ("19", "20"):
        return None
    return digits[-2:]


def _is_year(token: tuple[str, str, int]) -> bool:
    kind, text, _ = token
    if kind != "num" or text.startswith("-"):
        return False
    return len(text) == 2 or (len(text) == 4 and text[:2] in ("19", "20"))


def find_citations(text: str) -> list[Citation]:
    """Every citation in a piece of field text, left to right."""
    if not _DIGIT.search(text):
        return []  # each citation has a serial: text without a digit cites nothing
    toks = _tokens(text)
    out: list[Citation] = []
    used = -1  # index of the last token a citation took
    for i, (kind, value, start) in enumerate(toks):
        if i <= used:
            continue
        if kind == "id":
            m = _ID_PARTS.match(value)
            station, variant = _stations.lookup(m.group(2))
            if station and int(m.group(3)):
                out.append(Citation(start, station, int(m.group(3)), m.group(1), m.group(2), variant))
                used = i
            continue
        if kind != "num" or value.startswith("0" * len(value)):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt and nxt[0] == "word" and _IS_MONTH(nxt[1].rstrip(".")):
            continue  # a date: `LONDON DAILY 30 APRIL`
        if nxt and nxt[0] == "num" and len(value) == 2 and len(nxt[1].lstrip("-")) >= 3:
            continue  # the year before a serial: `SECSTATE 06 163201`
        found = _station_before(toks, i, used)
        if not found:
            continue
        first, station, spelling, variant, year = found
        serial = int(value.lstrip("-"))
        if serial == 0:
            continue
        if year is None and first - 1 > used and first >= 1 and _is_year(toks[first - 1]):
            year, first = _year(toks[first - 1][1]), first - 1
        last = i
        if nxt and nxt[0] == "pyear":
            if year is None:
                year = _year(nxt[1])
            last = i + 1
        out.append(Citation(toks[first][2], station, serial, year, spelling, variant))
        used = last
        # `BRASILIA 715 AND 660`, `STATE 41252 & 44603`: another serial of the same station
        while (used + 2 < len(toks) and toks[used + 1][1] in ("AND", "&") and toks[used + 2][0] == "num"
               and len(toks[used + 2][1].lstrip("-0")) >= 2 and not _starts_station(toks, used + 3)
               and not (used + 3 < len(toks) and _IS_MONTH(toks[used + 3][1].rstrip(".")))):
            out.append(Citation(toks[used + 2][2], station, int(toks[used + 2][1].lstrip("-")), year, spelling,
                                variant))
            used += 2
    return out


def _starts_station(toks, k: int) -> bool:
    """Whether the words from token `k` on begin with a station (then the number before is a year)."""
    words = []
    while k < len(toks) and toks[k][0] == "word" and len(words) < _MAX_STATION_WORDS:
        words.append(toks[k][1])
        k += 1
    return any(_stations.lookup(" ".join(words[:n]))[0] for n in range(len(words), 0, -1))


def _station_before(toks, i: int, used: int):
    """(first token, station, spelling, variant, year) of the station just before serial `i`.

    The words right before the serial, longest run first (`RIO DE JAN`, then `DE JAN`,
    then `JAN`); a two-digit year may stand between station and serial
    (`SECSTATE 06 163201`) or inside the station's words (`SAO 06 PAULO 0234`);
    `10SHENYANG 003` carries its year.
    """
    j = i - 1
    year = None
    if j > used and _is_year(toks[j]) and len(toks[j][1]) == 2 and j - 1 > used and toks[j - 1][0] in ("word", "yst"):
        year, j = toks[j][1], j - 1  # SECSTATE 06 163201
    if j <= used:
        return None
    if toks[j][0] == "yst":
        m = _YEAR_STATION.match(toks[j][1])
        station, variant = _stations.lookup(m.group(2))
        return (j, station, m.group(2), variant, year or m.group(1)) if station else None
    words: list[int] = []  # token indexes, nearest first
    inner_year = None
    k = j
    while k > used and len(words) < _MAX_STATION_WORDS:
        if toks[k][0] == "word":
            words.append(k)
        elif (toks[k][0] == "num" and len(toks[k][1]) == 2 and words and inner_year is None and year is None
              and k - 1 > used and toks[k - 1][0] == "word"):
            inner_year = k  # SAO 06 PAULO
        else:
            break
        k -= 1
    for n in range(len(words), 0, -1):
        chosen = words[:n]
        spelling = " ".join(toks[t][1] for t in reversed(chosen))
        station, variant = _stations.lookup(spelling)
        if station:
            first = chosen[-1]
            y = year
            if inner_year is not None and inner_year > first:
                y = toks[inner_year][1]
            return first, station, spelling, variant, y
    return None


# ----------------------------------------------------------------------------- items

def _clean(text: str) -> str:
    if "OF" in text or "PAGE" in text:  # each page break holds one: most fields skip the costly search
        text = _PAGE_BREAK.sub(" ", text)
    text = " ".join(text.replace("¶", " ").split())
    text = _FIELD_LABEL.sub("", text, count=1)
    return _WORD_LABEL.sub(lambda m: m.group(1) + ".", text)


def _cut_body(text: str) -> str:
    m = _BODY_START.search(text)
    return text[:m.start()] if m and text[:m.start()].strip() else text


def _letter(m) -> str:
    """The label's letter (upper case) or number."""
    return (m.group(1) or m.group(2) or m.group(3)).upper()


def _cites_at(text: str, pos: int) -> bool:
    """Whether a citation begins right at `pos` (after spaces)."""
    rest = text[pos:pos + 60]
    cites = find_citations(rest)
    return bool(cites) and not rest[:cites[0].start].strip()


def _following(label: str) -> str:
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)


def _labels(text: str) -> list:
    """The labels that letter the items: the first at the start, then the next letters in
    turn (`1.`, `2.` in some old telegrams); a label doubled by the site (`A. A)`,
    `A. (A)`, `A. A.`) counts once, a letter written twice (`C) ROME 283 C) 08 ROME
    1191`) twice. A letter out of turn is text of the item (`U.S.`, `(C)`)."""
    chosen: list = []
    for m in _LABEL.finditer(text):
        letter = _letter(m)
        if not chosen:
            if m.start() > 1 or (letter.isdigit() and letter != "1"):
                return []
            chosen.append(m)
        elif letter == _letter(chosen[-1]):
            if not text[chosen[-1].end():m.start()].strip():
                chosen[-1] = _Doubled(chosen[-1], m)
            elif len(chosen) > 1 and _cites_at(text, m.end()):
                chosen.append(m)
        elif letter == _following(_letter(chosen[-1])):
            chosen.append(m)
        elif letter == _following(_following(_letter(chosen[-1]))) and _cites_at(text, m.end()):
            chosen.append(m)  # the letter before it is garbled (`B01/10/10 ERELI-HALE TELCON C. 09 MANAMA 731`)
    return chosen


def _repeat_start(text: str, labels: list) -> int:
    """Where the lettered list starts again (`A) ROME 1021 B) ROME 1018 A) ROME 1021 ...`,
    a page giving the field twice): the end of the first copy, or the text's end."""
    first = _letter(labels[0])
    last = labels[-1]
    for m in _LABEL.finditer(text, last.end()):
        if _letter(m) == first and len(labels) > 1:
            return m.start()
    return len(text)


class _Doubled:
    """Two labels of one letter in a row (`A. A)`): the first's letter, the second's end."""

    def __init__(self, first, second):
        self._first, self._second = first, second

    def group(self, n):
        return self._first.group(n)

    def start(self):
        return self._first.start()

    def end(self):
        return self._second.end()


def _after_truncation(text: str) -> str:
    """A page that cut the field (`B. US...`) and then gave it again whole: the whole copy."""
    ends = [m.end() for m in _ELLIPSIS.finditer(text)]
    if not ends:
        return text
    first = _labels(text)
    letter = _letter(first[0]) if first else "A"
    for end in ends:
        after = text[end:]
        for m in _LABEL.finditer(after):
            if _letter(m) == letter:
                return after[m.start():]
    if not first:
        after = text[ends[-1]:]
        if find_citations(after):
            return after.strip()
    return text


def _single_copy(text: str) -> str:
    """A field a page gives twice in a row (`07 KINSHASA 798 07 kinshasa 798`): one copy."""
    t = text.strip()
    for k in _nearest_spaces(t, len(t) // 2, 8):
        if t[:k].strip().upper() == t[k:].strip().upper():
            return t[:k].strip()
    return text


def _nearest_spaces(t: str, centre: int, n: int) -> list[int]:
    """The offsets of the `n` spaces of `t` nearest `centre`, nearest first, the left one
    of two as near: found outwards from the centre, not by sorting every space."""
    out: list[int] = []
    left, right = t.rfind(" ", 0, centre + 1), t.find(" ", centre + 1)
    while len(out) < n and (left >= 0 or right >= 0):
        if right < 0 or (left >= 0 and centre - left <= right - centre):
            out.append(left)
            left = t.rfind(" ", 0, left)
        else:
            out.append(right)
            right = t.find(" ", right + 1)
    return out


_COLON = re.compile(r":\s")
_TRAILING_JOINER = re.compile(r"(?:\s+(?:AND|and)|[\s,&])+$")  # `STATE 12 AND`, `BRASILIA 715,`


def _unlabelled(text: str) -> list[tuple[str, Optional[Citation]]]:
    """(raw, citation) of the items of a field without labels: parts between `;` (or `:` in
    old telegrams), each cut again before every citation after its first
    (`STATE 12 AND PREVIOUS 03 RANGOON 14`, `BRASILIA 715 AND 660`)."""
    items = []
    parts = []
    for part in text.split(";"):
        # `TEHRAN 1091: TEHRAN 263`: a colon parts items when a citation follows it
        cuts = [m.end() for m in _COLON.finditer(part) if _cites_at(part, m.end())]
        parts += [part[a:b].rstrip(": ") for a, b in zip([0] + cuts, cuts + [len(part)])]
    for part in parts:
        part = part.strip(" ,")
        if not part:
            continue
        cites = find_citations(part)
        bounds = [0] + [c.start for c in cites[1:]] + [len(part)]
        for n, (a, b) in enumerate(zip(bounds, bounds[1:])):
            piece = _TRAILING_JOINER.sub("", part[a:b]).strip()
            if piece:
                items.append((piece, cites[n] if cites else None))
    return items


def split_items(text: str) -> list[tuple[Optional[str], str, Optional[Citation]]]:
    """(label, raw, citation) of each item of the field's text; the citation is the cable the
    item names, None for an e-mail, a meeting, a report number."""
    if not text or text.isspace():
        return []  # most cables have no REF field
    text = _single_copy(_after_truncation(_clean(_cut_body(text))))
    if not text:
        return []
    labels = _labels(text)
    if labels:
        text = text[:_repeat_start(text, labels)]
    if not labels:
        return [(None, raw, cite) for raw, cite in _unlabelled(text)]
    items = []
    for m, nxt in zip(labels, labels[1:] + [None]):
        raw = text[m.end(): nxt.start() if nxt else len(text)].strip(" ;,")
        cites = find_citations(raw)
        items.append((_letter(m), raw, cites[0] if cites else None))
    return items


# ----------------------------------------------------------------------------- years

def _full_year(yy: str) -> int:
    return 1900 + int(yy) if int(yy) >= 50 else 2000 + int(yy)


def _previous(yy: str) -> str:
    return f"{(int(yy) - 1) % 100:02d}"


_CITING = re.compile(r"^(\d{2})([A-Z]+?)(\d+)$")


def _settle_year(c: Citation, default_year: Optional[str], citing_id: Optional[str],
                 month: Optional[int]) -> tuple[Optional[str], Optional[str]]:
    """(two-digit year, warning or None) of a citation."""
    if c.year is not None:
        return c.year, None
    if not default_year:
        return None, None
    m = _CITING.match(citing_id or "")
    if m and m.group(2) == c.station and m.group(1) == default_year and c.serial > int(m.group(3)):
        return _previous(default_year), (
            f"{c.station} {c.serial} without a year, above the citing cable's own serial "
            f"{int(m.group(3))}: read as {_full_year(_previous(default_year))}")
    if c.station == "STATE" and month and c.serial > _stations.state_serial_ceiling(_full_year(default_year), month):
        return _previous(default_year), (
            f"STATE {c.serial} without a year is above any STATE serial of {month:02d}/{_full_year(default_year)}: "
            f"read as {_full_year(_previous(default_year))}")
    ceiling = _stations.early_serial_ceiling(c.station, month) if month and c.station != "STATE" else None
    if ceiling and c.serial > ceiling:
        return _previous(default_year), (
            f"{c.station} {c.serial} without a year, in a cable of month {month}: higher than that station's "
            f"serials reach by then; read as {_full_year(_previous(default_year))}")
    return default_year, None


def _target(c: Optional[Citation], default_year, citing_id, month,
            problems: list[ParseProblem]) -> tuple[Optional[str], bool]:
    """(target id, whether the citation is the citing cable's own number)."""
    if c is None:
        return None, False
    year, warning = _settle_year(c, default_year, citing_id, month)
    if not year:
        return None, False
    if f"{year}{c.station}{c.serial}" == citing_id:
        return None, True  # the cable's own number, a page line run into the field: no reference
    if warning:
        problems.append(ParseProblem(part="refs", line=0, column=0, message=warning, severity="warning"))
    if c.variant:
        problems.append(ParseProblem(part="refs", line=0, column=0, severity="warning",
                                     message=f"reference station {c.spelling!r} read as {c.station}"))
    return f"{year}{c.station}{c.serial}", False


def parse_refs_with_warnings(text: str, default_year: Optional[str] = None, *, citing_id: Optional[str] = None,
                             month: Optional[int] = None) -> tuple[list[Reference], list[ParseProblem]]:
    """`parse_refs`, and the guesses it made as warnings (part "refs")."""
    problems: list[ParseProblem] = []
    refs: list[Reference] = []
    for label, raw, cite in split_items(text or ""):
        target, own = _target(cite, default_year, citing_id, month, problems)
        if own and label is None and refs:
            continue  # `08 STATE 74840 TRIPOLI 00000268`: the citing cable's own number after an item
        refs.append(Reference(position=len(refs) + 1, label=label, raw=raw, target_id=target))
    return refs, problems


def parse_refs(text: str, default_year: Optional[str] = None, *, citing_id: Optional[str] = None,
               month: Optional[int] = None) -> list[Reference]:
    """The items of a REF field.

    `default_year` is the citing cable's two-digit year; `citing_id` (`10MANAMA25`) and
    `month` (1-12, of the cable's date) let a reference without a year fall in the year
    before when its serial cannot be of the citing cable's year.
    """
    return parse_refs_with_warnings(text, default_year, citing_id=citing_id, month=month)[0]


def canonical_station(station: str) -> Optional[str]:
    """`Sao Paulo` -> `SAOPAULO`, `SECSTATE` -> `STATE`, `AMEMBASSY ROME` -> `ROME`; None for no station."""
    return _stations.canonical_station(station)
