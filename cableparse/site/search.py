"""The search page (/-/search, .json, .csv): the search language, ranked hits, facets.

Datasette's table search neither ranks nor highlights, and its canned queries
have no facets; this page does all three over `paragraphs_fts` (and lists the
cables whose subject matches over `cables_fts`). The search is read by
query.py (words, phrases, OR, NOT, prefixes, NEAR, fields); the URL's filters
(mark, section, tag, origin, year: several values of one are OR-ed, filters
are AND-ed) add to it. The matches are gathered once and each facet groups
them under the facet time limit: one that runs out is reported, not fatal.
The count and facets of a search are kept for a while (page 2 of a search, the
same search again), keyed by the archive's state, so they stay exact.
"""
from __future__ import annotations

import csv
import io
import sqlite3
import time
import uuid
from collections import OrderedDict
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import NotFound, Response

from ..archive.sections import section_key, section_label
from ..archive.tagdict import describe
from . import query as lang
from .archives import first_archive, is_archive
from .filters import small_int
from .ids import ids_in, spaced_ids_in
from .render import highlight, paragraph_label
from .settings import HIT_END, HIT_START

PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
FACET_SIZE = 15
MORE_SIZE = 200  # values of a facet after "more"
# FTS5 ranks and snippets a row in time growing with the square of the query's
# terms, and the SQL time limit can only stop a query between two rows: a 100 KB
# query held a thread for many minutes. Longer searches are refused (400).
MAX_QUERY = 1000  # characters
# name -> (label, column of the matches table, URL parameter of the paragraphs table page)
FACETS = {
    "mark": ("Paragraph mark", "mark", "classification"),
    "section": ("Section", "section", "section_key"),
    "tag": ("Cable tag", None, "_tag"),
    "origin": ("Origin", "origin", "_cable_origin"),
    "year": ("Year", "year", "_cable_year"),
}
SORTS = {"rank": "best match first", "newest": "newest first", "oldest": "oldest first"}
CACHE_SIZE = 128  # searches: each has its counts and the order of its first matches
# the order of a search's first matches is cached (rowids), so that its first pages read
# only their own rows: ranked, FTS5 ranks every match (~300 ms for "human rights" on the
# full release) for each page otherwise. Pages past these fall back to the plain query.
FIRST_ROWS = 1000
_cache: OrderedDict = OrderedDict()


class SearchError(ValueError):
    pass


def _from(driver: str | None) -> str:
    """CROSS JOIN keeps the full-text match as the outer loop: left free, SQLite may
    walk an index on a filter (classification = 'U') and run the match per row."""
    if driver is None:
        return "from paragraphs p cross join cables c on c.id = p.cable_id"
    return (f"from {driver} cross join paragraphs p on p.rowid = {driver}.rowid "
            "cross join cables c on c.id = p.cable_id")


def url_filters(args, sql) -> tuple[list[str], list[tuple[str, str]]]:
    """SQL conditions of the URL's filters, and the (name, value) pairs in force.
    Several values of one filter are OR-ed (mark=C&mark=SBU), the filters AND-ed."""
    wheres, active = [], []
    for name in FACETS:
        values = [v.strip() for v in args.getlist(name) if v.strip()]
        if not values:
            continue
        parts = []
        for value in values:
            if name == "section":
                parts.append(f"p.section_key = {sql.param(section_key(value) or value.lower())}")
            elif name == "mark":
                parts.append(f"p.classification = {sql.param(value)}")
            else:
                parts.append(lang.field_sql(name, value, sql.param))
            active.append((name, value))
        wheres.append(parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")")
    return wheres, active


# the tables the page uses when present: an ingest builds the indexes at its end
_OPTIONAL_TABLES = ("paragraphs_fts", "paragraphs_exact_fts", "cables_fts", "paragraph_facets")


