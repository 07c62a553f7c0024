"""Bring an archive made by an older cableparse up to date, once per step.

`ensure_schema` adds whatever tables, columns, indexes and views are missing
(idempotent, run every time); the steps here fill what an old archive lacks,
each recorded once in `_sqlite_migrations` by sqlite-utils' `Migrations`.
`cableparse ingest` and `cableparse migrate` run them; serving never writes.
"""
from __future__ import annotations

import os

import sqlite_utils
from sqlite_utils.migrations import Migrations

from . import derived
from .fulltext import ensure_fts
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


@migrations()
def relative_sources(db: sqlite_utils.Database) -> None:
    """Older versions recorded the absolute path of each input: keep the file's name,
    so a published archive does not show the ingesting machine's folders."""
    for table in ("cables", "cable_versions", "ingest_errors"):
        if not db[table].exists():
            continue
        for (source,) in db.execute(f"select distinct source from [{table}] where source like '/%'").fetchall():
            db.execute(f"update [{table}] set source = ? where source = ?", [os.path.basename(source), source])


@migrations(transactional=False)  # the full-text builds commit as they go
def search_tables(db: sqlite_utils.Database) -> None:
    """Section keys, tag lists, the facet counts and the stemmed and exact full-text
    indexes that the search page uses, for archives made before them."""
    if not db.execute("select exists (select 1 from cables)").fetchone()[0]:
        return  # a new archive: its ingest builds them
    with db.atomic():
        derived.fill_section_keys(db)
        derived.fill_tag_lists(db)
        derived.build_paragraph_facets(db)
    ensure_fts(db)


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
