"""Read the values inside lines the grammar has already classified.

The grammar says *which* line is the TAGS line or a TO address; these small
functions say what it contains. Kept apart from the Transformer so each rule
can be tested on its own with strings from real cables.
"""
from __future__ import annotations

import csv
import dataclasses
import functools
import io
import re
from importlib import resources
from typing import Optional

from ..model import ParseProblem, Recipient
from . import tags as _tags
from .terms import CAVEAT, CLASSIFICATION, MARK_LEVEL, PRECEDENCE, PROSIGN

MONTHS = {m: i for i, m in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}

_CLASS_WORDS = re.compile(
    rf"^\s*(?P<cls>{CLASSIFICATION})\b"
)
_SECTION = re.compile(r"\bSECTION\s+(\d{1,3})\s+OF\s+(\d{1,3})\b")
_STATION_SERIAL = re.compile(r"(?P<station>[A-Z][A-Z .'-]*?[A-Z])\s+0*(?P<number>\d{1,7})\s*$")
_CLASS_EXTRAS = re.compile(
    r"^(?:(?:NOFORN|E ?F ?T ?O|SENSITIVE|SBU|FOUO|NOCONTRACT|ORCON|SPECAT|EXDIS|NODIS|LIMDIS|STADIS"
    r"|PROPIN|REL\s+[A-Z, ]+?)[\s/,]*)+"
)


def normalise_class_word(word: str) -> str:
    w = word.replace(" ", "")
    return {"UNCLAS": "UNCLASSIFIED", "TOPSECRET": "TOP SECRET",
            "LIMITEDOFFICIALUSE": "LIMITED OFFICIAL USE"}.get(w, w)


def parse_class_line(line: str) -> dict:
    """`UNCLAS SECTION 01 OF 18 CASABLANCA 000042` -> level, sections, station, number."""
    out: dict = {"level": None, "section_count": None, "station": None, "number": None, "noforn": False}
    m = _CLASS_WORDS.match(line)
    if not m:
        return out
    out["level"] = normalise_class_word(m.group("cls"))
    rest = line[m.end():].strip().lstrip("/").strip()
    out["noforn"] = "NOFORN" in rest
    sec = _SECTION.search(rest)
    if sec:
        out["section_count"] = int(sec.group(2))
        rest = rest[sec.end():].strip()
    rest = _CLASS_EXTRAS.sub("", rest[:200]).strip() + rest[200:]
    # station and serial end the line: searching only its tail keeps a garbled
    # line of thousands of words linear (the lazy station pattern is quadratic)
    ss = _STATION_SERIAL.search(rest[-80:])
    if ss and not _SECTION.search(ss.group("station")):
        out["station"] = " ".join(ss.group("station").split())
        out["number"] = int(ss.group("number"))
    return out


_CAVEAT = re.compile(CAVEAT)


def parse_caveats(line: str) -> list[str]:
    """`SIPDIS`, `SENSITIVE BUT UNCLASSIFIED`, `NOFORN/NOCONTRACT` -> handling caveats in order."""
    return _CAVEAT.findall(line.upper())


_DECL = re.compile(r"DECL(?:ASSIFY)?\s*(?:ON)?\s*:?\s*(\d{1,2})/(\d{1,2})/(\d{2,4})", re.I)


def parse_eo(text: str) -> tuple[str, Optional[str]]:
    """`E.O. 12958: DECL: 08/09/2017` -> ('12958: DECL: 08/09/2017', '2017-08-09')."""
    value = re.sub(r"^\s*E\s?\.?\s?O\s?\.?\s*", "", text.strip(), flags=re.I)
    value = " ".join(value.split())
    m = _DECL.search(value)
    decl = None
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if len(year) == 2:
            year = ("19" if int(year) >= 66 else "20") + year
        if 1 <= month <= 12 and 1 <= day <= 31:
            decl = f"{year}-{month:02d}-{day:02d}"
    return value, decl


def read_tags(text: str) -> tuple[list[str], list[str], list[ParseProblem]]:
    """The TAGS field -> (tags in cable order, person tags among them, warnings where it guessed).

    See parsing/tags.py for the forms read: any case, misspelt keywords, codes run
    together (`PHUMBA` -> PHUM, BA), person tags with or without brackets, an
    author's multi-word tags kept whole; caveats, page furniture and body text left out.
    """
    tags, persons, warnings = _read_tags(text)
    return list(tags), list(persons), [dataclasses.replace(w) for w in warnings]  # the caller's own


@functools.lru_cache(maxsize=8192)  # TAGS fields repeat across cables (`PREL PGOV MO`)
def _read_tags(text: str) -> tuple:
    tags, persons, warnings = _tags.read_tags(text)
    return tuple(tags), tuple(persons), tuple(warnings)


