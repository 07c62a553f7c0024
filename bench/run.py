#!/usr/bin/env python3
"""Benchmark cableparse at any scale, up to the whole Cablegate release and beyond.

    python bench/run.py --cables 251287     # the release: about half an hour on 2 cores
    python bench/run.py --cables 3000       # a minute; what the test suite runs

Builds a corpus from the real cables in ../shared (see bench/corpus.py), writes
it as cables.csv and as files, then measures, each on its own:

  read      the bytes of cables.csv, then the same file through the CSV reader
  floor     the same bytes decoded and split into lines with a compiled regex:
            what any line-grained parser must at least do
  parse     every cable parsed (no writing), on --jobs processes; its cost as a
            ratio to the floor, per core (CPU seconds) and as seen (wall clock)
  ingest    `cableparse ingest cables.csv` end to end in a child process, with
            the time per stage it reports (read, parse, write tables, indexes,
            tag counts, full-text index), peak memory of the process tree and
            the archive's size against the raw text
  files     the same from the files (one per cable)
  datasette median latency, against `datasette serve -i` on 127.0.0.1 with an
            inspect file, of a tag facet over every cable, a faceted full-text
            search, a cable page and a JSON API query (a bounded number of requests)

Prints a table and writes output/bench/results-<time>.json (and latest.json).
No figure is checked against a target here: the table says what was reached.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402

LINE = re.compile(rb"[^\n]*\n")
LINE_TEXT = re.compile(r"[^\n]*\n")
READ_CHUNK = 1 << 20
MB = 1e6


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ machine
def speed_probe() -> float:
    """CPU seconds of a fixed pure-Python loop, best of 3.

    On a shared machine the same loop runs up to 1.8x slower from one minute
    to the next (0.13-0.22 s here); taken at the start and the end, it says how
    fast the machine was while the figures of a run were measured.
    """
    def once() -> float:
        c = time.process_time()
        total = 0
        for i in range(3_000_000):
            total += i & 7
        return time.process_time() - c

    return min(once() for _ in range(3))


def machine() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    import sqlite3

    info = {
        "nproc": os.cpu_count(), "cpu_model": model or platform.processor(),
        "memory_bytes": mem, "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(), "speed_probe_s_at_start": speed_probe(),
    }
    try:
        from cableparse.parsing.grammar import backend
        info["lark_backend"] = backend()
    except Exception as exc:  # noqa: BLE001
        info["lark_backend"] = f"unavailable: {exc}"
    for package in ("lark", "lark_cython", "datasette", "sqlite_utils"):
        try:
            from importlib.metadata import version
            info[package] = version(package.replace("_", "-"))
        except Exception:  # noqa: BLE001
            info[package] = None
    return info


# ------------------------------------------------------------------ memory
class TreeMemory:
    """Peak memory of a process and its descendants, sampled from /proc.

    PSS (proportional set size) counts pages shared between processes once, so
    the sum over the tree is the memory the tree really holds; RSS summed is
    reported too (it counts shared pages in every process).
    """

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as fh:
                        todo.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
        return pids

    @staticmethod
    def _kib(path: str, key: str) -> int:
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def sample(self) -> None:
        pids = self._tree()
        pss = sum(self._kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
        rss = sum(self._kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
        self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
        self.peak_processes = max(self.peak_processes, len(pids))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------------ stages
def stage_read(path: Path) -> dict:
    """The bytes alone, then records through cableparse's CSV reader."""
    from cableparse.model import RawCable
    from cableparse.readers import iter_inputs

    t, c = time.perf_counter(), time.process_time()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_CHUNK):
            size += len(chunk)
    raw_wall, raw_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    cables = errors = 0
    for item in iter_inputs([str(path)]):
        if isinstance(item, RawCable):
            cables += 1
        else:
            errors += 1
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return {"bytes": size, "bytes_wall_s": raw_wall, "bytes_cpu_s": raw_cpu,
            "bytes_mb_s": size / MB / max(raw_wall, 1e-9),
            "records": cables, "reader_errors": errors, "records_wall_s": wall,
            "records_cpu_s": cpu, "records_per_s": cables / max(wall, 1e-9),
            "records_mb_s": size / MB / max(wall, 1e-9)}


