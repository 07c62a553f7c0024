"""Lark Transformers: from the line-level parse trees to the cable's parts.

The grammar has already decided what each line is, where the preamble ends and
which lines continue which field (`TAGS_LINE TEXT*`, `SUBJECT_LINE TEXT*` ...):
each field rule arrives as (kind, its lines). These classes read the values
(fields.py), cut fields run together on one line, build paragraphs and
subparagraphs, and recognise the signature and the dashed section headings in
their layouts: `---- Heading ----` or `Heading ----` on one line (the grammar's
HEADING_LINE), a heading between dash lines or underlined by one, a heading run
onto the end of a paragraph's last sentence. What was guessed is recorded as a
warning in `BodyParts.problems`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from lark.visitors import Transformer_NonRecursive

from ..model import Office, Paragraph, ParseProblem, Recipient
from . import fields
from .tags import TAGS_WORDS
from .terms import CLASSIFICATION, MARK

# The methods below touch tokens only through `.type`, `.line` and `str()`, so
# lark-cython's own tokens (not `str` subclasses) can reach them (grammar_loader).
NATIVE_TOKENS_OK = True

# The vocabularies (marks, classification words) come from grammar/terms.lark via terms.py.
_MARK = MARK
_PARA_HEAD = re.compile(
    rf"^\s*¶?\s*(?P<num>\d{{1,3}})\s*[.)]?\s*(?P<mark>{_MARK})?\s*(?P<rest>.*)$", re.I | re.S)
_SUB_HEAD = re.compile(
    rf"^\s*-{{0,3}}\s*\(?(?P<letter>[A-Za-z]{{1,2}})\s*[.)]\s*(?P<mark>{_MARK})?\s*(?P<rest>.*)$", re.I | re.S)
def _clean(text: str) -> str:
    return " ".join(text.split())


class _LineToken:
    """A line cut from a token (a TEXT_RUN's lines, text split off a field): what the
    methods read of a token, `.type`, `.line` and `str()`, without the cost of making
    a `lark.Token`, which the parse pays for thousands of such lines."""

    __slots__ = ("type", "value", "line")

    def __init__(self, type_: str, value: str, line: int):
        self.type, self.value, self.line = type_, value, line

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"_LineToken({self.type!r}, {self.value!r})"


# --------------------------------------------------------------- header
@dataclass
class HeaderParts:
    precedence: Optional[str] = None
    dtg: Optional[str] = None
    created: Optional[str] = None
    routing_indicator: Optional[str] = None
    serial: Optional[str] = None
    from_station: Optional[str] = None
    drafted_by: Optional[str] = None
    approved_by: Optional[str] = None
    recipients: list[Recipient] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)


_DE = re.compile(r"^\s*DE\s+(?P<ri>R[A-Z0-9]{3,6})\s*#\s*(?P<serial>\d+)")
_OFFICE_LIST = re.compile(r"^[A-Z]{1,6}-\d{2}\b")
_OFFICE = re.compile(r"(?<![A-Z0-9/])([A-Z][A-Z0-9/]{0,7})-(\d{2})\b")
_FM = re.compile(r"^\s*FM\s+")
_TO_INFO = re.compile(r"^\s*(?:TO|INFO)\s+")
_DRAFTING = re.compile(r"^\s*(DRAFTED|APPROVED|CLEARED)\s+BY\s*:?\s*(.*?)\s*$")


# Repetitions are left-recursive rules (`lines: lines? item`): one reduction per line
# inside the parse, but a tree as deep as the body is long when a tree is built
# (`cable_parser()`), so the Transformers walk trees without recursion.
def _gather(children: list) -> list:
    """`rule: rule? ITEM`, a repetition as a left-recursive rule: the items so far, this one appended."""
    if len(children) == 1:
        return [children[0]]
    children[0].append(children[1])
    return children[0]


class HeaderTransformer(Transformer_NonRecursive):
    """header tree -> HeaderParts."""

    hlines = staticmethod(_gather)
    addresses = staticmethod(_gather)

    def fm_line(self, children):
        return ("fm", children[0])

    def to_block(self, children):
        return ("to", children[:1] + (children[1] if len(children) > 1 else []))

    def info_block(self, children):
        return ("info", children[:1] + (children[1] if len(children) > 1 else []))

    def header(self, children) -> HeaderParts:
        parts = HeaderParts()
        office_role = "info"
        for child in (children[0] if children else []):
            if getattr(child, "type", None) in ("ACTION_LINE", "OFFICE_INFO_LINE", "OFFICE_LINE"):
                if child.type != "OFFICE_LINE":
                    office_role = "info" if child.type == "OFFICE_INFO_LINE" else "action"
                for office, copies in _OFFICE.findall(str(child)):
                    parts.offices.append(Office(office_role, office, int(copies), len(parts.offices) + 1))
                continue
            if getattr(child, "type", None) == "DRAFTING_LINE":
                m = _DRAFTING.match(str(child))
                if m and m.group(1) == "DRAFTED":
                    parts.drafted_by = parts.drafted_by or _clean(m.group(2))
                elif m and m.group(1) == "APPROVED":
                    parts.approved_by = parts.approved_by or _clean(m.group(2))
                continue
            if isinstance(child, tuple):
                kind, value = child
                if kind == "fm":
                    parts.from_station = _clean(_FM.sub("", str(value)))
                    continue
                first = _TO_INFO.sub("", str(value[0]))
                for line in [first] + [str(t) for t in value[1:]]:
                    line = _clean(line)
                    if not line or _OFFICE_LIST.match(line):
                        continue  # office distribution lists are not addressees
                    parts.recipients.append(
                        fields.parse_address(line, kind, len(parts.recipients) + 1))
            elif child.type == "DTG_LINE" and parts.dtg is None:
                dtg = fields.parse_dtg(str(child))
                parts.precedence, parts.dtg, parts.created = dtg["precedence"], dtg["dtg"], dtg["created"]
            elif child.type == "DE_LINE" and parts.routing_indicator is None:
                m = _DE.match(str(child))
                if m:
                    parts.routing_indicator, parts.serial = m.group("ri"), m.group("serial")
        return parts


# ----------------------------------------------------------------- body
@dataclass
class BodyParts:
    classification_line: Optional[str] = None
    class_info: dict = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    eo: Optional[str] = None
    declassify_on: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # names in brackets on the TAGS line
    subject: Optional[str] = None
    ref_text: Optional[str] = None
    classified_by: Optional[str] = None
    notes: list[str] = field(default_factory=list)  # addressing lines before the fields
    paragraphs: list[Paragraph] = field(default_factory=list)
    signature_line: Optional[str] = None
    sections: list[str] = field(default_factory=list)  # dashed headings in order, each time one starts
    # what the parser guessed or skipped; `line` is a line of the text the grammar saw
    # (after page furniture is taken out), as Paragraph.line before parser.py maps it
    problems: list[ParseProblem] = field(default_factory=list)


_FIELD_KINDS = {"class_line", "caveat", "eo", "tags", "subject", "ref", "classified_by"}
# Fields that some cables run together on one line:
# "E.O. 12958: DECL: 12/17/2014 TAGS: EAIR ...", "SUBJECT: ... REF: ... Classified By: ...",
# "...VISIT TO CAIROClassified By: ...", "...E) CAIRO 730 Classified by Ambassador ...";
# "designated under E.O. 13382 (reftel)" in a sentence is no field: the E.O. field has its colon
_GLUED = re.compile(
    rf"(?=(?<![A-Za-z])(?:E\.\s?O\.\s?1\d{{4}}\s*:|(?:{'|'.join(TAGS_WORDS)}):|SUBJECT:|Subject:|REFS?:|REFTELS?:"
    r"|CLASSIFIED BY:)|Classified By:|(?<=\s)Classified by (?=[A-Z]))")
_GLUED_KIND = [
    (re.compile(r"^E\.\s?O\."), "eo"), (re.compile(rf"^(?:{'|'.join(TAGS_WORDS)})\b"), "tags"), (re.compile(r"^SUBJECT", re.I), "subject"),
    (re.compile(r"^REF"), "ref"), (re.compile(r"^CLASSIFIED BY", re.I), "classified_by"),
]


_MARK_ONLY = re.compile(r"^\s*\(\s*[A-Z/]{1,12}\s*\)\s*$")
# Where a glued field may start: each label's first letter, not after a letter, then the
# rest of its word (a looser _GLUED). Every alternative starts with a letter, so a search
# skips from one such letter to the next where _GLUED tries every position.
_GLUED_HINT = re.compile(
    "|".join(f"{w[0]}(?<![A-Za-z]{w[0]}){w[1:]}:" for w in TAGS_WORDS)
    + r"|E(?<![A-Za-z]E)\.|S(?<![A-Za-z]S)(?:UBJECT|ubject):"
    r"|R(?<![A-Za-z]R)EF|C(?<![A-Za-z]C)LASSIFIED BY:|Classified By:|Classified by ")


def _split_glued(kind: str, text: str) -> list[tuple[str, str]]:
    """Split a field's text where another field starts inside it."""
    if ":" not in text and "lassified by " not in text:
        return [(kind, text)]  # every glued field has its colon but `Classified by Name`
    if not _GLUED_HINT.search(text, 1):
        return [(kind, text)]  # no field starts after the first character
    pieces = [p for p in _GLUED.split(text) if p.strip()]
    if len(pieces) > 1 and _MARK_ONLY.match(pieces[0]):  # "(U) " before "Classified by ..."
        pieces[:2] = [pieces[0] + pieces[1]]
    if len(pieces) <= 1:
        return [(kind, text)]
    out = [] if kind == "line" and not pieces[0].strip() else [(kind, pieces[0])]
    for piece in pieces[1:]:
        stripped = piece.lstrip()
        out.append((next((k for pat, k in _GLUED_KIND if pat.match(stripped)), kind), stripped))
    return out


# ------------------------------------------------------------- headings
_DASH_RUN = r"(?:-{3,}|={3,})"
_DASHES = re.compile(rf"^\s*{_DASH_RUN}[\s=-]*$")
_TRAILING_DASHES = re.compile(rf"[ \t]*{_DASH_RUN}[ \t=-]*$")
# the last run of two or more dashes before the heading: "End Summary. ---- HEADING"
_LEAD_DASHES = re.compile(r"(?:^\s*[-=]{2,}|\s[-=]{3,})[\s=-]*(?=[^\s=-])")
_BOTH_DASHES = re.compile(r"^\s*[-=]{2,}[\s=-]*([^\s=-].*?)\s+[-=]{2,}[\s=-]*$")
_SENTENCE_SPLIT = re.compile(r"[.!?][\"')\]\u201d]*\s+")
_END_NOTE = re.compile(r"^end\s+(?:of\s+)?(?:summary|comment|note)\b[.\s]*", re.I)
_NUMBERED = re.compile(r"^\s*¶?\s*\d{1,3}\s*[.)]")
_FIELD_WORD = re.compile(r"^\s*(?:TAGS?\b|SUBJ(?:ECT)?\s*:|REF|E\.\s?O\.|CLASSIFIED\s+BY)", re.I)
_REDACTION = re.compile(r"^\s*(?:X{5,}[\s.,;:]*)+$")
# small patterns the checks below use on many lines, compiled once
_LETTER = re.compile(r"[A-Za-z]")
_LOWER = re.compile(r"[a-z]")
_TWO_CAPITALS = re.compile(r"[A-Z]{2}")
_CAPITAL_WORD = re.compile(r"[A-Z]+")
_XS = re.compile(r"X+")
_NO_WORD = re.compile(r"^[\W_]*$")
_STRAY = {"SIPDIS"}  # a caveat the archive's conversion dropped into the text


def _heading_like(text: str, from_long: bool = False, strict: bool = False) -> bool:
    """Short, starts like a title, not a paragraph number, a field or a redaction.

    `strict` (a heading cut from the end of a line of text): it starts with a capital,
    a digit or a quote; `from_long`: the line was long and the heading has no full stop.
    """
    if not text or len(text) > 120 or len(text.split()) > 15:
        return False
    if text[0].islower() or (strict and not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'\u201c([")):
        return False
    if from_long and text.endswith("."):
        return False
    return len(_LETTER.findall(text[:12])) >= 2 and not _NUMBERED.match(text) \
        and not _FIELD_WORD.match(text) and not _REDACTION.match(text) and "   " not in text \
        and not _NOT_HEADING.search(text)


# framed by dashes but no heading: the post's web site notice
_NOT_HEADING = re.compile(r"https?:|www\.|\.gov\b|Classified\s+Web", re.I)


def split_heading(line: str) -> Optional[tuple[str, str]]:
    """A line ending in dashes -> (text before the heading, heading), or None.

    `---- Heading ----` and `Heading -----` give ("", heading); a paragraph whose
    last sentence is a heading (`... End Summary. The Recap -----`,
    `... END SUMMARY ---- HEADING ----`) gives its text and the heading.
    """
    both = _BOTH_DASHES.match(line)
    if both and _heading_like(both.group(1)):  # "-- AFGHANISTAN --"
        return "", " ".join(both.group(1).split())
    # the dashes are in the line's tail of spaces, dashes and "=": searched from there
    body = line[:-1] if line.endswith("\n") else line
    m = _TRAILING_DASHES.search(line, len(body.rstrip(" \t=-")))
    if not m or m.start() == 0:
        return None
    s = line[:m.start()].rstrip()
    if not s.strip():
        return None
    leads = list(_LEAD_DASHES.finditer(s))
    if leads:
        k = leads[-1]
        before, head = s[:k.start()].rstrip(), s[k.end():].strip()
        head = _END_NOTE.sub("", head).strip(" :-") or head
        if _heading_like(head, from_long=bool(before) and len(head.split()) > 15, strict=bool(before)):
            return before, " ".join(head.split())
        return None
    whole = " ".join(s.split())
    cuts = list(_SENTENCE_SPLIT.finditer(s))
    if cuts:
        cut = cuts[-1]
        before, head = s[:cut.end()].rstrip(), s[cut.end():].strip()
        head = _END_NOTE.sub("", head).strip(" :") or head
        # "U.S. and UK Messages In Synch": the cut after an abbreviation is no sentence end
        if len(before.split()) >= 2 or _END_NOTE.match(before.strip()):
            if _heading_like(head, from_long=len(whole.split()) > 15, strict=True):
                return before, " ".join(head.split())
            if len(whole.split()) > 15:
                return None
    whole = _END_NOTE.sub("", whole).strip(" :") or whole
    if _heading_like(whole):
        return "", whole
    return None


def _ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line)) or bool(_DASHES.match(line))


