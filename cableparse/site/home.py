"""What the home page says the archive holds (counts kept for a minute: the archive may grow)."""
from __future__ import annotations

import time

from datasette.utils.asgi import Response
from datasette.views.index import IndexView

from .archives import first_archive

_cache: dict[str, tuple[float, dict]] = {}
TTL = 60.0


async def summary(datasette, database: str) -> dict:
    hit = _cache.get(database)
    if hit and time.monotonic() - hit[0] < TTL:
        return hit[1]
    row = (await datasette.execute(database, (
        "select (select count(*) from cables) as cables, "
        "(select min(year) from cables) as first_year, "
        "(select max(year) from cables) as last_year, "
        "(select count(*) from paragraphs) as paragraphs, "
        "(select count(*) from tags where cables > 0) as tags, "
        "(select count(distinct origin) from cables) as origins"))).rows[0]
    top = (await datasette.execute(database, (
        "select code, cables, description from tags where cables > 0 "
        "order by cables desc, code limit 12"))).rows
    data = {**dict(row), "top_tags": [dict(r) for r in top]}
    _cache[database] = (time.monotonic(), data)
    return data


async def home_page(datasette, request):
    """`/` for a cable archive: index.html with the summary above, and nothing else.

    Datasette's own index view also counts the rows, and reads the columns and keys,
    of every table on each request: ~100 queries for an archive, each waiting its
    turn among the other requests' queries, so under load the home page took 9 s
    when no other page took 2 (tests/test_load.py). Anything else gets that view.
    """
    name = first_archive(datasette)
    if name is None:
        return await IndexView(datasette).dispatch_request(request)
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    context = {"databases": [{"name": name}], "metadata": datasette.metadata(), "private": False}
    html = await datasette.render_template("index.html", context, request=request,
                                           view_name="index")
    return Response.html(html)
