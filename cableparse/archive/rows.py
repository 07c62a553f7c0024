"""From a parsed `Cable` to the rows it owns in each table of the archive.

The `cables` row is the model's own scalar fields (lists as JSON), so a new
field of `Cable` becomes a column by being declared in the model and the schema.
This runs in the parse workers too: it needs nothing but the cable.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import traceback
from datetime import datetime, timezone
from typing import Optional

from ..model import Cable, RawCable
from .sections import section_key

# Fields of `Cable` that have tables of their own rather than a column of `cables`.
_OWN_TABLES = frozenset({"refs", "recipients", "offices", "paragraphs", "sections", "problems"})
CABLE_FIELDS = [f.name for f in dataclasses.fields(Cable) if f.name not in _OWN_TABLES]


def cable_columns(cable: Cable) -> dict:
    """The model's scalar fields as `cables` columns; list fields (tags, caveats) as JSON."""
    values = vars(cable)  # one dict look-up a field, not a getattr call
    return {name: json.dumps(value) if isinstance(value := values[name], list) else value
            for name in CABLE_FIELDS}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def positions(items) -> list[int]:
    """The items' own positions if usable as a primary key, else their order from 1."""
    given = [i.position for i in items]
    if all(given) and len(set(given)) == len(given):
        return given
    return list(range(1, len(items) + 1))


# An input that is not a cable is kept whole up to this size; past it, by its
# first characters with its size and hash (a 200 MB junk file must not become
# a 200 MB cell that the site would send).
RAW_KEPT_WHOLE = 1 << 20
RAW_EXCERPT = 64 * 1024


def capped(raw):
    """`raw` itself, or for a huge one its beginning and a line saying what was left out."""
    if raw is None or len(raw) <= RAW_KEPT_WHOLE:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return (raw[:RAW_EXCERPT] + f"\n[cableparse: {len(raw):,} characters in all, sha256 {digest}; "
            f"the first {RAW_EXCERPT:,} are kept]")


def error_row(source, line, column, message, raw, format, cable_id=None, part="input",
              severity="error", seen: Optional[str] = None) -> dict:
    """An ingest_errors row whose id hashes its identity, so re-ingest adds no duplicate.

    `seen` is the time to record, when the caller took it once for many rows.
    """
    key = f"{source}\x00{line}\x00{column}\x00{message}\x00{raw}\x00{cable_id or ''}\x00{part}"
    return {
        "id": hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest(),
        "source": source,
        "line": line,
        "column": column,
        "message": message,
        "raw": capped(raw),
        "format": format,
        "cable_id": cable_id,
        "part": part,
        "severity": severity,
        "first_seen": seen or now(),
    }


def _line_of(lines: list[str], line: int) -> str:
    return lines[line - 1] if 1 <= (line or 0) <= len(lines) else ""