# ------------------------------------------------------------ signature
# "…FOREIGN AFFAIRS.    PORTER" / "…prefers to avoid them. Herbst" / "… 05/20/2009) SCOBEY" /
# "…********* ERELI" / "… End comment.GODFREY"
_GLUED_SIGNATURE = re.compile(
    # (a run of X's is tried from its start only, so a line of them stays linear)
    r"^(?P<text>.*(?:\S\s{3,}|[.!?)\"\u201d*]\s{1,2}|[a-z][.!?]|(?<!X)X{4,}+\s{1,2}))"
    r"(?P<sig>[A-Z][A-Z'-]{2,30}(?: [A-Z][A-Z'-]{2,30})?(?=\.{0,3}\s*$)|[A-Z][a-z]{2,}(?:-?[A-Z][a-z]+)?(?=\.?\s*$))")
_SENTENCE_END = re.compile(r"""[.:;!?"')\]\u201d]\s*$""")
_TRAILER = re.compile(
    rf"^\s*(?:>|{CLASSIFICATION}(?:\s*//?\s*[A-Z ]+)?"
    r"|NNNN?|BT|=+\s*CABLE ENDS\s*=+|[A-Z]*VZCZ[A-Z]*|\*\*\*.*\*\*\*.*|\d{4}[A-Z]+\d+ - Classification: [A-Z/ ]+\"?"
    r"|[\W_]*|(?:</?[a-z]+[^<>]*>\s*)+|Declassified/Released US Department of State.*|Systematic Review \d.*)\s*$")
