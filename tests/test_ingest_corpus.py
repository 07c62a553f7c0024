"""All of ../shared/corpus through `cableparse ingest`: nothing lost, metadata exact,
re-ingest a no-op. This is issue 7's acceptance test on real cables."""
import html
import re

import pytest
import sqlite_utils
from click.testing import CliRunner

from cableparse.cli import cli

from .conftest import CORPUS, SEED


def _page_meta(path):
    cells = re.findall(r"<td>\s*<a [^>]*>([^<]*)</a>\s*</td>", path.read_text(encoding="utf-8"))
    return dict(zip(["id", "created", "released", "classification", "origin"], map(html.unescape, cells[:5])))


def _csv_rows():
    text = (CORPUS / "csv" / "wikileaks_aa.csv").read_text(encoding="utf-8")
    starts = re.findall(r'^"(\d+)","(\d+)/(\d+)/(\d{4}) (\d+):(\d\d)","([^"]*)","([^"]*)","([^"]*)"', text, re.M)
    return [{"id": rid, "created": f"{y}-{int(mo):02d}-{int(d):02d} {int(h):02d}:{mi}",
             "origin": origin, "classification": cls}
            for _, mo, d, y, h, mi, rid, origin, cls in starts]


@pytest.fixture(scope="module")
def archive(corpus_archive):
    return corpus_archive


def test_every_input_is_a_cable_or_an_error(archive):
    path, output = archive
    db = sqlite_utils.Database(path)
    pages = sorted((CORPUS / "pages").glob("*.html")) + sorted((CORPUS / "full-pages").glob("*.html"))
    texts = sorted((CORPUS / "text").glob("*.txt"))
    csv_rows = _csv_rows()
    assert (len(pages), len(texts), len(csv_rows)) == (4700, 17, 37)
    versions = {(r["cable_id"], r["source"]) for r in db.query("select cable_id, source from cable_versions")}
    archived_ids = {cid for cid, _ in versions}
    for page in pages:  # recorded from the folder given, never as the absolute path
        assert (page.stem, f"corpus/{page.relative_to(CORPUS)}") in versions
    for text in texts:
        assert text.stem in archived_ids  # ids derived from the text itself
    assert {r["id"] for r in csv_rows} <= archived_ids
    assert {"73STATE97844", "74ATHENS2959", "74ATHENS3099", "07CASABLANCA42"} <= archived_ids
    inputs = len(pages) + len(texts) + len(csv_rows) + 3 + 1
    assert len(versions) == inputs
    # The only inputs that are not cables: the corpus README and the fragment
    # before the first CSV record, both kept whole in ingest_errors.
    errors = list(db.query("select source, line, message, raw from ingest_errors where cable_id is null order by source"))
    assert [(e["source"].split("corpus/")[1], e["line"]) for e in errors] == [("README.md", 1), ("csv/wikileaks_aa.csv", 1)]
    assert errors[0]["raw"] == (CORPUS / "README.md").read_text(encoding="utf-8")
    assert errors[1]["raw"].strip() == '"'
    assert len(errors) / inputs < 0.005
    assert "ingested 4754, unchanged 0, replaced 4, failed 2" in output


def test_page_metadata_is_the_archives_record(archive):
    db = sqlite_utils.Database(archive[0])
    rows = {r["id"]: r for r in db.query(
        "select id, created, released, classification, origin, format from cables")}
    pages = sorted((CORPUS / "pages").glob("*.html")) + sorted((CORPUS / "full-pages").glob("*.html"))
    for page in pages:
        meta = _page_meta(page)
        row = rows[meta["id"]]
        assert {k: row[k] for k in meta if k != "id"} == {k: v for k, v in meta.items() if k != "id"}, page.name


