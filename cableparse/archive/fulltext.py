"""The full-text indexes: FTS5 tables over paragraph text and subjects.

Built once after a load (one pass over the loaded rows) rather than row by row
through triggers during it, which took twice the CPU. sqlite-utils'
`enable_fts` makes them, with the triggers that keep later ingests in sync. It
commits between creating an index, filling it and adding the triggers, so an
index counts as built only when all three are there; after a crash mid-build
the next run builds it again.
"""
from __future__ import annotations

from typing import Optional

import sqlite_utils

from .schema import FTS

# FTS5 tokenizer (None: FTS5's default, unicode61). The ascii tokenizer, a
# larger pgsz or crisismerge were measured no faster.
FTS_TOKENIZE: Optional[str] = None


def _is_built(db: sqlite_utils.Database, table: str) -> bool:
    """The index exists, with its triggers, and holds a row for every row of its table.

    enable_fts creates the index, fills it, then adds the triggers, committing
    in between: a crash leaves an index that fails one of these checks.
    """
    fts = db[f"{table}_fts"]
    if not fts.exists():
        return False
    triggers = {t.name for t in db[table].triggers}
    if not {f"{table}_ai", f"{table}_ad", f"{table}_au"} <= triggers:
        return False
    indexed = db.execute(f"select count(*) from [{table}_fts_docsize]").fetchone()[0]
    return indexed == db.execute(f"select count(*) from [{table}]").fetchone()[0]


def ensure_fts(db: sqlite_utils.Database) -> list[str]:
    """Build the full-text indexes not (completely) built yet, with triggers; return their tables."""
    built = []
    for table, columns in FTS.items():
        if not db[table].exists() or _is_built(db, table):
            continue
        db[table].enable_fts(columns, create_triggers=True, tokenize=FTS_TOKENIZE, replace=True)
        built.append(table)
    return built


def has_fts(db: sqlite_utils.Database) -> bool:
    return all(_is_built(db, table) for table in FTS)
