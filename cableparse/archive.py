"""Writing cables into the SQLite archive.

`ingest` is idempotent (unchanged text is skipped by content hash, because
re-saving rows through the FTS triggers is slow), writes one transaction per
batch (a crash leaves the archive at the last committed batch), and never
loses input: cable text goes to cables.header/body, anything that failed goes
to ingest_errors.raw.
"""
from __future__ import annotations

import hashlib
import json
import time
import traceback
from collections import deque
from itertools import chain
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Optional

import sqlite_utils

from .model import Cable, RawCable
from .schema import CHILD_TABLES, FTS, TABLES, ensure_fts, ensure_schema
from .tagdict import fill_tags
from .versions import choose_current, record_diffs

MAX_FAILURE_MESSAGES = 1000
_CHUNK = 500  # ids per `IN (...)`, well under SQLite's variable limit


@dataclass
class Summary:
    """What one ingest did, for the CLI's summary line and its exit code."""

    ingested: int = 0  # new cables
    unchanged: int = 0  # same id, same text: skipped
    replaced: int = 0  # same id, different text of a later release: now the current one
    kept: int = 0  # same id, different text of an earlier release: kept as a version
    failed: int = 0  # inputs that did not become a cable (see ingest_errors)
    problems: int = 0  # parse problems recorded for the cables written
    failures: list[str] = field(default_factory=list, repr=False)  # "source:line: message"
    versioned: set = field(default_factory=set, repr=False)  # ids that gained a version
    timings: dict = field(default_factory=dict, repr=False)  # stage -> seconds (see ingest)

    @property
    def ok(self) -> int:
        return self.ingested + self.unchanged + self.replaced + self.kept

    def line(self) -> str:
        return (
            f"ingested {self.ingested}, unchanged {self.unchanged}, "
            f"replaced {self.replaced}, "
            + (f"kept as earlier versions {self.kept}, " if self.kept else "")
            + f"failed {self.failed} (see ingest_errors)"
        )


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _positions(items) -> list[int]:
    """The items' own positions if usable as a primary key, else their order from 1."""
    given = [getattr(i, "position", 0) for i in items]
    if all(given) and len(set(given)) == len(given):
        return given
    return list(range(1, len(items) + 1))


def error_row(source, line, column, message, raw, format, cable_id=None, part="input") -> dict:
    """An ingest_errors row whose id hashes its identity, so re-ingest adds no duplicate."""
    key = "\x00".join(
        str(v) for v in (source, line, column, message, raw, cable_id or "", part)
    )
    return {
        "id": hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest(),
        "source": source,
        "line": line,
        "column": column,
        "message": message,
        "raw": raw,
        "format": format,
        "cable_id": cable_id,
        "part": part,
        "first_seen": _now(),
    }