# what may stand before an upper-case name that signs: a redaction, an end of comment, a slash, GP-1
_BEFORE_UPPER_NAME = re.compile(r"X{4,}|\bCOMMENT\s*$|/\s*$|^GP-\d\s*$")
_NAME_STAMP = re.compile(r"\s+\d{1,2}\s+\d{1,2}/\d{1,2}/\d{4}\s*$")
_SIGNATURE = re.compile(r"^[*/\s]*[A-Za-z][A-Za-z.'\- ,]{1,40}[\s\"]*$")
_UPPER_NAME = re.compile(r"^[A-Z][A-Z'-]+(?:\s+[A-Z][A-Z'-]+){0,3}\.{0,3}$")
_NOT_NAMES = set("""END COMMENT SUMMARY TEXT NOTE QUOTE UNQUOTE BT NNNN NNN MINIMIZE SIPDIS
    NOFORN SENSITIVE UNCLASSIFIED UNCLAS CONFIDENTIAL SECRET LIMITED OFFICIAL USE DECLASSIFIED
    REGARDS THANKS THANK YOU AND FOR THE OF TO ACTION INFO REF TAGS SUBJECT RELEASED FYI ENDS
    CABLE PAGE SECTION NOTAL SBU""".split())


def _is_name(text: str) -> bool:
    words = set(text.replace(".", " ").upper().split())
    return bool(words) and not words & _NOT_NAMES and not _XS.fullmatch(text.strip("."))


