"""Issue 16: a damaged copy never wins, every input is accounted for at bounded cost,
a locked or full archive gives one clean line, immutable serving and ingest keep apart,
and a published archive shows no path of the ingesting machine."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import sqlite_utils
from click.testing import CliRunner

import cableparse.readers as readers
from cableparse.archive import ingest
from cableparse.archive.guard import ingesting, mark_immutable_server
from cableparse.cli import cli
from cableparse.readers import InputError, iter_inputs, read_bytes

from .conftest import CORPUS, SEED

CAIRO = CORPUS / "pages" / "06CAIRO3874.html"


def _rows(db, sql, params=()):
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


def test_a_cut_page_is_kept_as_a_version_but_never_replaces_the_whole_cable(shared, tmp_path):
    data = CAIRO.read_bytes()
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert ingest(db, read_bytes("06CAIRO3874.html", data)).ingested == 1
    shown = _rows(db, "select paragraph_count, tags from cables")
    assert shown == [(4, '["PGOV", "PHUM", "PREL", "KDEM", "EG"]')]
    summary = ingest(db, read_bytes("half.html", data[: len(data) // 2]))
    assert (summary.replaced, summary.damaged, summary.failed) == (0, 1, 0)
    assert "kept as damaged copies 1 (not shown)" in summary.line()
    assert _rows(db, "select paragraph_count, tags, source from cables") == [shown[0] + ("06CAIRO3874.html",)]
    assert _rows(db, "select source, current from cable_versions order by current") == [
        ("half.html", 0), ("06CAIRO3874.html", 1)]
    assert _rows(db, "select source, severity, part, message from ingest_errors where message like 'kept%'") == [
        ("half.html", "warning", "input", "kept as a version, not shown: the input is cut (it ends inside the cable)")]


def test_a_far_shorter_text_does_not_replace_the_cable(shared, tmp_path):
    """Not cut by its container, but a fraction of the text with fewer paragraphs: a damaged copy."""
    (page,) = list(iter_inputs([str(CAIRO)]))
    db = sqlite_utils.Database(tmp_path / "a.db")
    ingest(db, [page])
    short = page.body[: page.body.index("2. (SBU)")]
    stub = readers.RawCable("short.txt", 1, "text", short, page.header, short, page.meta)
    summary = ingest(db, [stub])
    assert summary.damaged == 1
    (message,) = _rows(db, "select message from ingest_errors where source = 'short.txt'")[0]
    assert message.startswith("kept as a version, not shown: it has ")
    assert message.endswith(" of the 4 paragraphs of the text shown")
    assert _rows(db, "select paragraph_count from cables") == [(4,)]


def test_huge_junk_is_recorded_by_excerpt_size_and_hash(tmp_path):
    junk = ("not a cable, line after line of junk\n" * 60_000)  # 2.2 MB of text
    path = tmp_path / "junk.txt"
    path.write_text(junk)
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert ingest(db, iter_inputs([str(path)])).failed == 1
    (raw, message), = _rows(db, "select raw, message from ingest_errors")
    digest = hashlib.sha256(junk.encode()).hexdigest()
    assert raw.startswith(junk[:1000]) and len(raw) < 70_000
    assert raw.endswith(f"[cableparse: {len(junk):,} characters in all, sha256 {digest}; the first 65,536 are kept]")
    assert message == "unknown format: expected a Cablegate page, cables.csv, or cable text"


def test_an_input_past_the_size_limit_is_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_WHOLE_BYTES", 1 << 20)
    data = b"x" * (3 << 20)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    (err,) = list(iter_inputs([str(path)]))
    assert isinstance(err, InputError)
    assert err.message == (f"too large for one cable: {len(data):,} bytes (more than {1 << 20:,}), "
                           f"sha256 {hashlib.sha256(data).hexdigest()}; expected a Cablegate page, "
                           "cables.csv or cable text; the first 4,096 bytes are kept")
    assert err.raw == "x" * 4096


def test_a_binary_input_is_recorded_with_size_hash_and_first_bytes(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    (err,) = list(read_bytes("logo.png", data))
    assert err.message == ("binary file, expected cable text, HTML or CSV (1,032 bytes, sha256 "
                           f"{hashlib.sha256(data).hexdigest()}, first bytes 89 50 4e 47 0d 0a 1a 0a 00 01 02 03 04 05 06 07)")


def test_an_unreadable_directory_is_recorded(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "c.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(iter_inputs([str(tmp_path)]))
    assert [(i.source, i.message) for i in items if isinstance(i, InputError)] == [
        (f"{tmp_path.name}/locked", "cannot read directory: Permission denied")]
    assert [i.meta.id for i in items if not isinstance(i, InputError)] == ["07CASABLANCA42"]


def test_one_bad_byte_does_not_redecode_the_whole_file(shared, tmp_path):
    text = (CORPUS / "text" / "09PARIS1040.txt").read_bytes().decode("cp1252")
    data = text.replace("\r\n", "\n").encode("utf-8") + "\nCAF\u00c9 DIPLOMACY\n".encode("cp1252")
    (item,) = list(read_bytes("paris.txt", data))
    assert item.raw.endswith("CAF\u00c9 DIPLOMACY\n") and "\u00c3" not in item.raw
    lines = item.raw.count("\n")
    assert item.notes == [f"1 line not valid UTF-8 (line {lines}): read as cp1252, the rest as UTF-8"]
    db = sqlite_utils.Database(tmp_path / "a.db")
    ingest(db, [item])
    assert _rows(db, "select severity, part, message from ingest_errors") == [
        ("warning", "input", item.notes[0])]


def test_sources_never_show_an_absolute_path(shared, tmp_path):
    db_path = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["ingest", str(SEED), str(CORPUS / "text"), "--db", str(db_path), "-q"])
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(db_path)
    sources = {r[0] for r in db.execute("select source from cables")}
    assert "07CASABLANCA42.page.txt" in sources and "text/09PARIS1040.txt" in sources
    assert not [s for s in sources if os.path.isabs(s)]
    # an archive made before: absolute sources become file names, once
    db.execute("update cables set source = '/home/someone/cables/' || source")
    db.execute("delete from _sqlite_migrations where name = 'relative_sources'")
    db.conn.commit()
    assert CliRunner().invoke(cli, ["migrate", "--db", str(db_path)]).exit_code == 0
    assert {r[0] for r in db.execute("select source from cables")} == {os.path.basename(s) for s in sources}


def test_a_locked_archive_gives_one_clean_line(shared, tmp_path):
    db_path = tmp_path / "a.db"
    CliRunner().invoke(cli, ["ingest", str(SEED), "--db", str(db_path), "-q"])
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(cli, ["ingest", str(CORPUS / "text"), "--db", str(db_path),
                                          "-q", "--busy-timeout", "1"])
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert f"Error: {db_path} is locked by another program (waited 1 s): the batches written before " \
           "stay in the archive; run the same command again when it is done" in result.output


def test_a_full_disk_gives_one_clean_line(tmp_path, monkeypatch):
    import cableparse.cli

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cableparse.cli, "run_ingest", full)
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--db", str(tmp_path / "a.db"), "-q"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the disk is full while writing" in result.output


def test_a_second_ingest_waits_for_the_first(shared, tmp_path):
    db_path = str(tmp_path / "a.db")
    release = threading.Event()

    def hold():
        with ingesting(db_path):
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    proc = subprocess.Popen([sys.executable, "-m", "cableparse", "ingest", str(SEED), "--db", db_path],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    assert proc.poll() is None  # waiting, not failing
    release.set()
    holder.join()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"waiting for another ingest of {db_path} to finish" in err
    assert "ingested 1" in err


def test_ingest_refuses_an_archive_served_immutable(shared, tmp_path):
    db_path = str(tmp_path / "a.db")
    mark_immutable_server(db_path)  # this test's own process stands for the server
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--db", db_path])
    assert result.exit_code == 1
    assert f"{db_path} is being served with --immutable (process {os.getpid()})" in result.output
    assert not os.path.exists(db_path)


@pytest.mark.parametrize("numbers", [(998, 999, 1000, 1001)])
def test_paragraph_numbers_of_1000_and_more_are_text(numbers):
    import cableparse

    body = "UNCLAS\n\nSUBJECT: MANY PARAGRAPHS\n\n" + "\n\n".join(f"{n}. Text of {n}." for n in numbers)
    cable = cableparse.parse(body, id="09X1")
    assert [p.number for p in cable.paragraphs] == [998, 999]
    assert cable.paragraphs[-1].text == "Text of 999.\n\n1000. Text of 1000.\n\n1001. Text of 1001."


def test_serve_immutable_during_an_ingest_serves_normally(shared, tmp_path):
    """An immutable server cannot see an ingest's changes (pages answered 500 "malformed")."""
    import httpx

    from .live import free_port, stop

    db_path = str(tmp_path / "a.db")
    assert CliRunner().invoke(cli, ["ingest", str(SEED), "--db", db_path, "-q"]).exit_code == 0
    port = free_port()
    with ingesting(db_path):  # this test stands for the running ingest
        proc = subprocess.Popen([sys.executable, "-m", "cableparse", "serve", "--db", db_path, "--immutable",
                                 "--port", str(port)], stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stderr.readline()
            assert line.startswith(f"an ingest is writing {db_path}: serving it normally, not --immutable")
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/-/databases.json", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            databases = httpx.get(f"http://127.0.0.1:{port}/-/databases.json", timeout=5).json()
            assert {d["name"]: d["is_mutable"] for d in databases}["a"] is True
        finally:
            stop(proc)
    assert not os.path.exists(db_path + ".immutable-pid")
