"""Writing cables into the SQLite archive.

`ingest` is idempotent (unchanged text is skipped by content hash, because
re-saving rows through the FTS triggers is slow), writes one transaction per
batch (a crash leaves the archive at the last committed batch), and never
loses input: cable text goes to cables.header/body, anything that failed goes
to ingest_errors.raw.

The version rules (`_decide`) look only at each cable's small metadata, so the
same rules serve a batch of rows held here (`_store_batch`, for items given as
an iterable) and a chunk a worker wrote into a scratch file (`merge.py`, for
files and folders: `ingest(db, merge.Inputs(paths))`).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

import sqlite_utils

from ..model import Cable, RawCable
from ..parsing.parser import parse_raw
from . import derived
from .fulltext import ensure_fts, has_fts
from .merge import Inputs, ingest_paths
from .migrations import migrate
from .pool import parsers
from .rows import input_error_row, parse_outcome
from .schema import CHILD_TABLES, ensure_schema
from .store import (
    Summary,
    _add,
    _clock,
    _content_hash,
    _damage_warning,
    _decide,
    _defer_indexes,
    _Entry,
    _entry_of_rows,
    _failure,
    _forget_old_failures,
    _insert_rows,
    _is_known,
    _Known,
    _known_texts,
    _outcome_error,
    _parse_one,
    _remove_replaced,
    _stored_state,
    _tune_connection,
    _version_row,
)


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
                fail(input_error_row(item))
            if self.progress is not None:
                self.progress(1)
        _store_batch(self.db, entries, errors, self._local_parse, summary, self.force)
        self.stored += 1
        _add(self.timings, "write", _clock() - t)


def _store_batch(db, entries, errors, get_parse, summary, force) -> None:
    """Write a parsed batch in one transaction; `get_parse()` re-parses for --force."""

    def fail(row):
        errors.append(row)
        _failure(summary, row)

    def reparse(entry: _Entry):
        rows, err = _parse_one(get_parse(), entry.ref.item)
        if err:
            fail(err)
            return None
        return _entry_of_rows(rows)

    with db.atomic():
        items = [_Entry(e.id, e.hash, known=True, ref=e) if isinstance(e, _Known) else _entry_of_rows(e)
                 for e in entries]
        stored = _stored_state(db, {e.id for e in items})
        decision = _decide(items, stored, force, summary, reparse)
        pending = {cid: entry.ref for cid, entry in decision.pending.items()}
        superseded = []
        for entry in decision.superseded:
            row = entry.ref["cables"][0]
            superseded.append(_version_row(row, row["header"], row["body"]))
        for entry, damage in decision.warnings:
            errors.append(_damage_warning(entry.ref["cables"][0], damage))
        _remove_replaced(db, [cid for cid in pending if cid in stored])
        _forget_old_failures(db, [(r["cables"][0]["source"], r["cables"][0]["source_line"])
                                  for r in pending.values()])
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

    `items` may be `merge.Inputs(paths)`: then worker processes read the files
    themselves and write scratch files this process merges (`merge.ingest_paths`);
    `progress` then hears (stage, bytes done, bytes in all, cables).
    """
    if isinstance(items, Inputs) and items.splittable:
        return ingest_paths(db, items.paths, parse=parse, batch_size=batch_size, progress=progress,
                            force=force, log=log, jobs=jobs)
    summary = Summary()
    timings = summary.timings
    started = _clock()
    migrate(db)
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
    derived.rebuild(db, summary.versioned, force)
    timings["derived_tables"] = _clock() - t  # tag counts and descriptions, posts, version diffs
    if log is not None and not has_fts(db):
        log("Building the full-text index (minutes for a full archive)")
    t = _clock()
    ensure_fts(db)
    timings["fts"] = _clock() - t
    timings["total"] = _clock() - started
    return summary
