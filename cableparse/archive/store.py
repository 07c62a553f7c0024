"""What becomes of each text an ingest brings, and the SQL that writes it.

Shared by the two ways an ingest runs: rows parsed in this process
(`writer._store_batch`) and chunks that workers wrote into scratch files
(`merge.py`). The version rules (`_decide`) look only at each cable's small
metadata (id, content hash, release date, length, paragraphs, cut): new,
unchanged, replaced, kept as an earlier version, or kept as a damaged copy.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from itertools import chain
from typing import Optional

import sqlite_utils

from ..model import Cable, RawCable
from . import rawtext
from .rows import error_row, now, parse_outcome
from .schema import CHILD_TABLES, TABLES
from .versions import choose_current

MAX_FAILURE_MESSAGES = 1000
_CHUNK = 500  # ids per `IN (...)`, well under SQLite's variable limit


@dataclass
class Summary:
    """What one ingest did, for the CLI's summary line and its exit code."""

    ingested: int = 0  # new cables
    unchanged: int = 0  # same id, same text: skipped
    replaced: int = 0  # same id, different text of a later release: now the current one
    kept: int = 0  # same id, different text of an earlier release: kept as a version
    damaged: int = 0  # same id, a text that looks cut: kept as a version, the whole one stays shown
    failed: int = 0  # inputs that did not become a cable (see ingest_errors)
    problems: int = 0  # parse problems recorded for the cables written
    failures: list[str] = field(default_factory=list, repr=False)  # "source:line: message"
    versioned: set = field(default_factory=set, repr=False)  # ids that gained a version
    timings: dict = field(default_factory=dict, repr=False)  # stage -> seconds (see ingest)

    @property
    def ok(self) -> int:
        return self.ingested + self.unchanged + self.replaced + self.kept + self.damaged

    def line(self) -> str:
        return (
            f"ingested {self.ingested}, unchanged {self.unchanged}, "
            f"replaced {self.replaced}, "
            + (f"kept as earlier versions {self.kept}, " if self.kept else "")
            + (f"kept as damaged copies {self.damaged} (not shown), " if self.damaged else "")
            + f"failed {self.failed} (see ingest_errors)"
        )


def _failure(summary: Summary, row: dict) -> None:
    summary.failed += 1
    if len(summary.failures) < MAX_FAILURE_MESSAGES:
        where = f"{row['source']}:{row['line']}" if row["line"] else row["source"]
        summary.failures.append(f"{where}: {row['message']}")


def _chunks(seq: list, size: int = _CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _existing(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict]:
    """id -> content hash, release date, body length, paragraphs and cut flag of the shown version."""
    found = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        sql = ("select id, content_hash, released, length(cable_text(body)) as length, paragraph_count, cut "
               f"from cables where id in ({marks})")
        for row in db.query(sql, chunk):
            found[row["id"]] = row
    return found


# A text that would replace the shown one but has less than this share of its
# characters, and fewer paragraphs, is taken for a damaged copy (a page saved
# half-way, a cut extract): kept as a version, never shown in its place.
DAMAGED_SHARE = 0.5


def _damage(new, shown: dict) -> Optional[str]:
    """Why `new` (an _Entry, or a dict with cut, length and paragraph_count) looks like a
    damaged copy of the `shown` text, or None."""
    get = new.get if isinstance(new, dict) else lambda key: getattr(new, key)
    if get("cut") and not shown.get("cut"):
        return "the input is cut (it ends inside the cable)"
    length, new_length = shown.get("length") or 0, get("length") or 0
    if new_length < DAMAGED_SHARE * length and (get("paragraph_count") or 0) < (shown.get("paragraph_count") or 0):
        return (f"it has {new_length:,} of the {length:,} characters and {get('paragraph_count') or 0} "
                f"of the {shown.get('paragraph_count')} paragraphs of the text shown")
    return None


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
        "first_seen": now(), "header": header, "body": body,
    }


@dataclass
class _Known:
    """A RawCable whose exact text is already archived under `id`: no need to parse it."""

    id: str
    hash: str
    item: RawCable


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
    return _is_known_id(getattr(item.meta, "id", None), cid)


def _is_known_id(meta_id: Optional[str], cid: Optional[str]) -> bool:
    return bool(cid) and meta_id in (None, cid)


_clock = time.perf_counter


def _add(timings: dict, key: str, seconds: float) -> None:
    timings[key] = timings.get(key, 0.0) + seconds


_PLAIN = frozenset({str, int, float, bytes, type(None)})


def _insert_rows(db, table: str, rows: list[dict], ignore: bool = False, upsert=None) -> None:
    """One prepared INSERT run over all rows (sqlite-utils' insert_all, without its
    per-value work). Lists and dicts become JSON as there; an unknown column is an
    error as there. `upsert`: the primary key, whose conflicts update the other columns."""
    rows = rawtext.pack_rows(table, rows)
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


