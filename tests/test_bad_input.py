"""Bad input through `cableparse ingest` (issue 6): a clear message naming the file,
the line and what was expected; a non-zero exit only when nothing could be done;
the rest of a batch still goes in; the input is kept whole in ingest_errors."""
import sqlite_utils
from click.testing import CliRunner

from cableparse.archive.rawtext import unpack
from cableparse.cli import cli

from .conftest import CORPUS, SEED


def ingest(*args):
    return CliRunner().invoke(cli, ["ingest", *map(str, args)])


def errors(db_path):
    return list(sqlite_utils.Database(db_path).query(
        "select source, line, message, raw from ingest_errors where cable_id is null order by source, line"))


def test_missing_path(tmp_path):
    result = ingest(tmp_path / "nowhere.txt", "--db", tmp_path / "a.db")
    assert result.exit_code == 1
    assert "nowhere.txt: no such file or directory" in result.output


def test_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = ingest(tmp_path / "empty.txt", "--db", tmp_path / "a.db")
    assert result.exit_code == 1
    assert "empty.txt:1: empty file, expected a cable" in result.output


def test_binary_file_beside_a_real_cable(shared, tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40)
    result = ingest(tmp_path / "photo.jpg", SEED, "--db", tmp_path / "a.db")
    assert result.exit_code == 0  # the cable went in
    assert "ingested 1," in result.output and "failed 1" in result.output
    [err] = errors(tmp_path / "a.db")
    assert err["source"].endswith("photo.jpg") and err["message"].startswith("binary file")


def test_unknown_format(tmp_path):
    (tmp_path / "notes.txt").write_text("Shopping list\nmilk\neggs\n")
    result = ingest(tmp_path / "notes.txt", "--db", tmp_path / "a.db")
    assert result.exit_code == 1
    assert "notes.txt:1: unknown format: expected a Cablegate page, cables.csv, or cable text" in result.output
    assert errors(tmp_path / "a.db")[0]["raw"] == "Shopping list\nmilk\neggs\n"


def test_csv_cut_mid_row(shared, tmp_path):
    data = (CORPUS / "csv" / "wikileaks_aa.csv").read_bytes()
    cut = data[: data.index(b'"12","') + 4000]  # twelfth row cut inside its content
    (tmp_path / "cables.csv").write_bytes(cut)
    result = ingest(tmp_path / "cables.csv", "--db", tmp_path / "a.db")
    assert result.exit_code == 0
    assert "ingested 11," in result.output
    fragment, row = errors(tmp_path / "a.db")
    assert fragment["line"] == 1
    assert row["line"] == cut[: cut.index(b'"12","')].count(b"\n") + 1
    assert "cut short" in row["message"] and row["raw"].startswith('"12","')


def test_invalid_utf8_is_decoded_not_lost(shared, tmp_path):
    text = (CORPUS / "text" / "06NEWDELHI5237.txt").read_bytes()  # ISO-8859-1: ¶ is 0xB6
    assert b"\xb6" in text
    (tmp_path / "cable.txt").write_bytes(text + b"\n\xff\xfe broken \xc3\x28 bytes\n")
    result = ingest(tmp_path / "cable.txt", "--db", tmp_path / "a.db")
    assert result.exit_code == 0 and "ingested 1," in result.output
    row = sqlite_utils.Database(tmp_path / "a.db")["cables"].get("06NEWDELHI5237")
    body = unpack(row["body"])  # stored compressed
    assert "¶" in body and "broken" in body


def test_a_100_mb_line(shared, tmp_path):
    """A paragraph line of 100 MB (a runaway export): the cable goes in whole."""
    seed = SEED.read_bytes()
    huge = b"14.  " + b"cleared " * (100 * 1024 * 1024 // 8) + b"\n"
    (tmp_path / "huge.txt").write_bytes(seed.replace(b"14.  Embassy Rabat cleared this message.", huge))
    result = ingest(tmp_path / "huge.txt", "--db", tmp_path / "a.db")
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(tmp_path / "a.db")
    row = db.execute("select length(text), number from paragraphs where cable_id = '07CASABLANCA42' "
                     "and number = 14").fetchone()
    assert row[0] == len("cleared " * (100 * 1024 * 1024 // 8)) - 1
    assert db["cables"].get("07CASABLANCA42")["signature"] == "GREENE"
