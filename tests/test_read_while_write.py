"""Datasette serving the archive while an ingest writes into the same file (WAL), issue 6.

A real `cableparse serve` (not immutable) on 127.0.0.1 serves an archive while
`cableparse ingest` writes real cables into it, a transaction per small batch:
first the first load of an empty archive (indexes deferred, no full-text index
until its end), then a second load into the built archive (FTS kept by triggers).
Meanwhile a bounded loop reads the site: the cables table page, the page of the
cable written last, searches, the JSON API. Every answer must be 200, and no
cable may ever be seen half-written: in one query (one snapshot) every cable row
has as many paragraphs as its paragraph_count says, and a cable seen once keeps
them in every later answer (its paragraphs page and its cable page).
"""
from __future__ import annotations

import json
import re
import time

import httpx
import sqlite_utils

from cableparse.archive.schema import ensure_schema

from .conftest import CORPUS
from .live import cableparse, check_consistent, count_cables, serve, start, stop

BATCH = 10  # small transactions: many commits to read between
DEADLINE = 150  # seconds for the whole loop, whatever happens
MAX_ROUNDS = 2000

SNAPSHOT = """
select (select count(*) from cables) as cables,
  (select count(*) from paragraphs) as paragraphs,
  (select coalesce(sum(paragraph_count), 0) from cables) as expected_paragraphs,
  (select json_group_array(id) from (select c.id from cables c
     where c.paragraph_count != (select count(*) from paragraphs p where p.cable_id = c.id)
     limit 5)) as torn,
  (select json_group_array(json_array(id, paragraph_count)) from
     (select id, paragraph_count from cables order by rowid desc limit 3)) as latest
"""


def test_pages_answer_and_no_cable_is_half_written_during_an_ingest(shared, tmp_path):
    db = tmp_path / "archive.db"
    # The archive as `cableparse ingest` leaves it in its first second: tables, no
    # cable, no full-text index yet (built at the end of a first load).
    ensure_schema(sqlite_utils.Database(db))
    pages = sorted((CORPUS / "pages").glob("*.html"))
    first = [str(p) for p in pages[0::50]]  # ~95 cables: the first load, served throughout
    more = [str(p) for p in pages[25::50]]  # ~95 others, added to the built archive

    server = ingest = None
    statuses: dict[int, int] = {}
    failures: list[str] = []
    seen_counts: dict[str, set[int]] = {"first load": set(), "second load": set()}
    seen: dict[str, int] = {}  # cable id -> paragraph_count when first seen
    searches: dict[str, str] = {}  # phase -> the first search page
    rounds = 0
    try:
        server, site = serve(db, tmp_path / "serve.log")
        with httpx.Client(base_url=site, timeout=30) as http:

            def get(path, **params):
                response = http.get(path, params=params)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.url}: {response.text[:300]}")
                return response

            def check_round(phase):
                snap = get("/archive.json", sql=SNAPSHOT, _shape="array")
                if snap.status_code != 200:
                    return
                row = snap.json()[0]
                seen_counts[phase].add(row["cables"])
                if row["torn"] != "[]" or row["paragraphs"] != row["expected_paragraphs"]:
                    failures.append(f"half-written cable in one snapshot: {row}")
                latest = json.loads(row["latest"])
                for cid, count in latest:
                    seen.setdefault(cid, count)
                    paragraphs = get("/archive/paragraphs.json", cable_id=cid, _size=0)
                    if paragraphs.status_code == 200:
                        found = paragraphs.json()["filtered_table_rows_count"]
                        if found != count:
                            failures.append(f"{cid}: paragraph_count {count}, paragraphs {found}")
                if latest:
                    cid, count = latest[0]
                    page = get(f"/archive/cables/{cid}")
                    if page.status_code == 200:
                        shown = len(re.findall(r'<div class="para[ "]', page.text))
                        if shown != count:
                            failures.append(f"{cid}: cable page shows {shown} of {count} paragraphs")
                get("/archive/cables", _sort_desc="created")
                search = get("/-/search", q="embassy")
                searches.setdefault(phase, search.text)
                get("/archive/paragraphs", _search="embassy")

            for phase, inputs in (("first load", first), ("second load", more)):
                check_round(phase)  # before the ingest starts
                ingest = start(cableparse("ingest", *inputs, "--db", str(db), "--batch-size",
                                          str(BATCH), "-q"), tmp_path / f"{phase}.log")
                deadline = time.monotonic() + DEADLINE
                while ingest.poll() is None and rounds < MAX_ROUNDS and time.monotonic() < deadline:
                    check_round(phase)
                    rounds += 1
                assert ingest.poll() == 0, (tmp_path / f"{phase}.log").read_text(errors="replace")
                check_round(phase)  # and after it
                stop(ingest)
                ingest = None
                check_consistent(db)
    finally:
        stop(ingest)
        stop(server)
    after = count_cables(db)
    print(f"read while writing: {rounds} rounds, {sum(statuses.values())} requests {statuses}, "
          f"archive states seen: { {k: len(v) for k, v in seen_counts.items()} } "
          f"(0 to {after} cables), {len(seen)} new cables checked")
    assert failures == []
    assert set(statuses) == {200}
    assert after == len(first) + len(more)
    # before the first load has built the full-text index, the search page says so
    assert "index is not built yet" in searches["first load"]
    assert "index is not built yet" not in searches["second load"]
    # the reads really overlapped the writes: several committed states were seen
    for phase, counts in seen_counts.items():
        assert len(counts) >= 3, (phase, sorted(counts))
