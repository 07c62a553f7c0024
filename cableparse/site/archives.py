"""Which served databases are cable archives, and the metadata they get.

Datasette names a database after its file (archive.db -> "archive"), so the
metadata written for "archive" in metadata.json is handed to every database
that has the archive's tables, whatever its file is called.
"""
from __future__ import annotations

import json
import sqlite3
from functools import lru_cache

from datasette.views.base import DatasetteError

from .settings import METADATA

ARCHIVE_TABLES = {"cables", "cable_tags", "paragraphs", "tags"}
_checked: dict[tuple, bool] = {}


@lru_cache(maxsize=1)
def _metadata_file() -> dict:
    return json.loads(METADATA.read_text(encoding="utf-8"))


def _archive_block() -> dict:
    return _metadata_file()["databases"]["archive"]


def _instance_block() -> dict:
    """Title, description, source and the map's and charts' plugin configuration."""
    return {key: value for key, value in _metadata_file().items() if key != "databases"}


def is_archive(datasette, name: str) -> bool:
    """True when the database holds the archive's tables (checked once, from its file)."""
    db = datasette.databases.get(name)
    if db is None or not getattr(db, "path", None):
        return False
    key = (name, db.path)
    if key not in _checked:
        mode = "mode=ro" if db.is_mutable else "immutable=1"
        try:
            conn = sqlite3.connect(f"file:{db.path}?{mode}", uri=True)
            try:
                names = {r[0] for r in conn.execute("select name from sqlite_master")}
            finally:
                conn.close()
        except sqlite3.Error:
            names = set()
        _checked[key] = ARCHIVE_TABLES <= names
    return _checked[key]


_columns: dict[tuple, frozenset] = {}


def columns_of(datasette, name: str, table: str) -> frozenset:
    """The columns of a table of a served database, read once from its file (an archive
    made by an older cableparse lacks the newer ones until `cableparse migrate`)."""
    db = datasette.databases.get(name)
    if db is None or not getattr(db, "path", None):
        return frozenset()
    key = (name, db.path, table)
    if key not in _columns:
        mode = "mode=ro" if db.is_mutable else "immutable=1"
        try:
            conn = sqlite3.connect(f"file:{db.path}?{mode}", uri=True)
            try:
                found = frozenset(r[1] for r in conn.execute(f"pragma table_info([{table}])"))
            finally:
                conn.close()
        except sqlite3.Error:
            found = frozenset()
        if not found:
            return found  # not cached: the table may come with the first ingest
        _columns[key] = found
    return _columns[key]


def archives(datasette) -> list[str]:
    return [name for name in datasette.databases if is_archive(datasette, name)]


def first_archive(datasette) -> str | None:
    found = archives(datasette)
    return found[0] if found else None


def metadata_for(datasette) -> dict:
    """The site's metadata, with {"databases": {name: archive metadata}} for every archive served.

    Nothing when no archive is served, so the plugin leaves other Datasette
    sites as they are. A fresh copy each time: Datasette merges other metadata
    (a user's --metadata, which wins) into what a hook returns.
    """
    names = archives(datasette)
    if not names:
        return {}
    block = _archive_block()
    return {**_fresh(_instance_block()), "databases": {name: _fresh(block) for name in names}}


def _fresh(value):
    """A copy of every dict and list in `value` (strings and numbers are shared).

    Datasette asks for metadata about a hundred times per table page; this is
    4x cheaper than copy.deepcopy, which was ~30 ms of a cables page.
    """
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def bad_request(exception: BaseException) -> str | None:
    """What was wrong with the request, when Datasette failed on its parameters.

    Datasette 0.65 answers these with a 500: `_where=1;drop table cables` (two
    statements), `year__gt=99999999999999999999` (beyond SQLite's integers) and
    `_sort=id;drop` (its "Cannot sort" error has no status). They are the
    client's errors: the plugin's handle_exception answers them with a 400.
    """
    if isinstance(exception, sqlite3.ProgrammingError) and "one statement" in str(exception):
        return "Only one SQL statement is allowed"
    if isinstance(exception, OverflowError):
        return "A number in the request is too large"
    if (isinstance(exception, DatasetteError) and exception.status == 500
            and str(exception.message).startswith("Cannot sort table by")):
        return str(exception.message)
    return None