def parse_tags(text: str) -> list[str]:
    """TAGS codes and an author's multi-word tags, in cable order, without the person tags.

    `TAGS: PREL PHUMBA, (KALOUDIS, NICK)` -> ['PREL', 'PHUM', 'BA']. Mixed-case words on a
    line of capitals (`Human Rights`) are not codes and are left out; a continuation line
    counts only if it is made of codes, so a wrapped subject or the body is not read.
    """
    tags, persons, _ = _tags.read_tags(text)
    return [t for t in tags if t not in persons]


def parse_person_tags(text: str) -> list[str]:
    """Person tags on a TAGS line: `(KALOUDIS, NICK)` -> `KALOUDIS, NICK`; `OVIP RICE CONDOLEEZZA` -> `RICE, CONDOLEEZZA`."""
    return _tags.read_tags(text)[1]


# a subject's own mark: (C) (S//NF); not `(C-NE5-00868)`, a report number
_SUBJECT_MARK = rf"\(\s*{MARK_LEVEL}(?:\s*//?\s*[A-Z][A-Z0-9 ,/-]*)?\s*\)"
_MARK = re.compile(rf"^\s*{_SUBJECT_MARK}\s*", re.I)


# `SUBJECT:`, `SUBJ:`, `Subject -`, `SUBJECT SUBJECT:`, `SUBJECT THE NEW LAW` (no colon)
_SUBJECT_LABEL = re.compile(r"^\s*(?:SUBJ(?:ECT)?\s*[:.-]\s*|SUBJECT\s+(?=[A-Z]))", re.I)
_TRAILING_MARK = re.compile(rf"\s*{_SUBJECT_MARK}\s*$", re.I)


def parse_subject(text: str) -> str:
    """One line, without `SUBJECT:` (written once or twice) and without its own `(C)`-style
    mark, leading or trailing (`... of proliferation concern (s)`)."""
    value = text
    for _ in range(2):  # "SUBJECT: SUBJECT: ..."
        value = _SUBJECT_LABEL.sub("", value, count=1)
    value = " ".join(value.split())
    value = _MARK.sub("", value, count=1).strip()
    return _TRAILING_MARK.sub("", value).strip()


# "Classified By:", "(U) CLASSIFIED BY", "Classified ByMinister ..." (no space)
_CLASSIFIED_BY_LABEL = re.compile(r"^\s*(?:\(\s*[A-Z/]{1,12}\s*\)\s*)?(?i:CLASSIFIED\s*BY)(?:\s*:\s*|\s+|(?=[A-Z]))")


def parse_classified_by(text: str) -> str:
    """The authority and reasons after the label, written once or twice
    (`Classified By: Classified by Acting Econ M/C ...`), whitespace collapsed."""
    value = text
    for _ in range(2):
        value = _CLASSIFIED_BY_LABEL.sub("", value, count=1)
    return " ".join(value.split())


# P 071652Z MAR 07 / O R 011200Z JAN 75 / P R 221828 Z MAY 73
_DTG = re.compile(
    rf"^\s*(?P<prec>(?:{PROSIGN}\s+){{1,2}})?(?P<day>\d{{2}})(?P<hh>\d{{2}})(?P<mm>\d{{2}})\s?Z\s+"
    r"(?P<mon>[A-Z]{3})\s+(?P<year>\d{2,4})(?P<marks>(?:\s+Z[A-Z]{2})*)\s*$")


def parse_dtg(line: str) -> dict:
    """Date-time group -> precedence, the group as written, and `YYYY-MM-DD HH:MM`."""
    m = _DTG.match(line)
    if not m:
        return {"precedence": None, "dtg": line.strip() or None, "created": None}
    prec, day, hh, mm, mon, year, marks = m.group("prec", "day", "hh", "mm", "mon", "year", "marks")
    if len(year) == 2:
        year = ("19" if int(year) >= 66 else "20") + year
    month = MONTHS.get(mon)
    created = None
    if month and 1 <= int(day) <= 31:
        created = f"{year}-{month:02d}-{day} {hh}:{mm}"
    dtg = line.strip()
    if prec:
        dtg = dtg[len(prec):].strip()
    if marks:
        dtg = dtg[: len(dtg) - len(marks)].strip()
    precedence = (" ".join(prec.split()) or None) if prec else None
    return {"precedence": precedence, "dtg": dtg, "created": created}


# The station ends only before a space or at the end (the lookahead): the lazy station
# then skips the other places at once instead of trying precedence and serial at each.
_ADDRESS = re.compile(
    rf"^\s*(?:(?P<ri>R[A-Z0-9]{{3,7}})\s*/\s*)?(?P<station>.*?)(?=\s|\Z)"
    rf"(?:\s+(?P<prec>{PRECEDENCE}))?(?:\s+(?P<serial>\d{{1,6}}(?:\s*-\s*\d{{1,6}})?))?\s*$")