# ------------------------------------------------------------ transformer
# The kind of entry a body line makes, by its terminal (any other line is a "line")
_KIND = {"PARA_PLAIN_LINE": "para", "PARA_MARKED_LINE": "para", "SUB_PLAIN_LINE": "sub", "SUB_STRONG_LINE": "sub"}


def _para_entries(token) -> list:
    """A numbered paragraph's entries: its own line, then the lines of prose its
    terminal took after it, as the one run of lines TEXT_RUN (or TEXT) would have read."""
    value = str(token)
    cut = value.find("\n") + 1
    if cut == len(value):
        return [("para", token)]
    return [("para", _LineToken(token.type, value[:cut], token.line)),
            ("line", _LineToken("TEXT", value[cut:], token.line + 1))]


def _entries(token) -> list:
    """A body line's entries, its kind from its terminal: a numbered paragraph's as
    `_para_entries` gives them, any other line's one entry."""
    kind = _KIND.get(token.type, "line")
    return _para_entries(token) if kind == "para" else [(kind, token)]


class BodyTransformer(Transformer_NonRecursive):
    """body tree -> BodyParts. `line_of` maps a parsed line to the user's line."""

    def __init__(self, line_of: Callable[[int], int] = lambda n: n):
        super().__init__()
        self.line_of = line_of

    # preamble items: a field with its continuation lines, or a block of text,
    # as (kind, [tokens])
    def _field_rule(kind):  # noqa: N805 - a small factory for the methods below
        def method(self, children):
            if len(children) == 1:
                return (kind, children if kind != "line" else children[0])
            return (kind, [children[0]] + children[1])  # the field's line, its continuation lines
        return method

    class_line = _field_rule("class_line")
    caveat = _field_rule("caveat")
    eo = _field_rule("eo")
    tags = _field_rule("tags")
    subject = _field_rule("subject")
    ref = _field_rule("ref")
    classified_by = _field_rule("classified_by")
    text = _field_rule("line")
    del _field_rule

    # body lines arrive as lists of (kind, token) entries
    def para(self, children):
        return _para_entries(children[0])

    def sub(self, children):  # after a dash line (the rule `after_dash`)
        return [("sub", children[0])]

    def dashed(self, children):
        return [("line", children[0])] + (children[1] if len(children) > 1 else [])

    ended = dashed  # a sentence-ending line, and the paragraph that may follow it

    def heading(self, children):
        """A one-line heading with its dashes, and the paragraph that may follow it."""
        return [("heading", children[0])] + (children[1] if len(children) > 1 else [])

    texts = staticmethod(_gather)
    plain_lines = staticmethod(_gather)

    def pitems(self, children):
        """The preamble's items in order; a bare token is a blank line (lark-cython's
        tokens are not `Token`s), which the fields do not need."""
        items = children[0] if len(children) == 2 else []
        if isinstance(children[-1], tuple):
            items.append(children[-1])
        return items

    def lines(self, children):
        """The lines after a block's first item, as (kind, token) entries in order."""
        if len(children) == 1:
            entries, item = [], children[0]
        else:
            entries, item = children
        if isinstance(item, list):  # a dash line or a heading, and the paragraph after it
            entries.extend(item)
        else:  # a line: its kind from its terminal
            entries.extend(_entries(item))
        return entries

    def blocks(self, children):
        """The blocks after the first, in order, each as (kind, token) entries: its
        first line (kind from its terminal), then the lines after it."""
        if isinstance(children[0], list):  # the blocks before this one
            blocks, first, rest = children[0], children[2], children[3:]
        else:
            blocks, first, rest = [], children[1], children[2:]
        entries = first if isinstance(first, list) else _entries(first)
        if rest:
            entries.extend(rest[0])
        blocks.append(entries)
        return blocks

    def preamble(self, children):
        return children[0] if children else []

    def paragraphs(self, children):
        """The body's blocks: the first item with the lines after it, then the others."""
        first, rest = children[0], []  # the first paragraph
        for child in children[1:]:
            if isinstance(child, list) and isinstance(child[0], list):
                rest = child  # `blocks`
            elif isinstance(child, list):  # the lines after the first paragraph
                first.extend(child)
        return ("paragraphs", [first] + rest)

    def body(self, children) -> BodyParts:
        parts = BodyParts()
        preamble = children[0]
        body_blocks = self._preamble(preamble, parts)
        body_blocks += children[1][1] if len(children) > 1 else []
        self._signature(body_blocks, parts)
        self._paragraphs(body_blocks, parts)
        self._classified_by_paragraph(parts)
        return parts

    def _warn(self, parts: BodyParts, part: str, line: int, message: str) -> None:
        parts.problems.append(ParseProblem(part=part, line=line, column=0, message=message, severity="warning"))

    # -- preamble: fields with their continuation lines
    def _preamble(self, items, parts: BodyParts) -> list[list]:
        """Fields into `parts`; the text blocks after the last field are the body's first blocks."""
        groups: list[tuple[str, list]] = []
        for kind, tokens in items:
            if kind == "line" and _REF_LABELLED.match(str(tokens[0])):
                kind = "ref"  # "Ref A: Reykjavik 107" / "Ref B: Reykjavik 108"
            groups.append((kind, list(tokens)))
        groups = _merge_ref_items(groups)
        groups = self._subject_after_blank(groups, parts)
        split: list[tuple[str, list, str]] = []
        for kind, tokens in groups:
            if kind == "ref":
                tokens, rest = _ref_lines(tokens)
                text = "\n".join(str(t).rstrip("\n") for t in tokens)
                split += self._cut_run_on(_split_glued(kind, text), tokens, parts)
                if rest:
                    text = "\n".join(str(t).rstrip("\n") for t in rest)
                    split += [(k, rest, t) for k, t in _split_glued("line", text)]
                    self._warn(parts, "refs", rest[0].line,
                               "text after the references read as the body's first paragraph")
                continue
            text = "\n".join(str(t).rstrip("\n") for t in tokens)
            split += self._cut_run_on(_split_glued(kind, text), tokens, parts)
        last_field = max((i for i, (k, _, _) in enumerate(split) if k in _FIELD_KINDS), default=-1)
        body_blocks = []
        for i, (kind, tokens, text) in enumerate(split):
            if kind in _FIELD_KINDS:
                self._field(kind, text, parts)
            elif i < last_field:
                parts.notes.append(_clean(text))
            elif len(tokens) == 1 or text.count("\n") + 1 == len(tokens):
                body_blocks.append([("line", t) for t in tokens])
            else:  # text that a glued field was cut from: keep only the text itself
                body_blocks.append([("line", _LineToken("TEXT", line + "\n", tokens[0].line))
                                    for line in text.split("\n")])
        return body_blocks

    def _cut_run_on(self, pieces: list, tokens: list, parts: BodyParts) -> list:
        """A REF or Classified By field with the body run on after it on its line
        (`REF: STATE 7606 We delivered points in reftel ...`, `Classified By: ... 1.4 (b)
        and (d) (C) HMG is fully aware ...`): the field, then the body as text."""
        out = []
        for kind, text in pieces:
            pattern = _RUN_ON_BODY.get(kind)
            cut = pattern.search(text) if pattern is not None and len(text) > 100 else None
            if cut and len(text[cut.end():].split()) >= 12:
                out.append((kind, tokens, text[:cut.end()].rstrip()))
                rest = text[cut.end():]
                out.append(("line", [_LineToken("TEXT", line + "\n", tokens[0].line) for line in rest.split("\n")],
                            rest))
                self._warn(parts, "refs" if kind == "ref" else "classified_by", tokens[0].line,
                           "text run on after the field read as the body")
            else:
                out.append((kind, tokens, text))
        return out

    def _subject_after_blank(self, groups: list, parts: BodyParts) -> list:
        """`SUBJECT:` alone, the subject after a blank line: the next text block is the subject."""
        out: list = []
        for kind, tokens in groups:
            if (kind == "line" and out and out[-1][0] == "subject" and len(out[-1][1]) == 1
                    and not fields.parse_subject(str(out[-1][1][0])) and len(tokens) <= 3
                    and not _DASHES.match(str(tokens[0]))):
                out[-1][1].extend(tokens)
                self._warn(parts, "subject", tokens[0].line, "subject read from the line after an empty SUBJECT:")
                continue
            out.append((kind, tokens))
        return out

    def _field(self, kind: str, text: str, parts: BodyParts) -> None:
        if kind == "class_line":
            if parts.classification_line is None:
                parts.classification_line = _clean(text)
                parts.class_info = fields.parse_class_line(parts.classification_line)
        elif kind == "caveat":
            parts.caveats += [c for c in fields.parse_caveats(text) if c not in parts.caveats]
        elif kind == "eo":
            parts.eo, parts.declassify_on = fields.parse_eo(text)
        elif kind == "tags":
            tags, persons, warnings = fields.read_tags(text)
            parts.tags += [t for t in tags if t not in parts.tags]
            parts.persons += [p for p in persons if p not in parts.persons]
            parts.problems += warnings
        elif kind == "subject":
            if parts.subject is None:
                parts.subject = fields.parse_subject(text) or None
        elif kind == "ref":
            value = _REF_LABEL_TEXT.sub("", text, count=1)
            parts.ref_text = f"{parts.ref_text} {value}" if parts.ref_text else value
        elif kind == "classified_by":
            if parts.classified_by is None:
                parts.classified_by = fields.parse_classified_by(text) or None

    def _classified_by_paragraph(self, parts: BodyParts) -> None:
        """`1. (U) CLASSIFIED BY CDA JOSEPH MERANTE FOR REASONS 1.5 (B) AND (D).`: the
        classification authority written as the first paragraph stays a paragraph and
        fills `classified_by`."""
        if parts.classified_by is not None:
            return
        for p in parts.paragraphs[:3]:
            if _CLASSIFIED_BY_TEXT.match(p.text):
                parts.classified_by = fields.parse_classified_by(p.text.split("\n\n")[0]) or None
                return

    # -- signature: the last short line standing alone, or glued after spaces
    def _signature(self, blocks: list[list], parts: BodyParts) -> None:
        """The signer: a short name line at the end, on its own or after the last sentence.

        Trailing furniture (a repeated classification, `>`, dots, HTML left by the
        site, the archive's `2001VATICA03507 - Classification: …` line) is dropped first.
        """
        while blocks:
            last = blocks[-1] = _single_lines(blocks[-1])  # line by line
            while last and last[-1][0] != "heading" and _TRAILER.match(str(last[-1][1])):
                last.pop()
            if last:
                break
            blocks.pop()
        if not blocks:
            return
        last = blocks[-1]
        lines = [str(t).strip() for _, t in last]
        kind, token = last[-1]
        # "MILAM 0 01/10/2008": a date stamp after the name
        last_line = _NAME_STAMP.sub("", lines[-1])
        name = last_line.rstrip(".").strip(" *\"/")
        cut_off = last_line.rstrip().endswith(("...", "\u2026"))  # "DANIEL ORTEGA AN...": text cut, no name
        if kind in ("line", "heading") and len(name.split()) <= 4 and _is_name(name) and not cut_off:
            before = lines[-2] if len(lines) > 1 else None
            upper = bool(_UPPER_NAME.match(name))
            alone = before is None or _ends_sentence(before) or _NOT_HEADING.search(before) \
                or _NO_WORD.match(before) or (
                upper and (_LOWER.search(before) or _BEFORE_UPPER_NAME.search(before)))
            dotted = last_line.rstrip().endswith(".") and not last_line.rstrip().endswith("..")
            if alone and _SIGNATURE.match(name) and (upper or not dotted or before is None):
                parts.signature_line = name
                last.pop()
                if not last:
                    blocks.pop()
                return
        head = _PARA_HEAD.match(lines[-1]) if kind == "para" and len(lines) == 1 and len(blocks) > 1 else None
        if head and not head.group("mark") and _CONTINUES.search(str(blocks[-2][-1][1]).rstrip()) \
                and len(head.group("rest").split()) <= 2 and _SIGNATURE.match(head.group("rest")) \
                and _is_name(head.group("rest")) and head.group("rest")[:1].isupper():
            # "... posed in paragraph" / "" / "3. Koenig": the number ends the sentence, the name signs
            parts.signature_line = head.group("rest").strip()
            last[-1] = ("line", _LineToken("TEXT", lines[-1][: head.start("rest")].rstrip() + "\n", token.line))
            self._warn(parts, "signature", token.line,
                       f"signature {parts.signature_line!r} read after a paragraph number that ends a sentence")
            return
        m = _GLUED_SIGNATURE.match(lines[-1])
        if m and _is_name(m.group("sig")) and _words_after_head(m.group("text")):
            text = m.group("text").rstrip()
            parts.signature_line = m.group("sig")
            last[-1] = (kind, _LineToken(_type(token), text + "\n", token.line))
            self._warn(parts, "signature", token.line,
                       f"signature {parts.signature_line!r} cut from the end of the last line of text")

    # -- paragraphs, subparagraphs, headings
    def _paragraphs(self, blocks: list[list], parts: BodyParts) -> None:
        builder = _Builder(parts, self)
        mixed = None  # whether the body is in mixed case: asked only of a block that could be a heading
        for k, block in enumerate(blocks):
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            if nxt is not None and nxt[0][0] == "para" and _capital_heading(block) and (
                    mixed if mixed is not None else (mixed := _mixed_case(blocks))):
                # "ROLLING THE DICE" alone between blank lines, over a numbered paragraph,
                # in a cable written in mixed case: a heading without dashes
                builder.set_section(_strip_dashes(str(block[0][1])), block[0][1])
                if str(block[0][1]).rstrip()[-1:] not in ("-", "="):  # no dashes: a guess
                    self._warn(parts, "body", block[0][1].line,
                               "an upper-case line alone over a paragraph read as a heading")
                continue
            builder.block(block)
        for p in parts.paragraphs:  # whitespace collapsed, blank lines between blocks kept
            text = p.text
            p.text = "\n\n".join(_clean(c) for c in text.split("\n\n") if c.strip()) if "\n\n" in text \
                else _clean(text)


