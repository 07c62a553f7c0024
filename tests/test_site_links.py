"""Citations, the map of origins and the charts, over HTTP on the real corpus (issue 4).

Same server and archive as test_site.py. The exact lists were read from
../shared/corpus by hand: 74ATHENS3099 cites 74ATHENS2959 (REF B), and seven
later Cairo cables cite 09CAIRO814.
"""
from __future__ import annotations

import json
import re
import sqlite3

import sqlite_utils
from click.testing import CliRunner

from cableparse.archive.schema import VIEWS
from cableparse.cli import cli

from .test_site import http, site, sql  # noqa: F401 (fixtures)

CAIRO_814_CITED_BY = ["09CAIRO1059", "09CAIRO1181", "09CAIRO1503", "09CAIRO1850",
                      "09CAIRO1948", "09CAIRO2164", "09CAIRO2277"]  # oldest first


def _cited_by(page: str) -> list[str]:
    found = re.search(r'<ul class="cited-by">(.*?)</ul>', page, re.S)
    assert found, "no cited-by list"
    return re.findall(r'<li><a href="/site/cables/([^"]+)">', found.group(1))


# --- citations ---------------------------------------------------------------------------

def test_citations_view_is_refs_that_name_a_cable(sql):
    assert sql("select count(*) from citations") == sql(
        "select count(*) from refs where target_id is not null")
    assert sql("select count(*) from citations where cited_in_archive") == sql(
        "select count(*) from refs where target_id in (select id from cables)")
    assert sql("select cable_id, label, raw, cited_in_archive from citations "
               "where cited_id = '74ATHENS2959'") == [("74ATHENS3099", "B", "ATHENS 2959", 1)]
    # the 1974 Athens telegrams cite STATE 097844, once written STATE -097844; not archived
    assert sql("select cable_id, raw, cited_in_archive from citations where cited_id = '74STATE97844' "
               "and cable_id = '74ATHENS2959'") == [("74ATHENS2959", "STATE -097844", 0)]


def test_cable_page_lists_the_cables_that_cite_it(http):
    page = http.get("/site/cables/74ATHENS2959").text
    assert _cited_by(page) == ["74ATHENS3099"]
    assert '<a href="#cited-by">cited by 1 cable in this archive</a>' in page
    assert "(its reference B)" in page
    # and the other direction: 74ATHENS3099's reference B links to it
    citing = http.get("/site/cables/74ATHENS3099").text
    assert '<a href="/site/cables/74ATHENS2959">ATHENS 2959</a> 74ATHENS2959' in citing
    assert 'id="cited-by"' not in citing


def test_cited_by_is_in_date_order_and_lists_each_cable_once(http, sql):
    page = http.get("/site/cables/09CAIRO814").text
    assert _cited_by(page) == CAIRO_814_CITED_BY
    assert "cited by 7 cables in this archive" in page
    # 08STATE85678 is cited by 11 cables (some name it more than once): each is listed once
    (rows, cables), = sql("select count(*), count(distinct cable_id) from citations "
                          "where cited_id = '08STATE85678'")
    assert rows >= cables == 11
    assert len(_cited_by(http.get("/site/cables/08STATE85678").text)) == 11


def test_citations_table_links_the_cables(http):
    page = http.get("/site/citations", params={"cited_id": "74ATHENS2959"}).text
    assert '<a href="/site/cables/74ATHENS3099">74ATHENS3099</a>' in page
    assert '<a href="/site/cables/74ATHENS2959">74ATHENS2959</a>' in page
    missing = http.get("/site/citations", params={"cited_id": "74STATE97844"}).text
    assert '<a href="/site/cables/74STATE97844">' not in missing  # not archived: no dead link


# --- posts and the map -------------------------------------------------------------------

