"""How two texts of one cable differ, in what matters to a researcher.

Compared as word tokens, so line wrapping and whitespace never show; the result
names each redaction (`XXXXXXXXXXXX`) added or lifted with the words opposite it
in the other text, and each changed paragraph by its number. `cableparse.versions`
applies it to archived versions.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Optional

from ..parsing.fields import parse_class_line
from ..parsing.furniture import page_mark_pattern
from ..parsing.parser import build_cable

MARK = "XXXXXXXXXXXX"
# Six or more X's are a redaction even glued to a word (`resignXXXXXXXXXXXX`);
# shorter runs (`XXXX`) only when they stand alone (see _key).
_TOKEN = re.compile(r"X{6,}|(?:(?!X{6})\w)+(?:['’.](?:(?!X{6})\w)+)*|\S")
_WORD = re.compile(r"\w")
OUTSIDE = ("header", "preamble", "signature")  # token places that are not paragraphs
_CONTEXT = 6  # words of context around an edit


@dataclass(frozen=True)
class Redaction:
    """A redaction one version has and the other has not."""

    change: str  # "added": the newer version hides it; "lifted": the newer version shows it
    where: str  # paragraph label ("3", "7.B", "unnumbered 1"), "header", "preamble" or "signature"
    text: str  # the redaction as its version writes it (`XXXXXXXXXXXX`)
    words: Optional[str]  # the words opposite it in the other version; None if there are none
    # separate X-runs it covers: several when no word between them is in the other
    # version; runs side by side (`XXXXXXXXXXXX XXXXXXXXXXXX`) count once
    runs: int = 1


@dataclass(frozen=True)
class Edit:
    """Words replaced, added (old "") or removed (new "") between two versions."""

    where: str
    old: str
    new: str
    before: str = ""  # words just before it, to find it in the text
    after: str = ""


@dataclass(frozen=True)
class ParagraphChange:
    change: str  # added | removed | changed
    label: str  # "3", "7.B"; repeated numbers get " (2)"; unnumbered text is "unnumbered N"
    number: Optional[int]
    sub: Optional[str]
    old_mark: Optional[str]  # classification mark without brackets
    new_mark: Optional[str]
    old: Optional[str]  # the paragraph's text, whitespace collapsed; None when absent
    new: Optional[str]
    edits: tuple[Edit, ...] = ()  # for "changed": the words that differ


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs between an older and a newer version, apart from
    wrapping and whitespace (and punctuation outside paragraphs, see _outside_edit)."""

    cable_id: Optional[str]
    old_hash: Optional[str]
    new_hash: Optional[str]
    redactions: tuple[Redaction, ...] = ()
    paragraphs: tuple[ParagraphChange, ...] = ()
    other: tuple[Edit, ...] = ()  # edits outside paragraphs: header, preamble, signature

    @property
    def same(self) -> bool:
        return not (self.redactions or self.paragraphs or self.other)

    @property
    def redactions_added(self) -> int:
        return sum(r.runs for r in self.redactions if r.change == "added")

    @property
    def redactions_lifted(self) -> int:
        return sum(r.runs for r in self.redactions if r.change == "lifted")

    def count(self, change: str) -> int:
        """Paragraphs added, removed or changed."""
        return sum(1 for p in self.paragraphs if p.change == change)

    def as_dict(self) -> dict:
        """JSON-able, for the cable page and `cableparse diff --json`."""
        data = asdict(self)
        data.update(same=self.same, redactions_added=self.redactions_added,
                    redactions_lifted=self.redactions_lifted)
        return data


# --------------------------------------------------------------------------
# Word tokens


@dataclass
class _Words:
    """A text with whitespace collapsed and its tokens (redactions keyed as MARK)."""

    text: str
    keys: list[str]
    spans: list[tuple[int, int]]

    def span(self, i: int, j: int) -> str:
        return self.text[self.spans[i][0]:self.spans[j - 1][1]] if i < j else ""


def _key(token: str) -> str:
    # every X-run is the same redaction whatever its width (12, 15, 16 X's)
    return MARK if len(token) >= 3 and not token.strip("X") else token


def _tokenise(pieces: Iterable[tuple[str, str]]) -> tuple[_Words, list[str]]:
    """Tokens of (place, line) pieces, and the place of each token."""
    parts, keys, spans, where = [], [], [], []
    offset = 0
    for place, line in pieces:
        line = " ".join(line.split())
        if not line:
            continue
        if parts:
            offset += 1
        for m in _TOKEN.finditer(line):
            keys.append(_key(m.group()))
            spans.append((offset + m.start(), offset + m.end()))
            where.append(place)
        parts.append(line)
        offset += len(line)
    return _Words(" ".join(parts), keys, spans), where


