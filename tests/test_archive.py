"""Archive writing: idempotence, replacement, errors, FTS, tags, sections, CLI.

The tests use a tiny fake parser (archive.ingest takes `parse` as a
parameter), so they pin the archive's behaviour independently of the grammar.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

import pytest
import sqlite_utils
from click.testing import CliRunner

from cableparse.archive import ingest, schema
from cableparse.archive.rawtext import unpack, unpack_row
from cableparse.cli import cli, datasette_args
from cableparse.model import (
    Cable,
    Metadata,
    Paragraph,
    ParseProblem,
    RawCable,
    Recipient,
    Reference,
)


@dataclass
class FakeInputError:  # the shape of cableparse.sources.InputError
    source: str
    line: Optional[int]
    column: Optional[int]
    message: str
    raw: str
    format: str


def fake_parse(raw: RawCable) -> Cable:
    """Header lines `KEY: value`; body: `HEADING:` lines, `N. (C) text` paragraphs."""
    fields = dict(
        line.split(": ", 1) for line in raw.header.splitlines() if ": " in line
    )
    if "BOOM" in raw.body:
        raise ValueError("fake parser exploded")
    cable = Cable(
        id=fields.get("ID"),
        created=fields.get("CREATED"),
        origin=fields.get("ORIGIN"),
        classification=fields.get("CLASSIFICATION"),
        subject=fields.get("SUBJECT"),
        tags=fields.get("TAGS", "").split(),
        header=raw.header,
        body=raw.body,
        source=raw.source,
        source_line=raw.line,
        format=raw.format,
    )
    for i, station in enumerate(fields.get("TO", "").split(), 1):
        cable.recipients.append(Recipient(role="to", station=station, position=i))
    for i, ref in enumerate(fields.get("REF", "").split(), 1):
        cable.refs.append(Reference(position=i, label=chr(64 + i), raw=ref, target_id=ref))
    section = None
    for n, line in enumerate(raw.body.splitlines(), 1):
        if m := re.fullmatch(r"(\d+)\. \((\w+)\) (.*)", line):
            cable.paragraphs.append(Paragraph(
                position=len(cable.paragraphs) + 1, number=int(m[1]), sub=None,
                classification=m[2], section=section, text=m[3], line=n,
            ))
        elif re.fullmatch(r"[A-Z ]+:", line):
            section = line[:-1]
        elif line.startswith("??"):
            cable.problems.append(ParseProblem("body", n, 1, "unexpected text"))
    return cable


def raw_cable(id, body, tags="PHUM KTIP", source="cables.txt", line=1, created="2007-03-07 16:52",
              origin="Consulate Casablanca", refs="", meta=None):
    header = "\n".join([
        f"ID: {id}" if id else "NO ID HERE",
        f"CREATED: {created}",
        f"ORIGIN: {origin}",
        "CLASSIFICATION: UNCLASSIFIED",
        f"SUBJECT: subject of {id}",
        f"TAGS: {tags}",
        "TO: RUEHC RUEHRB",
        f"REF: {refs}",
    ])
    return RawCable(source=source, line=line, format="text", raw=f"{header}\n\n{body}",
                    header=header, body=body, meta=meta or Metadata())


BODY_A = """SUMMARY:
1. (U) Morocco is a source country for maids and child labour.
2. (SBU) Second summary paragraph.
PREVENTION:
3. (U) Prevention efforts continued.
4. (U) More prevention."""

# A different cable text, not a cut copy of BODY_A: more than half its length (a far
# shorter text with fewer paragraphs is taken for a damaged copy and not shown).
BODY_B = """1. (U) Text about visas.
2. (C) Something else entirely.
Closing lines of the visa section: interviews, waiting times, fees."""


def counts(db) -> dict[str, int]:
    return {name: db[name].count for name in schema.TABLES}


@pytest.fixture
def db(tmp_path):
    database = sqlite_utils.Database(tmp_path / "archive.db")
    yield database
    database.close()


def test_ingest_writes_every_table(db):
    summary = ingest(db, [raw_cable("07CASABLANCA42", BODY_A, refs="06STATE1"),
                          raw_cable("07RABAT1", BODY_B, tags="CVIS PHUM")],
                     parse=fake_parse)
    assert (summary.ingested, summary.unchanged, summary.replaced, summary.failed) == (2, 0, 0, 0)
    row = unpack_row(db["cables"].get("07CASABLANCA42"))
    assert row["year"] == 2007
    assert json.loads(row["tags"]) == ["PHUM", "KTIP"]
    assert row["paragraph_count"] == 4
    assert row["header"].startswith("ID: 07CASABLANCA42")  # as text (rawtext.unpack_row)
    assert row["body"] == BODY_A
    stored = db.execute("select typeof(header), typeof(body), cable_text(body) from cables "
                        "where id = '07CASABLANCA42'").fetchone()
    assert stored == ("blob", "blob", BODY_A)  # kept compressed, read back by cable_text()
    assert db.execute("select body from cable_texts where cable_id = '07CASABLANCA42'").fetchone() == (BODY_A,)
    assert row["content_hash"] == fake_parse(
        raw_cable("07CASABLANCA42", BODY_A, refs="06STATE1")).content_hash
    assert row["parse_problems"] == 0
    assert counts(db) == {
        "cables": 2, "cable_tags": 4, "tags": 3, "recipients": 4, "refs": 1,
        "sections": 2, "paragraphs": 6, "ingest_errors": 0, "cable_versions": 2, "offices": 0,
        # derived: ingest builds posts (the origin, placed, and the two fake stations, which
        # name no place and so are also unknown); version_diffs needs version pairs
        "posts": 3, "stations": 2, "unknown_stations": 2, "version_diffs": 0,
        "ingest_state": 1,  # what the derived tables were built for
        "paragraph_facets": 5,  # the search page's unfiltered mark and section counts
    }
    assert db["refs"].get(("07CASABLANCA42", 1))["target_id"] == "06STATE1"
    assert db.journal_mode == "wal"


def test_reingest_is_a_no_op(db):
    items = [raw_cable("07CASABLANCA42", BODY_A), raw_cable("07RABAT1", BODY_B + "\n?? junk"),
             FakeInputError("missing.txt", None, None, "No such file", "", "text"),
             raw_cable(None, "1. (U) orphan")]
    first = ingest(db, items, parse=fake_parse)
    before = counts(db)
    errors_before = list(db.query("select * from ingest_errors order by id"))
    second = ingest(db, items, parse=fake_parse)
    assert (first.ingested, first.failed, first.problems) == (2, 2, 1)
    assert (second.ingested, second.unchanged, second.replaced, second.failed) == (0, 2, 0, 2)
    assert second.problems == 0
    assert counts(db) == before
    assert before["ingest_errors"] == 3
    assert list(db.query("select * from ingest_errors order by id")) == errors_before


def test_derived_tables_are_rebuilt_only_when_the_cables_changed(db, monkeypatch):
    """Posts and tag descriptions take ~30 s on the full release: an ingest that
    changed nothing skips them, and one killed before them leaves no stale tables."""
    import cableparse.archive.derived

    builds = []
    real = cableparse.archive.derived.build_posts
    monkeypatch.setattr(cableparse.archive.derived, "build_posts", lambda d: builds.append(1) or real(d))
    ingest(db, [raw_cable("07A1", BODY_A)], parse=fake_parse)
    ingest(db, [raw_cable("07A1", BODY_A)], parse=fake_parse)  # unchanged
    assert len(builds) == 1
    ingest(db, [raw_cable("07A1", BODY_A + "\n3. (U) new")], parse=fake_parse)  # replaced
    assert len(builds) == 2
    assert db["cable_tags"].count == 2 and db["tags"].get("KTIP")["cables"] == 1
    # an ingest killed after its last batch: cables written, derived tables not
    db.execute("delete from ingest_state")
    db.execute("delete from tags")
    ingest(db, [raw_cable("07A1", BODY_A + "\n3. (U) new")], parse=fake_parse)  # all unchanged
    assert len(builds) == 3
    assert db["tags"].get("KTIP")["cables"] == 1


def test_reingest_does_not_parse_archived_text(db):
    calls = []

    def counting_parse(raw):
        calls.append(raw.body)
        return fake_parse(raw)

    ingest(db, [raw_cable("07A1", BODY_A), raw_cable("07A2", BODY_B)], parse=counting_parse)
    calls.clear()
    summary = ingest(db, [raw_cable("07A1", BODY_A), raw_cable("07A2", BODY_B + "\n3. (U) new")],
                     parse=counting_parse)
    assert (summary.unchanged, summary.replaced) == (1, 1)
    assert calls == [BODY_B + "\n3. (U) new"]
    # --force parses and rewrites everything, counting rewrites as replaced.
    calls.clear()
    forced = ingest(db, [raw_cable("07A1", BODY_A)], parse=counting_parse, force=True)
    assert (forced.unchanged, forced.replaced) == (0, 1)
    assert calls == [BODY_A]


def test_two_texts_of_one_cable_are_both_kept_and_reingest_is_a_no_op(db):
    """Like two undated texts of the same cable (no release date: the last ingested is shown):
    a text already archived is unchanged, and no text is lost."""
    ingest(db, [raw_cable("07A1", BODY_A)], parse=fake_parse)
    summary = ingest(db, [raw_cable("07A1", BODY_B), raw_cable("07A1", BODY_A)], parse=fake_parse)
    assert (summary.unchanged, summary.replaced) == (1, 1)
    assert unpack(db["cables"].get("07A1")["body"]) == BODY_B
    versions = {(r["current"], unpack(r["body"])) for r in db.query(
        "select current, body from cable_versions where cable_id = '07A1'")}
    assert versions == {(1, None), (0, BODY_A)}  # the current text lives in cables.body
    again = ingest(db, [raw_cable("07A1", BODY_A), raw_cable("07A1", BODY_B)], parse=fake_parse)
    assert (again.unchanged, again.replaced, again.ingested) == (2, 0, 0)
    assert unpack(db["cables"].get("07A1")["body"]) == BODY_B
    assert db["cable_versions"].count == 2


def test_two_new_texts_in_one_batch_keep_the_first_as_a_version(db):
    summary = ingest(db, [raw_cable("07A1", BODY_A), raw_cable("07A1", BODY_B)], parse=fake_parse)
    assert (summary.ingested, summary.replaced) == (1, 1)
    assert unpack(db["cables"].get("07A1")["body"]) == BODY_B
    assert [unpack(r["body"]) for r in db.query("select body from cable_versions where current = 0")] == [BODY_A]


def test_changed_text_replaces_child_rows(db):
    ingest(db, [raw_cable("07CASABLANCA42", BODY_A + "\n?? junk")], parse=fake_parse)
    assert db["ingest_errors"].count == 1
    summary = ingest(db, [raw_cable("07CASABLANCA42", BODY_B, tags="CVIS")], parse=fake_parse)
    assert (summary.ingested, summary.unchanged, summary.replaced) == (0, 0, 1)
    assert [r["text"] for r in db.query("select text from paragraphs order by position")] == [
        "Text about visas.", "Something else entirely."]
    assert [r["tag"] for r in db.query("select tag from cable_tags")] == ["CVIS"]
    assert db["sections"].count == 0
    assert db["ingest_errors"].count == 0
    assert db["cables"].get("07CASABLANCA42")["parse_problems"] == 0
    # Tag counts follow: PHUM/KTIP are gone, CVIS has one cable.
    assert list(db.query("select code, cables from tags order by code")) == [
        {"code": "CVIS", "cables": 1}]
    # FTS triggers removed the old paragraph text.
    assert list(db.query("select rowid from paragraphs_fts where paragraphs_fts match 'maids'")) == []
    hits = list(db.query("select text from paragraphs_fts where paragraphs_fts match 'visas'"))
    assert hits == [{"text": "Text about visas."}]


def test_same_id_twice_in_one_batch_later_wins(db):
    summary = ingest(db, [raw_cable("07X1", BODY_A), raw_cable("07X1", BODY_B)], parse=fake_parse)
    assert (summary.ingested, summary.replaced) == (1, 1)
    assert unpack(db["cables"].get("07X1")["body"]) == BODY_B
    assert db["paragraphs"].count == 2


def test_input_errors_keep_raw_text(db):
    err = FakeInputError("bad.csv", 17, 4, "unterminated quote", '"07X1,"broken', "csv")
    summary = ingest(db, [err], parse=fake_parse)
    assert summary.failed == 1
    assert summary.failures == ["bad.csv:17: unterminated quote"]
    row = list(db.query("select * from ingest_errors"))[0]
    assert (row["source"], row["line"], row["column"], row["message"], row["raw"], row["format"],
            row["cable_id"], row["part"]) == (
        "bad.csv", 17, 4, "unterminated quote", '"07X1,"broken', "csv", None, "input")


def test_cable_without_id_is_recorded_with_its_raw_text(db):
    raw = raw_cable(None, BODY_B, source="odd.txt", line=5)
    summary = ingest(db, [raw], parse=fake_parse)
    assert (summary.ingested, summary.failed) == (0, 1)
    row = list(db.query("select * from ingest_errors"))[0]
    assert row["message"].startswith("could not find a reference id")
    assert (row["raw"], row["source"], row["line"], row["part"]) == (raw.raw, "odd.txt", 5, "input")
    assert db["cables"].count == 0


def test_parse_exception_is_recorded_and_batch_continues(db):
    items = [raw_cable("07A1", BODY_A), raw_cable("07A2", "BOOM"), raw_cable("07A3", BODY_B)]
    summary = ingest(db, items, parse=fake_parse, batch_size=10)
    assert (summary.ingested, summary.failed) == (2, 1)
    assert [r["id"] for r in db.query("select id from cables order by id")] == ["07A1", "07A3"]
    row = list(db.query("select message, raw from ingest_errors"))[0]
    assert row == {"message": "parse failed: ValueError: fake parser exploded",
                   "raw": items[1].raw}


def test_error_goes_away_when_the_input_later_parses(db):
    raw = raw_cable("07A2", "BOOM", source="x.txt", line=3)
    assert ingest(db, [raw], parse=fake_parse).failed == 1
    assert db["ingest_errors"].count == 1
    fixed = ingest(db, [raw], parse=lambda r: fake_parse(RawCable(
        r.source, r.line, r.format, r.raw, r.header, "1. (U) fixed")))
    assert fixed.ingested == 1
    assert db["ingest_errors"].count == 0


def test_crash_keeps_committed_batches(db):
    def items():
        yield raw_cable("07A1", BODY_A)
        yield raw_cable("07A2", BODY_B)
        yield raw_cable("07A3", BODY_B)
        raise KeyboardInterrupt  # the reader dies mid-batch

    with pytest.raises(KeyboardInterrupt):
        ingest(db, items(), parse=fake_parse, batch_size=2)
    assert [r["id"] for r in db.query("select id from cables order by id")] == ["07A1", "07A2"]
    # The next run picks up where it left off and builds FTS then.
    summary = ingest(db, [raw_cable("07A1", BODY_A), raw_cable("07A3", BODY_B)], parse=fake_parse)
    assert (summary.ingested, summary.unchanged) == (1, 1)
    assert db["paragraphs_fts"].exists()


def test_parse_problems_become_error_rows(db):
    summary = ingest(db, [raw_cable("07P1", "?? what\n1. (U) ok\n?? again")], parse=fake_parse)
    assert summary.problems == 2
    assert db["cables"].get("07P1")["parse_problems"] == 2
    rows = list(db.query("select cable_id, part, line, raw, message from ingest_errors order by line"))
    assert rows == [
        {"cable_id": "07P1", "part": "body", "line": 1, "raw": "?? what", "message": "unexpected text"},
        {"cable_id": "07P1", "part": "body", "line": 3, "raw": "?? again", "message": "unexpected text"},
    ]


def test_full_text_search_finds_the_paragraph(db):
    ingest(db, [raw_cable("07CASABLANCA42", BODY_A), raw_cable("07RABAT1", BODY_B)], parse=fake_parse)
    rows = list(db.query(
        "select paragraphs.cable_id, paragraphs.number from paragraphs_fts "
        "join paragraphs on paragraphs.rowid = paragraphs_fts.rowid "
        "where paragraphs_fts match 'maids'"))
    assert rows == [{"cable_id": "07CASABLANCA42", "number": 1}]
    # Later ingests are kept in sync by triggers.
    ingest(db, [raw_cable("07RABAT2", "1. (U) More maids here.")], parse=fake_parse)
    assert db.execute(
        "select count(*) from paragraphs_fts where paragraphs_fts match 'maids'").fetchone()[0] == 2
    assert [r["rowid"] for r in db.query(
        "select rowid from cables_fts where cables_fts match ?", ['"07RABAT2"'])] == [
        db.execute("select rowid from cables where id = '07RABAT2'").fetchone()[0]]


def test_cable_tags_carry_cable_columns(db):
    ingest(db, [raw_cable("07CASABLANCA42", BODY_A, tags="PHUM KTIP PHUM"),
                raw_cable("05RABAT9", BODY_B, tags="PHUM", created="2005-01-02 03:04",
                          origin="Embassy Rabat")], parse=fake_parse)
    rows = list(db.query(
        "select cable_id, tag, position, origin, year, classification from cable_tags "
        "order by cable_id, position"))
    assert rows == [
        {"cable_id": "05RABAT9", "tag": "PHUM", "position": 1, "origin": "Embassy Rabat",
         "year": 2005, "classification": "UNCLASSIFIED"},
        {"cable_id": "07CASABLANCA42", "tag": "PHUM", "position": 1,
         "origin": "Consulate Casablanca", "year": 2007, "classification": "UNCLASSIFIED"},
        {"cable_id": "07CASABLANCA42", "tag": "KTIP", "position": 2,
         "origin": "Consulate Casablanca", "year": 2007, "classification": "UNCLASSIFIED"},
    ]
    assert list(db.query("select code, cables from tags order by code")) == [
        {"code": "KTIP", "cables": 1}, {"code": "PHUM", "cables": 2}]


def test_tag_refresh_keeps_kind_and_description(db):
    ingest(db, [raw_cable("07A1", BODY_A, tags="PHUM")], parse=fake_parse)
    db.execute("update tags set kind = 'subject', description = 'Human rights' where code = 'PHUM'")
    ingest(db, [raw_cable("07A2", BODY_B, tags="PHUM")], parse=fake_parse)
    assert db["tags"].get("PHUM") == {
        "code": "PHUM", "cables": 2, "kind": "subject", "description": "Human rights", "paragraphs": 6}


def test_sections_are_runs_of_paragraph_headings(db):
    body = "1. (U) before any heading\nA:\n2. (U) a\n3. (U) a\nB:\n4. (U) b\nA:\n5. (U) a again"
    ingest(db, [raw_cable("07S1", body)], parse=fake_parse)
    rows = list(db.query("select position, heading, first_paragraph from sections order by position"))
    assert rows == [
        {"position": 1, "heading": "A", "first_paragraph": 2},
        {"position": 2, "heading": "B", "first_paragraph": 4},
        {"position": 3, "heading": "A", "first_paragraph": 5},
    ]


def test_csv_references_and_provenance(db):
    meta = Metadata(references=["06STATE202745", "07RABAT1"])
    ingest(db, [raw_cable("07C1", BODY_B, source="cables.csv", line=42, meta=meta)],
           parse=fake_parse)
    row = db["cables"].get("07C1")
    assert json.loads(row["csv_references"]) == ["06STATE202745", "07RABAT1"]
    assert (row["source"], row["source_line"], row["format"]) == ("cables.csv", 42, "text")


def test_schema_is_idempotent_and_adds_missing_columns(db):
    db["cables"].create({"id": str, "subject": str}, pk="id")
    schema.ensure_schema(db)
    schema.ensure_schema(db)
    assert set(schema.TABLES["cables"]["columns"]) <= set(db["cables"].columns_dict)
    assert "idx_cable_tags_tag_year" in {i.name for i in db["cable_tags"].indexes}


def test_progress_is_called_per_item(db):
    steps = []
    ingest(db, [raw_cable("07A1", BODY_A), FakeInputError("x", 1, 1, "bad", "", "text")],
           parse=fake_parse, progress=steps.append)
    assert steps == [1, 1]


def test_cli_ingest_missing_path_exits_1(tmp_path):
    missing = str(tmp_path / "no-such-dir" / "cables.csv")
    result = CliRunner().invoke(cli, ["ingest", missing, "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 1, result.output
    assert missing in result.stderr
    assert "failed 1" in result.stderr


def test_serve_command_line(tmp_path):
    args = datasette_args("a.db", port=9000, open_browser=True)
    assert args[1:5] == ["-m", "datasette", "serve", "a.db"]
    assert ["--setting", "suggest_facets", "off"] == args[args.index("--setting"):][:3]
    assert "--open" in args and "9000" in args


def test_cli_ingests_seed_page(shared, tmp_path):
    from .conftest import SEED

    db_path = tmp_path / "archive.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(SEED), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "ingested 1, unchanged 0, replaced 0, failed 0" in result.stderr
    db = sqlite_utils.Database(db_path)
    row = db["cables"].get("07CASABLANCA42")
    assert (row["created"], row["origin"], row["year"]) == (
        "2007-03-07 16:52", "Consulate Casablanca", 2007)
    tags = json.loads(row["tags"])
    assert tags[:2] == ["KCRM", "PHUM"]
    assert db.execute("select count(*) from cable_tags where cable_id = '07CASABLANCA42' "
                      "and origin = 'Consulate Casablanca' and year = 2007").fetchone()[0] == len(set(tags))
    assert row["paragraph_count"] == db["paragraphs"].count > 0
    assert "maids" in unpack(row["body"])
    assert db.execute("select count(*) from paragraphs_fts where paragraphs_fts match 'maids'"
                      ).fetchone()[0] > 0
    again = runner.invoke(cli, ["ingest", str(SEED), "--db", str(db_path)])
    assert again.exit_code == 0
    assert "ingested 0, unchanged 1, replaced 0, failed 0" in again.stderr
