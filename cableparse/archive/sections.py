"""A section heading as written, and the section it names, normalised for facets.

Cables head their sections however their drafter typed them: "Comment",
"COMMENT:", "V. PREVENTION", "(C) KEY POINTS", the source's own typo
"INVSTIGATION AND PROSECUTION OF TRAFFICKERS". Each paragraph keeps its
heading as written (`paragraphs.section`) and gets `section_key`: the heading
without classification mark, numbering (IV., A., 2D -), punctuation, case and
"continued", with known misspellings corrected, and the standard parts of
report cables grouped under one key (the TIP report's prevention, protection,
prosecution ...). Two headings that differ only by case, numbering or
punctuation always get the same key: punctuation is deleted, not turned into a
space (U.S. and US are one). The vocabulary is written once, here.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Optional

# Standard parts: key -> (label shown in facets, words that name the part).
# A heading whose normalised text is one of the phrases, or starts with one
# followed by a colon ("PREVENTION: NEW OUTREACH EFFORTS"), gets the key.
STANDARD: dict[str, tuple[str, tuple[str, ...]]] = {
    "summary": ("Summary", ("summary", "summary and comment", "executive summary", "overview and summary")),
    "comment": ("Comment", ("comment", "comments", "embassy comment", "post comment")),
    "background": ("Background", ("background",)),
    "action request": ("Action request", ("action request", "action requested", "request for action")),
    "next steps": ("Next steps", ("next steps",)),
    "participants": ("Participants", ("participants",)),
    "overview": ("Overview", ("overview",)),
    "conclusion": ("Conclusion", ("conclusion", "conclusions")),
    # The parts of the annual Trafficking in Persons report (State's tasking cable, answered by posts)
    "country situation": ("The country's TIP situation", (
        "the countrys tip situation", "countrys tip situation", "tip situation",
        "the countrys trafficking situation")),
    "setting the scene": ("Setting the scene (anti-TIP efforts)", ("setting the scene",)),
    "prosecution": ("Investigation and prosecution", (
        "investigation and prosecution of traffickers", "investigation and prosecution",
        "prosecution", "prosecution of traffickers")),
    "protection": ("Protection and assistance to victims", (
        "protection and assistance to victims", "protection", "protection of victims",
        "victim protection", "protection and assistance")),
    "prevention": ("Prevention", ("prevention",)),
    "tip hero nomination": ("TIP hero nomination", ("tip hero nomination",)),
    "best practices nomination": ("Best practices nomination", ("best practices nomination",)),
    "task 1 tvpra": ("Task 1 (TVPRA)", ("task 1 tvpra", "task 1tvpra")),
    "task 2 tda": ("Task 2 (TDA)", ("task 2 tda", "task 2tda")),
    "reporting questions": ("Reporting questions", ("reporting questions",)),
}
# Misspellings seen in headings, word by word.
SPELLING = {
    "invstigation": "investigation", "investigaton": "investigation", "identiy": "identify",
    "prosection": "prosecution", "protecton": "protection", "preventon": "prevention",
    "tasking": "task", "comments": "comment",
}

_PHRASES = {phrase: key for key, (_label, phrases) in STANDARD.items() for phrase in phrases}
_MARK = re.compile(r"^\(\s*(?:U|C|S|TS|SBU|FOUO|LOU|NF|[CS]\s*/\s*/\s*\w+|SBU\s*/\s*/\s*\w+)\s*\)\s*", re.I)
# I. / IV) / A. / 2. / 2D - / 10.A. : numbering in front of a heading
_NUMBER = re.compile(
    r"^(?:(?:part|section)\s+)?(?:[ivxl]+|[a-z]|\d+[a-z]?)(?:\.\d*[a-z]?)*(?:[.)]\s*|\s+-+\s+|\s*:\s+)", re.I)
_CONTINUED = re.compile(r"[\s(\-–—,:]*\bcont(?:inued|'d|d)?\b[\s).]*$", re.I)


def _words(text: str) -> str:
    """Lower case, without diacritics and punctuation (deleted, not made a space: U.S. and
    US, COUNTER-TERRORISM and COUNTERTERRORISM are one), misspellings corrected."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.sub(r"[^\w\s]|_", "", text.lower()).split()
    return " ".join(SPELLING.get(w, w) for w in words)


def _strip_numbering(heading: str) -> str:
    text = heading.strip()
    for _ in range(3):
        before = text
        text = _MARK.sub("", text)
        m = _NUMBER.match(text)
        # a lone letter or numeral only when more follows: "A. AMENDING LAWS", not "I"
        if m and text[m.end():].strip() and not re.match(r"^[A-Za-z]\.\w", text):
            text = text[m.end():]
        if text == before:
            break
    return text


@functools.lru_cache(maxsize=8192)  # a corpus repeats its headings: Comment, Summary, Prevention
def section_key(heading: Optional[str]) -> Optional[str]:
    """The normalised section of a heading as written, or None for no heading.

    >>> section_key("V. PREVENTION"), section_key("Prevention"), section_key("COMMENT:")
    ('prevention', 'prevention', 'comment')
    """
    if heading is None:
        return None
    if heading.strip() == "":
        return None
    text = _CONTINUED.sub("", _strip_numbering(heading))
    key = _words(text)
    if not key:
        return _words(heading) or None
    if key in _PHRASES:
        return _PHRASES[key]
    if ":" in text:  # "PREVENTION: NEW OUTREACH EFFORTS", "Comment: Israeli OC ..."
        head = _words(text.split(":", 1)[0])
        if head in _PHRASES:
            return _PHRASES[head]
    # "CHILE: THE COUNTRY'S TIP SITUATION", "SETTING THE SCENE FOR GOCR ANTI-TIP EFFORTS"
    for phrase, part in (("countrys tip situation", "country situation"),
                         ("setting the scene for", "setting the scene")):
        if phrase in key:
            return part
    return key


def section_label(key: Optional[str]) -> Optional[str]:
    """What a facet shows for a key: the standard part's name, or the key capitalised."""
    if key is None:
        return None
    if key in STANDARD:
        return STANDARD[key][0]
    return key[:1].upper() + key[1:]
