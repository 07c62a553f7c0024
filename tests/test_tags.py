"""The TAGS field, one test per form found in real cables.

Each class is read from a real cable in ../shared/corpus through the public API
(`iter_inputs` + `parse_raw`); a form no corpus cable shows is tested on the
smallest fragment. Values are exact: the tags as the author meant them, in cable
order, person tags among them.
"""
import pytest

import cableparse
from cableparse.archive import tagdict
from cableparse.parsing import vocabulary
from cableparse.parsing.fields import parse_person_tags, parse_tags, read_tags
from cableparse.parsing.tags import split_run

from .conftest import CORPUS


def _cable(name: str):
    """The one cable of ../shared/corpus/pages/NAME.html, parsed."""
    path = CORPUS / "pages" / f"{name}.html"
    items = [i for i in cableparse.iter_inputs([str(path)]) if hasattr(i, "body")]
    assert len(items) == 1, path
    return cableparse.parse_raw(items[0])


def _fragment(tags_line: str):
    return cableparse.parse(f"E.O. 12958: N/A\n{tags_line}\nSUBJECT: A TEST\n\n1. Text.\n")


def _messages(text: str) -> list[str]:
    return [w.message for w in read_tags(text)[2]]


# --- the keyword: case, and misspellings ------------------------------------------------

def test_case_flipped_keyword_and_codes(shared):
    # 08BERLIN1068: "Tags: parm, prel, ettc, mtcre, ksca, ir, aec, gm"
    assert _cable("08BERLIN1068").tags == ["PARM", "PREL", "ETTC", "MTCRE", "KSCA", "IR", "AEC", "GM"]
    # 09STATE4134: "Tags: mtcr, parm, prel, ..." after a lower-case E.O. line
    assert _cable("09STATE4134").tags == ["MTCR", "PARM", "PREL", "ETTC", "MNUC", "TSPA", "SP", "SY"]


def test_lower_case_keyword_without_colon():
    assert _fragment("tags prel, pgov, sy").tags == ["PREL", "PGOV", "SY"]
    assert _fragment("Tags PREL PGOV SY").tags == ["PREL", "PGOV", "SY"]


@pytest.mark.parametrize("keyword", ["TAS", "TGS", "TABS", "TAGES", "AGS"])
def test_misspelt_keyword_is_read_with_a_warning(keyword):
    cable = _fragment(f"{keyword}: PREL, PGOV, AR")
    assert cable.tags == ["PREL", "PGOV", "AR"]
    assert read_tags(f"{keyword}: PREL, PGOV, AR")[:2] == (["PREL", "PGOV", "AR"], [])
    assert _messages(f"{keyword}: PREL, PGOV, AR") == [f"TAGS keyword misspelt {keyword!r}: read as TAGS"]
    assert all(w.part == "tags" and w.severity == "warning" for w in read_tags(f"{keyword}: PREL")[2])


def test_misspelt_keyword_glued_after_the_eo_line(shared):
    # 07BUENOSAIRES1673: "... E.O. 12958: DECL: 08/22/2017 AGS: PGOV, PREL, ECON, SOCI, AR"
    cable = _cable("07BUENOSAIRES1673")
    assert cable.tags == ["PGOV", "PREL", "ECON", "SOCI", "AR"]
    assert "TAGS keyword misspelt 'AGS': read as TAGS" in [p.message for p in cable.problems]


def test_tgs_in_prose_is_not_a_tags_line():
    # Turkish General Staff, not a keyword: a misspelt keyword needs its colon
    cable = cableparse.parse("SUBJECT: X\n\nTGS military success against the PKK\n\n1. Text.\n")
    assert cable.tags == []


# --- codes run together -----------------------------------------------------------------

def test_run_together_codes_are_split(shared):
    # 08ECTION01OF02MANAMA492: "TAGS: KCRM KWMN ASEC PHUMBA"
    assert _cable("08ECTION01OF02MANAMA492").tags == ["KCRM", "KWMN", "ASEC", "PHUM", "BA"]
    # 06SANJOSE2037: "TAGS: ETRDEINVECINPGOVCS"
    assert _cable("06SANJOSE2037").tags == ["ETRD", "EINV", "ECIN", "PGOV", "CS"]
    # 09CAIRO2178: "TAGS: KFRDKIRFCVISCMGTKOCIASECPHUMSMIGEG"
    assert _cable("09CAIRO2178").tags == ["KFRD", "KIRF", "CVIS", "CMGT", "KOCI", "ASEC", "PHUM", "SMIG", "EG"]


