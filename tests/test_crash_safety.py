"""kill -9 during `cableparse ingest`, then the same command again: the archive is
consistent and ends identical to an uninterrupted run (issue 6).

Real cables from ../shared/corpus (a subset of every format, for time) go through
the real command in a subprocess. Three kill points:

- early: killed as soon as a read-only reader sees the first batch committed; the
  kill lands wherever the ingest is then (parsing, writing a batch, committing);
- late: inside the transaction that merges a chunk past 70% of the input into the
  archive, every row of it copied but not committed (a wrapper around the real
  command pauses the ingest there and says so; the test then kills it);
- in-merge: inside the merge of a chunk at 40% of the input, right after its
  paragraphs are copied from the worker's scratch file (cables and tags in, the
  versions, errors and full-text rows not yet);
- in-fts: inside the transaction that makes the full-text indexes count as built
  at the end of a first ingest (filled chunk by chunk until then; paused the same way).

After each kill the archive must already be consistent (no half-written cable),
and after the re-run equal to the uninterrupted run: same schema, same row count
in every table and in each FTS index, same content of every table ordered by key
(only `first_seen` timestamps left out).
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from .live import archive_state, cableparse, check_consistent, corpus_subset, count_cables, start, stop

BATCH = 25  # cables per transaction: ~8 commits over the subset, so kill points differ
EVERY = 40  # one viewer page in 40 (~120) plus the text, CSV and PlusD folders
RUN_TIMEOUT = 180  # seconds for one whole ingest, on a busy 2-core machine

# Runs the real command with one function wrapped so that the ingest stops at a
# chosen point inside a transaction and says so by creating a marker file.
PAUSED_INGEST = r"""
import os, sys, time
from pathlib import Path
import sqlite_utils
import cableparse.archive.writer as archive
from cableparse.cli import cli

point, marker = os.environ["PAUSE_AT"], Path(os.environ["PAUSE_MARKER"])

def pause():
    marker.touch()
    time.sleep(120)  # killed long before
    raise SystemExit("not killed")

if point.startswith("merge:"):
    # inside the n-th chunk's merge transaction, after all its rows are copied
    import cableparse.archive.merge as merge
    wanted, seen = int(point.split(":")[1]), [0]
    merge_attached = merge._merge_attached
    def paused_merge_attached(db, *args, **kwargs):
        merge_attached(db, *args, **kwargs)
        seen[0] += 1
        if seen[0] == wanted:
            assert db.conn.in_transaction
            pause()
    merge._merge_attached = paused_merge_attached
elif point.startswith("copy:"):
    # in the middle of the n-th chunk's merge: its paragraphs copied from the scratch file
    wanted, seen = int(point.split(":")[1]), [0]
    execute = sqlite_utils.Database.execute
    def paused_execute(self, sql, *args, **kwargs):
        cursor = execute(self, sql, *args, **kwargs)
        if sql.startswith("INSERT INTO main.[paragraphs]"):
            seen[0] += 1
            if seen[0] == wanted:
                assert self.conn.in_transaction
                pause()
        return cursor
    sqlite_utils.Database.execute = paused_execute
elif point == "fts":
    # inside the transaction that adds the full-text triggers, after the first one
    import cableparse.archive.fulltext as fulltext
    triggers_sql = fulltext._fts_triggers_sql
    def paused_triggers_sql(table, columns):
        statements = triggers_sql(table, columns)
        return [statements[0], "PAUSE"] + statements[1:]
    fulltext._fts_triggers_sql = paused_triggers_sql
    execute = sqlite_utils.Database.execute
    def paused_execute(self, sql, *args, **kwargs):
        if sql == "PAUSE":
            assert self.conn.in_transaction
            pause()
        return execute(self, sql, *args, **kwargs)
    sqlite_utils.Database.execute = paused_execute
