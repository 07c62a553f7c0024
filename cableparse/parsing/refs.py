"""Turn the text of a REF/REFS/REFTEL field into references with canonical ids.

`REFS:  (A) 06 STATE 00202745` -> label A, target 06STATE202745. The year may be
missing (`REFTEL: HARARE 6584`): it is then the citing cable's own year. Items
that name no cable (e-mails, meetings, `STATE CA-3400 NOV 2, 1966`) keep their
raw text and no target.
"""
from __future__ import annotations

import re
from typing import Optional

import regex  # overlapped search: "A 08 ROME 01192" must not lose its year to the label

from ..model import Reference

# A label opens an item: "(A)", "A.", "A)" at the start or after a separator.
_LABEL = re.compile(r"(?:^|(?<=[\s;,]))(?:\(([A-Za-z])\)|([A-Za-z])[.)])(?=\s)")
# Already an id: "08CAIRO2408"
_COMPACT = re.compile(r"(?<![A-Za-z0-9])(?P<year>\d{2})(?P<station>[A-Z]{2,})(?P<number>\d{1,7})(?![A-Za-z0-9])")
# Year after the station: "SECSTATE 06 163201"
_YEAR_AFTER = re.compile(
    r"(?<![A-Za-z0-9])(?P<station>[A-Za-z][A-Za-z'.]*(?:[ ][A-Za-z][A-Za-z'.]*){0,3}?)"
    r"\s+(?P<year>\d{2})\s+0*(?P<number>\d{3,7})(?![\d/:-])")
# [year] station [-]number: "06 STATE 00202745", "99 PRETORIA 12315", "Sao Paulo 0260"
_CITATION = regex.compile(
    r"(?<![A-Za-z0-9])(?:(?P<year>\d{4}|\d{2})\s+)?"
    r"(?P<station>[A-Za-z][A-Za-z'.]*(?:[ ][A-Za-z][A-Za-z'.]*){0,3}?)"
    r"\s+-?\s?0*(?P<number>\d{1,7})(?![\d/:-])"
)
_DOUBLED_LABEL = re.compile(r"(?<![A-Za-z])\(?([A-Za-z])[.)]\s+\(?\1[.)]")
_NOT_STATIONS = {
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
    "OCTOBER", "NOVEMBER", "DECEMBER", "JAN", "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP",
    "SEPT", "OCT", "NOV", "DEC", "PARA", "PARAS", "PARAGRAPH", "PAGE", "SECTION", "ITEM", "NO",
    "NUMBER", "OF", "AND", "ON", "IN", "REF", "REFTEL", "REFS", "EMAIL", "E-MAIL",
    "MEMO", "LETTER", "TELCON", "DATED", "FAX", "USC", "RESOLUTION", "UNSCR", "CFR", "LAW",
    "ARTICLE", "ANNEX", "TITLE", "CHAPTER", "PUBLIC", "FY", "A", "B", "C", "D", "E", "F",
}
_STATION_PREFIX = re.compile(r"^(?:AMEMBASSY|AMCONSUL|USMISSION|SECSTATE|AMEMB|EMBASSY)\s*", re.I)


def canonical_station(station: str) -> str:
    """`Sao Paulo` -> `SAOPAULO`, `SECSTATE` -> `STATE`, `AMEMBASSY ROME` -> `ROME`."""
    s = station.upper().strip()
    if s in ("SECSTATE", "SECSTATE WASHDC", "STATE WASHDC"):
        return "STATE"
    s = _STATION_PREFIX.sub("", s) or s
    return re.sub(r"[^A-Z]", "", s)


def canonical_id(year: Optional[str], station: str, number: str, default_year: Optional[str]) -> Optional[str]:
    yy = year[-2:] if year else default_year
    st = canonical_station(station)
    if not yy or not st or st in _NOT_STATIONS or int(number) == 0:
        return None
    return f"{yy}{st}{int(number)}"


def _target(item: str, default_year: Optional[str]) -> Optional[str]:
    m = _COMPACT.search(item)
    if m and m.group("station") not in _NOT_STATIONS:
        return canonical_id(m.group("year"), m.group("station"), m.group("number"), None)
    for pattern in (_YEAR_AFTER, _CITATION):
        target = _first_citation(pattern, item, default_year)
        if target:
            return target
    return None


def _first_citation(pattern, item: str, default_year: Optional[str]) -> Optional[str]:
    matches = pattern.finditer(item, overlapped=True) if pattern is _CITATION else pattern.finditer(item)
    for m in matches:
        station = m.group("station")
        words = station.upper().split()
        # drop leading words that cannot be part of a station ("SEE STATE 123")
        while words and words[0] in _NOT_STATIONS:
            words.pop(0)
        if not words or words[-1] in _NOT_STATIONS:
            continue
        target = canonical_id(m.group("year"), " ".join(words), m.group("number"), default_year)
        if target:
            return target
    return None


def parse_refs(text: str, default_year: Optional[str] = None) -> list[Reference]:
    """Split a REF field into its items; `default_year` is the citing cable's two-digit year."""
    text = " ".join(text.replace("¶", " ").split())
    text = _DOUBLED_LABEL.sub(lambda m: m.group(1) + ".", text)  # "A. A) MEXICO 3834"
    if not text:
        return []
    labels = list(_LABEL.finditer(text))
    items: list[tuple[Optional[str], str]] = []
    if labels and labels[0].start() <= 1:
        for m, nxt in zip(labels, labels[1:] + [None]):
            label = (m.group(1) or m.group(2)).upper()
            raw = text[m.end(): nxt.start() if nxt else len(text)].strip(" ;,")
            items.append((label, raw))
    else:
        items = [(None, part.strip()) for part in re.split(r";|\s(?:AND|and)\s", text) if part.strip()]
    return [
        Reference(position=i, label=label, raw=raw, target_id=_target(raw, default_year))
        for i, (label, raw) in enumerate(items, 1)
    ]