# The body's line kinds as the grammar defines them (paragraph, subparagraph,
# fields, dash line, blank, text), joined into one alternation: the classification
# floor the parser is measured against is this regex matched once per line.
_CLASSIFIED_KINDS = ("BLANK", "CLASS_LINE", "CAVEAT_LINE", "EO_LINE", "TAGS_LINE", "SUBJECT_LINE",
                     "REF_LINE", "CLASSBY_LINE", "PARA_MARKED_LINE", "PARA_PLAIN_LINE",
                     "SUB_STRONG_LINE", "SUB_PLAIN_LINE", "DASH_LINE", "TEXT")


def classifying_regex() -> re.Pattern:
    from cableparse.parsing.grammar import cable_parser

    lark = cable_parser()
    names = {t.name for t in lark.terminals}
    parts = [f"(?P<{name}>{lark.get_terminal(name).pattern.to_regexp()})"
             for name in _CLASSIFIED_KINDS if name in names]
    return re.compile("|".join(parts))


def stage_floor(path: Path) -> dict:
    """Read the same bytes, decode them, split them into lines with a compiled regex.

    `findall` over each megabyte (what the floor is); the per-line Python loop
    over `finditer` (what a tokenizer that looks at each line from Python pays)
    is reported beside it.
    """
    def run(split) -> tuple[float, float, int]:
        t, c = time.perf_counter(), time.process_time()
        lines = 0
        rest = b""
        with open(path, "rb") as fh:
            while chunk := fh.read(READ_CHUNK):
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                rest = data[cut:]
                lines += split(data[:cut].decode("utf-8"))
        if rest:
            lines += split(rest.decode("utf-8") + "\n")
        return time.perf_counter() - t, time.process_time() - c, lines

    def findall(text: str) -> int:
        return len(LINE_TEXT.findall(text))

    def loop(text: str) -> int:
        n = 0
        for m in LINE_TEXT.finditer(text):
            m.group()
            n += 1
        return n

    classify = classifying_regex().match

    def classified(text: str) -> int:
        n = 0
        for line in LINE_TEXT.finditer(text):
            classify(line.group()).lastgroup  # the line's kind, as the lexer decides it
            n += 1
        return n

    # best of 3: the floor is what the machine can do at its fastest, so a slow
    # moment of a shared machine never flatters the parser's ratio
    wall, cpu, lines = min(run(findall) for _ in range(3))
    loop_wall, loop_cpu, _ = min(run(loop) for _ in range(3))
    class_wall, class_cpu, _ = min(run(classified) for _ in range(3))
    return {"wall_s": wall, "cpu_s": cpu, "lines": lines,
            "loop_wall_s": loop_wall, "loop_cpu_s": loop_cpu,
            "classify_wall_s": class_wall, "classify_cpu_s": class_cpu}