def _archive_now(conn) -> dict:
    """In one trip to a database thread: which optional tables exist, whether paragraphs
    has section_key, and the state the cached counts were computed for (the archive
    changes as an ingest writes). Asked apart, each was a trip of its own: seven per
    search before its two real queries."""
    marks = ", ".join("?" for _ in _OPTIONAL_TABLES)
    tables = {r[0] for r in conn.execute(
        f"select name from sqlite_master where type = 'table' and name in ({marks})", _OPTIONAL_TABLES)}
    columns = {r[1] for r in conn.execute("pragma table_info(paragraphs)")}
    state = tuple(conn.execute(  # by rowid: no count(*) over 251k cables per search
        "select (select max(rowid) from paragraphs), (select max(rowid) from cables), "
        "(select content_hash from cables order by rowid desc limit 1)").fetchone())
    return {"tables": tables, "section_key": "section_key" in columns, "state": state}


def _count_and_facets(conn, driver, where: str, params: dict, limit_ms: int, facet_ms: int,
                      sizes: dict, key: str = "p.section_key"):
    """The number of matches and each facet's counts, from one pass over the matches.

    The matching paragraphs (with their cable's origin and year) go once into a
    temporary table; the count and the five facets group that table. Run apart,
    each re-ran the match and joined every hit again: 2.5 s for a common phrase
    on the full release, where this takes one join. Raises QueryInterrupted when
    the match itself passes the SQL time limit; a facet past its own limit is
    reported as timed out.
    """
    table = f"temp.[search_{uuid.uuid4().hex}]"
    try:
        with sqlite_timelimit(conn, limit_ms):
            conn.execute(
                f"create table {table} as select p.cable_id, p.classification as mark, "
                f"{key} as section, c.origin, c.year {_from(driver)} where {where}", params)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryInterrupted(exc, "search", params) from exc
        raise
    try:
        total = conn.execute(f"select count(*) from {table}").fetchone()[0]
        facets = []
        for name, (label, column, _param) in FACETS.items():
            size = sizes.get(name, FACET_SIZE)
            if name == "tag":  # a cable's tags once per matching paragraph of it
                sql = (f"select ct.tag as value, sum(m.n) as count from (select cable_id, count(*) as n "
                       f"from {table} group by cable_id) m join cable_tags ct on ct.cable_id = m.cable_id "
                       f"group by ct.tag order by count desc, value limit {size + 1}")
            else:
                sql = (f"select [{column}] as value, count(*) as count "
                       f"from {table} where [{column}] is not null group by [{column}] "
                       f"order by count desc, value limit {size + 1}")
            try:
                with sqlite_timelimit(conn, facet_ms):
                    rows = conn.execute(sql).fetchall()
            except sqlite3.OperationalError as exc:
                if "interrupted" not in str(exc):
                    raise
                facets.append({"name": name, "label": label, "timed_out": True, "values": [],
                               "truncated": False})
                continue
            facets.append({"name": name, "label": label, "timed_out": False,
                           "truncated": len(rows) > size,
                           "values": [{"value": v, "count": n} for v, n in rows[:size]]})
        return total, facets
    finally:
        conn.execute(f"drop table {table}")


def _columns(snippet: str, section_expr: str) -> str:
    return ("select p.cable_id, p.position, p.number, p.sub, p.classification, p.section, "
            f"{section_expr} as section_key, c.origin, c.created, c.subject, {snippet} as snippet ")


def _chosen_sql(driver, where: str, order: str, size: int, offset: int) -> str:
    """The rowids of a page of matches in the page's order, without snippets."""
    return f"select p.rowid {_from(driver)} where {where} order by {order} limit {size} offset {offset}"


def _rows_sql(driver, where: str, order: str, snippet: str, section_expr: str, size: int,
              offset: int, ranked: bool) -> str:
    """The page of matching paragraphs. Ranked, FTS5 sorts the matches itself and makes
    snippets for the page only. By date, SQLite would make a snippet for every match
    before sorting them (seconds for a common phrase): the page's rowids are chosen
    first, without snippets, then only those rows are read with theirs."""
    columns = _columns(snippet, section_expr)
    if ranked:
        return f"{columns}{_from(driver)} where {where} order by {order} limit {size} offset {offset}"
    # on the index's rowid, FTS5 seeks each chosen row instead of walking every match
    only = f"{driver} match :match and {driver}.rowid" if driver else "p.rowid"
    chosen = _chosen_sql(driver, where, order, size, offset)
    return f"{columns}{_from(driver)} where {only} in ({chosen}) order by {order}"


