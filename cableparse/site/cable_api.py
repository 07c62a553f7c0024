"""A cable URL however the id is typed, a page for a cable the archive lacks, one cable as JSON.

- `/archive/cables/07casablanca42`, `.../07CASABLANCA0042`, `.../1974ATHENS02959_b` redirect
  to the canonical id (ids.py), HTML and `.json` alike.
- A cable not in the archive gets a page of its own (404): the cables here that cite
  it, a search for its id, and its page on WikiLeaks PlusD.
- `/archive/cables/ID.json` is the whole cable in one request: Datasette's row keys
  (database, table, columns, rows, primary_keys, primary_key_values) and `cable`,
  with its fields, tags, addressees, references with their targets, cited-by,
  sections and paragraphs. With any query parameter (`?_shape=objects`) the URL is
  Datasette's own row JSON.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response

from ..archive.rawtext import unpack_row
from ..archive.tagdict import describe
from .archives import is_archive
from .ids import canonical_id, plusd_url
from .render import paragraph_label

CABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/cables/(?P<pks>[^/]+?)(?P<json>\.json)?$")


async def _rows(datasette, database, sql, params):
    return [dict(r) for r in (await datasette.execute(database, sql, params)).rows]


async def exists(datasette, database, cable_id) -> bool:
    return bool(await _rows(datasette, database, "select 1 from cables where id = ?", [cable_id]))


async def cited_by(datasette, database, cable_id) -> list[dict]:
    rows = await _rows(
        datasette, database,
        "select c.id, c.created, c.origin, c.subject, group_concat(distinct v.label) as labels "
        "from citations v join cables c on c.id = v.cable_id where v.cited_id = ? "
        "group by c.id order by c.created, c.id", [cable_id])
    for r in rows:
        r["url"] = datasette.urls.row(database, "cables", tilde_encode(r["id"]))
    return rows


async def whole_cable(datasette, database, cable_id) -> dict | None:
    """Everything the archive holds about one cable, as data."""
    found = await _rows(datasette, database, "select * from cables where id = ?", [cable_id])
    if not found:
        return None
    row = unpack_row(found[0])  # the raw text is stored compressed (archive/rawtext.py)
    fields = {k: v for k, v in row.items() if k not in ("header", "body", "tags", "caveats")}
    tags = []
    for code in json.loads(row.get("tags") or "[]"):
        kind, description = describe(code)
        tags.append({"code": code, "kind": kind, "description": description})
    recipients = await _rows(
        datasette, database,
        "select position, role, station, routing_indicator, precedence, serial from recipients "
        "where cable_id = ? order by position", [cable_id])
    refs = await _rows(
        datasette, database,
        "select r.position, r.label, r.raw, r.target_id, t.id is not null as in_archive, "
        "t.subject as target_subject from refs r left join cables t on t.id = r.target_id "
        "where r.cable_id = ? order by r.position", [cable_id])
    for r in refs:
        r["in_archive"] = bool(r["in_archive"])
        r["url"] = (datasette.urls.row(database, "cables", tilde_encode(r["target_id"]))
                    if r["in_archive"] else None)
    has_key = "section_key" in (await datasette.get_database(database).table_columns("paragraphs"))
    key = "section_key" if has_key else "null as section_key"
    sections = await _rows(
        datasette, database,
        f"select position, heading, {key}, first_paragraph from sections where cable_id = ? "
        "order by position", [cable_id])
    paragraphs = await _rows(
        datasette, database,
        f"select position, number, sub, classification as mark, section, {key}, text, line "
        "from paragraphs where cable_id = ? order by position", [cable_id])
    for p in paragraphs:
        p["label"] = paragraph_label(p["number"], p["sub"])
    citing = await cited_by(datasette, database, cable_id)
    return {
        "id": cable_id,
        "url": datasette.urls.row(database, "cables", tilde_encode(cable_id)),
        "fields": fields,
        "caveats": json.loads(row.get("caveats") or "[]"),
        "tags": tags,
        "addressees": recipients,
        "references": refs,
        "cited_by": [{k: c[k] for k in ("id", "created", "origin", "subject", "url")}
                     | {"labels": (c["labels"] or "").split(",") if c["labels"] else []}
                     for c in citing],
        "sections": sections,
        "paragraphs": paragraphs,
        "header": row.get("header"),
        "body": row.get("body"),
        "_row": row,
    }


async def cable_json(datasette, request, send):
    """The route for /DB/cables/ID.json (see the module's docstring)."""
    database = request.url_vars["database"]
    pks = request.url_vars["pks"]
    if not is_archive(datasette, database) or request.query_string:
        return await _datasette_row(datasette, request, send, database, pks)
    await datasette.ensure_permissions(request.actor, [("view-table", (database, "cables")),
                                                       ("view-database", database), "view-instance"])
    cable_id = tilde_decode(pks)
    cable = await whole_cable(datasette, database, cable_id)
    if cable is None:
        canonical = canonical_id(cable_id)
        if canonical and canonical != cable_id:
            return Response.redirect(datasette.urls.row(database, "cables", tilde_encode(canonical))
                                     + ".json")
        missing = await missing_context(datasette, database, canonical or cable_id, cable_id)
        return Response.json({"ok": False, "status": 404, "error": f"{cable_id} is not in this archive",
                              "id": missing["id"], "cited_by": missing["cited_by"],
                              "search_url": missing["search_url"], "plusd_url": missing["plusd_url"]},
                             status=404)
    row = cable.pop("_row")
    columns = list(row)
    return Response.json({
        "database": database, "table": "cables", "columns": columns,
        "rows": [[row[c] for c in columns]], "primary_keys": ["id"],
        "primary_key_values": [cable_id], "cable": cable,
    })


async def _datasette_row(datasette, request, send, database, pks):
    from datasette.views.row import RowView

    request.scope["url_route"] = {"kwargs": {"database": database, "table": "cables",
                                             "pks": pks, "format": "json"}}
    return await RowView.as_view(datasette)(request, send)


async def missing_context(datasette, database, cable_id, typed=None) -> dict:
    return {
        "id": cable_id,
        "typed": typed or cable_id,
        "cited_by": [{k: c[k] for k in ("id", "created", "origin", "subject", "url")}
                     for c in await cited_by(datasette, database, cable_id)],
        "search_url": "/-/search?" + urlencode({"q": f'"{cable_id}"'}),
        "plusd_url": plusd_url(cable_id, typed),
        "cables_url": datasette.urls.table(database, "cables"),
    }


async def not_found(datasette, request, exception):
    """handle_exception's answer for /DB/cables/ID that finds no row: a redirect to the
    canonical id, or the page of a cable the archive lacks. None: not such a request."""
    if not isinstance(exception, NotFound):
        return None
    m = CABLE_PATH.match(request.path)
    if not m or not is_archive(datasette, m.group("database")):
        return None
    database = m.group("database")
    typed = tilde_decode(m.group("pks"))
    canonical = canonical_id(typed)
    suffix = ".json" if m.group("json") else ""
    if canonical and canonical != typed:
        target = datasette.urls.row(database, "cables", tilde_encode(canonical)) + suffix
        if request.query_string:
            target += "?" + request.query_string
        return Response.redirect(target)
    context = await missing_context(datasette, database, canonical or typed, typed)
    if suffix:
        return Response.json({"ok": False, "status": 404, "error": f"{typed} is not in this archive",
                              **{k: context[k] for k in ("id", "cited_by", "search_url", "plusd_url")}},
                             status=404)
    html = await datasette.render_template("cable_missing.html", context, request=request)
    return Response.html(html, status=404)
