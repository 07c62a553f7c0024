"""The full-text indexes: FTS5 tables over paragraph text and subjects.

Built once after a load (one pass over the loaded rows) rather than row by row
through triggers during it, which took twice the CPU. sqlite-utils'
`enable_fts` makes them, with the triggers that keep later ingests in sync. It
commits between creating an index, filling it and adding the triggers, so an
index counts as built only when all three are there; after a crash mid-build
the next run builds it again.

Stemming: `paragraphs_fts` and `cables_fts` use the Porter stemmer over
unicode61 (FTS_TOKENIZE), so trafficking, traffickers and trafficked are one
search, as researchers expect from WikiLeaks' own search. `paragraphs_fts` is
the index the site's search page queries, so a script's `match` on it gives the
page's counts. The exact word (`=trafficking` on the search page) is found in
a second index over the same rows without stemming, `paragraphs_exact_fts`
(EXACT_FTS, EXACT_TOKENIZE), kept in sync by triggers of its own.
An index built with another tokenizer (an archive made before stemming) counts
as not built, and is built again by the next ingest.
"""
from __future__ import annotations

import sqlite3

import sqlite_utils

from .schema import FTS

# FTS5 tokenizer of the stemmed indexes. (The ascii tokenizer, a larger pgsz or
# crisismerge were measured no faster than unicode61.)
FTS_TOKENIZE = "porter unicode61"
# The unstemmed index of paragraph text: table -> (index name, column, tokenizer)
EXACT_FTS = {"paragraphs": ("paragraphs_exact_fts", "text")}
EXACT_TOKENIZE = "unicode61"


def _tokenizer_of(db: sqlite_utils.Database, name: str) -> str | None:
    """The tokenize= option an FTS5 table was created with ('' for FTS5's default)."""
    row = db.execute("select sql from sqlite_master where name = ?", [name]).fetchone()
    if row is None:
        return None
    sql = " ".join((row[0] or "").split())
    marker = "tokenize="
    at = sql.find(marker)
    if at < 0:
        return ""
    value = sql[at + len(marker):].lstrip()
    quote = value[:1]
    if quote in ("'", '"', "["):
        end = {"[": "]"}.get(quote, quote)
        return value[1:value.find(end, 1)]
    return value.split(",")[0].split(")")[0].strip()


def _triggers_and_rows(db: sqlite_utils.Database, table: str, fts: str, prefix: str) -> bool:
    triggers = {t.name for t in db[table].triggers}
    if not {f"{prefix}_ai", f"{prefix}_ad", f"{prefix}_au"} <= triggers:
        return False
    indexed = db.execute(f"select count(*) from [{fts}_docsize]").fetchone()[0]
    return indexed == db.execute(f"select count(*) from [{table}]").fetchone()[0]


def _is_built(db: sqlite_utils.Database, table: str) -> bool:
    """The index exists with the current tokenizer, with its triggers, and holds a row
    for every row of its table.

    enable_fts creates the index, fills it, then adds the triggers, committing
    in between: a crash leaves an index that fails one of these checks.
    """
    fts = f"{table}_fts"
    if not db[fts].exists() or _tokenizer_of(db, fts) != FTS_TOKENIZE:
        return False
    return _triggers_and_rows(db, table, fts, table)


def _exact_is_built(db: sqlite_utils.Database, table: str) -> bool:
    name, _column = EXACT_FTS[table]
    if not db[name].exists() or _tokenizer_of(db, name) != EXACT_TOKENIZE:
        return False
    sql = db.execute("select sql from sqlite_master where name = ?", [name]).fetchone()[0]
    if f"content='{table}'" not in sql:  # made by an earlier version, which Datasette took for
        return False  # the paragraphs table's search index
    return _triggers_and_rows(db, table, name, name)


def _create_exact(db: sqlite_utils.Database, table: str) -> None:
    name, column = EXACT_FTS[table]
    for suffix in ("ai", "ad", "au"):
        db.execute(f"drop trigger if exists [{name}_{suffix}]")
    db.execute(f"drop table if exists [{name}]")
    # content='...' in single quotes: Datasette takes a table's search index to be any
    # FTS table naming it as content="..." or content=[...], and must keep paragraphs_fts
    db.execute(f"create virtual table [{name}] using fts5([{column}], content='{table}', "
               f"content_rowid=rowid, tokenize='{EXACT_TOKENIZE}')")


