"""The body's structure: dashed headings, Classified by, signatures, page breaks,
paragraph starts, text after the preamble, subjects.

Each class was found by grepping ../shared/corpus; the made-up cables below copy
only its layout. A few checks then read real cables of the class from ../shared
(never copied into the repository).
"""
import pytest

import cableparse
from cableparse.parsing import fields
from cableparse.parsing.furniture import own_page_marks, page_mark_pattern, split_run_on, strip_furniture
from cableparse.parsing.grammar import backend
from cableparse.parsing.parser import _run
from cableparse.parsing.transform import BodyTransformer, split_heading

PREAMBLE = """UNCLAS SECTION 01 OF 02 EXAMPLETOWN 000042

SIPDIS

E.O. 12958: N/A
TAGS: PREL PGOV XX
SUBJECT: A MADE-UP CABLE

"""


def body(text: str):
    """BodyParts of a made-up body (preamble + text), as the parser's Transformer builds it."""
    return _run(PREAMBLE + text, "body", BodyTransformer)


def marks(parts):
    return [(p.number, p.sub, p.classification) for p in parts.paragraphs]


def sections(parts):
    return [p.section for p in parts.paragraphs]


# ------------------------------------------------------------------ headings

@pytest.mark.parametrize("line, expected", [
    ("------------------------ HITCHING A RIDE TO SPACE ------------------------", ("", "HITCHING A RIDE TO SPACE")),
    ("Kinnock Visit to Kenya ----------------------", ("", "Kinnock Visit to Kenya")),
    ("------- SUMMARY -------", ("", "SUMMARY")),
    ("--------------------------------------------- - Foreign Policy: Leader in Regional Integration "
     "--------------------------------------------- - ", ("", "Foreign Policy: Leader in Regional Integration")),
    ("SUPPORT -- AND SKEPTICISM -- FROM STAKEHOLDERS --------------------------------------------- -",
     ("", "SUPPORT -- AND SKEPTICISM -- FROM STAKEHOLDERS")),
    ("U.S. and UK Messages In Synch ------------", ("", "U.S. and UK Messages In Synch")),
    ("The FPU has identified the locations of two babies. End Summary. The Recap ----------",
     ("The FPU has identified the locations of two babies. End Summary.", "The Recap")),
    ("and commitment to Haiti.  Economic Situation ------------------",
     ("and commitment to Haiti.", "Economic Situation")),
    ("interlocutors were gloomy. END SUMMARY. ---- THE BILATERAL AGENDA ----",
     ("interlocutors were gloomy. END SUMMARY.", "THE BILATERAL AGENDA")),
])
def test_split_heading(line, expected):
    assert split_heading(line) == expected


@pytest.mark.parametrize("line", [
    "-- the court, oil sector, imams, and Revolutionary Guards ---",  # prose with dashes
    "--------------------",
    "2. Economic Situation -----",  # a paragraph, not a heading
])
def test_split_heading_leaves_text(line):
    assert split_heading(line) is None


def test_dashed_headings_in_all_layouts():
    parts = body("""1. (SBU) Summary: the first paragraph. END SUMMARY.

------------------------ ONE LINE WITH DASHES ------------------------

2. (SBU) Under the first heading.

Heading With Trailing Dashes -----

3. (SBU) Under the second.
Underlined Without A Blank Line
-------------------------------
4. (SBU) Under the third.

-------------
Between Dashes
-------------

5. (SBU) Under the fourth. End Comment. Glued At The End ----------

6. (SBU) Under the fifth.

NOBODY
""")
    assert marks(parts) == [(n, None, "SBU") for n in range(1, 7)]
    assert sections(parts) == [None, "ONE LINE WITH DASHES", "Heading With Trailing Dashes",
                               "Underlined Without A Blank Line", "Between Dashes", "Glued At The End"]
    assert parts.sections == sections(parts)[1:]
    assert parts.paragraphs[0].text == "Summary: the first paragraph. END SUMMARY."
    assert parts.paragraphs[4].text == "Under the fourth. End Comment."
    assert parts.signature_line == "NOBODY"


def test_heading_glued_into_a_run_on_line():
    """`... INVOLVEMENT ---- 3.(C/NF) French ...`: the paragraph after the heading is on its line."""
    c = cableparse.parse(PREAMBLE + "1. (C) Summary text. End summary. FRENCH EDGY ABOUT NATO -----------"
                         " 2.(C/NF) The French Charge contacted us. 3. (C) More text here.\n")
    assert marks(c) == [(1, None, "C"), (2, None, "C/NF"), (3, None, "C")]
    assert sections(c) == [None, "FRENCH EDGY ABOUT NATO", "FRENCH EDGY ABOUT NATO"]


