"""The published site, driven over HTTP: `cableparse serve` on 127.0.0.1 over the real corpus.

Expected numbers are computed with SQL on the same archive, and a few are
pinned as literals checked by hand (KTIP is on 41 cables of ../shared/corpus
and the seed page). One extra cable written here carries markup in its text,
to show that cable text is escaped everywhere it is shown.
"""
from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from markupsafe import escape

from cableparse.archive import tagdict
from cableparse.cli import datasette_args
from cableparse.site.settings import SETTINGS

from .conftest import CORPUS, SHARED
from .live import serve, stop

SCRIPT_CABLE = """R 011200Z JAN 09
FM AMEMBASSY ATLANTIS
TO SECSTATE WASHDC PRIORITY 0001
BT
UNCLAS ATLANTIS 000099

E.O. 12958: N/A
TAGS: PREL XX
SUBJECT: MARKUP <script>alert("subject")</script>

REF: 85 BEIRUT 1013

1. (U) A paragraph with <script>alert("xss")</script> in it.

2. (C) Second paragraph, S&ED; here.
"""
SCRIPT_ID = "09ATLANTIS99"

_SITE: dict = {}  # one archive and server for this module and test_browser.py


def start_site(tmp_dir: Path) -> dict:
    """Ingest the corpus (and the markup cable) and serve it; reused once started."""
    if _SITE:
        return _SITE
    script = tmp_dir / "markup.txt"
    script.write_text(SCRIPT_CABLE, encoding="utf-8")
    db_path = tmp_dir / "site.db"
    subprocess.run(
        [sys.executable, "-m", "cableparse", "ingest", str(CORPUS), str(SHARED / "seeds"),
         str(script), "--db", str(db_path), "-q"], check=True)
    proc, base = serve(db_path, tmp_dir / "serve.log")
    _SITE.update(base=base, db=db_path, proc=proc, name="site")
    return _SITE


def stop_site() -> None:
    stop(_SITE.get("proc"), timeout=30)
    _SITE.clear()


@pytest.fixture(scope="session")
def site(shared, tmp_path_factory):
    yield start_site(tmp_path_factory.mktemp("site"))
    stop_site()


