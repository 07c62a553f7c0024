"""Versions of a cable (issue 5): what changed between two releases, which one
`cables` shows, and counts for facets.

The corpus holds each page once, so the second release is written here by
editing a copy of a real page: lines re-wrapped, one redaction added over known
words, one lifted by putting words in. The difference must report exactly that.
"""
import re
import textwrap

import pytest
import sqlite_utils
from click.testing import CliRunner

from cableparse.archive import ingest
from cableparse.archive.versions import (
    MARK,
    Edit,
    Redaction,
    Version,
    choose_current,
    diff_texts,
    diff_versions,
    load_versions,
    order_versions,
    pick_pair,
    record_diffs,
    render,
)
from cableparse.cli import cli
from cableparse.model import Cable, RawCable
from cableparse.parsing.parser import normalise_id, parse_raw
from cableparse.readers import iter_inputs, read_bytes

from .conftest import CORPUS, SEED

NL = "&#x000A;"  # newlines inside a viewer page's <pre>
ANCHOR = re.compile(r"<a id='par\d+' href='#par\d+'>¶</a>")
PAGE_BREAK = re.compile(r"^\s*[A-Z ]+ \d{8}\s+\d{3}(\.\d)? OF \d{3}\s*$")
PARAGRAPH = re.compile(r"^\s*(\d+\.|--[A-Z]\.)\s")
HIDDEN = "Ashraf Mostafa Hussein Safwat Abdul Qader"  # named in ¶2 of 06CAIRO3874
LIFTED = "XXXXXXXXXXXXXXXX"  # the second redaction of its ¶3 (16 X's)


def _rewrap(lines, width, starts, ends):
    """Lines with each paragraph block (a line matching `starts` and the non-blank
    lines after it up to one matching `ends`) wrapped anew to `width`."""
    out, block = [], []

    def flush():
        if block:
            # the anchor's inner space must not become a line break
            text = " ".join(line.strip() for line in block).replace("<a id=", "<a\0id=")
            wrapped = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
            out.extend(line.replace("\0", " ") for line in wrapped)
            block.clear()

    for line in lines:
        if starts(line) or (block and line.strip() and not ends(line)):
            if starts(line):
                flush()
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return out


def _second_release(page: str) -> str:
    """06CAIRO3874's page as a later release could have it: released later, body
    re-wrapped to 60 columns, one name redacted, one redaction lifted."""
    head, body, tail = re.match(r"(.*<code><pre>.*?</pre></code>\s*<code><pre>)(.*)(</pre></code>.*)",
                                page, re.S).groups()
    assert body.count(HIDDEN) == 1 and body.count(LIFTED) == 1
    body = body.replace(HIDDEN, MARK).replace(LIFTED, "A second activist")
    lines = _rewrap(body.split(NL), 60, ANCHOR.match, lambda line: line.strip() == "RICCIARDONE")
    head = head.replace("2011-02-03 00:12</a>", "2011-09-01 00:00</a>")
    return head + NL.join(lines) + tail


@pytest.fixture
def cairo(shared, tmp_path):
    """An archive holding the real 06CAIRO3874 page and its edited second release."""
    page = (CORPUS / "pages" / "06CAIRO3874.html").read_text(encoding="utf-8")
    second = _second_release(page)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    for name, text in (("first.html", page), ("second.html", second)):
        summary = ingest(db, read_bytes(str(tmp_path / name), text.encode("utf-8")))
        assert summary.ok == 1, summary.failures
    return db, tmp_path, page, second


def test_edited_copy_is_rewrapped(cairo):
    _db, _tmp, page, second = cairo
    first = next(read_bytes("first", page.encode())).body.split("\n")
    wrapped = next(read_bytes("second", second.encode())).body.split("\n")
    assert max(map(len, first)) > 300 and max(map(len, wrapped)) <= 60
    assert len(wrapped) > len(first) + 20


