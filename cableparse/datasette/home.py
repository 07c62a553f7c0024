"""What the home page says the archive holds (counts kept for a minute: the archive may grow)."""
from __future__ import annotations

import time

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
