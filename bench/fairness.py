"""Does a reader's page wait behind someone else's SQL? A bounded load on 127.0.0.1 only.

Serves an archive with `cableparse serve` on a free local port, then for
`--seconds` (30) runs `--cte-clients` (6) clients sending recursive CTEs that
would run to the SQL time limit and `--filter-clients` (3) sending a
10,000-value `_any_tag` filter, while one reader fetches `--pages` (40) cable
pages spread over the run. Every loop is bounded in count and time and stops by
itself. Prints the cable pages' latencies (median, slowest) and every status
code seen, per kind of client; `--json` writes them.

    .venv/bin/python bench/fairness.py --db output/fairness/archive.db

Without `--db` the archive is made from ../shared/corpus into output/fairness/.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live import serve, stop  # noqa: E402 - the test suite's own server start and stop

CTE = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
MAX_REQUESTS_PER_CLIENT = 2000


def _archive(db: Path | None) -> Path:
    if db is not None:
        return db
    out = ROOT / "output" / "fairness"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "archive.db"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "cableparse", "ingest", str(ROOT.parent / "shared" / "corpus"),
                        "--db", str(path), "-q"], check=True)
    return path


def _hammer(url: str, params: dict, deadline: float, statuses: Counter, lock: threading.Lock) -> None:
    with httpx.Client(timeout=30) as client:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                return
            try:
                status = client.get(url, params=params or None).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            with lock:
                statuses[status] += 1
            if status == 429:
                time.sleep(0.05)


def run(db: Path, seconds: float = 30, cte_clients: int = 6, filter_clients: int = 3, pages: int = 40,
        log: Path | None = None) -> dict:
    log = log or db.with_suffix(".fairness.log")
    proc, base = serve(db, log)
    name = db.stem
    try:
        cable = httpx.get(f"{base}/{name}.json", params={"sql": "select id from cables order by id limit 1",
                                                        "_shape": "array"}, timeout=30).json()[0]["id"]
        tags = ",".join(f"T{i}" for i in range(10_000))
        deadline = time.monotonic() + seconds
        lock = threading.Lock()
        kinds = {"cte": (f"{base}/{name}.json", {"sql": CTE}, cte_clients),
                 # commas unencoded: 10,000 values still fit in a URL this way
                 "filter": (f"{base}/{name}/cables.json?_any_tag={tags}", {}, filter_clients)}
        statuses = {kind: Counter() for kind in kinds}
        threads = [threading.Thread(target=_hammer, args=(url, params, deadline, statuses[kind], lock), daemon=True)
                   for kind, (url, params, count) in kinds.items() for _ in range(count)]
        for t in threads:
            t.start()
        time.sleep(min(1.0, seconds / 10))  # let the load build up
        latencies, page_statuses = [], Counter()
        gap = max(0.0, (deadline - time.monotonic()) / pages - 0.05)
        with httpx.Client(timeout=60) as client:
            for _ in range(pages):
                start = time.perf_counter()
                response = client.get(f"{base}/{name}/cables/{cable}")
                latencies.append(time.perf_counter() - start)
                page_statuses[response.status_code] += 1
                time.sleep(gap)
        for t in threads:
            t.join(timeout=seconds + 60)
    finally:
        stop(proc)
    return {
        "seconds": seconds, "cte_clients": cte_clients, "filter_clients": filter_clients,
        "cable_pages": pages, "cable_page_median_ms": statistics.median(latencies) * 1000,
        "cable_page_slowest_ms": max(latencies) * 1000,
        "statuses": {"cable page": dict(page_statuses), **{k: dict(v) for k, v in statuses.items()}},
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--cte-clients", type=int, default=6)
    ap.add_argument("--filter-clients", type=int, default=3)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    result = run(_archive(args.db), args.seconds, args.cte_clients, args.filter_clients, args.pages)
    print(f"cable pages under load: median {result['cable_page_median_ms']:.0f} ms, "
          f"slowest {result['cable_page_slowest_ms']:.0f} ms of {result['cable_pages']}")
    for kind, seen in result["statuses"].items():
        print(f"  {kind}: {seen}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