@pytest.fixture(scope="session")
def http(site):
    with httpx.Client(base_url=site["base"], timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def sql(site):
    conn = sqlite3.connect(f"file:{site['db']}?mode=ro", uri=True)

    def run(query, params=()):
        return conn.execute(query, params).fetchall()

    yield run
    conn.close()


def facet(data: dict, name: str) -> dict:
    """{value: count} of one facet in a Datasette table JSON answer."""
    for result in data["facet_results"].values():
        if result["name"] == name:
            return {r["value"]: r["count"] for r in result["results"]}
    raise AssertionError(f"no facet {name}: {list(data['facet_results'])}, "
                         f"timed out: {data.get('facets_timed_out')}")


# --- the command line ------------------------------------------------------------------

def test_serve_command_carries_the_site_configuration():
    """Only the settings: templates, metadata and hooks come from the plugin's entry point."""
    args = datasette_args("a.db", port=9000, immutable=True)
    assert args[args.index("-i") + 1] == "a.db"
    assert not {"--template-dir", "--plugins-dir", "--metadata"} & set(args)
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert settings == SETTINGS
    assert settings["suggest_facets"] == "off"


def test_immutable_serving_counts_rows_once(tmp_path):
    """`serve --immutable` gives Datasette an inspect file made from the archive."""
    import json
    import os

    import sqlite_utils

    from cableparse.archive import ingest
    from cableparse.cli import inspect_file_for
    from cableparse.readers import iter_inputs

    from .conftest import SEED

    db_path = str(tmp_path / "a.db")
    db = sqlite_utils.Database(db_path)
    ingest(db, iter_inputs([str(SEED)]))
    db.close()
    path = inspect_file_for(db_path)
    counts = json.loads(open(path).read())["a"]["tables"]
    assert counts["cables"]["count"] == 1 and counts["paragraphs"]["count"] == 50
    os.utime(path, (1, 1))  # older than the archive: made again
    assert inspect_file_for(db_path) == path and os.path.getmtime(path) > 1
    args = datasette_args(db_path, immutable=True, inspect_file=path)
    assert args[args.index("--inspect-file") + 1] == path


# --- facets ----------------------------------------------------------------------------

def test_tag_facet_counts_equal_sql_counts(http, sql):
    data = http.get("/site/cables.json", params={"_size": 0, "_facet_size": "max"}).json()
    tags = facet(data, "tag")
    for tag, literal in (("KTIP", 41), ("SMIG", 75)):
        (expected,), = sql("select count(distinct cable_id) from cable_tags where tag = ?", [tag])
        assert tags[tag] == expected == literal


def test_selecting_a_tag_keeps_its_cables_and_counts_the_others(http, sql):
    data = http.get("/site/cables.json", params={"_tag": "KTIP", "_size": 1000,
                                             "_shape": "objects"}).json()
    (expected,), = sql("select count(*) from cable_tags where tag = 'KTIP'")
    assert data["filtered_table_rows_count"] == expected == 41
    assert all('"KTIP"' in row["tags"] for row in data["rows"])
    (both,), = sql("select count(*) from cable_tags a join cable_tags b using (cable_id) "
                   "where a.tag = 'KTIP' and b.tag = 'SMIG'")
    assert facet(data, "tag")["SMIG"] == both
    origins = dict(sql("select c.origin, count(*) from cables c join cable_tags t "
                       "on t.cable_id = c.id and t.tag = 'KTIP' group by c.origin"))
    shown = facet(data, "origin")
    assert shown and all(origins[origin] == count for origin, count in shown.items())


def test_any_of_several_tags_origin_and_years(http, sql):
    params = {"_any_tag": "KTIP,SMIG", "origin__in": "Embassy Rabat,Consulate Casablanca",
              "year__gte": 2005, "year__lte": 2010, "_size": 1000, "_shape": "objects"}
    data = http.get("/site/cables.json", params=params).json()
    expected = {r[0] for r in sql(
        "select distinct c.id from cables c join cable_tags t on t.cable_id = c.id "
        "where t.tag in ('KTIP', 'SMIG') and c.origin in ('Embassy Rabat', 'Consulate Casablanca') "
        "and c.year between 2005 and 2010")}
    assert {r["id"] for r in data["rows"]} == expected
    assert "07CASABLANCA42" in expected


def test_cable_tags_table_facets_by_tag(http, sql):
    data = http.get("/site/cable_tags.json", params={"tag": "SMIG", "_size": 0}).json()
    assert data["filtered_table_rows_count"] == 75
    (expected,), = sql("select count(*) from cable_tags where tag = 'SMIG' and year = 2009")
    assert facet(data, "year")[2009] == expected


def test_paragraph_facets_by_mark_section_and_the_cables_tags_and_origin(http, sql):
    data = http.get("/site/paragraphs.json", params={"_search": "trafficking", "_size": 0,
                                                     "_facet_size": "max"}).json()
    match = ("select p.rowid, p.cable_id, p.classification, p.section from paragraphs p "
             "where p.rowid in (select rowid from paragraphs_fts where paragraphs_fts match "
             "'\"trafficking\"')")
    assert data["filtered_table_rows_count"] == sql(f"select count(*) from ({match})")[0][0]
    assert facet(data, "classification") == dict(sql(
        f"select classification, count(*) from ({match}) where classification is not null "
        "group by 1"))
    assert facet(data, "cable tag")["KTIP"] == sql(
        f"select count(*) from ({match}) m join cable_tags t on t.cable_id = m.cable_id "
        "and t.tag = 'KTIP'")[0][0]
    assert facet(data, "cable origin")["Consulate Casablanca"] == sql(
        f"select count(*) from ({match}) m join cables c on c.id = m.cable_id "
        "where c.origin = 'Consulate Casablanca'")[0][0]
    sections = facet(data, "section")  # by normalised section (section_key)
    assert sections["morocco remains on the right path"] == sql(
        f"select count(*) from ({match}) where section = 'Morocco Remains on the Right Path'")[0][0]


def test_paragraph_facets_without_a_filter_use_the_stored_counts(http, sql):
    data = http.get("/site/paragraphs.json", params={"_size": 0}).json()
    assert facet(data, "cable tag")["PREL"] == sql(
        "select count(*) from paragraphs p join cable_tags t on t.cable_id = p.cable_id "
        "and t.tag = 'PREL'")[0][0]
    assert facet(data, "cable origin")["Embassy Cairo"] == sql(
        "select count(*) from paragraphs p join cables c on c.id = p.cable_id "
        "where c.origin = 'Embassy Cairo'")[0][0]


def test_filtering_paragraphs_by_the_cables_tag(http, sql):
    data = http.get("/site/paragraphs.json",
                    params={"_tag": "SMIG", "_cable_origin": "Consulate Casablanca",
                            "_size": 0}).json()
    assert data["filtered_table_rows_count"] == sql(
        "select count(*) from paragraphs p join cables c on c.id = p.cable_id "
        "join cable_tags t on t.cable_id = p.cable_id and t.tag = 'SMIG' "
        "where c.origin = 'Consulate Casablanca'")[0][0] > 0


# --- full-text search ------------------------------------------------------------------

def _hits(page: str) -> list[tuple[str, int]]:
    return [(cid, int(pos)) for cid, pos in
            re.findall(r'<a href="/site/cables/([^"#]+)#pos(\d+)"><strong>', page)]


def test_search_page_returns_the_matching_paragraphs_best_first(http, sql):
    page = http.get("/-/search", params={"q": '"child maids"'}).text
    expected = sql(
        "select p.cable_id, p.position from paragraphs_fts join paragraphs p "
        "on p.rowid = paragraphs_fts.rowid where paragraphs_fts match '\"child maids\"' "
        "order by rank")
    assert _hits(page) == [tuple(r) for r in expected]
    assert len(expected) == 12
    assert "<strong>12</strong> paragraphs match" in page
    assert "<mark>child maids</mark>" in page


def test_search_facets_narrow_the_results(http, sql):
    page = http.get("/-/search", params={"q": "trafficking", "mark": "C", "tag": "KTIP"}).text
    expected = sql(
        "select count(*) from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match 'trafficking' and p.classification = 'C' "
        "and p.cable_id in (select cable_id from cable_tags where tag = 'KTIP')")[0][0]
    assert f"<strong>{expected:,}</strong> paragraph" in page
    assert expected > 0
    # the facet list offers the other marks with their counts, as links
    s_count = sql(
        "select count(*) from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match 'trafficking' and p.classification = 'S' "
        "and p.cable_id in (select cable_id from cable_tags where tag = 'KTIP')")[0][0]
    if s_count:
        assert re.search(rf'mark=S">S</a> {s_count:,}</li>', page)


def test_ranked_search_canned_query_highlights(http, sql):
    data = http.get("/site/search_paragraphs.json",
                    params={"q": "child maids", "mark": "", "_shape": "objects"}).json()
    rows = data["rows"]
    expected = sql(
        "select p.cable_id, p.number, p.sub from paragraphs_fts join paragraphs p "
        "on p.rowid = paragraphs_fts.rowid where paragraphs_fts match '\"child\" \"maids\"' "
        "order by rank limit 100")
    assert [(r["cable_id"], r["number"], r["sub"]) for r in rows] == [tuple(e) for e in expected]
    assert "\u27e6child\u27e7" in rows[0]["snippet"]
    page = http.get("/site/search_paragraphs", params={"q": "child maids", "mark": ""}).text
    assert "<mark>child</mark>" in page


# --- the cable page --------------------------------------------------------------------

def _paragraph(page: str, anchor: str) -> str:
    found = re.search(rf'<div class="para[^"]*" id="{anchor}">(.*?)</div>', page, re.S)
    assert found, f"no paragraph #{anchor}"
    return found.group(1)


def test_cable_page_shows_paragraph_7_with_its_mark(http, sql):
    page = http.get("/site/cables/07CASABLANCA42").text
    para = _paragraph(page, "p7")
    (mark, text), = sql("select classification, text from paragraphs "
                        "where cable_id = '07CASABLANCA42' and number = 7 and sub is null")
    assert mark == "U"
    assert '<a class="para-num" href="#p7"' in para and "¶7<" in para
    assert f'<span class="mark">({mark})</span>' in para
    assert str(escape(text)) in para
    assert "Overview of Morocco&#39;s activities to combat trafficking" in para
    # in cable order, subparagraphs after it, each with its own address
    order = [m for m in re.findall(r'<div class="para[^"]*" id="([^"]+)"', page)]
    assert order[6:10] == ["p7", "p7a", "p7b", "p7c"]
    (count,), = sql("select count(*) from paragraphs where cable_id = '07CASABLANCA42'")
    assert len(order) == len(set(order)) == count  # 10.I occurs twice: still unique


def test_cable_page_header_recipients_tags_and_references(http):
    page = http.get("/site/cables/07CASABLANCA42").text
    assert "<h1>07CASABLANCA42: MOROCCO: ANNUAL TRAFFICKING IN PERSONS REPORT</h1>" in page
    assert "<dt>Date-time group</dt><dd>071652Z MAR 07</dd>" in page
    assert "<strong>TO</strong> SECSTATE WASHDC (PRIORITY)" in page
    assert '<a href="/site/cables?_tag=KTIP">' not in page  # it is not tagged KTIP
    assert '<a href="/site/cables?_tag=SMIG">SMIG</a> Social Affairs--Migration' in page
    assert '<a href="/site/cables?_tag=MO">MO</a> Morocco' in page
    assert "(06STATE202745, not in this archive)" in page
    assert '<h3 class="section">Morocco Remains on the Right Path</h3>' in page


def test_references_link_to_cables_in_the_archive(http, sql):
    page = http.get("/site/cables/85BEIRUT1351").text
    assert '<a href="/site/cables/85BEIRUT1013">BEIRUT 1013</a>' in page
    cited = http.get("/site/cables/85BEIRUT1013").text
    assert 'id="cited-by"' in cited and 'href="/site/cables/85BEIRUT1351"' in cited
    data = http.get("/site/cables_citing.json", params={"cable": "85BEIRUT1013",
                                                        "_shape": "objects"}).json()
    expected = {r[0] for r in sql("select cable_id from refs where target_id = '85BEIRUT1013'")}
    assert {r["citing_cable"] for r in data["rows"]} == expected
    assert {"85BEIRUT1351", SCRIPT_ID} <= expected


def test_cable_text_is_escaped_everywhere(http):
    pages = [
        http.get(f"/site/cables/{SCRIPT_ID}").text,
        http.get("/-/search", params={"q": "xss"}).text,
        http.get("/site/paragraphs", params={"cable_id": SCRIPT_ID}).text,
        http.get("/site/cables", params={"_search": "markup"}).text,
    ]
    for page in pages:
        assert "<script>alert(" not in page
        assert "&lt;script&gt;alert(" in page
    real = http.get("/site/cables/08STATE43817").text  # a cable quoting <<Israel>>
    assert "&lt;&lt;Israel&gt;&gt;" in real and "<<Israel>>" not in real


# --- tags, home page, queries, limits --------------------------------------------------

def test_tags_table_has_kind_and_description(http, sql):
    for code, kind, description in [
        ("KTIP", "subject", "Trafficking in Persons"),
        ("SMIG", "subject", "Social Affairs--Migration"),
        ("MO", "country", "Morocco"),
        ("IZ", "country", "Iraq"),
        ("NATO", "organisation", "North Atlantic Treaty Organization"),
    ]:
        row = http.get(f"/site/tags/{code}.json", params={"_shape": "objects"}).json()["rows"][0]
        assert (row["kind"], row["description"]) == (kind, description)
    # every row described exactly when the dictionary or the FIPS list knows its code
    # (data/tags.csv has codes with a kind and no description yet: the X and Z regions)
    wrong = [(code, kind, description) for code, kind, description in sql("select code, kind, description from tags")
             if (kind, description) != tagdict.describe(code)]
    assert wrong == []


def _words(text: str) -> set[str]:
    stop = {"affairs", "and", "the", "of", "for", "in", "with", "on"}
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in stop}