def paragraph_label(number: Optional[int], sub: Optional[str]) -> str:
    if number is None:
        return sub or "unnumbered"
    return f"{number}.{sub}" if sub else str(number)


@dataclass
class _Para:
    label: str
    number: Optional[int]
    sub: Optional[str]
    mark: Optional[str]
    words: _Words


@dataclass
class _Side:
    words: _Words  # the whole text, header then body
    where: list[str]  # place of each token
    paragraphs: dict[tuple, _Para]  # by (number, sub, occurrence), in text order


def _keyed(paragraphs) -> dict[tuple, tuple[str, Any]]:
    """(number, sub, n) -> (label, paragraph); unnumbered text is keyed by its place
    among unnumbered blocks, and a repeated number by its occurrence."""
    seen: Counter = Counter()
    out = {}
    for p in paragraphs:
        base = (p.number, p.sub)
        seen[base] += 1
        n = seen[base]
        if base == (None, None):
            label = f"unnumbered {n}"
        else:
            label = paragraph_label(*base) + (f" ({n})" if n > 1 else "")
        out[base + (n,)] = (label, p)
    return out


def _line_places(lines: list[str], keyed, signature_line: Optional[str]) -> list[str]:
    """The place of each body line: the paragraph whose lines it is among (page-break
    lines included), "preamble" before the first, "signature" for the signer."""
    places = ["preamble"] * len(lines)
    starts = sorted((p.line, label) for label, p in keyed.values() if p.line)
    ends = [line for line, _ in starts[1:]] + [len(lines) + 1]
    for (start, label), end in zip(starts, ends):
        for k in range(start - 1, min(end - 1, len(lines))):
            places[k] = label
    if signature_line:
        last = next((k for k in reversed(range(len(lines))) if lines[k].strip()), None)
        if last is not None and lines[last].strip() == signature_line.strip():
            places[last] = "signature"
    return places


def _page_marks(cable_id: Optional[str], station: Optional[str]) -> Optional[re.Pattern]:
    """`LONDON 00002357  002.3 OF 002`: page-break furniture, never text. The parser
    drops it as a line or inside one, but re-wrapping can split it over two lines
    and into a paragraph's text, so it is taken out before comparing."""
    return page_mark_pattern(cable_id=cable_id, station=station, across_lines=True)


def _unmark(text: str, marks: Optional[re.Pattern]) -> str:
    """`text` without page marks; its line breaks stay, so line numbers still hold."""
    if marks is None:
        return text
    return marks.sub(lambda m: " " + "\n" * m.group().count("\n"), text)


def side(header: Optional[str], body: Optional[str]) -> _Side:
    """One text made ready to compare: its tokens and paragraphs, parsed as the
    archive parses it. Made once per text when it is compared with several."""
    header, body = header or "", body or ""
    try:
        cable = build_cable(header, body)
        paragraphs, signature, cable_id = cable.paragraphs, cable.signature_line, cable.id
        station = parse_class_line(cable.classification_line or "").get("station")
    except Exception:  # a parser bug must not stop a comparison: compare the words
        paragraphs, signature, cable_id, station = [], None, None, None
    marks = _page_marks(cable_id, station)
    keyed = _keyed(paragraphs)
    lines = _unmark(body, marks).split("\n")
    pieces = [("header", line) for line in header.split("\n")]
    pieces += zip(_line_places(lines, keyed, signature), lines)
    words, where = _tokenise(pieces)
    paras = {
        key: _Para(label, p.number, p.sub, p.classification,
                   _tokenise([(label, _unmark(p.text, marks))])[0])
        for key, (label, p) in keyed.items()
    }
    return _Side(words, where, paras)


# --------------------------------------------------------------------------
# The comparison


def _opcodes(a: list[str], b: list[str], refine: bool = True):
    """difflib opcodes over word tokens.

    The common head and tail are set aside first (most of two releases of one
    cable). The rest is aligned with difflib's autojunk, which ignores tokens
    as frequent as "the" and "," when looking for matches (five times faster on
    long cables), then each replaced stretch is aligned again without it, so a
    comma between two redactions still separates them.
    """
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops = [("equal", 0, head, 0, head)] if head else []
    matcher = difflib.SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail],
                                      autojunk=refine)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
        if tag == "replace" and refine:
            ops += [(t, x1 + i1, x2 + i1, y1 + j1, y2 + j1)
                    for t, x1, x2, y1, y2 in _opcodes(a[i1:i2], b[j1:j2], refine=False)]
        else:
            ops.append((tag, i1, i2, j1, j2))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _redaction(change: str, this: _Side, i1: int, i2: int, other: _Side, j1: int, j2: int):
    """The redaction in this[i1:i2], if any, with the words opposite it in other[j1:j2].

    Tokens of the block that stand before or after the X-run on its side are
    matched by count with the other side's first and last tokens, so a comma
    changed next to a redaction is not taken for a hidden word.
    """
    runs = [k for k in range(i1, i2) if this.words.keys[k] == MARK]
    if not runs:
        return None
    first, last = runs[0], runs[-1] + 1
    groups = 1 + sum(1 for x, y in zip(runs, runs[1:]) if y != x + 1)
    lo, hi = j1 + (first - i1), j2 - (i2 - last)
    if lo >= hi:
        lo, hi = j1, j2
    words = other.words.span(lo, hi) or None
    return Redaction(change, this.where[first], this.words.span(first, last), words, groups)


