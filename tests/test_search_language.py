"""Finding cables (issue 15): the search language, its JSON and CSV, ids anywhere, one section
facet, a cable whole as JSON, tables a person can scan.

Served by the same `cableparse serve` over the real corpus as test_site.py. Every count is
checked against SQL on the archive: an operator's count against FTS5's own count of the
equivalent MATCH on `paragraphs_fts` written out here, exact words against a regular
expression over the paragraph text, fields against joins.
"""
from __future__ import annotations

import csv
import io
import re

import pytest

from cableparse.archive.sections import section_key

from .test_site import http, site, sql  # noqa: F401 (fixtures)


def search(http, q=None, **params):
    if q is not None:
        params["q"] = q
    params.setdefault("_size", 0)
    return http.get("/-/search.json", params=params)


def count(http, q=None, **params) -> int:
    answer = search(http, q, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()["count"]


def fts(sql, match: str) -> int:
    return sql("select count(*) from paragraphs_fts where paragraphs_fts match ?", [match])[0][0]


# --- the operators, each against FTS5's own count ----------------------------------------

OPERATORS = [  # typed on the page -> the FTS5 expression it means
    ("trafficking smuggling", "trafficking AND smuggling"),
    ("trafficking AND smuggling", "trafficking AND smuggling"),
    ("trafficking OR smuggling", "trafficking OR smuggling"),
    ("trafficking | smuggling", "trafficking OR smuggling"),
    ("trafficking -smuggling", "trafficking NOT smuggling"),
    ("trafficking !smuggling", "trafficking NOT smuggling"),
    ("trafficking NOT smuggling", "trafficking NOT smuggling"),
    ("traffick*", "traffick*"),
    ('"child maids"', '"child maids"'),
    ('"human rights"', '"human rights"'),
    ("NEAR(trafficking women, 5)", "NEAR(trafficking women, 5)"),
    ('"trafficking women"~5', "NEAR(trafficking women, 5)"),
    ("(trafficking | smuggling) Morocco", "(trafficking OR smuggling) AND morocco"),
    ("visa -(fraud | refused)", "visa NOT (fraud OR refused)"),
    ("and", '"and"'),  # the word, in lower case
]


@pytest.mark.parametrize("typed, match", OPERATORS)
def test_each_operator_counts_what_fts5_counts(http, sql, typed, match):
    expected = fts(sql, match)
    assert expected > 0, match
    data = search(http, typed).json()
    assert data["count"] == expected
    assert data["index"] == "paragraphs_fts"
    # the expression the page reports gives a script the page's count
    assert fts(sql, data["fts"]) == expected


def test_the_operators_add_up(http, sql):
    """The issue's symptoms: OR was smaller than either word, and -word kept exactly the
    paragraphs that have it."""
    both = count(http, "trafficking smuggling")
    without = count(http, "trafficking -smuggling")
    either = count(http, "trafficking OR smuggling")
    trafficking, smuggling = count(http, "trafficking"), count(http, "smuggling")
    assert both + without == trafficking
    assert either == trafficking + smuggling - both
    assert either > trafficking > without > both > 0
    assert count(http, "traffick*") >= trafficking


def test_words_are_stemmed_and_the_exact_word_is_asked_with_equals(http, sql):
    texts = [t for (t,) in sql("select text from paragraphs")]
    exact = {w: sum(1 for t in texts if re.search(rf"\b{w}\b", t, re.I))
             for w in ("trafficking", "traffickers", "trafficked")}
    stemmed = count(http, "trafficking")
    assert count(http, "traffickers") == count(http, "trafficked") == stemmed
    assert stemmed >= max(exact.values())
    for word, n in exact.items():
        data = search(http, f"={word}").json()
        assert data["count"] == n > 0
        assert data["index"] == "paragraphs_exact_fts"
    assert count(http, "trafficking =trafficked") == sum(
        1 for t in texts if re.search(r"\btrafficked\b", t, re.I)
        and re.search(r"\btraffick(ing|ers?|ed|s)?\b", t, re.I)) == exact["trafficked"]
    # an exact phrase: the words as written, in order
    assert count(http, '="child maids"') == sum(1 for t in texts if re.search(r"\bchild\W+maids\b", t, re.I))


@pytest.mark.parametrize("typed, says", [
    ("AND", "AND"), ("OR", "OR"), ("trafficking OR", "OR"), ("NOT", "NOT"), ("trafficking |", "|"),
    ('"child maids', "quote"), ("(trafficking | smuggling", "("), ("trafficking)", ")"),
    ("-smuggling", "not only words to leave out"), ("foo:bar", "not a field"),
    ("year:20x", "year"), ("*fick", "*"), ("NEAR(trafficking)", "NEAR"), ("- smuggling", "-"),
])
def test_invalid_syntax_gets_a_clear_message_never_another_search(http, typed, says):
    answer = search(http, typed)
    assert answer.status_code == 400
    data = answer.json()
    assert data["ok"] is False and data["count"] == 0 and data["results"] == []
    assert says in data["error"]
    page = http.get("/-/search", params={"q": typed})
    assert page.status_code == 400 and 'class="message-error"' in page.text


# --- fields and the URL's filters -----------------------------------------------------------

MATCH = "select p.rowid from paragraphs_fts f join paragraphs p on p.rowid = f.rowid " \
        "join cables c on c.id = p.cable_id where paragraphs_fts match 'trafficking'"


def test_fields_in_the_search(http, sql):
    ktip = sql(f"select count(*) from ({MATCH} and p.cable_id in "
               "(select cable_id from cable_tags where tag = 'KTIP'))")[0][0]
    assert count(http, "trafficking tag:KTIP") == count(http, "trafficking tag:ktip") == ktip > 0
    marked = sql(f"select count(*) from ({MATCH} and p.classification = 'C')")[0][0]
    assert count(http, "trafficking mark:C") == marked > 0
    years = sql(f"select count(*) from ({MATCH} and c.year between 2005 and 2008)")[0][0]
    assert count(http, "trafficking year:2005..2008") == years > 0
    # origin by post name, city or country (posts, from GeoNames)
    morocco = sql(f"select count(*) from ({MATCH} and c.origin in "
                  "(select name from posts where country = 'Morocco'))")[0][0]
    assert count(http, "trafficking origin:Morocco") == morocco > 0
    casablanca = sql(f"select count(*) from ({MATCH} and c.origin = 'Consulate Casablanca')")[0][0]
    assert count(http, "trafficking origin:Casablanca") == count(
        http, 'trafficking origin:"Consulate Casablanca"') == casablanca > 0
    assert count(http, "trafficking -tag:KTIP") == count(http, "trafficking") - ktip
    either = sql(f"select count(*) from ({MATCH} and p.cable_id in "
                 "(select cable_id from cable_tags where tag in ('KTIP', 'SMIG')))")[0][0]
    assert count(http, "trafficking (tag:KTIP | tag:SMIG)") == either
    # fields alone list paragraphs, newest first
    data = search(http, "tag:KTIP section:prevention", _size=5).json()
    assert data["count"] == sql("select count(*) from paragraphs where section_key = 'prevention' "
                                "and cable_id in (select cable_id from cable_tags where tag = 'KTIP')")[0][0] > 0
    assert data["sort"] == "newest" and data["index"] is None


def test_several_values_of_a_filter_are_either_or(http, sql):
    c, sbu = (sql(f"select count(*) from ({MATCH} and p.classification = ?)", [m])[0][0]
              for m in ("C", "SBU"))
    assert count(http, "trafficking", mark=["C", "SBU"]) == c + sbu
    assert count(http, "trafficking", mark="C") == c
    ktip_or_smig = sql(f"select count(*) from ({MATCH} and p.cable_id in "
                       "(select cable_id from cable_tags where tag in ('KTIP', 'SMIG')))")[0][0]
    assert count(http, "trafficking", tag=["KTIP", "SMIG"]) == ktip_or_smig
    years = sql(f"select count(*) from ({MATCH} and c.year between 2005 and 2010)")[0][0]
    assert count(http, "trafficking", year="2005-2010") == count(
        http, "trafficking", year="2005..2010") == years > 0
    by_city = count(http, "trafficking", origin="Casablanca")
    assert by_city == count(http, "trafficking", origin="Consulate Casablanca") == sql(
        f"select count(*) from ({MATCH} and c.origin = 'Consulate Casablanca')")[0][0] > 0
    by_country = sql(f"select count(*) from ({MATCH} and c.origin in "
                     "(select name from posts where country = 'Morocco'))")[0][0]
    assert count(http, "trafficking", origin="Morocco") == by_country >= by_city
    assert count(http, "embassy", origin="Morocco") == sql(
        "select count(*) from paragraphs_fts f join paragraphs p on p.rowid = f.rowid "
        "join cables c on c.id = p.cable_id where paragraphs_fts match 'embassy' and c.origin in "
        "('Embassy Rabat', 'Consulate Casablanca')")[0][0] > count(http, "embassy", origin="Rabat") > 0


# --- the JSON and CSV -----------------------------------------------------------------------

def test_search_json_has_count_results_and_facets(http, sql):
    answer = http.get("/-/search.json", params={"q": '"child maids"'})
    assert answer.status_code == 200
    data = answer.json()
    expected = sql("select p.cable_id, p.position from paragraphs_fts join paragraphs p "
                   "on p.rowid = paragraphs_fts.rowid where paragraphs_fts match '\"child maids\"' "
                   "order by rank")
    assert data["count"] == len(expected) == 12
    assert [(r["cable_id"], r["position"]) for r in data["results"]] == [tuple(e) for e in expected]
    first = data["results"][0]
    assert {"cable_id", "paragraph", "mark", "section", "section_key", "origin", "date",
            "snippet", "url"} <= set(first)
    assert "child maids" in first["snippet"].lower() and "\u27e6" not in first["snippet"]
    assert set(data["facets"]) == {"mark", "section", "tag", "origin", "year"}
    marks = {v["value"]: v["count"] for v in data["facets"]["mark"]["values"]}
    assert marks == dict(sql(
        "select p.classification, count(*) from paragraphs_fts join paragraphs p "
        "on p.rowid = paragraphs_fts.rowid where paragraphs_fts match '\"child maids\"' "
        "and p.classification is not null group by 1"))
    rows = list(csv.DictReader(io.StringIO(http.get("/-/search.csv", params={"q": '"child maids"'}).text)))
    assert [(r["cable_id"], int(r["position"])) for r in rows] == [tuple(e) for e in expected]


def test_sorted_by_date_and_pages(http):
    newest = search(http, "trafficking", sort="newest", _size=50).json()["results"]
    dates = [r["date"] for r in newest]
    assert dates == sorted(dates, reverse=True) and len(dates) == 50
    oldest = search(http, "trafficking", sort="oldest", _size=50).json()["results"]
    assert [r["date"] for r in oldest] == sorted(r["date"] for r in oldest)
    assert oldest[0]["date"] < newest[0]["date"]
    page2 = search(http, "trafficking", _size=10, page=2).json()["results"]
    assert page2 == search(http, "trafficking", _size=20).json()["results"][10:]


def test_facets_show_more(http):
    data = search(http, "trafficking").json()
    origins = data["facets"]["origin"]
    assert len(origins["values"]) == 15 and origins["truncated"] and "more=origin" in origins["more_url"]
    more = http.get(origins["more_url"].replace("/-/search?", "/-/search.json?")).json()
    assert len(more["facets"]["origin"]["values"]) > 15
    pairs = [(v["value"], v["count"]) for v in more["facets"]["origin"]["values"]]
    assert pairs[:15] == [(v["value"], v["count"]) for v in origins["values"]]
    assert pairs == sorted(pairs, key=lambda p: (-p[1], p[0]))


# --- cable ids anywhere ---------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["07CASABLANCA42", "07casablanca42", "07CASABLANCA0042",
                                   "2007CASABLANCA00042_a"])
