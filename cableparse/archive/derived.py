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


def rebuild(db: sqlite_utils.Database, versioned: Iterable[str] = (), force: bool = False) -> bool:
    """Rebuild every derived table if the cables changed since the last build; say whether it ran."""
    state = archive_state(db)
    if not force and state == derived_state(db):
        return False
    refresh_tag_counts(db)
    fill_tags(db)  # kind and description of each code (tagdict.py)
    build_posts(db)  # posts, stations and their places, rebuilt whole (posts.py)
    record_version_diffs(db, versioned)
    save_derived_state(db, state)
    return True
