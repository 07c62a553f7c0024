"""The cable's vocabularies as regexes, read from grammar/terms.lark.

The grammar's line terminals import them; the patterns in Python that read
inside a line (fields.py, tags.py, transform.py ...) are built from the same
strings, taken from here, so a word added to a vocabulary reaches both.
Each is a regex string as Lark composes it (flags inline: a mark is read in any
case), to be placed inside a larger pattern.
"""
from __future__ import annotations

from importlib import resources

from lark import Lark

_NAMES = ("CLASSIFICATION", "MARK_LEVEL", "MARK", "CAVEAT", "PRECEDENCE",
          "PROSIGN", "MONTH", "MONTH_NAME")


def _read() -> dict[str, str]:
    text = resources.files("cableparse.grammar").joinpath("terms.lark").read_text(encoding="utf-8")
    lark = Lark(text + "\nvocabulary: " + " | ".join(_NAMES) + "\n", start="vocabulary",
                parser="lalr", lexer="basic")
    return {name: lark.get_terminal(name).pattern.to_regexp() for name in _NAMES}


_TERMS = _read()
CLASSIFICATION = _TERMS["CLASSIFICATION"]
MARK_LEVEL = _TERMS["MARK_LEVEL"]
MARK = _TERMS["MARK"]  # (C) (S//NF) (S-NOFORN), or one that lost its opening bracket: C)
CAVEAT = _TERMS["CAVEAT"]
PRECEDENCE = _TERMS["PRECEDENCE"]
PROSIGN = _TERMS["PROSIGN"]
MONTH = _TERMS["MONTH"]  # JAN ... DEC
MONTH_NAME = _TERMS["MONTH_NAME"]  # JANUARY, SEPT ...
