"""Parse cables on every core while one process writes the archive, for items given
as an iterable (standard input, library callers): files and folders go through
`archive.merge` instead, whose workers read and write themselves.

`archive.writer.ingest` hands batches of RawCables to `parsers(jobs, parse)` and gets
back, per cable, either its table rows or the message of its ingest_errors row,
in input order. With one job the parse runs in the calling process; with more, a
pool of worker processes does it and the caller (the only writer) keeps reading
input and writing batches meanwhile.

Memory stays flat whatever the input size: the caller submits a batch only when
fewer than a fixed number are in flight, and what crosses between processes is
trimmed: the workers get a cable's header and body but not the raw record
(needed only for error rows, which the caller builds), and send rows back
without the header and body the caller already holds.
"""
from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Callable, Optional

from ..model import RawCable
from ..parsing.grammar import transforming_parser
from ..parsing.parser import parse_raw
from ..parsing.transform import BodyTransformer, HeaderTransformer
from .rows import parse_outcome

# Cables per task sent to a worker: large enough that pickling and the pool's
# queues cost little next to the parse, small enough to spread a batch over cores.
CHUNK = 50

_parse: Optional[Callable] = None  # the parse function, in each worker
# The parse makes many short-lived objects and no cycles worth collecting often: with
# Python's default thresholds the collector took a twentieth of a batch's parse.
_PARSE_GC_THRESHOLD = (50_000, 50, 100)


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _outcomes(parse, items: list[RawCable]) -> list:
    return [parse_outcome(parse, item) for item in items]


def _build_grammars() -> None:
    """Build the parsers now, not inside the first batch: a one-time cost, so the
    parse CPU reported for batches (inline or in workers) is the parse alone."""
    transforming_parser(HeaderTransformer)
    transforming_parser(BodyTransformer)


def _worker_init(parse) -> None:
    global _parse
    # Ctrl-C is the writer's to handle: it finishes or drops the batches in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _parse = parse or parse_raw
    _build_grammars()
    # move what exists out of the collector's way and collect less often
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_PARSE_GC_THRESHOLD)


_inline_batches = {"running": 0, "thresholds": None}  # batches parsing in this process
_inline_lock = threading.Lock()


@contextlib.contextmanager
def _fewer_collections():
    """Collect as seldom as the workers do while batches are parsed in this process,
    then give the process its own thresholds back (the last of several threads does)."""
    with _inline_lock:
        if not _inline_batches["running"]:
            _inline_batches["thresholds"] = gc.get_threshold()
            gc.set_threshold(*_PARSE_GC_THRESHOLD)
        _inline_batches["running"] += 1
    try:
        yield
    finally:
        with _inline_lock:
            _inline_batches["running"] -= 1
            if not _inline_batches["running"]:
                gc.set_threshold(*_inline_batches["thresholds"])


def _work(items: list[RawCable]) -> tuple[list, float]:
    """Parse in a worker: (outcomes with header/body left out of cable rows, CPU seconds)."""
    start = time.process_time()
    out = _outcomes(_parse, items)
    for item, outcome in zip(items, out):
        if isinstance(outcome, dict):
            row = outcome["cables"][0]
            if row.get("header") == item.header and row.get("body") == item.body:
                row["header"] = row["body"] = None
                row["_same_text"] = True
    return out, time.process_time() - start


class _Done:
    def __init__(self, outcomes: list, cpu: float):
        self.outcomes, self.cpu = outcomes, cpu

    def get(self) -> list:
        return self.outcomes


class _Pending:
    """A batch's chunks in the pool; `get` waits for them and puts the texts back."""

    def __init__(self, owner: "PoolParsers", items: list[RawCable], results: list):
        self.owner, self.items, self.results = owner, items, results
        self.cpu = 0.0

    def get(self) -> list:
        outcomes: list = []
        for result in self.results:
            out, cpu = result.result()
            outcomes.extend(out)
            self.cpu += cpu
        self.owner.cpu += self.cpu
        for item, outcome in zip(self.items, outcomes):
            if isinstance(outcome, dict):
                row = outcome["cables"][0]
                if row.pop("_same_text", False):
                    row["header"], row["body"] = item.header, item.body
        return outcomes


class InlineParsers:
    """jobs=1: parse in this process, when the batch is submitted."""

    jobs = 1

    def __init__(self, parse=None):
        self.parse = parse or parse_raw
        self.cpu = 0.0
        _build_grammars()

    def submit(self, items: list[RawCable]) -> _Done:
        start = time.process_time()
        with _fewer_collections():
            out = _outcomes(self.parse, items)
        cpu = time.process_time() - start
        self.cpu += cpu
        return _Done(out, cpu)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PoolParsers(InlineParsers):
    """jobs>1: a concurrent.futures pool of worker processes; `submit` returns at once."""

    def __init__(self, jobs: int, parse=None, chunk: int = CHUNK):
        self.jobs, self.chunk, self.cpu = jobs, chunk, 0.0
        # forkserver (spawn where it is missing): workers start clean, without
        # a copy of the writer's open database connection.
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self.pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(parse,))

    def submit(self, items: list[RawCable]) -> _Pending:
        slim = [replace(item, raw="") for item in items]  # the raw record stays here
        results = [self.pool.submit(_work, slim[i:i + self.chunk])
                   for i in range(0, len(slim), self.chunk)]
        return _Pending(self, items, results)

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            # the batches in flight are dropped: a re-run parses them again
            self.pool.shutdown(wait=True, cancel_futures=True)
        else:
            self.close()


class AutoParsers:
    """Parse the first batch here; start the pool only when a second one comes.

    A small input (a file, a few pages) is done before worker processes would
    even have started; a large one gets every core from its second batch on.
    """

    def __init__(self, jobs: int, parse=None):
        self.max_jobs, self.parse = jobs, parse
        self.current = InlineParsers(parse)
        self.pool: Optional[PoolParsers] = None
        self.submitted = 0
        self.inline_cpu = 0.0

    @property
    def jobs(self) -> int:
        return self.current.jobs

    @property
    def cpu(self) -> float:
        return self.inline_cpu + (self.pool.cpu if self.pool else 0.0)

    def submit(self, items: list[RawCable]):
        if self.pool is None and self.submitted >= 1:
            self.inline_cpu = self.current.cpu
            self.pool = self.current = PoolParsers(self.max_jobs, self.parse)
        self.submitted += 1
        return self.current.submit(items)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.__exit__(*exc)


def parsers(jobs: int, parse=None, log: Optional[Callable[[str], None]] = None):
    """Parsers for `jobs` processes (0 or None: every core); a pool only once there is work for it."""
    jobs = jobs or default_jobs()
    if jobs > 1 and parse is not None:
        try:
            pickle.dumps(parse)
        except Exception:  # noqa: BLE001 - a lambda or closure cannot reach a worker
            if log is not None:
                log("the parse function cannot be sent to worker processes: parsing in one process")
            jobs = 1
    if jobs <= 1:
        return InlineParsers(parse)
    return AutoParsers(jobs, parse)