def test_tag_dictionary_agrees_with_plusd_top_tags():
    """The most used codes of WikiLeaks' PlusD library: known, of the right kind, same meaning."""
    path = SHARED / "reference" / "plusd-top-tags.tsv"
    if not path.exists():
        pytest.fail(f"{path} not found: the tests read ../shared beside the checkout")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) == 99  # the file's header line counts as its hundredth
    disagree = []
    for row in rows:
        code, theirs = row["tag"], row["plusd_description"]
        kind, ours = tagdict.describe(code)
        assert kind in tagdict.KINDS, code
        if len(code) == 2 and code != "UN":
            assert kind == "country", code
        if theirs:
            shared = _words(ours or "") & _words(theirs)
            if len(shared) * 2 < min(len(_words(ours or "")), len(_words(theirs))) or not shared:
                disagree.append((code, ours, theirs))
    assert disagree == []
    assert tagdict.describe("SF") == ("country", "South Africa")  # FIPS, not ISO (Suriname)
    assert tagdict.describe("UK") == ("country", "United Kingdom")


def test_home_page_says_what_the_archive_holds(http, sql):
    page = http.get("/").text
    (cables,), = sql("select count(*) from cables")
    (paragraphs,), = sql("select count(*) from paragraphs")
    assert f"<strong>{cables:,} cables</strong>" in page
    assert f"{paragraphs:,} paragraphs" in page
    assert 'action="/-/search"' in page
    for link in ("/site/cables", "/site/paragraphs", "/site/tags", "/site/cables_by_tag_over_time"):
        assert f'href="{link}' in page


