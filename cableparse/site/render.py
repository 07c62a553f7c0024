"""How cable values look in Datasette's tables: tag links, short raw text, highlighted hits.

Everything taken from a cable is escaped before any markup is added around it:
cable text holds `<<Israel>>`, `S&ED;` and worse, and must stay text.
"""
from __future__ import annotations

import json
import urllib.parse

from datasette.utils import tilde_encode
from markupsafe import Markup, escape

from ..archive.rawtext import unpack
from ..archive.tagdict import describe
from .settings import HIT_END, HIT_START

EXCERPT = 160  # characters of raw header/body shown in a table cell
RAW_TEXT = {("cables", "header"), ("cables", "body"), ("cable_versions", "header"),
            ("cable_versions", "body"), ("ingest_errors", "raw")}


def highlight(text) -> Markup:
    """Escape a snippet, then turn the FTS hit marks into <mark> elements."""
    safe = str(escape(text or ""))
    return Markup(safe.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))


def anchors(paragraphs: list[dict]) -> list[str]:
    """A URL fragment per paragraph: p7, p7a; numbered again or unnumbered -> pos<position>.

    Paragraph numbers restart and repeat in real cables, so only a number's
    first occurrence takes the short form; every fragment is unique. The page
    also gives every paragraph `pos<position>`, the form queries link to.
    """
    seen, out = set(), []
    for p in paragraphs:
        short = f"p{p['number']}{(p['sub'] or '').lower()}" if p["number"] is not None else None
        if short and short not in seen:
            seen.add(short)
            out.append(short)
        else:
            out.append(f"pos{p['position']}")
    return out


def paragraph_label(number, sub) -> str:
    if number is None:
        return ""
    return f"{number}.{sub}" if sub else f"{number}"


def tag_links(datasette, database: str, tags) -> Markup:
    """Each tag as a link to the cables sharing it, its meaning as the title.

    Runs for every row of a cables page: the table's URL is made once per cell.
    """
    base = escape(datasette.urls.table(database, "cables") + "?_tag=")
    parts = []
    for code in tags:
        _kind, description = describe(code)
        title = f' title="{escape(description)}"' if description else ""
        parts.append(f'<a href="{base}{escape(urllib.parse.quote_plus(str(code)))}"{title}>{escape(code)}</a>')
    return Markup(" ".join(parts))


def render_cell(row, value, column, table, database, datasette):
    """Datasette's render_cell hook body (None: let Datasette render the value)."""
    if table == "cables" and column == "tags" and isinstance(value, str):
        try:
            tags = json.loads(value)
        except ValueError:
            return None
        return tag_links(datasette, database, tags) if isinstance(tags, list) else None
    if table == "cables" and column == "tag_list" and isinstance(value, str):
        return tag_links(datasette, database, [t for t in value.split(", ") if t])
    if (table, column) in RAW_TEXT and isinstance(value, bytes) and table != "ingest_errors":
        value = unpack(value)  # raw text stored compressed (archive/rawtext.py)
        if len(value) <= EXCERPT:
            return Markup(f"{escape(value)}")
    if (table, column) in RAW_TEXT and isinstance(value, str) and len(value) > EXCERPT:
        return Markup(f'<span title="the full text is on the row page">'
                      f'{escape(value[:EXCERPT])}…</span>')
    if table is None and column == "snippet" and isinstance(value, str):
        return highlight(value)
    if table == "citations" and column in ("cable_id", "cited_id") and isinstance(value, str):
        return _citation_link(row, value, column, database, datasette)
    if table == "cable_origins" and column == "popup" and isinstance(value, str):
        return _popup_link(value)
    if table is None and column in ("cable_id", "citing_cable") and isinstance(value, str):
        anchor = _column(row, "anchor") if column == "cable_id" else None
        return _cable_link(datasette, database, value, anchor)
    return None


def _column(row, name, default=None):
    """`row[name]`, or `default` when the row (a query's) has no such column."""
    keys = row.keys() if hasattr(row, "keys") else []
    return row[name] if name in keys else default


def _cable_link(datasette, database: str, cable_id: str, anchor=None) -> Markup:
    """A link to the cable's page (and to a paragraph of it, with `anchor`)."""
    url = datasette.urls.row(database, "cables", tilde_encode(cable_id))
    if anchor:
        url += "#" + anchor
    return Markup(f'<a href="{escape(url)}">{escape(cable_id)}</a>')


def _citation_link(row, value, column, database, datasette):
    """A view has no foreign keys for Datasette to link: link the cables the archive holds."""
    if column == "cited_id" and not _column(row, "cited_in_archive", True):
        return None
    return _cable_link(datasette, database, value)


def _popup_link(value: str):
    """The map's popup JSON (cable_origins.popup) as the link it holds, in the table below the map."""
    try:
        popup = json.loads(value)
    except ValueError:
        return None
    if not isinstance(popup, dict) or not popup.get("link"):
        return None
    return Markup(f'<a href="{escape(popup["link"])}">{escape(popup.get("description") or "cables")}</a>')
