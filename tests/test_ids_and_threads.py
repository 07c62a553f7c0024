"""Where a cable's id comes from when no record gives it, and a parse that shares nothing between threads."""
from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import cableparse
from cableparse.readers import read_bytes

from .conftest import CORPUS


def _extract_body() -> str:
    """The body of a real partial extract (03BRASILIA3459): a classification line naming
    station and serial, but no routing lines, so no DTG and no year."""
    page = next(cableparse.iter_inputs([str(CORPUS / "pages" / "03BRASILIA3459.html")]))
    assert page.body.startswith("C O N F I D E N T I A L SECTION 01 OF 04 BRASILIA 003459")
    return page.body


def _parse_file(name: str, text: str):
    (item,) = list(read_bytes(name, text.encode("utf-8")))
    return cableparse.parse_raw(item)


def test_a_page_names_its_id_in_its_record(shared):
    cable = cableparse.parse_raw(next(cableparse.iter_inputs([str(CORPUS / "pages" / "03BRASILIA3459.html")])))
    assert (cable.id, cable.id_source) == ("03BRASILIA3459", "record")


def test_whole_cable_text_takes_its_id_from_the_classification_line_and_dtg(shared):
    cable = cableparse.parse_raw(next(cableparse.iter_inputs([str(CORPUS / "text" / "06NEWDELHI5237.txt")])))
    assert (cable.id, cable.id_source, cable.created) == ("06NEWDELHI5237", "text", "2006-07-26 08:35")


def test_a_partial_extract_named_after_its_cable_takes_the_file_name(shared):
    cable = _parse_file("exports/03BRASILIA3459.txt", _extract_body())
    assert (cable.id, cable.id_source) == ("03BRASILIA3459", "file name")
    assert cable.subject == "CAN ITAMARATY'S STRANGLEHOLD ON FTAA POLICY BE BROKEN?"


def test_a_cable_dated_line_gives_the_year_for_the_classification_line(shared):
    cable = _parse_file("extract.txt", "Cable dated: 2003-10-28\n\n" + _extract_body())
    assert (cable.id, cable.id_source) == ("03BRASILIA3459", "text")


def test_an_export_block_names_the_id(shared):
    cable = _parse_file("extract.txt", "Reference ID: 03BRASILIA3459\n\n" + _extract_body())
    assert (cable.id, cable.id_source) == ("03BRASILIA3459", "text")


def test_an_extract_without_any_id_is_recorded_not_lost(shared, tmp_path):
    import sqlite_utils

    from cableparse.archive import ingest

    db = sqlite_utils.Database(tmp_path / "a.db")
    summary = ingest(db, read_bytes("extract.txt", _extract_body().encode("utf-8")))
    assert (summary.ingested, summary.failed) == (0, 1)
    (row,) = db.query("select source, message, raw from ingest_errors")
    assert row["source"] == "extract.txt" and row["message"].startswith("could not find a reference id")
    assert row["raw"] == _extract_body()


def test_parsing_in_threads_gives_what_parsing_alone_gives(shared):
    """The parser and its Transformers are cached and shared: the site's version diffs
    parse in Datasette's threads. Different cables at once must not see each other."""
    paths = sorted((CORPUS / "pages").glob("0*.html"))[:24] + sorted((CORPUS / "text").glob("*.txt"))
    items = [item for path in paths for item in cableparse.iter_inputs([str(path)])]
    serial = [dataclasses.asdict(cableparse.parse_raw(item)) for item in items]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            threaded = list(pool.map(lambda item: dataclasses.asdict(cableparse.parse_raw(item)), items))
            assert threaded == serial