def test_capital_line_alone_is_a_heading_in_a_mixed_case_cable():
    parts = body("""1. (C) Summary: the company signed a contract. End Summary.

ROLLING THE DICE

2. (C) In a presentation to the Ambassador, the president said so.
""")
    assert sections(parts) == [None, "ROLLING THE DICE"]


def test_text_after_a_heading_is_its_own_paragraph_but_a_headed_list_stays():
    parts = body("""1. (U) Participants:

U.S.
----

The Secretary, Acting Assistant Secretary

UAE
---

Foreign Minister, Ambassador

2. (S) Summary. The Secretary reviewed the agreement.

Press Summary
-------------

An unnumbered press item under the heading.
""")
    assert marks(parts) == [(1, None, "U"), (2, None, "S"), (None, None, None)]
    assert parts.sections == ["U.S.", "UAE", "Press Summary"]
    assert "Foreign Minister" in parts.paragraphs[0].text
    assert parts.paragraphs[2].section == "Press Summary"


def test_web_site_notice_between_dashes_is_no_heading():
    parts = body("""1. (C) Text of the cable.

------------------------------------------
Visit Embassy Madrid's Classified Website;
http://www.state.sgov.gov/p/eur/madrid/
------------------------------------------

AGUIRRE
""")
    assert parts.sections == []
    assert parts.signature_line == "AGUIRRE"


# --------------------------------------------------------------- classified by

@pytest.mark.parametrize("text, expected", [
    ("REF: ANKARA 4230\n\n\n(U) Classified by DCM Robert Deutsch, reasons 1.5, b/d.\n\n\n1. (U) Text.\n",
     "DCM Robert Deutsch, reasons 1.5, b/d."),
    ("1. (U) CLASSIFIED BY CDA JOSEPH MERANTE FOR REASONS 1.5 (B) AND (D).\n\n2. (U) Text.\n",
     "CDA JOSEPH MERANTE FOR REASONS 1.5 (B) AND (D)."),
    ("1. CLASSIFIED BY POLITICAL COUNSELOR RICHARD MCKEE,\nEMBASSY ANKARA. REASON: 1.5(B)(D).\n\n2. (C) Text.\n",
     "POLITICAL COUNSELOR RICHARD MCKEE, EMBASSY ANKARA. REASON: 1.5(B)(D)."),
    ("REF: A) CAIRO 931 B) CAIRO 397 Classified by Ambassador Margaret Scobey for reason 1.4 (d)\n\n1. (C) Text.\n",
     "Ambassador Margaret Scobey for reason 1.4 (d)"),
])
def test_classified_by(text, expected):
    parts = body(text)
    assert parts.classified_by == expected


def test_classified_by_as_paragraph_one_stays_a_paragraph():
    parts = body("1. (U) Classified by Ambassador X for reasons 1.5 (B) and (D).\n\n2. (C) Text.\n")
    assert marks(parts) == [(1, None, "U"), (2, None, "C")]


def test_subject_glued_to_classified_by():
    c = cableparse.parse(PREAMBLE.replace("SUBJECT: A MADE-UP CABLE",
                                          "SUBJECT: SCENESETTER FOR THE VISIT TO CAIROClassified By: DCM "
                                          "STUART JONES. REASONS: 1.4 (B)") + "1. (C) Text.\n")
    assert c.subject == "SCENESETTER FOR THE VISIT TO CAIRO"
    assert c.classified_by == "DCM STUART JONES. REASONS: 1.4 (B)"


# ------------------------------------------------------------------ signatures

@pytest.mark.parametrize("ending, name", [
    ("1. (C) Text. Visit London's Classified Website: XXXXXXXXXXXX\nLEBARON\n", "LEBARON"),
    ("1. (C) Text.\n\nXXXXXXXXXXXX\n\nMANZANARES\n", "MANZANARES"),
    ("1. (C) Text until 05/20/2009) SCOBEY\n", "SCOBEY"),
    ("1. (C) Text here.\n\nTUTTLE..\n", "TUTTLE"),
    ("1. (C) Text here.\nSusman..\n", "Susman"),
    ("1. (C) Text here.\n\nLAINGEN\n\n\nCONFIDENTIAL\n", "LAINGEN"),
    ("1. (C) Text here. ********************************************* ******** ERELI\n", "ERELI"),
    ("1. (C) Text. End comment.GODFREY\n", "GODFREY"),
    ("1. (C) Text here.\n\nGP-3\nSACCIO\n", "SACCIO"),
    ("1. (C) Text here.\nMILAM 0 01/10/2008\n", "MILAM"),
    ("1. (C) Text of the cable.\n\nHELMS\n\nDeclassified/Released US Department of State EO\n"
     "Systematic Review 05 JUL 2006\n", "HELMS"),
    ("1. (C) The request posed in paragraph\n\n3. Koenig\n", "Koenig"),
    ("1. (C) Text. Classified SIPRNET website.\n*********************************************\nJONES\n", "JONES"),
    ("1. (C) Text here.\n\nSobel.\n", "Sobel"),
])
def test_signature(ending, name):
    parts = body(ending)
    assert parts.signature_line == name