def test_an_id_in_the_search_box_opens_the_cable(http, typed):
    answer = http.get("/-/search", params={"q": typed})
    assert answer.status_code == 302
    assert answer.headers["location"] == "/site/cables/07CASABLANCA42"


def test_several_ids_are_a_list(http):
    page = http.get("/-/search", params={"q": "07CASABLANCA42, 85beirut1013 06STATE202745"}).text
    assert '<a href="/site/cables/07CASABLANCA42">07CASABLANCA42</a>' in page
    assert '<a href="/site/cables/85BEIRUT1013">85BEIRUT1013</a>' in page
    assert "06STATE202745</a> <span class=\"missing\">(not in this archive)" in page
    data = search(http, "07CASABLANCA42 85BEIRUT1013").json()
    assert [(c["id"], c["in_archive"]) for c in data["cables"]] == [
        ("07CASABLANCA42", True), ("85BEIRUT1013", True)]
    # ids written as references print them, when the archive has them
    assert http.get("/-/search", params={"q": "85 BEIRUT 1013"}).headers["location"] == "/site/cables/85BEIRUT1013"


@pytest.mark.parametrize("typed, canonical", [
    ("07casablanca42", "07CASABLANCA42"), ("07CASABLANCA0042", "07CASABLANCA42"),
    ("1974ATHENS02959_b", "74ATHENS2959"), ("74athens02959", "74ATHENS2959"),
])
def test_cable_urls_accept_any_case_padding_and_plusd_ids(http, typed, canonical):
    answer = http.get(f"/site/cables/{typed}")
    assert answer.status_code == 302 and answer.headers["location"] == f"/site/cables/{canonical}"
    assert http.get(answer.headers["location"]).status_code == 200
    answer = http.get(f"/site/cables/{typed}.json")
    assert answer.headers["location"] == f"/site/cables/{canonical}.json"