def _first_rowids(conn, sql: str, params: dict, limit_ms: int) -> list[int]:
    """All the rowids the query chooses: on the connection, not truncated to Datasette's
    max_returned_rows, under the SQL time limit."""
    try:
        with sqlite_timelimit(conn, limit_ms):
            return [r[0] for r in conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryInterrupted(exc, sql, params) from exc
        raise


def _rows_by_rowid_sql(driver, snippet: str, section_expr: str, rowids: list[int]) -> str:
    """The rows of rowids already chosen (from the cached order), with their snippets;
    the caller puts them in the order of rowids."""
    only = f"{driver} match :match and {driver}.rowid" if driver else "p.rowid"
    listed = ", ".join(str(int(r)) for r in rowids)
    return (f"{_columns(snippet, section_expr)}, p.rowid as [_rowid] "
            f"{_from(driver)} where {only} in ({listed})")


def _link(args, drop=(), add=(), replace=()) -> str:
    """The search page's own URL with some (name, value) pairs removed or added, or some
    parameters replaced (page, sort, more)."""
    replaced = {name for name, _value in replace} | {"page"}
    pairs = [(k, v) for k in args for v in args.getlist(k)
             if k not in replaced and (k, v) not in drop]
    return "/-/search?" + urlencode(pairs + list(add) + [(n, v) for n, v in replace if v])


def _cache_get(key):
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
    return hit


def _cache_put(key, value):
    _cache[key] = value
    _cache.move_to_end(key)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)


async def _section_labels(datasette, database, keys, has_table: bool) -> dict:
    keys = [k for k in keys if k]
    if not keys:
        return {}
    if not has_table:
        return {k: section_label(k) for k in keys}
    marks = ", ".join(f":k{i}" for i in range(len(keys)))
    rows = (await datasette.execute(database, (
        f"select value, label from paragraph_facets where facet = 'section_key' and value in ({marks})"),
        {f"k{i}": k for i, k in enumerate(keys)})).rows
    found = {r[0]: r[1] for r in rows}
    return {k: found.get(k) or section_label(k) for k in keys}


def _empty(q, database) -> dict:
    return {"q": q, "database": database, "results": [], "facets": [], "active": [],
            "subjects": [], "total": 0, "error": None, "status": 200, "cables": [],
            "sort": "rank", "sorts": [], "fts": None, "index": None, "redirect": None,
            "page": 1, "page_size": PAGE_SIZE, "next": None, "prev": None}


async def _id_lookup(datasette, database, q: str) -> list[dict] | None:
    """When the search is cable ids: each with whether the archive has it and its URL."""
    ids = ids_in(q)
    spaced = False
    if ids is None:
        ids = spaced_ids_in(q)
        spaced = True
        if not ids:
            return None
    marks = ", ".join(f":i{i}" for i in range(len(ids)))
    rows = (await datasette.execute(database, (
        f"select id, created, origin, classification, subject from cables where id in ({marks})"),
        {f"i{i}": v for i, v in enumerate(ids)})).rows
    found = {r["id"]: dict(r) for r in rows}
    if spaced and not found:
        return None  # "2009 elections 5" is words, not a cable
    return [{"id": i, "in_archive": i in found, **found.get(i, {}),
             "url": datasette.urls.row(database, "cables", tilde_encode(i))} for i in ids]