def _exact_triggers(db: sqlite_utils.Database, table: str) -> None:
    name, column = EXACT_FTS[table]
    db.execute(f"create trigger [{name}_ai] after insert on [{table}] begin "
               f"insert into [{name}](rowid, [{column}]) values (new.rowid, new.[{column}]); end")
    db.execute(f"create trigger [{name}_ad] after delete on [{table}] begin "
               f"insert into [{name}]([{name}], rowid, [{column}]) "
               f"values('delete', old.rowid, old.[{column}]); end")
    db.execute(f"create trigger [{name}_au] after update of [{column}] on [{table}] begin "
               f"insert into [{name}]([{name}], rowid, [{column}]) "
               f"values('delete', old.rowid, old.[{column}]); "
               f"insert into [{name}](rowid, [{column}]) values (new.rowid, new.[{column}]); end")


def _build_exact(db: sqlite_utils.Database, table: str) -> None:
    """The unstemmed index of `table`, over the same rows (external content), with triggers
    named after it (`paragraphs_exact_fts_ai` ...), so it never touches enable_fts' own."""
    name, _column = EXACT_FTS[table]
    with db.atomic():
        _create_exact(db, table)
        db.execute(f"insert into [{name}]([{name}]) values('rebuild')")
        _exact_triggers(db, table)


def ensure_fts(db: sqlite_utils.Database) -> list[str]:
    """Build the full-text indexes not (completely) built yet, with triggers; return their tables."""
    built = []
    for table, columns in FTS.items():
        if not db[table].exists() or _is_built(db, table):
            continue
        db[table].enable_fts(columns, create_triggers=True, tokenize=FTS_TOKENIZE, replace=True)
        built.append(table)
    for table in EXACT_FTS:
        if not db[table].exists() or _exact_is_built(db, table):
            continue
        _build_exact(db, table)
        built.append(EXACT_FTS[table][0])
    return built


def has_fts(db: sqlite_utils.Database) -> bool:
    return all(_is_built(db, table) for table in FTS) and all(
        _exact_is_built(db, table) for table in EXACT_FTS)


# ------------------------------------------------------------- filled chunk by chunk
# A load into a new archive fills the indexes in the transaction of each merged chunk
# (archive/merge.py), with no triggers yet: at every commit the index holds exactly the
# rows committed, but it counts as built (`_is_built`, `has_fts`) only once the triggers
# are made, after the last chunk. A run killed in between leaves indexes that are
# consistent and not built; its re-run goes on filling them where they stand.


def _fts_triggers_sql(table: str, columns: list[str]) -> list[str]:
    """The triggers sqlite-utils' enable_fts(create_triggers=True) makes, statement by statement."""
    from sqlite_utils.db import quote_identifier as q

    old_cols = ", ".join(f"old.{q(c)}" for c in columns)
    new_cols = ", ".join(f"new.{q(c)}" for c in columns)
    cols = ", ".join(q(c) for c in columns)
    t, fts = q(table), q(table + "_fts")
    return [
        f"CREATE TRIGGER {q(table + '_ai')} AFTER INSERT ON {t} BEGIN\n"
        f"  INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new_cols});\nEND",
        f"CREATE TRIGGER {q(table + '_ad')} AFTER DELETE ON {t} BEGIN\n"
        f"  INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES('delete', old.rowid, {old_cols});\nEND",
        f"CREATE TRIGGER {q(table + '_au')} AFTER UPDATE ON {t} BEGIN\n"
        f"  INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES('delete', old.rowid, {old_cols});\n"
        f"  INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new_cols});\nEND",
    ]


def _indexes() -> list[tuple[str, str, list[str], str, str]]:
    """(table, index, columns, tokenizer, trigger prefix) of every full-text index."""
    out = [(table, f"{table}_fts", columns, FTS_TOKENIZE, table) for table, columns in FTS.items()]
    out += [(table, name, [column], EXACT_TOKENIZE, name) for table, (name, column) in EXACT_FTS.items()]
    return out


def _filling(db: sqlite_utils.Database, table: str, fts: str, tokenizer: str, prefix: str) -> bool:
    """An index being filled chunk by chunk: no triggers, and exactly the table's rows."""
    if not db[fts].exists() or _tokenizer_of(db, fts) != tokenizer:
        return False
    triggers = {t.name for t in db[table].triggers}
    if triggers & {f"{prefix}_ai", f"{prefix}_ad", f"{prefix}_au"}:
        return False
    indexed = db.execute(f"select count(*) from [{fts}_docsize]").fetchone()[0]
    return indexed == db.execute(f"select count(*) from [{table}]").fetchone()[0]


