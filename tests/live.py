"""Helpers for the tests that run real processes: ingests killed mid-run, a served archive.

Every process is started in its own session, so it and whatever it starts (the
parse workers, multiprocessing's fork server) form one process group whose id is
the process's own: `stop` ends that group by its id, never anything by name.
Every wait is bounded.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import CORPUS

FTS_TABLES = {"paragraphs_fts": "paragraphs", "cables_fts": "cables"}
TIMESTAMP_COLUMNS = {"first_seen", "updated", "applied_at"}  # when a row was written: differs between runs by nature


def corpus_subset(every: int) -> list[str]:
    """Every `every`-th viewer page, the pages of the cables also in the text and CSV
    folders (a CSV row and a page of one cable differ: two versions, and the page, a
    dated release, is the one shown), and the text, CSV and PlusD folders: real inputs
    of every format."""
    pages = sorted((CORPUS / "pages").glob("*.html"))
    csv_text = "\n".join(p.read_text(encoding="utf-8") for p in (CORPUS / "csv").glob("*.csv"))
    twins = {p.stem for p in (CORPUS / "text").glob("*.txt")}
    twins |= set(re.findall(r'^"\d+","[^"]*","([^"]+)"', csv_text, re.M))
    chosen = [p for i, p in enumerate(pages) if i % every == 0 or p.stem in twins]
    return [str(p) for p in chosen] + [str(CORPUS / d) for d in ("text", "csv", "plusd")]


def cableparse(*args: str) -> list[str]:
    return [sys.executable, "-m", "cableparse", *args]


def start(args: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """A process in a session of its own, its output in `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """End `proc` by its pid, then anything left in its process group (by the group's id)."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=timeout)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # workers and the fork server it started
    except (ProcessLookupError, PermissionError):
        pass


def count_cables(db: Path) -> int:
    """Cables committed so far, read through a read-only connection (0 before the table exists)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("select count(*) from cables").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, log: Path, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """`cableparse serve` (not immutable) on 127.0.0.1 and a free port, once it answers."""
    port = free_port()
    proc = start(cableparse("serve", "--db", str(db), "--port", str(port)), log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"cableparse serve exited: {log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=5).status_code == 200:
                    return proc, base
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"cableparse serve did not answer within {timeout} s")
    except BaseException:
        stop(proc)
        raise


def _columns(conn, table: str) -> tuple[list[str], list[str]]:
    """(columns compared, primary key columns in key order) of a table."""
    info = conn.execute(f"pragma table_info([{table}])").fetchall()
    columns = [r[1] for r in info if r[1] not in TIMESTAMP_COLUMNS]
    pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
    return columns, pk


def archive_state(db: Path) -> dict:
    """What two runs must agree on: the schema, each table's row count, and a digest of
    each table's rows ordered by key (timestamps left out), FTS tables by their counts."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        schema = sorted(conn.execute(
            "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%'"))
        shadow = {f"{fts}_{suffix}" for fts in FTS_TABLES
                  for suffix in ("data", "idx", "docsize", "config", "content")}
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
            "order by name")]
        counts, digests = {}, {}
        for table in tables:
            if table in shadow:
                continue
            if table in FTS_TABLES:  # rows in the index, not in its content table
                counts[table] = conn.execute(f"select count(*) from [{table}_docsize]").fetchone()[0]
                continue
            counts[table] = conn.execute(f"select count(*) from [{table}]").fetchone()[0]
            columns, pk = _columns(conn, table)
            order = ", ".join(f"[{c}]" for c in (pk or columns))
            select = ", ".join(f"[{c}]" for c in columns)
            h = hashlib.sha256()
            for row in conn.execute(f"select {select} from [{table}] order by {order}"):
                h.update(repr(row).encode("utf-8", "surrogatepass"))
            digests[table] = h.hexdigest()
        return {"schema": schema, "counts": counts, "digests": digests}
    finally:
        conn.close()


def check_consistent(db: Path) -> None:
    """SQLite's integrity check, foreign keys, and each FTS index against its table."""
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        for fts, table in FTS_TABLES.items():
            # FTS5 raises SQLITE_CORRUPT_VTAB when its index is damaged or, with rank 1,
            # disagrees with its external content table
            conn.execute(f"insert into [{fts}]([{fts}], rank) values('integrity-check', 1)")
            indexed = conn.execute(f"select count(*) from [{fts}_docsize]").fetchone()[0]
            rows = conn.execute(f"select count(*) from [{table}]").fetchone()[0]
            assert indexed == rows, (fts, indexed, rows)
        conn.rollback()
    finally:
        conn.close()