sys.argv[0] = "cableparse"
cli(prog_name="cableparse")
"""


@pytest.fixture(scope="module")
def inputs(shared):
    return corpus_subset(EVERY)


def ingest_command(inputs: list[str], db: Path) -> list[str]:
    return cableparse("ingest", *inputs, "--db", str(db), "--batch-size", str(BATCH), "-q")


def run_to_completion(inputs: list[str], db: Path) -> None:
    log = db.with_suffix(".log")
    proc = start(ingest_command(inputs, db), log)
    try:
        code = proc.wait(timeout=RUN_TIMEOUT)
    finally:
        stop(proc)
    assert code == 0, log.read_text(errors="replace")


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    """The uninterrupted run into a fresh archive: (its state, cables in it)."""
    db = tmp_path_factory.mktemp("reference") / "archive.db"
    run_to_completion(inputs, db)
    check_consistent(db)
    return archive_state(db), count_cables(db)


def no_half_written_cable(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'cables'").fetchone():
            return
        torn = conn.execute(
            "select c.id, c.paragraph_count, count(p.cable_id) from cables c "
            "left join paragraphs p on p.cable_id = c.id group by c.id "
            "having count(p.cable_id) != c.paragraph_count").fetchall()
        assert torn == []
        orphans = conn.execute(
            "select count(*) from paragraphs where cable_id not in (select id from cables)"
        ).fetchone()[0]
        assert orphans == 0
        versions = conn.execute(
            "select count(*) from cables c where not exists (select 1 from cable_versions v "
            "where v.cable_id = c.id and v.content_hash = c.content_hash and v.current = 1)"
        ).fetchone()[0]
        assert versions == 0
    finally:
        conn.close()


def kill_when(proc: subprocess.Popen, ready, what: str, timeout: float = RUN_TIMEOUT) -> None:
    """SIGKILL `proc` as soon as `ready()` holds (polled every 10 ms, bounded)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the ingest ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout} s")
        time.sleep(0.01)
    assert proc.poll() is None, f"the ingest ended before it could be killed at {what}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["early", "late", "in-merge", "in-fts"])
def test_kill_then_rerun_ends_identical_to_an_uninterrupted_run(point, inputs, reference, tmp_path):
    expected, total = reference
    db = tmp_path / "archive.db"
    log = tmp_path / "killed.log"
    marker = tmp_path / "paused"
    if point == "early":
        proc = start(ingest_command(inputs, db), log)

        def ready():
            return count_cables(db) > 0

        what = "the first batch committed"
    else:
        pause_at = {"late": f"merge:{max(2, int(total * 0.7) // BATCH)}",
                    "in-merge": f"copy:{max(2, int(total * 0.4) // BATCH)}", "in-fts": "fts"}[point]
        command = ingest_command(inputs, db)
        command[1:3] = ["-c", PAUSED_INGEST]  # python -c <wrapper> ingest ...
        proc = start(command, log, env={**os.environ, "PAUSE_AT": pause_at, "PAUSE_MARKER": str(marker)})

        def ready():
            return marker.exists()

        what = f"the pause at {pause_at}"
    try:
        kill_when(proc, ready, what)
    finally:
        stop(proc)  # and its parse workers, by the process group's id

    # Right after the kill: what was committed is whole.
    killed_at = count_cables(db)
    assert 0 < killed_at <= total
    no_half_written_cable(db)
    if point in ("late", "in-merge"):
        assert killed_at < total  # the paused chunk was rolled back
    if point == "in-fts":
        assert killed_at == total  # every chunk was in; only the triggers were being made
    if point != "early":
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            # filled chunk by chunk: the index holds exactly the committed rows, and
            # does not count as built before its triggers are there
            assert not conn.execute(
                "select 1 from sqlite_master where type = 'trigger' and name = 'paragraphs_ai'").fetchone()
            for fts, table in (("paragraphs_fts", "paragraphs"), ("paragraphs_exact_fts", "paragraphs"),
                               ("cables_fts", "cables")):
                indexed = conn.execute(f"select count(*) from [{fts}_docsize]").fetchone()[0]
                assert indexed == conn.execute(f"select count(*) from [{table}]").fetchone()[0], fts
        finally:
            conn.close()
        import sqlite_utils

        from cableparse.archive.fulltext import has_fts
        assert not has_fts(sqlite_utils.Database(sqlite3.connect(f"file:{db}?mode=ro", uri=True)))

    run_to_completion(inputs, db)  # the same command again
    check_consistent(db)
    state = archive_state(db)
    assert state["schema"] == expected["schema"]
    assert state["counts"] == expected["counts"]
    assert state["digests"] == expected["digests"]
    print(f"{point}: killed with {killed_at} of {total} cables committed; "
          f"re-run identical over {len(state['counts'])} tables, "
          f"{sum(state['counts'].values())} rows")
