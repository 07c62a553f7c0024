"""The gold set: real cables whose fields were checked by eye against the raw text.

Each cable in tests/gold/cables.json is located by its path under ../shared/corpus
(the seed as ../seeds/...) and its id, parsed with the public API, and compared
field by field. A failure lists every field of that cable that differs, so one
run shows all the work left on a cable. See tests/gold/README.md.
"""
import json
from functools import lru_cache
from pathlib import Path

import pytest

import cableparse

GOLD_FILE = Path(__file__).resolve().parent / "gold" / "cables.json"
GOLD = json.loads(GOLD_FILE.read_text(encoding="utf-8"))["cables"]

SCALAR_FIELDS = ["id", "created", "released", "classification", "origin",
                 "subject", "classified_by", "signature"]


@lru_cache(maxsize=None)
def _parsed(path: str):
    """Every cable parsed from one input file, by id (a CSV file holds many)."""
    cables = {}
    for item in cableparse.iter_inputs([path]):
        if hasattr(item, "message") and not hasattr(item, "body"):
            continue  # InputError: a fragment, not a cable
        cable = cableparse.parse_raw(item)
        cables.setdefault(cable.id, cable)
    return cables


def _sections(cable):
    """Headings in order: the cable's own list when the model has one, else the
    distinct headings over its paragraphs (consecutive repeats collapsed)."""
    own = getattr(cable, "sections", None)
    if own is not None:
        return [s if isinstance(s, str) else getattr(s, "title", getattr(s, "heading", str(s))) for s in own]
    out = []
    for p in cable.paragraphs:
        if p.section and (not out or out[-1] != p.section):
            out.append(p.section)
    return out


def _actual(cable, gold):
    got = {name: getattr(cable, name) for name in SCALAR_FIELDS}
    got["tags"] = list(cable.tags)
    got["refs"] = [(r.label, r.target_id) for r in cable.refs]
    got["paragraphs"] = [(p.number, p.sub, p.classification) for p in cable.paragraphs]
    got["sections"] = _sections(cable)
    if "paragraph_starts" in gold:
        got["paragraph_starts"] = [" ".join(p.text.split()[:5]) for p in cable.paragraphs]
    return got


def _expected(gold):
    exp = {name: gold[name] for name in SCALAR_FIELDS}
    exp["tags"] = list(gold["tags"])
    exp["refs"] = [(r["label"], r["target_id"]) for r in gold["refs"]]
    exp["paragraphs"] = [tuple(p) for p in gold["paragraphs"]]
    exp["sections"] = list(gold["sections"])
    if "paragraph_starts" in gold:
        exp["paragraph_starts"] = list(gold["paragraph_starts"])
    return exp


def _describe_list(expected, got):
    """The first differing position of two lists, to make long lists readable."""
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            return f"first difference at [{i}]: expected {e!r}, got {g!r}"
    return f"lengths differ: expected {len(expected)}, got {len(got)}"


@pytest.mark.parametrize("gold", GOLD, ids=[f"{g['id']}@{g['path']}" for g in GOLD])
def test_gold_cable(gold, shared):
    path = shared / "corpus" / gold["path"]
    assert path.exists(), f"gold cable input missing: {path}"
    cables = _parsed(str(path))
    assert gold["id"] in cables, f"no cable {gold['id']} in {path} (found {sorted(map(str, cables))[:10]})"
    got = _actual(cables[gold["id"]], gold)
    exp = _expected(gold)
    problems = []
    for field in exp:
        if got[field] != exp[field]:
            line = f"  {field}:\n    expected {exp[field]!r}\n    got      {got[field]!r}"
            if isinstance(exp[field], list) and isinstance(got[field], list):
                line += "\n    " + _describe_list(exp[field], got[field])
            problems.append(line)
    if problems:
        note = f"\n  (gold note: {gold['note']})" if gold.get("note") else ""
        pytest.fail(f"{gold['id']} ({gold['path']}): {len(problems)} field(s) differ{note}\n" + "\n".join(problems),
                    pytrace=False)
