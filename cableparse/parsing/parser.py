"""From cable text to a `Cable`: run the grammar, then fill what the text implies.

`parse_raw` is what ingest uses (a reader has already taken off the container);
`parse` is the scripting API and accepts a whole page, a bare cable or any
piece of one. Neither raises on odd text: a place that does not fit the grammar
becomes a `ParseProblem` on the cable and the text is kept.
"""
from __future__ import annotations

import re
from typing import Optional

from lark.exceptions import UnexpectedInput

from ..model import Cable, Metadata, ParseProblem, RawCable
from ..readers import read_bytes, split_header_body
from . import fields
from .furniture import strip_furniture
from .grammar import transforming_parser
from .refs import parse_refs_with_warnings
from .transform import BodyParts, BodyTransformer, HeaderParts, HeaderTransformer

_ID = re.compile(r"^(?P<yy>\d{2})(?P<station>[A-Z]+)(?P<num>\d+)")


def _run(text: str, start: str, transformer_class):
    """The transformed parse: the Transformer runs inside the LALR parse, no tree is built.

    The parser and its Transformer are cached and shared by every thread (the
    site's version diffs parse in Datasette's threads), so nothing about one
    cable is set on them: line numbers are mapped back to the user's text after.
    """
    parser = transforming_parser(transformer_class)
    return parser.parse(text if text.endswith("\n") else text + "\n", start=start)


def _problem(part: str, err: UnexpectedInput, line_of) -> ParseProblem:
    expected = sorted(getattr(err, "expected", None) or getattr(err, "allowed", None) or [])
    line = line_of(getattr(err, "line", 0) or 0)
    message = f"{part} line {line} does not fit the cable grammar"
    if expected:
        message += f"; expected one of: {', '.join(expected[:8])}"
    return ParseProblem(part=part, line=line, column=getattr(err, "column", 0) or 0, message=message)


def parse_header(text: str, problems: list[ParseProblem]) -> HeaderParts:
    if not text.strip():
        return HeaderParts()
    try:
        return _run(text, "header", HeaderTransformer)
    except UnexpectedInput as err:
        problems.append(_problem("header", err, lambda n: n))
        return HeaderParts()


def parse_body(text: str, problems: list[ParseProblem], cable_id: Optional[str] = None) -> BodyParts:
    if not text.strip():
        return BodyParts()
    cleaned, where = strip_furniture(text, normalise_id(cable_id))

    def line_of(n: int) -> int:
        return where[n - 1] if 0 < n <= len(where) else n

    try:
        parts = _run(cleaned, "body", BodyTransformer)
    except UnexpectedInput as err:
        problems.append(_problem("body", err, line_of))
        return BodyParts()
    for paragraph in parts.paragraphs:
        paragraph.line = line_of(paragraph.line)
    for problem in parts.problems:  # what the Transformers guessed or skipped, at the user's lines
        problem.line = line_of(problem.line) if problem.line else 0
    problems.extend(parts.problems)
    return parts


# "Cable dated: 2006-10-11" and the like, in exports that drop the routing lines
_CABLE_DATED = re.compile(r"^\s*Cable dated\s*:?.*?\b((?:19|20)\d\d)\b", re.I | re.M)


def _year(created: Optional[str], header: str, body: str) -> Optional[str]:
    """The cable's year: its date (record or DTG), else a `Cable dated:` line."""
    if created:
        return created[:4]
    m = _CABLE_DATED.search(header) or _CABLE_DATED.search(body[:4000])
    return m.group(1) if m else None


def _derived_id(body: BodyParts, header: HeaderParts, year: Optional[str]) -> Optional[str]:
    """`CASABLANCA 000225` on the classification line + the cable's year -> 09CASABLANCA225."""
    if not year:
        return None
    station = body.class_info.get("station")
    number = body.class_info.get("number")
    if not station and header.from_station and header.serial:
        station, number = header.from_station, int(header.serial)
    code = fields.station_code(station)
    if not code or number is None:
        return None
    return f"{year[2:4]}{code}{number}"


_LONG_ID = re.compile(r"^(?:19|20)(\d{2})([A-Z]+)0*(\d+)(?:_[a-z])?$")


def normalise_id(raw_id: Optional[str]) -> Optional[str]:
    """PlusD's `1974ATHENS02959_b` -> `74ATHENS2959`, the form Cablegate ids and references use."""
    if not raw_id:
        return None
    m = _LONG_ID.match(raw_id)
    return f"{m.group(1)}{m.group(2)}{int(m.group(3))}" if m else raw_id


