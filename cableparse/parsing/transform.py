"""Lark Transformers: from the line-level parse trees to the cable's parts.

The grammar has already decided what each line is and where the preamble ends;
these classes attach continuation lines to their field, build paragraphs and
subparagraphs, recognise dashed section headings and the signature.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from lark import Token, Transformer

from ..model import Office, Paragraph, Recipient
from . import fields

# The methods below touch tokens only through `.type`, `.line` and `str()`, so
# lark-cython's own tokens (not `str` subclasses) can reach them (grammar_loader).
NATIVE_TOKENS_OK = True

_MARK = r"\(\s*(?:U|C|S|TS|SBU|FOUO|LOU|NF)(?:\s*//?\s*[A-Z][A-Z0-9 ,/-]*)?\s*\)|(?:U|C|S|SBU)\)"
_PARA_HEAD = re.compile(
    rf"^\s*¶?\s*(?P<num>\d{{1,3}})\s*[.)]?\s*(?P<mark>{_MARK})?\s*(?P<rest>.*)$", re.I | re.S)
_SUB_HEAD = re.compile(
    rf"^\s*-{{0,3}}\s*\(?(?P<letter>[A-Za-z]{{1,2}})\s*[.)]\s*(?P<mark>{_MARK})?\s*(?P<rest>.*)$", re.I | re.S)
# "…FOREIGN AFFAIRS.    PORTER" / "…prefers to avoid them. Herbst"
_GLUED_SIGNATURE = re.compile(
    r"^(?P<text>.*(?:\S\s{3,}|[.!?]\s{1,2}))(?P<sig>[A-Z][A-Z'-]{1,30}|[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s*$")
_SENTENCE_END = re.compile(r"""[.:;!?"')\]]\s*$""")
_TRAILER = re.compile(
    r"^\s*(?:>|(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)(?:\s*//?\s*[A-Z ]+)?"
    r"|C O N F I D E N T I A L|S E C R E T|NNNN?|BT|=+\s*CABLE ENDS\s*=+|[A-Z]*VZCZ[A-Z]*|\*\*\*.*\*\*\*.*|\d{4}[A-Z]+\d+ - Classification: [A-Z/ ]+\"?)\s*$")
_SIGNATURE = re.compile(r"^[*/\s]*[A-Za-z][A-Za-z.'\- ,]{1,40}[\s\"]*$")


def _clean(text: str) -> str:
    return " ".join(text.split())


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
_DRAFTING = re.compile(r"^\s*(DRAFTED|APPROVED|CLEARED)\s+BY\s*:?\s*(.*?)\s*$")


class HeaderTransformer(Transformer):
    """header tree -> HeaderParts."""

    def address(self, children):
        return children[0]

    def fm_line(self, children):
        return ("fm", children[0])

    def to_block(self, children):
        return ("to", children)

    def info_block(self, children):
        return ("info", children)

    def header(self, children) -> HeaderParts:
        parts = HeaderParts()
        office_role = "info"
        for child in children:
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
                    parts.from_station = _clean(re.sub(r"^\s*FM\s+", "", str(value)))
                    continue
                first = re.sub(r"^\s*(?:TO|INFO)\s+", "", str(value[0]))
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


_FIELD_KINDS = {"class_line", "caveat", "eo", "tags", "subject", "ref", "classified_by"}
# Fields that some cables run together on one line:
# "E.O. 12958: DECL: 12/17/2014 TAGS: EAIR ...", "SUBJECT: ... REF: ... Classified By: ..."
_GLUED = re.compile(
    r"(?=(?<![A-Za-z])(?:E\.\s?O\.\s?1\d{4}|TAGS:|SUBJECT:|REFS?:|REFTELS?:|Classified By:|CLASSIFIED BY:))")
_GLUED_KIND = [
    (re.compile(r"^E\.\s?O\."), "eo"), (re.compile(r"^TAGS"), "tags"), (re.compile(r"^SUBJECT"), "subject"),
    (re.compile(r"^REF"), "ref"), (re.compile(r"^CLASSIFIED BY", re.I), "classified_by"),
]


