"""Older layouts (issue 3): the 1973-74 State Department telegrams and the
partial-extract layout of 00HARARE6677, with exact values from the real texts."""
import re

import pytest

from cableparse.parsing.parser import parse_raw
from cableparse.readers import iter_inputs

from .conftest import CORPUS

FURNITURE = re.compile(r"\bPAGE \d{2,3} +[A-Z]+ +\d+|PTQ\d+|[A-Z]+ 0{3,}\d+ +\d{3}(\.\d)? OF \d{3}|\b[A-Z]{2,5}-\d\d\b")


def cable(path):
    [raw] = [r for r in iter_inputs([str(path)]) if hasattr(r, "meta")]
    return parse_raw(raw)


@pytest.fixture(scope="module")
def telegrams(shared):
    return {c.id: c for c in (cable(p) for p in sorted((CORPUS / "plusd").glob("*.raw-content.txt")))}


def _summary(c):
    return {
        "raw_id": c.raw_id, "created": c.created, "origin": c.origin, "from": c.from_station,
        "to": [(r.role, r.station, r.serial) for r in c.recipients],
        "tags": c.tags, "subject": c.subject, "refs": [(r.label, r.raw, r.target_id) for r in c.refs],
        "paragraphs": [p.number for p in c.paragraphs], "signature": c.signature,
        "classification": c.classification,
    }


def test_state_097844(telegrams):
    c = telegrams["73STATE97844"]
    assert _summary(c) == {
        "raw_id": "1973STATE097844_b", "created": "1973-05-22 18:28", "origin": "Secretary of State",
        "from": "SECSTATE WASHDC", "to": [("to", "AMEMBASSY LUXEMBOURG", None), ("info", "AMEMBASSY ROME", None)],
        "tags": ["SPOP", "IT"], "subject": "INFORMATION TO FORMER SENATOR TYDINGS", "refs": [],
        "paragraphs": [1, 2, 3], "signature": "PORTER", "classification": "LIMITED OFFICIAL USE",
    }
    assert [(o.role, o.office, o.copies) for o in c.offices] == [
        ("action", "SPM", 1), ("info", "OCT", 1), ("info", "EUR", 25), ("info", "ADP", 0), ("info", "RSC", 1)]
    assert (c.drafted_by, c.approved_by) == ("S/ PM: PPCLAXTON, JR.", "EUR/ WE: DWLOVING")
    # the signature was glued to the last line; the trailer lines are not text
    assert c.paragraphs[-1].text.endswith("WEDNESDAY WITH MINISTER FOREIGN AFFAIRS.")


def test_athens_02959(telegrams):
    c = telegrams["74ATHENS2959"]
    assert _summary(c) == {
        "raw_id": "1974ATHENS02959_b", "created": "1974-05-17 16:00", "origin": "Embassy Athens",
        "from": "AMEMBASSY ATHENS",
        "to": [("to", "SECSTATE WASHDC", "3410"), ("info", "AMEMBASSY LONDON", None),
               ("info", "AMEMBASSY CANBERRA", None), ("info", "AMCONSUL THESSALONIKI", None)],
        "tags": ["PINS", "GR", "KALOUDIS, NICK", "AMBATIELOS, ANTHONY"],
        "subject": "ARRESTS OF KALOUDIS AND AMBATIELOS",
        "refs": [(None, "STATE -097844", "74STATE97844")],
        "paragraphs": [1, 2], "signature": "TASCA", "classification": "LIMITED OFFICIAL USE",
    }
    # office copies add up to the list's own total, /096 W
    assert sum(o.copies for o in c.offices) == 96 and c.offices[0].role == "action"
    # paragraph 2 runs across the page break: repeated classification and PAGE 02 header removed
    assert ("BUT BECAUSE OF THEIR ACKNOWLEDGED COMMUNIST PARTY AFFILIATIONS, FACT CONFIRMED BY EMBASSY "
            "SOURCES.") in c.paragraphs[1].text
    assert c.paragraphs[1].text.endswith(
        'GOG STATEMENT EMPHASIZED ITS "DEVOTION TO INTERNATIONAL LABOR CONVENTION", THEREBY SEEKING '
        "DISASSOCIATE ARRESTS THESE TWO INDIVIDUALS FROM THEIR PRIOR TRADE UNION ACTIVITY.")