def test_run_together_codes_fragment_and_warning():
    assert parse_tags("TAGS: KFLU AEMR ASEC AMEDCASCKFLO TBIO") == [
        "KFLU", "AEMR", "ASEC", "AMED", "CASC", "KFLO", "TBIO"]
    assert _messages("TAGS: KFLU AEMR ASEC AMEDCASCKFLO TBIO") == [
        "run-together TAGS 'AMEDCASCKFLO' read as AMED CASC KFLO"]


def test_what_is_never_split():
    assert split_run("MTCRE") is None  # a known code stays whole
    assert split_run("UNESCO") is None
    assert split_run("MAPP") is None  # MA + PP: two countries, not certain
    assert split_run("BRUSSELS") is None  # BR US SE LS: a word, not four countries
    assert split_run("POLITICS") is None
    assert split_run("PRELP") is None  # a typo, no split into known codes
    assert parse_tags("TAGS: PREL MTCRE KAWK") == ["PREL", "MTCRE", "KAWK"]
    assert _messages("TAGS: PREL MTCRE KAWK") == []


def test_country_code_glued_to_the_next_tag(shared):
    # 01VATICAN3507: "TAGS PREL, PHUM, IS, EG, CH, ID, PHUM, ..., VT, VTPREL, VTPREL, VTPREL"
    assert _cable("01VATICAN3507").tags == ["PREL", "PHUM", "IS", "EG", "CH", "ID", "VT"]
    # 03ROME2045: "... IZ IZPREL IZPREL IZPREL IZPREL IZPREL IRAQI FREEDOM"
    assert _cable("03ROME2045").tags == ["PREL", "MARR", "MOPS", "IT", "IZ", "IRAQI FREEDOM"]
    # 08BRATISLAVA377: "TAGS: PREL PGOVLO GG RU LO"
    assert _cable("08BRATISLAVA377").tags == ["PREL", "PGOV", "LO", "GG", "RU"]


# --- person tags ------------------------------------------------------------------------

def test_person_tag_in_brackets_in_cable_order(shared):
    # 09STATE34688: "TAGS OVIP (CLINTON, HILLARY), UAE"
    assert _cable("09STATE34688").tags == ["OVIP", "CLINTON, HILLARY", "UAE"]
    # 09BEIJING2963, case-flipped: "Tags: ovip (steinberg, james b.), prel, parm, pgov, econ,"
    assert _cable("09BEIJING2963").tags == [
        "OVIP", "STEINBERG, JAMES B.", "PREL", "PARM", "PGOV", "ECON",
        "ETRA", "MNUC", "MARR", "CH", "JP", "KN", "KS", "IR"]


def test_person_tag_without_brackets_after_ovip(shared):
    # 08STATE100219: "TAGS: OVIP RICE CONDOLEEZZA PREL PHSA SP KV CU" / "BL, IS"
    cable = _cable("08STATE100219")
    assert cable.tags == ["OVIP", "RICE, CONDOLEEZZA", "PREL", "PHSA", "SP", "KV", "CU", "BL", "IS"]
    assert "person tag without brackets 'RICE CONDOLEEZZA' read as 'RICE, CONDOLEEZZA'" in [
        p.message for p in cable.problems]
    # 09BEIJING2964: "TAGS: OVIP STEINBERG JAMES PREL MNUC SN CH KN"
    assert _cable("09BEIJING2964").tags == ["OVIP", "STEINBERG, JAMES", "PREL", "MNUC", "SN", "CH", "KN"]


def test_person_tags_apart_from_codes():
    text = "TAGS: PINS, GR, (KALOUDIS, NICK), (AMBATIELOS, ANTHONY)"
    assert parse_tags(text) == ["PINS", "GR"]
    assert parse_person_tags(text) == ["KALOUDIS, NICK", "AMBATIELOS, ANTHONY"]
    assert read_tags(text)[:2] == (["PINS", "GR", "KALOUDIS, NICK", "AMBATIELOS, ANTHONY"],
                                   ["KALOUDIS, NICK", "AMBATIELOS, ANTHONY"])
    assert parse_person_tags("TAGS: OVIP RICE CONDOLEEZZA PREL") == ["RICE, CONDOLEEZZA"]


# --- an author's multi-word tags ---------------------------------------------------------