@dataclass
class _Entry:
    """What the version rules look at for one input that became a cable (or whose text
    is archived already: `known`). `ref` is the writer's own handle on its rows."""

    id: str
    hash: str
    released: Optional[str] = None
    length: int = 0  # characters of the body
    paragraph_count: int = 0
    cut: int = 0
    known: bool = False
    ref: object = None


def _entry_of_rows(rows: dict) -> _Entry:
    row = rows["cables"][0]
    return _Entry(row["id"], row["content_hash"], row["released"], len(row["body"] or ""),
                  row["paragraph_count"] or 0, row["cut"] or 0, False, rows)


def _stored_state(db, ids) -> dict:
    """id -> the archive's shown version as the rules compare it (hash, released, length,
    paragraphs, cut)."""
    return _existing(db, list(ids))


@dataclass
class _Decision:
    """What a batch does to the archive, decided from its entries' small metadata."""

    stored: dict  # id -> the archive's row before the batch (as _existing gives it)
    pending: dict  # id -> the entry written as the current version (first arrival's place)
    superseded: list  # entries new in this batch but not current at its end (versions)
    warnings: list  # (entry, why it looks damaged)


def _decide(entries: list, stored: dict, force: bool, summary: Summary, reparse) -> _Decision:
    """Apply the version rules to a batch's entries in input order (the batch's texts
    against what the archive shows and against each other), counting into `summary`.

    The outcomes are those of ingesting the entries one at a time: unchanged (same id,
    same text), new, replaced (a later release), kept as an earlier version, kept as a
    damaged copy. `reparse(entry)` gives a known entry's own parsed entry (for --force)
    or None when it failed.
    """
    current = {cid: row["content_hash"] for cid, row in stored.items()}  # id -> hash as the archive will be
    released = {cid: row["released"] for cid, row in stored.items()}  # ... and its current release date
    shown = dict(stored)  # ... and what the damage check compares with
    pending: dict = {}  # id -> entry to write; later wins
    superseded: list = []
    warnings: list = []
    for entry in entries:
        if entry.known:
            if not force or current.get(entry.id) != entry.hash or entry.id in pending:
                summary.unchanged += 1  # a version the archive already holds
                continue
            entry = reparse(entry)  # --force: rewrite the current version
            if entry is None:
                continue
        cid, new_hash = entry.id, entry.hash
        if current.get(cid) == new_hash and not (force and cid not in pending):
            summary.unchanged += 1
            continue
        if cid in current and current[cid] != new_hash:
            summary.versioned.add(cid)
            if not _arrival_is_current(released[cid], entry.released):
                # an earlier release than the text `cables` shows: a version beside it
                summary.kept += 1
                superseded.append(entry)
                continue
            damage = _damage(entry, shown[cid])
            if damage:
                # a cut copy never replaces a whole one: a version beside it, and a warning
                summary.damaged += 1
                superseded.append(entry)
                warnings.append((entry, damage))
                continue
        if cid in current:
            summary.replaced += 1
        else:
            summary.ingested += 1
        if cid in pending and pending[cid].hash != new_hash:
            superseded.append(pending[cid])
        current[cid], released[cid] = new_hash, entry.released
        shown[cid] = {"length": entry.length, "paragraph_count": entry.paragraph_count, "cut": entry.cut}
        pending[cid] = entry
    return _Decision(stored, pending, superseded, warnings)


def _damage_warning(row: dict, damage: str) -> dict:
    return error_row(row["source"], row["source_line"], 0, f"kept as a version, not shown: {damage}",
                     "", row["format"], cable_id=row["id"], part="input", severity="warning")


def _remove_replaced(db, replaced_ids: list) -> None:
    """The text being replaced moves into its version row, then the cable's rows go."""
    for chunk in _chunks(replaced_ids):
        marks = ",".join("?" * len(chunk))
        db.execute(
            "update cable_versions set current = 0, "
            "header = (select header from cables where id = cable_versions.cable_id), "
            "body = (select body from cables where id = cable_versions.cable_id) "
            f"where current = 1 and cable_id in ({marks})", chunk)
        for child in CHILD_TABLES:
            db.execute(f"delete from [{child}] where cable_id in ({marks})", chunk)
        db.execute(f"delete from cables where id in ({marks})", chunk)


def _forget_old_failures(db, source_lines: list) -> None:
    """Input that failed in an earlier run and now became a cable is no longer an error."""
    db.conn.executemany(
        "delete from ingest_errors where cable_id is null and source = ? and line = ?", source_lines)


# Indexes the load itself reads (re-ingest lookups by text hash, old errors by
# source line); the others are built once after a load into an empty archive,
# which is faster than keeping them up to date row by row.
_LOAD_INDEXES = {"idx_cable_versions_content_hash", "idx_ingest_errors_source_line"}


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
