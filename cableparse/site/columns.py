"""The cables table as a person scans it: a few columns by default, the rest a click away.

`/archive/cables` (and its CSV) would show all of a cable's ~35 columns, raw header
and body included: three cables a screen. Without a column choice of its own
(`_col`, `_nocol`), the request gets DEFAULT_COLUMNS added before Datasette sees
it; `?_cols=all` asks for every column. The JSON keeps every column (scripts).
The tags show as `tag_list` (KTIP, SMIG), a plain list in the CSV, links on the page.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from .archives import columns_of, is_archive

DEFAULT_COLUMNS = {"cables": ["created", "origin", "classification", "subject", "tag_list"]}
ALL = ("_cols", "all")
_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<table>cables)(?P<format>\.csv)?$")


def with_default_columns(path: str, query_string: str, is_archive, columns_of=None) -> str | None:
    """The query string to use instead, or None to leave the request alone."""
    m = _PATH.match(path)
    if not m or not is_archive(m.group("database")):
        return None
    have = columns_of(m.group("database"), m.group("table")) if columns_of else None
    pairs = parse_qsl(query_string, keep_blank_values=True)
    names = {k for k, _v in pairs}
    if ALL in pairs:
        return urlencode([p for p in pairs if p != ALL])
    if names & {"_col", "_nocol"}:
        return None
    return urlencode(pairs + [("_col", c) for c in DEFAULT_COLUMNS[m.group("table")]
                              if have is None or c in have])  # an older archive: no tag_list


def default_columns(datasette):
    def wrap(app):
        async def choose(scope, receive, send):
            if scope["type"] == "http":
                query = scope.get("query_string", b"").decode("latin-1")
                changed = with_default_columns(scope.get("path", ""), query,
                                               lambda name: is_archive(datasette, name),
                                               lambda name, table: columns_of(datasette, name, table))
                if changed is not None:
                    scope = {**scope, "query_string": changed.encode("latin-1")}
            await app(scope, receive, send)

        return choose

    return wrap


def columns_choice(request) -> dict:
    """For the cables page: whether every column is shown, and the links to switch."""
    pairs = [(k, v) for k in request.args for v in request.args.getlist(k)]
    chosen = [v for k, v in pairs if k == "_col"]
    shown_all = not chosen or any(k == "_nocol" for k, _v in pairs) or \
        chosen != DEFAULT_COLUMNS["cables"]
    rest = [(k, v) for k, v in pairs if k not in ("_col", "_nocol", "_cols")]
    path = request.path
    return {"all": shown_all,
            "all_url": path + "?" + urlencode(rest + [ALL]),
            "fewer": path + ("?" + urlencode(rest) if rest else "")}
