"""What TAGS codes stand for: kind (subject, country, organisation, program, person) and description.

The vocabulary itself (data/tags.csv and the FIPS 10-4 country codes) is read
in cableparse/parsing/vocabulary.py, which the parser uses too; this module
fills the archive's tags table from it.
"""
from __future__ import annotations

from ..parsing.vocabulary import KINDS, dictionary, fips_countries

__all__ = ["KINDS", "dictionary", "fips_countries", "describe", "fill_tags"]


def describe(code: str) -> tuple[str | None, str | None]:
    """(kind, description) of a TAGS code, or (None, None) when neither source knows it."""
    code = (code or "").strip().upper()
    if code in dictionary():
        return dictionary()[code]
    if len(code) == 2 and code in fips_countries():
        return "country", fips_countries()[code]
    return None, None


def fill_tags(db) -> int:
    """Fill the empty kind/description of tags in use, and tags.paragraphs; return rows filled.

    Runs after each ingest, after the counts are refreshed. What someone wrote
    by hand is never overwritten. A code no cable uses any more is removed when
    it carries only the dictionary's text (refresh_tag_counts keeps rows with a
    kind or description, which would otherwise keep every code ever seen).
    Codes nobody knows, often a TAGS line the parser split wrongly, stay empty.
    """
    filled, stale = [], []
    for code, cables, kind, description in db.execute(
            "select code, cables, kind, description from tags").fetchall():
        known_kind, known_description = describe(code)
        if known_kind is None:
            continue
        if not cables:
            if (kind, description) == (known_kind, known_description):
                stale.append((code,))
        elif kind is None or description is None:
            filled.append((known_kind, known_description, code))
    with db.atomic():
        db.conn.executemany(
            "update tags set kind = coalesce(kind, ?), description = coalesce(description, ?) "
            "where code = ?", filled)
        db.conn.executemany("delete from tags where code = ? and cables = 0", stale)
        # once per ingest, so the site's unfiltered paragraph facet need not join
        db.execute(
            "update tags set paragraphs = coalesce((select sum(c.paragraph_count) "
            "from cable_tags ct join cables c on c.id = ct.cable_id "
            "where ct.tag = tags.code), 0)")
    return len(filled)