def stage_parse(path: Path, jobs: int) -> dict:
    """Every record of `path` parsed (and turned into rows), nothing written."""
    from collections import deque

    from cableparse.archive.pool import parsers
    from cableparse.model import RawCable
    from cableparse.readers import iter_inputs

    # The classification floor again, over each batch's own texts, timed just before the
    # batch is parsed: with one job both sums see the same moments of a machine whose
    # speed moves 2x within a run (stage_floor's best of 3 takes its fastest moment).
    # (Its wall time is left out of the parse's.)
    classify = classifying_regex().match
    paired_floor = paired_floor_wall = 0.0

    def floor_of(batch: list) -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        for item in batch:
            for text in (item.header, item.body):
                for line in LINE_TEXT.finditer(text if text.endswith("\n") else text + "\n"):
                    classify(line.group()).lastgroup
        return time.process_time() - c, time.perf_counter() - t

    t0, c0 = time.perf_counter(), time.process_time()
    cables = failed = 0
    text_bytes = 0
    read_s = 0.0
    with TreeMemory(os.getpid()) as mem, parsers(jobs) as pool:
        window: deque = deque()
        batch: list = []

        def drain(limit):
            nonlocal cables, failed
            while len(window) > limit:
                for outcome in window.popleft().get():
                    if isinstance(outcome, str):
                        failed += 1
                    else:
                        cables += 1

        items = iter(iter_inputs([str(path)]))
        while True:
            t = time.perf_counter()
            item = next(items, None)
            read_s += time.perf_counter() - t
            if item is None or len(batch) >= 500:
                if batch:
                    if getattr(pool, "max_jobs", pool.jobs) == 1:  # one job, never a pool
                        cpu, floor_wall = floor_of(batch)
                        paired_floor += cpu
                        paired_floor_wall += floor_wall
                    window.append(pool.submit(batch))
                    batch = []
                    drain(max(2, pool.jobs))
                if item is None:
                    break
            if isinstance(item, RawCable):
                batch.append(item)
                text_bytes += len(item.header.encode("utf-8")) + len(item.body.encode("utf-8"))
        drain(0)
        jobs_used = pool.jobs
        parse_cpu = pool.cpu
    wall = time.perf_counter() - t0 - paired_floor_wall
    return {"jobs": jobs_used, "cables": cables, "no_id_or_failed": failed,
            "wall_s": wall, "read_in_main_s": read_s, "main_cpu_s": time.process_time() - c0,
            "parse_cpu_s": parse_cpu, "cables_per_s": cables / max(wall, 1e-9),
            "paired_floor_cpu_s": paired_floor if jobs_used == 1 else None,
            "cpu_ms_per_cable": parse_cpu / max(cables, 1) * 1000,
            "text_mb_s": text_bytes / MB / max(wall, 1e-9),
            "peak_pss_bytes": mem.peak_pss}