def test_a_cable_not_in_the_archive_has_a_page(http, sql):
    answer = http.get("/site/cables/06STATE202745")
    assert answer.status_code == 404
    page = answer.text
    assert "<h1>06STATE202745: not in this archive</h1>" in page
    citing = {r[0] for r in sql("select cable_id from refs where target_id = '06STATE202745'")}
    assert "07CASABLANCA42" in citing
    for cable in citing:
        assert f'<a href="/site/cables/{cable}">{cable}</a>' in page
    assert 'href="https://wikileaks.org/plusd/cables/06STATE202745_a.html"' in page
    assert 'href="/-/search?q=%2206STATE202745%22"' in page
    data = http.get("/site/cables/06STATE202745.json").json()
    assert {c["id"] for c in data["cited_by"]} == citing and data["plusd_url"].startswith("https://wikileaks.org/plusd/")


# --- one section facet ----------------------------------------------------------------------

def _shape(heading: str) -> str:
    """Independent of sections.py: a heading without case, numbering (IV., A., 2.) and
    punctuation; two facet values with one shape differ only by those."""
    text = re.sub(r"^\s*(\([A-Z/]+\)\s*)?([IVXL]+|[A-Z]|\d+[A-Z]?)[.)]\s+", "", heading.strip())
    return " ".join(re.sub(r"[^\w\s]|_", "", text.lower()).split())


