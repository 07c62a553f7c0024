"""The cable as the rest of the project sees it: plain dataclasses, no parsing here.

Every reader (pages, CSV, text) and the parser meet in these types, and the
archive writes exactly these fields, so they are the project's contract.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Metadata:
    """What an archive's own record says about a cable (page box, CSV columns)."""

    id: Optional[str] = None
    created: Optional[str] = None  # YYYY-MM-DD HH:MM
    released: Optional[str] = None  # YYYY-MM-DD HH:MM
    classification: Optional[str] = None
    origin: Optional[str] = None
    references: Optional[list[str]] = None  # cables.csv "references" column
    tags: Optional[str] = None  # the record's TAGS as written (PlusD: with person names)
    id_source: Optional[str] = None  # "record" (page box, CSV, PlusD) or "text" (an export block)
    name_id: Optional[str] = None  # the id the file is named after (06MEXICO5607.txt), a last resort


@dataclass
class RawCable:
    """One cable as a reader found it, before parsing.

    `raw` is the exact text of the input (page, CSV row, file) so that nothing a
    user gave is lost; `header` and `body` are the cable text once the
    container (HTML, CSV quoting, browser chrome) is taken off.
    """

    source: str  # path or "-" for standard input
    line: int  # 1-based line in the source where this cable starts
    format: str  # page-html, page-text, csv, text, plusd
    raw: str
    header: str
    body: str
    meta: Metadata = field(default_factory=Metadata)
    notes: list[str] = field(default_factory=list)  # what the reader noticed: stray bytes, a cut page
    cut: bool = False  # the input ends before the cable does (a page without its closing </pre>)


@dataclass
class Recipient:
    role: str  # "to" or "info"
    station: str
    routing_indicator: Optional[str] = None
    precedence: Optional[str] = None
    serial: Optional[str] = None
    position: int = 0


@dataclass
class Office:
    """A State Department office on a telegram's distribution list (`EUR-25`)."""

    role: str  # "action" or "info"
    office: str  # EUR
    copies: Optional[int] = None  # 25
    position: int = 0


@dataclass
class Reference:
    position: int
    label: Optional[str]  # "A", "B" … as the cable letters them
    raw: str
    target_id: Optional[str] = None  # canonical reference id, e.g. 06STATE202745


@dataclass
class Paragraph:
    position: int  # order in the body, from 1
    number: Optional[int]  # the paragraph number as written; None for unnumbered text
    sub: Optional[str]  # subparagraph letter ("A") or None
    classification: Optional[str]  # the mark without brackets: "U", "SBU", "S//NF"
    section: Optional[str]  # the heading above it
    text: str
    line: int = 0  # line in the body where it starts (1-based)


@dataclass
class ParseProblem:
    """A place where the text did not fit the grammar, or where the parser guessed
    or skipped something; the cable still goes in, and the place is recorded."""

    part: str  # "header", "body", or the field: "tags", "refs", "subject", "signature" ...
    line: int  # line in the header or body text (1-based), 0 when none applies
    column: int
    message: str
    severity: str = "error"  # "warning": a guess or a skip, not a grammar failure


@dataclass
class Cable:
    id: Optional[str] = None
    raw_id: Optional[str] = None
    id_source: Optional[str] = None  # record | text (classification line + year, export block) | file name
    created: Optional[str] = None
    released: Optional[str] = None
    classification: Optional[str] = None
    origin: Optional[str] = None
    subject: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    refs: list[Reference] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # dashed headings in order, each time one starts
    signature: Optional[str] = None  # the signer's surname
    signature_line: Optional[str] = None
    # routing
    precedence: Optional[str] = None
    routing_indicator: Optional[str] = None  # the DE line's station RI (RUEHCL)
    serial: Optional[str] = None
    dtg: Optional[str] = None  # date-time group as written (071652Z MAR 07)
    from_station: Optional[str] = None  # FM line (AMCONSUL CASABLANCA)
    drafted_by: Optional[str] = None  # older State telegrams: DRAFTED BY / APPROVED BY
    approved_by: Optional[str] = None
    # body preamble
    classification_line: Optional[str] = None
    section_count: Optional[int] = None
    caveats: list[str] = field(default_factory=list)
    eo: Optional[str] = None
    declassify_on: Optional[str] = None
    classified_by: Optional[str] = None
    # provenance
    cut: bool = False  # the input ended before the cable did (see RawCable.cut)
    source: Optional[str] = None
    source_line: Optional[int] = None
    format: Optional[str] = None
    header: str = ""
    body: str = ""
    problems: list[ParseProblem] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """Hash of the cable text itself, so re-ingesting the same text is a no-op."""
        text = b"\x00".join((self.header.encode("utf-8", "surrogatepass"),
                              self.body.encode("utf-8", "surrogatepass")))
        return hashlib.sha256(text).hexdigest()  # one update: the same digest as three
