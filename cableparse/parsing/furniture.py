"""Take page furniture out of a cable body before it is parsed.

Page-break lines (`CASABLANCA 00000042  004.2 OF 018`) and the older page
headers (`PAGE 02 HARARE 06677 01 OF 03 291400Z`, with the classification
repeated beside them and, at a new section, the office lists and the whole
preamble again) cut paragraphs in two. Removing them with the blank lines
around them rejoins the text. Where the break fell between two paragraphs one
blank line is kept, so the grammar still sees the boundary. A line map keeps
error positions and paragraph lines pointing at the text the user gave.
"""
from __future__ import annotations

import functools
import re
import string

from .fields import parse_class_line
from .grammar import cable_parser, furniture_parser, terminal_regex
from .terms import CLASSIFICATION, MARK_LEVEL

_SENTENCE_END = re.compile(r"""[.:;!?"')\]]\s*$""")
_PAGE_NUMBERS = re.compile(r"PAGE\s+(\d+)\s+.*?\d+(?:\s+(\d{2})\s+OF\s+\d{2})?")
_GLUED_CLASSIFICATION = re.compile(rf"(?<=\S)\s+{CLASSIFICATION}\s*$")
# "... IN LIBYA CLASSIFIED " / "" / "BY: Gene A. Cretz": a page break taken out of the
# SUBJECT line had cut the Classified By label in two
_LABEL_HEAD = re.compile(r"(?i:\bclassified)[ \t]*$")


def _label_head(line: str) -> bool:
    """Whether a line ends in `classified` (any case): searched from where the word would
    start, as `_LABEL_HEAD` found no literal to look for and tried every place on the line."""
    return bool(_LABEL_HEAD.search(line, max(0, len(line.rstrip(" \t")) - 10)))


def _line_end(text: str, k: int) -> int:
    """The offset of the end of the line holding offset `k` (its newline, or the text's end)."""
    end = text.find("\n", k)
    return len(text) if end < 0 else end


def _ends_in_label_head(text: str, k: int) -> bool:
    """`_label_head` for the line of the text holding offset `k`, read in place: no copy
    of the line, and only a line whose last letter is a `d` is searched."""
    end = _line_end(text, k)
    last = end
    while last and text[last - 1] in " \t":
        last -= 1
    return text[last - 1:last] in ("d", "D") and bool(_LABEL_HEAD.search(text, max(0, last - 10), end))


_LABEL_TAIL = re.compile(r"^[ \t]*(?i:by)[ \t]*:")
_MAX_LABEL_GAP = 3  # blank lines between the two halves
# What may make a line furniture, or a line the loop changes: a page count (`002 OF 004`,
# `01 OF 03`), a page header, a `-` for a blank line, the first half of a cut label, and
# a paragraph run on after a full stop (`. (C)`, see `_run_on_lines`). Each is looked for
# from a literal, which the `re` engine and `str.find` find fast (one alternation of them
# all searched eight times slower). A word written in more than one case is looked for
# once, in the text lower-cased, and each place found checked in the text itself.
_PAGE_COUNT = re.compile(r"(?:OF|of|Of)[ \t]+\d{3}")
_ANY_CASE_PAGE_COUNT = re.compile(r"of[ \t]+\d{3}")  # in the lower-cased text
_PAGE_WORD = ("PAGE", re.compile(r"[ \t]+\d"))
_LABEL_WORD = ("lassified", re.compile(r"[ \t]*$", re.M))  # ending a line
# Letters `re` takes for an ASCII one when it ignores case, which `str.lower` does not make
# it: where a text has none, its lower-cased copy shows every `classified`.
_ODD_CASES = ("\u017f", "\u0131", "\u0130")  # long s, dotless i, dotted I
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lower(text: str) -> str:
    """The text lower-cased, each character where it was: `str.lower`, or for a text
    with the one letter it makes two of (`İ`), only the ASCII letters."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def _found(text: str, word: str, tail: re.Pattern) -> list[int]:
    """Offsets of `word` with `tail` after it."""
    found, k = [], text.find(word)
    while k >= 0:
        if tail.match(text, k + len(word)):
            found.append(k)
        k = text.find(word, k + 1)
    return found


def _may_glue(text: str, k: int) -> bool:
    """Whether the page count at `k` follows a number and blanks, as in a page break
    (`00000104 002 OF 002`): only on such a line can `INLINE_PAGE_BREAK` match, and
    searching for it tries every blank of the line."""
    while k and text[k - 1] in " \t":
        k -= 1
    return k > 0 and text[k - 1].isdecimal()


def _first_line(text: str) -> str:
    """The text up to its first line end, with no split of the rest."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


