"""Bring an archive made by an older cableparse up to date, once per step.

`ensure_schema` adds whatever tables, columns, indexes and views are missing
(idempotent, run every time); the steps here fill what an old archive lacks,
each recorded once in `_sqlite_migrations` by sqlite-utils' `Migrations`.
`cableparse ingest` and `cableparse migrate` run them; serving never writes.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .posts import build_posts
from .schema import ensure_schema
from .tagdict import fill_tags

migrations = Migrations("cableparse")


@migrations()
def describe_tags(db: sqlite_utils.Database) -> None:
    """Kind, description and paragraph counts of each tag, for archives made before tagdict."""
    fill_tags(db)


@migrations()
def place_posts(db: sqlite_utils.Database) -> None:
    """Posts and their places for the map, for archives made before posts existed."""
    has_cables = db.execute("select exists (select 1 from cables)").fetchone()[0]
    has_posts = db.execute("select exists (select 1 from posts)").fetchone()[0]
    if has_cables and not has_posts:
        build_posts(db)


def pending(db: sqlite_utils.Database) -> list[str]:
    """Names of the steps this archive still lacks (read-only: safe while serving)."""
    if not db["cables"].exists():
        return []
    return [m.name for m in migrations.pending(db)]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Create what is missing and apply the pending steps; return their names."""
    ensure_schema(db)
    todo = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return todo