def prefix_csv(path: Path, n: int) -> Path:
    """The first n records of a cables.csv, as a file of their own (kept beside it)."""
    out = path.with_name(f"cables-first-{n}.csv")
    if out.exists() and out.stat().st_mtime >= path.stat().st_mtime:
        return out  # cut from this cables.csv, not from one a rebuilt corpus replaced
    start = re.compile(rb'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
    seen = 0
    with open(path, "rb") as src, open(out.with_suffix(".tmp"), "wb") as dst:
        for line in src:
            if start.match(line):
                seen += 1
                if seen > n:
                    break
            dst.write(line)
    out.with_suffix(".tmp").rename(out)
    return out


def _db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


def archive_parts(con, sizes) -> dict:
    """What each part of the archive weighs (dbstat pages, and free pages), in bytes;
    raw_text: the stored (compressed) header and body inside the cables rows."""
    groups = (("paragraphs_exact_fts", "exact FTS index"), ("paragraphs_fts", "stemmed FTS index"),
              ("cables_fts", "subject FTS index"), ("idx_", "indexes"), ("sqlite_autoindex_", "indexes"))
    parts: dict = {}
    for name, size in sizes:
        part = next((label for prefix, label in groups if name.startswith(prefix)), None)
        if part is None:
            part = name if name in ("cables", "paragraphs", "cable_versions", "ingest_errors") else "other tables"
        parts[part] = parts.get(part, 0) + size
    page = con.execute("pragma page_size").fetchone()[0]
    parts["free pages"] = con.execute("pragma freelist_count").fetchone()[0] * page
    parts["raw_text"] = con.execute(
        "select coalesce(sum(length(cast(header as blob)) + length(cast(body as blob))), 0) from cables "
        ).fetchone()[0]
    return parts


def stage_ingest(inputs: list[Path], db: Path, jobs: int, timings: Path) -> dict:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    cmd = [sys.executable, "-m", "cableparse", "ingest", *map(str, inputs), "--db", str(db),
           "-q", "--timings", str(timings)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    cpu0 = _cpu_children()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as mem:
        out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {err[-2000:]}")
    maxrss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    stages = json.loads(timings.read_text()) if timings.exists() else {}
    import sqlite3

    con = sqlite3.connect(db)
    counts = {t: con.execute(f"select count(*) from [{t}]").fetchone()[0]
              for t in ("cables", "paragraphs", "cable_tags", "ingest_errors")}
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tables, parts = {}, {}
    try:
        sizes = con.execute("select name, sum(pgsize) from dbstat group by name order by 2 desc").fetchall()
        tables = dict(sizes[:12])
        parts = archive_parts(con, sizes)
    except sqlite3.DatabaseError:
        pass
    con.close()
    return {"wall_s": wall, "cpu_s_children": _cpu_children() - cpu0, "stages": stages,
            "counts": counts, "peak_pss_bytes": mem.peak_pss, "peak_rss_sum_bytes": mem.peak_rss,
            "max_rss_one_process_bytes": maxrss_children, "processes": mem.peak_processes,
            "archive_bytes": _db_size(db), "largest_objects_bytes": tables, "archive_parts_bytes": parts,
            "stderr_tail": err[-500:]}


# ------------------------------------------------------------------ datasette
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60.0) -> tuple[float, int, bytes]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return (time.perf_counter() - t) * 1000, status, body


def datasette_queries(db: Path) -> list[tuple[str, str]]:
    """(name, path) of the pages researchers use, for this archive's data."""
    import sqlite3

    con = sqlite3.connect(db)
    name = db.stem
    cable_id = con.execute("select id from cables order by created desc limit 1 offset 1000").fetchone() \
        or con.execute("select id from cables limit 1").fetchone()
    origin = con.execute(
        "select origin from cables where origin is not null group by origin order by count(*) desc limit 1"
    ).fetchone()
    year = con.execute("select year from cables group by year order by count(*) desc limit 1").fetchone()
    con.close()
    q = urllib.parse.quote
    return [
        ("cables page: tag, origin, classification, year facets over all cables, HTML",
         f"/{name}/cables"),
        ("cables with a tag (_tag=KTIP) and their facets, HTML", f"/{name}/cables?_tag=KTIP"),
        ("tag facet (cable_tags, all rows, its default facets), HTML", f"/{name}/cable_tags?_size=10"),
        ("tag facet (cable_tags, all rows), JSON", f"/{name}/cable_tags.json?_facet_tags=tag&_size=0"),
        ("search page: ranked paragraphs with facets (/-/search)", f"/-/search?q={q('human rights')}"),
        # issue 15: the search language, its JSON, and the facets at full scale (target <= 200 ms warm)
        ("search: common phrase with its facets, HTML (issue 15)", f"/-/search?q={q(chr(34) + 'human rights' + chr(34))}"),
        ("search: common phrase with its facets, JSON, counts cached (issue 15)",
         f"/-/search.json?q={q(chr(34) + 'human rights' + chr(34))}"),
        ("search: common phrase with its facets, JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q(chr(34) + 'human rights' + chr(34))}&_cache=off"),
        ("search: phrase + two marks OR-ed + a tag, JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q(chr(34) + 'human rights' + chr(34))}&mark=C&mark=SBU&tag=PHUM&_cache=off"),
        ("search: OR, NOT, prefix and a year range, JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q('(election | elections) -fraud parliament* year:2005..2010')}&_cache=off"),
        ("search: newest first, JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q('human rights')}&sort=newest&_cache=off"),
        ("search: exact word (=elections, unstemmed index), JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q('=elections')}&_cache=off"),
        ("search: fields only (tag:PHUM section:comment), JSON, counted afresh (issue 15)",
         f"/-/search.json?q={q('tag:PHUM section:comment')}&_cache=off"),
        ("search: one section facet's more values, JSON (issue 15)",
         f"/-/search.json?q={q('human rights')}&more=section&_cache=off"),
        ("paragraphs page: mark, section, tag and origin facets over every paragraph, HTML (issue 15)",
         f"/{name}/paragraphs"),
        ("paragraphs in one section, with their facets, JSON (issue 15)",
         f"/{name}/paragraphs.json?section_key=comment&_size=20"),
        ("cables page, default columns, CSV (issue 15)", f"/{name}/cables.csv?_size=100"),
        ("one cable whole: fields, tags, addressees, references, cited-by, paragraphs, JSON (issue 15)",
         f"/{name}/cables/{q(cable_id[0])}.json"),
        ("an id typed in the search box (redirect to the cable) (issue 15)",
         f"/-/search?q={q(cable_id[0].lower())}"),
        ("faceted full-text search, HTML",
         f"/{name}/paragraphs?_search={q('human rights')}&_facet=classification&_size=20"),
        ("faceted full-text search, JSON",
         f"/{name}/paragraphs.json?_search={q('election')}&_facet=classification&_size=20"),
        ("cable page, HTML", f"/{name}/cables/{q(cable_id[0])}"),
        ("JSON API query (cables by origin and year)",
         f"/{name}/cables.json?origin={q(origin[0] if origin else '')}&year={year[0] if year else 2009}"
         f"&_sort_desc=created&_size=50&_shape=array"),
    ]


def stage_datasette(db: Path, runs: int, out: Path) -> dict:
    inspect_file = out / "inspect.json"
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file",
                    str(inspect_file)], check=True, cwd=ROOT, capture_output=True)
    port = _free_port()
    try:
        from cableparse.cli import datasette_args
        args = datasette_args(str(db), "127.0.0.1", port, immutable=True)
    except Exception:  # noqa: BLE001 - the project's own serve command, else plain Datasette
        args = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "--host", "127.0.0.1",
                "--port", str(port), "--setting", "suggest_facets", "off"]
    args += ["--inspect-file", str(inspect_file)]
    log_path = out / "datasette.log"
    with open(log_path, "w") as log_fh:
        server = subprocess.Popen(args, cwd=ROOT, stdout=log_fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    results: dict = {"command": " ".join(args[1:]), "runs": runs, "queries": {}}
    try:
        deadline = time.time() + 120
        first = None
        while time.time() < deadline:
            try:
                first = _get(base + "/-/versions.json", timeout=5)[0]
                break
            except OSError:
                time.sleep(0.25)
        else:
            raise SystemExit(f"datasette did not start: see {log_path}")
        results["first_request_ms"] = first
        for name, path in datasette_queries(db):
            times, statuses, notes = [], set(), []
            _get(base + path)  # warm-up: the page cache and the server's own caches
            for _ in range(runs):
                ms, status, body = _get(base + path)
                times.append(ms)
                statuses.add(status)
            if path.split("?")[0].endswith(".json") and "_facet" in path:
                data = json.loads(body)
                if isinstance(data, dict) and data.get("facets_timed_out"):
                    notes.append(f"facets timed out: {data['facets_timed_out']}")
                if isinstance(data, dict) and "facet_results" in data and not data["facet_results"]:
                    notes.append("no facet results")
            elif b"facet" in body.lower() and b"timed out" in body.lower():
                notes.append("page says a facet timed out")
            results["queries"][name] = {
                "path": path, "median_ms": statistics.median(times), "min_ms": min(times),
                "max_ms": max(times), "status": sorted(statuses), "notes": notes,
            }
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


# ------------------------------------------------------------------ report
def _fmt_bytes(n) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def table(r: dict) -> str:
    rows = []

    def add(what, value, note=""):
        rows.append((what, value, note))

    c = r["corpus"]
    if c:
        add("corpus", f"{c['cables']:,} cables", f"{_fmt_bytes(c['text_bytes'])} raw text, "
            f"cables.csv {_fmt_bytes(c['csv_bytes'])}, {c['files_written']:,} files")
    si = r.get("stage_input")
    if si and si["cables"] < c["cables"]:
        add("read/floor/parse stages on", f"{si['cables']:,} cables", f"the first {_fmt_bytes(si['bytes'])} of cables.csv")
    if "read" in r:
        rd = r["read"]
        add("read bytes (cables.csv)", f"{rd['bytes_wall_s']:.2f} s", f"{rd['bytes_mb_s']:.0f} MB/s")
        add("read records (CSV reader)", f"{rd['records_wall_s']:.1f} s",
            f"{rd['records_per_s']:,.0f} cables/s, {rd['records_mb_s']:.1f} MB/s")
    if "floor" in r:
        f = r["floor"]
        add("floor: read + decode + regex line split", f"{f['wall_s']:.2f} s",
            f"{f['lines']:,} lines; per-line Python loop instead: {f['loop_wall_s']:.2f} s")
        add("classification floor: one re alternation per line", f"{f['classify_wall_s']:.2f} s",
            f"{f['classify_cpu_s']:.2f} CPU-s: the grammar's body line kinds as one regex")
    if "parse" in r:
        p = r["parse"]
        add(f"parse (no writing, {p['jobs']} jobs)", f"{p['wall_s']:.1f} s",
            f"{p['cables_per_s']:,.0f} cables/s, {p['text_mb_s']:.1f} MB/s, "
            f"{p['cpu_ms_per_cable']:.2f} ms CPU/cable")
        ratio = r.get("ratios", {})
        add("parse / floor", f"{ratio.get('parse_cpu_over_floor_cpu', 0):.1f}x per core",
            f"{ratio.get('parse_wall_over_floor_wall', 0):.1f}x wall clock with {p['jobs']} jobs; "
            f"{ratio.get('parse_cpu_over_loop_floor_cpu', 0):.1f}x the per-line loop")
        add("parse / classification floor", f"{ratio.get('parse_cpu_over_classify_floor_cpu', 0):.1f}x per core",
            "target 8x (issue 14)")
        if ratio.get("parse_cpu_over_paired_floor_cpu"):
            add("parse / floor of the same batches", f"{ratio['parse_cpu_over_paired_floor_cpu']:.1f}x per core",
                f"floor {p['paired_floor_cpu_s']:.2f} CPU-s, each batch classified just before it was parsed")
    for key, label in (("ingest_csv", "ingest cables.csv"), ("ingest_files", "ingest files")):
        if key not in r:
            continue
        i = r[key]
        s = i["stages"]
        n = i["counts"]["cables"]
        add(f"{label}, end to end", f"{i['wall_s']:.1f} s",
            f"{n / max(i['wall_s'], 1e-9):,.0f} cables/s, {s.get('jobs', '?')} parse jobs")
        parts = ", ".join(f"{k} {s[k]:.1f} s" for k in
                          ("read", "parse_wait", "write", "indexes", "derived_tables", "fts") if k in s)
        add("  stages (main process)", "", parts + f"; parse CPU {s.get('parse_cpu', 0):.0f} s"
            + (f", main CPU {s['main_cpu']:.0f} s" if "main_cpu" in s else ""))
        if "worker_parse" in s:
            add("  stages (workers, summed)", "", ", ".join(
                f"{k[7:]} {s[k]:.1f} s" for k in ("worker_read", "worker_parse", "worker_scratch_write")
                if k in s) + ("; full text filled per merged chunk" if s.get("fts_per_chunk") else ""))
        ratio = r.get("ratios", {}).get(f"{key}_wall_over_classify_floor")
        if ratio is not None:
            add(f"  {label} / classification floor", f"{ratio:.1f}x wall clock",
                f"{r['ratios'][f'{key}_cpu_over_classify_floor']:.1f}x in CPU seconds of all processes; "
                f"target 16x wall clock (issue 17); the floor scaled to the whole input")
        add("  peak memory (process tree, PSS)", _fmt_bytes(i["peak_pss_bytes"]),
            f"largest single process {_fmt_bytes(i['max_rss_one_process_bytes'])} RSS")
        # the files are the first --files cables only: compare with their own bytes
        raw, what = ((c["file_bytes"], "the files' bytes") if key == "ingest_files" and c.get("file_bytes")
                     else (c["text_bytes"], "the raw text"))
        add("  archive size", _fmt_bytes(i["archive_bytes"]), f"{i['archive_bytes'] / raw:.2f}x {what}")
        parts = dict(i.get("archive_parts_bytes") or {})
        if parts:
            text = parts.pop("raw_text", 0)
            add("  archive parts", "", ", ".join(
                f"{name} {_fmt_bytes(size)} ({size / raw:.2f}x)" + (
                    f" of which raw text {_fmt_bytes(text)} ({text / raw:.2f}x)" if name == "cables" else "")
                for name, size in sorted(parts.items(), key=lambda kv: -kv[1]) if size))
    if "datasette" in r:
        d = r["datasette"]
        add("datasette first request", f"{d.get('first_request_ms', 0):.0f} ms", "immutable, inspect file")
        for name, q in d["queries"].items():
            note = "; ".join(q["notes"]) or f"status {q['status']}"
            add(f"  {name}", f"{q['median_ms']:.0f} ms", f"median of {d['runs']}, {note}")
    w1 = max(len(a) for a, _, _ in rows)
    w2 = max(len(b) for _, b, _ in rows)
    return "\n".join(f"{a:<{w1}}  {b:>{w2}}  {c}" for a, b, c in rows)


def _ingest_ratios(results: dict, csv_path: Path, stage_path: Path) -> None:
    """The cables.csv ingest against the classification floor of the same run: wall clock
    (what a researcher waits) and CPU seconds of every process, over the floor's CPU
    seconds scaled from the stage input to the whole cables.csv."""
    if "ingest_csv" not in results or "floor" not in results:
        return
    i, f = results["ingest_csv"], results["floor"]
    floor_cpu = f["classify_cpu_s"] * csv_path.stat().st_size / max(stage_path.stat().st_size, 1)
    s = i["stages"]
    cpu = s.get("main_cpu", 0.0) + s.get("parse_cpu", 0.0)
    ratios = results.setdefault("ratios", {})
    ratios["ingest_csv_wall_over_classify_floor"] = i["wall_s"] / max(floor_cpu, 1e-9)
    ratios["ingest_csv_cpu_over_classify_floor"] = cpu / max(floor_cpu, 1e-9)
    ratios["classify_floor_cpu_s_whole_input"] = floor_cpu


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cables", type=int, default=251287, help="cables in the corpus (default: the release)")
    ap.add_argument("--files", type=int, default=None,
                    help="of which written as files too, and ingested from them (default: all)")
    ap.add_argument("--jobs", type=int, default=0, help="parse processes (default: one per core)")
    ap.add_argument("--stage-cables", type=int, default=None,
                    help="run the read, floor and parse stages on the first N cables only "
                         "(default: all); the ingest stages always take the whole corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "output" / "bench",
                    help="where the corpus, archives and results go (default: output/bench)")
    ap.add_argument("--runs", type=int, default=7, help="timed requests per Datasette query (median)")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["read", "floor", "parse", "ingest", "files", "datasette"],
                    help="leave a stage out (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the archives (the corpus is always kept)")
    args = ap.parse_args(argv)
    files = args.cables if args.files is None else min(args.files, args.cables)
    if "files" in args.skip:
        files = 0
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    corpus_dir = out / f"corpus-{args.cables}-{args.seed}"
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "args": vars(args) | {"out": str(out)},
                     "machine": machine()}
    csv_path = corpus_dir / "cables.csv"
    stage_path = csv_path
    if {"read", "floor", "parse", "ingest"} <= set(args.skip):
        # the site alone, on the archive the last run left: no corpus is read, none is
        # (re)built whatever --files says; the table names the one the archive came from
        manifest = corpus_dir / "manifest.json"
        results["corpus"] = json.loads(manifest.read_text()) if manifest.exists() else {}
    else:
        log(f"building the corpus in {corpus_dir}")
        t = time.perf_counter()
        results["corpus"] = corpus.build(corpus_dir, args.cables, files, args.seed, log=log)
        results["corpus"]["build_s"] = time.perf_counter() - t
        if args.stage_cables and args.stage_cables < args.cables:
            stage_path = prefix_csv(csv_path, args.stage_cables)
        results["stage_input"] = {"path": str(stage_path), "bytes": stage_path.stat().st_size,
                                  "cables": min(args.stage_cables or args.cables, args.cables)}
    if "read" not in args.skip:
        log(f"read ({stage_path.name})")
        results["read"] = stage_read(stage_path)
    if "floor" not in args.skip:
        log("floor")
        results["floor"] = stage_floor(stage_path)
    if "parse" not in args.skip:
        log("parse")
        results["parse"] = stage_parse(stage_path, args.jobs)
    if "parse" in results and "floor" in results:
        p, f = results["parse"], results["floor"]
        results["ratios"] = {
            "parse_cpu_over_floor_cpu": p["parse_cpu_s"] / max(f["cpu_s"], 1e-9),
            "parse_wall_over_floor_wall": p["wall_s"] / max(f["wall_s"], 1e-9),
            "parse_cpu_over_loop_floor_cpu": p["parse_cpu_s"] / max(f["loop_cpu_s"], 1e-9),
            "parse_cpu_over_classify_floor_cpu": p["parse_cpu_s"] / max(f["classify_cpu_s"], 1e-9),
        }
    if results.get("parse", {}).get("paired_floor_cpu_s"):
        p = results["parse"]
        results.setdefault("ratios", {})["parse_cpu_over_paired_floor_cpu"] = \
            p["parse_cpu_s"] / max(p["paired_floor_cpu_s"], 1e-9)
    db = out / "archive.db"
    if "ingest" not in args.skip:
        log("ingest cables.csv")
        results["ingest_csv"] = stage_ingest([csv_path], db, args.jobs, out / "timings-csv.json")
    _ingest_ratios(results, csv_path, stage_path)
    if "datasette" not in args.skip and db.exists():
        # with --skip ingest: the archive the last run left, e.g. to re-measure the site
        log("datasette")
        results["datasette"] = stage_datasette(db, args.runs, out)
    if files and "ingest" not in args.skip:
        log("ingest files")
        files_db = out / "files" / "archive.db"
        files_db.parent.mkdir(exist_ok=True)
        results["ingest_files"] = stage_ingest([corpus_dir / "files"], files_db, args.jobs,
                                               out / "timings-files.json")
        if not args.keep:
            shutil.rmtree(files_db.parent)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["machine"]["speed_probe_s_at_end"] = speed_probe()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    text = table(results)
    results["table"] = text
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"results-{stamp}.json", "latest.json"):
        (out / name).write_text(json.dumps(results, indent=2, default=str))
    print(text)
    m = results["machine"]
    print(f"\nmachine: {m['nproc']} cores, {m['cpu_model']}, "
          f"{(m['memory_bytes'] or 0) / 2**30:.0f} GiB; lark backend {m['lark_backend']}; "
          f"load average {m['load_average_at_start'][0]:.1f} at start, {m['load_average_at_end'][0]:.1f} at end; "
          f"speed probe {m['speed_probe_s_at_start']:.2f} s at start, {m['speed_probe_s_at_end']:.2f} s at end "
          f"(a fixed Python loop: higher is a slower moment)")
    print(f"results: {out / ('results-' + stamp + '.json')}")
    return results


if __name__ == "__main__":
    main()
