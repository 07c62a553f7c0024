"""Ingest from paths: workers read, parse and write scratch files; this process merges them.

`ingest_paths` cuts the inputs into chunks (byte ranges of a cables.csv at record
starts, `batch_size` records each; runs of other files), in input order. A worker
process takes a chunk, reads it itself, parses it and writes its rows into a
scratch SQLite file of its own beside the archive (`ARCHIVE.scratch/`), then
sends back only the file's name. This process merges finished chunks into the
archive in input order, one transaction per chunk: it decides each cable from
the chunk's small `entries` table (id, content hash, release date, body length,
paragraphs, cut flag) with the version rules of `writer._decide`, then copies
the accepted rows with `INSERT ... SELECT`. No text or row is pickled between
processes.

A killed ingest keeps every merged chunk; its re-run finds their texts archived
(workers skip parsing them) and merges the rest. A text the worker skipped as
known but that the merge finds not known after all (another cable took the same
text in between) is read again from its chunk and parsed here.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
import shutil
import sqlite3
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

import sqlite_utils

from ..model import RawCable
from ..parsing.parser import parse_raw
from ..readers import _is_csv, _read_path, _walk, html_page, iter_inputs, source_name
from ..readers.base import input_error
from ..readers.csv_dump import read_csv, record_ranges
from ..readers.plusd import META_SUFFIX, RAW_SUFFIX
from . import derived, fulltext, pool, rawtext
from .migrations import migrate
from .pool import default_jobs
from .rows import input_error_row, now, parse_outcome
from .schema import CHILD_TABLES, TABLES, ensure_schema
from .store import (
    Summary,
    _clock,
    _content_hash,
    _damage_warning,
    _decide,
    _defer_indexes,
    _Entry,
    _failure,
    _forget_old_failures,
    _insert_rows,
    _is_known,
    _is_known_id,
    _known_texts,
    _outcome_error,
    _remove_replaced,
    _stored_state,
    _tune_connection,
)

# A file this large is looked at for cables.csv, and if it is one, cut into chunks.
SPLIT_MIN_BYTES = 1 << 20
_HEAD_BYTES = 65536
_BOM = b"\xef\xbb\xbf"

ROW_TABLES = ["cables"] + CHILD_TABLES
_ERROR_COLUMNS = list(TABLES["ingest_errors"]["columns"])
_VERSION_COLUMNS = ["cable_id", "content_hash", "current", "source", "source_line", "format", "created",
                    "released", "classification", "origin", "first_seen", "header", "body"]


# ------------------------------------------------------------------ chunks
@dataclass
class Chunk:
    """One unit of work, in input order: a byte range of a cables.csv, some files, or
    items the planner made itself (unreadable folders)."""

    index: int
    kind: str  # "csv" | "files" | "items"
    path: str = ""
    named: str = ""
    start: int = 0
    end: int = 0
    first_line: int = 1
    at_end: bool = True
    records: int = 0  # records in a csv range (the first counts a leading fragment's record too)
    files: list = field(default_factory=list)  # (path, the input the user named)
    items: list = field(default_factory=list)
    size: int = 0  # input bytes it covers (progress)

    def read(self) -> Iterator:
        """The chunk's items, as `readers.iter_inputs` gives them for the same input."""
        if self.kind == "items":
            yield from self.items
        elif self.kind == "files":
            for path, named in self.files:
                for item in _read_path(path, set(), None):
                    item.source = source_name(item.source, named)
                    yield item
        else:
            with open(self.path, "rb") as fh:
                fh.seek(self.start)
                data = fh.read(self.end - self.start)
            if self.start == 0 and data.startswith(_BOM):
                data = data[3:]
            yield from read_csv(source_name(self.path, self.named), io.BytesIO(data),
                                self.first_line, self.at_end)


def _csv_file(path: str, size: int) -> bool:
    """Whether the readers take this file for cables.csv (readers._read_stream's test)."""
    if size < SPLIT_MIN_BYTES:
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
            if head and not head.endswith(b"\n"):
                head += fh.readline()
    except OSError:
        return False
    if head.startswith(_BOM):
        head = head[3:]
    return _is_csv(head) or (
        path.lower().endswith(".csv") and not html_page.HTML_SIGNS.search(head.decode("latin-1"))
        and b"\x00" not in head[:8192] and head.strip() != b"")


@dataclass
class Plan:
    files: list  # (path, named, size, is a cables.csv to cut)
    errors: list  # InputErrors for folders that could not be listed
    total_bytes: int


