"""Load the Lark grammars once per process.

The .lark files ship inside the package (cableparse.grammar); building an LALR
table is the slow part of Lark, so each parser is built on first use and kept.
lark-cython is used when installed: same grammar, compiled parser loop.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

from lark import Lark


def grammar_text(name: str) -> str:
    return resources.files("cableparse.grammar").joinpath(name).read_text(encoding="utf-8")


def _plugins() -> dict:
    try:
        from lark_cython import lark_cython  # type: ignore
    except ImportError:  # optional speed-up (pip install cableparse[fast])
        return {}
    return {"_plugins": lark_cython.plugins}


@functools.lru_cache(maxsize=None)
def cable_parser() -> Lark:
    """The LALR parser for cable text, with start rules `header` and `body`."""
    return Lark(
        grammar_text("cable.lark"),
        parser="lalr",
        lexer="contextual",
        start=["header", "body"],
        propagate_positions=False,
        maybe_placeholders=False,
    )


@functools.lru_cache(maxsize=None)
def furniture_parser() -> Lark:
    return Lark(grammar_text("furniture.lark"), parser="lalr", lexer="basic")


def terminal_regex(parser: Lark, name: str) -> re.Pattern:
    """A grammar terminal as a compiled regex, for line-by-line use outside the parse.

    Lark's to_regexp() already carries the terminal's flags inline.
    """
    return re.compile(parser.get_terminal(name).pattern.to_regexp())
