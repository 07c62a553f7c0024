"""References: the REF field read into items with canonical target ids.

Each input class is taken from a real cable of ../shared/corpus where one exists
(its REF text as the body grammar hands it over), else from the smallest fragment.
The station vocabulary (cableparse/data/) is checked against ../shared/reference.
"""
import csv
import io
import re
from functools import lru_cache
from pathlib import Path

import pytest

import cableparse
from cableparse.parsing import stations
from cableparse.parsing.parser import parse_body
from cableparse.parsing.refs import find_citations, parse_refs, parse_refs_with_warnings

from .conftest import CORPUS, SHARED

REFERENCE = SHARED / "reference"


@lru_cache(maxsize=None)
def _cable(path: str, cable_id: str):
    for item in cableparse.iter_inputs([str(CORPUS / path)]):
        if getattr(item, "body", None) is None:
            continue
        cable = cableparse.parse_raw(item)
        if cable.id == cable_id:
            return item, cable
    raise AssertionError(f"{cable_id} not in {path}")


def _refs(path: str, cable_id: str, shared):
    """The cable's REF field read as build_cable reads it, with the citing cable's id and month."""
    item, cable = _cable(path, cable_id)
    text = parse_body(item.body, [], item.meta.id).ref_text or ""
    return parse_refs(text, cable.id[:2], citing_id=cable.id, month=int(cable.created[5:7]))


def _pairs(refs):
    return [(r.label, r.target_id) for r in refs]


# ----------------------------------------------------------------------------- not cable ids

def test_report_numbers_are_no_cable(shared):
    # `IIR 6 809 0092 08` is an intelligence report number, not `08IIR6`
    assert _pairs(_refs("pages/08BRASILIA159.html", "08BRASILIA159", shared)) == [
        ("A", "08BRASILIA66"), ("B", "08BRASILIA129"), ("C", None), ("D", None),
        ("E", "07BRASILIA1568"), ("F", "07BRASILIA2132"), ("G", "07BRASILIA2151"), ("H", "08BRASILIA6"),
        ("I", "08SAOPAULO19"), ("J", "07BRASILIA1836"), ("K", "08BRASILIA93")]


def test_message_date_time_groups_are_no_cable(shared):
    assert _pairs(_refs("pages/08BERLIN1387.html", "08BERLIN1387", shared)) == [
        ("A", "08BERLIN1045"), ("B", None)]  # B. SECDEF MSG DTG 301601z SEP 08
    assert _pairs(_refs("pages/08BRASILIA429.html", "08BRASILIA429", shared)) == [
        ("A", "08BRASILIA236"), ("B", None), ("C", "08BRASILIA175")]  # B) OSD REPORT DTG 251847Z MAR 08


def test_a_station_cablegate_never_used_keeps_raw_text(shared):
    refs = _refs("pages/09BAGHDAD1104.html", "09BAGHDAD1104", shared)
    assert (refs[0].label, refs[0].raw, refs[0].target_id) == ("A", "WHITE HOUSE 853", None)
    assert _pairs(refs[1:]) == [("B", "09BAGHDAD342"), ("C", "09BAGHDAD762"), ("D", "09BAGHDAD383"),
                                ("E", "09BASRAH17"), ("F", "09BAGHDAD1103"), ("G", "09BAGHDAD289")]


def test_body_numbered_a4_is_no_list_of_references():
    text = ("A. STATE 12345 B. ROME 678 A.4. THE MINISTER SAID B. 5. THAT A.5. HE WOULD C.1. AGREE "
            "D. 2. LATER")
    assert [(r.label, r.target_id) for r in parse_refs(text, "08")] == [("A", "08STATE12345"), ("B", "08ROME678")]
    cable = cableparse.parse("SUBJECT: X\nREF: A. STATE 12345\nB. ROME 678\nA.4. (U) THE MINISTER SAID ON MAY 4\n"
                             "A.5. THAT ROME 2008 WAS\nB.1. FINE\n", id="08ROME900")
    assert _pairs(cable.refs) == [("A", "08STATE12345"), ("B", "08ROME678")]


def test_body_run_into_the_field_is_cut_off(shared):
    refs = _refs("pages/08TRIPOLI467.html", "08TRIPOLI467", shared)
    assert _pairs(refs) == [("A", "08TRIPOLI158"), ("B", "08TRIPOLI218"), ("C", "08TRIPOLI161"),
                            ("D", "08TRIPOLI165"), ("E", "08TRIPOLI332"), ("F", "08TRIPOLI411")]
    assert refs[-1].raw == "TRIPOLI 411"


