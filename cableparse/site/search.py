"""The search page (/-/search): ranked full-text search with highlighted hits and facets.

Datasette's table search neither ranks nor highlights, and its canned queries
have no facets; this page does all three over `paragraphs_fts` (and lists the
cables whose subject matches over `cables_fts`). The matches are gathered once and
each facet groups them under the facet time limit: one that runs out is
reported, not fatal.
"""
from __future__ import annotations

import sqlite3
import uuid
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import escape_fts, sqlite_timelimit, tilde_encode
from datasette.utils.asgi import NotFound, Response

from ..archive.tagdict import describe
from .archives import first_archive, is_archive
from .filters import small_int, year_value
from .render import highlight, paragraph_label
from .settings import HIT_END, HIT_START

PAGE_SIZE = 20
FACET_SIZE = 15
# FTS5 ranks and snippets a row in time growing with the square of the query's
# terms, and the SQL time limit can only stop a query between two rows: a 100 KB
# query held a thread for many minutes. Longer searches are refused (400).
MAX_QUERY = 1000  # characters
# CROSS JOIN keeps the full-text match as the outer loop: left free, SQLite may
# walk an index on a filter (classification = 'U') and run the match per row.
FROM = ("from paragraphs_fts cross join paragraphs p on p.rowid = paragraphs_fts.rowid "
        "cross join cables c on c.id = p.cable_id")
# name -> (label, SQL expression, query-string parameter of the paragraphs table page)
FACETS = {
    "mark": ("Paragraph mark", "p.classification", "classification"),
    "section": ("Section", "p.section", "section"),
    "tag": ("Cable tag", None, "_tag"),
    "origin": ("Origin", "c.origin", "_cable_origin"),
    "year": ("Year", "c.year", "_cable_year"),
}


def _filters(args) -> tuple[list[str], dict, list[tuple[str, str]]]:
    """SQL conditions, their parameters, and the (name, value) filters in force."""
    wheres, params, active = [], {}, []
    for name in ("mark", "section", "origin", "year"):
        value = args.get(name)
        if value:
            column = FACETS[name][1]
            params[name] = year_value(value) if name == "year" else value
            wheres.append(f"{column} = :{name}")
            active.append((name, value))
    for i, tag in enumerate(args.getlist("tag")):
        params[f"tag{i}"] = tag
        wheres.append(f"p.cable_id in (select cable_id from cable_tags where tag = :tag{i})")
        active.append(("tag", tag))
    return wheres, params, active


def _count_and_facets(conn, where: str, params: dict, limit_ms: int, facet_ms: int):
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
                f"create table {table} as select p.cable_id, p.classification as mark, p.section, "
                f"c.origin, c.year {FROM} where {where}", params)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryInterrupted(exc, "search", params) from exc
        raise
    try:
        total = conn.execute(f"select count(*) from {table}").fetchone()[0]
        facets = []
        for name, (label, _column, _param) in FACETS.items():
            if name == "tag":  # a cable's tags once per matching paragraph of it
                sql = (f"select ct.tag as value, sum(m.n) as count from (select cable_id, count(*) as n "
                       f"from {table} group by cable_id) m join cable_tags ct on ct.cable_id = m.cable_id "
                       f"group by ct.tag order by count desc, value limit {FACET_SIZE}")
            else:
                sql = (f"select [{name}] as value, count(*) as count "
                       f"from {table} where [{name}] is not null group by [{name}] "
                       f"order by count desc, value limit {FACET_SIZE}")
            try:
                with sqlite_timelimit(conn, facet_ms):
                    rows = conn.execute(sql).fetchall()
            except sqlite3.OperationalError as exc:
                if "interrupted" not in str(exc):
                    raise
                facets.append({"name": name, "label": label, "timed_out": True, "values": []})
                continue
            facets.append({"name": name, "label": label, "timed_out": False,
                           "values": [{"value": v, "count": n} for v, n in rows]})
        return total, facets
    finally:
        conn.execute(f"drop table {table}")


def _link(args, drop=(), add=()) -> str:
    """The search page's own URL with some (name, value) pairs removed or added."""
    pairs = [(k, v) for k in args for v in args.getlist(k)
             if k != "page" and (k, v) not in drop and k not in {a[0] for a in add if a[0] != "tag"}]
    return "/-/search?" + urlencode(pairs + list(add))