# What stands before the number of a paragraph run on after a sentence (`_RUN_ON`'s
# start, up to the full stop of `2. (C)`)
_RUN_ON_HEAD = re.compile(r"[.!?\"')\]\u201d-][ \t]+\d{1,2}[ \t]?\Z")
_RUN_ON_NEEDLE = re.compile(r"\. ?\(")  # `. (` or `.(`: one search finds both
# the same after a number standing apart (` 2. (`, ` 12. (`, `2 . (`) as `_RUN_ON_HEAD`
# ends: the engine itself passes over the number starting a line (`1. (C)`), most marks
_RUN_ON_AFTER_NUMBER = re.compile(r"\.(?:(?<=[ \t]\d\.)|(?<=[ \t]\d\d\.)|(?<=\d[ \t]\.)) ?\(")
_DASH_ALONE = re.compile(r"\n[ \t]*-[ \t]*$", re.M)  # from the line end before it: "\n" leads
_MAX_REPEATED_PREAMBLE = 30  # lines a section's repeated header may take
_OTHER_PAGE_MARK = re.compile(
    r"(?<![^\sX])[A-Z]{3,}(?: [A-Z]{3,})?[ \t]+(?:0{3,}\d{1,5}|\d{8})[ \t]+\d{3}(?:[. ]\d{1,2})?[ \t]+OF[ \t]+\d{3}(?=\s|$)")


@functools.lru_cache(maxsize=None)
def _patterns():
    furniture = furniture_parser()
    cable = cable_parser()
    names = ("PAGE_BREAK", "INLINE_PAGE_BREAK", "PAGE_HEADER", "CLASSIFICATION_ONLY", "OFFICE_LINE",
             "COUNTER_LINE")
    starts = [terminal_regex(cable, name) for name in
              ("PARA_MARKED_LINE", "PARA_PLAIN_LINE", "SUB_STRONG_LINE", "SUB_PLAIN_LINE", "DASH_LINE")]
    patterns = {name: terminal_regex(furniture, name) for name in names}
    patterns["CLASS_LINE"] = terminal_regex(cable, "CLASS_LINE")
    # one match for what any of several terminals matches, where a line is tried on each
    patterns["AFTER_BREAK"] = _any_of(patterns[name] for name in ("CLASSIFICATION_ONLY", "OFFICE_LINE", "COUNTER_LINE"))
    patterns["PARAGRAPH_START"] = _any_of(starts)
    return patterns, starts


def _any_of(patterns) -> re.Pattern:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


