"""What the cable page shows: the cable's fields, addressees, references, paragraphs,
cited-by, and what changed between its versions.

Datasette's row page for `cables` is the cable page (templates/row.html), so
links from other tables' `cable_id` land on it; this gathers what it shows.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from datasette.utils import tilde_encode

from ..archive.rawtext import unpack_row
from ..archive.tagdict import describe
from ..archive.versions import diff_json
from . import cable_api
from .cable_api import _rows
from .render import anchors, paragraph_label

HEADER_FIELDS = [  # (column, label) in the order a cable's header reads
    ("id", "Reference ID"), ("created", "Created"), ("released", "Released"),
    ("classification", "Classification"), ("origin", "Origin"),
    ("precedence", "Precedence"), ("dtg", "Date-time group"), ("from_station", "From"),
    ("serial", "Serial"), ("classified_by", "Classified by"), ("eo", "E.O."),
    ("declassify_on", "Declassify on"), ("signature", "Signed"),
    ("source", "Source"), ("format", "Source format"),
]


async def _versions(datasette, database: str, cable_id: str, args) -> dict | None:
    """The versions and the difference between two of them (`?from=HASH&to=HASH`,
    prefixes allowed; default the two latest), as `cableparse diff` gives it."""
    def work(conn):
        try:
            return diff_json(conn, cable_id, args.get("from") or None, args.get("to") or None)
        except LookupError as exc:  # a hash that names no version: the default pair, and why
            data = diff_json(conn, cable_id)
            if data is not None:
                data["error"] = str(exc)
            return data

    data = await datasette.get_database(database).execute_fn(work)
    if data is None:
        return None
    page = datasette.urls.row(database, "cables", tilde_encode(cable_id))
    for v in data["versions"]:
        v["short"] = v["hash"][:12]
        v["role"] = "from" if v["hash"] == data["from"] else "to" if v["hash"] == data["to"] else ""
    versions = data["versions"]
    for older, newer in zip(versions, versions[1:]):
        newer["compare_url"] = page + "?" + urlencode(
            {"from": older["short"], "to": newer["short"]}) + "#versions"
    return data


async def cable_context(datasette, database: str, cable_id: str, args=None) -> dict | None:
    found = await _rows(datasette, database, "select * from cables where id = ?", [cable_id])
    if not found:
        return None
    cable = unpack_row(found[0])  # the raw text is stored compressed (archive/rawtext.py)
    paragraphs = await _rows(
        datasette, database,
        "select position, number, sub, classification, section, text from paragraphs "
        "where cable_id = ? order by position", [cable_id])
    for p, anchor in zip(paragraphs, anchors(paragraphs)):
        p["anchor"] = anchor
        p["label"] = paragraph_label(p["number"], p["sub"])
        p["row_url"] = datasette.urls.row(
            database, "paragraphs", f"{tilde_encode(cable_id)},{p['position']}")
    refs = await _rows(
        datasette, database,
        "select r.label, r.raw, r.target_id, t.id is not null as archived, t.subject "
        "from refs r left join cables t on t.id = r.target_id "
        "where r.cable_id = ? order by r.position", [cable_id])
    for r in refs:
        if r["archived"]:
            r["url"] = datasette.urls.row(database, "cables", tilde_encode(r["target_id"]))
    # The citations view's other direction; a cable citing this one twice is listed once.
    cited_by = await cable_api.cited_by(datasette, database, cable_id)
    recipients = await _rows(
        datasette, database,
        "select role, station, routing_indicator, precedence from recipients "
        "where cable_id = ? order by position", [cable_id])
    counts = (await datasette.execute(database, (
        "select (select count(*) from cable_versions where cable_id = :id), "
        "(select count(*) from ingest_errors where cable_id = :id)"), {"id": cable_id})).rows[0]
    versions = None
    if counts[0] > 1:
        versions = await _versions(datasette, database, cable_id, args or {})
    tags = []
    for code in json.loads(cable["tags"] or "[]"):
        kind, description = describe(code)
        tags.append({"code": code, "kind": kind, "description": description,
                     "url": datasette.urls.table(database, "cables") + "?" + urlencode({"_tag": code})})
    return {
        "cable": cable,
        "fields": [(label, cable[col]) for col, label in HEADER_FIELDS if cable.get(col)],
        "caveats": json.loads(cable["caveats"] or "[]"),
        "tags": tags,
        "to": [r for r in recipients if r["role"] == "to"],
        "info": [r for r in recipients if r["role"] != "to"],
        "refs": refs,
        "cited_by": cited_by,
        "paragraphs": paragraphs,
        "versions": counts[0],
        "diff": versions,  # None with one version
        "problems": counts[1],
        "urls": {
            "versions": datasette.urls.table(database, "cable_versions")
            + "?" + urlencode({"cable_id": cable_id}),
            "problems": datasette.urls.table(database, "ingest_errors")
            + "?" + urlencode({"cable_id": cable_id}),
            "paragraphs": datasette.urls.table(database, "paragraphs")
            + "?" + urlencode({"cable_id": cable_id}),
            "whole_json": datasette.urls.row(database, "cables", tilde_encode(cable_id)) + ".json",
        },
    }


async def tag_context(datasette, database: str, code: str) -> dict | None:
    """The tag page's way on: its cables, paragraphs, search and chart, with their counts."""
    found = await _rows(datasette, database, "select code, cables, paragraphs, kind, description "
                        "from tags where code = ?", [code])
    if not found:
        return None
    tag = found[0]
    years = await _rows(datasette, database, "select min(year) as first, max(year) as last "
                        "from cable_tags where tag = ?", [code])
    q = urlencode({"_tag": code})
    chart = (datasette.urls.database(database) + "/cables_per_month_by_tag?"
             + urlencode({"tags": code, "origin": "", "_hide_sql": "1"})
             + "#g.mark=bar&g.x_column=month&g.x_type=ordinal&g.y_column=cables"
               "&g.y_type=quantitative&g.color_column=tag")
    return {
        **tag, **(years[0] if years else {}),
        "cables_url": datasette.urls.table(database, "cables") + "?" + q,
        "paragraphs_url": datasette.urls.table(database, "paragraphs") + "?" + q,
        "search_url": "/-/search?" + urlencode({"tag": code}),
        "chart_url": chart,
        "by_year_url": datasette.urls.database(database) + "/cables_by_tag_over_time?"
        + urlencode({"tag": code}),
    }