# an unnumbered block that starts a paragraph of its own after numbered ones
_OWN_BLOCK = re.compile(r"^\s*(?:COMMENT|SUMMARY)\s*:", re.I)
_CONTINUES = re.compile(r"[a-z,]\s*$")  # a sentence cut off: a lower-case word or a comma
_CLASSIFIED_BY_TEXT = re.compile(r"^\s*(?:\([A-Z/ ]{1,12}\)\s*)?CLASSIFIED\s*BY\b", re.I)


def _mixed_case(blocks: list[list]) -> bool:
    """Whether the body is written in mixed case (then an upper-case line stands out)."""
    lines = []
    for block in blocks[:40]:  # the first four lines of each block (a TEXT_RUN token holds several)
        first: list[str] = []
        for _, token in block[:4]:
            text = str(token)
            first.extend(text.split("\n")[:-1] if "\n" in text.rstrip("\n") else [text])
        lines.extend(first[:4])
    mixed = sum(1 for line in lines if line.upper() != line)
    return mixed > len(lines) // 2


def _capital_heading(block: list) -> bool:
    """One short upper-case line that does not end a sentence."""
    if len(block) != 1 or block[0][0] not in ("line", "heading"):
        return False
    text = " ".join(str(block[0][1]).split())
    text = _strip_dashes(text)
    if not text or len(text) > 100 or len(text.split()) > 12 or text.endswith((".", ",", ";")):
        return False
    if _LOWER.search(text) or not _TWO_CAPITALS.search(text) or _REDACTION.match(text):
        return False
    words = set(_CAPITAL_WORD.findall(text))
    return bool(words - _NOT_NAMES) and _heading_like(text) and not _TRAILER.match(text)