class _Stripper:
    def __init__(self, text: str, cable_id: str | None = None):
        self.cable_id = cable_id
        self.p, self.starts = _patterns()
        self.text = text
        self.lines: list[str] = []  # split by `run`, for a text with furniture candidates only
        self.kept: list[str] = []
        self.where: list[int] = []
        self.first_rest: dict[int, str] = {}  # page number -> text glued to its header in section 1
        self.inline = None  # this cable's own inline page mark, compiled on first need
        self.inline_built = False

    def _inline_pattern(self):
        """`STATION 0000NNNN 002 OF 005` inside a line, for this cable's own station:
        from the id when the record gives one, else from the classification line."""
        station = None
        if not self.cable_id:
            for line in self.lines[:60]:
                if self.p["CLASS_LINE"].match(line + "\n"):
                    station = parse_class_line(line).get("station")
                    break
        return own_page_marks(cable_id=self.cable_id, station=station)

    def _unglue(self, line: str, i: int) -> str:
        # The generic mark first, only on lines with a page count after a number (see
        # `_may_glue`): most cables have no mark glued inside a line. Where it starts
        # tells the own marks' search where to begin.
        first = self.p["INLINE_PAGE_BREAK"].search(line) if i in self.counted else None
        if first is None:
            return line
        if not self.inline_built:
            self.inline, self.inline_built = self._inline_pattern(), True
        if self.inline is not None:
            line = self.inline(line, first.start())
            if not self.p["INLINE_PAGE_BREAK"].search(line):  # all were this cable's own
                return line
        # another cable's page break, quoted whole (`... U.S. BEIJING 00002305 003 OF 003 ...`):
        # an upper-case station before the zero-padded serial (which `INLINE_PAGE_BREAK`
        # matches too, so none is left where it finds none)
        return _OTHER_PAGE_MARK.sub(" ", line)

    def _join_label(self, line: str, i: int) -> tuple[str, int]:
        """`CLASSIFIED` ending a line and `BY:` starting the next non-blank one: one label
        again, on one line (the field split then reads it); `i` moves to the joined line."""
        for j in range(i + 1, min(i + 2 + _MAX_LABEL_GAP, len(self.lines))):
            nxt = self.lines[j]
            if _LABEL_TAIL.match(nxt):
                return line.rstrip() + " " + nxt.lstrip(), j
            if nxt.strip():
                break
        return line, i

    def _is(self, name: str, line: str) -> bool:
        return bool(self.p[name].match(line + "\n"))

    def _drop_before(self, glued: bool = False) -> None:
        """Blank lines and repeated classification lines just before a page break.

        With `glued`, also the classification some extracts run onto the page's
        last line of text (`... A CONFIDENTIAL` / `PAGE 04 HARARE ...`).
        """
        while self.kept and (not self.kept[-1].strip() or self._is("CLASSIFICATION_ONLY", self.kept[-1])):
            self.kept.pop()
            self.where.pop()
        if glued and self.kept:
            self.kept[-1] = _GLUED_CLASSIFICATION.sub("", self.kept[-1])

    def _skip_after(self, i: int) -> int:
        """Blank, classification, office and counter lines just after a page header."""
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            if not line.strip() or self._is("AFTER_BREAK", line):
                i += 1
            else:
                break
        return i

    def _rejoin(self, nxt: str | None, where: int, set_apart: bool = False) -> None:
        """Keep one blank line where the break fell between paragraphs: the next line
        starts one, and the last ended a sentence or the break stood apart, with
        blank lines on both sides (09BRASILIA1428: ... / `11. Haitian Garment`)."""
        if nxt is not None and self.kept:
            if self._is("PARAGRAPH_START", nxt) and (
                    set_apart or _SENTENCE_END.search(self.kept[-1])):
                self.kept.append("")
                self.where.append(where)

    def _repeated_preamble_end(self, i: int) -> int | None:
        """At a new section (PAGE 01 of section 2+), the preamble is repeated up to the next page header."""
        for j in range(i, min(i + _MAX_REPEATED_PREAMBLE, len(self.lines))):
            line = self.lines[j]
            if self._is("PAGE_HEADER", line):
                return j
            if self.starts[0].match(line + "\n"):  # a marked paragraph: real text, stop
                return None
        return None

    def _candidates(self) -> tuple[list[int], set[int]]:
        """The lines (0-based) the loop below must look at, the others kept as they are;
        and of them, those where a page break may be glued inside (see `_may_glue`).

        One search over the whole text instead of a few tests on every line: most
        lines of most cables are no furniture.
        """
        text = self.text
        low = _lower(text)
        counts = [m.start() for m in _ANY_CASE_PAGE_COUNT.finditer(low) if _PAGE_COUNT.match(text, m.start())]
        others = _found(text, *_PAGE_WORD)
        others += self._label_lines(low)
        others += self._run_on_lines()
        others += [m.start() + 1 for m in _DASH_ALONE.finditer(text)]
        if _first_line(text).strip() == "-":
            others.append(0)
        if not counts and not others:
            return [], set()
        glued = {k for k in counts if _may_glue(text, k)}
        marks, counted = [], set()
        for start, line in self._lines_at(sorted(counts + others)):
            if not marks or marks[-1] != line:
                marks.append(line)
            if start in glued:
                counted.add(line)
        return marks, counted

    def _run_on_lines(self) -> list[int]:
        """Offsets of the `. (` and `.(` where a paragraph may be run on after a sentence
        (`split_run_on` cuts there): not the `1. (C)` that starts a paragraph."""
        text = self.text
        return [m.start() for m in _RUN_ON_AFTER_NUMBER.finditer(text)
                if _RUN_ON_HEAD.search(text, max(0, m.start() - 6), m.start())]

    def _label_lines(self, low: str) -> list[int]:
        """Offsets on the lines ending in `LASSIFIED` or `lassified`, perhaps the first half
        of a label cut in two (see `_join_label`), and on those ending in `classified`
        written otherwise that hold a `. (` or `.(` (which the loop looks at as run on)."""
        text, found = self.text, []
        odd = any(c in text for c in _ODD_CASES)
        if odd:  # rare: each `. (` looked at on its own
            found = [m.start() for m in _RUN_ON_NEEDLE.finditer(text) if _ends_in_label_head(text, m.start())]
        word, tail = _LABEL_WORD
        k = low.find(word)
        while k >= 0:
            if tail.match(text, k + len(word)) and (text.startswith(("LASSIFIED", "lassified"), k) or (
                    not odd and _ends_in_label_head(text, k) and self._holds_run_on_needle(k))):
                found.append(k)
            k = low.find(word, k + 1)
        return found

    def _holds_run_on_needle(self, k: int) -> bool:
        """Whether the line of offset `k` holds a `. (` or `.(`."""
        text = self.text
        start, end = text.rfind("\n", 0, k) + 1, _line_end(text, k)
        return bool(_RUN_ON_NEEDLE.search(text, start, end))

    def _lines_at(self, starts: list[int]):
        """Each of sorted offsets into the text, with its line (0-based)."""
        text = self.text
        line, pos = 0, 0
        for start in starts:
            line += text.count("\n", pos, start)
            pos = start
            yield start, line

    def run(self) -> tuple[str, list[int]]:
        (marks, self.counted), k = self._candidates(), 0  # counted: the lines a page break may be in
        if not marks:  # nothing to take out: the text as it is, each line where it was
            return self.text, list(range(1, self.text.count("\n") + 2))
        lines = self.lines = self.text.split("\n")
        n = len(lines)
        i = 0
        repeat = False
        while i < n:
            while k < len(marks) and marks[k] < i:
                k += 1
            upto = marks[k] if k < len(marks) else n
            if upto > i:  # no furniture before line `upto`
                self.kept.extend(lines[i:upto])
                self.where.extend(range(i + 1, upto + 1))
                i = upto
                continue
            line = lines[i]
            short = len(line) < 90
            # a whole line, short, ending in the page count: `... 002 OF 004`
            if short and line.rstrip()[-3:].isdigit() and self._is("PAGE_BREAK", line):
                blank_before = i > 0 and not lines[i - 1].strip()
                self._drop_before()
                after = self._skip_after(i + 1)
                blank_after = after > i + 1 and not lines[i + 1].strip()
                i = after
                self._rejoin(lines[i] if i < n else None, i, set_apart=blank_before and blank_after)
                continue
            m = self.p["PAGE_HEADER"].match(line)
            if not m:
                line = self._unglue(line, i)
                if line.endswith(("D", "d", " ")) and _label_head(line):
                    line, i = self._join_label(line, i)
                if not short and (". (" in line or ".(" in line):
                    for piece in split_run_on(line):  # several paragraphs on one line
                        self.kept.append(piece)
                        self.where.append(i + 1)
                else:
                    if short and "-" in line[:3] and line.strip() == "-":
                        line = ""  # cables.csv rows written with "-" for the blank lines
                    self.kept.append(line)
                    self.where.append(i + 1)
                i += 1
                continue
            self._drop_before(glued=True)
            numbers = _PAGE_NUMBERS.match(m.group(0).strip())
            page = int(numbers.group(1)) if numbers else 0
            section = int(numbers.group(2)) if numbers and numbers.group(2) else 1
            rest = line[m.end():].strip()
            at = i + 1
            if page == 1 and section > 1 and self.kept:
                end = self._repeated_preamble_end(at)
                if end is not None:  # drop the repeated header; its next page header ends it
                    i, repeat = end, True
                    continue
            if rest and not self._is("OFFICE_LINE", rest):
                if repeat and rest == self.first_rest.get(page):
                    rest = ""  # the subject's tail, repeated with the section's header
                else:
                    self.first_rest.setdefault(page, rest)
            else:
                rest = ""
            repeat = False
            if rest:  # the page's text starts on the header line; what follows is text as usual
                self._rejoin(rest, at)
                self.kept.append(rest)
                self.where.append(at)
                i = at
            else:
                i = self._skip_after(at)
                self._rejoin(lines[i] if i < n else None, i)
        return "\n".join(self.kept), self.where


