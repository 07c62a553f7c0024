"""The served site under load and under crafted requests (issue 6).

A real `cableparse serve` on 127.0.0.1 serves real cables (a subset of
../shared/corpus, every format) plus one cable written here whose subject, TAGS
line, addressees, section heading and paragraphs carry markup.

- Load: 8 clients at once, a fixed number of requests each (facet pages,
  searches, cable pages, the JSON API), stopped by a deadline whatever happens:
  no error, and every answer within the SQL time limit `cableparse serve`
  configures plus a fixed overhead. This is a correctness bound (one slow query
  must not hold the others up past the limit), not a performance measurement.
- Crafted requests (a 100 KB search, SQL in parameters, path traversal, invalid
  full-text syntax, numbers out of range) get clean answers: 4xx, never 500,
  never a hang; the archive is unchanged afterwards, byte for byte.
- The markup in the cable stays text on every page that shows it.
"""
from __future__ import annotations

import hashlib
import random
import socket
import sqlite3
import statistics
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from cableparse.cli import datasette_args

from .live import archive_state, cableparse, corpus_subset, serve, start, stop

CLIENTS = 8
REQUESTS_PER_CLIENT = 25
LOAD_DEADLINE = 120  # seconds for the whole load, whatever happens
OVERHEAD = 3.0  # seconds allowed beyond the SQL time limit: rendering, queueing on 2 cores
CRAFTED_TIMEOUT = 60  # no crafted request may take longer


def _configured_limit() -> float:
    """sql_time_limit_ms as `cableparse serve` passes it to Datasette, in seconds."""
    args = datasette_args("archive.db")
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    return int(settings["sql_time_limit_ms"]) / 1000