def test_canned_queries(http, sql):
    rows = http.get("/site/cables_by_tag_over_time.json",
                    params={"tag": "ktip", "_shape": "array"}).json()
    assert [(r["year"], r["cables"]) for r in rows] == [tuple(r) for r in sql(
        "select year, count(*) from cable_tags where tag = 'KTIP' group by year order by year")]
    assert sum(r["cables"] for r in rows) == 41
    rows = http.get("/site/paragraphs_by_mark.json",
                    params={"mark": "S//NF", "_shape": "array"}).json()
    assert len(rows) == sql("select count(*) from paragraphs where classification = 'S//NF'")[0][0]
    rows = http.get("/site/cables_by_tags.json", params={
        "tags": "KTIP, smig", "origin": "Casablanca", "from_year": "2005", "to_year": "2010",
        "_shape": "array"}).json()
    assert {r["cable_id"] for r in rows} == {r[0] for r in sql(
        "select distinct c.id from cables c join cable_tags t on t.cable_id = c.id "
        "where t.tag in ('KTIP', 'SMIG') and c.origin like '%Casablanca%' "
        "and c.year between 2005 and 2010")}


def test_read_only_with_time_limits(http):
    settings = http.get("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == int(SETTINGS["sql_time_limit_ms"])
    assert settings["suggest_facets"] is False
    denied = http.get("/site.json", params={"sql": "delete from tags"})
    assert denied.status_code == 400
    assert "SELECT" in denied.json()["error"]
    slow = http.get("/site.json", params={
        "_timelimit": 10,
        "sql": "with recursive n(i) as (select 1 union all select i + 1 from n) "
               "select count(*) from n"})
    assert slow.status_code == 400 and "too long" in slow.json()["error"]
    # writes are refused plainly (Datasette itself answers a table POST with a 500)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        refused = http.request(method, "/site/tags", data={"code": "ZZZZ"})
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert http.get("/site/tags/ZZZZ.json").status_code == 404
    assert http.get("/site.db").status_code == 403  # no download of the whole file


def test_search_page_in_the_menu_and_labels(http):
    page = http.get("/site/cables").text
    assert 'href="/-/search">Search the cables</a>' in page
    assert "One row per cable." in page
    page = http.get("/site/paragraphs").text
    assert "cable tag" in page and "cable origin" in page
