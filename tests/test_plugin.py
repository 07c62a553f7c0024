"""The site is a Datasette plugin: plain `datasette archive.db` serves it, and serving never writes."""
from __future__ import annotations

import asyncio
import hashlib
import shutil

import httpx
import sqlite_utils
from click.testing import CliRunner
from datasette.app import Datasette

from cableparse.archive.rawtext import register, unpack
from cableparse.archive.versions import load_versions
from cableparse.cli import cli
from cableparse.site.read_only import is_read_only

from .conftest import SEED
from .live import serve, stop


def _seed_archive(tmp_path):
    path = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--db", str(path), "-q"])
    assert result.exit_code == 0, result.output
    return path


def _get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def test_plain_datasette_serves_the_whole_site(shared, tmp_path):
    """No --metadata, --template-dir or --plugins-dir: the entry point brings them."""
    ds = Datasette([str(_seed_archive(tmp_path))])
    plugins = _get(ds, "/-/plugins.json").json()
    assert "cableparse" in {p["name"] for p in plugins}
    assert next(p for p in plugins if p["name"] == "cableparse")["templates"] is True
    search = _get(ds, "/-/search?q=maids")
    assert search.status_code == 200
    assert "07CASABLANCA42" in search.text
    page = _get(ds, "/archive/cables/07CASABLANCA42")
    assert page.status_code == 200
    assert 'id="p7"' in page.text and 'id="p10i"' in page.text
    assert "MOROCCO: ANNUAL TRAFFICKING IN PERSONS REPORT" in page.text
    # the archive's descriptions come from the plugin's metadata
    assert _get(ds, "/-/metadata.json").json()["title"] == "US diplomatic cables"
    assert _get(ds, "/archive/cables.json?_facet=origin").status_code == 200


def test_writes_are_refused_unless_the_metadata_allows_them(shared, tmp_path):
    path = _seed_archive(tmp_path)
    response = asyncio.run(Datasette([str(path)]).client.post("/archive/cables", data={}))
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert is_read_only(Datasette([str(path)]))
    allowing = Datasette([str(path)], metadata={"plugins": {"cableparse": {"read_only": False}}})
    assert not is_read_only(allowing)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serve_leaves_an_old_archive_byte_identical(shared, tmp_path):
    """An archive made before migrations were recorded is served as it is, never brought up to date."""
    path = _seed_archive(tmp_path)
    db = sqlite_utils.Database(path)
    db["_sqlite_migrations"].drop()
    db.execute("delete from posts")
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    old = tmp_path / "old.db"
    shutil.copy(path, old)
    before = _digest(old)
    proc, base = serve(old, tmp_path / "serve.log")
    try:
        for url in ("/", "/-/search?q=maids", "/old/cables/07CASABLANCA42", "/old/cable_origins",
                    "/old/tags"):
            assert httpx.get(base + url, timeout=30).status_code == 200, url
    finally:
        stop(proc)
    assert _digest(old) == before
    wal = old.with_name(old.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert "cableparse migrate" in (tmp_path / "serve.log").read_text()
    result = CliRunner().invoke(cli, ["migrate", "--db", str(old)])
    assert result.exit_code == 0
    assert "applied: describe_tags, place_posts, relative_sources, search_tables" in result.output
    assert sqlite_utils.Database(old).execute(
        "select kind, city from posts where name = 'Consulate Casablanca'").fetchall() == [("consulate", "Casablanca")]


def test_raw_text_is_stored_compressed_and_read_as_text_everywhere(shared, tmp_path):
    """The BLOB in cables.body is the text for every reader: the cable page and its JSON,
    cable_text() and the cable_texts view through Datasette's SQL, an archive from before
    compression (TEXT) alike."""
    path = _seed_archive(tmp_path)
    db = sqlite_utils.Database(path)
    assert db.execute("select typeof(header), typeof(body) from cables").fetchone() == ("blob", "blob")
    ds = Datasette([str(path)])
    whole = _get(ds, "/archive/cables/07CASABLANCA42.json").json()["cable"]
    body = whole["body"]
    assert isinstance(body, str) and "TRAFFICKING" in body
    query = _get(ds, "/archive.json?_shape=array&sql=" + "select cable_text(body) as body from cables").json()
    assert query == [{"body": body}]
    view = _get(ds, "/archive/cable_texts.json?_shape=array").json()
    assert [(r["cable_id"], r["body"]) for r in view] == [("07CASABLANCA42", body)]
    assert "MOROCCO: ANNUAL TRAFFICKING" in _get(ds, "/archive/cables/07CASABLANCA42").text
    # an archive made before compression holds TEXT: read the same
    register(db.conn)
    db.execute("update cables set header = cable_text(header), body = cable_text(body)")
    db.conn.commit()
    assert db.execute("select typeof(body) from cables").fetchone() == ("text",)
    assert unpack(db.execute("select body from cables").fetchone()[0]) == body
    assert [v.body for v in load_versions(db, "07CASABLANCA42")] == [body]
    ds = Datasette([str(path)])
    assert _get(ds, "/archive/cables/07CASABLANCA42.json").json()["cable"]["body"] == body
