"""Read the TAGS field: codes, person tags and an author's multi-word tags, in cable order.

The grammar has found the TAGS line (and its continuation lines); this module
says what it holds. The forms met in real cables:

- the keyword in any case (`TAGS:`, `Tags:`, `tags`), or misspelt (`TAS:`, `TGS:`,
  `TABS:`, `TAGES:`, `AGS:`); codes separated by spaces, commas or both, written
  in capitals, or all in lower case when the cable was case-flipped (`prel, pgov`);
- codes run together (`PHUMBA`, `ETRDEINVECINPGOVCS`) or a country code glued to
  the next code by an export (`VTPREL`, `IZPREL`): split with the vocabulary of
  known codes, only when exactly one shortest split exists, never splitting a
  code that is itself known, and never into country codes alone (`BRUSSELS` is not
  BR US SE LS);
- person tags in brackets (`OVIP (CLINTON, HILLARY)`) or bare after OVIP
  (`OVIP RICE CONDOLEEZZA` -> `RICE, CONDOLEEZZA`);
- an author's own multi-word tag (`HUMAN RIGHTS`, `IRAQI FREEDOM`, `USEU BRUSSELS`),
  kept whole;
- what is not a tag: handling caveats (`SIPDIS`), page furniture run onto the line
  (`IT      SECRET   PAGE 02   ROME  03067  211833Z`), the next field glued on
  (`UBJECT: BAHRAIN WILL ...`), and body text after the line.

Where the reading is a guess (a misspelt keyword, a split, a bare person name),
a warning says so.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from ..model import ParseProblem
from . import vocabulary
from .terms import CLASSIFICATION

# the keyword, then the misspellings cables write (transform.py finds glued fields by them)
TAGS_WORDS = ("TAGS", "TAGES", "TABS", "TGS", "TAS", "AGS")
_MISSPELT = set(TAGS_WORDS[1:])
# the keyword: any case with a separator after it, or capitals glued to the first code
_KEYWORD = re.compile(
    rf"^[ \t]*(?:(?P<kw>(?i:tags?|{'|'.join(w.lower() for w in TAGS_WORDS[1:])}))(?![A-Za-z])"
    r"|(?P<glued>TAGS?)(?=[A-Z]{2}))[ \t]*[:.;,]?[ \t]*")
# what ends the field inside a line: page furniture, a repeated classification, the next
# field glued on (`UBJECT:`, `XXXXXXXXXXXX:`, `Classified By:`). `(?<!\S)` is "at the start
# or after a space" (`(?<![^\s,;])` also after `,` `;`) in one test; a word before a colon
# is taken whole (`*+`: no shorter part of it can be followed by the colon).
_END = re.compile(
    rf"(?<!\S){CLASSIFICATION}(?![A-Za-z])"
    r"|\bPAGE[ \t]+\d{2,3}\b|\b\d{6}Z\b"
    r"|(?<![^\s,;])(?:Classified[ \t]+By|CLASSIFIED[ \t]+BY|[A-Za-z][A-Za-z0-9.'/-]*+)[ \t]*:(?!//)")
_BRACKETS = re.compile(r"\(([^()]*)\)?")
_NAME = re.compile(r"^[A-Za-z][A-Za-z.'-]+(?:[ ][A-Za-z][A-Za-z.'-]*)*,[ ]?[A-Za-z][A-Za-z.'-]*(?:[ ][A-Za-z][A-Za-z.'-]*)*$")
_CAVEATS = {"SIPDIS", "NOFORN", "NOCONTRACT", "EXDIS", "NODIS", "LIMDIS", "STADIS", "ORCON",
            "PROPIN", "SPECAT", "FOUO", "SENSITIVE", "SBU"}
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)*$")
_WORD = re.compile(r"^[A-Z]{2,}(?:'S)?$")
_MISSIONS = {"USEU", "USUN", "USNATO", "USOSCE", "UNVIE"}
_PERSON_BEFORE = {"OVIP"}
_LONGEST_PHRASE = 8  # words; `ITALY NATIONAL ELECTIONS ITALIAN POLITICS IRAQI FREEDOM` has 7
_PERSON_MARK = "\x00"  # marks a person tag in the token stream
_PERSON_REF = re.compile(rf"{_PERSON_MARK}(\d+)")  # a person marker and its index
_VOWEL = re.compile(r"[AEIOU]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")
_SEPARATOR = re.compile(r"[,;]")
_ENDS_IN_WORD = re.compile(r"(?:^|\s)[A-Za-z]{5,}\s*$")  # the line ends in a word, not a code
_NUMBERED_CODE = re.compile(r"\b[A-Z]+-\d+\b")  # `EUR-25`: a code, not a number


def _warning(message: str) -> ParseProblem:
    return ParseProblem(part="tags", line=0, column=0, message=message, severity="warning")


@lru_cache(maxsize=4096)
def split_run(token: str) -> Optional[tuple[str, ...]]:
    """`PHUMBA` -> ('PHUM', 'BA'): a run of known codes, or None.

    A known code is never split. The split must be the only one with the fewest
    pieces, and at most half of its pieces two-letter country codes, so words
    (`BRUSSELS`, `POLITICS`) and two-country guesses (`MAPP`) stay whole.
    """
    codes = vocabulary.codes()
    if token in codes or not 5 <= len(token) <= 64 or not token.isalpha() or not token.isupper():
        return None  # the longest run in the corpus has 34 letters (nine codes)
    n = len(token)
    # best[i] = (pieces, number of shortest splits (capped at 2), one split) for token[:i]
    best: list[Optional[tuple[int, int, tuple[str, ...]]]] = [None] * (n + 1)
    best[0] = (0, 1, ())
    for i in range(1, n + 1):
        for j in range(max(0, i - 8), i - 1):
            piece = token[j:i]
            if best[j] is None or piece not in codes:
                continue
            count, ways, split = best[j]
            cand = (count + 1, ways, split + (piece,))
            if best[i] is None or cand[0] < best[i][0]:
                best[i] = cand
            elif cand[0] == best[i][0]:
                best[i] = (best[i][0], min(2, best[i][1] + ways), best[i][2])
    if best[n] is None or best[n][1] != 1:
        return None
    pieces = best[n][2]
    countries = sum(1 for p in pieces if len(p) == 2)
    if countries * 2 > len(pieces):
        return None
    return pieces


def _is_word(token: str) -> bool:
    """A word of an author's phrase rather than a code: five letters or more, with a vowel,
    and not a known code with a letter too many (`PARMS`, `PRELP`)."""
    if len(token) < 5 or not token.isalpha() or not _VOWEL.search(token):
        return False
    return not (len(token) <= 6 and (token[:4] in vocabulary.codes() or token[-4:] in vocabulary.codes()))


def _codey(token: str) -> bool:
    """An unknown token that is a code, not a word: two letters (`YE`), no vowel (`CKGR`),
    or a known code with a letter too many or too few (`PARMS`, `PRELP`)."""
    if len(token) <= 2 or not _VOWEL.search(token) or not token.isalpha():
        return True
    return len(token) <= 6 and (token[:4] in vocabulary.codes() or token[-4:] in vocabulary.codes())


def _without_prose(items: list[tuple[str, str]], warnings: list[ParseProblem]) -> list[tuple[str, str]]:
    """Leave out prose run onto the TAGS line: more words in a row than any author's tag has.

    Short words that are also country codes (`TO` Togo, `IS` Israel) count as words
    when words stand on both sides of them.
    """
    if len(items) <= _LONGEST_PHRASE:
        return list(items)  # too few for prose: each item stays
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and (items[j][0] == "U" or (
                items[j][0] == "K" and len(items[j][1]) == 2 and j > i and j + 1 < len(items)
                and items[j + 1][0] == "U")):
            j += 1
        run = [v for _, v in items[i:j]]
        if len(run) > _LONGEST_PHRASE and sum(map(_is_word, run)) >= 3:
            warnings.append(_warning(f"{len(run)} words on the TAGS line left out: {' '.join(run[:6])} ..."))
            i = j
            continue
        out += items[i:j] if j > i else items[i:i + 1]
        i = max(j, i + 1)
    return out


def _cut(line: str) -> tuple[str, bool]:
    """The part of a line that belongs to the field, and whether the field ends on it."""
    m = _END.search(line)
    if m:
        return line[:m.start()], True
    return line, False


def _persons_out(line: str) -> tuple[str, list[str]]:
    """Bracketed names become person markers in place; other bracketed text goes."""
    persons: list[str] = []

    def repl(m: re.Match) -> str:
        inner = " ".join(m.group(1).split())
        if _NAME.match(inner):
            persons.append(inner.upper())
            return f" , {_PERSON_MARK}{len(persons) - 1} , "
        return " "

    return _BRACKETS.sub(repl, line), persons


def _tokens(piece: str) -> list[str]:
    return [t.strip(".:-_'\"*") for t in piece.split()]


def _known_share(line: str, flipped: bool) -> float:
    toks = [t for t in _tokens(_SEPARATOR.sub(" ", _BRACKETS.sub(" ", line))) if t]
    if not toks:
        return 1.0
    good = 0
    for t in toks:
        t = t.upper() if flipped else t
        if t in vocabulary.codes() or split_run(t) or t in _CAVEATS:
            good += 1
    return good / len(toks)


def _field_lines(text: str) -> tuple[list[str], Optional[str], bool, list[ParseProblem]]:
    """The lines that belong to the field (keyword taken off), the keyword, case-flip, warnings."""
    lines = text.replace("\r", "").replace(_PERSON_MARK, " ").split("\n")
    warnings: list[ParseProblem] = []
    m = _KEYWORD.match(lines[0])
    keyword = None
    if m:
        keyword = m.group("kw") or m.group("glued")
        lines[0] = lines[0][m.end():]
        if keyword.upper() in _MISSPELT:
            warnings.append(_warning(f"TAGS keyword misspelt {keyword!r}: read as TAGS"))
    first, ended = _cut(lines[0])
    # a case-flipped cable writes its codes in lower case (`Tags: prel, pgov`)
    flipped = not _UPPER.search(_BRACKETS.sub(" ", first)) and bool(_LOWER.search(first))
    out = [first]
    previous_word = bool(_ENDS_IN_WORD.search(first))
    for line in lines[1:]:
        if ended or not line.strip():
            break
        line, ended = _cut(line)
        if not line.strip():
            break
        body = _BRACKETS.sub(" ", line)
        if not flipped and _LOWER.search(body):
            break  # prose: the wrapped subject or the body, not codes
        if _DIGIT.search(_NUMBERED_CODE.sub("", body)):
            break  # `STATE 86108`, `REF BRASILIA 1837`, a date
        words = _tokens(_SEPARATOR.sub(" ", body))
        # an author's phrase wrapped onto the next line: `... KU COUNTRY` / `CLEARANCE`
        wrapped = previous_word and 0 < len([w for w in words if w]) <= 2 and all(
            _is_word(w.upper()) for w in words if w)
        if not wrapped and _known_share(line, flipped) < 0.5:
            break
        out.append(line)
        previous_word = bool(_ENDS_IN_WORD.search(line))
    return out, keyword, flipped, warnings


def read_tags(text: str) -> tuple[list[str], list[str], list[ParseProblem]]:
    """A TAGS field -> (tags in cable order with person tags among them, person tags, warnings).

    `text` is the TAGS line as the grammar found it, with its continuation lines.
    """
    lines, _, flipped, warnings = _field_lines(text)
    persons: list[str] = []
    joined_parts = []
    for line in lines:
        line, found = _persons_out(line)
        offset = len(persons)
        if offset:  # renumber this line's markers after the persons of the lines before
            line = _PERSON_REF.sub(lambda m: f"{_PERSON_MARK}{int(m.group(1)) + offset}", line)
        persons += found
        joined_parts.append(line)
    joined = " ".join(joined_parts)
    if flipped:
        joined = joined.upper()
    pieces = _SEPARATOR.split(joined)
    comma_list = len([p for p in pieces if p.strip()]) > 1
    tags: list[str] = []
    person_tags: list[str] = []

    def add(tag: str) -> None:
        if tag and tag not in tags:
            tags.append(tag)

    codes = vocabulary.codes()
    for piece in pieces:
        raw = [t for t in _tokens(piece) if t]
        items: list[tuple[str, str]] = []  # (class, value): K known, U unknown, P person
        for t in raw:
            if t.startswith(_PERSON_MARK):
                items.append(("P", persons[int(t[1:])]))
                continue
            if _LOWER.search(t):
                continue  # a mixed-case word on a line of capitals is not a code (`Human Rights`)
            if t in _CAVEATS or not _CODE.match(t) and not _WORD.match(t):
                continue
            if t in codes:
                items.append(("K", t))
                continue
            split = split_run(t)
            if split:
                warnings.append(_warning(f"run-together TAGS {t!r} read as {' '.join(split)}"))
                items += [("K", p) for p in split]
            else:
                items.append(("U", t))
        items = _without_prose(items, warnings)
        i = 0
        only_unknown = comma_list and len(items) > 1 and all(k == "U" for k, _ in items)
        while i < len(items):
            kind, value = items[i]
            if kind == "P":
                add(value)
                if value not in person_tags:
                    person_tags.append(value)
                i += 1
                continue
            if kind == "K" and value in _PERSON_BEFORE:
                add(value)
                names = []
                j = i + 1
                while j < len(items) and items[j][0] == "U" and items[j][1].isalpha() and len(names) < 3:
                    if len(names) == 2 and len(items[j][1]) > 1:
                        break  # a third word only as an initial: STEINBERG JAMES B
                    names.append(items[j][1])
                    j += 1
                if len(names) >= 2:
                    person = f"{names[0]}, {' '.join(names[1:])}"
                    warnings.append(_warning(f"person tag without brackets {' '.join(names)!r} read as {person!r}"))
                    add(person)
                    if person not in person_tags:
                        person_tags.append(person)
                    i = j
                else:
                    i += 1
                continue
            if kind == "K":
                j = i + 1
                if value in _MISSIONS:
                    while j < len(items) and items[j][0] == "U" and items[j][1].isalpha():
                        j += 1
                if j > i + 1:  # a mission and its city: `USEU BRUSSELS`
                    add(" ".join(v for _, v in items[i:j]))
                else:
                    add(value)
                i = j
                continue
            j = i
            while j < len(items) and items[j][0] == "U":
                j += 1
            run = [v for _, v in items[i:j]]
            if len(run) > 1 and (only_unknown or any(_is_word(w) for w in run)):
                # an author's phrase (`IRAQI FREEDOM`), without the codes at its edges (`PARMS`)
                start, end = 0, len(run)
                if not only_unknown:
                    while start < end and _codey(run[start]):
                        start += 1
                    while end > start and _codey(run[end - 1]):
                        end -= 1
                for w in run[:start]:
                    add(w)
                if end - start > 1:
                    add(" ".join(run[start:end]))
                else:
                    for w in run[start:end]:
                        add(w)
                for w in run[end:]:
                    add(w)
            else:
                for w in run:
                    add(w)
            i = j
    seen: set[str] = set()
    warnings = [w for w in warnings if not (w.message in seen or seen.add(w.message))]
    return tags, person_tags, warnings