def test_two_dash_heading():
    parts = body("1. (C) Text of the cable.\n\n-- AFGHANISTAN --\n\n2. (C/NF) Despite the limitations.\n")
    assert sections(parts) == [None, "AFGHANISTAN"]


def test_body_run_on_after_classified_by_is_a_paragraph():
    parts = body("Classified By: Political Counselor R. Mills for Reasons 1.4 (b) and (d) (C) HMG is fully "
                 "aware of U.S. opposition to a proposed multilateral and reciprocal SOFA, but apparently it "
                 "is needed.\nLEBARON\n")
    assert parts.classified_by == "Political Counselor R. Mills for Reasons 1.4 (b) and (d)"
    assert parts.paragraphs[0].text.startswith("(C) HMG is fully aware")
    assert parts.signature_line == "LEBARON"


@pytest.mark.parametrize("ending", [
    "1. (C) Text here.\n\nTRIVELLI\n\nDANIEL ORTEGA AN...\n",
    "1. (C) First.\n\n2. (C) Second.\n\n3. (S) Third.",
    "1. (C) The meeting ends here. Thanks\n",
])
def test_no_signature(ending):
    assert body(ending).signature_line is None


def test_number_continuing_a_sentence_is_no_paragraph():
    parts = body("1. (C) The request posed in paragraph\n\n3. Koenig\n")
    assert marks(parts) == [(1, None, "C")]
    assert parts.paragraphs[0].text.replace("\n\n", " ").endswith("paragraph 3.")


# ----------------------------------------------------------------- page breaks

def test_mixed_case_page_break_is_furniture():
    text = PREAMBLE + "1. (C) The start of a sentence\n\nBerlin 00001162 002 of 004\n\nthat goes on.\n"
    cleaned, where = strip_furniture(text, "09BERLIN1162")
    assert "00001162" not in cleaned
    assert "sentence\nthat goes on." in cleaned


def test_page_break_glued_in_a_line():
    text = PREAMBLE + "1. (C) A sentence Kyiv 00000168 002 of 003 that goes on, and U.S. BEIJING 00002305 003 OF 003 on.\n"
    cleaned, _ = strip_furniture(text, "10KYIV168")
    assert "00000168" not in cleaned and "00002305" not in cleaned
    assert "U.S." in cleaned


def test_page_break_with_a_garbled_eight_digit_serial_glued_in_a_line():
    """09SECTION02OF03QRIPOLI583: an export garbled the id and the break's serial alike."""
    text = PREAMBLE + "1. (C) Wait times that range from a\n\nTRIPOLI 07200583 002 OF 003 few days to weeks.\n"
    cleaned, _ = strip_furniture(text, "09SECTION02OF03QRIPOLI583")
    assert "07200583" not in cleaned and "002 OF 003" not in cleaned
    assert "few days to weeks." in cleaned


def test_classified_by_label_cut_by_a_page_break_is_read():
    """09TRIPOLI939: `SUBJECT: ... TRIPOLI 00000939 001.2 OF 003 CLASSIFIED ` / `` / `BY: ...`."""
    c = cableparse.parse(PREAMBLE.replace(
        "SUBJECT: A MADE-UP CABLE\n",
        "SUBJECT: DEADLY DRIVING HABITS TRIPOLI 00000939 001.2 OF 003 CLASSIFIED \n\n"
        "BY: Gene A. Cretz, Ambassador. REASON: 1.4 (b), (d)\n") + "1. (C) Text.\n", id="09TRIPOLI939")
    assert c.subject == "DEADLY DRIVING HABITS"
    assert c.classified_by == "Gene A. Cretz, Ambassador. REASON: 1.4 (b), (d)"


