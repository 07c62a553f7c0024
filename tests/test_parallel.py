"""Parallel ingest gives the archive a one-process ingest gives; the grammar loader falls back cleanly."""
from __future__ import annotations

import gc
import sys
import threading

import pytest
import sqlite_utils

from cableparse.archive import ingest
from cableparse.archive.pool import AutoParsers, InlineParsers, parsers
from cableparse.model import RawCable
from cableparse.parsing import grammar as grammar_loader
from cableparse.parsing.parser import parse_raw
from cableparse.readers import iter_inputs

from .live import archive_state


def _dump(db: sqlite_utils.Database, path) -> dict:
    """The archive as live.archive_state compares it (timestamps left out), and one search."""
    state = archive_state(path)
    state["fts"] = db.execute(
        "select rowid from paragraphs_fts where paragraphs_fts match 'embassy' order by rowid").fetchall()
    return state


@pytest.fixture(scope="module")
def real_items(shared):
    items = [i for i in iter_inputs([str(shared / "corpus" / "pages")]) if isinstance(i, RawCable)]
    picked = items[:240]
    # the same texts again, later in the input: known by then, or in flight
    return picked + picked[:30] + picked[100:110]


def test_parallel_ingest_writes_what_one_process_writes(tmp_path, real_items):
    dumps, summaries = [], []
    for jobs in (1, 2):
        path = tmp_path / f"jobs{jobs}.db"
        db = sqlite_utils.Database(path)
        summary = ingest(db, iter(real_items), batch_size=40, jobs=jobs)
        summaries.append((summary.ingested, summary.unchanged, summary.replaced, summary.failed))
        assert summary.timings["jobs"] == jobs
        assert summary.timings["parse_cpu"] > 0
        dumps.append(_dump(db, path))
        db.close()
    assert summaries[0] == summaries[1]
    assert summaries[0][1] == 40  # the repeated texts
    assert dumps[0] == dumps[1]


def test_reader_failure_keeps_the_batches_read_with_workers(tmp_path, real_items):
    def items():
        yield from real_items[:25]
        raise KeyboardInterrupt  # the reader dies mid-batch

    db = sqlite_utils.Database(tmp_path / "crash.db")
    with pytest.raises(KeyboardInterrupt):
        ingest(db, items(), batch_size=10, jobs=2)
    assert db["cables"].count == 20  # two whole batches; the third was cut short


def test_small_input_starts_no_pool(real_items):
    with parsers(2) as pool:
        assert isinstance(pool, AutoParsers)
        outcomes = pool.submit(real_items[:3]).get()
        assert pool.pool is None and pool.jobs == 1
        assert all(isinstance(o, dict) for o in outcomes)
    assert isinstance(parsers(1), InlineParsers)


