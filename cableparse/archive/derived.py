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


def fill_tag_lists(db: sqlite_utils.Database) -> None:
    """cables.tag_list for cables ingested before the column: the codes of cable_tags in order."""
    if not db.execute("select exists (select 1 from cables where tag_list is null)").fetchone()[0]:
        return
    with db.atomic():
        db.execute("update cables set tag_list = coalesce((select group_concat(tag, ', ') from "
                   "(select tag from cable_tags t where t.cable_id = cables.id order by position)), '') "
                   "where tag_list is null")


def build_paragraph_facets(db: sqlite_utils.Database) -> None:
    """paragraph_facets, whole: paragraphs and cables per mark and per normalised section,
    and the label a facet shows (a standard part's name from sections.py, else the
    heading's most used spelling)."""
    sections = db.execute(  # covered by idx_paragraphs_section_key
        "select section_key, count(*), count(distinct cable_id) from paragraphs "
        "where section_key is not null group by section_key").fetchall()
    marks = db.execute(  # covered by idx_paragraphs_classification
        "select classification, count(*) from paragraphs where classification is not null "
        "group by classification").fetchall()
    # the spellings of each section, from the (much smaller) sections table: cables using each
    spelling, headings = {}, {}
    for key, heading, n in db.execute(
            "select section_key, heading, count(*) from sections where section_key is not null "
            "group by section_key, heading"):
        headings[key] = headings.get(key, 0) + 1
        if key not in spelling or n > spelling[key][1]:
            spelling[key] = (heading, n)
    rows = [{"facet": "section_key", "value": key, "paragraphs": paragraphs, "cables": cables,
             "headings": headings.get(key), "label": _label(key, spelling.get(key, (None, 0))[0])}
            for key, paragraphs, cables in sections]
    rows += [{"facet": "classification", "value": mark, "paragraphs": paragraphs, "cables": None,
              "headings": None, "label": mark} for mark, paragraphs in marks]
    with db.atomic():
        db.execute("delete from paragraph_facets")
        db["paragraph_facets"].insert_all(rows, batch_size=1000)


def _label(key: str, heading: Optional[str]) -> str:
    if key in STANDARD or not heading:
        return section_label(key)  # a standard part: the vocabulary's name
    return heading.strip().rstrip(":").strip() or section_label(key)


def sections_missing(db: sqlite_utils.Database) -> bool:
    """An archive made before paragraph_facets: paragraphs but no counts of them yet."""
    if not db["paragraph_facets"].exists():
        return False
    counted = db.execute("select exists (select 1 from paragraph_facets)").fetchone()[0]
    if counted:
        return bool(db.execute("select exists (select 1 from cables where tag_list is null)").fetchone()[0])
    return bool(db.execute("select exists (select 1 from paragraphs)").fetchone()[0])


def rebuild(db: sqlite_utils.Database, versioned: Iterable[str] = (), force: bool = False) -> bool:
    """Rebuild every derived table if the cables changed since the last build; say whether it ran."""
    state = archive_state(db)
    if not force and state == derived_state(db) and not sections_missing(db):
        return False
    fill_section_keys(db)
    fill_tag_lists(db)
    build_paragraph_facets(db)  # the mark and section facets' counts over every paragraph
    refresh_tag_counts(db)
    fill_tags(db)  # kind and description of each code (tagdict.py)
    build_posts(db)  # posts, stations and their places, rebuilt whole (posts.py)
    record_version_diffs(db, versioned)
    save_derived_state(db, state)
    return True