# A marked paragraph run on after the end of the text before it, where a converter lost
# the line ends: "... REASON: 1.4 (b), (d) 1. (C) Summary: ...", "... INVOLVEMENT ---- 3.(C/NF) French ..."
_RUN_ON = re.compile(
    rf"[.!?\"')\]\u201d-][ \t]+(\d{{1,2}}[ \t]?\.[ \t]?\((?:[ \t]*{MARK_LEVEL})"
    r"(?:[ \t]*(?://?|-)[ \t]*[A-Z][A-Z0-9 ,/-]*)?[ \t]*\)[ \t]*[A-Z\"'(])")


def split_run_on(line: str) -> list[str]:
    """A line holding several paragraphs, cut where each marked paragraph starts.

    Only the places around a `. (` or `.(` are looked at, so a long line costs a
    few string searches, not a regular expression run over every character.
    """
    cuts = []
    for needle in (". (", ".("):
        k = line.find(needle)
        while k >= 0:
            m = _RUN_ON.search(line, max(0, k - 6), k + 60)
            if m and m.start(1) not in cuts:
                cuts.append(m.start(1))
            k = line.find(needle, k + 1)
    if not cuts:
        return [line]
    cuts.sort()
    pieces = [line[a:b].rstrip() for a, b in zip([0] + cuts, cuts + [len(line)])]
    return [p for p in pieces if p.strip()] or [line]