def test_own_page_marks_take_this_cables_serial_only():
    """Compiled once per station, the serial checked after: the cable's own break goes
    (zero-padded or garbled to eight digits), another cable's of the same post stays,
    exactly as with the pattern that pins the serial."""
    own = own_page_marks("10KYIV168")
    pinned = page_mark_pattern("10KYIV168")
    for line, expected in [
        ("A sentence Kyiv 00000168 002 of 003 that goes on.", "A sentence   that goes on."),
        ("A sentence KYIV 07200168 002 OF 003 that goes on.", "A sentence   that goes on."),
        ("As Kyiv 00000999 002 of 003 said.", "As Kyiv 00000999 002 of 003 said."),
        ("A sentence Kyiv 00001169 002 of 003 on.", "A sentence Kyiv 00001169 002 of 003 on."),
    ]:
        assert own(line) == expected == pinned.sub(" ", line)


def test_dash_lines_of_csv_rows_are_blank():
    cleaned, _ = strip_furniture(PREAMBLE + "1.  (C) HE MENTIONED:\n-\n(A) THE MOST RECENT;\n-\n2.  (C) NEXT.\n")
    parts = _run(cleaned + "\n", "body", BodyTransformer)
    assert marks(parts) == [(1, None, "C"), (1, "A", "C"), (2, None, "C")]


def test_run_on_line_is_cut_at_marked_paragraphs():
    line = ("CLASSIFIED BY: John Doe, CDA. REASON: 1.4 (b), (d) 1. (C) Summary: text. End summary. "
            "2. (C) More text, see para 2. (C) is no start here.")
    assert split_run_on(line) == [
        "CLASSIFIED BY: John Doe, CDA. REASON: 1.4 (b), (d)",
        "1. (C) Summary: text. End summary.",
        "2. (C) More text, see para 2. (C) is no start here.",
    ]


# --------------------------------------------------------------- paragraphs

def test_number_run_into_its_first_word():
    parts = body("1. (U) First paragraph.\n\n2.The second paragraph starts here.\n\n3.Another one.\n\n"
                 "4.KEY POINTS -- (C) On June 2, the minister said so.\n\n5.5 million people\n")
    assert marks(parts) == [(1, None, "U"), (2, None, None), (3, None, None), (4, None, None)]
    assert parts.paragraphs[1].text == "The second paragraph starts here."


def test_mark_with_a_hyphen():
    parts = body("4. (S-NOFORN) A paragraph.\n")
    assert marks(parts) == [(4, None, "S-NOFORN")]


def test_text_run_on_after_the_ref_is_a_paragraph():
    parts = body("REF: THE HAGUE 325\nTHIS MESSAGE IS SENSITIVE BUT UNCLASSIFIED. PLEASE HANDLE\nACCORDINGLY.\n\n"
                 "XXXXXXXXXXXX\n\n6. (SBU) Text.\n")
    assert parts.ref_text == "THE HAGUE 325"
    assert marks(parts) == [(None, None, None), (None, None, None), (6, None, "SBU")]
    assert parts.paragraphs[0].text.startswith("THIS MESSAGE IS SENSITIVE")
    assert any(p.part == "refs" and p.severity == "warning" for p in parts.problems)


def test_marked_text_after_the_ref_is_a_paragraph_not_a_reference():
    parts = body("REF: STATE 148406\n\n(U) PolOffs delivered reftel points to the MFA on October 30.\n")
    assert parts.ref_text == "STATE 148406"
    assert parts.paragraphs[0].text.startswith("(U) PolOffs delivered")


def test_ref_items_after_blank_lines_stay_references():
    parts = body("REF: A. MEXICO 3834\n\nB. MEXICO 3422\n\n(C) MEXICO 3000\n\n1. (C) Text.\n")
    assert parts.ref_text.split() == "A. MEXICO 3834 B. MEXICO 3422 (C) MEXICO 3000".split()


def test_unnumbered_comment_block_is_its_own_paragraph():
    parts = body("1. FIRST.\n\n2. SECOND.\n\nCOMMENT: WE CONSIDER IT LIKELY.\n\nIT IS POSSIBLE.\n\nFARLAND\n")
    assert marks(parts) == [(1, None, None), (2, None, None), (None, None, None)]
    assert parts.paragraphs[2].text == "COMMENT: WE CONSIDER IT LIKELY.\n\nIT IS POSSIBLE."


# ------------------------------------------------------------------- subjects

