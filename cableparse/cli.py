"""Command line: `cableparse ingest|parse|serve`, shaped like the *-to-sqlite tools."""
from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import sys
import time

import click
import sqlite_utils

from .model import RawCable

METADATA = pathlib.Path(__file__).parent / "datasette" / "metadata.json"


def _iter_inputs(paths, stdin=None):
    from .sources import iter_inputs  # imported late so `serve` works without it

    if stdin is None and "-" in paths:
        stdin = click.get_binary_stream("stdin")
    return iter_inputs(list(paths), stdin=stdin)


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
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary")
def ingest(paths, db_path, batch_size, force, quiet):
    """Parse PATHS (files, directories, or - for standard input) into the archive.

    Inputs that could not be read or parsed are recorded in the ingest_errors
    table. Exits 1 only when nothing at all could be ingested.
    """
    from .archive import ingest as run_ingest

    db = sqlite_utils.Database(db_path)
    try:
        items = _iter_inputs(paths)
        if quiet:
            summary = run_ingest(db, items, batch_size=batch_size, force=force)
        else:
            start = time.monotonic()

            def log(message):
                click.echo(f"\n{message}", err=True)

            def info(_item):
                rate = bar.pos / max(time.monotonic() - start, 1e-6)
                return f"{bar.pos} inputs, {rate:.0f}/s"

            # Unknown length (a CSV file holds many cables): show count and rate.
            bar = click.progressbar(_unknown_length(), label="Ingesting", file=sys.stderr,
                                    show_eta=False, item_show_func=info)
            with bar:
                summary = run_ingest(db, items, batch_size=batch_size, force=force,
                                     progress=bar.update, log=log)
    finally:
        db.close()
    if not quiet or summary.ok == 0:
        click.echo(summary.line(), err=True)
    if summary.ok == 0:
        for message in summary.failures:
            click.echo(message, err=True)
        if not summary.failed:
            click.echo(f"no cables found in {' '.join(paths)}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--raw", is_flag=True, help="Include the header and body text")
@click.option("--nl", is_flag=True, help="One JSON object per line instead of an array")
def parse(file, raw, nl):
    """Print the cable(s) parsed from FILE (or -) as JSON, for scripts and debugging."""
    from .parser import parse_raw

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
                   immutable=False) -> list[str]:
    """The `datasette serve` command line for the archive (the place for metadata/plugins)."""
    args = [sys.executable, "-m", "datasette", "serve"]
    args += ["-i", db_path] if immutable else [db_path]
    args += ["--host", host, "--port", str(port), "--setting", "suggest_facets", "off"]
    if METADATA.exists():
        args += ["--metadata", str(METADATA)]
    if open_browser:
        args.append("--open")
    return args


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite archive to serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--open", "open_browser", is_flag=True, help="Open a browser")
@click.option("--immutable", is_flag=True,
              help="Serve as immutable (faster; only while no ingest writes to it)")
def serve(db_path, host, port, open_browser, immutable):
    """Browse and search the archive with Datasette (read-only)."""
    if not os.path.exists(db_path):
        raise click.ClickException(f"{db_path} does not exist: run `cableparse ingest` first")
    if immutable:
        # Immutable mode ignores the WAL file: fold it into the database first.
        db = sqlite_utils.Database(db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    # Datasette opens a plain (mutable) database read-only (mode=ro) itself.
    # exec, not a child process: signals (Ctrl-C, kill) reach Datasette directly.
    args = datasette_args(db_path, host, port, open_browser, immutable)
    os.execv(args[0], args)
