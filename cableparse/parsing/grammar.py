"""Load the Lark grammars once per process.

The .lark files ship inside the package (cableparse.grammar); building an LALR
table is the slow part of Lark, so each parser is built on first use and kept.

lark-cython, when installed, runs the same grammar with a compiled lexer and
parser loop. Its tokens are not `str` subclasses (no `isinstance(x, Token)`,
no string methods), so:

- when cableparse.transform says its Transformers take any token
  (`NATIVE_TOKENS_OK = True`: they use only `.type`, `.value`, `.line` and
  `str()`) and a probe cable gives the same result as with plain Lark,
  lark-cython's own tokens are used;
- otherwise each token of the tree is turned back into a `lark.Token`, if the
  probe then gives the same result as plain Lark;
- otherwise, or when lark-cython is missing or fails to build the grammar:
  plain Lark. An ingest never fails for want of the speed-up.

`CABLEPARSE_LARK=python` forces plain Lark. `backend()` says what is in use.

`transforming_parser(cls)` builds the same parser with a Transformer run
inside the LALR parse (Lark's `transformer=` option): `parse()` returns what
the start rule's method returns, and no tree is built or walked.
"""
from __future__ import annotations

import functools
import os
import re
import sys
from importlib import resources

from lark import Lark, Token, Tree
from lark.load_grammar import FromPackageLoader
from lark.parsers.lalr_analysis import Reduce

from . import transform
from .transform import BodyTransformer, HeaderTransformer

# `%import terms (...)` in the .lark files: the vocabularies, from the installed package
_TERMS = FromPackageLoader("cableparse.grammar", ("",))

_CABLE_OPTIONS = dict(
    parser="lalr",
    lexer="contextual",
    start=["header", "body"],
    propagate_positions=False,
    maybe_placeholders=False,
    import_paths=[_TERMS],
)


def grammar_text(name: str) -> str:
    return resources.files("cableparse.grammar").joinpath(name).read_text(encoding="utf-8")


def _plugins() -> dict:
    if os.environ.get("CABLEPARSE_LARK", "").lower() in ("python", "lark", "pure"):
        return {}
    try:  # looked up at each build, so a test can take it away
        from lark_cython import lark_cython  # type: ignore
    except Exception:  # noqa: BLE001 - a missing or broken build: plain Lark
        return {}
    return {"_plugins": lark_cython.plugins}


class _Origin:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class _Reduction:
    """What the LALR loop reads of a rule when it reduces (`len(rule.expansion)`,
    `rule.origin.name`, `callbacks[rule]`), in an object hashed by identity in C."""
    __slots__ = ("expansion", "origin", "rule")

    def __init__(self, rule):
        self.expansion, self.origin, self.rule = rule.expansion, _Origin(sys.intern(str(rule.origin.name))), rule


def _plain_parse_table(lark: Lark) -> Lark:
    """Key the parse table by plain strings and its reductions by `_Reduction`s.

    Lark keys the table by the `Token`s and `Rule`s it read the grammar into, whose
    `__eq__` and `__hash__` are Python functions: the loop called three of them on every
    reduction, a twentieth of the parse. The table is changed in place; the probe in
    `_choose` / `transforming_parser` then checks the result against plain Lark.
    """
    try:  # Lark's internals: another version may lay them out otherwise, then leave the table be
        lalr = lark.parser.parser
        table, callbacks = lalr._parse_table, lalr.parser_conf.callbacks
    except AttributeError:
        return lark
    reductions: dict = {}
    for actions in table.states.values():
        plain = {}
        for key, (action, arg) in actions.items():
            if action is Reduce:
                if arg not in reductions:
                    reductions[arg] = _Reduction(arg)
                arg = reductions[arg]
            plain[sys.intern(str(key))] = (action, arg)
        actions.clear()
        actions.update(plain)
    for rule, reduction in reductions.items():
        callbacks[reduction] = callbacks[rule]
    return lark


def _as_lark_token(token) -> Token:
    return Token(token.type, token.value, token.start_pos, token.line, token.column,
                 token.end_line, token.end_column, token.end_pos)


def _convert(tree: Tree) -> Tree:
    """Replace lark-cython tokens by `lark.Token`s, in place, without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        children = node.children
        for i, child in enumerate(children):
            if isinstance(child, Tree):
                stack.append(child)
            elif not isinstance(child, Token):
                children[i] = _as_lark_token(child)
    return tree


class _ConvertingParser:
    """A lark-cython `Lark` whose trees carry `lark.Token`s; everything else is delegated."""

    def __init__(self, lark: Lark):
        self._lark = lark

    def parse(self, text: str, start=None, on_error=None):
        return _convert(self._lark.parse(text, start=start, on_error=on_error))

    def __getattr__(self, name):
        return getattr(self._lark, name)


# A made-up cable that walks through every part of the grammar the Transformers
# read: routing lines, addressees, preamble fields separated by blank lines,
# marked and plain paragraphs, subparagraphs, dashed headings (framed, glued to the
# end of a paragraph, underlined under a paragraph's last line), a signature.
_PROBE_HEADER = """VZCZCXYZ0001
PP RUEHWEB