def test_csv_metadata_is_the_archives_record(archive):
    """Each CSV row's version carries the CSV's record; four of these cables are also
    pages, whose (later) record is the current one and may differ (66BUENOSAIRES2481
    was created 18:48 says the CSV, 18:06 says the page)."""
    db = sqlite_utils.Database(archive[0])
    versions = {r["cable_id"]: r for r in db.query(
        "select cable_id, created, origin, classification, current from cable_versions where format = 'csv'")}
    for expected in _csv_rows():
        row = versions[expected["id"]]
        assert (row["created"], row["origin"], row["classification"]) == (
            expected["created"], expected["origin"], expected["classification"]), expected["id"]
    assert sorted(cid for cid, row in versions.items() if not row["current"]) == [
        "66BUENOSAIRES2481", "72TEHRAN1164", "72TEHRAN5055", "75TEHRAN2069"]
    assert db["cables"].get("66BUENOSAIRES2481")["created"] == "1966-12-28 18:06"
    first = db["cables"].get("66BUENOSAIRES2481")
    assert first["subject"] == "EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS"
    assert first["tags"] == '["EFIS", "PBTS", "AR"]'


def test_text_cables_take_their_metadata_from_the_text(archive):
    db = sqlite_utils.Database(archive[0])
    row = db["cables"].get("09USEUBRUSSELS948")
    assert (row["created"], row["origin"], row["classification"], row["from_station"]) == (
        "2009-07-08 15:35", "USEU Brussels", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", "USEU BRUSSELS")
    row = db["cables"].get("06NEWDELHI5237")
    assert (row["created"], row["origin"], row["classification"]) == (
        "2006-07-26 08:35", "Embassy New Delhi", "CONFIDENTIAL")
    assert row["tags"] == ('["KACT", "KNNP", "KSTC", "MNUC", "PARM", "PGOV", "PINR", "PINS", "PREF", '
                           '"PREL", "IN", "IR"]')


def test_seed_rows(archive):
    db = sqlite_utils.Database(archive[0])
    assert db["cables"].get("07CASABLANCA42")["paragraph_count"] == 50
    marks = [(r["number"], r["classification"]) for r in db.query(
        "select number, classification from paragraphs where cable_id = '07CASABLANCA42' and sub is null order by position")]
    assert marks[6] == (7, "U") and marks[13] == (14, None)
    assert [r["heading"] for r in db.query(
        "select heading from sections where cable_id = '07CASABLANCA42' order by position")] == [
        "Morocco Remains on the Right Path", "TIP Hero"]
    assert [(r["role"], r["station"]) for r in db.query(
        "select role, station from recipients where cable_id = '07CASABLANCA42' and position in (1, 2, 32)")] == [
        ("to", "SECSTATE WASHDC"), ("info", "DEPT OF LABOR WASHDC"), ("info", "USEU BRUSSELS")]
    hits = [(r["cable_id"], r["number"], r["sub"]) for r in db.query(
        "select p.cable_id, p.number, p.sub from paragraphs_fts join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match '\"child maids\"' order by p.position")]
    assert hits == [("07CASABLANCA42", 7, "A"), ("07CASABLANCA42", 7, "B"), ("07CASABLANCA42", 8, "B"),
                    ("07CASABLANCA42", 8, "C"), ("07CASABLANCA42", 8, "G"), ("07CASABLANCA42", 9, "G"),
                    ("07CASABLANCA42", 10, "A"), ("07CASABLANCA42", 10, "B"), ("07CASABLANCA42", 10, "C"),
                    ("07CASABLANCA42", 10, "I"), ("07CASABLANCA42", 10, "I"), ("07CASABLANCA42", 11, None)]


def test_reingest_changes_nothing(archive, tmp_path):
    path = archive[0]
    db = sqlite_utils.Database(path)
    before = {t: db[t].count for t in db.table_names()}
    result = CliRunner().invoke(cli, ["ingest", str(CORPUS), str(SEED), "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "ingested 0, unchanged 4758, replaced 0, failed 2" in result.output
    db = sqlite_utils.Database(path)
    assert {t: db[t].count for t in db.table_names()} == before