def test_page_break_line_in_the_field_is_no_reference(shared):
    assert _pairs(_refs("pages/08CAIRO524.html", "08CAIRO524", shared)) == [
        ("A", "08CAIRO452"), ("B", "08CAIRO488"), ("C", "08CAIRO507")]  # not 08CAIRO524, itself


# ----------------------------------------------------------------------------- station spellings

@pytest.mark.parametrize("path, cable_id, expected", [
    ("pages/04BRASILIA2129.html", "04BRASILIA2129",
     [("A", "04BRASILIA1835"), ("B", "04USUNNEWYORK1593"), ("C", "04STATE152009")]),
    ("text/09UNVIEVIENNA289.txt", "09UNVIEVIENNA289", [(None, "09UNVIEVIENNA266")]),
    ("pages/10STATE13969.html", "10STATE13969", [(None, "10USEUBRUSSELS133")]),
    ("pages/09MEXICO3092.html", "09MEXICO3092", [(None, "09MEXICO2759")]),
    ("pages/09RIODEJANEIRO357.html", "09RIODEJANEIRO357", [("A", "09RIODEJANEIRO329"), ("B", "09RIODEJANEIRO346")]),
    ("pages/08CASABLANCA81.html", "08CASABLANCA81", None),
    ("pages/09THEHAGUE264.html", "09THEHAGUE264",
     [("A", "08THEHAGUE468"), ("B", "07THEHAGUE714"), ("C", "07THEHAGUE247"), ("D", "07THEHAGUE63")]),
])
def test_station_spellings(path, cable_id, expected, shared):
    refs = _refs(path, cable_id, shared)
    if expected is None:  # 05 CASA 1220, 07 CASA 169 among others
        assert {"05CASABLANCA1220", "07CASABLANCA169"} <= {r.target_id for r in refs}
    else:
        assert _pairs(refs) == expected


@pytest.mark.parametrize("text, year, expected", [
    ("ADDIS 1234", "08", "08ADDISABABA1234"),
    ("A) 08 RIO DE JAN 138", "09", "08RIODEJANEIRO138"),
    ("SAO 06 PAULO 0234", "07", "06SAOPAULO234"),
    ("SECSTATE WASHDC 4567", "07", "07STATE4567"),
    ("AMEMBASSY ROME 55", "07", "07ROME55"),
    ("09 TGG 1798", "10", "09TEGUCIGALPA1798"),
])
def test_station_spelling_fragments(text, year, expected):
    assert [r.target_id for r in parse_refs(text, year)] == [expected]


def test_spelling_variants_are_reported():
    refs, problems = parse_refs_with_warnings("USUN 1593", "04")
    assert refs[0].target_id == "04USUNNEWYORK1593"
    assert [(p.part, p.severity, p.message) for p in problems] == [
        ("refs", "warning", "reference station 'USUN' read as USUNNEWYORK")]


# ----------------------------------------------------------------------------- labels

def test_label_doubled_by_the_site(shared):
    assert _pairs(_refs("pages/09LONDON2352.html", "09LONDON2352", shared)) == [
        ("A", "09STATE103219"), ("B", "09THEHAGUE608")]  # A. A. STATE 103219 B. B. THE HAGUE 608


def test_label_before_the_station_is_no_part_of_it(shared):
    # `... A. THE HAGUE 2898` after a cut-off copy: not ATHEHAGUE
    assert _pairs(_refs("pages/05THEHAGUE2948.html", "05THEHAGUE2948", shared)) == [
        ("A", "05THEHAGUE2898"), ("B", "05THEHAGUE2705")]


def test_labels_glued_to_the_station(shared):
    assert _pairs(_refs("pages/07STATE152317.html", "07STATE152317", shared)) == [
        ("A", "07STATE71143"), ("B", "07STATE73601"), ("C", "07STATE72896"), ("D", "07BEIJING5361"),
        ("E", "07STATE148514")]  # (A)STATE 071143, (B)STATE 073601, ...
    assert _pairs(parse_refs("A.BOGOTA 5486 B.BOGOTA 7731", "06")) == [("A", "06BOGOTA5486"), ("B", "06BOGOTA7731")]


def test_labels_written_with_the_word_ref(shared):
    assert _pairs(_refs("pages/06REYKJAVIK120.html", "06REYKJAVIK120", shared)) == [
        ("A", "06REYKJAVIK107"), ("B", "06REYKJAVIK108")]  # Ref A: Reykjavik 107 / Ref B: Reykjavik 108
    assert _pairs(_refs("pages/08TEGUCIGALPA86.html", "08TEGUCIGALPA86", shared)) == [
        ("A", "07TEGUCIGALPA1798"), ("B", "07TEGUCIGALPA1818"), ("C", "08TEGUCIGALPA57"), ("D", "08TEGUCIGALPA84")]