def test_multi_word_tags_kept_whole(shared):
    # 02ROME1196: "TAGS PHUM, OPRC, OPRC, OPRC, OPRC, IT, ITPHUM, ITPHUM, ITPHUM, HUMAN RIGHTS"
    assert _cable("02ROME1196").tags == ["PHUM", "OPRC", "IT", "HUMAN RIGHTS"]
    # 04SANAA3023: "TAGS: PREL PTER MARR PGOV KJUS PINR YM PARMS COUNTER TERRORISM"
    assert _cable("04SANAA3023").tags == [
        "PREL", "PTER", "MARR", "PGOV", "KJUS", "PINR", "YM", "PARMS", "COUNTER TERRORISM"]
    # 04BRUSSELS4944: "TAGS: PREL EAID MASS MARR IR CH BO EUN USEU BRUSSELS"
    assert _cable("04BRUSSELS4944").tags == ["PREL", "EAID", "MASS", "MARR", "IR", "CH", "BO", "EUN",
                                             "USEU BRUSSELS"]
    # 05TELAVIV4107: "... IS GOI EXTERNAL"
    assert _cable("05TELAVIV4107").tags == ["PREL", "PARM", "PGOV", "PTER", "MNUC", "IR", "SY", "IS",
                                            "GOI EXTERNAL"]


def test_multi_word_tag_wrapped_onto_the_next_line(shared):
    # 07KUWAIT624: "TAGS: OREP AMGT ASEC AFIN GM IZ IC KU COUNTRY" / "CLEARANCE"
    assert _cable("07KUWAIT624").tags == ["OREP", "AMGT", "ASEC", "AFIN", "GM", "IZ", "IC", "KU",
                                          "COUNTRY CLEARANCE"]


# --- what is not a tag ------------------------------------------------------------------

def test_page_furniture_on_the_tags_line():
    line = "TAGS: PREL PGOV IT      SECRET   PAGE 02   ROME  03067  211833Z"
    assert parse_tags(line) == ["PREL", "PGOV", "IT"]
    assert _fragment(line).tags == ["PREL", "PGOV", "IT"]


def test_body_text_after_a_repeated_section_header(shared):
    # 08USNATO279: "S E C R E T USNATO 000279 NOFORN SIPDIS E.O. ... TAGS: PREL NATO GG" and then
    # "FRENCH EDGY ABOUT NATO INVOLVEMENT ---- 3.(C/NF) French Charge Duchene (ref. A) ..."
    assert _cable("08USNATO279").tags == ["PREL", "NATO", "GG"]
    # 06BUENOSAIRES2711: the body runs on under the TAGS line, with "(C)", "(U)" marks in it
    assert _cable("06BUENOSAIRES2711").tags == ["MARR", "PARM", "PREL", "PGOV", "PTER", "AR"]


def test_next_field_glued_under_the_tags_line(shared):
    # 08MANAMA117: "TAGS: PGOV PTER KISL ASEC BA" / "UBJECT: BAHRAIN WILL FORMALLY REQUEST ..."
    assert _cable("08MANAMA117").tags == ["PGOV", "PTER", "KISL", "ASEC", "BA"]
    # 09CAIRO1468: "TAGS: PREL PGOV KDEM EG" / "XXXXXXXXXXXX: MILITARY WILL ENSURE TRANSFER ..."
    assert _cable("09CAIRO1468").tags == ["PREL", "PGOV", "KDEM", "EG"]


def test_sipdis_is_a_caveat_not_a_tag():
    assert parse_tags("TAGS: ECON ETRD PGOV CA MX SIPDIS") == ["ECON", "ETRD", "PGOV", "CA", "MX"]
    assert _fragment("TAGS: ECON ETRD PGOV CA MX SIPDIS").tags == ["ECON", "ETRD", "PGOV", "CA", "MX"]


def test_a_plain_tags_line_has_no_warning():
    assert read_tags("TAGS: PREL PGOV KNNP IR GM") == (["PREL", "PGOV", "KNNP", "IR", "GM"], [], [])


# --- the vocabulary ---------------------------------------------------------------------

def test_vocabulary_is_written_once():
    assert tagdict.dictionary is vocabulary.dictionary
    assert tagdict.fips_countries is vocabulary.fips_countries
    assert vocabulary.kind("PHUM") == "subject"
    assert vocabulary.kind("BA") == "country"  # FIPS Bahrain
    assert vocabulary.kind("XR") == "country"  # a regional code of the X series
    assert vocabulary.kind("RICE") == "person"
    assert "RICE" not in vocabulary.codes()  # a person's name never splits a TAGS run
    assert vocabulary.kind("RU") is None  # ISO 3166 for Russia, not a TAGS code (FIPS RS)


def test_prose_on_the_tags_line_is_left_out():
    # a subject that lost its keyword, run onto the TAGS line itself
    text = "TAGS: PREL PGOV LY QADHAFI DEVELOPMENT FOUNDATION LAYS OUT GOALS BUT SAIF TO REMAIN OUTSIDE"
    tags, persons, warnings = read_tags(text)
    assert (tags, persons) == (["PREL", "PGOV", "LY"], [])
    assert [w.message for w in warnings] == [
        "11 words on the TAGS line left out: QADHAFI DEVELOPMENT FOUNDATION LAYS OUT GOALS ..."]
