"""The checks of bench/fidelity.py on real cables whose raw text was read by hand.

Each test takes the raw body of a real cable (read with the stable reader API) and
builds the Cable the check looks at itself, with the paragraphs, sections and fields
set here, so what is tested is the check, not today's parser (which others are
changing). The expected figures were counted from the raw text:

* seed 07CASABLANCA42: `---\\nMorocco Remains on the Right Path\\n---` and `---\\nTIP Hero\\n---`
  headings, 17 page-break lines `CASABLANCA 00000042  002 OF 018` … (the fourth page
  `004.2 OF 018`), ends in `GREENE`, REFS `(A) 06 STATE 00202745`.
* 09SANJOSE59: one unnumbered paragraph `(SBU) On January 26, …` of 86 words plus its
  mark, then `CIANCHETTE` on the last line; its last sentence (`However, he said …
  on an advisory basis.`) is 32 words.
* 09BRASILIA1184: four headings between dash runs on one line
  (`----- ----- SITUATION AT THE BRAZILIAN EMBASSY IN TEGUCIGALPA IS GRAVE ----- -----`),
  one page break `BRASILIA 00001184 001.2 OF 002`, `Classified By: Charge d' Affaires …`.
* 09CAIRO2291: five headings at the end of long paragraph lines (`… End Summary.
  Suspicion of Fraud ------------------`), a page break inside a sentence (`report on
  this CAIRO 00002291 002 OF 002 case`), ends in `… developed. Scobey`, TAGS run together.
* 03ANKARA4230: `(U) Classified by DCM Robert Deutsch, reasons 1.5, b/d.` as a paragraph.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import cableparse
from cableparse import Cable, Paragraph, Reference

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SEED = ROOT.parent / "shared" / "seeds" / "07CASABLANCA42.page.txt"


def _load_fidelity():
    spec = importlib.util.spec_from_file_location("bench_fidelity", ROOT / "bench" / "fidelity.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_fidelity", mod)
    spec.loader.exec_module(mod)
    return mod


F = _load_fidelity()


def raw_body(path: Path) -> str:
    items = [i for i in cableparse.iter_inputs([str(path)]) if hasattr(i, "body")]
    assert len(items) == 1, path
    return items[0].body


@pytest.fixture(scope="module")
def bodies(shared):
    return {
        "casablanca": raw_body(SEED),
        "sanjose": raw_body(CORPUS / "pages" / "09SANJOSE59.html"),
        "brasilia": raw_body(CORPUS / "pages" / "09BRASILIA1184.html"),
        "cairo": raw_body(CORPUS / "pages" / "09CAIRO2291.html"),
        "ankara": raw_body(CORPUS / "pages" / "03ANKARA4230.html"),
    }


def para(text, number=None, section=None, classification=None, position=1):
    return Paragraph(position=position, number=number, sub=None, classification=classification,
                     section=section, text=text)


# --------------------------------------------------------------------------- 07CASABLANCA42 (seed)


def test_casablanca_headings_page_breaks_signature(bodies):
    c = Cable(body=bodies["casablanca"])
    assert F.dashed_headings(c) == ["Morocco Remains on the Right Path", "TIP Hero"]
    breaks = F.raw_page_breaks(c)
    assert len(breaks) == 17
    assert breaks[0] == "CASABLANCA 00000042  002 OF 018"
    assert breaks[2] == "CASABLANCA 00000042  004.2 OF 018"
    assert breaks[-1] == "CASABLANCA 00000042  018 OF 018"
    assert F.raw_signature(c) == "GREENE"
    assert F.missed_signature(c) == "GREENE"
    c.signature = "GREENE"
    assert F.missed_signature(c) is None
    assert F.classified_by_unread(c) is None  # an unclassified cable has no Classified by
    assert F.raw_tags_text(c).split() == "KCRM PHUM KWMN SMIG KFRD ASEC PREF ELAB MO".split()


def test_casablanca_glued_heading_and_page_break_in_text(bodies):
    body = bodies["casablanca"]
    as_sections = Cable(body=body, paragraphs=[
        para("Over the past year, the GOM continued to prioritize", 3, "Morocco Remains on the Right Path", "SBU"),
        para("Post would like to nominate Secretary of State for", 11, "TIP Hero", "U", 2),
    ])
    assert F.glued_headings(as_sections) == []
    glued = Cable(body=body, paragraphs=[
        para("This cable responds to action request (ref A) for updated information. "
             "--------------------------------- Morocco Remains on the Right Path "
             "---------------------------------", 2, None, "U"),
        para("Over the past year, the GOM continued to prioritize", 3, None, "SBU", 2),
        # `TIP Hero` inside prose is not at a heading's place: not reported
        para("Post would like to nominate the TIP Hero of the year", 11, None, "U", 3),
    ])
    assert F.glued_headings(glued) == ["Morocco Remains on the Right Path"]
    with_breaks = Cable(body=body, paragraphs=[
        para("The Spanish CASABLANCA 00000042 002 OF 018 Government will not repatriate minors", 6),
        para("victims CASABLANCA 00000042  004.2 OF 018 of trafficking", 9, position=2),
        para("A paragraph of 2007 with 18 numbers of 002 and 018 in it", 10, position=3),
    ])
    assert F.page_break_paragraphs(with_breaks) == [
        "The Spanish CASABLANCA 00000042 002 OF 018", "CASABLANCA 00000042 004.2 OF 018"]


def test_casablanca_reference_stations(bodies):
    ids, stations = F.load_cablegate_ids()
    assert "STATE" in stations and "CASABLANCA" in stations and "USUN" not in stations
    c = Cable(body=bodies["casablanca"], refs=[
        Reference(1, "A", "06 STATE 00202745", "06STATE202745"),
        Reference(2, "B", "USUN 6028", "75USUN6028"),
        Reference(3, "C", "Lunstead. Reasons 1.5 (b, d).", "03LUNSTEADREASONS1"),
        Reference(4, "D", "septel", None),
    ])
    assert F.unknown_station_targets(c, stations) == [("75USUN6028", "USUN"),
                                                      ("03LUNSTEADREASONS1", "LUNSTEADREASONS")]
    # 06STATE202745 is a real cable but not in the Cablegate release
    assert F.unknown_id_targets(c, ids) == ["06STATE202745", "75USUN6028", "03LUNSTEADREASONS1"]
    assert F.id_station("08STATE133198") == "STATE" and "08STATE133198" in ids
    assert F.id_station("septel") is None


# --------------------------------------------------------------------------- 09SANJOSE59


SANJOSE_TEXT = (
    "On January 26, we informed Carlos Cordero of the MFA's Department of Disarmament, Terrorism and "
    "Organized Crime that on December 17, 2008 the USG designated two Iranian entities of proliferation "
    "concern under E.O. 13382 (reftel). Cordero appreciated the U.S. designation but offered no "
    "substantive response on Costa Rica undertaking similar measures.")
SANJOSE_LAST = (
    " However, he said the MFA, per GOCR established procedures regarding U.S. designations, would notify "
    "Costa Rica's banking oversight agencies and Costa Rica's intelligence service (DIS) on an advisory basis.")


def test_sanjose_words_in_no_paragraph(bodies):
    body = bodies["sanjose"]
    whole = Cable(body=body, paragraphs=[para(SANJOSE_TEXT + SANJOSE_LAST, None, None, "SBU")],
                  signature="CIANCHETTE", signature_line="CIANCHETTE")
    assert F.lost_words(whole) == (87, 0, None)
    assert F.no_paragraph(whole) is None
    assert F.missed_signature(whole) is None

    cut = Cable(body=body, paragraphs=[para(SANJOSE_TEXT, None, None, "SBU")])
    total, lost, line = F.lost_words(cut)
    assert (total, lost) == (87, 32)
    assert line == "However, he said the MFA, per GOCR established procedures"
    assert F.missed_signature(cut) == "CIANCHETTE"

    empty = Cable(body=body)
    assert F.no_paragraph(empty) == "(SBU) On January 26, we informed Carlos Cordero of the MFA's"
    assert F.lost_words(empty)[:2] == (87, 87)


# --------------------------------------------------------------------------- 09BRASILIA1184


BRASILIA_HEADINGS = [
    "SITUATION AT THE BRAZILIAN EMBASSY IN TEGUCIGALPA IS GRAVE",
    "GOB RESPONSE AND COMMUNICATIONS WITH THEIR EMBASSY",
    "GOB REQUESTS US HELP",
    "COMMENT: TAKEN BY SURPRISE, GOB TURNS TO THE USG",
]


def test_brasilia_headings_between_dash_runs(bodies):
    body = bodies["brasilia"]
    c = Cable(body=body)
    assert F.dashed_headings(c) == BRASILIA_HEADINGS
    assert F.raw_page_breaks(c) == ["BRASILIA 00001184 001.2 OF 002"]
    assert F.raw_signature(c) == "KUBISKE"
    assert F.classified_by_unread(c) == "Classified By: Charge d' Affaires Lisa Kubiske, reason: 1.4 (b) and (d)"
    c.classified_by = "Charge d' Affaires Lisa Kubiske, reason: 1.4 (b) and (d)"
    assert F.classified_by_unread(c) is None

    glued = Cable(body=body, paragraphs=[
        para("Summary: Brazil,s Ministry of External Relations ... End Summary. "
             "--------------------------------------------- ------------- "
             "SITUATION AT THE BRAZILIAN EMBASSY IN TEGUCIGALPA IS GRAVE "
             "--------------------------------------------- -------------", 1, None, "C"),
        para("Viana explained that water, electricity, and phone lines", 4,
             "GOB RESPONSE AND COMMUNICATIONS WITH THEIR EMBASSY", "C", 2),
        para("The MRE and GOB are maintaining constant contact", 5, "gob requests us help:", "C", 3),
        para("Comment: Taken by surprise, GOB turns to the USG", 8, None, "C", 4),
    ])
    # the second is a section, the third one too (case and colon aside); the fourth is
    # prose in another case, not the heading's text
    assert F.glued_headings(glued) == ["SITUATION AT THE BRAZILIAN EMBASSY IN TEGUCIGALPA IS GRAVE"]


# --------------------------------------------------------------------------- 09CAIRO2291


def test_cairo_headings_at_line_ends_and_page_break_mid_sentence(bodies, shared):
    body = bodies["cairo"]
    c = Cable(body=body)
    assert F.dashed_headings(c) == ["Suspicion of Fraud", "FPU Confirms Fraud", "Egyptian Authorities Confirm Fraud",
                                    "FPU and SSIS Cooperation Yields Results", "Comment"]
    assert F.raw_page_breaks(c) == ["CAIRO 00002291 002 OF 002"]
    assert F.raw_signature(c) == "Scobey"
    glued = Cable(body=body, paragraphs=[
        para("Summary: An American Citizen couple ... End Summary. Suspicion of Fraud ------------------", 1),
        para("Post will continue to report on this CAIRO 00002291 002 OF 002 case as information is developed.",
             6, "Comment", position=2),
    ])
    assert F.glued_headings(glued) == ["Suspicion of Fraud"]
    assert F.page_break_paragraphs(glued) == ["CAIRO 00002291 002 OF 002"]

    known = F.load_known_tags(shared / "reference")
    text = F.raw_tags_text(c)
    assert text.strip() == "KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG"
    assert F.tag_kind("KFRD", known) == "dictionary"
    assert F.tag_kind("EG", known) == "country"  # FIPS: Egypt
    assert F.tag_kind("KALOUDIS, NICK", known) == "person"
    assert F.tag_kind("COAST GUARD", known, "PREL, COAST GUARD, AR") == "phrase"
    assert F.tag_kind("AND THE MILITARY", known, text) is None
    tagged = Cable(body=body, tags=["KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG", "KFRD", "EG"])
    assert F.unknown_tags(tagged, known) == ["KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG"]


# --------------------------------------------------------------------------- 03ANKARA4230


def test_ankara_classified_by_as_paragraph(bodies):
    c = Cable(body=bodies["ankara"])
    assert F.classified_by_unread(c) == "(U) Classified by DCM Robert Deutsch, reasons 1.5, b/d."
    assert F.raw_signature(c) == "PEARSON"
    assert F.dashed_headings(c) == []
    assert F.raw_page_breaks(c) == []


# --------------------------------------------------------------------------- figures


def test_figures_targets_and_problem_kinds():
    assert F.problem_kind("unexpected token 'X' at 3:4") == "unexpected token"
    base = {"id": "X", "source": "s", "format": "page-html", "paragraphs": 1, "body_words": 100, "lost_words": 0,
            "lost_line": None, "no_paragraph": None, "headings": 0, "glued_headings": [],
            "page_break_paragraphs": [], "raw_page_breaks": 0, "targets": 1, "refs": 1,
            "unknown_station_targets": [], "unknown_id_targets": [], "ref_raw": {}, "signature": True,
            "missed_signature": None, "classified_by_unread": None, "tag_kinds": {"dictionary": 1},
            "unknown_tags": [], "tags_line": "", "problems": []}
    bad = dict(base, id="Y", page_break_paragraphs=["PARIS 00000997 002 OF 002"], signature=False,
               lost_words=50, problems=["unexpected token"])
    results = [base, bad, {"input_error": "unknown format", "source": "/x/text/a.txt"}]
    f = F.figures(results)
    assert f["cables"] == 2
    assert f["page_break_paragraphs"]["count"] == 1 and not f["page_break_paragraphs"]["ok"]
    assert f["signature"]["share"] == 0.5 and not f["signature"]["ok"]
    assert f["plain_text_refused"]["count"] == 1 and not f["plain_text_refused"]["ok"]
    assert f["no_paragraph"]["ok"] and f["classified_by_unread"]["ok"]
    assert f["lost_words"]["cables"] == 1 and f["lost_words"]["worst"][0]["id"] == "Y"
    assert f["problems_by_kind"] == [("unexpected token", 1)]