def test_athens_03099(telegrams):
    c = telegrams["74ATHENS3099"]
    summary = _summary(c)
    assert summary["created"] == "1974-05-23 15:15"
    assert summary["classification"] == "CONFIDENTIAL"
    assert summary["to"][0] == ("to", "SECSTATE WASHDC", "3479")
    assert summary["tags"] == ["PINS", "GR", "KALOUDIS, NICK", "AMBATIELOS, ANTHONY"]
    assert summary["refs"] == [("A", "STATE 97844", "74STATE97844"), ("B", "ATHENS 2959", "74ATHENS2959")]
    assert summary["paragraphs"] == [1, 2] and summary["signature"] == "TASCA"
    assert c.eo == "11652: GDS"


def test_no_page_furniture_in_telegram_text(telegrams):
    for c in telegrams.values():
        for p in c.paragraphs:
            assert not FURNITURE.search(p.text), (c.id, p.number)
            assert "LIMITED OFFICIAL USE" not in p.text and "NNN" not in p.text


def test_harare_partial_extract(shared):
    c = cable(CORPUS / "pages" / "00HARARE6677.html")
    # the subject runs across a page break: " CONFIDENTIAL" / "PAGE 02 ... 291400Z OPPOSITION LEADER"
    assert c.subject == "ASSISTANT SECRETARY MEETS WITH ZIMBABWE OPPOSITION LEADER"
    assert [(r.raw, r.target_id) for r in c.refs] == [("HARARE 6584", "00HARARE6584")]
    assert [(r.role, r.station, r.precedence, r.serial) for r in c.recipients] == [
        ("to", "SECSTATE WASHDC", "IMMEDIATE", "7738"), ("info", "NSC WASHDC", "IMMEDIATE", None),
        ("info", "SOUTHERN AFRICAN DEVELOPMENT COMMUNITY", None, None), ("info", "AMEMBASSY NAIROBI", None, None)]
    offices = [(o.role, o.office, o.copies) for o in c.offices]
    assert len(offices) == 52 and offices[:3] == [("action", "AF", 0), ("info", "LOG", 0), ("info", "NP", 0)]
    assert offices[-3:] == [("info", "NFAT", 0), ("info", "SAS", 0), ("info", "SWCI", 0)]
    assert [(p.number, p.classification) for p in c.paragraphs] == [(n, "C") for n in range(1, 12)] + [(12, "U")]
    assert [p.section for p in c.paragraphs][2:] == [
        "TSVANGIRAI LOOKS INTO THE CRYSTAL BALL", "TSVANGIRAI LOOKS INTO THE CRYSTAL BALL",
        "MASS ACTION IS ON THE TABLE", "MASS ACTION IS ON THE TABLE", "HOW TO GET MUGABE OUT",
        "ROLE OF REGIONAL LEADERS", "MDC’S VIEW ON LAND ISSUE", "ZIMBABWE NEEDS A PEACEFUL TRANSITION",
        "ZIMBABWE NEEDS A PEACEFUL TRANSITION", "ZIMBABWE NEEDS A PEACEFUL TRANSITION"]
    # paragraph 5 continues across the repeated header of section 2 of 3
    assert ("WE KNOW THAT ZIMBABWE IS NOT LIKE YUGOSLAVIA" in c.paragraphs[4].text
            and "THERE WILL BE “NOTHING TO VOTE FOR” BY THE TIME THE ELECTION ARRIVES" in c.paragraphs[4].text)
    assert "ESSENTIALLY, A COALITION GOVERNMENT." in c.paragraphs[3].text
    for p in c.paragraphs:
        assert not FURNITURE.search(p.text) and "CONFIDENTIAL" not in p.text and "E.O. 12958" not in p.text
    assert c.signature == "MCDONALD"


def test_pre_2001_cables_parse(shared):
    """Every pre-2001 cable of the corpus (pages, CSV, PlusD) has a subject and numbered
    paragraphs, and none keeps page furniture in its text."""
    found = 0
    for raw in iter_inputs([str(CORPUS / "pages"), str(CORPUS / "csv"), str(CORPUS / "plusd")]):
        if not hasattr(raw, "meta"):
            continue
        c = parse_raw(raw)
        if not c.created or c.created[:4] > "2000":
            continue
        found += 1
        assert c.subject, c.id
        assert any(p.number for p in c.paragraphs), c.id
        assert not any(FURNITURE.search(p.text) for p in c.paragraphs), c.id
    assert found == 53