def test_the_section_facet_has_no_duplicates_by_case_or_numbering(http, sql):
    data = http.get("/site/paragraphs.json", params={"_size": 0, "_facet_size": "max"}).json()
    values = data["facet_results"]["section"]["results"]
    assert len(values) > 100
    shapes = [_shape(r["label"]) for r in values]
    assert len(shapes) == len(set(shapes))
    # every heading the archive has: one value per shape, whatever the spelling
    keys_by_shape = {}
    for heading, key in sql("select distinct section, section_key from paragraphs where section is not null"):
        keys_by_shape.setdefault(_shape(heading), set()).add(key)
    assert [s for s, keys in keys_by_shape.items() if len(keys) > 1] == []
    counts = {r["value"]: r["count"] for r in values}
    spellings = {h for (h,) in sql("select distinct section from paragraphs where section_key = 'comment'")}
    assert {"Comment", "COMMENT", "COMMENT:", "Comment:"} <= spellings
    assert counts["comment"] == sql("select count(*) from paragraphs where section_key = 'comment'")[0][0] \
        >= sql("select count(*) from paragraphs where section in ('Comment', 'COMMENT', 'COMMENT:', 'Comment:')")[0][0]
    # the search page's facet too
    facet = search(http, "embassy", more="section").json()["facets"]["section"]["values"]
    assert len({_shape(v["label"]) for v in facet}) == len(facet) > 15


