"""The SQLite archive: schema, rows from the model, the writer and its worker pool,
full text, derived tables, versions and their differences, posts and tag meanings.

`ingest` (writer.py) is the entry point; `schema.py` holds every table, index
and view in one place; `migrations.py` brings an older archive up to date.
"""
from .store import Summary
from .writer import ingest

__all__ = ["Summary", "ingest"]