async def search_context(datasette, request) -> dict:
    database = request.args.get("db") or first_archive(datasette)
    if request.args.get("db") and not is_archive(datasette, database):
        raise NotFound(f"No cable archive named {database}")
    args = request.args
    q = (args.get("q") or "").replace("\x00", "").strip()  # FTS5 cannot quote a NUL
    context = {"q": q, "database": database, "results": [], "facets": [], "active": [],
               "subjects": [], "total": 0, "error": None, "status": 200}
    if not q or database is None:
        return context
    if len(q) > MAX_QUERY:
        context.update(q=q[:MAX_QUERY], status=400,
                       error=f"The search is too long: at most {MAX_QUERY:,} characters.")
        return context
    if not await datasette.get_database(database).table_exists("paragraphs_fts"):
        # a first ingest builds the index at its end: until then, say so (not a 500)
        context["error"] = ("The full-text index is not built yet: an ingest is loading "
                            "the archive. Search again when it has finished.")
        return context
    wheres, params, active = _filters(args)
    params["q"] = escape_fts(q)
    where = " and ".join(["paragraphs_fts match :q"] + wheres)
    page = max(small_int(args.get("page") or "") or 1, 1)
    limit_ms, facet_ms = datasette.setting("sql_time_limit_ms"), datasette.setting("facet_time_limit_ms")
    try:
        total, facets = await datasette.get_database(database).execute_fn(
            lambda conn: _count_and_facets(conn, where, params, limit_ms, facet_ms))
        rows = (await datasette.execute(database, (
            "select p.cable_id, p.position, p.number, p.sub, p.classification, p.section, "
            "c.origin, c.created, c.subject, "
            f"snippet(paragraphs_fts, 0, '{HIT_START}', '{HIT_END}', '…', 40) as snippet "
            f"{FROM} where {where} order by rank limit {PAGE_SIZE} "
            f"offset {(page - 1) * PAGE_SIZE}"), params)).rows
    except QueryInterrupted:
        context["error"] = "The search took too long: add a word or a filter."
        return context
    cables_url = datasette.urls.table(database, "cables")
    results = []
    for r in rows:
        cable_url = datasette.urls.row(database, "cables", tilde_encode(r["cable_id"]))
        results.append({**dict(r), "label": paragraph_label(r["number"], r["sub"]),
                        "url": f"{cable_url}#pos{r['position']}", "cable_url": cable_url,
                        "snippet": highlight(r["snippet"])})
    for facet in facets:
        name = facet["name"]
        for v in facet["values"]:
            value = str(v["value"])
            chosen = (name, value) in active
            v["selected"] = chosen
            v["url"] = _link(args, drop=[(name, value)]) if chosen else _link(args, add=[(name, value)])
            v["title"] = describe(value)[1] if name == "tag" else None
    table_args = [("_search", q)] + [(FACETS[n][2], v) for n, v in active]
    context.update({
        "total": total, "results": results, "facets": facets, "page": page,
        "active": [{"name": n, "label": FACETS[n][0], "value": v,
                    "remove": _link(args, drop=[(n, v)])} for n, v in active],
        "next": _link(args, add=[("page", str(page + 1))]) if page * PAGE_SIZE < total else None,
        "prev": _link(args, add=[("page", str(page - 1))]) if page > 1 else None,
        "table_url": datasette.urls.table(database, "paragraphs") + "?" + urlencode(table_args),
        "subjects": await _subjects(datasette, database, q, args, cables_url),
    })
    return context


async def _subjects(datasette, database, q, args, cables_url) -> list[dict]:
    """Cables whose subject line matches, best first (origin, year and tag filters apply)."""
    if not await datasette.get_database(database).table_exists("cables_fts"):
        return []  # built just after paragraphs_fts, in its own transaction
    wheres, params = ["cables_fts match :q"], {"q": escape_fts(q)}
    if args.get("origin"):
        wheres.append("c.origin = :origin")
        params["origin"] = args.get("origin")
    year = small_int(args.get("year") or "")
    if year is not None:
        wheres.append("c.year = :year")
        params["year"] = year
    for i, tag in enumerate(args.getlist("tag")):
        wheres.append(f"c.id in (select cable_id from cable_tags where tag = :tag{i})")
        params[f"tag{i}"] = tag
    try:
        rows = (await datasette.execute(database, (
            "select c.id, c.created, c.origin, c.classification, "
            f"highlight(cables_fts, 0, '{HIT_START}', '{HIT_END}') as subject "
            "from cables_fts cross join cables c on c.rowid = cables_fts.rowid "
            f"where {' and '.join(wheres)} order by rank limit 10"), params)).rows
    except QueryInterrupted:
        return []
    return [{**dict(r), "subject": highlight(r["subject"]),
             "url": datasette.urls.row(database, "cables", tilde_encode(r["id"]))} for r in rows]


async def search_page(datasette, request):
    context = await search_context(datasette, request)
    html = await datasette.render_template("cable_search.html", context, request=request)
    return Response.html(html, status=context["status"])