def test_the_tip_reports_parts_are_grouped(http, sql):
    """In KTIP cables: PREVENTION, Prevention and V. PREVENTION are one section; the source's
    typo INVSTIGATION AND PROSECUTION with III. INVESTIGATION AND PROSECUTION ..."""
    spellings = {h: n for h, n in sql(
        "select section, count(*) from paragraphs where section_key = 'prevention' "
        "and cable_id in (select cable_id from cable_tags where tag = 'KTIP') group by section")}
    assert {"PREVENTION", "Prevention", "V. PREVENTION"} <= set(spellings)
    data = search(http, section="prevention", tag="KTIP").json()
    assert data["count"] == sum(spellings.values())
    assert count(http, section="V. PREVENTION", tag="KTIP") == count(http, "section:Prevention tag:KTIP") \
        == data["count"]
    prosecution = {h for (h,) in sql("select distinct section from paragraphs where section_key = 'prosecution'")}
    assert {"INVSTIGATION AND PROSECUTION OF TRAFFICKERS", "III. INVESTIGATION AND PROSECUTION OF TRAFFICKERS",
            "Investigation and Prosecution of Traffickers"} <= prosecution
    facet = {v["value"]: v for v in search(http, "trafficking").json()["facets"]["section"]["values"]}
    assert facet["prosecution"]["label"] == "Investigation and prosecution"
    assert facet["prosecution"]["count"] == sql(
        f"select count(*) from ({MATCH} and p.section_key = 'prosecution')")[0][0]


# --- one cable as JSON ----------------------------------------------------------------------

def test_one_cable_whole_in_one_request(http, sql):
    answer = http.get("/site/cables/07CASABLANCA42.json")
    assert answer.status_code == 200
    data = answer.json()
    assert data["primary_key_values"] == ["07CASABLANCA42"] and data["rows"][0][0] == "07CASABLANCA42"
    cable = data["cable"]
    assert cable["fields"]["subject"] == "MOROCCO: ANNUAL TRAFFICKING IN PERSONS REPORT"
    assert [p["position"] for p in cable["paragraphs"]] == [r[0] for r in sql(
        "select position from paragraphs where cable_id = '07CASABLANCA42' order by position")]
    seventh = next(p for p in cable["paragraphs"] if p["label"] == "7")
    assert seventh["mark"] == "U" and "combat trafficking" in seventh["text"]
    assert {t["code"] for t in cable["tags"]} == {r[0] for r in sql(
        "select tag from cable_tags where cable_id = '07CASABLANCA42'")}
    assert {"code": "SMIG", "kind": "subject", "description": "Social Affairs--Migration"} in cable["tags"]
    assert [a["station"] for a in cable["addressees"]] == [r[0] for r in sql(
        "select station from recipients where cable_id = '07CASABLANCA42' order by position")]
    refs = {r["target_id"]: r for r in cable["references"]}
    assert refs["06STATE202745"]["in_archive"] is False
    assert [s["heading"] for s in cable["sections"]] == [r[0] for r in sql(
        "select heading from sections where cable_id = '07CASABLANCA42' order by position")]
    cited = http.get("/site/cables/85BEIRUT1013.json").json()["cable"]
    assert "85BEIRUT1351" in {c["id"] for c in cited["cited_by"]}
    citing = http.get("/site/cables/85BEIRUT1351.json").json()["cable"]
    assert any(r["target_id"] == "85BEIRUT1013" and r["in_archive"] and r["url"] == "/site/cables/85BEIRUT1013"
               for r in citing["references"])
    # Datasette's own row JSON is still there, with any parameter
    objects = http.get("/site/cables/07CASABLANCA42.json", params={"_shape": "objects"}).json()
    assert objects["rows"][0]["id"] == "07CASABLANCA42" and "cable" not in objects