def plan(paths: list[str]) -> Plan:
    """The files under `paths` in the order `iter_inputs` reads them, with their sizes."""
    files: list[tuple[str, str]] = []
    unreadable: list[OSError] = []
    for path in paths:
        if os.path.isdir(path):
            files.extend((f, path) for f in _walk(path, unreadable))
        else:
            files.append((path, path))
    errors = []
    for exc in unreadable:
        named = next((p for p in paths if exc.filename and str(exc.filename).startswith(p)), exc.filename)
        errors.append(input_error(source_name(exc.filename, named),
                                  f"cannot read directory: {exc.strerror or exc}", "", "unknown", 0, 0))
    wanted = {path for path, _ in files}
    out, total = [], 0
    for path, named in files:
        if path.endswith(META_SUFFIX) and (path[: -len(META_SUFFIX)] + RAW_SUFFIX) in wanted:
            continue  # read with its raw-content file
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        out.append((path, named, size, _csv_file(path, size)))
        total += size
    return Plan(out, errors, total)


def chunks(the_plan: Plan, batch_size: int) -> Iterator[Chunk]:
    """The plan cut into chunks of about `batch_size` cables, lazily (a cables.csv is
    scanned for record starts as its chunks are needed)."""
    index = 0
    if the_plan.errors:
        yield Chunk(index, "items", items=list(the_plan.errors))
        index += 1
    run: list = []
    run_bytes = 0
    for path, named, size, is_csv in the_plan.files:
        if is_csv:
            if run:
                yield Chunk(index, "files", files=run, size=run_bytes)
                index, run, run_bytes = index + 1, [], 0
            for start, end, line, records in record_ranges(path, batch_size):
                yield Chunk(index, "csv", path, named, start, end, line, end >= size, records,
                            size=end - start)
                index += 1
            continue
        run.append((path, named))
        run_bytes += size
        if len(run) >= batch_size or run_bytes >= batch_size * 16384:
            yield Chunk(index, "files", files=run, size=run_bytes)
            index, run, run_bytes = index + 1, [], 0
    if run:
        yield Chunk(index, "files", files=run, size=run_bytes)


# ------------------------------------------------------------------ scratch files
def _scratch_tables(conn: sqlite3.Connection) -> None:
    for name in ROW_TABLES:
        columns = TABLES[name]["columns"]
        # one cables row per entry: its _seq is the rowid, so the merge finds it without a scan
        seq = "_seq integer primary key" if name == "cables" else "_seq integer"
        conn.execute(f"create table [{name}] ({seq}, "
                     + ", ".join(f"[{c}] {_sql_type(t)}" for c, t in columns.items()) + ")")
    # content_hash: the input's text hash (archived-text look-ups); row_hash: the cable row's
    conn.execute("create table entries (_seq integer primary key, kind text, id text, meta_id text, "
                 "content_hash text, row_hash text, released text, length integer, paragraph_count integer, "
                 "cut integer)")
    conn.execute("create table errors (_seq integer, "
                 + ", ".join(f"[{c}] {_sql_type(t)}" for c, t in TABLES["ingest_errors"]["columns"].items())
                 + ")")


def _sql_type(t) -> str:
    # the affinities sqlite-utils gives these Python types, so copied values stay as they are
    return {str: "TEXT", int: "INTEGER", float: "FLOAT", bytes: "BLOB"}.get(t, "TEXT")