def parse_address(line: str, role: str, position: int) -> Recipient:
    """`RUEHC/SECSTATE WASHDC PRIORITY 7620` -> RI, station, precedence, serial."""
    station, ri, precedence, serial = _address_parts(line)
    return Recipient(role=role, station=station, routing_indicator=ri,
                     precedence=precedence, serial=serial, position=position)


@functools.lru_cache(maxsize=8192)  # addressee lines repeat across cables
def _address_parts(line: str) -> tuple:
    m = _ADDRESS.match(line)
    assert m  # the pattern accepts any line
    station, ri, prec, serial = m.group("station", "ri", "prec", "serial")
    serial = "".join(serial.split()) if serial else None  # "9759-9760": a range
    return " ".join(station.split()), ri, prec, serial


_POST_KINDS = {"AMEMBASSY": "Embassy", "AMCONSUL": "Consulate", "USMISSION": "Mission",
               "USINT": "US Interests Section"}


def _place(name: str) -> str:
    """`NEW DELHI` -> `New Delhi`; acronyms such as USUN or USEU stay upper-case."""
    words = []
    for w in name.split():
        if re.fullmatch(r"(?:US|UN)[A-Z]{2,}|AIT|REO|PRT|USLO", w):
            words.append(w)
        else:
            words.append("-".join(part.capitalize() for part in w.split("-")))
    return " ".join(words)


@functools.lru_cache(maxsize=None)
def _post_names() -> dict[str, str]:
    """Posts the archive names irregularly (data/post_names.csv); the rest follow the rules below."""
    text = resources.files("cableparse").joinpath("data/post_names.csv").read_text(encoding="utf-8")
    return {row["station"]: row["origin"] for row in csv.DictReader(io.StringIO(text))}


@functools.lru_cache(maxsize=4096)  # a pure function of a value that repeats across cables
def origin_from_station(station: Optional[str]) -> Optional[str]:
    """The FM line's station as the archive names the post: `AMCONSUL CASABLANCA` -> `Consulate Casablanca`."""
    if not station:
        return None
    s = " ".join(station.upper().split())
    s = re.sub(r"\s+(?:%s)(?:\s+\d+)?$" % PRECEDENCE, "", s)
    s = re.sub(r"//.*$", "", s).strip()
    if s in _post_names():
        return _post_names()[s]
    if re.match(r"^SECSTATE\b", s):
        return "Secretary of State"
    m = re.match(r"^(AMEMBASSY|AMCONSUL|USMISSION|USINT)\s+(.+)$", s)
    if not m:
        return _place(s)
    kind, place = m.groups()
    if kind == "USMISSION" and re.match(r"^(?:USUN|UNVIE|USEU|USOSCE)\b", place):
        return _place(place)
    return f"{_POST_KINDS[kind]} {_place(place)}"


@functools.lru_cache(maxsize=4096)  # a pure function of a value that repeats across cables
def station_code(station: Optional[str]) -> Optional[str]:
    """The station as it stands in a reference id: `NEW DELHI` -> `NEWDELHI`."""
    if not station:
        return None
    s = station.upper()
    if re.match(r"^SECSTATE\b", s):
        return "STATE"
    s = re.sub(r"^(?:AMEMBASSY|AMCONSUL|USMISSION)\s+", "", s)
    return re.sub(r"[^A-Z]", "", s) or None


def archive_classification(level: Optional[str], noforn: bool, sensitive: bool) -> Optional[str]:
    """The archive's classification label from what the cable's own lines say."""
    if not level:
        return None
    if level == "UNCLASSIFIED" and sensitive:
        return "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    if level in ("CONFIDENTIAL", "SECRET") and noforn:
        return f"{level}//NOFORN"
    return level


@functools.lru_cache(maxsize=4096)  # a pure function of a value that repeats across cables
def mark_value(mark: Optional[str]) -> Optional[str]:
    """`(S//NF)` -> `S//NF`; `(C )` -> `C`; `C)` -> `C`."""
    if not mark:
        return None
    value = mark.strip().strip("()").strip()
    value = re.sub(r"\s*(/+)\s*", r"\1", value)
    return " ".join(value.upper().split()) or None


_SURNAME_NOISE = {"SENDS", "END", "TEXT", "MESSAGE", "BT", "NNNN", "NNN"}


_SURNAME_PARTICLES = {"VAN", "VON", "DE", "DEL", "DI", "LA", "LE", "ST"}


def surname(signature_line: Optional[str]) -> Optional[str]:
    """`GREENE` -> `GREENE`; `RICE SENDS` -> `RICE`; `John A. Smith` -> `SMITH`."""
    if not signature_line:
        return None
    words = [w.strip(".,;:") for w in signature_line.split()]
    words = [w for w in words if w and w.upper() not in _SURNAME_NOISE and re.search(r"[A-Za-z]{2}", w)]
    if len(words) >= 2 and words[-2].upper() in _SURNAME_PARTICLES:  # VAN VOORST, DE LA ...
        return f"{words[-2]} {words[-1]}".upper()
    return words[-1].upper() if words else None
