"""Command line: `cableparse ingest|parse|serve|migrate|diff`, shaped like the *-to-sqlite tools.

Each command only wires click to the package: reading is `readers`, parsing
`parsing`, writing `archive`, the site `site` (a Datasette plugin).
"""
from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import time

import click
import sqlite_utils

from .archive import ingest as run_ingest
from .archive.guard import ArchiveBusy, ingest_running, ingesting, mark_immutable_server
from .archive.merge import Inputs
from .archive.migrations import migrate as run_migrations
from .archive.migrations import pending as pending_migrations
from .archive.versions import diff_json, diff_versions, load_versions, pick_pair, render
from .model import RawCable
from .parsing import parse_raw
from .readers import iter_inputs
from .site.settings import SETTINGS


def _iter_inputs(paths, stdin=None):
    if stdin is None and "-" in paths:
        stdin = click.get_binary_stream("stdin")
    return iter_inputs(list(paths), stdin=stdin)


def _database_trouble(db_path, exc: sqlite3.OperationalError, busy_timeout: int) -> str:
    """One line for what SQLite said, instead of a traceback; what is written stays written."""
    message = str(exc)
    if "locked" in message or "busy" in message:
        return (f"{db_path} is locked by another program (waited {busy_timeout} s): the batches written "
                "before stay in the archive; run the same command again when it is done")
    if "full" in message:
        return (f"the disk is full while writing {db_path}: the batches written before stay in the "
                "archive; free some space and run the same command again")
    return f"{db_path}: {message}: the batches written before stay in the archive"


def _run_ingest(paths, db_path, batch_size, force, jobs, quiet, busy_timeout):
    db = sqlite_utils.Database(db_path)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout) * 1000}")
    try:
        if "-" not in paths:
            # files and folders: workers read, parse and write chunks; this process merges
            progress = None if quiet else _StageProgress()
            try:
                return run_ingest(db, Inputs(paths), batch_size=batch_size, force=force, jobs=jobs,
                                  progress=progress, log=None if quiet else progress.log)
            finally:
                if progress is not None:
                    progress.close()
        items = _iter_inputs(paths)
        if quiet:
            return run_ingest(db, items, batch_size=batch_size, force=force, jobs=jobs)
        start = time.monotonic()

        def log(message):
            click.echo(f"\n{message}", err=True)

        def info(_item):
            rate = bar.pos / max(time.monotonic() - start, 1e-6)
            return f"{bar.pos} inputs, {rate:.0f}/s"

        # Standard input: its length is unknown; show count and rate.
        bar = click.progressbar(_unknown_length(), label="Ingesting", file=sys.stderr,
                                show_eta=False, item_show_func=info)
        with bar:
            return run_ingest(db, items, batch_size=batch_size, force=force,
                              progress=bar.update, log=log, jobs=jobs)
    finally:
        db.close()


class _StageProgress:
    """The bar of an ingest from files: the load over the input's bytes (merged chunks
    of all, so a cables.csv has a real length), with cables/s and when the load is
    expected to end; then one line per stage after it, with how long the stage before took."""

    def __init__(self):
        self.bar = None
        self.stage, self.stage_started = None, time.monotonic()
        self.started = self.stage_started
        self.cables = 0

    def _info(self, _item=None) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        text = f"{self.cables:,} cables, {self.cables / elapsed:,.0f}/s"
        bar = self.bar
        if bar is not None and 0 < bar.pos < bar.length:
            left = (bar.length - bar.pos) * elapsed / bar.pos
            text += f", load ends ~{time.strftime('%H:%M:%S', time.localtime(time.time() + left))}"
        return text

    def __call__(self, stage, done, total, cables):
        self.cables = cables
        if stage != self.stage:
            self._end_stage()
            self.stage, self.stage_started = stage, time.monotonic()
            if stage == "load":
                self.bar = click.progressbar(length=max(total, 1), label="Reading, parsing, writing",
                                             file=sys.stderr, show_eta=True, show_percent=True,
                                             item_show_func=self._info)
                self.bar.__enter__()
            else:
                click.echo(f"{stage}...", err=True)
        if stage == "load" and self.bar is not None:
            self.bar.update(max(0, done - self.bar.pos))

    def _end_stage(self):
        if self.stage is None:
            return
        took = time.monotonic() - self.stage_started
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            elapsed = max(time.monotonic() - self.started, 1e-6)
            click.echo(f"loaded {self.cables:,} cables in {took:.1f} s ({self.cables / elapsed:,.0f}/s)",
                       err=True)
        else:
            click.echo(f"  {self.stage}: {took:.1f} s", err=True)

    def log(self, message):
        click.echo(f"\n{message}", err=True)

    def close(self):
        self._end_stage()
        self.stage = None


