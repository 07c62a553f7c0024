"""Posts built from the corpus archive: every origin and TO/INFO station maps to a
post (or is listed as unknown, under 1%), placed with the GeoNames gazetteer."""
import json

import pytest
import sqlite_utils

from cableparse.archive.posts import build_posts, post_for


@pytest.fixture(scope="module")
def db(corpus_archive):
    database = sqlite_utils.Database(corpus_archive[0])
    build_posts(database)
    return database


@pytest.mark.parametrize("station, name, kind, city, country", [
    ("AMCONSUL CASABLANCA", "Consulate Casablanca", "consulate", "Casablanca", "MA"),
    ("AMEMBASSY RABAT 7885", "Embassy Rabat", "embassy", "Rabat", "MA"),
    ("SECSTATE WASHDC PRIORITY 7620", "Secretary of State", "department", "Washington", "US"),
    ("USMISSION USUN NEW YORK", "USUN New York", "mission", "New York City", "US"),
    ("AMEMBASSY KIEV", "Embassy Kyiv", "embassy", "Kyiv", "UA"),
    ("AMEMBASSY VATICAN", "Embassy Vatican", "embassy", "Vatican City", "VA"),
    ("AMEMBASSY THE HAGUE", "Embassy The Hague", "embassy", "The Hague", "NL"),
    ("HQ USCENTCOM MACDILL AFB FL", "HQ USCENTCOM MACDILL AFB FL", "military", "Tampa", "US"),
    ("ZEN/AMEMBASSY BELMOPAN NIACT IMMEDIATE 2276-2279", "Embassy Belmopan", "embassy", "Belmopan", "BZ"),
])
def test_stations_resolve_to_posts(station, name, kind, city, country):
    post, why = post_for(station)
    assert why is None
    assert (post.name, post.kind, post.place.city, post.place.country_code) == (name, kind, city, country)


def test_every_origin_and_station_maps_to_a_post(db):
    stations = [r["s"] for r in db.query(
        "select from_station s from cables where from_station is not null union all select station from recipients")]
    mapped = {r["station"]: r["post"] for r in db.query("select station, post from stations")}
    unknown = {r["station"] for r in db.query("select station from unknown_stations where cables is not null")}
    keys = [post_key(s) for s in stations]
    assert all(k in mapped or k in unknown for k in keys)
    # measured 2026-11-23: 2 of 949 distinct stations unknown (NSC ASHDC, PROG), 2 of 34,318 mentions
    assert len(unknown) / len(set(keys)) < 0.01
    assert sum(k in unknown for k in keys) / len(keys) < 0.001
    posts = {r["name"] for r in db.query("select name from posts")}
    origins = {r["origin"] for r in db.query("select distinct origin from cables where origin is not null")}
    assert origins <= posts  # one post is one origin facet value


def test_posts_carry_places_and_routing_indicators(db):
    rabat = db["posts"].get("Embassy Rabat")
    assert (rabat["kind"], rabat["city"], rabat["country_code"], rabat["country"]) == ("embassy", "Rabat", "MA", "Morocco")
    assert round(rabat["latitude"], 2) == 34.01 and round(rabat["longitude"], 2) == -6.83
    assert "RUEHRB" in json.loads(rabat["routing_indicators"])
    casablanca = db["posts"].get("Consulate Casablanca")
    assert "RUEHCL" in json.loads(casablanca["routing_indicators"])  # learned from the DE line
    assert "AMCONSUL CASABLANCA" in json.loads(casablanca["stations"])
    # measured 2026-11-23: embassies 214/218, consulates 72/75 placed; the rest are the
    # cables' own misspellings (AMCONSUL INSTANBUL, AMEMBASSY BISHQEK, AMEMBASSY DJYBYUTI)
    placed = {r["kind"]: (r["placed"], r["n"]) for r in db.query(
        "select kind, count(*) n, sum(latitude is not null) placed from posts group by kind")}
    for kind in ("embassy", "consulate"):
        assert placed[kind][0] / placed[kind][1] > 0.95, kind
    assert placed["agency"][0] == placed["agency"][1]
    assert placed["collective"][0] == 0  # a collective is many posts, no one place


def post_key(station):
    from cableparse.archive.posts import station_key

    return station_key(station)