def _edit(where: str, a: _Words, i1: int, i2: int, b: _Words, j1: int, j2: int) -> Edit:
    return Edit(where, a.span(i1, i2), b.span(j1, j2),
                a.span(max(i1 - _CONTEXT, 0), i1), a.span(i2, min(i2 + _CONTEXT, len(a.keys))))


def _outside_edit(a: _Side, i1: int, i2: int, b: _Side, j1: int, j2: int) -> Optional[Edit]:
    """The part of a change that falls outside paragraphs (header, preamble, signature).

    Changes of punctuation alone are left out there: the viewer pages drop the
    commas of the TAGS line that cables.csv keeps, which is not a change of text.
    """
    ia = [k for k in range(i1, i2) if a.where[k] in OUTSIDE]
    jb = [k for k in range(j1, j2) if b.where[k] in OUTSIDE]
    if not ia and not jb:
        return None
    ia_lo, ia_hi = (ia[0], ia[-1] + 1) if ia else (i1, i1)
    jb_lo, jb_hi = (jb[0], jb[-1] + 1) if jb else (j1, j1)
    edit = _edit(a.where[ia[0]] if ia else b.where[jb[0]], a.words, ia_lo, ia_hi,
                 b.words, jb_lo, jb_hi)
    if not _WORD.search(edit.old + edit.new):
        return None
    return edit


def _merged_keys(old: list, new: list) -> list:
    """New keys in their order, removed ones after the key that preceded them."""
    where_new = {k: i for i, k in enumerate(new)}
    order = [((i, 0, 0), k) for i, k in enumerate(new)]
    last = -1
    for i, k in enumerate(old):
        if k in where_new:
            last = where_new[k]
        else:
            order.append(((last, 1, i), k))
    return [k for _, k in sorted(order, key=lambda item: item[0])]


def _paragraph_changes(a: _Side, b: _Side) -> list[ParagraphChange]:
    changes = []
    for key in _merged_keys(list(a.paragraphs), list(b.paragraphs)):
        pa, pb = a.paragraphs.get(key), b.paragraphs.get(key)
        if pa and pb:
            if pa.words.keys == pb.words.keys and pa.mark == pb.mark:
                continue
            edits = tuple(
                _edit(pb.label, pa.words, i1, i2, pb.words, j1, j2)
                for tag, i1, i2, j1, j2 in _opcodes(pa.words.keys, pb.words.keys)
                if tag != "equal")
            changes.append(ParagraphChange("changed", pb.label, pb.number, pb.sub, pa.mark,
                                           pb.mark, pa.words.text, pb.words.text, edits))
        elif pb:
            changes.append(ParagraphChange("added", pb.label, pb.number, pb.sub, None, pb.mark,
                                           None, pb.words.text))
        else:
            changes.append(ParagraphChange("removed", pa.label, pa.number, pa.sub, pa.mark, None,
                                           pa.words.text, None))
    return changes


def compare(a: _Side, b: _Side, cable_id=None, old_hash=None, new_hash=None) -> VersionDiff:
    """The difference between two texts made ready by `side`, older first."""
    redactions, other = [], []
    for tag, i1, i2, j1, j2 in _opcodes(a.words.keys, b.words.keys):
        if tag == "equal":
            continue
        for found in (_redaction("lifted", a, i1, i2, b, j1, j2),
                      _redaction("added", b, j1, j2, a, i1, i2),
                      _outside_edit(a, i1, i2, b, j1, j2)):
            if isinstance(found, Redaction):
                redactions.append(found)
            elif found is not None:
                other.append(found)
    return VersionDiff(cable_id, old_hash, new_hash, tuple(redactions),
                       tuple(_paragraph_changes(a, b)), tuple(other))


def diff_texts(old_header: str, old_body: str, new_header: str, new_body: str,
               cable_id: Optional[str] = None) -> VersionDiff:
    """The difference between two texts of a cable, older first."""
    return compare(side(old_header, old_body), side(new_header, new_body), cable_id)