def test_ref_s_field_with_semicolons():
    cable = cableparse.parse("SUBJECT: X\n\nRef(s): A) 08 RIO DE JAN 138; B) 08 RIO DE JAN 0044\n\n1. (C) Text.\n",
                             id="09BRASILIA100")
    assert _pairs(cable.refs) == [("A", "08RIODEJANEIRO138"), ("B", "08RIODEJANEIRO44")]


def test_ref_with_a_full_stop(shared):
    _, cable = _cable("pages/05BRASILIA3216.html", "05BRASILIA3216")
    assert [(r.raw, r.target_id) for r in cable.refs] == [("BRASILIA 03150 AND PREVIOUS", "05BRASILIA3150")]
    cable = cableparse.parse("SUBJECT: X\nREF. STATE 12345\n\n1. (C) Text.\n", id="08ROME100")
    assert _pairs(cable.refs) == [(None, "08STATE12345")]


def test_and_previous_is_no_reference(shared):
    assert _pairs(_refs("pages/04RANGOON88.html", "04RANGOON88", shared)) == [
        (None, "03STATE297614"), (None, "03RANGOON1427")]  # STATE 297614 AND PREVIOUS 03 RANGOON 1427
    refs = _refs("pages/06BOGOTA1965.html", "06BOGOTA1965", shared)
    assert [(r.raw, r.target_id) for r in refs] == [("BOGOTA 1145 AND PREVIOUS", "06BOGOTA1145")]


def test_colon_between_items_of_old_telegrams(shared):
    assert _pairs(_refs("pages/72TEHRAN1164.html", "72TEHRAN1164", shared)) == [
        (None, "72TEHRAN1091"), (None, "72TEHRAN263"), (None, "72MOSCOW1603")]


def test_field_given_twice_by_the_page(shared):
    # cut off and given again whole (`B. US...` then the whole field)
    assert _pairs(_refs("pages/04BRUSSELS4944.html", "04BRUSSELS4944", shared)) == [
        ("A", "04STATE244333"), ("B", "04USEUBRUSSELS4936")]
    # given twice whole, lettered and not
    assert _pairs(_refs("pages/08ROME1045.html", "08ROME1045", shared)) == [
        ("A", "08ROME1021"), ("B", "08ROME1018"), ("C", "08ROME631"), ("D", "08ROME545")]
    assert _pairs(_refs("pages/08KINSHASA189.html", "08KINSHASA189", shared)) == [(None, "07KINSHASA798")]


# ----------------------------------------------------------------------------- years

def test_year_after_the_serial(shared):
    assert _pairs(_refs("pages/05THEHAGUE406.html", "05THEHAGUE406", shared)) == [(None, "04THEHAGUE3350")]
    assert _pairs(_refs("pages/09SAOPAULO558.html", "09SAOPAULO558", shared))[:3] == [
        ("A", "08ASUNCION701"), ("B", "07ASUNCION338"), ("C", None)]  # ASUNCION 701 (08)


def test_year_glued_to_the_station(shared):
    assert _pairs(_refs("full-pages/10SHENYANG5.html", "10SHENYANG5", shared)) == [
        ("A", "10SHENYANG3"), ("B", "09SHENYANG167")]  # A. 10SHENYANG 003  B. 09SHENYANG 167


def test_year_between_station_and_serial():
    assert _pairs(parse_refs("SECSTATE 06 163201", "07")) == [(None, "06STATE163201")]


@pytest.mark.parametrize("path, cable_id, expected", [
    # a serial above the citing cable's own at its own station is last year's
    ("pages/08TRIPOLI4.html", "08TRIPOLI4", [("A", "07TRIPOLI1060"), ("B", None)]),
    ("pages/10MANAMA25.html", "10MANAMA25", [(None, "09MANAMA647")]),
    ("pages/10MEXICO41.html", "10MEXICO41", [(None, "09MEXICO3617")]),
    # a STATE serial the Department had not reached by January
    ("pages/09SANJOSE40.html", "09SANJOSE40", [(None, "08STATE132759")]),
    # another station's serial no January cable of it ever had
    ("pages/09SEOUL59.html", "09SEOUL59",
     [("A", "08TOKYO3114"), ("B", None), ("C", "08TOKYO3416"), ("D", "08SEOUL1681"), ("E", "08SEOUL1700"),
      ("F", "08SEOUL2461")]),
    # low serials in January stay in the citing cable's year
    ("pages/09QUITO15.html", "09QUITO15", None),
])
def test_january_cable_citing_last_year(path, cable_id, expected, shared):
    refs = _refs(path, cable_id, shared)
    if expected is None:
        assert _pairs(refs)[0] == ("A", "09QUITO10") and _pairs(refs)[7] == ("H", "09QUITO1")
    else:
        assert _pairs(refs) == expected