def _open_scratch(path: str) -> sqlite3.Connection:
    if os.path.exists(path):
        os.unlink(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # thrown away after the merge; redone if lost
    conn.execute("PRAGMA synchronous = OFF")
    return conn


_PLAIN = frozenset({str, int, float, bytes, type(None)})


def _insert(conn, table: str, rows: list[dict]) -> None:
    """rows into `table` (a qualified, quoted name), as writer._insert_rows stores values."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    params = [tuple(row.get(c) for c in columns) for row in rows]
    params = [tuple(v if type(v) in _PLAIN else
                    json.dumps(v, default=str) if isinstance(v, (dict, list, tuple)) else v
                    for v in values) for values in params]
    names = ", ".join(f"[{c}]" for c in columns)
    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", params)


class _ScratchWriter:
    """A chunk's entries, rows and error rows, written to a scratch schema in one go."""

    def __init__(self):
        self.entries: list[tuple] = []
        self.rows: dict[str, list[dict]] = {name: [] for name in ROW_TABLES + ["errors"]}

    def entry(self, seq: int, kind: str, item, rows: Optional[dict] = None, cid=None, text_hash=None):
        meta_id = getattr(getattr(item, "meta", None), "id", None)
        if rows is None:
            self.entries.append((seq, kind, cid, meta_id, text_hash, None, None, 0, 0, 0))
            return
        row = rows["cables"][0]
        self.entries.append((seq, kind, row["id"], meta_id, text_hash, row["content_hash"], row["released"],
                             len(row["body"] or ""), row["paragraph_count"] or 0, row["cut"] or 0))
        for name in ROW_TABLES:
            self.rows[name].extend({"_seq": seq, **r} for r in rows.get(name, ()))

    def error(self, seq: int, row: dict) -> None:
        self.rows["errors"].append({"_seq": seq, **row})

    def write(self, conn, schema: str = "main") -> None:
        conn.executemany(f"insert into {schema}.entries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.entries)
        for name, rows in self.rows.items():
            if rows:  # raw text compressed here, in the worker (rawtext.py)
                _insert(conn, f"{schema}.[{name}]", rawtext.pack_rows(name, rows))


@dataclass
class ChunkResult:
    index: int
    scratch: str
    items: int
    cables: int
    cpu: float
    seconds: dict


_parse: Optional[Callable] = None  # in a worker: the parse function


def _archived_texts(archive: str, hashes: list[str]) -> dict:
    """content_hash -> the one cable id archived with it (writer._known_texts), read from
    the archive through a read-only connection of this process (WAL: never blocks the merge)."""
    conn = sqlite3.connect(f"file:{archive}?mode=ro", uri=True, timeout=60)
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'cable_versions'").fetchone():
            return {}
        return _known_texts(sqlite_utils.Database(conn), hashes)
    finally:
        conn.close()


def work(chunk: Chunk, scratch: str, archive: Optional[str], force: bool, parse=None) -> ChunkResult:
    """Read, hash, look up, parse and write one chunk into `scratch` (in a worker, or here)."""
    parse = parse or _parse or parse_raw
    cpu0 = time.process_time()
    seconds: dict = {}
    t = time.perf_counter()
    items = list(chunk.read())
    seconds["read"] = time.perf_counter() - t
    hashes = {k: _content_hash(i) for k, i in enumerate(items) if isinstance(i, RawCable)}
    known: dict = {}
    if not force and archive and hashes:
        known = _archived_texts(archive, list(set(hashes.values())))
    parse_s = 0.0
    cables = 0
    out = _ScratchWriter()
    for seq, item in enumerate(items):
        if not isinstance(item, RawCable):
            out.entry(seq, "input_error", item)
            out.error(seq, input_error_row(item))
            continue
        text_hash = hashes[seq]
        cid = known.get(text_hash)
        if _is_known(item, cid):
            out.entry(seq, "known", item, cid=cid, text_hash=text_hash)
            continue
        t = time.perf_counter()
        outcome = parse_outcome(parse, item)
        parse_s += time.perf_counter() - t
        if isinstance(outcome, str):
            out.entry(seq, "failed", item, text_hash=text_hash)
            out.error(seq, _outcome_error(item, outcome))
        else:
            out.entry(seq, "rows", item, outcome, text_hash=text_hash)
            cables += 1
    t = time.perf_counter()
    conn = _open_scratch(scratch)
    try:
        conn.execute("begin")
        _scratch_tables(conn)
        out.write(conn)
        conn.execute("commit")
    finally:
        conn.close()
    write_s = time.perf_counter() - t
    seconds["parse"], seconds["scratch_write"] = parse_s, write_s
    return ChunkResult(chunk.index, scratch, len(items), cables, time.process_time() - cpu0, seconds)


def _worker_init(parse) -> None:
    global _parse
    pool._worker_init(parse)
    _parse = parse or parse_raw


def _work_in_worker(chunk, scratch, archive, force):
    return work(chunk, scratch, archive, force)


# ------------------------------------------------------------------ merging
def merge(db: sqlite_utils.Database, chunk: Chunk, result: ChunkResult, summary, force: bool,
          fill_fts: bool, parse=None) -> None:
    """Merge one finished chunk into the archive in one transaction."""
    db.execute("attach database ? as scratch", [result.scratch])
    try:
        with db.atomic():
            _merge_attached(db, chunk, summary, force, fill_fts, parse)
    finally:
        db.execute("detach database scratch")
    os.unlink(result.scratch)


def _merge_attached(db, chunk: Chunk, summary, force: bool, fill_fts: bool, parse) -> None:
    rows = db.execute("select _seq, kind, id, meta_id, content_hash, row_hash, released, length, "
                      "paragraph_count, cut from scratch.entries order by _seq").fetchall()
    hashes = list({r[4] for r in rows if r[1] != "input_error"})
    known = {} if force else _known_texts(db, hashes)
    entries: list = []
    error_seqs: list[int] = []
    reread: Optional[list] = None
    for seq, kind, cid, meta_id, text_hash, row_hash, released, length, paragraphs, cut in rows:
        if kind == "input_error":
            error_seqs.append(seq)
            continue
        archived = known.get(text_hash)
        if _is_known_id(meta_id, archived):
            entries.append(_Entry(archived, text_hash, known=True, ref=seq))
        elif kind == "rows":
            entries.append(_Entry(cid, row_hash, released, length, paragraphs, cut, ref=seq))
        elif kind == "failed":
            error_seqs.append(seq)
        else:
            # skipped by the worker as archived, but not (only) under that id any more:
            # read it again and parse it here, into the scratch file, as the worker would have
            if reread is None:
                reread = list(chunk.read())
            item = reread[seq]
            outcome = parse_outcome(parse or parse_raw, item)
            db.execute("delete from scratch.entries where _seq = ?", [seq])
            again = _ScratchWriter()
            if isinstance(outcome, str):
                again.entry(seq, "failed", item, text_hash=text_hash)
                again.error(seq, _outcome_error(item, outcome))
                error_seqs.append(seq)
            else:
                again.entry(seq, "rows", item, outcome, text_hash=text_hash)
                row = outcome["cables"][0]
                entries.append(_Entry(row["id"], row["content_hash"], row["released"], len(row["body"] or ""),
                                      row["paragraph_count"] or 0, row["cut"] or 0, ref=seq))
            again.write(db.conn, "scratch")
    errors_seen = {}
    if error_seqs:
        marks = ",".join("?" * len(error_seqs))
        for seq, source, line, message in db.execute(
                f"select _seq, source, line, message from scratch.errors where _seq in ({marks}) "
                "order by rowid", error_seqs):
            errors_seen.setdefault(seq, []).append({"source": source, "line": line, "message": message})
        for seq in error_seqs:
            for row in errors_seen.get(seq, ()):
                _failure(summary, row)

    def no_reparse(entry):  # known entries exist only without --force
        raise AssertionError("a known text under --force")

    stored = _stored_state(db, {e.id for e in entries})
    decision = _decide(entries, stored, force, summary, no_reparse)
    pending = list(decision.pending.values())
    db.execute("create temp table if not exists merge_pending (ord integer primary key, seq integer)")
    db.execute("create temp table if not exists merge_versions (ord integer primary key, seq integer, "
               "current integer)")
    db.execute("delete from temp.merge_pending")
    db.execute("delete from temp.merge_versions")
    db.conn.executemany("insert into temp.merge_pending (seq) values (?)", [(e.ref,) for e in pending])
    db.conn.executemany("insert into temp.merge_versions (seq, current) values (?, ?)",
                        [(e.ref, 0) for e in decision.superseded] + [(e.ref, 1) for e in pending])
    replaced = [e.id for e in pending if e.id in stored]
    if fill_fts and replaced:
        for i in range(0, len(replaced), 500):
            part = replaced[i:i + 500]
            marks = ",".join("?" * len(part))
            fulltext.unindex_rows(db, "cables", f"id in ({marks})", part)
            fulltext.unindex_rows(db, "paragraphs", f"cable_id in ({marks})", part)
    _remove_replaced(db, replaced)
    _forget_old_failures(db, db.execute(
        "select c.source, c.source_line from scratch.cables c join temp.merge_pending p on p.seq = c._seq "
        "order by p.ord").fetchall())
    marks = fulltext.chunk_marks(db) if fill_fts else None
    refs = [e.ref for e in pending]
    # The usual chunk: its cables are written in input order and their rows lie in that
    # order in the scratch file, so rowid order is the wanted order, without a sort
    in_order = reread is None and all(a < b for a, b in zip(refs, refs[1:]))
    for name in ROW_TABLES:
        columns = ", ".join(f"[{c}]" for c in TABLES[name]["columns"])
        select = ", ".join(f"s.[{c}]" for c in TABLES[name]["columns"])
        verb = "INSERT OR IGNORE" if name == "ingest_errors" else "INSERT"
        source = (f"FROM scratch.[{name}] s WHERE s._seq IN (SELECT seq FROM temp.merge_pending) "
                  "ORDER BY s.rowid" if in_order else
                  f"FROM scratch.[{name}] s JOIN temp.merge_pending p ON p.seq = s._seq ORDER BY p.ord, s.rowid")
        db.execute(f"{verb} INTO main.[{name}] ({columns}) SELECT {select} {source}")
    first_seen = now()
    version_select = ", ".join(
        "v.current" if c == "current" else "?" if c == "first_seen"
        else "c.id" if c == "cable_id"
        else f"case when v.current then null else c.[{c}] end" if c in ("header", "body")
        else f"c.[{c}]" for c in _VERSION_COLUMNS)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in _VERSION_COLUMNS if c not in ("cable_id", "content_hash"))
    db.execute(f"INSERT INTO main.cable_versions ({', '.join(_VERSION_COLUMNS)}) SELECT {version_select} "
               "FROM temp.merge_versions v JOIN scratch.cables c ON c._seq = v.seq WHERE true ORDER BY v.ord "
               f"ON CONFLICT(cable_id, content_hash) DO UPDATE SET {updates}", [first_seen])
    summary.problems += db.execute(
        "select count(*) from scratch.ingest_errors e join temp.merge_pending p on p.seq = e._seq").fetchone()[0]
    if error_seqs:
        cols = ", ".join(f"[{c}]" for c in _ERROR_COLUMNS)
        marks_ = ",".join("?" * len(error_seqs))
        db.execute(f"INSERT OR IGNORE INTO main.ingest_errors ({cols}) SELECT {cols} FROM scratch.errors "
                   f"WHERE _seq in ({marks_}) ORDER BY rowid", error_seqs)
    if decision.warnings:
        warnings = []
        for entry, damage in decision.warnings:
            row = db.execute("select id, source, source_line, format from scratch.cables where _seq = ?",
                             [entry.ref]).fetchone()
            warnings.append(_damage_warning(
                {"id": row[0], "source": row[1], "source_line": row[2], "format": row[3]}, damage))
        _insert_rows(db, "ingest_errors", warnings, ignore=True)
    if fill_fts:
        fulltext.fill_chunk(db, marks)


# ------------------------------------------------------------------ the ingest
class Inputs:
    """Files and folders to ingest, as `writer.ingest` takes them: iterating gives
    `iter_inputs(paths)` (so any consumer of items works), while `ingest` hands them
    to `ingest_paths`, whose workers read them (standard input, "-", cannot be split:
    it is read here)."""

    def __init__(self, paths, stdin=None):
        self.paths, self.stdin = list(paths), stdin

    @property
    def splittable(self) -> bool:
        return "-" not in self.paths

    def __iter__(self):
        return iter(iter_inputs(self.paths, stdin=self.stdin))


class _Inline:
    """Chunks done in this process, when they are asked for (one job, or a small input)."""

    def __init__(self, parse):
        self.parse = parse

    def submit(self, fn, chunk, scratch, archive, force):
        return _Done(work(chunk, scratch, archive, force, self.parse))

    def shutdown(self, wait=True, cancel_futures=False):
        pass


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _archive_path(db: sqlite_utils.Database) -> Optional[str]:
    for _seq, name, path in db.execute("pragma database_list").fetchall():
        if name == "main":
            return path or None
    return None


def _pool(jobs: int, parse):
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(parse,))


