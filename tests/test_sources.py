"""Readers against the real shared corpus: exact values taken from the files."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from cableparse.model import Metadata, RawCable
from cableparse.readers import (
    BinaryDataError,
    InputError,
    decode,
    extract_html_page,
    iter_inputs,
    normalise_date,
    read_bytes,
    split_header_body,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
SEED = SHARED / "seeds" / "07CASABLANCA42.page.txt"
CSV = CORPUS / "csv" / "wikileaks_aa.csv"

pytestmark = pytest.mark.usefixtures("shared")  # fails clearly without ../shared


def one(path: Path | str) -> RawCable | InputError:
    items = list(iter_inputs([str(path)]))
    assert len(items) == 1, items
    return items[0]


def cables(items):
    return [i for i in items if isinstance(i, RawCable)]


def errors(items):
    return [i for i in items if isinstance(i, InputError)]


# ---------------------------------------------------------------- page-text

def test_seed_page_saved_as_text():
    c = one(SEED)
    assert isinstance(c, RawCable)
    assert c.format == "page-text"
    assert c.line == 1 and c.source == "07CASABLANCA42.page.txt"  # never the absolute path given
    assert c.meta == Metadata(id="07CASABLANCA42", created="2007-03-07 16:52",
                              released="2011-08-30 01:44",
                              classification="UNCLASSIFIED//FOR OFFICIAL USE ONLY",
                              origin="Consulate Casablanca")
    assert c.header.startswith("VZCZCXRO8727\nPP RUEHLA\nDE RUEHCL #0042/01 0661652\n")
    assert c.header.endswith("RUEHBS/USEU BRUSSELS")
    assert c.body.startswith("UNCLAS SECTION 01 OF 18 CASABLANCA 000042")
    assert c.body.endswith("GREENE")
    assert c.raw == SEED.read_text(encoding="utf-8")  # nothing lost, navigation included
    assert "Browse by origin" not in c.header + c.body


# ---------------------------------------------------------------- page-html

def test_cut_page_meta_and_anchors():
    c = one(CORPUS / "pages" / "00HARARE6677.html")
    assert c.format == "page-html"
    # link text wins over the title attribute ('unclassified')
    assert c.meta == Metadata(id="00HARARE6677", created="2000-11-29 13:01",
                              released="2010-12-08 21:09", classification="CONFIDENTIAL",
                              origin="Embassy Harare")
    assert c.header.startswith("This record is a partial extract of the original cable.")
    assert c.header.endswith("AMEMBASSY NAIROBI")
    assert c.body.startswith("Wednesday, 29 November 2000, 13:59\n"
                             "C O N F I D E N T I A L SECTION 01 OF 03 HARARE 006677 \n")
    for text in (c.header, c.body):
        assert "<a" not in text and "</a>" not in text and "&#x000A;" not in text
    assert "¶" not in c.body  # the site's paragraph anchors are gone …
    assert "\n1. (C) SUMMARY: ASSISTANT SECRETARY SUSAN E. RICE MET" in c.body  # … the text stays
    assert "TAGS: PGOV PREL ECON PINR ZI SA" in c.body  # tag links keep their text
    assert "¶</a>" in c.raw and "&#x000A;" in c.raw  # raw is the page itself


def test_unescaped_text_survives():
    israel = one(CORPUS / "pages" / "08STATE43817.html")
    assert "<<Israel>> destroyed a\nnuclear reactor" in israel.body
    beijing = one(CORPUS / "pages" / "10BEIJING352.html")
    assert "prior to the S&ED;\nZou agreed" in beijing.body
    brussels = one(CORPUS / "pages" / "10BRUSSELS183.html")
    assert "&processes8;" in brussels.body
    # `&` as an opening quote must not become an entity (html.unescape would
    # give ®ular8, ¬ squeamish, µ-trafficking)
    assert "&regular8" in one(CORPUS / "pages" / "07SANJOSE1618.html").body
    assert "&not squeamish" in one(CORPUS / "pages" / "09LONDON2596.html").body
    assert "&micro-traffick" in one(CORPUS / "pages" / "09PARIS1426.html").body


def test_br_and_links_in_pre():
    page = ("<table class='cable'><tr><td><a href='/x'>01X1</a></td><td>2001-01-02 03:04</td>"
            "<td>2011-01-01 00:00</td><td>SECRET</td><td>Embassy X</td></tr></table>"
            "<code><pre>A<br>B<br />&#x000A;C <a href='http://Ahronot'>Ahronot</a> "
            "<a id='par1' href='#par1'>¶</a>1. x &amp; y &lt;b&gt; &Toumba8<br></pre></code>")
    header, body, meta = extract_html_page(page)
    assert header == ""  # a single <pre> is the body
    assert body == "A\nB\nC Ahronot 1. x & y <b> &Toumba8"
    assert meta.id == "01X1" and meta.created == "2001-01-02 03:04"
    assert meta.classification == "SECRET" and meta.origin == "Embassy X"
    # no table: meta stays empty
    assert extract_html_page("<pre>H</pre><pre>B</pre>") == ("H", "B", Metadata())


def test_every_cut_page_yields_one_cable_named_like_its_file():
    files = sorted((CORPUS / "pages").glob("*.html"))
    assert len(files) == 4660
    t = time.perf_counter()
    items = list(iter_inputs([str(CORPUS / "pages")]))
    elapsed = time.perf_counter() - t
    assert len(items) == len(files)
    assert not errors(items)
    for path, c in zip(files, items):
        assert c.source == f"pages/{path.name}" and c.format == "page-html" and c.line == 1
        assert c.meta.id == path.stem
        assert c.meta.created and c.meta.released and c.meta.classification and c.meta.origin
        assert c.header and c.body
    assert elapsed < 15, f"reading the pages took {elapsed:.1f}s"


def test_full_pages_with_navigation():
    items = list(iter_inputs([str(CORPUS / "full-pages")]))
    assert len(cables(items)) == 40 and not errors(items)
    c = one(CORPUS / "full-pages" / "07BERLIN242.html")
    assert c.meta.id == "07BERLIN242"
    assert c.header.startswith("VZCZCXYZ0015\nOO RUEHWEB")
    assert c.body.startswith("S E C R E T BERLIN 000242")


# ---------------------------------------------------------------- csv

def csv_rows_in_file() -> int:
    import re

    start = re.compile(rb'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
    with open(CSV, "rb") as fh:
        return sum(1 for line in fh if start.match(line))


def test_csv_rows():
    items = list(iter_inputs([str(CSV)]))
    rows = cables(items)
    assert csv_rows_in_file() == 37
    assert len(rows) == 37
    [stray] = errors(items)
    assert (stray.line, stray.raw, stray.format) == (1, '"\n', "csv")
    assert "fragment before the first" in stray.message
    first = rows[0]
    assert first.format == "csv" and first.line == 2
    assert first.meta == Metadata(id="66BUENOSAIRES2481", created="1966-12-28 18:48",
                                  classification="UNCLASSIFIED", origin="Embassy Buenos Aires",
                                  references=["66STATE106206"])
    assert first.meta.released is None
    assert first.header.startswith("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES\n")
    assert first.header.endswith("STATE GRNC")
    assert first.body.startswith("UNCLASSIFIED BUENOS AIRES 2481")
    assert 'OF "PREFERENTIAL JURISDICTION" FOR FISHING' in first.body
    assert "FONOFF LEGAL ADVISORS' QUALMS" in first.body
    assert '\\"' not in first.body and "\\'" not in first.body
    assert first.raw.startswith('"1","12/28/1966 18:48","66BUENOSAIRES2481",')
    assert '\\"PREFERENTIAL JURISDICTION\\"' in first.raw  # raw keeps the escapes
    assert rows[1].meta.references == ["72MOSCOW1603", "72TEHRAN1091", "72TEHRAN263"]
    assert rows[2].meta.references == []
    assert [r.line for r in rows][-1] == 4363
    assert rows[-1].meta.id == "85CAIRO6360"  # its closing quote was cut off at a line end


def test_csv_cut_in_half(tmp_path):
    data = CSV.read_bytes()
    half = tmp_path / "half.csv"
    half.write_bytes(data[: len(data) // 2])  # ends mid-line in row 24's content
    items = list(iter_inputs([str(half)]))
    assert len(cables(items)) == 23
    stray, cut = errors(items)
    assert cut.line == 1941 and "cut short" in cut.message
    assert cut.raw.startswith('"24","1/31/1985 5:31","85MOGADISHU1175"')

    short = tmp_path / "short.csv"  # cut inside the classification column of row 27
    short.write_bytes(data[: data.index(b'"SECRET//NOFORN"') + 10])
    items = list(iter_inputs([str(short)]))
    assert len(cables(items)) == 26
    cut = errors(items)[-1]
    assert cut.line == 2650
    assert cut.message == "expected a cables.csv record of 8 columns, found 5 (row cut short?)"
    assert cut.raw == '"27","2/5/1985 12:45","85GABORONE501","Embassy Gaborone","SECRET//N'


def test_csv_is_streamed():
    """The real cables.csv is 1.7 GB: the first row must come out long before EOF."""
    data = CSV.read_bytes() * 40  # ~9 MB

    class Counting(io.BytesIO):
        def read(self, *a):
            out = super().read(*a)
            self.consumed = self.tell()
            return out

    stream = Counting(data)
    stream.consumed = 0
    it = iter_inputs(["-"], stdin=stream)
    next(it)  # the stray fragment
    first = next(it)
    assert first.meta.id == "66BUENOSAIRES2481"
    assert stream.tell() < 1_000_000


def test_csv_crlf_and_bad_rows():
    data = (b'"1","1/2/2003 4:05","03X1","Embassy X","SECRET","","H1\r\nH2","B1\r\nB2"\r\n'
            b'"2","1/2/2003 4:05","03X2","Embassy X","SECRET","","H","B" junk\n'
            b'"3","1/2/2003 4:05","03X3","Embassy X","SECRET","a|b","H","B","extra"\n')
    a, b, c = read_bytes("t.csv", data)
    assert (a.header, a.body, a.meta.created) == ("H1\nH2", "B1\nB2", "2003-01-02 04:05")
    assert "\r" not in a.raw
    assert isinstance(b, InputError) and b.line == 4 and "expected ','" in b.message
    assert b.column == len('"2","1/2/2003 4:05","03X2","Embassy X","SECRET","","H","B"') + 1
    assert isinstance(c, InputError) and c.line == 5 and "found 9" in c.message


# ---------------------------------------------------------------- text and plusd

def test_plain_text_cp1252_crlf():
    c = one(CORPUS / "text" / "06NEWDELHI5237.txt")
    assert c.format == "text" and c.meta == Metadata(name_id="06NEWDELHI5237")  # only the file name
    assert "\r" not in c.raw + c.header + c.body
    assert "\n¶2.  (C)  Poloff delivered reftel to MEA Undersecretary Jayant" in c.body
    assert c.header.startswith("VZCZCXRO1344\nOO RUEHBI RUEHCI RUEHLH RUEHPW")
    assert c.header.endswith("RUEKJCS/JOINT STAFF WASHDC")
    assert c.body.startswith("CONFIDENTIAL SECTION 01 OF 02 NEW DELHI 005237")
    assert c.body.endswith("PYATT")


def test_every_text_file_splits_at_its_classification_line():
    items = list(iter_inputs([str(CORPUS / "text")]))
    assert len(cables(items)) == 17 and not errors(items)
    for c in items:
        assert c.header, c.source
        assert c.body.split(" ")[0] in {"UNCLAS", "CONFIDENTIAL", "SECRET"}, c.source


def test_other_converter_layout():
    c = one(CORPUS / "text" / "02ADANA386.txt")
    assert c.format == "text"
    assert c.meta == Metadata(id="02ADANA386", created="2002-11-20 00:00",
                              classification="UNCLASSIFIED", origin="Consulate Adana",
                              name_id="02ADANA386")
    assert c.header == ("This record is a partial extract of the original cable. "
                        "The full text of the original cable is not available.")
    assert c.body.startswith("UNCLAS SECTION 01 OF 02 ADANA 0386")
    assert c.body.endswith("HOLTZ")


def test_plusd_athens():
    raw = CORPUS / "plusd" / "1974ATHENS02959_b.raw-content.txt"
    c = one(raw)
    assert c.format == "plusd"
    # the archive's own id (file name), normalised later by the parser
    assert c.meta == Metadata(id="1974ATHENS02959_b", created="1974-05-17 00:00",
                              classification="LIMITED OFFICIAL USE", origin="ATHENS",
                              tags="PINS, GR, (KALOUDIS, NICK), (AMBATIELOS, ANTHONY)")
    assert c.raw == raw.read_text()
    assert c.header.startswith("LIMITED OFFICIAL USE\n\nPAGE 01  ATHENS 02959  171944Z")
    assert c.header.endswith("AMCONSUL THESSALONIKI")
    assert c.body.startswith("LIMITED OFFICIAL USE ATHENS 2959\n\nE.O. 11652: N/A")


def test_plusd_directory_pairs_and_lone_metadata(tmp_path):
    items = list(iter_inputs([str(CORPUS / "plusd")]))
    assert [c.meta.id for c in items] == ["1973STATE097844_b", "1974ATHENS02959_b",
                                          "1974ATHENS03099_b"]
    pair = [str(CORPUS / "plusd" / f"1974ATHENS03099_b.{kind}.txt")
            for kind in ("raw-content", "metadata")]
    [c] = iter_inputs(pair)  # named explicitly: still one cable
    assert c.meta.classification == "CONFIDENTIAL" and c.meta.created == "1974-05-23 00:00"
    [err] = iter_inputs(pair[1:])
    assert isinstance(err, InputError) and "give " + pair[0] in err.message
    lone = tmp_path / "X.metadata.txt"
    lone.write_bytes((CORPUS / "plusd" / "1974ATHENS02959_b.metadata.txt").read_bytes())
    [err] = iter_inputs([str(tmp_path)])
    assert isinstance(err, InputError) and err.format == "plusd"
    assert "X.raw-content.txt" in err.message


# ---------------------------------------------------------------- errors and plumbing

def test_bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    unknown = tmp_path / "notes.txt"
    unknown.write_text("shopping list\nmilk\neggs\n")
    missing = tmp_path / "nope.html"
    e, b, u, m = iter_inputs([str(empty), str(binary), str(unknown), str(missing)])
    assert isinstance(e, InputError) and e.message == "empty file, expected a cable"
    assert isinstance(b, InputError)
    assert b.message.startswith("binary file, expected cable text, HTML or CSV")
    assert isinstance(u, InputError) and u.raw == "shopping list\nmilk\neggs\n"
    assert u.message == "unknown format: expected a Cablegate page, cables.csv, or cable text"
    assert isinstance(m, InputError) and m.message == "no such file or directory"
    assert m.source == missing.name  # recorded without the folders of an absolute path


def test_stdin():
    data = SEED.read_bytes()
    [c] = iter_inputs(["-"], stdin=io.BytesIO(data))
    assert c.source == "-" and c.format == "page-text" and c.meta.id == "07CASABLANCA42"
    [c] = read_bytes("-", (CORPUS / "pages" / "00HARARE6677.html").read_bytes())
    assert c.meta.id == "00HARARE6677"


def test_whole_corpus_directory():
    items = list(iter_inputs([str(CORPUS)]))
    found = cables(items)
    assert len(found) == 4660 + 40 + 17 + 37 + 3
    by_format = {f: sum(c.format == f for c in found) for f in
                 ("page-html", "csv", "text", "plusd")}
    assert by_format == {"page-html": 4700, "csv": 37, "text": 17, "plusd": 3}
    # the CSV's stray fragment and README.md
    assert sorted(Path(e.source).name for e in errors(items)) == ["README.md", "wikileaks_aa.csv"]
    assert [i.source for i in items] == sorted(
        (i.source for i in items), key=lambda s: Path(s).parts)
    assert all(i.source.startswith("corpus/") for i in items)  # never the absolute path


def test_hidden_files_are_skipped(tmp_path):
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "a.html").write_text("x")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.txt").write_bytes(SEED.read_bytes())
    assert [i.source for i in iter_inputs([str(tmp_path)])] == [f"{tmp_path.name}/b/c.txt"]


# ---------------------------------------------------------------- helpers

def test_decode():
    assert decode(b"\xef\xbb\xbfa\r\nb\rc\n") == "a\nb\nc\n"
    assert decode("\u201cquoted\u201d ¶1.".encode("utf-8")) == "\u201cquoted\u201d ¶1."
    assert decode(b"\x93quoted\x94 \xb61.  (C) the U.S.") == "\u201cquoted\u201d ¶1.  (C) the U.S."
    assert decode(b"\x81\xb6") == "\x81¶"  # not cp1252: latin-1 never fails
    russian = "Посольство США в Москве сообщает о встрече с министром. " * 3
    assert decode(russian.encode("cp1251")) == russian  # a real non-Latin text is detected
    with pytest.raises(BinaryDataError):
        decode(b"abc\x00def")


def test_split_header_body():
    assert split_header_body("1. (C) Summary.\nGREENE\n\n") == ("", "1. (C) Summary.\nGREENE")
    header, body = split_header_body(
        "\nVZCZCXRO1\nPP RUEHLA\nFM AMCONSUL X\nTO RUEHC/SECSTATE WASHDC\n"
        "SECRET SECTION 01 OF 02 X 000001\n\nTAGS: PREL\n")
    assert header == "VZCZCXRO1\nPP RUEHLA\nFM AMCONSUL X\nTO RUEHC/SECSTATE WASHDC"
    assert body == "SECRET SECTION 01 OF 02 X 000001\n\nTAGS: PREL"
    # routing lines but no classification line: header is the routing run
    assert split_header_body("P 071652Z MAR 07\nFM X\nhello there\n") == (
        "P 071652Z MAR 07\nFM X", "hello there")


def test_normalise_date():
    assert normalise_date("12/28/1966 18:48") == "1966-12-28 18:48"
    assert normalise_date("1/8/1985 9:00") == "1985-01-08 09:00"
    assert normalise_date("2007-03-07 16:52") == "2007-03-07 16:52"
    assert normalise_date("17 MAY 1974") == "1974-05-17 00:00"
    assert normalise_date("Wed Nov 20 23:30:00 +0100 2002") == "2002-11-20 23:30"
    assert normalise_date("n/a") is None and normalise_date(None) is None