def test_difference_between_two_releases(cairo):
    db, _tmp, _page, _second = cairo
    versions = load_versions(db, "06CAIRO3874")
    assert [v.released for v in versions] == ["2011-02-03 00:12", "2011-09-01 00:00"]
    diff = diff_versions(*pick_pair(versions))
    assert diff.redactions == (
        Redaction("added", "2", MARK, HIDDEN),
        Redaction("lifted", "3", LIFTED, "A second activist"),
    )
    assert (diff.redactions_added, diff.redactions_lifted) == (1, 1)
    assert [(p.change, p.label, p.number, p.sub, p.old_mark, p.new_mark, p.edits)
            for p in diff.paragraphs] == [
        ("changed", "2", 2, None, "SBU", "SBU", (
            Edit("2", HIDDEN, MARK, "has referred an SSIS captain,", ", to trial for the alleged"),)),
        ("changed", "3", 3, None, "SBU", "SBU", (
            Edit("3", LIFTED, "A second activist", '" and "unprecedented."',
                 "asserted that the case could have"),)),
    ]
    second, third = diff.paragraphs
    assert second.new == second.old.replace(HIDDEN, MARK)
    assert third.new == third.old.replace(LIFTED, "A second activist")
    assert diff.other == ()  # re-wrapping every paragraph is no difference


def test_cli_prints_the_difference(cairo):
    db, tmp, _page, _second = cairo
    old, new = load_versions(db, "06CAIRO3874")
    result = CliRunner().invoke(cli, ["diff", "06CAIRO3874", "--db", str(tmp / "archive.db")])
    assert result.exit_code == 0, result.output
    assert result.output == f"""\
06CAIRO3874
  from {old.content_hash[:12]}  released 2011-02-03 00:12  page-html  {tmp}/first.html
  to   {new.content_hash[:12]}  released 2011-09-01 00:00  page-html  {tmp}/second.html

Redactions added: 1
  ¶2: hides "{HIDDEN}"
Redactions lifted: 1
  ¶3: reveals "A second activist"
Paragraphs changed: 2
  ¶2: …has referred an SSIS captain, [-{HIDDEN}-]{{+{MARK}+}}, to trial for the alleged…
  ¶3: …" and "unprecedented." [-{LIFTED}-]{{+A second activist+}} asserted that the case could have…
"""
    # the same pair named by hash prefixes, and the reverse direction
    result = CliRunner().invoke(cli, ["diff", "06CAIRO3874", "--db", str(tmp / "archive.db"),
                                      "--from", new.content_hash[:8], "--to", old.content_hash[:8]])
    assert result.exit_code == 0, result.output
    assert 'Redactions added: 1\n  ¶3: hides "A second activist"\n' in result.output
    assert f'Redactions lifted: 1\n  ¶2: reveals "{HIDDEN}"\n' in result.output


def test_cli_errors(cairo):
    _db, tmp, _page, _second = cairo
    db_path = str(tmp / "archive.db")
    result = CliRunner().invoke(cli, ["diff", "06CAIRO9999", "--db", db_path])
    assert result.exit_code == 1 and "06CAIRO9999 is not in" in result.output
    result = CliRunner().invoke(cli, ["diff", "06CAIRO3874", "--db", db_path, "--to", "zz"])
    assert result.exit_code == 1 and "no version of 06CAIRO3874 with a hash starting 'zz'" in result.output


def test_diff_json_is_plain_data(cairo):
    import json

    from cableparse.archive.versions import diff_json

    db, _tmp, _page, _second = cairo
    data = json.loads(json.dumps(diff_json(db.conn, "06CAIRO3874")))  # a bare sqlite3 connection
    assert [v["released"] for v in data["versions"]] == ["2011-02-03 00:12", "2011-09-01 00:00"]
    assert data["diff"]["redactions"][0] == {
        "change": "added", "where": "2", "text": MARK, "words": HIDDEN, "runs": 1}
    assert (data["diff"]["redactions_added"], data["diff"]["same"]) == (1, False)
    assert diff_json(db, "06CAIRO9999") is None


def test_ingest_counts_the_changes(cairo):
    """Ingest itself fills version_diffs for a cable that gained a version."""
    db = cairo[0]
    assert list(db.query("select * from cable_version_stats")) == [{
        "cable_id": "06CAIRO3874", "versions": 2, "redactions_added": 1,
        "redactions_lifted": 1, "paragraphs_changed": 2}]