# FTS5 settings while an index is filled chunk by chunk (measured on 20,000 cables: the
# fill -25% CPU, index size and segment count about as before). A pending-terms buffer
# larger than a chunk's terms makes one segment per chunk, not one per MiB of terms,
# and merging 8 segments of a level at a time instead of 4 rewrites each posting fewer
# times. Back to FTS5's defaults when the fill ends, for the trigger-driven ingests after.
_LOAD_SETTINGS = {"hashsize": 64 << 20, "automerge": 8}
_DEFAULT_SETTINGS = {"hashsize": 1 << 20, "automerge": 4}


def _configure(db: sqlite_utils.Database, settings: dict) -> None:
    """Set what differs only: each change bumps the index's config cookie, which is part of
    its data, so a re-run setting them again would not end byte-identical to one run."""
    for _table, fts, *_ in _indexes():
        have = dict(db.execute(f"select k, v from [{fts}_config]").fetchall())
        for name, value in settings.items():
            if have.get(name, _DEFAULT_SETTINGS.get(name)) == value:
                continue
            try:
                db.execute(f"insert into [{fts}] ([{fts}], rank) values (?, ?)", [name, value])
            except sqlite3.OperationalError:  # an SQLite too old for the setting: its default
                pass


def start_chunk_fill(db: sqlite_utils.Database) -> bool:
    """Get the indexes ready to be filled with each merged chunk; say whether they are.

    True for a new archive (empty tables: the indexes are made empty, without
    triggers) and for the re-run of a load killed while filling them. False when
    they are built (their triggers keep them in sync) or when the tables hold rows
    an index lacks (an archive from before full text, another tokenizer): then
    `ensure_fts` builds them after the load, as before.
    """
    if has_fts(db):
        return False
    todo = []
    for table, fts, columns, tokenizer, prefix in _indexes():
        if not db[table].exists():
            return False
        if _filling(db, table, fts, tokenizer, prefix):
            continue
        if db.execute(f"select exists(select 1 from [{table}])").fetchone()[0]:
            return False
        todo.append((table, fts, columns))
    for table, fts, columns in todo:
        if table in EXACT_FTS and fts == EXACT_FTS[table][0]:
            with db.atomic():
                _create_exact(db, table)
        else:
            if db[fts].exists():
                db[table].disable_fts()
            db[table].enable_fts(columns, create_triggers=False, tokenize=FTS_TOKENIZE)
    with db.atomic():
        _configure(db, _LOAD_SETTINGS)
    return True


def chunk_marks(db: sqlite_utils.Database) -> dict[str, int]:
    """The last rowid of each indexed table: a chunk's rows come after it."""
    return {table: db.execute(f"select coalesce(max(rowid), 0) from [{table}]").fetchone()[0]
            for table in {t for t, *_ in _indexes()}}


def fill_chunk(db: sqlite_utils.Database, marks: dict[str, int]) -> None:
    """Index the rows written after `marks` (inside the chunk's transaction)."""
    for table, fts, columns, _tokenizer, _prefix in _indexes():
        cols = ", ".join(f"[{c}]" for c in columns)
        db.execute(f"insert into [{fts}] (rowid, {cols}) select rowid, {cols} from [{table}] "
                   f"where rowid > ?", [marks[table]])


def unindex_rows(db: sqlite_utils.Database, table: str, where: str, params) -> None:
    """Take rows about to be deleted out of the indexes being filled (no triggers do it yet)."""
    for indexed, fts, columns, _tokenizer, _prefix in _indexes():
        if indexed != table:
            continue
        cols = ", ".join(f"[{c}]" for c in columns)
        db.execute(f"insert into [{fts}] ([{fts}], rowid, {cols}) "
                   f"select 'delete', rowid, {cols} from [{table}] where {where}", params)


def finish_chunk_fill(db: sqlite_utils.Database) -> None:
    """The triggers, in one transaction: from now on the indexes count as built."""
    with db.atomic():
        _configure(db, _DEFAULT_SETTINGS)
        for table, columns in FTS.items():
            for sql in _fts_triggers_sql(table, columns):
                db.execute(sql)
        for table in EXACT_FTS:
            _exact_triggers(db, table)