def _words_after_head(text: str) -> list[str]:
    """The words of a line after its paragraph number and mark, if it has them."""
    m = _PARA_HEAD.match(text)
    return (m.group("rest") if m else text).split()


def _type(token) -> str:
    return getattr(token, "type", "TEXT")


class _Builder:
    """Paragraphs and sections from the body's blocks (runs of lines between blank lines)."""

    def __init__(self, parts: BodyParts, owner: BodyTransformer):
        self.parts = parts
        self.owner = owner
        self.out = parts.paragraphs
        self.section: Optional[str] = None
        self.current: Optional[Paragraph] = None
        self.parent: Optional[Paragraph] = None
        self.listing: Optional[Paragraph] = None

    def set_section(self, heading: str, token) -> None:
        # text after a heading starts a paragraph of its own, but where the paragraph
        # before it opened a list (`3. (U) Participants:` / `U.S.` / `----` / names /
        # `UAE` / `---` / names) the headed lists stay in that paragraph
        self.section = heading
        if not self.parts.sections or self.parts.sections[-1] != heading:
            self.parts.sections.append(heading)  # a heading repeated at a new page counts once
        current = self.current
        if current is not None and (current is self.listing or current.text.rstrip().endswith(":")):
            self.listing = current
        else:
            self.current = self.listing = None

    def block(self, block: list) -> None:
        if len(block) == 1:  # most blocks: one paragraph on one line, no dashes
            kind, token = block[0]
            raw = str(token).rstrip("\n")
            if kind in ("para", "sub") and raw.rstrip()[-1:] not in ("-", "="):
                self.add(kind, token, raw, True)
                return
        lines = []
        runs = 0  # the lines that TEXT_RUN tokens hold beyond their first
        for k, t in block:
            r = str(t).rstrip("\n")
            if k != "line" or "SIPDIS" not in r or r.strip() not in _STRAY:
                lines.append((k, t, r))
                if k == "line" and "\n" in r:
                    runs += r.count("\n")
        if not lines:
            return
        count = len(lines) + runs  # lines of the block
        if runs:
            lines = _run_lines(lines, count)
        # a block of redaction lines stands for paragraphs the release took out
        if lines[0][0] == "line" and "XXXXX" in lines[0][2] and all(
                k == "line" and all(_REDACTION.match(x) for x in r.split("\n")) for k, _, r in lines):
            self.current = None
        heading = _block_heading(lines) if 2 <= count <= 4 else None
        if heading is not None:
            self.set_section(heading, lines[0][1])
            return
        n = len(lines)
        # lines that end in a dash or "=": only around them can a heading stand
        dashy = [("-" in r or "=" in r) and r.rstrip()[-1:] in ("-", "=") for _, _, r in lines] + [False]
        i = 0
        first = True
        while i < n:
            kind, token, raw = lines[i]
            if not dashy[i] and not dashy[i + 1]:  # an ordinary line
                if not first and kind == "line" and self.current is not None:
                    j = i + 1  # the paragraph goes on, over this line and the ordinary ones after it
                    while j < n and lines[j][0] == "line" and not dashy[j] and not dashy[j + 1]:
                        j += 1
                    self.current.text = "\n".join([self.current.text] + [r for _, _, r in lines[i:j]])
                    i = j
                    continue
                self._text_line(kind, token, raw, first)
                first = False
                i += 1
                continue
            nxt = lines[i + 1][2] if i + 1 < n else None
            if kind in ("line", "heading") and _DASHES.match(raw):
                # dash line, heading text, dash line (or the block's end)
                if i + 1 < n and lines[i + 1][0] in ("line", "heading") and "\n" not in lines[i + 1][2] and _heading_like(
                        _strip_dashes(lines[i + 1][2])) and (i + 2 >= n or _DASHES.match(lines[i + 2][2])):
                    self.set_section(_strip_dashes(lines[i + 1][2]), token)
                    i += 3
                    first = True
                    continue
                if i + 1 < n and lines[i + 1][0] in ("line", "heading") and split_heading(lines[i + 1][2]):
                    i += 1  # the dashes over a "Heading -----" line
                    continue
                i += 1  # a separator: the paragraph before it ends
                self.current = None
                first = True
                continue
            if kind in ("line", "heading") and nxt is not None and _DASHES.match(nxt) and _heading_like(raw.strip()) \
                    and (i == 0 or _ends_sentence(lines[i - 1][2]) or lines[i - 1][0] == "heading") \
                    and not (i + 3 < n and _DASHES.match(lines[i + 3][2]) and not _DASHES.match(lines[i + 2][2])):
                # "Heading" underlined by dashes, after a sentence's end
                self.set_section(" ".join(raw.split()), token)
                i += 2
                first = True
                continue
            cut = split_heading(raw) if raw.rstrip().endswith(("-", "=")) else None
            if cut is not None and not (kind == "line" and not cut[0] and i > 0 and not _ends_sentence(lines[i - 1][2])
                                        and lines[i - 1][0] != "heading"):
                before, heading = cut
                if before.strip():
                    self.add(kind, token, before, first)
                    self.owner._warn(self.parts, "body", token.line,
                                     f"heading {heading!r} cut from the end of a line of text")
                self.set_section(heading, token)
                i += 1
                first = True
                continue
            self._text_line(kind, token, raw, first)
            first = False
            i += 1

    def _text_line(self, kind: str, token, raw: str, first: bool) -> None:
        """A line that is no heading: a block of redactions or a `COMMENT:` block starts a
        paragraph of its own, the rest go to `add`."""
        head = raw.partition("\n")[0]  # a run of lines is looked at by its first
        if first and kind == "line" and (_REDACTION.match(head) or _OWN_BLOCK.match(head)):
            self.current = None  # "XXXXXXXXXXXX" for paragraphs taken out; "COMMENT: ..."
        self.add(kind if kind != "heading" else "line", token, raw, first)

    def add(self, kind: str, token, raw: str, first: bool) -> None:
        out = self.out
        line = token.line
        section = self.section
        if kind == "para":
            m = _PARA_HEAD.match(raw)
            if m and not m.group("mark") and self.current is not None and _CONTINUES.search(self.current.text[-40:]) \
                    and (self.parent is None or int(m.group("num")) != (self.parent.number or 0) + 1):
                # "... the request posed in paragraph" / "" / "3. Koenig": the number goes on
                # with the sentence; it is no paragraph
                self.current.text = f"{self.current.text} {raw}"
                self.owner._warn(self.parts, "body", line, f"number {m.group('num')} read as text, not a paragraph")
                return
            if m:
                self.current = self.parent = Paragraph(
                    position=len(out) + 1, number=int(m.group("num")), sub=None,
                    classification=fields.mark_value(m.group("mark")), section=section,
                    text=m.group("rest"), line=line)
                out.append(self.current)
                return
        elif kind == "sub":
            m = _SUB_HEAD.match(raw)
            if m:
                parent = self.parent
                self.current = Paragraph(
                    position=len(out) + 1, number=parent.number if parent else None,
                    sub=m.group("letter").upper(),
                    classification=fields.mark_value(m.group("mark")) or (parent.classification if parent else None),
                    section=section, text=m.group("rest"), line=line)
                out.append(self.current)
                return
        if self.current is None:
            self.current = Paragraph(position=len(out) + 1, number=None, sub=None, classification=None,
                                     section=section, text=raw, line=line)
            out.append(self.current)
        else:
            sep = "\n\n" if first else "\n"
            self.current.text = f"{self.current.text}{sep}{raw}"


