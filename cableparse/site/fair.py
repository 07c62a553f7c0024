"""Fair serving: a reader's page never waits behind someone else's expensive SQL.

Datasette runs every query, the site's own and a visitor's arbitrary SQL alike,
on one small pool of threads, so three recursive queries at once used to take
every thread for their whole time limit. This ASGI wrapper gives arbitrary SQL
(`/archive?sql=…`, `/archive.json?sql=…`) a budget of its own: a few at a time
in all, one at a time per client, each under a lower time limit; beyond that
the answer is 429 with Retry-After, at once, holding no thread. Requests with
absurdly many filter values (a 10,000-tag `_any_tag=`: 400) or a query string
past 16 KB (414) are refused before any SQL runs. The numbers are plugin
settings:

    {"plugins": {"cableparse": {"sql_at_once": 1, "sql_per_client": 1, "sql_time_limit_ms": 1000,
                                "max_filter_values": 200, "max_query_bytes": 16384}}}
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from urllib.parse import parse_qsl, urlencode

from .settings import PLUGIN_NAME

DEFAULTS = {"sql_at_once": 1, "sql_per_client": 1, "sql_time_limit_ms": 1000, "max_filter_values": 200,
            "max_query_bytes": 16384}


def budget(datasette) -> dict:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    return {key: int(config.get(key, value)) for key, value in DEFAULTS.items()}


def filter_values(params: list[tuple[str, str]]) -> int:
    """How many values the request filters by: repeated parameters and comma lists."""
    return sum(len(value.split(",")) if key.endswith(("__in", "__notin")) or key == "_any_tag" else 1
               for key, value in params if not key.startswith("_") or key in ("_tag", "_any_tag"))


def _arbitrary_sql(scope, params) -> bool:
    """A visitor's own SQL: a database page (not a table, not a canned query) with `sql=`."""
    path = scope.get("path", "")
    return any(key == "sql" for key, _ in params) and path.count("/") == 1 and not path.startswith("/-/")


async def _refuse(send, status: int, message: str, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": message.encode("utf-8") + b"\n"})


def fair_sql(datasette):
    """The ASGI wrapper (registered by the plugin's asgi_wrapper hook)."""
    limits = budget(datasette)
    state = {"slots": None}
    per_client: Counter = Counter()

    def wrap(app):
        async def fair(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            query = scope.get("query_string", b"")
            if len(query) > limits["max_query_bytes"]:
                return await _refuse(send, 414, f"414 URI Too Long: more than {limits['max_query_bytes']} bytes "
                                                "of query string")
            params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if filter_values(params) > limits["max_filter_values"]:
                return await _refuse(send, 400, f"400 Bad Request: more than {limits['max_filter_values']} "
                                                "filter values in one request")
            if not _arbitrary_sql(scope, params):
                return await app(scope, receive, send)
            if state["slots"] is None:
                state["slots"] = asyncio.Semaphore(limits["sql_at_once"])
            client = (scope.get("client") or ("?",))[0]
            if per_client[client] >= limits["sql_per_client"] or state["slots"].locked():
                return await _refuse(send, 429, "429 Too Many Requests: this archive runs a limited number of "
                                                "arbitrary SQL queries at a time; try again in a moment", 1)
            kept = [(k, v) for k, v in params if k != "_timelimit"]
            scope = dict(scope, query_string=urlencode(
                kept + [("_timelimit", str(limits["sql_time_limit_ms"]))]).encode("latin-1"))
            per_client[client] += 1
            try:
                async with state["slots"]:
                    await app(scope, receive, send)
            finally:
                per_client[client] -= 1
                if not per_client[client]:
                    del per_client[client]

        return fair

    return wrap


POINTER_FUNCTIONS = frozenset({"fts3_tokenizer"})
_SQLITE_FUNCTION = 31  # the authorizer's action code for a function call


def deny_pointer_functions(action, arg1, arg2, db_name, source):
    """sqlite3 authorizer: functions that hand out native pointers are not for visitors."""
    if action == _SQLITE_FUNCTION and (arg2 or "").lower() in POINTER_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK
