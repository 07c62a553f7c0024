"""The vocabularies of grammar/terms.lark reach the grammar and the Python readers alike."""
import re

import pytest

from cableparse.parsing import fields, terms
from cableparse.parsing.grammar import cable_parser, furniture_parser, terminal_regex

from .conftest import CORPUS


@pytest.mark.parametrize("line, level", [
    # letter-spaced as the 1970s telegrams write the classification (these three are not in
    # ../shared; the real one is below)
    ("T O P S E C R E T SECTION 01 OF 02 STATE 123456\n", "TOP SECRET"),
    ("L I M I T E D O F F I C I A L U S E ATHENS 2959\n", "LIMITED OFFICIAL USE"),
    ("U N C L A S S I F I E D ROME 3067\n", "UNCLASSIFIED"),
])
def test_a_classification_word_is_one_for_the_grammar_and_the_field_reader(line, level):
    assert terminal_regex(cable_parser(), "CLASS_LINE").fullmatch(line)
    # the same words repeated alone at a page's end are page furniture
    assert terminal_regex(furniture_parser(), "CLASSIFICATION_ONLY").fullmatch(" ".join(level.replace(" ", "")) + "\n")
    assert fields.parse_class_line(line)["level"] == level


def test_each_line_terminal_is_built_from_the_vocabulary_not_a_copy_of_it():
    cable = cable_parser()
    for terminal, term in [("CLASS_LINE", terms.CLASSIFICATION), ("CAVEAT_LINE", terms.CAVEAT),
                           ("PARA_MARKED_LINE", terms.MARK), ("DTG_LINE", terms.MONTH),
                           ("PRECEDENCE_LINE", terms.PROSIGN)]:
        assert term in cable.get_terminal(terminal).pattern.to_regexp(), terminal


def test_caveats_are_read_longest_first_in_order():
    assert fields.parse_caveats("SENSITIVE BUT UNCLASSIFIED, NOFORN/NOCONTRACT") == [
        "SENSITIVE BUT UNCLASSIFIED", "NOFORN", "NOCONTRACT"]
    assert re.fullmatch(terms.MARK, "(s//rel to five eyes)")


def test_a_real_letter_spaced_classification_line():
    raw = CORPUS / "plusd/1974ATHENS03099_b.raw-content.txt"
    line = raw.read_text(encoding="utf-8").splitlines()[22] + "\n"
    assert line == "C O N F I D E N T I A L ATHENS 3099\n"
    assert terminal_regex(cable_parser(), "CLASS_LINE").fullmatch(line)
    read = fields.parse_class_line(line)
    assert (read["level"], read["station"], read["number"]) == ("CONFIDENTIAL", "ATHENS", 3099)