def _single_lines(entries: list) -> list:
    """Entries with each TEXT_RUN token cut into its lines, for the checks that look at
    a block line by line (a short block that may be a heading, the signature)."""
    out = []
    for kind, token, *raw in entries:
        text = raw[0] if raw else str(token).rstrip("\n")
        if kind != "line" or "\n" not in text:
            out.append((kind, token, *raw))
            continue
        for k, line in enumerate(text.split("\n")):
            t = _LineToken("TEXT", line + "\n", token.line + k)
            out.append((kind, t, line) if raw else (kind, t))
    return out


def _run_lines(lines: list, count: int) -> list:
    """A block's (kind, token, raw) lines where TEXT_RUN tokens stand for several.

    A run's lines are plain prose, so the builder takes it whole as the lines of a
    paragraph; only a short block (which may be a heading) and a run's last line
    before a line ending in dashes (which may be the heading they underline) are
    cut into lines, so every decision sees the lines it saw before.
    """
    if count <= 4:  # the block's lines, runs counted line by line
        return _single_lines(lines)
    out = []
    for k, entry in enumerate(lines):
        kind, token, raw = entry
        nxt = lines[k + 1][2] if k + 1 < len(lines) else ""
        if kind == "line" and "\n" in raw and nxt.rstrip()[-1:] in ("-", "="):
            cut = raw.rindex("\n")
            out.append((kind, _LineToken("TEXT", raw[:cut] + "\n", token.line), raw[:cut]))
            out.append((kind, _LineToken("TEXT", raw[cut + 1:] + "\n", token.line + raw.count("\n")), raw[cut + 1:]))
        else:
            out.append(entry)
    return out