def test_the_latest_release_is_current_whatever_the_order(cairo):
    """The later release ingested first, the earlier one after it: `cables` keeps
    showing the later release; the earlier text is kept as a version beside it."""
    _db, tmp, page, second = cairo
    db = sqlite_utils.Database(tmp / "reversed.db")
    summaries = []
    for name, text in (("second.html", second), ("first.html", page)):
        summary = ingest(db, read_bytes(str(tmp / name), text.encode("utf-8")))
        summaries.append((summary.ingested, summary.replaced, summary.kept, summary.unchanged))
    assert summaries == [(1, 0, 0, 0), (0, 0, 1, 0)]
    cable = db["cables"].get("06CAIRO3874")
    assert cable["released"] == "2011-09-01 00:00" and cable["source"].endswith("second.html")
    assert MARK in db.execute(
        "select text from paragraphs where cable_id = '06CAIRO3874' and number = 2").fetchone()[0]
    rows = list(db.query("select released, current, body is not null as text_kept "
                         "from cable_versions order by released"))
    assert rows == [{"released": "2011-02-03 00:12", "current": 0, "text_kept": 1},
                    {"released": "2011-09-01 00:00", "current": 1, "text_kept": 0}]
    # the difference reads the same as when they came in release order
    old, new = load_versions(db, "06CAIRO3874")
    assert (old.released, new.released) == ("2011-02-03 00:12", "2011-09-01 00:00")
    assert (diff_versions(old, new).redactions_added, diff_versions(old, new).redactions_lifted) == (1, 1)
    assert db["version_diffs"].count == 1
    # either text again: nothing changes
    for name, text in (("first.html", page), ("second.html", second)):
        assert ingest(db, read_bytes(str(tmp / name), text.encode("utf-8"))).unchanged == 1
    assert (db["cable_versions"].count, db["version_diffs"].count) == (2, 1)


def test_an_undated_text_never_replaces_a_release(cairo):
    """A cables.csv row (no release date) arriving after the page stays a version."""
    db, tmp, _page, second = cairo
    before = db["cables"].get("06CAIRO3874")
    edited = second.replace("A second activist", "Another activist").replace(
        "2011-09-01 00:00</a>", "</a>")
    summary = ingest(db, read_bytes(str(tmp / "undated.html"), edited.encode("utf-8")))
    assert (summary.kept, summary.replaced) == (1, 0)
    assert db.execute("select count(*) from cable_versions where released is null").fetchone()[0] == 1
    assert db["cables"].get("06CAIRO3874")["content_hash"] == before["content_hash"]
    assert db["cable_versions"].count == 3 and db["version_diffs"].count == 2


def test_record_diffs_and_stats_view(cairo):
    db = cairo[0]
    assert record_diffs(db, ["06CAIRO3874"]) == 1
    assert record_diffs(db, ["06CAIRO3874"]) == 1  # rewritten, not added
    assert list(db.query("select * from cable_version_stats")) == [{
        "cable_id": "06CAIRO3874", "versions": 2, "redactions_added": 1,
        "redactions_lifted": 1, "paragraphs_changed": 2}]
    row = db["version_diffs"].get(("06CAIRO3874",) + tuple(
        v.content_hash for v in load_versions(db, "06CAIRO3874")))
    assert (row["paragraphs_added"], row["paragraphs_removed"], row["other_changes"]) == (0, 0, 0)


def test_glued_and_whole_paragraph_redactions_lifted(shared):
    """09HARARE865 hides words glued to `resign` and the whole of ¶4."""
    page = (CORPUS / "pages" / "09HARARE865.html").read_text(encoding="utf-8")
    first = next(read_bytes("first", page.encode()))
    body = first.body.replace("resignXXXXXXXXXXXX.", "resign by the end of the year.")
    body = body.replace("4. XXXXXXXXXXXX", "4. (C) Mangoma said the party would wait.")
    diff = diff_texts(first.header, first.body, first.header, body, "09HARARE865")
    assert diff.redactions == (
        Redaction("lifted", "1", MARK, "by the end of the year"),
        Redaction("lifted", "4", MARK, "(C) Mangoma said the party would wait."),
    )
    assert [(p.change, p.label, p.old_mark, p.new_mark, p.old, p.new) for p in diff.paragraphs][1] == (
        "changed", "4", None, "C", MARK, "Mangoma said the party would wait.")
    assert diff.other == ()