async def search_context(datasette, request) -> dict:
    database = request.args.get("db") or first_archive(datasette)
    if request.args.get("db") and not is_archive(datasette, database):
        raise NotFound(f"No cable archive named {database}")
    args = request.args
    q = (args.get("q") or "").replace("\x00", "").strip()  # FTS5 cannot quote a NUL
    context = _empty(q, database)
    has_filters = any(args.getlist(name) for name in FACETS)
    if (not q and not has_filters) or database is None:
        return context
    if len(q) > MAX_QUERY:
        context.update(q=q[:MAX_QUERY], status=400,
                       error=f"The search is too long: at most {MAX_QUERY:,} characters.")
        return context
    db = datasette.get_database(database)
    now = await db.execute_fn(_archive_now)
    if "paragraphs_fts" not in now["tables"]:
        # a first ingest builds the index at its end: until then, say so (not a 500)
        context["error"] = ("The full-text index is not built yet: an ingest is loading "
                            "the archive. Search again when it has finished.")
        return context
    if q:
        cables = await _id_lookup(datasette, database, q)
        if cables is not None:
            context["cables"] = cables
            if len(cables) == 1:
                context["redirect"] = cables[0]["url"]
            return context
    try:
        node = lang.parse(q) if q else None
        if node is None and not has_filters:
            raise lang.QueryError("Nothing to search for: type a word.")
        compiled = lang.compile_query(node) if node is not None else lang.Compiled(
            None, None, [], {}, [])
    except lang.QueryError as exc:
        context.update(status=400, error=str(exc))
        return context
    sql = lang._Sql()
    sql.params = dict(compiled.params)
    extra, active = url_filters(args, sql)
    wheres = ([f"{compiled.driver} match :match"] if compiled.driver else []) + compiled.wheres + extra
    if "paragraphs_exact_fts" in " ".join(wheres) and "paragraphs_exact_fts" not in now["tables"]:
        context.update(status=400, error="This archive has no index of exact words yet "
                       "(an ingest builds it): search without =.")
        return context
    # an archive made before section_key (served before `cableparse migrate`): headings as written
    section_expr = "p.section_key" if now["section_key"] else "lower(p.section)"
    wheres = [w.replace("p.section_key", section_expr) for w in wheres]
    params = dict(sql.params)
    if compiled.driver:
        params["match"] = compiled.match
    where = " and ".join(wheres) or "1"
    sort = args.get("sort") or ("rank" if compiled.driver else "newest")
    if sort not in SORTS or (sort == "rank" and not compiled.driver):
        sort = "newest"
    size = small_int(args.get("_size") or "")
    size = PAGE_SIZE if size is None else min(size, MAX_PAGE_SIZE)  # 0: counts and facets only
    page = max(small_int(args.get("page") or "") or 1, 1)
    more = set(args.getlist("more"))
    sizes = {name: MORE_SIZE for name in more}
    limit_ms, facet_ms = datasette.setting("sql_time_limit_ms"), datasette.setting("facet_time_limit_ms")
    order = {"rank": "rank", "newest": "c.created desc, p.cable_id, p.position",
             "oldest": "c.created, p.cable_id, p.position"}[sort]
    if compiled.driver:
        snippet = f"snippet({compiled.driver}, 0, '{HIT_START}', '{HIT_END}', '…', 40)"
    else:
        snippet = "substr(p.text, 1, 300) || case when length(p.text) > 300 then '…' else '' end"
    try:
        key = (database, now["state"], compiled.driver, where,
               tuple(sorted(params.items(), key=lambda kv: kv[0])), tuple(sorted(sizes.items())))
        cached = None if args.get("_cache") == "off" else _cache_get(key)  # off: the bench
        if cached is None:
            cached = await db.execute_fn(
                lambda conn: _count_and_facets(conn, compiled.driver, where, params, limit_ms,
                                               facet_ms, sizes, section_expr))
            _cache_put(key, cached)
        total, facets = cached
        facets = [{**f, "values": [dict(v) for v in f["values"]]} for f in facets]
        offset = (page - 1) * size
        first = None
        if size and args.get("_cache") != "off" and offset + size <= FIRST_ROWS:
            order_key = ("order", sort) + key[:-1]  # facet sizes do not change the order
            first = _cache_get(order_key)
            if first is None:
                first = await db.execute_fn(lambda conn: _first_rowids(
                    conn, _chosen_sql(compiled.driver, where, order, FIRST_ROWS, 0), params, limit_ms))
                _cache_put(order_key, first)
        if first is not None:
            chosen = first[offset:offset + size]
            found = {r["_rowid"]: r for r in (await datasette.execute(
                database, _rows_by_rowid_sql(compiled.driver, snippet, section_expr, chosen),
                params)).rows} if chosen else {}
            rows = [{k: found[rowid][k] for k in found[rowid].keys() if k != "_rowid"}
                    for rowid in chosen if rowid in found]
        else:
            rows = (await datasette.execute(database, _rows_sql(
                compiled.driver, where, order, snippet, section_expr, size, offset,
                ranked=sort == "rank"), params)).rows
    except QueryInterrupted:  # not the reader's error: the page (200) says what to do
        context["error"] = "The search took too long: add a word or a filter."
        return context
    except sqlite3.OperationalError as exc:  # an FTS5 syntax the language let through
        context.update(status=400, error=f"The search could not be run: {exc}.")
        return context
    results = []
    for r in rows:
        cable_url = datasette.urls.row(database, "cables", tilde_encode(r["cable_id"]))
        results.append({**dict(r), "label": paragraph_label(r["number"], r["sub"]),
                        "url": f"{cable_url}#pos{r['position']}", "cable_url": cable_url,
                        "snippet_text": r["snippet"], "snippet": highlight(r["snippet"])})
    labels = await _section_labels(
        datasette, database,
        list({v["value"] for f in facets if f["name"] == "section" for v in f["values"]}
             | {r["section_key"] for r in results if r["section_key"]}
             | {section_key(v) for n, v in active if n == "section"}),
        "paragraph_facets" in now["tables"])
    for r in results:
        r["section_label"] = labels.get(r["section_key"])
    for facet in facets:
        name = facet["name"]
        for v in facet["values"]:
            value = str(v["value"])
            chosen = (name, value) in active
            v["selected"] = chosen
            v["url"] = _link(args, drop=[(name, value)]) if chosen else _link(args, add=[(name, value)])
            v["title"] = describe(value)[1] if name == "tag" else None
            v["label"] = labels.get(value, value) if name == "section" else value
        if facet["truncated"] and name not in more:
            facet["more_url"] = _link(args, add=[("more", name)])
        elif name in more:
            facet["less_url"] = _link(args, drop=[("more", name)])
    # the same rows in the paragraphs table: the MATCH as the page ran it (raw), its filters
    table_args = ([("_search", compiled.match), ("_searchmode", "raw")] if q and compiled.fts_only
                  else []) + [(FACETS[n][2], v) for n, v in active if n in ("mark", "tag")]
    context.update({
        "total": total, "results": results, "facets": facets, "page": page, "page_size": size,
        "sort": sort, "fts": compiled.match, "index": compiled.driver,
        "where": where, "params": params,
        "sorts": [{"name": n, "label": label, "selected": n == sort,
                   "url": _link(args, replace=[("sort", n)])}
                  for n, label in SORTS.items() if n != "rank" or compiled.driver],
        "active": [{"name": n, "label": FACETS[n][0], "value": v,
                    "shown": labels.get(section_key(v), v) if n == "section" else v,
                    "remove": _link(args, drop=[(n, v)])} for n, v in active],
        "next": _link(args, replace=[("page", str(page + 1))]) if size and page * size < total else None,
        "prev": _link(args, replace=[("page", str(page - 1))]) if page > 1 else None,
        "table_url": (datasette.urls.table(database, "paragraphs") + "?" + urlencode(table_args)
                      if (compiled.fts_only or not q) and _one_value_each(active) else None),
        "subjects": await _subjects(datasette, database, node, args, "cables_fts" in now["tables"]),
    })
    return context