def cable_rows(cable: Cable, raw: Optional[RawCable] = None) -> dict[str, list[dict]]:
    """Turn a parsed Cable into the rows it owns in each table."""
    if raw is not None:
        # The reader's text and provenance fill whatever the parser left empty.
        cable.header = cable.header or raw.header
        cable.body = cable.body or raw.body
        cable.source = cable.source or raw.source
        cable.source_line = cable.source_line or raw.line
        cable.format = cable.format or raw.format
    cid = cable.id
    year = int(cable.created[:4]) if cable.created and cable.created[:4].isdigit() else None
    refs_meta = raw.meta.references if raw is not None and raw.meta else None

    errors: dict[str, dict] = {}
    notes = raw.notes if raw is not None else ()
    stamp = now() if notes or cable.problems else None  # one clock reading for all its rows
    for note in notes:
        row = error_row(cable.source, 0, 0, note, "", cable.format, cable_id=cid, part="input",
                        severity="warning", seen=stamp)
        errors.setdefault(row["id"], row)
    split: dict[str, list[str]] = {}  # the header's and body's lines, split once for all problems
    for p in cable.problems:
        part = "header" if p.part == "header" else "body"
        if part not in split:
            split[part] = (getattr(cable, part) or "").splitlines()
        row = error_row(
            cable.source, p.line, p.column, p.message, _line_of(split[part], p.line),
            cable.format, cable_id=cid, part=p.part, severity=p.severity, seen=stamp,
        )
        errors.setdefault(row["id"], row)

    tags, seen = [], set()
    for position, tag in enumerate(cable.tags, 1):
        if tag not in seen:  # the PK is (cable_id, tag); keep a repeated tag's first place
            seen.add(tag)
            tags.append({
                "cable_id": cid, "tag": tag, "position": position, "origin": cable.origin,
                "year": year, "classification": cable.classification,
            })

    para_positions = positions(cable.paragraphs)
    sections = [{"cable_id": cid, "position": i, "heading": heading, "first_paragraph": first,
                 "section_key": section_key(heading)}
                for i, (heading, first) in enumerate(_headings(cable, para_positions), 1)]

    return {
        "cables": [{
            **cable_columns(cable),
            "year": year,
            "paragraph_count": len(cable.paragraphs),
            "content_hash": cable.content_hash,
            "parse_problems": len(errors),
            "csv_references": json.dumps(refs_meta) if refs_meta is not None else None,
            "tag_list": ", ".join(t["tag"] for t in tags),  # the site's tables and CSV
        }],
        "cable_tags": tags,
        "recipients": [
            {
                "cable_id": cid, "position": position, "role": r.role,
                "routing_indicator": r.routing_indicator, "station": r.station,
                "precedence": r.precedence, "serial": r.serial,
            }
            for r, position in zip(cable.recipients, positions(cable.recipients))
        ],
        "offices": [
            {"cable_id": cid, "position": position, "role": o.role, "office": o.office,
             "copies": o.copies}
            for o, position in zip(cable.offices, positions(cable.offices))
        ],
        "refs": [
            {"cable_id": cid, "position": position, "label": r.label, "raw": r.raw,
             "target_id": r.target_id}
            for r, position in zip(cable.refs, positions(cable.refs))
        ],
        "sections": sections,
        "paragraphs": [
            {
                "cable_id": cid, "position": position, "number": p.number, "sub": p.sub,
                "classification": p.classification, "section": p.section, "text": p.text,
                "line": p.line, "section_key": section_key(p.section),
            }
            for p, position in zip(cable.paragraphs, para_positions)
        ],
        "ingest_errors": list(errors.values()),
    }


def _headings(cable: Cable, para_positions: list[int]) -> list[tuple[str, Optional[int]]]:
    """(heading, position of its first paragraph) in cable order.

    The parser's own list of headings when it gives one (a heading with no
    paragraph under it, such as one over a list, has no first paragraph), else
    the headings where the paragraphs' section changes.
    """
    starts, last = [], None
    for p, position in zip(cable.paragraphs, para_positions):
        if p.section != last and p.section is not None:
            starts.append((p.section, position))
        last = p.section
    if not cable.sections:
        return starts
    out, k = [], 0
    for heading in cable.sections:
        if k < len(starts) and starts[k][0] == heading:
            out.append(starts[k])
            k += 1
        else:
            out.append((heading, None))
    return out + starts[k:]


def input_error_row(err) -> dict:
    """The ingest_errors row of a reader's InputError."""
    return error_row(err.source, err.line, err.column, err.message, err.raw, err.format)


def parse_outcome(parse, item: RawCable):
    """The rows of a cable with an id, or the message of its ingest_errors row.

    Runs in parse worker processes too (see archive.pool): it needs only
    the item's header, body, metadata and provenance, not its raw record.
    """
    try:
        cable = parse(item)
    except Exception as exc:  # a parser bug must not abort the batch
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return f"parse failed: {last}"
    if not cable.id:
        first = f" ({cable.problems[0].message})" if cable.problems else ""
        return f"could not find a reference id{first}"
    return cable_rows(cable, item)