SQL_LIMIT = _configured_limit()

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']
MARKUP_ID = "09ATLANTIS98"
MARKUP_CABLE = f"""R 011200Z JAN 09
FM AMEMBASSY ATLANTIS{XSS[0]}
TO SECSTATE WASHDC PRIORITY 0001
INFO AMEMBASSY {XSS[0]} PRIORITY 0002
BT
UNCLAS ATLANTIS 000098

E.O. 12958: N/A
TAGS: PREL, KTIP{XSS[0]}, {XSS[1]}, XX
SUBJECT: MARKUP {XSS[0]} AND {XSS[1]} {XSS[2]}

REF: 85 BEIRUT 1013 {XSS[1]}

1. (U) A paragraph with {XSS[0]} in it.

2. (C) A paragraph with {XSS[1]} in it.

-------------------------------
{XSS[0]} heading
-------------------------------

3. (SBU) Under the heading, {XSS[2]} and more.

{XSS[0]}
"""
MARKUP_ORIGIN = f"Embassy Atlantis{XSS[0]}"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(shared, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    markup = tmp / "markup.txt"
    markup.write_text(MARKUP_CABLE, encoding="utf-8")
    db = tmp / "archive.db"
    ingest = start(cableparse("ingest", *corpus_subset(20), str(markup), "--db", str(db), "-q"),
                   tmp / "ingest.log")
    try:
        assert ingest.wait(timeout=180) == 0, (tmp / "ingest.log").read_text(errors="replace")
    finally:
        stop(ingest)
    server, base = serve(db, tmp / "serve.log")
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            values = {
                "tags": [r[0] for r in conn.execute(
                    "select tag from cable_tags group by tag order by count(*) desc limit 6")],
                "origins": [r[0] for r in conn.execute(
                    "select origin from cables group by origin order by count(*) desc limit 4")],
                "ids": [r[0] for r in conn.execute("select id from cables order by id")],
            }
        finally:
            conn.close()
        yield {"base": base, "db": db, "proc": server, "values": values,
               "state": archive_state(db), "digest": _file_digest(db), "log": tmp / "serve.log"}
    finally:
        stop(server)


def assert_unchanged(site) -> None:
    assert site["proc"].poll() is None, "the server died"
    assert archive_state(site["db"]) == site["state"]
    assert _file_digest(site["db"]) == site["digest"]


def raw_get(base: str, target: str, timeout: float = CRAFTED_TIMEOUT) -> tuple[int, dict, bytes]:
    """GET `target` sent exactly as given (no normalisation of `..`, no URL length limit)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
                  .encode("latin-1"))
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ", 2)[1]), headers, body


def raw_get_following(base: str, target: str) -> tuple[list[int], bytes]:
    """raw_get, following redirects on the same server (at most 5)."""
    statuses = []
    for _ in range(5):
        status, headers, body = raw_get(base, target)
        statuses.append(status)
        if status not in (301, 302, 307, 308):
            break
        location = urllib.parse.urlsplit(headers["location"])
        assert location.netloc in ("", urllib.parse.urlsplit(base).netloc), headers["location"]
        target = location.path + (f"?{location.query}" if location.query else "")
    return statuses, body


# --- load ---------------------------------------------------------------------------------

def _workload(values: dict, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    tags, origins, ids = values["tags"], values["origins"], values["ids"]
    words = ["embassy", "trafficking", "election", "minister", "oil", "nuclear",
             '"human rights"', "border security", "president"]
    kinds = [
        # facet pages
        lambda: ("/archive/cables", {}),
        lambda: ("/archive/cables", {"_tag": rng.choice(tags)}),
        lambda: ("/archive/cables", {"origin": rng.choice(origins), "_facet_size": "max"}),
        lambda: ("/archive/cables", {"_any_tag": ",".join(rng.sample(tags, 2)),
                                     "year__gte": "2005", "year__lte": "2010"}),
        lambda: ("/archive/paragraphs", {}),
        lambda: ("/archive/paragraphs", {"classification": "C", "_tag": rng.choice(tags)}),
        lambda: ("/archive/paragraphs", {"_cable_origin": rng.choice(origins)}),
        lambda: ("/archive/cable_tags", {"tag": rng.choice(tags)}),
        lambda: ("/archive/tags", {}),
        # searches
        lambda: ("/-/search", {"q": rng.choice(words)}),
        lambda: ("/-/search", {"q": rng.choice(words), "mark": "C", "tag": rng.choice(tags)}),
        lambda: ("/archive/paragraphs", {"_search": rng.choice(words)}),
        lambda: ("/archive/cables", {"_search": rng.choice(words)}),
        lambda: ("/archive/search_paragraphs", {"q": rng.choice(words), "mark": ""}),
        lambda: ("/archive/search_subjects", {"q": rng.choice(words)}),
        # cable pages
        lambda: (f"/archive/cables/{rng.choice(ids)}", {}),
        lambda: (f"/archive/cables/{rng.choice(ids)}", {}),
        # JSON API
        lambda: ("/archive/cables.json", {"_size": "50", "_shape": "objects",
                                          "_tag": rng.choice(tags)}),
        lambda: ("/archive/paragraphs.json", {"_search": rng.choice(words), "_shape": "array"}),
        lambda: (f"/archive/cables/{rng.choice(ids)}.json", {}),
        lambda: ("/archive.json", {"sql": "select origin, count(*) from cables group by origin "
                                          "order by 2 desc limit 10", "_shape": "array"}),
        lambda: ("/archive/cables_by_tag_over_time.json", {"tag": rng.choice(tags)}),
        lambda: ("/", {}),
    ]
    return [rng.choice(kinds)() for _ in range(REQUESTS_PER_CLIENT)]


def test_concurrent_clients_get_answers_within_the_time_limit(site):
    settings = httpx.get(f"{site['base']}/-/settings.json").json()
    assert settings["sql_time_limit_ms"] / 1000 == SQL_LIMIT  # the limit served is the one configured
    bound = SQL_LIMIT + OVERHEAD
    results: list[tuple[str, int, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + LOAD_DEADLINE

    def client(n: int) -> None:
        with httpx.Client(base_url=site["base"], timeout=bound + 30) as http:
            for path, params in _workload(site["values"], seed=n):
                if time.monotonic() > deadline:
                    return
                started = time.monotonic()
                try:
                    response = http.get(path, params=params)
                    outcome = (f"{path}?{urllib.parse.urlencode(params)}", response.status_code,
                               time.monotonic() - started)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{path} {params}: {exc!r}")
                    continue
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LOAD_DEADLINE + 60)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads)

    latencies = sorted(r[2] for r in results)
    # arbitrary SQL has a budget of its own (fair.py): past it, 429 at once is its answer
    failed = [r for r in results if r[1] != 200 and not (r[1] == 429 and "sql=" in r[0])]
    slow = [r for r in results if r[2] > bound]
    print(f"load: {len(results)} requests by {CLIENTS} clients in {elapsed:.1f} s, "
          f"{len(failed)} not 200, {len(errors)} transport errors; latency "
          f"min {latencies[0]:.3f} s, median {statistics.median(latencies):.3f} s, "
          f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.3f} s, max {latencies[-1]:.3f} s "
          f"(bound {bound:.1f} s)")
    assert errors == []
    assert failed == []
    assert slow == []
    assert len(results) == CLIENTS * REQUESTS_PER_CLIENT  # none left out by the deadline
    assert_unchanged(site)


# --- crafted requests --------------------------------------------------------------------

HUGE = ("trafficking " * 8400).strip()  # a 100 KB search, whole words

# (path, query parameters, the statuses that are a clean answer)
CRAFTED = [
    # SQL in parameters
    ("/archive/cables", {"_where": "1;drop table cables"}, {400}),
    ("/archive/cables.json", {"_where": "1;drop table cables"}, {400}),
    ("/archive/cables", {"_where": "1) union select * from sqlite_master --"}, {400}),
    ("/archive/cables", {"_sort": "id;drop table cables"}, {400}),
    ("/archive/cables", {"_sort_desc": "created desc; drop table cables"}, {400}),
    ("/archive/cables", {"_sort": "id) --"}, {400}),
    ("/archive/cables", {"_facet": "origin; drop table cables"}, {400}),
    ("/archive/cables", {"id": "1' or '1'='1"}, {200}),
    ("/archive/cables", {"_tag": "' or 1=1 --"}, {200}),
    ("/archive/cables", {"_next": "'; drop table cables --"}, {200, 400}),
    ("/archive/cables_by_tag_over_time", {"tag": "'; drop table cables --"}, {200}),
    ("/archive.json", {"sql": "select 1; drop table cables"}, {400}),
    ("/archive.json", {"sql": "drop table cables"}, {400}),
    ("/archive.json", {"sql": "attach database 'x.db' as x"}, {400}),
    ("/archive.json", {"sql": "pragma writable_schema = 1"}, {400}),
    ("/archive.json", {"sql": "select load_extension('x')"}, {400}),
    ("/archive", {"sql": "select readfile('/etc/passwd')"}, {400}),
    ("/-/search", {"q": "embassy", "mark": "' or 1=1 --"}, {200}),
    # numbers out of range or not numbers
    ("/archive/cables", {"_size": "-1"}, {400}),
    ("/archive/cables", {"_size": "99999999999999999999"}, {400}),
    ("/archive/cables", {"year__gt": "99999999999999999999"}, {400}),
    ("/archive/cables", {"year": "99999999999999999999"}, {200}),
    ("/archive/paragraphs", {"_cable_year": "99999999999999999999"}, {200}),
    ("/archive/paragraphs", {"_cable_year": "\u00b2"}, {200}),  # '²'.isdigit() is True
    ("/-/search", {"q": "embassy", "year": "99999999999999999999"}, {200}),
    ("/-/search", {"q": "embassy", "year": "\u00b2"}, {200}),
    ("/-/search", {"q": "embassy", "page": "99999999999999999999"}, {200}),
    ("/-/search", {"q": "embassy", "page": "\u00b2"}, {200}),
    ("/-/search", {"q": "embassy", "db": "nosuchdb"}, {404}),
    # invalid full-text syntax
    ("/archive/paragraphs", {"_search": '"unbalanced'}, {200}),
    ("/archive/paragraphs", {"_search": '"unbalanced', "_searchmode": "raw"}, {400}),
    ("/archive/paragraphs", {"_search": "NEAR(", "_searchmode": "raw"}, {400}),
    ("/archive/paragraphs", {"_search": "nosuchcolumn:word", "_searchmode": "raw"}, {400}),
    ("/archive/cables", {"_search": '"unbalanced'}, {200}),
    # the search language refuses invalid syntax with a message (issue 15), never another search
    ("/-/search", {"q": '"unbalanced'}, {400}),
    ("/-/search", {"q": "NEAR( AND OR * ^"}, {400}),
    ("/-/search.json", {"q": "trafficking OR"}, {400}),
    ("/-/search.csv", {"q": "(trafficking"}, {400}),
    ("/-/search", {"q": "NEAR(a b, 99999999999999999999)"}, {400}),
    ("/-/search", {"q": "year:99999999999999999999 embassy"}, {400}),
    ("/-/search", {"q": "embassy", "sort": "'; drop table cables"}, {200}),
    ("/-/search", {"q": "embassy", "_size": "99999999999999999999"}, {200}),
    ("/-/search", {"q": "embassy", "more": "nosuchfacet"}, {200}),
    ("/-/search", {"q": "embassy", "section": "\x00"}, {200}),
    ("/archive/cables/07casablanca0042", {}, {302}),
    ("/archive/cables/99NOSUCHPOST1.json", {}, {404}),
    ("/-/search", {"q": "\x00"}, {200}),
    ("/archive/search_paragraphs", {"q": '"unbalanced', "mark": ""}, {200}),
    # a 100 KB search
    # (414: fair.py refuses a query string past its limit before any SQL runs)
    ("/archive/paragraphs", {"_search": HUGE}, {200, 414}),
    ("/archive/cables", {"_search": HUGE}, {200, 414}),
    ("/-/search", {"q": HUGE}, {400, 414}),
    ("/archive/search_paragraphs", {"q": HUGE, "mark": ""}, {200, 414}),
    ("/archive/search_subjects", {"q": HUGE}, {200, 414}),
]

TRAVERSAL = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/archive/..%2f..%2f..%2fetc%2fpasswd",
    "/archive/cables/..%2F..%2F..%2Fetc%2Fpasswd",
    "/archive/cables/~2E~2E~2F~2E~2E~2Fetc~2Fpasswd",
    "/-/static/../../../../etc/passwd",
    "/-/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/-/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/-/static/%252e%252e/%252e%252e/etc/passwd",
    "/-/static-plugins/cableparse_site/..%2f..%2f..%2fetc%2fpasswd",
    "/-/search/..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/archive/../archive.db",
    "/archive.db",
]


def test_crafted_requests_get_clean_errors_and_change_nothing(site):
    base = site["base"]
    answers, wrong = [], []
    for path, params, clean in CRAFTED:
        started = time.monotonic()
        shown = {k: (v[:30] + f"... ({len(v):,} chars)" if len(v) > 40 else v)
                 for k, v in params.items()}
        try:
            status, _headers, body = raw_get(base, f"{path}?{urllib.parse.urlencode(params)}")
        except OSError as exc:  # TimeoutError included
            wrong.append(f"no answer ({exc!r}) {path} {shown}")
            continue
        seconds = time.monotonic() - started
        answers.append(f"{status} {seconds:5.2f} s {path} {shown}")
        if status not in clean:
            wrong.append(f"{status} (want {sorted(clean)}) {path} {shown}: {body[:200]!r}")
    for target in TRAVERSAL:
        statuses, body = raw_get_following(base, target)
        answers.append(f"{'>'.join(map(str, statuses))} {target}")
        if not 400 <= statuses[-1] < 500 or b"root:" in body or b"SQLite format" in body:
            wrong.append(f"{statuses} {target}: {body[:200]!r}")
    print("crafted requests:\n  " + "\n  ".join(answers))
    assert not wrong, "\n".join(wrong)
    # the site still answers, and nothing was written
    assert httpx.get(f"{base}/archive/cables.json", params={"_size": 1}).status_code == 200
    assert_unchanged(site)


# --- markup stays text ----------------------------------------------------------------------

def test_markup_in_cable_text_is_inert_on_every_page(site):
    base = site["base"]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    pages = {  # path, params -> must show the escaped markup
        (f"/archive/cables/{MARKUP_ID}", ()): True,
        ("/archive/cables", (("id", MARKUP_ID),)): True,
        ("/archive/cables", (("_search", "markup"),)): True,
        ("/archive/cables", (("year", "2009"), ("_facet_size", "max"))): True,  # origin facet
        ("/archive/cables", (("_tag", "PREL"), ("origin", MARKUP_ORIGIN))): True,
        ("/archive/paragraphs", (("cable_id", MARKUP_ID),)): True,  # section facet, text
        ("/archive/paragraphs", (("_search", "alert"), ("_facet_size", "max"))): True,
        ("/archive/paragraphs", (("_cable_origin", MARKUP_ORIGIN),)): True,
        ("/archive/cable_tags", (("cable_id", MARKUP_ID),)): True,
        ("/archive/recipients", (("cable_id", MARKUP_ID),)): True,
        ("/archive/refs", (("cable_id", MARKUP_ID),)): False,
        ("/archive/sections", (("cable_id", MARKUP_ID),)): True,
        ("/archive/cable_versions", (("cable_id", MARKUP_ID),)): True,
        (f"/archive/paragraphs/{MARKUP_ID},1", ()): True,
        (f"/archive/recipients/{MARKUP_ID},2", ()): True,
        ("/archive/unknown_stations", (("_facet_size", "max"),)): False,
        ("/archive/posts", (("_size", "max"),)): False,
        ("/archive/ingest_errors", ()): False,
        ("/-/search", (("q", "alert"),)): True,
        ("/-/search", (("q", "markup"),)): True,  # the subjects list
        ("/-/search", (("q", "alert"), ("origin", MARKUP_ORIGIN))): True,
        ("/-/search", (("q", "heading"), ("section", f"{XSS[0]} heading"))): True,
        ("/archive/search_paragraphs", (("q", "alert"), ("mark", ""))): True,
        ("/archive/search_subjects", (("q", "markup"),)): True,
        ("/archive/paragraphs_by_mark", (("mark", "SBU"),)): False,
        ("/", ()): False,
        # markup in the query string itself is echoed escaped too
        ("/archive/cables", (("_tag", XSS[0]), ("_any_tag", XSS[1]))): True,
        ("/archive/paragraphs", (("_cable_origin", XSS[0]), ("_search", XSS[1]))): True,
        ("/archive/cables", (("origin", XSS[0]), ("_search", XSS[2]))): True,
        ("/-/search", (("q", XSS[0]), ("tag", XSS[1]), ("mark", XSS[2]))): True,
        ("/archive/search_paragraphs", (("q", XSS[0]), ("mark", XSS[1]))): True,
        (f"/archive/cables/{urllib.parse.quote(XSS[0])}", ()): False,  # a 404 page
    }
    wrong = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for (path, params), shows in pages.items():
            response = http.get(path, params=dict(params))
            page = response.text
            where = f"{response.status_code} {path} {dict(params)}"
            if response.status_code >= 500 or (response.status_code != 200 and shows):
                wrong.append(f"{where}: status")
            for payload in XSS:
                if payload in page:
                    wrong.append(f"{where}: {payload} unescaped")
            if "<img src=x" in page or "<svg onload" in page or "<script>alert" in page:
                wrong.append(f"{where}: markup unescaped")
            if shows and escaped not in page and "&lt;img src=x onerror=alert(1)&gt;" not in page:
                wrong.append(f"{where}: the cable's markup is not shown (escaped) here")
    assert not wrong, "\n".join(wrong)
    assert_unchanged(site)
