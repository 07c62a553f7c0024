"""The search page's counts, facets and pages are what plain SQL says (issue 15, item 8).

The pages sorted by date choose their rows before making snippets, and the HTML page
writes its facets and hits in Python rather than Jinja: each is checked here against the
one-query SQL it stands for, counted afresh (`_cache=off`) and from the cache, with
filters on the paragraph and on the cable; and the page's HTML lists what its JSON says.
"""
from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest

from cableparse.site import search as page

from .test_site import http, site, sql  # noqa: F401 (fixtures)

JOIN = ("from paragraphs_fts f join paragraphs p on p.rowid = f.rowid "
        "join cables c on c.id = p.cable_id where paragraphs_fts match ?")
CASES = [  # the search, its URL filters, the SQL condition they mean beside the match
    ('"human rights"', {}, "1"),
    ("trafficking", {"mark": ["C", "SBU"]}, "p.classification in ('C', 'SBU')"),
    ("trafficking", {"tag": "KTIP"},
     "p.cable_id in (select cable_id from cable_tags where tag = 'KTIP')"),
    ("trafficking", {"year": "2005-2008"}, "c.year between 2005 and 2008"),  # on the cable
    ("embassy", {"origin": "Morocco"},
     "c.origin in (select name from posts where country = 'Morocco')"),
]


def _json(http, q, **params):
    answer = http.get("/-/search.json", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _expected_facets(sql, match, where):
    def grouped(column, join=""):
        return dict(sql(f"select {column}, count(*) {JOIN.replace(' where ', join + ' where ')} "
                        f"and {where} and {column} is not null group by 1", [match]))
    return {"mark": grouped("p.classification"), "section": grouped("p.section_key"),
            "origin": grouped("c.origin"), "year": grouped("c.year"),
            "tag": grouped("ct.tag", " join cable_tags ct on ct.cable_id = p.cable_id")}


@pytest.mark.parametrize("q, filters, where", CASES)
@pytest.mark.parametrize("cache", ["off", "on"])
def test_counts_and_facets_are_plain_sqls(http, sql, q, filters, where, cache):
    match = q
    params = {"more": list(page.FACETS), "_size": 0, **filters}
    if cache == "off":
        params["_cache"] = "off"
    data = _json(http, q, **params)
    total = sql(f"select count(*) {JOIN} and {where}", [match])[0][0]
    assert data["count"] == total > 0
    expected = _expected_facets(sql, match, where)
    for name, values in expected.items():
        facet = data["facets"][name]
        got = {v["value"]: v["count"] for v in facet["values"]}
        if facet["truncated"]:  # the first MORE_SIZE values: the largest, then by value
            top = sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))[:page.MORE_SIZE]
            assert got == dict(top), name
        else:
            assert got == values, name


@pytest.mark.parametrize("q, filters, where", CASES[:2] + CASES[3:4])
@pytest.mark.parametrize("sort, order", [("newest", "c.created desc, p.cable_id, p.position"),
                                         ("oldest", "c.created, p.cable_id, p.position")])
def test_pages_by_date_are_the_plain_order(http, sql, q, filters, where, sort, order):
    for number, size in ((1, 20), (3, 7)):
        data = _json(http, q, sort=sort, page=number, _size=size, **filters)
        expected = sql(
            "select p.cable_id, p.position, snippet(paragraphs_fts, 0, '\u27e6', '\u27e7', '…', 40) "
            f"{JOIN} and {where} order by {order} limit {size} offset {(number - 1) * size}", [q])
        assert [(r["cable_id"], r["position"], r["snippet_marked"]) for r in data["results"]] == \
            [tuple(e) for e in expected]
        assert len(expected) == size