def _created(recorded: Optional[str], from_dtg: Optional[str]) -> Optional[str]:
    """The record's date; its time from the DTG when the record gives only a day (PlusD)."""
    if recorded and from_dtg and recorded.endswith(" 00:00") and recorded[:10] == from_dtg[:10]:
        return from_dtg
    return recorded or from_dtg


def _tags(body: BodyParts, meta: Metadata) -> list[str]:
    """Codes in cable order, then person names (kind `person` in the tags table).

    The record's TAGS (PlusD keeps the names the telegram's own line may lack) fill in
    what the text does not have.
    """
    tags = list(body.tags) + [p for p in body.persons if p not in body.tags]
    if meta.tags:
        extra = fields.parse_tags("TAGS: " + meta.tags) + fields.parse_person_tags(meta.tags)
        tags += [t for t in extra if t not in tags]
    return tags


def _origin(meta: Metadata, head: HeaderParts) -> Optional[str]:
    """The record's origin, as the archive names posts (`Embassy Athens`).

    A record that names the post as a bare upper-case station (PlusD's `From: ATHENS`,
    `SECSTATE WASHDC`) yields to the post named by the FM line, so one post is one name.
    """
    derived = fields.origin_from_station(head.from_station)
    if meta.origin and (not derived or not meta.origin.isupper()):
        return meta.origin
    return derived or meta.origin


def _cable_id(meta: Metadata, derived: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """The id and where it came from: the record, else the text, else the file's name."""
    if meta.id:
        return meta.id, meta.id_source or "record"
    if derived:
        return derived, "text"
    if meta.name_id:
        return meta.name_id, "file name"
    return None, None


def build_cable(header_text: str, body_text: str, meta: Optional[Metadata] = None) -> Cable:
    meta = meta or Metadata()
    problems: list[ParseProblem] = []
    head = parse_header(header_text, problems)
    body = parse_body(body_text, problems, meta.id)
    created = _created(meta.created, head.created)
    cable_id, id_source = _cable_id(meta, _derived_id(body, head, _year(created, header_text, body_text)))
    norm_id = normalise_id(cable_id)
    sensitive = any(c.startswith("SENSITIVE") for c in body.caveats) or "SENSITIVE" in (body.classification_line or "")
    m = _ID.match(norm_id or "")
    year = m.group("yy") if m else (created[2:4] if created else None)
    month = int(created[5:7]) if created and created[4:5] == "-" else None
    refs, ref_problems = parse_refs_with_warnings(body.ref_text or "", year, citing_id=norm_id, month=month)
    problems.extend(ref_problems)
    return Cable(
        id=norm_id,
        raw_id=cable_id,
        id_source=id_source,
        created=created,
        released=meta.released,
        classification=meta.classification or fields.archive_classification(
            body.class_info.get("level"),
            body.class_info.get("noforn") or "NOFORN" in body.caveats,
            sensitive),
        origin=_origin(meta, head),
        subject=body.subject,
        tags=_tags(body, meta),
        refs=refs,
        recipients=head.recipients,
        offices=head.offices,
        paragraphs=body.paragraphs,
        sections=body.sections,
        signature=fields.surname(body.signature_line),
        signature_line=body.signature_line,
        precedence=head.precedence,
        routing_indicator=head.routing_indicator,
        serial=head.serial,
        dtg=head.dtg,
        from_station=head.from_station,
        drafted_by=head.drafted_by,
        approved_by=head.approved_by,
        classification_line=body.classification_line,
        section_count=body.class_info.get("section_count"),
        caveats=body.caveats,
        eo=body.eo,
        declassify_on=body.declassify_on,
        classified_by=body.classified_by,
        header=header_text,
        body=body_text,
        problems=problems,
    )


def parse_raw(raw: RawCable) -> Cable:
    """Parse what a reader found; provenance comes along so ingest can record it."""
    cable = build_cable(raw.header, raw.body, raw.meta)
    cable.source, cable.source_line, cable.format = raw.source, raw.line, raw.format
    cable.cut = raw.cut
    return cable


def parse(text: str, id: Optional[str] = None) -> Cable:  # noqa: A002 - the public name is `id`
    """Parse a whole cable, a saved page, or any piece of one.

    `id`, when the caller knows it, names the cable and gives the year for
    references written without one.
    """
    raw = None
    if "<pre>" in text or "Reference ID" in text or text.lstrip().startswith('"'):
        raw = next((r for r in read_bytes("<text>", text.encode("utf-8")) if isinstance(r, RawCable)), None)
    if raw is None:
        normalised = text.replace("\r\n", "\n").replace("\r", "\n")
        header, body = split_header_body(normalised)
        raw = RawCable(source="<text>", line=1, format="text", raw=text, header=header, body=body)
    if id:
        raw.meta.id = id
    return parse_raw(raw)