def test_ingest_builds_the_posts(sql):
    """The site's archive comes straight from `cableparse ingest`: posts are there."""
    assert sql("select kind, city, country_code from posts where name = 'Embassy Athens'") == [
        ("embassy", "Athens", "GR")]
    unplaced = sql("select distinct origin from cables where origin not in "
                   "(select name from posts where latitude is not null) order by 1")
    # measured 2026-11-23: one origin of the corpus the gazetteer cannot place (the markup
    # cable's made-up Embassy Atlantis lands on Atlantis, South Africa)
    assert unplaced == [("US Delegation, Secretary",)]


def test_cable_origins_view_counts_cables_and_places_them(http, sql):
    data = http.get("/site/cable_origins.json", params={"_shape": "objects", "_size": "max"}).json()
    rows = {r["origin"]: r for r in data["rows"]}
    assert len(rows) == sql("select count(distinct origin) from cables")[0][0] == 182
    # all but the unplaced origin above are on the map: the corpus's 180 and Atlantis
    assert sum(r["latitude"] is not None for r in rows.values()) == 181
    cairo = rows["Embassy Cairo"]
    assert (cairo["cables"], cairo["city"], cairo["country"]) == (371, "Cairo", "Egypt")
    assert cairo["cables"] == sql("select count(*) from cables where origin = 'Embassy Cairo'")[0][0]
    assert json.loads(cairo["popup"]) == {"title": "Embassy Cairo",
                                          "description": "371 cables from Cairo, Egypt",
                                          "link": "cables?origin=Embassy+Cairo"}
    assert data["rows"][0]["origin"] == "Embassy San Jose"  # the most cables first (452)
    # the popup's relative link is the origin's cables
    listed = http.get("/site/cables.json", params={"origin": "Embassy Cairo", "_size": 0}).json()
    assert listed["filtered_table_rows_count"] == 371


def test_map_page_loads_its_scripts_and_tiles_from_the_site(http):
    page = http.get("/site/cable_origins").text
    assert '<div id="cluster-map" class="cluster-map"></div>' in page
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page) + re.findall(
        r'<link[^>]* href="([^"]+\.(?:css|js))"', page)
    assert "/-/static-plugins/datasette-cluster-map/datasette-cluster-map.js" in scripts
    assert all(src.startswith("/") for src in scripts), scripts  # nothing from a CDN
    assert 'window.DATASETTE_CLUSTER_MAP_TILE_LAYER = "/-/tiles/basemap/{z}/{x}/{y}.png"' in page
    assert "datasette-leaflet/leaflet-v1.7.1.js" in page
    for path in ("/-/static-plugins/datasette-leaflet/leaflet-v1.7.1.js",
                 "/-/static-plugins/datasette-cluster-map/leaflet.markercluster.min.js"):
        assert http.get(path).status_code == 200, path
    tile = http.get("/-/tiles/basemap/2/2/1.png")  # Europe and Africa at zoom 2
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    assert tile.content.startswith(b"\x89PNG") and len(tile.content) > 1000


# --- charts ------------------------------------------------------------------------------

def test_chart_queries_count_cables_per_month(http, sql):
    rows = http.get("/site/cables_per_month_by_tag.json",
                    params={"tags": "KTIP, smig", "origin": "", "_shape": "array"}).json()
    # each cable once, under the tags it carries: KTIP, SMIG, or "KTIP + SMIG" (issue 15: a
    # cable with both was counted twice under an axis called "cables")
    expected = {}
    for cable_id, created, tags in sql(
            "select c.id, c.created, group_concat(t.tag) from cable_tags t join cables c "
            "on c.id = t.cable_id where t.tag in ('KTIP', 'SMIG') group by c.id"):
        key = (created[:7], " + ".join(sorted(tags.split(","))))
        expected[key] = expected.get(key, 0) + 1
    counted = [r for r in rows if r["cables"]]
    assert {(r["month"], r["tag"]): r["cables"] for r in counted} == expected
    assert [(r["month"], r["tag"]) for r in counted] == sorted(expected)
    _every_month_once_or_more(rows)
    (distinct,), = sql("select count(distinct cable_id) from cable_tags where tag in ('KTIP', 'SMIG')")
    assert sum(r["cables"] for r in rows) == distinct
    assert sum(r["cables"] for r in rows if "KTIP" in r["tag"]) == 41
    assert any(r["tag"] == "KTIP + SMIG" for r in rows)
    assert rows[0] == {"month": "2005-05", "tag": "SMIG", "cables": 1}
    rows = http.get("/site/cables_per_month_by_origin.json",
                    params={"origins": "Cairo, Rabat", "tag": "", "_shape": "array"}).json()
    _every_month_once_or_more(rows)
    assert {"month": "1985-04", "origin": "Embassy Cairo", "cables": 0} in rows  # no cable that month
    by_origin = {}
    for r in rows:
        by_origin[r["origin"]] = by_origin.get(r["origin"], 0) + r["cables"]
    assert by_origin == dict(sql("select origin, count(*) from cables where origin in "
                                 "('Embassy Cairo', 'Embassy Rabat') group by origin"))
    assert by_origin["Embassy Cairo"] == 371