DE RUEHXY #0001/01 0661652
ZNR UUUUU ZZH
P 071652Z MAR 07
FM AMCONSUL EXAMPLETOWN
TO RUEHC/SECSTATE WASHDC PRIORITY 7620
INFO RUEHXX/AMEMBASSY SOMEWHERE 0001
BT
"""
_PROBE_BODY = """UNCLAS SECTION 01 OF 02 EXAMPLETOWN 000001

SIPDIS

SENSITIVE

E.O. 12958: N/A
TAGS: PHUM KTIP
ELAB XX
SUBJECT: A PROBE CABLE THAT IS NOT A REAL ONE
WITH A SECOND LINE

REF: A. 06 STATE 12345 B. EXAMPLETOWN 42

Classified By: Nobody, for reasons 1.4 (b)

1. (SBU) Summary: the first paragraph,
wrapped over two lines.

2.  A plain paragraph that mentions 2007.
38.  Not a new paragraph.
  A. (U) A subparagraph.
  B. Another one.

-------
Comment
-------

3. (C) After the heading. End Comment. Glued Heading ----------

4. (U) A paragraph.
Underlined Heading
------------------
5. Right under it.

NOBODY
"""


def _probe_result(parser) -> tuple:
    """The probe through the project's Transformers."""
    header = HeaderTransformer().transform(parser.parse(_PROBE_HEADER, start="header"))
    body = BodyTransformer(lambda n: n).transform(parser.parse(_PROBE_BODY, start="body"))
    return repr(header), repr(body)


def _native_tokens_ok() -> bool:
    return bool(getattr(transform, "NATIVE_TOKENS_OK", False))


def _choose(reference: Lark, fast: Lark):
    """`fast`, `fast` with token conversion, or None: whichever gives `reference`'s result."""
    expected = _probe_result(reference)
    candidates = [fast] if _native_tokens_ok() else []
    for candidate in candidates + [_ConvertingParser(fast)]:
        try:
            if _probe_result(candidate) == expected:
                return candidate
        except Exception:  # noqa: BLE001 - any failure means "not compatible"
            continue
    return None


_backend = "lark"


def backend() -> str:
    """`lark-cython`, `lark-cython+convert` or `lark`: the engine `cable_parser()` uses."""
    cable_parser()
    return _backend


@functools.lru_cache(maxsize=None)
def cable_parser():
    """The LALR parser for cable text, with start rules `header` and `body`.

    A `lark.Lark` (or a thin wrapper with the same `parse`), see the module doc.
    """
    global _backend
    grammar = grammar_text("cable.lark")
    reference = Lark(grammar, **_CABLE_OPTIONS)
    plugins = _plugins()
    if plugins:
        try:
            fast = _plain_parse_table(Lark(grammar, **plugins, **_CABLE_OPTIONS))
            chosen = _choose(reference, fast)
        except Exception:  # noqa: BLE001 - a lark/lark-cython mismatch: use plain Lark
            chosen = None
        if chosen is not None:
            _backend = "lark-cython" if chosen is fast else "lark-cython+convert"
            return chosen
    _backend = "lark"
    return reference


def _inline_probe(lark: Lark) -> tuple:
    transformer = lark.options.transformer
    transformer.line_of = lambda n: n
    return repr(lark.parse(_PROBE_HEADER, start="header")), repr(lark.parse(_PROBE_BODY, start="body"))


@functools.lru_cache(maxsize=None)
def transforming_parser(transformer_class) -> Lark:
    """The cable parser with `transformer_class()` applied during the parse.

    The instance is `parser.options.transformer`; set any per-cable state on it
    (BodyTransformer's `line_of`) before each `parse`. lark-cython is used only
    with NATIVE_TOKENS_OK (tokens reach the methods as the lexer made them) and
    when the probe gives the same result as plain Lark.
    """
    grammar = grammar_text("cable.lark")
    reference = Lark(grammar, transformer=transformer_class(), **_CABLE_OPTIONS)
    plugins = _plugins()
    if plugins and _native_tokens_ok():
        try:
            fast = _plain_parse_table(Lark(grammar, transformer=transformer_class(), **plugins, **_CABLE_OPTIONS))
            if _inline_probe(fast) == _inline_probe(reference):
                return fast
        except Exception:  # noqa: BLE001 - not compatible: plain Lark
            pass
    return reference


@functools.lru_cache(maxsize=None)
def furniture_parser() -> Lark:
    return Lark(grammar_text("furniture.lark"), parser="lalr", lexer="basic", import_paths=[_TERMS])


def terminal_regex(parser, name: str) -> re.Pattern:
    """A grammar terminal as a compiled regex, for line-by-line use outside the parse.

    Lark's to_regexp() already carries the terminal's flags inline.
    """
    return re.compile(parser.get_terminal(name).pattern.to_regexp())
