"""Tables derived from the cables: tag counts and meanings, posts, version diffs.

Rebuilt at the end of an ingest, and only when the cables changed since they
were last built (a fingerprint in `ingest_state`), so a re-ingest that changed
nothing costs nothing here.
"""
from __future__ import annotations

import json
from typing import Iterable, Optional

import sqlite_utils

from .posts import build_posts
from .rows import now
from .sections import STANDARD, section_key, section_label
from .tagdict import fill_tags
from .versions import record_diffs

_DERIVED_KEY = "derived_tables_built_for"


def archive_state(db: sqlite_utils.Database) -> str:
    """A cheap fingerprint of what the derived tables are built from: the rows of
    cables and cable_versions (count, last rowid, and the last cable's hash, since
    a replaced last row can take its old rowid again)."""
    row = db.execute(
        "select (select count(*) from cables), (select max(rowid) from cables), "
        "(select content_hash from cables order by rowid desc limit 1), "
        "(select count(*) from cable_versions), (select max(rowid) from cable_versions)").fetchone()
    return json.dumps(list(row))


def derived_state(db: sqlite_utils.Database) -> Optional[str]:
    """The fingerprint the derived tables were last built for: None when never, or
    when an ingest was killed after writing cables and before building them."""
    row = db.execute("select value from ingest_state where name = ?", [_DERIVED_KEY]).fetchone()
    return row[0] if row else None


def save_derived_state(db: sqlite_utils.Database, state: str) -> None:
    with db.atomic():
        db.execute("insert into ingest_state (name, value, updated) values (?, ?, ?) "
                   "on conflict(name) do update set value = excluded.value, updated = excluded.updated",
                   [_DERIVED_KEY, state, now()])


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


def fill_section_keys(db: sqlite_utils.Database) -> int:
    """Set paragraphs.section_key (and sections.section_key) where an archive made before
    the column lacks it; return how many headings were keyed. Each distinct heading is
    normalised once and updated through idx_paragraphs_section."""
    headings = [r[0] for r in db.execute(
        "select distinct section from paragraphs where section is not null and section_key is null")]
    if not headings:
        return 0
    with db.atomic():
        db.execute("create temp table if not exists section_keys_todo (heading text primary key, key text)")
        db.execute("delete from temp.section_keys_todo")
        db.conn.executemany("insert or ignore into temp.section_keys_todo values (?, ?)",
                            [(h, section_key(h)) for h in headings])
        for table, column in (("paragraphs", "section"), ("sections", "heading")):
            db.execute(f"update [{table}] set section_key = (select key from temp.section_keys_todo "
                       f"where heading = [{table}].[{column}]) "
                       f"where section_key is null and [{column}] in (select heading from temp.section_keys_todo)")
        db.execute("drop table temp.section_keys_todo")
    return len(headings)


def build_section_counts(db: sqlite_utils.Database) -> None:
    """section_counts, whole: paragraphs and cables per normalised section, its label (the
    vocabulary's name of a standard part, else the heading's most used spelling)."""
    rows = db.execute(
        "select section_key, count(*), count(distinct cable_id), count(distinct section) "
        "from paragraphs where section_key is not null group by section_key").fetchall()
    spelling = {}
    for key, heading, n in db.execute(
            "select section_key, section, count(*) from paragraphs where section_key is not null "
            "group by section_key, section"):
        if key not in spelling or n > spelling[key][1]:
            spelling[key] = (heading, n)
    with db.atomic():
        db.execute("delete from section_counts")
        db["section_counts"].insert_all(
            ({"section_key": key, "paragraphs": paragraphs, "cables": cables, "headings": headings,
              "label": _label(key, spelling.get(key, (None, 0))[0])}
             for key, paragraphs, cables, headings in rows), batch_size=1000)


def _label(key: str, heading: Optional[str]) -> str:
    if key in STANDARD or not heading:
        return section_label(key)  # a standard part: the vocabulary's name
    return heading.strip().rstrip(":").strip() or section_label(key)


def sections_missing(db: sqlite_utils.Database) -> bool:
    """An archive made before section keys: headings without a key, or no counts yet."""
    if not db["section_counts"].exists():
        return False
    counted = db.execute("select exists (select 1 from section_counts)").fetchone()[0]
    if counted:
        return False
    return bool(db.execute("select exists (select 1 from paragraphs where section is not null)").fetchone()[0])


def rebuild(db: sqlite_utils.Database, versioned: Iterable[str] = (), force: bool = False) -> bool:
    """Rebuild every derived table if the cables changed since the last build; say whether it ran."""
    state = archive_state(db)
    if not force and state == derived_state(db) and not sections_missing(db):
        return False
    fill_section_keys(db)
    build_section_counts(db)  # the section facet's counts (sections.py keys)
    refresh_tag_counts(db)
    fill_tags(db)  # kind and description of each code (tagdict.py)
    build_posts(db)  # posts, stations and their places, rebuilt whole (posts.py)
    record_version_diffs(db, versioned)
    save_derived_state(db, state)
    return True