def _every_month_once_or_more(rows):
    """The months of a chart's rows run from the first to the last without a gap (issue 15:
    1985-03 sat next to 2005-06), months without cables as rows of 0."""
    months = sorted({r["month"] for r in rows})
    (y, m), (last_y, last_m) = map(int, months[0].split("-")), map(int, months[-1].split("-"))
    assert len(months) == (last_y - y) * 12 + last_m - m + 1
    assert [r["month"] for r in rows] == sorted(r["month"] for r in rows)
    assert any(r["cables"] == 0 for r in rows)


def test_chart_plugin_is_served_by_the_site(http):
    page = http.get("/site/cables_per_month_by_tag", params={"tags": "KTIP", "origin": ""}).text
    js = re.findall(r'<script[^>]* src="(/-/static-plugins/datasette_vega/[^"]+\.js)"', page)
    assert js and http.get(js[0]).status_code == 200
    assert "cdn" not in " ".join(re.findall(r'src="([^"]+)"', page)).lower()


def test_home_page_links_the_map_charts_and_citations(http):
    page = http.get("/").text
    assert '<a href="/site/cable_origins">Map of cable origins</a>' in page
    assert 'href="/site/cables_per_month_by_tag?tags=KTIP%2C+SMIG' in page
    assert 'href="/site/cables_per_month_by_origin?origins=Cairo%2C+Rabat' in page
    assert "#g.mark=bar&amp;g.x_column=month" in page  # the chart is drawn on arrival
    assert '<a href="/site/citations">Citations</a>' in page
    menu = http.get("/site/cables").text
    assert 'href="/site/cable_origins">Map of cable origins</a>' in menu


# --- serve on an archive made before posts ------------------------------------------------

def test_serve_builds_posts_for_an_archive_without_them(tmp_path, corpus_archive):
    path = tmp_path / "old.db"
    source = sqlite3.connect(corpus_archive[0])
    with sqlite3.connect(path) as copy:
        source.backup(copy)  # with whatever is still in the WAL
    source.close()
    db = sqlite_utils.Database(path)
    for view in VIEWS:
        db[view].drop(ignore=True)
    db.execute("delete from posts")
    db["_sqlite_migrations"].drop(ignore=True)  # made before migrations were recorded
    db.conn.commit()
    db.close()
    result = CliRunner().invoke(cli, ["migrate", "--db", str(path)])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("select kind, city from posts where name = 'Consulate Casablanca'"
                            ).fetchall() == [("consulate", "Casablanca")]
        views = {r[0] for r in conn.execute("select name from sqlite_master where type = 'view'")}
        assert set(VIEWS) <= views
        assert conn.execute("select cables from cable_origins where origin = 'Consulate Casablanca'"
                            ).fetchone()[0] == conn.execute(
            "select count(*) from cables where origin = 'Consulate Casablanca'").fetchone()[0]
    finally:
        conn.close()