def test_fields_only_sorted_by_date(http, sql):
    data = _json(http, "tag:PHUM section:comment", page=3, _size=5)
    assert data["sort"] == "newest"
    expected = sql("select p.cable_id, p.position from paragraphs p join cables c on c.id = p.cable_id "
                   "where p.cable_id in (select cable_id from cable_tags where tag = 'PHUM') "
                   "and p.section_key = 'comment' order by c.created desc, p.cable_id, p.position "
                   "limit 5 offset 10")
    assert [(r["cable_id"], r["position"]) for r in data["results"]] == [tuple(e) for e in expected]
    assert len(expected) == 5


def test_the_page_lists_what_its_json_says(http):
    params = {"q": "trafficking", "mark": "C"}
    data = _json(http, **params)
    html = http.get("/-/search", params=params).text
    for name, facet in data["facets"].items():
        block = html.split(f'<ul class="facet-{name}">', 1)[1].split("</ul>", 1)[0]
        shown = re.findall(r"<li>(?:<strong>([^<]*)</strong>|<a [^>]*>([^<]*)</a>) ([\d,]+)", block)
        assert [(unescape(a or b), int(n.replace(",", ""))) for a, b, n in shown] == \
            [(str(v["label"]), v["count"]) for v in facet["values"]], name
    assert 'aria-label="Remove C"' in html  # the chosen mark, with its way out
    hits = re.findall(r'<div class="search-hit">\n<div class="where"><a href="([^"]+)">', html)
    assert hits == [r["url"] for r in data["results"]] and len(hits) == 20
    assert html.count("<mark>") >= 20


def test_a_paragraph_whose_cable_is_missing_is_counted_nowhere():
    """Counted by the join with cables, as the facets on the cable need it."""
    conn = sqlite3.connect(":memory:")
    conn.executescript("""
        create table cables (id text primary key, origin text, year integer);
        create table paragraphs (cable_id text, position integer, classification text,
                                 section_key text, primary key (cable_id, position));
        create table cable_tags (cable_id text, tag text, primary key (cable_id, tag));
        insert into cables values ('A', 'Embassy Rabat', 2005), ('B', 'Embassy Cairo', 2006);
        insert into paragraphs values ('A', 1, 'C', 'comment'), ('A', 2, 'U', null),
            ('B', 1, 'C', 'comment'), ('GONE', 1, 'C', 'comment');
        insert into cable_tags values ('A', 'KTIP'), ('B', 'KTIP'), ('GONE', 'KTIP');
    """)
    for where in ("p.classification = 'C'", "p.classification = 'C' and c.year > 2000"):
        total, facets = page._count_and_facets(conn, None, where, {}, 1000, 1000, {})
        by_name = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in facets}
        assert total == 2
        assert by_name == {"mark": {"C": 2}, "section": {"comment": 2}, "tag": {"KTIP": 2},
                           "origin": {"Embassy Rabat": 1, "Embassy Cairo": 1},
                           "year": {2005: 1, 2006: 1}}
    assert not conn.execute("select name from sqlite_temp_master").fetchall()  # dropped


@pytest.mark.parametrize("q, params", [('"human rights"', {}), ("trafficking", {"mark": ["C", "SBU"]}),
                                       ("trafficking", {"sort": "newest"}),
                                       ("tag:PHUM section:comment", {}),
                                       ("embassy OR consulate", {"year": "2005-2008"})])
def test_pages_from_the_cached_order_are_the_plain_pages(http, q, params):
    """The first pages (cache on: the site's own process) read their rows by the cached
    order of the first matches: the same rows, order and snippets as the page counted
    afresh; so does a page past that order."""
    def page_of(number, size=20, **extra):
        data = _json(http, q, page=number, _size=size, **params, **extra)
        return [(r["cable_id"], r["position"], r["snippet_marked"], r["section_key"], r["subject"])
                for r in data["results"]]

    for number in (1, 2, 1, 2):  # the first time fills the cache, the second reads it
        plain = page_of(number, _cache="off")
        assert page_of(number) == plain and len(plain) == 20, number
    past = page.FIRST_ROWS // 20 + 1
    assert page_of(past) == page_of(past, _cache="off")