def _unknown_length():
    """An empty generator: click shows a progress bar without a length for it."""
    yield from ()


def _where(err) -> str:
    line = getattr(err, "line", None)
    source = getattr(err, "source", "?")
    return f"{source}:{line}" if line else str(source)


@click.group()
@click.version_option(package_name="cableparse")
def cli():
    """Parse US diplomatic cables into a SQLite archive and serve it with Datasette."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite archive to write")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1),
              help="Cables per transaction")
@click.option("--force", is_flag=True, help="Rewrite cables even when their text is unchanged")
@click.option("-j", "--jobs", default=0, type=click.IntRange(min=0),
              help="Processes that parse (one more reads and writes)  [default: one per core]")
@click.option("--timings", "timings_path", type=click.Path(dir_okay=False),
              help="Write where the time went (seconds per stage) to this JSON file")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary")
@click.option("--busy-timeout", default=300, show_default=True, type=click.IntRange(min=0),
              help="Seconds to wait for another program that holds the archive's write lock")
def ingest(paths, db_path, batch_size, force, jobs, timings_path, quiet, busy_timeout):
    """Parse PATHS (files, directories, or - for standard input) into the archive.

    Inputs that could not be read or parsed are recorded in the ingest_errors
    table. Exits 1 only when nothing at all could be ingested. Parsing runs on
    every core; memory stays bounded whatever the size of the input (cables.csv
    is streamed; any other input over 128 MiB is recorded, not read). Another
    ingest of the same archive is waited for; an archive served with
    `serve --immutable` is refused.
    """
    try:
        with ingesting(db_path, waiting=lambda: click.echo(
                f"waiting for another ingest of {db_path} to finish", err=True)):
            summary = _run_ingest(paths, db_path, batch_size, force, jobs, quiet, busy_timeout)
    except ArchiveBusy as exc:
        raise click.ClickException(str(exc))
    except sqlite3.OperationalError as exc:
        raise click.ClickException(_database_trouble(db_path, exc, busy_timeout))
    except OSError as exc:  # the archive's folder is missing or not writable
        raise click.ClickException(f"cannot write {db_path}: {exc.strerror or exc}")
    if timings_path:
        with open(timings_path, "w", encoding="utf-8") as fh:
            json.dump(summary.timings, fh, indent=2)
    if not quiet or summary.ok == 0:
        click.echo(summary.line(), err=True)
    if summary.ok == 0:
        for message in summary.failures:
            click.echo(message, err=True)
        found = "nothing could be ingested from" if summary.failed else "no cables found in"
        click.echo(f"{found} {' '.join(paths)}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--raw", is_flag=True, help="Include the header and body text")
@click.option("--nl", is_flag=True, help="One JSON object per line instead of an array")
def parse(file, raw, nl):
    """Print the cable(s) parsed from FILE (or -) as JSON, for scripts and debugging."""
    cables, failed = [], False
    for item in _iter_inputs([file]):
        if not isinstance(item, RawCable):
            click.echo(f"{_where(item)}: {item.message}", err=True)
            failed = True
            continue
        data = dataclasses.asdict(parse_raw(item))
        if not raw:
            data.pop("header", None)
            data.pop("body", None)
        if nl:
            click.echo(json.dumps(data, ensure_ascii=False))
        cables.append(data)
    if failed and not cables:
        sys.exit(1)
    if not nl:
        click.echo(json.dumps(cables, indent=2, ensure_ascii=False))


def datasette_args(db_path, host="127.0.0.1", port=8001, open_browser=False,
                   immutable=False, inspect_file=None) -> list[str]:
    """The `datasette serve` command line for the archive: only the settings.

    Templates, metadata and hooks come from the cableparse plugin, which
    Datasette loads by its entry point; README shows the same command by hand.
    """
    args = [sys.executable, "-m", "datasette", "serve"]
    args += ["-i", db_path] if immutable else [db_path]
    args += ["--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    if inspect_file:
        args += ["--inspect-file", str(inspect_file)]
    if open_browser:
        args.append("--open")
    return args


def inspect_file_for(db_path) -> str:
    """`ARCHIVE.inspect.json`, made by `datasette inspect` when missing or older than the archive.

    An immutable database's table counts come from this file, so the first page
    a reader opens does not count millions of rows.
    """
    path = f"{db_path}.inspect.json"
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(db_path):
        click.echo(f"Counting rows for {path} (once per ingest)", err=True)
        subprocess.run([sys.executable, "-m", "datasette", "inspect", db_path,
                        "--inspect-file", path], check=True)
    return path


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite archive to bring up to date")
def migrate(db_path):
    """Bring an archive made by an older cableparse up to date (ingest does this too)."""
    if not os.path.exists(db_path):
        raise click.ClickException(f"{db_path} does not exist: run `cableparse ingest` first")
    db = sqlite_utils.Database(db_path)
    try:
        applied = run_migrations(db)
    finally:
        db.close()
    click.echo(f"applied: {', '.join(applied)}" if applied else f"{db_path} is up to date", err=True)


def _warn_if_outdated(db_path) -> None:
    """Serving never writes: an archive that lacks a migration is served as it is, with a hint."""
    conn = sqlite3.connect(f"file:{os.path.abspath(db_path)}?mode=ro", uri=True)
    db = sqlite_utils.Database(conn)
    try:
        todo = pending_migrations(db)
    finally:
        db.close()
    if todo:
        click.echo(f"{db_path} was made by an older cableparse and lacks: {', '.join(todo)}; "
                   f"run `cableparse migrate --db {db_path}` for the map and tag meanings", err=True)


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite archive to serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--open", "open_browser", is_flag=True, help="Open a browser")
@click.option("--immutable", is_flag=True,
              help="Serve as immutable with precomputed counts (faster; only while no ingest "
                   "writes to it)")
def serve(db_path, host, port, open_browser, immutable):
    """Browse and search the archive with Datasette (read-only): home page, search, cable pages."""
    if not os.path.exists(db_path):
        raise click.ClickException(f"{db_path} does not exist: run `cableparse ingest` first")
    _warn_if_outdated(db_path)
    inspect_file = None
    if immutable and ingest_running(db_path):
        click.echo(f"an ingest is writing {db_path}: serving it normally, not --immutable "
                   "(an immutable server cannot see changes while they are made)", err=True)
        immutable = False
    if immutable:
        mark_immutable_server(db_path)  # ingests refuse this archive while the server lives
        # Immutable mode ignores the WAL file: fold it into the database first.
        db = sqlite_utils.Database(db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        inspect_file = inspect_file_for(db_path)
    # Datasette opens a plain (mutable) database read-only (mode=ro) itself.
    # exec, not a child process: signals (Ctrl-C, kill) reach Datasette directly.
    args = datasette_args(db_path, host, port, open_browser, immutable, inspect_file)
    os.execv(args[0], args)


@cli.command("diff")
@click.argument("cable_id")
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite archive to read")
@click.option("--from", "from_hash", metavar="HASH",
              help="Older version (content hash or its start)  [default: the one before --to]")
@click.option("--to", "to_hash", metavar="HASH",
              help="Newer version (content hash or its start)  [default: the latest]")
@click.option("--json", "as_json", is_flag=True, help="Print the versions and the difference as JSON")
def diff_command(cable_id, db_path, from_hash, to_hash, as_json):
    """Show what changed between two versions of CABLE_ID: redactions added or
    lifted (with the words they hid), paragraphs added, removed or changed.
    Line wrapping and whitespace are ignored. Versions are ordered by release
    date, then by when they were ingested."""
    if not os.path.exists(db_path):
        raise click.ClickException(f"{db_path} does not exist: run `cableparse ingest` first")
    db = sqlite_utils.Database(db_path)
    try:
        if not db["cable_versions"].exists():
            raise click.ClickException(f"{db_path} has no cable_versions table")
        versions = load_versions(db, cable_id)
        if not versions:
            raise click.ClickException(f"{cable_id} is not in {db_path}")
        try:
            if as_json:
                click.echo(json.dumps(diff_json(db, cable_id, from_hash, to_hash),
                                      indent=2, ensure_ascii=False))
                return
            old, new = pick_pair(versions, from_hash, to_hash)
        except LookupError as exc:
            raise click.ClickException(str(exc))
        click.echo(render(diff_versions(old, new), old, new), nl=False)
    finally:
        db.close()