def _line_of(text: str, line: int) -> str:
    lines = text.splitlines()
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
    for p in cable.problems:
        text = cable.header if p.part == "header" else cable.body
        row = error_row(
            cable.source, p.line, p.column, p.message, _line_of(text, p.line),
            cable.format, cable_id=cid, part=p.part,
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

    sections, last = [], None
    para_positions = _positions(cable.paragraphs)
    for p, position in zip(cable.paragraphs, para_positions):
        if p.section != last and p.section is not None:
            sections.append({
                "cable_id": cid, "position": len(sections) + 1,
                "heading": p.section, "first_paragraph": position,
            })
        last = p.section

    return {
        "cables": [{
            "id": cid,
            "created": cable.created,
            "released": cable.released,
            "classification": cable.classification,
            "origin": cable.origin,
            "subject": cable.subject,
            "tags": json.dumps(list(cable.tags)),
            "raw_id": cable.raw_id,
            "year": year,
            "precedence": cable.precedence,
            "routing_indicator": cable.routing_indicator,
            "serial": cable.serial,
            "dtg": cable.dtg,
            "from_station": cable.from_station,
            "drafted_by": cable.drafted_by,
            "approved_by": cable.approved_by,
            "classification_line": cable.classification_line,
            "section_count": cable.section_count,
            "caveats": json.dumps(list(cable.caveats)),
            "eo": cable.eo,
            "declassify_on": cable.declassify_on,
            "classified_by": cable.classified_by,
            "signature": cable.signature,
            "signature_line": cable.signature_line,
            "paragraph_count": len(cable.paragraphs),
            "source": cable.source,
            "source_line": cable.source_line,
            "format": cable.format,
            "header": cable.header,
            "body": cable.body,
            "content_hash": cable.content_hash,
            "parse_problems": len(errors),
            "csv_references": json.dumps(refs_meta) if refs_meta is not None else None,
        }],
        "cable_tags": tags,
        "recipients": [
            {
                "cable_id": cid, "position": position, "role": r.role,
                "routing_indicator": r.routing_indicator, "station": r.station,
                "precedence": r.precedence, "serial": r.serial,
            }
            for r, position in zip(cable.recipients, _positions(cable.recipients))
        ],
        "offices": [
            {"cable_id": cid, "position": position, "role": o.role, "office": o.office,
             "copies": o.copies}
            for o, position in zip(cable.offices, _positions(cable.offices))
        ],
        "refs": [
            {"cable_id": cid, "position": position, "label": r.label, "raw": r.raw,
             "target_id": r.target_id}
            for r, position in zip(cable.refs, _positions(cable.refs))
        ],
        "sections": sections,
        "paragraphs": [
            {
                "cable_id": cid, "position": position, "number": p.number, "sub": p.sub,
                "classification": p.classification, "section": p.section, "text": p.text,
                "line": p.line,
            }
            for p, position in zip(cable.paragraphs, para_positions)
        ],
        "ingest_errors": list(errors.values()),
    }


def _input_error_row(err) -> dict:
    """An InputError from cableparse.sources (duck-typed: no import needed)."""
    return error_row(
        getattr(err, "source", None), getattr(err, "line", None),
        getattr(err, "column", None), str(getattr(err, "message", err)),
        getattr(err, "raw", None), getattr(err, "format", None),
    )


def _failure(summary: Summary, row: dict) -> None:
    summary.failed += 1
    if len(summary.failures) < MAX_FAILURE_MESSAGES:
        where = f"{row['source']}:{row['line']}" if row["line"] else row["source"]
        summary.failures.append(f"{where}: {row['message']}")


def _chunks(seq: list, size: int = _CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _existing(db: sqlite_utils.Database, ids: list[str]) -> dict[str, tuple[str, Optional[str]]]:
    """id -> (content hash, release date) of the archived current version."""
    found = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        sql = f"select id, content_hash, released from cables where id in ({marks})"
        for row in db.query(sql, chunk):
            found[row["id"]] = (row["content_hash"], row["released"])
    return found


def _arrival_is_current(current_released: Optional[str], new_released: Optional[str]) -> bool:
    """Whether a new text replaces the current one in `cables`: versions.choose_current
    decides (the later release date wins; an undated text never beats a dated one;
    otherwise the later arrival wins)."""
    old, new = {"released": current_released}, {"released": new_released}
    return choose_current([old, new]) is new


def _known_texts(db: sqlite_utils.Database, hashes: list[str]) -> dict[str, Optional[str]]:
    """content_hash -> the one cable id archived with it, in any version (None when several share it)."""
    found: dict[str, Optional[str]] = {}
    for chunk in _chunks(hashes):
        marks = ",".join("?" * len(chunk))
        sql = f"select content_hash, cable_id from cable_versions where content_hash in ({marks})"
        for row in db.query(sql, chunk):
            found[row["content_hash"]] = None if row["content_hash"] in found else row["cable_id"]
    return found


def _version_row(cable_row: dict, header=None, body=None) -> dict:
    return {
        "cable_id": cable_row["id"], "content_hash": cable_row["content_hash"],
        "current": 0 if body is not None else 1, "source": cable_row["source"],
        "source_line": cable_row["source_line"], "format": cable_row["format"],
        "created": cable_row["created"], "released": cable_row["released"],
        "classification": cable_row["classification"], "origin": cable_row["origin"],
        "first_seen": _now(), "header": header, "body": body,
    }


@dataclass
class _Known:
    """A RawCable whose exact text is already archived under `id`: no need to parse it."""

    id: str
    hash: str
    item: RawCable


def parse_outcome(parse, item: RawCable):
    """The rows of a cable with an id, or the message of its ingest_errors row.

    Runs in parse worker processes too (see cableparse.parallel): it needs only
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


def _outcome_error(item: RawCable, message: str) -> dict:
    return error_row(item.source, item.line, None, message, item.raw, item.format)


def _parse_one(parse, item: RawCable):
    """(rows, None) for a cable with an id, else (None, ingest_errors row)."""
    outcome = parse_outcome(parse, item)
    if isinstance(outcome, str):
        return None, _outcome_error(item, outcome)
    return outcome, None


def _content_hash(item: RawCable) -> str:
    return Cable(header=item.header, body=item.body).content_hash


def _is_known(item: RawCable, cid: Optional[str]) -> bool:
    """Text archived under `cid` that this item does not claim for another id."""
    return bool(cid) and getattr(item.meta, "id", None) in (None, cid)


@dataclass
class _Batch:
    """A batch on its way: hashed, looked up, handed to the parsers."""

    items: list
    hashes: dict  # index in items -> content hash, for RawCables
    todo: list  # indexes sent to the parsers
    parsed: object  # .get() -> outcomes for `todo`, in order
    known: dict  # content hash -> archived cable id, when it was looked up
    stored_before: int  # batches written by then


class _Writer:
    """Parse (through `parsers`) and write batches in input order, a few in flight."""

    def __init__(self, db, parsers, parse, summary: Summary, force: bool, progress, timings: dict):
        self.db, self.parsers, self.parse = db, parsers, parse
        self.summary, self.force, self.progress, self.timings = summary, force, progress, timings
        self.stored = 0

    def _local_parse(self):
        if self.parse is None:
            # Imported here and outside the per-cable `try`: a missing parser must
            # fail loudly, not turn every cable into an error row.
            from .parser import parse_raw
            self.parse = parse_raw
        return self.parse

    def start(self, items: list) -> _Batch:
        """Hash, skip text already archived (parsing is most of a re-ingest's time), submit the rest."""
        t = _clock()
        # the parser keeps the reader's header/body, so these hashes are the stored ones
        hashes = {k: _content_hash(i) for k, i in enumerate(items) if isinstance(i, RawCable)}
        known = {} if self.force else _known_texts(self.db, list(set(hashes.values())))
        todo = [k for k, h in hashes.items() if not _is_known(items[k], known.get(h))]
        _add(self.timings, "hash_and_lookup", _clock() - t)
        parsed = self.parsers.submit([items[k] for k in todo])
        return _Batch(items, hashes, todo, parsed, known, self.stored)

    def finish(self, batch: _Batch) -> None:
        t = _clock()
        outcomes = dict(zip(batch.todo, batch.parsed.get()))
        _add(self.timings, "parse_wait", _clock() - t)
        t = _clock()
        summary, items = self.summary, batch.items
        known = batch.known
        if not self.force and self.stored != batch.stored_before:
            # Batches written since the lookup may hold some of this batch's texts:
            # look again, so the outcome is the one of a one-batch-at-a-time ingest.
            known = _known_texts(self.db, list(set(batch.hashes.values())))
        entries: list = []  # cable rows or _Known, in input order
        errors: list[dict] = []

        def fail(row):
            errors.append(row)
            _failure(summary, row)

        for k, item in enumerate(items):
            if isinstance(item, RawCable):
                text_hash = batch.hashes[k]
                cid = known.get(text_hash)
                if _is_known(item, cid):
                    entries.append(_Known(cid, text_hash, item))
                else:
                    outcome = outcomes[k] if k in outcomes else parse_outcome(self._local_parse(), item)
                    if isinstance(outcome, str):
                        fail(_outcome_error(item, outcome))
                    else:
                        entries.append(outcome)
            else:
                fail(_input_error_row(item))
            if self.progress is not None:
                self.progress(1)
        _store_batch(self.db, entries, errors, self._local_parse, summary, self.force)
        self.stored += 1
        _add(self.timings, "write", _clock() - t)


_clock = time.perf_counter


def _add(timings: dict, key: str, seconds: float) -> None:
    timings[key] = timings.get(key, 0.0) + seconds


_PLAIN = frozenset({str, int, float, bytes, type(None)})


def _insert_rows(db, table: str, rows: list[dict], ignore: bool = False, upsert=None) -> None:
    """One prepared INSERT run over all rows (sqlite-utils' insert_all, without its
    per-value work). Lists and dicts become JSON as there; an unknown column is an
    error as there. `upsert`: the primary key, whose conflicts update the other columns."""
    first = rows[0]
    keys = first.keys()
    if all(row.keys() == keys for row in rows):
        columns = list(keys)
        params = [tuple(row.values()) for row in rows]
    else:
        columns = list(dict.fromkeys(k for row in rows for k in row))
        params = [tuple(row.get(c) for c in columns) for row in rows]
    if not _PLAIN.issuperset(map(type, chain.from_iterable(params))):
        params = [tuple(v if type(v) in _PLAIN else
                        json.dumps(v, default=str) if isinstance(v, (dict, list, tuple)) else v
                        for v in values) for values in params]
    names = ", ".join(f"[{c}]" for c in columns)
    marks = ", ".join("?" * len(columns))
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    sql = f"{verb} INTO [{table}] ({names}) VALUES ({marks})"
    if upsert:
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in upsert)
        conflict = ", ".join(f"[{c}]" for c in upsert)
        sql += f" ON CONFLICT({conflict}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")
    db.conn.executemany(sql, params)


def _store_batch(db, entries, errors, get_parse, summary, force) -> None:
    """Write a parsed batch in one transaction; `get_parse()` re-parses for --force."""

    def fail(row):
        errors.append(row)
        _failure(summary, row)

    with db.atomic():
        ids = {e.id if isinstance(e, _Known) else e["cables"][0]["id"] for e in entries}
        stored = _existing(db, list(ids))
        current = {cid: h for cid, (h, _) in stored.items()}  # id -> hash as the archive will be
        released = {cid: r for cid, (_, r) in stored.items()}  # ... and its current release date
        pending: dict[str, dict[str, list[dict]]] = {}  # id -> rows to write; later wins
        superseded: list[dict] = []  # versions new in this batch but not current at its end
        for entry in entries:
            if isinstance(entry, _Known):
                if not force or current.get(entry.id) != entry.hash or entry.id in pending:
                    summary.unchanged += 1  # a version the archive already holds
                    continue
                entry, err = _parse_one(get_parse(), entry.item)  # --force: rewrite the current version
                if err:
                    fail(err)
                    continue
            row = entry["cables"][0]
            cid, new_hash = row["id"], row["content_hash"]
            if current.get(cid) == new_hash and not (force and cid not in pending):
                summary.unchanged += 1
                continue
            if cid in current and current[cid] != new_hash:
                summary.versioned.add(cid)
                if not _arrival_is_current(released[cid], row["released"]):
                    # an earlier release than the text `cables` shows: a version beside it
                    summary.kept += 1
                    superseded.append(_version_row(row, row["header"], row["body"]))
                    continue
            if cid in current:
                summary.replaced += 1
            else:
                summary.ingested += 1
            if cid in pending and pending[cid]["cables"][0]["content_hash"] != new_hash:
                old = pending[cid]["cables"][0]
                superseded.append(_version_row(old, old["header"], old["body"]))
            current[cid], released[cid] = new_hash, row["released"]
            pending[cid] = entry
        replaced_ids = [cid for cid in pending if cid in stored]
        for chunk in _chunks(replaced_ids):
            marks = ",".join("?" * len(chunk))
            # the text being replaced moves into its version row before the cable row goes
            db.execute(
                "update cable_versions set current = 0, "
                "header = (select header from cables where id = cable_versions.cable_id), "
                "body = (select body from cables where id = cable_versions.cable_id) "
                f"where current = 1 and cable_id in ({marks})", chunk)
            for child in CHILD_TABLES:
                db.execute(f"delete from [{child}] where cable_id in ({marks})", chunk)
            db.execute(f"delete from cables where id in ({marks})", chunk)
        # Input that failed in an earlier run and now became a cable is no longer an error.
        db.conn.executemany(
            "delete from ingest_errors where cable_id is null and source = ? and line = ?",
            [(r["cables"][0]["source"], r["cables"][0]["source_line"]) for r in pending.values()],
        )
        for name in ["cables"] + CHILD_TABLES:
            table_rows = [row for rows in pending.values() for row in rows.get(name, ())]
            if table_rows:
                _insert_rows(db, name, table_rows, ignore=(name == "ingest_errors"))
        versions = superseded + [_version_row(rows["cables"][0]) for rows in pending.values()]
        if versions:
            _insert_rows(db, "cable_versions", versions, upsert=("cable_id", "content_hash"))
        summary.problems += sum(len(rows["ingest_errors"]) for rows in pending.values())
        if errors:
            _insert_rows(db, "ingest_errors", errors, ignore=True)


_DERIVED_KEY = "derived_tables_built_for"


def _archive_state(db: sqlite_utils.Database) -> str:
    """A cheap fingerprint of what the derived tables are built from: the rows of
    cables and cable_versions (count, last rowid, and the last cable's hash, since
    a replaced last row can take its old rowid again)."""
    row = db.execute(
        "select (select count(*) from cables), (select max(rowid) from cables), "
        "(select content_hash from cables order by rowid desc limit 1), "
        "(select count(*) from cable_versions), (select max(rowid) from cable_versions)").fetchone()
    return json.dumps(list(row))


def _derived_state(db: sqlite_utils.Database) -> Optional[str]:
    """The fingerprint the derived tables were last built for: None when never, or
    when an ingest was killed after writing cables and before building them."""
    row = db.execute("select value from ingest_state where name = ?", [_DERIVED_KEY]).fetchone()
    return row[0] if row else None


def _save_derived_state(db: sqlite_utils.Database, state: str) -> None:
    with db.atomic():
        db.execute("insert into ingest_state (name, value, updated) values (?, ?, ?) "
                   "on conflict(name) do update set value = excluded.value, updated = excluded.updated",
                   [_DERIVED_KEY, state, _now()])


def record_version_diffs(db: sqlite_utils.Database, ids: Iterable[str]) -> int:
    """Count what changed between the versions of `ids` (versions.record_diffs), and of
    any cable whose versions have no counts yet: an ingest killed before this step
    leaves such cables, and its re-run finds every text unchanged."""
    missing = [r[0] for r in db.execute(
        "select cable_id from cable_versions group by cable_id having count(*) > 1 "
        "except select cable_id from version_diffs")]
    todo = set(ids) | set(missing)
    return record_diffs(db, sorted(todo)) if todo else 0


def refresh_tag_counts(db: sqlite_utils.Database) -> None:
    """Set tags.cables from cable_tags; never touches kind/description."""
    with db.atomic():
        db.execute(
            "insert into tags (code, cables) select tag, count(*) from cable_tags where true "
            "group by tag on conflict(code) do update set cables = excluded.cables"
        )
        db.execute("update tags set cables = 0 where code not in (select tag from cable_tags)")
        db.execute(
            "delete from tags where cables = 0 and kind is null and description is null"
        )


def _batches(items: Iterable, size: int, timings: dict):
    """Lists of `size` items; the time spent reading them goes to timings["read"]."""
    iterator = iter(items)
    batch: list = []
    spent = 0.0
    while True:
        t = _clock()
        item = next(iterator, _END)
        spent += _clock() - t
        if item is _END:
            break
        batch.append(item)
        if len(batch) >= size:
            timings["read"] = spent
            yield batch
            batch = []
    timings["read"] = spent
    if batch:
        yield batch


_END = object()

# Indexes the load itself reads (re-ingest lookups by text hash, old errors by
# source line); the others are built once after a load into an empty archive,
# which is faster than keeping them up to date row by row.
_LOAD_INDEXES = {"idx_cable_versions_content_hash", "idx_ingest_errors_source"}


def _tune_connection(db: sqlite_utils.Database) -> None:
    """WAL with synchronous=NORMAL cannot corrupt the file (a power cut may lose the
    last batches, which a re-run writes again); a bigger page cache for the load."""
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -131072")  # KiB: 128 MiB


def _defer_indexes(db: sqlite_utils.Database) -> list[str]:
    """Drop the secondary indexes of an empty archive until the load is done."""
    if db.execute("select exists(select 1 from cables)").fetchone()[0]:
        return []
    names = [name for spec in TABLES.values() for name, _ in spec["indexes"]
             if name not in _LOAD_INDEXES]
    with db.atomic():
        for name in names:
            db.execute(f"drop index if exists [{name}]")
    return names


# FTS5 tokenizer for the one-pass build (None: FTS5's default, unicode61). The
# ascii tokenizer, a larger pgsz or crisismerge were measured no faster, and
# filling the index during the load through its triggers took twice the CPU.
FTS_TOKENIZE: Optional[str] = None


def build_fts(db: sqlite_utils.Database) -> list[str]:
    """Build the missing full-text indexes in one pass over the loaded rows.

    Same tables and triggers as sqlite-utils' `enable_fts` (so `ensure_fts`
    and Datasette see them as theirs), built after the load rather than row by
    row through triggers.
    """
    built = []
    for table, columns in FTS.items():
        fts = f"{table}_fts"
        if db[fts].exists() or not db[table].exists():
            continue
        cols = ", ".join(f"[{c}]" for c in columns)
        tokenize = f"\n    tokenize={db.quote(FTS_TOKENIZE)}," if FTS_TOKENIZE else ""
        with db.atomic():
            db.execute(f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 (\n    {cols},{tokenize}\n    content=[{table}]\n)")
            db.execute(f"INSERT INTO [{fts}] (rowid, {cols}) SELECT rowid, {cols} FROM [{table}]")
            old = ", ".join(f"old.[{c}]" for c in columns)
            new = ", ".join(f"new.[{c}]" for c in columns)
            db.execute(f"CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN\n"
                       f"  INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new});\nEND")
            db.execute(f"CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN\n"
                       f"  INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old});\nEND")
            db.execute(f"CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN\n"
                       f"  INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old});\n"
                       f"  INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new});\nEND")
        built.append(table)
    return built


def ingest(
    db: sqlite_utils.Database,
    items: Iterable,
    parse: Optional[Callable[[RawCable], Cable]] = None,
    batch_size: int = 500,
    progress: Optional[Callable[[int], None]] = None,
    force: bool = False,
    log: Optional[Callable[[str], None]] = None,
    jobs: Optional[int] = 1,
) -> Summary:
    """Parse and store RawCables (and record InputErrors); return the counts.

    `parse` defaults to `parser.parse_raw`. `force` rewrites cables even when
    their text is unchanged (for a new parser). `log` hears about slow steps.
    `jobs` processes parse (0 or None: one per core) while this one reads and
    writes; the result is the same whatever their number. `Summary.timings`
    says where the time went.
    """
    from .parallel import parsers

    summary = Summary()
    timings = summary.timings
    started = _clock()
    ensure_schema(db)
    _tune_connection(db)
    deferred = _defer_indexes(db)
    with parsers(jobs, parse, log) as pool:
        writer = _Writer(db, pool, parse, summary, force, progress, timings)
        # Batches in flight: workers parse the next ones while this process writes.
        in_flight: deque = deque()
        batches = _batches(items, batch_size, timings)
        while True:
            try:
                batch = next(batches, None)
            except BaseException:
                # The reader failed: the batches it completed are written, as they
                # would have been one at a time, then the error goes on.
                while in_flight:
                    writer.finish(in_flight.popleft())
                raise
            if batch is None:
                break
            in_flight.append(writer.start(batch))
            limit = 0 if pool.jobs == 1 else max(2, pool.jobs)
            while len(in_flight) > limit:
                writer.finish(in_flight.popleft())
        while in_flight:
            writer.finish(in_flight.popleft())
        timings["parse_cpu"] = pool.cpu
        timings["jobs"] = pool.jobs
    if deferred:
        t = _clock()
        ensure_schema(db)  # creates the indexes left out during the load
        timings["indexes"] = _clock() - t
    t = _clock()
    state = _archive_state(db)
    if force or state != _derived_state(db):
        refresh_tag_counts(db)
        fill_tags(db)  # kind and description of each code (tagdict.py)
        from .posts import build_posts
        build_posts(db)  # posts, stations and their places, rebuilt whole (posts.py)
        record_version_diffs(db, summary.versioned)
        _save_derived_state(db, state)
    timings["derived_tables"] = _clock() - t  # tag counts and descriptions, posts, version diffs
    if log is not None and not all(db[f"{table}_fts"].exists() for table in FTS):
        log("Building the full-text index (minutes for a full archive)")
    t = _clock()
    build_fts(db)
    ensure_fts(db)
    timings["fts"] = _clock() - t
    timings["total"] = _clock() - started
    return summary