def test_year_guesses_are_reported():
    refs, problems = parse_refs_with_warnings("SECSTATE 132759", "09", citing_id="09SANJOSE40", month=1)
    assert refs[0].target_id == "08STATE132759"
    assert len(problems) == 1 and problems[0].severity == "warning" and "132759" in problems[0].message
    refs, problems = parse_refs_with_warnings("STATE 5535", "09", citing_id="09CAIRO200", month=1)
    assert (refs[0].target_id, problems) == ("09STATE5535", [])


def test_no_year_known_gives_no_target():
    assert _pairs(parse_refs("HARARE 6584")) == [(None, None)]
    assert _pairs(parse_refs("HARARE 6584; HARARE 6585")) == [(None, None), (None, None)]


def test_the_citing_cables_own_number_is_no_reference(shared):
    # `REF: 08 STATE 74840` then the page line `TRIPOLI 00000268`
    assert [(r.raw, r.target_id) for r in _refs("pages/09TRIPOLI268.html", "09TRIPOLI268", shared)] == [
        ("08 STATE 74840", "08STATE74840")]


def test_citations_of_one_item():
    assert [(c.station, c.serial, c.year) for c in find_citations("CAIRO IIR 6 899 0149 10 2009 CAIRO 2394")] == [
        ("CAIRO", 2394, "09")]


# ----------------------------------------------------------------------------- the vocabulary

@lru_cache(maxsize=None)
def _reference_rows():
    return stations.read_cablegate_ids(REFERENCE / "cablegate-ids.csv.gz")


def _data_file(name: str) -> str:
    return (Path(stations.__file__).resolve().parents[1] / "data" / name).read_text(encoding="utf-8")


def test_station_list_matches_the_cablegate_ids(shared):
    names = stations.derive_stations(r[0] for r in _reference_rows())
    assert _data_file("stations.csv") == stations.stations_csv(names)
    assert {"STATE", "USUNNEWYORK", "UNVIEVIENNA", "USEUBRUSSELS", "RIODEJANEIRO", "ADDISABABA", "THEHAGUE",
            "MEXICO", "BONN", "LENINGRAD"} <= stations.stations()
    # the release's typos and glued handling words are no stations
    typos = {"BANGOK", "THEHAGU", "BUENOSQRES", "QXICO", "EFTOLONDON", "NOFORNMOGADISHU", "USUN"}
    assert not typos & stations.stations()


def test_serial_tables_match_the_cablegate_ids(shared):
    rows = _reference_rows()
    assert _data_file("state_serials.csv") == stations.state_serials_csv(stations.derive_state_serials(rows))
    names = stations.derive_stations(r[0] for r in rows)
    assert _data_file("station_serials.csv") == stations.station_serials_csv(
        stations.derive_station_serials(rows, names))


def test_variants_name_stations():
    rows = list(csv.DictReader(io.StringIO(_data_file("station_variants.csv"))))
    assert rows and all(r["station"] in stations.stations() for r in rows)
    assert {r["guess"] for r in rows} == {"yes", "no"}
    # a variant is no station run together, and each spelling is written once
    keys = [stations.compact(r["spelling"]) for r in rows]
    assert not set(keys) & stations.stations()
    assert len(keys) == len(set(keys))


def test_routing_book_posts_read_as_their_station(shared):
    """A post of the routing book whose name starts with a Cablegate station reads as that station
    (`AMEMBASSY MEXICO CITY` -> MEXICO, `USMISSION USUN NEW YORK NY` -> USUNNEWYORK)."""
    missing = []
    with open(REFERENCE / "routing-indicators.csv", encoding="utf-8") as f:
        for indicator, name in csv.reader(f):
            m = re.match(r"^(?:AMEMBASSY|AMCONSUL|USMISSION|US MISSION|USMISSIN)\s+(.+)$", name)
            if not m:
                continue
            words = m.group(1).split()
            if len(words) > 1 and len(words[-1]) <= 3 and stations.compact(" ".join(words)) not in stations.stations():
                words = words[:-1]  # a country or state code: MELBOURNE VIC, USOSCE VIENNA AU
            lead = next((stations.compact(" ".join(words[:k])) for k in range(len(words), 0, -1)
                         if stations.compact(" ".join(words[:k])) in stations.stations()), None)
            if lead and stations.canonical_station(" ".join(words)) != lead:
                missing.append((indicator, name, lead))
    assert missing == []