def test_parsing_in_threads_gives_the_process_its_gc_thresholds_back(real_items):
    """A batch parsed in this process collects garbage as seldom as a worker does; when
    threads parse batches at once, the last one to finish restores the thresholds."""
    before = gc.get_threshold()
    inline = InlineParsers()
    barrier = threading.Barrier(3)
    during, outcomes = [], []

    def parse(k):
        def slow_parse(item):
            if item is real_items[k]:  # every thread inside its batch at once
                barrier.wait(timeout=60)
                during.append(gc.get_threshold())
            return parse_raw(item)
        outcomes.extend(InlineParsers(slow_parse).submit(real_items[k:k + 2]).get())

    threads = [threading.Thread(target=parse, args=(k,)) for k in (0, 10, 20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 6 and all(isinstance(o, dict) for o in outcomes)
    assert len(during) == 3 and all(t[0] > before[0] for t in during)
    assert gc.get_threshold() == before
    assert inline.submit(real_items[:1]).get()[0]["cables"][0]["id"] == real_items[0].meta.id
    assert gc.get_threshold() == before


def test_unpicklable_parse_runs_in_one_process():
    messages = []
    pool = parsers(2, parse=lambda item: None, log=messages.append)
    assert isinstance(pool, InlineParsers) and messages


def _reset(monkeypatch, **env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    grammar_loader.cable_parser.cache_clear()


class _BrokenBuild:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("a lark-cython built for another lark")


def test_grammar_loader_falls_back_to_plain_lark(monkeypatch):
    try:
        _reset(monkeypatch, CABLEPARSE_LARK="python")
        assert grammar_loader.backend() == "lark"
        monkeypatch.delenv("CABLEPARSE_LARK")
        monkeypatch.setitem(sys.modules, "lark_cython", None)  # not installed
        grammar_loader.cable_parser.cache_clear()
        assert grammar_loader.backend() == "lark"
        monkeypatch.setattr(grammar_loader, "_plugins",
                            lambda: {"_plugins": {"ContextualLexer": _BrokenBuild}})
        grammar_loader.cable_parser.cache_clear()
        assert grammar_loader.backend() == "lark"  # a build that fails is not used
        assert grammar_loader.cable_parser().parse("TAGS: PHUM\n", start="body")
    finally:
        grammar_loader.cable_parser.cache_clear()


def test_lark_cython_gives_the_plain_lark_result(monkeypatch):
    import lark_cython  # noqa: F401 - a dependency: its absence is a failure
    grammar_loader.cable_parser.cache_clear()
    try:
        assert grammar_loader.backend().startswith("lark-cython")
        fast = grammar_loader._probe_result(grammar_loader.cable_parser())
        _reset(monkeypatch, CABLEPARSE_LARK="python")
        assert grammar_loader._probe_result(grammar_loader.cable_parser()) == fast
    finally:
        grammar_loader.cable_parser.cache_clear()


def test_chunks_keep_input_order_and_text(real_items):
    items = real_items[:120]
    with parsers(2) as pool:
        pool.submit(items[:2]).get()  # the first batch is parsed here
        outcomes = pool.submit(items).get()
        assert pool.jobs == 2
    expected = InlineParsers().submit(items).get()
    assert [o["cables"][0]["id"] for o in outcomes] == [o["cables"][0]["id"] for o in expected]
    # the texts were left out on the way back and put back from the items
    assert [o["cables"][0]["body"] for o in outcomes] == [i.body for i in items]
    assert _untimed(outcomes) == _untimed(expected)


def _untimed(outcomes: list) -> list:
    """Outcomes without the time a row was made (error rows carry `first_seen`)."""
    return [{table: [{k: v for k, v in row.items() if k != "first_seen"} for row in rows]
             for table, rows in o.items()} if isinstance(o, dict) else o for o in outcomes]


def test_inline_transform_gives_what_the_tree_and_transformer_give(real_items):
    """parse_header/parse_body run the Transformers inside the LALR parse (no tree);
    on real cables that must read exactly what building the tree and then
    transforming it reads, with plain Lark as the reference."""
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from cableparse.parsing.furniture import strip_furniture
    from cableparse.parsing.parser import normalise_id
    from cableparse.parsing.transform import BodyTransformer, HeaderTransformer

    reference = Lark(grammar_loader.grammar_text("cable.lark"), **grammar_loader._CABLE_OPTIONS)

    def read(parse, text):
        try:
            return repr(parse(text if text.endswith("\n") else text + "\n"))
        except UnexpectedInput as err:
            return f"{type(err).__name__} at {err.line}:{err.column}"

    compared = 0
    for item in real_items[:240]:
        body = strip_furniture(item.body, normalise_id(item.meta.id))[0]
        for text, start, cls in ((item.header, "header", HeaderTransformer), (body, "body", BodyTransformer)):
            if not text.strip():
                continue
            inline = grammar_loader.transforming_parser(cls)
            assert read(lambda t: inline.parse(t, start=start), text) == read(
                lambda t: cls().transform(reference.parse(t, start=start)), text), item.source
            compared += 1
    assert compared > 400


# ------------------------------------------------------------ workers that read and write
def _comparable(path) -> dict:
    """archive_state without the exact index's own segments (their layout depends on
    how the index was filled: per merged chunk or in one rebuild), with its search results."""
    state = archive_state(path)
    for key in ("counts", "digests"):
        state[key] = {t: v for t, v in state[key].items() if not t.startswith("paragraphs_exact_fts_")}
    db = sqlite_utils.Database(path)
    for fts in ("paragraphs_fts", "paragraphs_exact_fts", "cables_fts"):
        state[fts] = db.execute(f"select rowid from [{fts}] where [{fts}] match 'embassy OR visa' "
                                "order by rowid").fetchall()
    db.close()
    return state


def test_workers_that_read_and_write_give_what_one_process_gives(tmp_path, shared, monkeypatch):
    """`ingest_paths` (workers read their own chunks, write scratch files, this process
    merges them) leaves the archive a one-process ingest of the same inputs leaves:
    same rows, same versions and outcomes, same errors, same full-text answers. The
    inputs repeat a folder (its texts known by then, or in a chunk still in flight) and
    hold a cables.csv cut by the split into byte ranges."""
    from cableparse.archive import merge
    from cableparse.archive.fulltext import has_fts
    from cableparse.archive.merge import ingest_paths

    monkeypatch.setattr(merge, "SPLIT_MIN_BYTES", 0)  # the corpus' cables.csv is cut into byte ranges too

    from .live import corpus_subset

    inputs = corpus_subset(60) + [str(shared / "corpus" / "csv")]
    counts = []
    for name in ("one", "workers"):
        path = tmp_path / f"{name}.db"
        db = sqlite_utils.Database(path)
        if name == "one":
            summary = ingest(db, iter_inputs(inputs), batch_size=20, jobs=1)
        else:
            summary = ingest_paths(db, inputs, batch_size=20, jobs=2)
            assert summary.timings["jobs"] == 2 and summary.timings["fts_per_chunk"]
            assert has_fts(db)
        counts.append((summary.ingested, summary.unchanged, summary.replaced, summary.kept,
                       summary.damaged, summary.failed, summary.problems, sorted(summary.failures)))
        db.close()
    assert counts[0] == counts[1]
    assert counts[0][1] > 30  # the csv folder given twice
    assert _comparable(tmp_path / "one.db") == _comparable(tmp_path / "workers.db")
    assert not (tmp_path / "workers.db.scratch").exists()


def test_reingest_through_workers_is_a_no_op(tmp_path, shared):
    from cableparse.archive.merge import ingest_paths

    inputs = [str(shared / "corpus" / "csv"), str(shared / "corpus" / "text")]
    path = tmp_path / "a.db"
    db = sqlite_utils.Database(path)
    first = ingest_paths(db, inputs, batch_size=10, jobs=2)
    before = archive_state(path)
    again = ingest_paths(db, inputs, batch_size=10, jobs=2)
    db.close()
    assert again.ingested == again.replaced == 0 and again.unchanged == first.ok
    assert archive_state(path) == before


def test_csv_byte_ranges_read_as_the_whole_file(shared, tmp_path):
    """record_ranges cuts at record starts: the slices, read in order, give every record
    with its line, text and errors as reading the file does (a cut last row included)."""
    import io
    import os

    from cableparse.readers.csv_dump import read_csv, record_ranges

    path = str(next((shared / "corpus" / "csv").glob("*.csv")))
    # a fragment before the first record, and a byte-order mark
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"\xef\xbb\xbf" + b'junk line\n' + open(path, "rb").read())

    def key(item):
        return (type(item).__name__, item.line, getattr(item, "raw", None), getattr(item, "header", None),
                getattr(item, "body", None), getattr(item, "message", None))

    for name in (path, str(odd)):
        whole = [key(i) for i in iter_inputs([name])]
        size = os.path.getsize(name)
        for records in (1, 4, 25, 10**6):
            for block in (64, 1000, 1 << 20):
                got = []
                for start, end, line, _n in record_ranges(name, records, block):
                    with open(name, "rb") as fh:
                        fh.seek(start)
                        data = fh.read(end - start)
                    if start == 0 and data.startswith(b"\xef\xbb\xbf"):
                        data = data[3:]
                    got += [key(i) for i in read_csv(name, io.BytesIO(data), line, end == size)]
                assert got == whole, (name, records, block)


def test_cli_progress_says_cables_rate_and_stages(tmp_path, shared):
    """The ingest of files shows the load over the input's bytes with cables/s, then
    each stage after it with its time (issue 17: progress that tells the truth)."""
    from click.testing import CliRunner

    from cableparse.cli import cli

    result = CliRunner().invoke(cli, ["ingest", str(shared / "corpus" / "csv"), str(shared / "corpus" / "text"),
                                      "--db", str(tmp_path / "a.db"), "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    assert "Reading, parsing, writing" in result.output
    assert "loaded " in result.output and "cables in" in result.output and "/s)" in result.output
    for stage in ("indexes", "derived tables", "full-text index"):
        assert f"  {stage}: " in result.output, stage


def _parse_id_from_record(raw):
    """The fake parser of test_archive, but the record's id wins over the text's."""
    from .test_archive import fake_parse

    cable = fake_parse(raw)
    if raw.meta.id:
        cable.id = raw.meta.id
    return cable


def test_a_text_known_to_the_worker_but_not_at_the_merge_is_parsed_there(tmp_path):
    """A worker skips a text archived under one id; by the time its chunk is merged, a
    chunk before it gave the same text to another id, so the text no longer names one
    cable: the merge reads the item again from its chunk and parses it, and the outcome
    is that of ingesting the inputs one at a time (here: unchanged)."""
    from cableparse.archive import merge as m
    from cableparse.archive.writer import Summary
    from cableparse.model import Metadata

    from .test_archive import BODY_A, raw_cable

    first = raw_cable("07A1", BODY_A, meta=Metadata(id="07A1"))
    other_id = raw_cable("07A1", BODY_A, meta=Metadata(id="07B2"))  # same text, another record id
    no_id = raw_cable("07A1", BODY_A)  # same text, no record id: the text's id

    reference = sqlite_utils.Database(tmp_path / "one.db")
    ingest(reference, [first], parse=_parse_id_from_record)
    expected = ingest(reference, [other_id, no_id], parse=_parse_id_from_record, batch_size=1)
    reference.close()

    path = tmp_path / "merged.db"
    db = sqlite_utils.Database(path)
    ingest(db, [first], parse=_parse_id_from_record)
    c0, c1 = m.Chunk(0, "items", items=[other_id]), m.Chunk(1, "items", items=[no_id])
    # the second chunk's worker looks its text up before the first chunk is merged
    r1 = m.work(c1, str(tmp_path / "s1.db"), str(path), False, _parse_id_from_record)
    kinds = sqlite_utils.Database(tmp_path / "s1.db").execute("select kind from entries").fetchall()
    assert kinds == [("known",)]
    r0 = m.work(c0, str(tmp_path / "s0.db"), str(path), False, _parse_id_from_record)
    summary = Summary()
    parsed_here = []

    def parse_here(raw):
        parsed_here.append(raw.meta.id)
        return _parse_id_from_record(raw)

    m.merge(db, c0, r0, summary, False, False, parse_here)
    assert parsed_here == []
    m.merge(db, c1, r1, summary, False, False, parse_here)
    assert parsed_here == [None]  # read again from its chunk and parsed by the merge
    db.close()
    assert (summary.ingested, summary.unchanged) == (expected.ingested, expected.unchanged) == (1, 1)
    merged, one = archive_state(path), archive_state(tmp_path / "one.db")
    written = ["cables", "cable_versions", "paragraphs", "ingest_errors"] + m.CHILD_TABLES
    for key in ("counts", "digests"):  # the tables a merge writes (derived ones come after the load)
        assert {t: merged[key][t] for t in written} == {t: one[key][t] for t in written}, key
    assert merged["counts"]["cables"] == 2


def test_a_planner_failure_keeps_the_chunks_cut_before_it(tmp_path, shared, monkeypatch):
    """A cables.csv that cannot be read further: the chunks cut before are merged, with
    workers, then the error goes on (as a reader failure does one batch at a time)."""
    from cableparse.archive import merge as m

    ranges = m.record_ranges

    def failing(path, records):
        for n, cut in enumerate(ranges(path, records)):
            if n == 2:
                raise OSError("the disk went away")
            yield cut

    monkeypatch.setattr(m, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(m, "record_ranges", failing)
    db = sqlite_utils.Database(tmp_path / "a.db")
    with pytest.raises(OSError):
        m.ingest_paths(db, [str(next((shared / "corpus" / "csv").glob("*.csv")))], batch_size=5, jobs=2)
    assert db["cables"].count == 10  # two whole chunks of 5 records
    assert not (tmp_path / "a.db.scratch").exists()