# --- tables a person can scan ---------------------------------------------------------------

def test_cables_table_shows_the_main_columns_and_a_plain_tag_list(http, sql):
    page = http.get("/site/cables", params={"_size": 5}).text
    shown = re.findall(r'<th [^>]*class="col-([a-z_]+)"', page)
    assert shown == ["id", "created", "origin", "classification", "subject", "tag_list"]
    assert "Show every column" in page
    every = http.get("/site/cables", params={"_size": 1, "_cols": "all"}).text
    assert 'class="col-body"' in every and 'class="col-header"' in every
    rows = list(csv.DictReader(io.StringIO(http.get("/site/cables.csv", params={"_tag": "KTIP", "_size": 100}).text)))
    assert list(rows[0]) == ["id", "created", "origin", "classification", "subject", "tag_list"]
    casablanca = next(r for r in rows if r["id"] == "07CASABLANCA42") if any(
        r["id"] == "07CASABLANCA42" for r in rows) else rows[0]
    codes = [r[0] for r in sql("select tag from cable_tags where cable_id = ? order by position",
                               [casablanca["id"]])]
    assert casablanca["tag_list"] == ", ".join(codes) and "[" not in casablanca["tag_list"]
    assert len(rows) == 41


def test_tag_pages_link_their_cables_and_the_tags_table_is_searchable(http, sql):
    page = http.get("/site/tags/KTIP").text
    assert '<a href="/site/cables?_tag=KTIP">its 41 cables</a>' in page
    (paragraphs,), = sql("select paragraphs from tags where code = 'KTIP'")
    assert f'<a href="/site/paragraphs?_tag=KTIP">their {paragraphs:,} paragraphs</a>' in page
    assert 'href="/site/cables_per_month_by_tag?tags=KTIP' in page
    assert 'href="/-/search?tag=KTIP"' in page
    found = http.get("/site/tags.json", params={"_find": "trafficking", "_shape": "array"}).json()
    assert {r["code"] for r in found} == {r[0] for r in sql(
        "select code from tags where description like '%trafficking%' or code like 'TRAFFICKING%'")}
    assert "KTIP" in {r["code"] for r in found}
    assert 'name="_find"' in http.get("/site/tags").text


def test_pages_say_their_language_and_label_their_controls(http):
    for path in ("/", "/-/search?q=trafficking", "/site/cables/07CASABLANCA42", "/site/cables",
                 "/site/cables_per_month_by_tag?tags=KTIP&origin="):
        page = http.get(path).text
        assert '<html lang="en">' in page, path
    cable = http.get("/site/cables/07CASABLANCA42").text
    assert ">#</a>" not in cable
    title = re.search(r"<title>(.*?)</title>", http.get(
        "/site/cables_per_month_by_tag", params={"tags": "KTIP", "origin": ""}).text, re.S).group(1)
    assert "select" not in title.lower() and "Cables per month, by tag" in title
    search_page = http.get("/-/search", params={"q": "trafficking"}).text
    assert '<label for="search-q"' in search_page
    headings = [int(h) for h in re.findall(r"<h([1-6])", search_page)]
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:]))  # no level skipped


