"""Issue 16: arbitrary SQL has a budget of its own; pointer functions and huge filters are refused."""
from __future__ import annotations

import asyncio
import importlib.util
import threading

import httpx
from click.testing import CliRunner
from datasette.app import Datasette

from cableparse.cli import cli
from cableparse.site.fair import fair_sql, filter_values
from cableparse.site.settings import SETTINGS

from .conftest import ROOT, SEED
from .live import serve, stop

CTE = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def _archive(tmp_path):
    path = tmp_path / "archive.db"
    assert CliRunner().invoke(cli, ["ingest", str(SEED), "--db", str(path), "-q"]).exit_code == 0
    return path


def test_pointer_returning_functions_are_not_callable(shared, tmp_path):
    ds = Datasette([str(_archive(tmp_path))])
    response = asyncio.run(ds.client.get("/archive.json", params={"sql": "select fts3_tokenizer('simple')"}))
    assert response.status_code == 400
    assert "not authorized" in response.json()["error"]
    ok = asyncio.run(ds.client.get("/archive.json", params={"sql": "select count(*) as n from cables",
                                                           "_shape": "array"}))
    assert ok.json() == [{"n": 1}]


def test_arbitrary_sql_runs_under_the_lower_time_limit():
    seen = {}

    async def app(scope, receive, send):
        seen["query"] = scope["query_string"].decode()

    class Config:
        def plugin_config(self, name):
            return None

    wrapped = fair_sql(Config())(app)
    scope = {"type": "http", "path": "/archive.json", "client": ("127.0.0.1", 1),
             "query_string": b"sql=select+1&_timelimit=100000"}
    asyncio.run(wrapped(scope, None, None))
    assert seen["query"] == "sql=select+1&_timelimit=1000"


def test_filter_values_are_counted_in_lists_and_repeats():
    assert filter_values([("_any_tag", "KTIP,SMIG,MO"), ("_tag", "PHUM"), ("origin__in", "A,B"),
                          ("_facet", "tags"), ("year", "2006")]) == 3 + 1 + 2 + 1
    assert SETTINGS["max_csv_mb"] == "20"


def test_one_query_at_a_time_and_the_site_still_answers(shared, tmp_path):
    proc, base = serve(_archive(tmp_path), tmp_path / "serve.log")
    try:
        statuses = []

        def heavy():
            statuses.append(httpx.get(f"{base}/archive.json", params={"sql": CTE}, timeout=30).status_code)

        clients = [threading.Thread(target=heavy) for _ in range(3)]
        for client in clients:
            client.start()
        page = httpx.get(f"{base}/archive/cables/07CASABLANCA42", timeout=30)
        assert page.status_code == 200 and 'id="p7"' in page.text
        for client in clients:
            client.join()
        # one ran until the time limit stopped it (400); the others were refused at once
        assert sorted(statuses) == [400, 429, 429]
        tags = ",".join(f"T{i}" for i in range(300))
        assert httpx.get(f"{base}/archive/cables.json?_any_tag={tags}", timeout=30).status_code == 400
        many = ",".join(f"T{i}" for i in range(10_000))
        assert httpx.get(f"{base}/archive/cables.json?_any_tag={many}", timeout=30).status_code == 414
    finally:
        stop(proc)


def test_the_fairness_bench_runs_bounded_and_sees_no_server_error(shared, tmp_path):
    spec = importlib.util.spec_from_file_location("fairness", ROOT / "bench" / "fairness.py")
    fairness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fairness)
    result = fairness.run(_archive(tmp_path), seconds=4, cte_clients=2, filter_clients=1, pages=5)
    codes = {code for seen in result["statuses"].values() for code in seen}
    assert result["statuses"]["cable page"] == {200: 5}
    assert not {c for c in codes if isinstance(c, int) and c >= 500}
    assert codes <= {200, 400, 414, 429}