_ANY_SERIAL = r"(?:0{3,}\d{1,7}|\d{8})"  # as INLINE_PAGE_BREAK writes it


_ID = re.compile(r"\d{2}([A-Z]+?)(\d+)")


def _mark_head(cable_id: str | None, station: str | None) -> tuple[str, int | None, int | None] | None:
    """The station part of a cable's own page break, its serial when the id gives one,
    and the most characters the station part takes, when there is a most.

    The break cuts the station to ten characters, spaces included (`USUN NEW Y`,
    `BUENOS AIR`), so the id's station letters are matched with optional spaces;
    with only the classification line's station, its first ten characters.
    """
    m = _ID.fullmatch(cable_id or "")
    if m:
        letters = m.group(1)[:6]
        return r"\s?".join(letters) + r"[A-Z ]{0,8}?", int(m.group(2)), 2 * len(letters) - 1 + 8
    if station:
        return r"\s+".join(map(re.escape, station[:10].split())) + r"[A-Z]*", None, None
    return None


def _serial_fits(digits: str, serial: int) -> bool:
    """`00000583` or a garbled `07200583` for serial 583 (what the pinned pattern allows)."""
    return (digits.startswith("000") and int(digits) == serial) or (
        len(digits) == 8 and digits.endswith(str(serial)))


@functools.lru_cache(maxsize=4096)
def _station_mark(head: str) -> re.Pattern:
    """A station's page break with any serial, captured: compiled once per station,
    where a pattern with the serial pinned was compiled for every cable (a regex
    compile costs more than parsing most cables)."""
    patterns, _ = _patterns()
    tail = patterns["INLINE_PAGE_BREAK"].pattern.replace(_ANY_SERIAL, f"(?P<serial>{_ANY_SERIAL})", 1)
    return re.compile(r"(?<![^\sX])(?i:" + head + ")" + tail)


def own_page_marks(cable_id: str | None = None, station: str | None = None):
    """A function taking this cable's own page breaks out of a line, or None when
    neither the id nor the station is known.

    Told where the line's first `INLINE_PAGE_BREAK` starts (`near`), which each break
    ends in, the function leaves the text well before it unsearched: the pattern has
    no literal to look for and tries every place. The line is cut after a space, where
    the pattern's look-behind reads the same on either side of the cut.
    """
    found = _mark_head(cable_id, station)
    if found is None:
        return None
    head, serial, width = found
    pattern = _station_mark(head)

    def own(m: re.Match) -> str:
        return " " if serial is None or _serial_fits(m.group("serial"), serial) else m.group(0)

    def marks(line: str, near: int = 0) -> str:
        cut = line.rfind(" ", 0, near - width) + 1 if width is not None and near > width else 0
        return line[:cut] + pattern.sub(own, line[cut:])
    return marks


def page_mark_pattern(cable_id: str | None = None, station: str | None = None,
                      across_lines: bool = False) -> re.Pattern | None:
    """A 2000s page break (`LONDON 00002357  002.3 OF 002`) anywhere in a text, for one
    cable, its serial pinned (see `_mark_head`). `across_lines` lets the break's parts
    stand on several lines, as re-wrapped text has them. None when neither is known.
    """
    found = _mark_head(cable_id, station)
    if found is None:
        return None
    head, serial, _ = found
    patterns, _ = _patterns()
    tail = patterns["INLINE_PAGE_BREAK"].pattern
    if serial is not None:
        digits = str(serial)
        tail = tail.replace(_ANY_SERIAL, rf"(?:0{{3,}}{digits}|\d{{{max(0, 8 - len(digits))}}}{digits})", 1)
    pattern = r"(?<![^\sX])(?i:" + head + ")" + tail
    if across_lines:
        pattern = pattern.replace(r"[ \t]+", r"\s+").replace(r"\s?", r"\s*")
    return re.compile(pattern)


def strip_furniture(text: str, cable_id: str | None = None) -> tuple[str, list[int]]:
    """Return the text without page furniture, and the source line (1-based) of each kept line.

    `cable_id`, when known, names the station and serial that page breaks repeat.
    """
    return _Stripper(text, cable_id).run()