def _split_glued(kind: str, text: str) -> list[tuple[str, str]]:
    """Split a field's text where another field starts inside it."""
    pieces = [p for p in _GLUED.split(text) if p.strip()]
    if len(pieces) <= 1:
        return [(kind, text)]
    out = [] if kind == "line" and not pieces[0].strip() else [(kind, pieces[0])]
    for piece in pieces[1:]:
        stripped = piece.lstrip()
        out.append((next((k for pat, k in _GLUED_KIND if pat.match(stripped)), kind), stripped))
    return out


class BodyTransformer(Transformer):
    """body tree -> BodyParts. `line_of` maps a parsed line to the user's line."""

    def __init__(self, line_of: Callable[[int], int] = lambda n: n):
        super().__init__()
        self.line_of = line_of

    # preamble items arrive as (kind, token)
    def _item(kind):  # noqa: N805 - a small factory for the methods below
        def method(self, children):
            return (kind, children[0])
        return method

    class_line = _item("class_line")
    caveat = _item("caveat")
    eo = _item("eo")
    tags = _item("tags")
    subject = _item("subject")
    ref = _item("ref")
    classified_by = _item("classified_by")
    text = _item("line")
    para = _item("para")
    marked_para = _item("para")
    sub = _item("sub")
    strong_sub = _item("sub")
    line = _item("line")
    plain_text = _item("line")
    del _item

    def dashed(self, children):
        return [("line", children[0])] + children[1:]

    ended = dashed  # a sentence-ending line, and the paragraph that may follow it

    def gap(self, children):
        return ("gap", None)

    def block(self, children):
        return _flatten(children)

    def preamble(self, children):
        # a bare token here is a blank line (lark-cython's tokens are not `Token`s)
        return [c if isinstance(c, (tuple, list)) else ("gap", None) for c in children]

    def paragraphs(self, children):
        return ("paragraphs", _flatten(children))

    def body(self, children) -> BodyParts:
        parts = BodyParts()
        preamble = children[0]
        entries = children[1][1] if len(children) > 1 else []
        body_blocks = self._preamble(preamble, parts)
        body_blocks += _blocks(entries)
        self._signature(body_blocks, parts)
        self._paragraphs(body_blocks, parts)
        return parts

    # -- preamble: fields with their continuation lines
    def _preamble(self, items, parts: BodyParts) -> list[list]:
        groups: list[tuple[str, list[Token]]] = []  # ("field:kind" | "text", tokens)
        open_group = None
        for kind, token in items:
            if kind == "gap":
                open_group = None
            elif kind in _FIELD_KINDS:
                open_group = (kind, [token])
                groups.append(open_group)
            elif open_group is not None:  # continuation line of a field or text block
                open_group[1].append(token)
            else:
                open_group = ("line", [token])
                groups.append(open_group)
        groups = _merge_ref_items(groups)
        split: list[tuple[str, list[Token], str]] = []
        for kind, tokens in groups:
            text = "\n".join(str(t).rstrip("\n") for t in tokens)
            pieces = _split_glued(kind, text)
            split += [(k, tokens, t) for k, t in pieces]
        last_field = max((i for i, (k, _, _) in enumerate(split) if k in _FIELD_KINDS), default=-1)
        body_blocks = []
        for i, (kind, tokens, text) in enumerate(split):
            if kind in _FIELD_KINDS:
                self._field(kind, text, parts)
            elif i < last_field:
                parts.notes.append(_clean(text))
            else:
                body_blocks.append([("line", t) for t in tokens])
        return body_blocks

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
            parts.tags += [t for t in fields.parse_tags(text) if t not in parts.tags]
            parts.persons += [p for p in fields.parse_person_tags(text) if p not in parts.persons]
        elif kind == "subject":
            if parts.subject is None:
                parts.subject = fields.parse_subject(text)
        elif kind == "ref":
            value = re.sub(r"^\s*REF[A-Z()]*\s*:\s*", "", text, count=1, flags=re.I)
            parts.ref_text = f"{parts.ref_text} {value}" if parts.ref_text else value
        elif kind == "classified_by":
            parts.classified_by = fields.parse_classified_by(text)

    # -- signature: the last short line standing alone, or glued after spaces
    def _signature(self, blocks: list[list], parts: BodyParts) -> None:
        """The signer: a short name line at the end, on its own or after the last sentence.

        Trailing furniture (a repeated classification, `>`, the archive's
        `2001VATICA03507 - Classification: …` line) is dropped first.
        """
        while blocks:
            last = blocks[-1]
            while last and _TRAILER.match(str(last[-1][1])):
                last.pop()
            if last:
                break
            blocks.pop()
        if not blocks:
            return
        last = blocks[-1]
        lines = [str(t).strip() for _, t in last]
        kind, token = last[-1]
        alone = len(lines) == 1 or _SENTENCE_END.search(lines[-2])
        if kind == "line" and alone and _SIGNATURE.match(lines[-1]) and not lines[-1].endswith(".") \
                and len(lines[-1].split()) <= 4:
            parts.signature_line = lines[-1]
            last.pop()
            if not last:
                blocks.pop()
            return
        m = _GLUED_SIGNATURE.match(lines[-1])
        if m:
            parts.signature_line = m.group("sig")
            last[-1] = (kind, Token(token.type, m.group("text") + "\n", line=token.line))

    # -- paragraphs, subparagraphs, headings
    def _paragraphs(self, blocks: list[list], parts: BodyParts) -> None:
        section: Optional[str] = None
        current: Optional[Paragraph] = None
        parent: Optional[Paragraph] = None
        out = parts.paragraphs
        for block in blocks:
            heading = _heading(block)
            if heading:
                section = heading
                continue
            for i, (kind, token) in enumerate(block):
                raw = str(token).rstrip("\n")
                line = self.line_of(token.line)
                if kind == "para":
                    m = _PARA_HEAD.match(raw)
                    current = parent = Paragraph(
                        position=len(out) + 1, number=int(m.group("num")), sub=None,
                        classification=fields.mark_value(m.group("mark")), section=section,
                        text=m.group("rest"), line=line)
                    out.append(current)
                elif kind == "sub":
                    m = _SUB_HEAD.match(raw)
                    current = Paragraph(
                        position=len(out) + 1, number=parent.number if parent else None,
                        sub=m.group("letter").upper(),
                        classification=fields.mark_value(m.group("mark")) or (parent.classification if parent else None),
                        section=section, text=m.group("rest"), line=line)
                    out.append(current)
                elif current is None:
                    current = Paragraph(position=len(out) + 1, number=None, sub=None, classification=None,
                                        section=section, text=raw, line=line)
                    out.append(current)
                else:
                    sep = "\n\n" if i == 0 else "\n"
                    current.text = f"{current.text}{sep}{raw}"
        for p in out:
            p.text = "\n\n".join(_clean(chunk) for chunk in p.text.split("\n\n") if chunk.strip())