def test_rewrapping_the_seed_is_no_difference(shared):
    """The seed (page saved as text, 50 paragraphs, page breaks) wrapped to 50 columns."""
    text = SEED.read_text(encoding="utf-8")
    lines = _rewrap(text.split("\n"), 50, PARAGRAPH.match, PAGE_BREAK.match)
    assert lines != text.split("\n")
    first = next(read_bytes("first", text.encode()))
    second = next(read_bytes("second", "\n".join(lines).encode()))
    assert first.body != second.body
    diff = diff_texts(first.header, first.body, second.header, second.body, "07CASABLANCA42")
    assert diff.same
    assert render(diff).endswith("No difference apart from line wrapping, whitespace and "
                                 "punctuation outside paragraphs.\n")


def test_redaction_width_is_no_difference():
    diff = diff_texts("", "1. (C) Met XXXXXXXXXXXX today.", "", "1. (C) Met\nXXXXXXXXXXXXXXX  today.")
    assert diff.same


def test_paragraph_added_and_removed_are_keyed_by_number():
    old = "1. (C) First.\n\n2. (C) Second.\n\n3. (S) Third."
    new = "1. (C) First.\n\n3. (S) Third, longer.\n\n4. (U) Fourth."
    diff = diff_texts("", old, "", new)
    assert [(p.change, p.label, p.old, p.new) for p in diff.paragraphs] == [
        ("removed", "2", "Second.", None),
        ("changed", "3", "Third.", "Third, longer."),
        ("added", "4", None, "Fourth."),
    ]


def _v(released=None, first_seen=None, name="v"):
    return Version("06CAIRO3874", name, released=released, first_seen=first_seen)


def test_choose_current_latest_release_wins():
    versions = [_v("2011-09-01 00:00", "2024-01-01 00:00:00", "late release, ingested first"),
                _v("2011-02-03 00:12", "2024-06-01 00:00:00", "early release, ingested last")]
    assert choose_current(versions).content_hash == "late release, ingested first"


def test_choose_current_a_release_date_beats_none():
    """A cables.csv row has no release date; a page ingested before it still wins."""
    versions = [{"released": "2011-02-03 00:12", "first_seen": "2024-01-01 00:00:00", "n": "page"},
                {"released": None, "first_seen": "2024-06-01 00:00:00", "n": "csv"}]
    assert choose_current(versions)["n"] == "page"
    assert [v["n"] for v in order_versions(versions)] == ["csv", "page"]


def test_choose_current_without_dates_the_last_ingested_wins():
    assert choose_current([_v(None, "2024-06-01", "b"), _v(None, "2024-01-01", "a")]).content_hash == "b"
    # same second (one batch): the later in ingestion order
    assert choose_current([_v(None, "2024-06-01", "a"), _v(None, "2024-06-01", "b")]).content_hash == "b"
    assert choose_current([_v(name="a"), _v(name="b")]).content_hash == "b"
    with pytest.raises(ValueError):
        choose_current([])


def _distinct_texts(corpus):
    """(cable id, content hash) of every input that becomes a cable, read independently
    of the archive: ids from the record, else from the parsed text."""
    found = set()
    for item in iter_inputs([str(corpus)]):
        if not isinstance(item, RawCable):
            continue
        cable_id = normalise_id(item.meta.id) if item.meta.id else parse_raw(item).id
        if cable_id:
            found.add((cable_id, Cable(header=item.header, body=item.body).content_hash))
    return found