def ingest_paths(
    db: sqlite_utils.Database,
    paths: list[str],
    parse: Optional[Callable[[RawCable], object]] = None,
    batch_size: int = 500,
    progress: Optional[Callable[..., None]] = None,
    force: bool = False,
    log: Optional[Callable[[str], None]] = None,
    jobs: Optional[int] = 0,
):
    """Ingest files and folders (not standard input) with workers that read and write.

    The archive ends as `writer.ingest(db, iter_inputs(paths))` leaves it. `progress`
    hears `progress(stage, done, total, cables)`: stage "load" with input bytes merged
    of all, then "indexes", "derived tables", "full-text index" as each starts.
    """
    summary = Summary()
    timings = summary.timings
    started = _clock()
    main_cpu0 = time.process_time()
    archive = _archive_path(db)
    if archive is None:
        raise ValueError("ingest_paths needs an archive in a file (workers open it)")
    migrate(db)
    _tune_connection(db)
    deferred = _defer_indexes(db)
    fresh = bool(deferred)
    if fresh:
        # a build into a new archive: no fsync (a killed process loses no committed
        # chunk; WAL still makes each chunk's transaction all or nothing), fewer checkpoints
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA wal_autocheckpoint = 16384")
    fill_fts = fulltext.start_chunk_fill(db)
    timings["fts_per_chunk"] = bool(fill_fts)
    scratch_dir = f"{archive}.scratch"
    shutil.rmtree(scratch_dir, ignore_errors=True)  # what a killed run left
    os.makedirs(scratch_dir, exist_ok=True)
    jobs = jobs or default_jobs()
    if jobs > 1 and parse is not None:
        try:
            pickle.dumps(parse)
        except Exception:  # noqa: BLE001 - a lambda or closure cannot reach a worker
            jobs = 1
    the_plan = plan(list(paths))
    total = the_plan.total_bytes
    # workers skip parsing texts already archived (a re-run, a text given twice)
    lookup_archive = archive
    parse_cpu = 0.0
    done_bytes = cables = 0
    for key in ("read", "parse_wait", "write", "worker_read", "worker_parse", "worker_scratch_write", "fts"):
        timings[key] = 0.0
    executor = _Inline(parse)
    pool = None
    in_flight: deque = deque()
    window = max(2, jobs + 1)
    source = chunks(the_plan, batch_size)
    if progress is not None:
        progress("load", 0, total, 0)
    try:
        failed: list = []  # what stopped the planner (a file that cannot be read further)

        def next_chunk():
            t = _clock()
            try:
                chunk = next(source, None) if not failed else None
            except BaseException as exc:  # noqa: BLE001 - re-raised once the chunks read are merged
                failed.append(exc)
                chunk = None
            timings["read"] += _clock() - t
            return chunk

        pending_chunk = next_chunk()
        while pending_chunk is not None or in_flight:
            while pending_chunk is not None and len(in_flight) < window:
                chunk = pending_chunk
                pending_chunk = next_chunk()
                if pool is None and jobs > 1 and (chunk.index > 0 or pending_chunk is not None):
                    # more than one chunk: worth the workers' start
                    pool = executor = _pool(jobs, parse)
                scratch = os.path.join(scratch_dir, f"chunk-{chunk.index}.db")
                in_flight.append((chunk, executor.submit(_work_in_worker if pool else work,
                                                         chunk, scratch, lookup_archive, force)))
                if pool is None:
                    break  # inline: do it now, merge it, then the next
            chunk, future = in_flight.popleft()
            t = _clock()
            result = future.result()
            timings["parse_wait"] += _clock() - t
            parse_cpu += result.cpu
            for key, value in result.seconds.items():
                timings[f"worker_{key}"] = timings.get(f"worker_{key}", 0.0) + value
            t = _clock()
            merge(db, chunk, result, summary, force, fill_fts, parse)
            timings["write"] += _clock() - t
            done_bytes += chunk.size
            cables += result.items
            if progress is not None:
                progress("load", done_bytes, total, summary.ok)
        if failed:
            # as one at a time: the chunks cut before the failure are merged, then it goes on
            raise failed[0]
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # the chunks in flight are dropped
        raise
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    if pool is not None:
        pool.shutdown(wait=True)
    timings["parse_cpu"] = parse_cpu
    timings["jobs"] = jobs if pool is not None else 1
    if fresh:
        db.execute("PRAGMA synchronous = NORMAL")
    if deferred:
        if progress is not None:
            progress("indexes", done_bytes, total, summary.ok)
        t = _clock()
        ensure_schema(db)  # creates the indexes left out during the load
        timings["indexes"] = _clock() - t
    if progress is not None:
        progress("derived tables", done_bytes, total, summary.ok)
    t = _clock()
    derived.rebuild(db, summary.versioned, force)
    timings["derived_tables"] = _clock() - t
    if progress is not None:
        progress("full-text index", done_bytes, total, summary.ok)
    t = _clock()
    if fill_fts:
        fulltext.finish_chunk_fill(db)
    elif log is not None and not fulltext.has_fts(db):
        log("Building the full-text index (minutes for a full archive)")
    fulltext.ensure_fts(db)
    timings["fts"] += _clock() - t
    timings["total"] = _clock() - started
    timings["main_cpu"] = time.process_time() - main_cpu0
    return summary