def test_see_them_as_a_table_is_the_same_set(http):
    for q, params in (("trafficking OR smuggling", {"mark": "C"}), ("traffick* -smuggling", {"tag": "KTIP"}),
                      ('"human rights"', {})):
        data = search(http, q, **params).json()
        assert data["table_url"], q
        table = http.get(data["table_url"].replace("/paragraphs?", "/paragraphs.json?", 1)
                         + "&_size=0").json()
        assert table["filtered_table_rows_count"] == data["count"] > 0, q
    # OR-ed values of a filter, or fields: the table cannot say the same, so no link
    assert search(http, "trafficking", mark=["C", "SBU"]).json()["table_url"] is None
    assert search(http, "trafficking tag:KTIP").json()["table_url"] is None


def test_an_archive_made_before_this_is_served_without_errors(tmp_path):
    """Served before `cableparse ingest` adds section_key, tag_list, paragraph_facets and the
    exact index: the pages answer (headings as written), and `=word` says what is missing."""
    import asyncio

    import sqlite_utils
    from click.testing import CliRunner
    from datasette.app import Datasette

    from cableparse.cli import cli

    from .conftest import SEED

    path = tmp_path / "archive.db"
    assert CliRunner().invoke(cli, ["ingest", str(SEED), "--db", str(path), "-q"]).exit_code == 0
    db = sqlite_utils.Database(path)
    for statement in ("drop table paragraph_facets", "drop index idx_paragraphs_section_key",
                      "alter table paragraphs drop column section_key", "alter table cables drop column tag_list",
                      "drop table paragraphs_exact_fts"):
        db.execute(statement)
    db.close()

    async def run():
        ds = Datasette([str(path)])
        answers = {}
        for url in ("/-/search?q=trafficking", "/-/search.json?q=trafficking&section=Morocco+Remains+on+the+Right+Path",
                    "/-/search?q=%3Dtrafficked", "/archive/paragraphs", "/archive/cables", "/archive/cables.csv",
                    "/archive/cables/07CASABLANCA42.json"):
            answers[url] = await ds.client.get(url)
        return answers

    answers = asyncio.run(run())
    assert {url: r.status_code for url, r in answers.items()} == {
        "/-/search?q=trafficking": 200,
        "/-/search.json?q=trafficking&section=Morocco+Remains+on+the+Right+Path": 200,
        "/-/search?q=%3Dtrafficked": 400, "/archive/paragraphs": 200, "/archive/cables": 200,
        "/archive/cables.csv": 200, "/archive/cables/07CASABLANCA42.json": 200}
    assert answers["/-/search.json?q=trafficking&section=Morocco+Remains+on+the+Right+Path"].json()["count"] > 0
    assert "no index of exact words" in answers["/-/search?q=%3Dtrafficked"].text


@pytest.mark.parametrize("heading, key", [
    ("V. PREVENTION", "prevention"), ("Prevention", "prevention"), ("IV.PREVENTION", "prevention"),
    ("PREVENTION: NEW OUTREACH EFFORTS REACH THOUSANDS", "prevention"),
    ("INVSTIGATION AND PROSECUTION OF TRAFFICKERS", "prosecution"),
    ("III. INVESTIGATION AND PROSECUTION - CONTINUED", "prosecution"),
    ("IV. PROTECTION AND ASSISTANCE TO VICTIMS", "protection"),
    ("CHILE: THE COUNTRY'S TIP SITUATION", "country situation"), ("TASKING 2/TDA", "task 2 tda"),
    ("(C) KEY POINTS", "key points"), ("COMMENT:", "comment"), ("Comment: Israeli OC", "comment"),
    ("A. AMENDING LAWS TO CRIMINALIZE, PUNISH TIP", "amending laws to criminalize punish tip"),
    ("2D - Child Trafficking", "child trafficking"), ("U.S. POLICY", "us policy"), ("US Policy", "us policy"),
    ("Counter-Terrorism", "counterterrorism"), ("COUNTERTERRORISM", "counterterrorism"),
    ("Iran", "iran"), ("IRAN:", "iran"), (None, None), ("", None),
])
def test_section_keys(heading, key):
    assert section_key(heading) == key