_REF_ITEM = re.compile(r"^\s*¶?\s*\(?[A-Za-z][.)]\s")


def _merge_ref_items(groups: list) -> list:
    """REF items set off by blank lines (`REF: A. MEXICO 3834` / `` / `B. MEXICO 3422`) stay in the REF."""
    out: list = []
    for kind, tokens in groups:
        if kind == "line" and out and out[-1][0] == "ref" and _REF_ITEM.match(str(tokens[0])):
            out[-1][1].extend(tokens)
        else:
            out.append((kind, tokens))
    return out


def _flatten(children: list) -> list:
    flat = []
    for child in children:
        flat.extend(child if isinstance(child, list) else [child])
    return flat


def _blocks(entries: list) -> list[list]:
    """Group entries between blank lines; a paragraph right under a dash line starts a new block."""
    blocks: list[list] = [[]]
    for kind, token in entries:
        if kind == "gap":
            if blocks[-1]:
                blocks.append([])
            continue
        if kind in ("para", "sub") and blocks[-1] and _DASHES.match(str(blocks[-1][-1][1])):
            blocks.append([])
        blocks[-1].append((kind, token))
    return [b for b in blocks if b]


_DASHES = re.compile(r"^\s*-{3,}[\s-]*$")
_STRAY = {"SIPDIS"}  # a caveat the archive's conversion dropped into the text


def _heading(block: list) -> Optional[str]:
    """A dashed heading: text between dash lines, or text underlined with dashes."""
    if any(kind != "line" for kind, _ in block):
        return None
    lines = [str(t).strip() for _, t in block]
    lines = [line for line in lines if line not in _STRAY]
    dashes = [bool(_DASHES.match(line)) for line in lines]
    texts = [line for line, d in zip(lines, dashes) if not d]
    if not any(dashes) or not 1 <= len(texts) <= 2 or len(" ".join(texts)) > 120:
        return None
    if not dashes[-1] and not dashes[0]:
        return None
    return _clean(" ".join(texts))