def test_reingesting_the_corpus_keeps_the_version_count(shared, tmp_path):
    path = str(tmp_path / "corpus.db")
    counts = []
    for _ in range(2):
        result = CliRunner().invoke(cli, ["ingest", str(CORPUS), "--db", path, "-q"])
        assert result.exit_code == 0, result.output
        counts.append(sqlite_utils.Database(path)["cable_versions"].count)
    distinct = _distinct_texts(CORPUS)
    assert counts == [len(distinct), len(distinct)]
    db = sqlite_utils.Database(path)
    assert {(r["cable_id"], r["content_hash"]) for r in db.query(
        "select cable_id, content_hash from cable_versions")} == distinct
    # The corpus's own second versions: four cables.csv rows that are also pages.
    # They differ only in the commas of TAGS, which is no difference.
    several = [r["cable_id"] for r in db.query("select cable_id from cable_version_stats order by cable_id")]
    assert several == ["66BUENOSAIRES2481", "72TEHRAN1164", "72TEHRAN5055", "75TEHRAN2069"]
    assert record_diffs(db, several) == 4
    assert {(r["versions"], r["redactions_added"], r["redactions_lifted"], r["paragraphs_changed"])
            for r in db.query("select * from cable_version_stats")} == {(2, 0, 0, 0)}
    for cable_id in several:
        old, new = pick_pair(load_versions(db, cable_id))
        assert (old.format, new.format) == ("csv", "page-html")
        assert diff_versions(old, new).same, cable_id


def test_page_mark_split_by_rewrapping_is_no_difference(shared):
    """09LONDON2357 carries a page mark inside ¶5 (`UN  LONDON 00002357  002.3 OF 002
    Development`); the parser drops it there, but once a re-wrap splits it over two
    lines it lands in the paragraph's text. It is furniture either way."""
    page = (CORPUS / "pages" / "09LONDON2357.html").read_text(encoding="utf-8")
    glued = "UN  LONDON 00002357  002.3 OF 002   Development"
    assert page.count(glued) == 1
    split = page.replace(glued, f"UN  LONDON{NL}00002357  002.3 OF 002   Development")
    first, second = (next(read_bytes(name, text.encode())) for name, text in (("a", page), ("b", split)))
    diff = diff_texts(first.header, first.body, second.header, second.body, "09LONDON2357")
    assert diff.same, render(diff)


def _cable_page(db_path, path: str) -> str:
    """A page of the project's Datasette site, in process."""
    import asyncio

    from datasette.app import Datasette

    ds = Datasette([str(db_path)])  # the cableparse plugin brings the site
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return response.text


def test_cable_page_shows_the_difference(cairo):
    _db, tmp, _page, _second = cairo
    old, new = load_versions(cairo[0], "06CAIRO3874")
    page = _cable_page(tmp / "archive.db", "/archive/cables/06CAIRO3874")
    assert '<a href="#versions">2 versions: what changed</a>' in page
    section = page[page.index('<h2 id="versions">'):page.index('<h2 id="original">')]
    assert f"From <code>{old.content_hash[:12]}</code> to <code>{new.content_hash[:12]}</code>" in section
    assert "1 redaction added, 1 lifted;\n2 paragraphs changed, 0 paragraphs added, 0 paragraphs removed." in section
    assert f'<li class="redaction-added">¶2: redaction added, hides “{HIDDEN}”</li>' in section
    assert '<li class="redaction-lifted">¶3: redaction lifted, reveals “A second activist”</li>' in section
    assert (f"…has referred an SSIS captain, <del>{HIDDEN}</del><ins>{MARK}</ins>, "
            "to trial for the alleged…") in section
    # the reverse pair, by hash prefixes in the URL
    page = _cable_page(tmp / "archive.db", f"/archive/cables/06CAIRO3874?from={new.content_hash[:8]}"
                       f"&to={old.content_hash[:8]}")
    assert '<li class="redaction-added">¶3: redaction added, hides “A second activist”</li>' in page
    # a hash that names no version: the default pair, and why
    page = _cable_page(tmp / "archive.db", "/archive/cables/06CAIRO3874?to=zz")
    assert "no version of 06CAIRO3874 with a hash starting &#39;zz&#39;" in page
    assert '<li class="redaction-added">¶2: redaction added' in page