@pytest.mark.parametrize("subject_lines, expected", [
    ("SUBJECT:\n\nFRAUD TOOLS AND TECHNIQUES\n", "FRAUD TOOLS AND TECHNIQUES"),
    ("SUBJECT: SUBJECT: TWICE WRITTEN\n", "TWICE WRITTEN"),
    ("SUBJECT: A SUBJECT\nON TWO LINES\n---------\n", "A SUBJECT ON TWO LINES"),
    ("SUBJECT: (C) MARKED SUBJECT (C)\n", "MARKED SUBJECT"),
])
def test_subject(subject_lines, expected):
    text = PREAMBLE.replace("SUBJECT: A MADE-UP CABLE\n", subject_lines) + "\n1. (C) Text.\n"
    parts = _run(text, "body", BodyTransformer)
    assert parts.subject == expected


def test_parse_subject():
    assert fields.parse_subject("Subject: (SBU) Mixed case") == "Mixed case"
    assert fields.parse_subject("SUBJECT THE NEW LAW") == "THE NEW LAW"


# ------------------------------------------------------------------- recipients

def test_serial_range_is_not_in_the_station():
    r = fields.parse_address("RUEHRK/AMEMBASSY REYKJAVIK PRIORITY 9759-9760", "info", 1)
    assert (r.routing_indicator, r.station, r.precedence, r.serial) == (
        "RUEHRK", "AMEMBASSY REYKJAVIK", "PRIORITY", "9759-9760")


# ------------------------------------------------------------------- speed path

def test_probe_cable_gives_the_same_result_with_lark_cython():
    """grammar.py only uses lark-cython when its probe cable parses the same; it must still."""
    pytest.importorskip("lark_cython")
    assert backend() == "lark-cython"


# ------------------------------------------------------------- real cables

REAL = [
    ("pages/10LONDON65.html", "10LONDON65",
     lambda c: ["Kinnock Visit to Kenya", "Kibaki to London", "The EU and Kenya", "Comment"] == _headings(c)),
    ("pages/09CAIRO207.html", "09CAIRO207",
     lambda c: ["The Recap", "The Tools", "The NIV case"] == _headings(c) and c.signature == "SCOBEY"),
    ("pages/03ANKARA4231.html", "03ANKARA4231",
     lambda c: c.classified_by == "DCM Robert Deutsch, reasons 1.5, b/d."),
    ("pages/02ANKARA8852.html", "02ANKARA8852",
     lambda c: (c.classified_by or "").startswith("Ambassador W.R. Pearson")),
    ("full-pages/10KYIV168.html", "10KYIV168",
     lambda c: not any("00000168" in p.text for p in c.paragraphs)),
    ("pages/09TRIPOLI939.html", "09TRIPOLI939",
     lambda c: c.classified_by == "Gene A. Cretz, Ambassador, U.S. Embassy Tripoli, Department of State. "
     "REASON: 1.4 (b), (d)" and c.subject == "DEADLY DRIVING HABITS: ACCIDENTS THIRD CAUSE OF DEATH IN LIBYA"),
    ("pages/09SECTION02OF03QRIPOLI583.html", "09SECTION02OF03QRIPOLI583",
     lambda c: [p.number for p in c.paragraphs][:5] == [None, 6, 7, 8, 9]
     and "\nfew days to several weeks due to Security" in c.paragraphs[0].text
     and not any("07200583" in p.text or "002 OF 003" in p.text for p in c.paragraphs)),
    ("pages/08TRIPOLI430.html", "08TRIPOLI430",
     lambda c: len(c.paragraphs) > 3 and c.classified_by.endswith("1.4 (b), (d)")),
]


def _headings(cable):
    out = []
    for p in cable.paragraphs:
        if p.section and (not out or out[-1] != p.section):
            out.append(p.section)
    return out


@pytest.mark.parametrize("path, cable_id, check", REAL, ids=[r[1] for r in REAL])
def test_real_cable(shared, path, cable_id, check):
    source = shared / "corpus" / path
    cables = [cableparse.parse_raw(i) for i in cableparse.iter_inputs([str(source)]) if hasattr(i, "body")]
    cable = next(c for c in cables if c.id == cable_id)
    assert check(cable), [(p.number, p.section, p.text[:60]) for p in cable.paragraphs]


def test_eo_in_a_sentence_is_no_field():
    """`... designated under E.O. 13382 (reftel).` in unnumbered text after the REF."""
    parts = body("REF: 08 STATE 133198\n\n(SBU) On January 26 we informed the MFA that the USG designated\n"
                 "two entities under E.O. 13382 (reftel).  He said so.\nCIANCHETTE\n")
    assert parts.eo == "12958: N/A"
    assert "E.O. 13382 (reftel)" in parts.paragraphs[0].text
    assert parts.signature_line == "CIANCHETTE"