def _one_value_each(active) -> bool:
    """The paragraphs table ANDs repeated filters where the search page ORs them, and has
    no section, origin or year filter of this kind: link it only when it means the same."""
    names = [n for n, _v in active]
    return len(names) == len(set(names)) and set(names) <= {"mark", "tag"}


async def _subjects(datasette, database, node, args, has_index: bool) -> list[dict]:
    """Cables whose subject line matches, best first (origin, year and tag filters apply)."""
    if node is None or not has_index:
        return []  # built just after paragraphs_fts, in its own transaction
    match = lang.subject_match(node)
    if match is None:
        return []
    sql = lang._Sql()
    wheres = ["cables_fts match :subject"]
    for name in ("origin", "year", "tag"):
        values = [v for v in args.getlist(name) if v.strip()]
        if values:
            parts = [lang.field_sql(name, v, sql.param).replace("p.cable_id", "c.id") for v in values]
            wheres.append("(" + " or ".join(parts) + ")")
    for name, value in lang.fields_of(node):
        if name in ("origin", "year", "tag", "id"):
            wheres.append(lang.field_sql(name, value, sql.param).replace("p.cable_id", "c.id"))
    params = {**sql.params, "subject": match}
    try:
        rows = (await datasette.execute(database, (
            "select c.id, c.created, c.origin, c.classification, "
            f"highlight(cables_fts, 0, '{HIT_START}', '{HIT_END}') as subject "
            "from cables_fts cross join cables c on c.rowid = cables_fts.rowid "
            f"where {' and '.join(wheres)} order by rank limit 10"), params)).rows
    except (QueryInterrupted, sqlite3.OperationalError):
        return []
    return [{**dict(r), "subject": highlight(r["subject"]),
             "url": datasette.urls.row(database, "cables", tilde_encode(r["id"]))} for r in rows]