def _strip_dashes(text: str) -> str:
    return " ".join(text.strip().strip("-=").split())


def _block_heading(lines: list) -> Optional[str]:
    """A block that is only a heading: text between dash lines, or text underlined by dashes."""
    if any(k not in ("line", "heading") for k, _, _ in lines):
        return None
    raws = [r.strip() for _, _, r in lines]
    dashes = [bool(_DASHES.match(r)) for r in raws]
    texts = [r for r, d in zip(raws, dashes) if not d]
    if not any(dashes) or not 1 <= len(texts) <= 2 or len(" ".join(texts)) > 120:
        return None
    # the shapes of a heading: dashes over, under or around one or two lines of text
    inner = dashes[1:-1] if dashes[0] and dashes[-1] else dashes[1:] if dashes[0] else dashes[:-1]
    if not (dashes[0] or dashes[-1]) or any(inner) or not inner and len(dashes) > 1:
        return None
    if len(texts) == 1 and split_heading(texts[0]) is not None and not dashes[-1]:
        return None  # "-----" over "Heading ----": the line itself is read as a heading
    text = _clean(" ".join(_strip_dashes(t) for t in texts))
    return text if text and _heading_like(text) else None


# where the body runs on after a reference's number on one line: a mark, or a capitalised
# word and three lower-case ones
_REF_PROSE = re.compile(rf"\d\s+(?=(?:{MARK})\s+[A-Z]|[A-Z][a-z]+\s+[a-z]+\s+[a-z]+\s+[a-z]+)")
# where the body runs on after the reasons of a Classified By: a paragraph's mark and a capital
_CLASSBY_BODY = re.compile(rf"(?i:reasons?)\b.*?\s(?=(?:{MARK})\s+[A-Z\"'])")
_RUN_ON_BODY = {"ref": _REF_PROSE, "classified_by": _CLASSBY_BODY}
_REF_LABEL_TEXT = re.compile(r"^\s*REF[A-Z()]*\s*:\s*", re.I)  # the label a REF field's text starts with
_REF_LABELLED = re.compile(r"^\s*REF(?:TEL)?\s+[A-Z]\s*:", re.I)
_REF_ITEM = re.compile(r"^\s*¶?\s*\(?[A-Za-z][.)]\s")


_REF_LABEL = re.compile(r"^\s*¶?\s*\(?([A-Za-z]{1,3})[.)]")


def _ref_item(line: str, ref_tokens: list) -> bool:
    """`B. MEXICO 3422` goes on with the REF; `(U) PolOffs delivered reftel points ...`, a
    paragraph's mark, does not: a `(C)` or `(S)` is a reference only after its `B` or `R`."""
    m = _REF_LABEL.match(line)
    if not m or not _REF_ITEM.match(line):
        return False
    label = m.group(1).upper()
    if label in ("U", "SBU"):
        return False
    if label in ("C", "S"):
        before = chr(ord(label) - 1)
        text = " ".join(str(t) for t in ref_tokens)
        return bool(re.search(rf"(?<![A-Za-z]){before}[.)]|\({before}\)", text))
    return True


def _merge_ref_items(groups: list) -> list:
    """REF items set off by blank lines (`REF: A. MEXICO 3834` / `` / `B. MEXICO 3422`) stay in the REF."""
    out: list = []
    for kind, tokens in groups:
        if kind == "line" and out and out[-1][0] == "ref" and _ref_item(str(tokens[0]), out[-1][1]):
            out[-1][1].extend(tokens)
        else:
            out.append((kind, tokens))
    return out


# a line of prose after the references: no digit, several words, not a reference's label
_ENDS_IN_NUMBER = re.compile(r"\d\)?\s*$")
_PROSE = re.compile(r"^(?!\s*\(?[A-Za-z][.)]\s)(?!.*\d)\s*[A-Z][^\n]*\s\S+\s\S+")


def _ref_lines(tokens: list) -> tuple[list, list]:
    """The REF field's own lines, and the text run on after them without a blank line
    (`REF: THE HAGUE 325` / `THIS MESSAGE IS SENSITIVE BUT UNCLASSIFIED. PLEASE HANDLE`)."""
    for k in range(1, len(tokens)):
        raw = str(tokens[k])
        prev = str(tokens[k - 1]).rstrip()
        if _PROSE.match(raw) and (_ENDS_IN_NUMBER.search(prev) or _SENTENCE_END.search(prev)) \
                and len(raw.split()) >= 4:
            return tokens[:k], tokens[k:]
    return tokens, []