def _plain(snippet: str | None) -> str:
    return (snippet or "").replace(HIT_START, "").replace(HIT_END, "")


def as_json(context: dict) -> dict:
    """The search as data: what /-/search.json answers."""
    def facet(f):
        out = {"label": f["label"], "timed_out": f["timed_out"], "truncated": f["truncated"],
               "values": [{"value": v["value"], "label": v["label"], "count": v["count"],
                           "selected": v["selected"], "url": v["url"]} for v in f["values"]]}
        if f.get("more_url"):
            out["more_url"] = f["more_url"]
        return out

    data = {
        "ok": context["error"] is None,
        "q": context["q"],
        "count": context["total"],
        "error": context["error"],
        "fts": context["fts"],  # the MATCH expression, on the table named by index
        "index": context["index"],
        "sort": context["sort"],
        "page": context["page"],
        "page_size": context["page_size"],
        "filters": [{"name": a["name"], "value": a["value"]} for a in context["active"]],
        "next_url": context["next"],
        "table_url": context.get("table_url"),  # the same paragraphs in the paragraphs table
        "results": [{
            "cable_id": r["cable_id"], "position": r["position"], "paragraph": r["label"],
            "mark": r["classification"], "section": r["section"], "section_key": r["section_key"],
            "origin": r["origin"], "date": (r["created"] or "")[:10], "subject": r["subject"],
            "snippet": _plain(r["snippet_text"]), "snippet_marked": r["snippet_text"],
            "url": r["url"],
        } for r in context["results"]],
        "facets": {f["name"]: facet(f) for f in context["facets"]},
        "subjects": [{"cable_id": s["id"], "date": (s["created"] or "")[:10], "origin": s["origin"],
                      "subject": _plain(str(s["subject"]).replace("<mark>", "").replace("</mark>", "")),
                      "url": s["url"]} for s in context["subjects"]],
    }
    if context["cables"]:
        data["cables"] = [{"id": c["id"], "in_archive": c["in_archive"], "url": c["url"],
                           "subject": c.get("subject"), "created": c.get("created")}
                          for c in context["cables"]]
    return data


CSV_COLUMNS = ["cable_id", "paragraph", "position", "mark", "section", "section_key", "origin",
               "date", "subject", "snippet", "url"]


def as_csv(context: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in as_json(context)["results"]:
        writer.writerow([r[c] if r[c] is not None else "" for c in CSV_COLUMNS])
    return out.getvalue()


async def search_page(datasette, request):
    started = time.monotonic()
    fmt = request.url_vars.get("format") or ""
    context = await search_context(datasette, request)
    if fmt == "json":
        data = as_json(context)
        data["query_ms"] = round((time.monotonic() - started) * 1000, 1)
        return Response.json(data, status=context["status"])
    if fmt == "csv":
        if context["error"]:
            return Response.text(context["error"] + "\n", status=context["status"])
        return Response(as_csv(context), status=200, content_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'inline; filename="search.csv"'})
    if context["redirect"]:
        return Response.redirect(context["redirect"])
    request_args = request.args
    context["json_url"] = "/-/search.json?" + urlencode([(k, v) for k in request_args
                                                         for v in request_args.getlist(k)])
    context["csv_url"] = context["json_url"].replace("/-/search.json", "/-/search.csv", 1)
    html = await datasette.render_template("cable_search.html", context, request=request)
    return Response.html(html, status=context["status"])
