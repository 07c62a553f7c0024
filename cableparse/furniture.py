"""Take page furniture out of a cable body before it is parsed.

Page-break lines (`CASABLANCA 00000042  004.2 OF 018`) cut paragraphs in two;
removing them with the blank lines around them rejoins the text. Where the
break fell between two paragraphs one blank line is kept, so the grammar still
sees the boundary. A line map keeps error positions and paragraph lines
pointing at the text the user gave.
"""
from __future__ import annotations

import functools
import re

from .grammar_loader import cable_parser, furniture_parser, terminal_regex

_SENTENCE_END = re.compile(r"""[.:;!?"')\]]\s*$""")


@functools.lru_cache(maxsize=None)
def _patterns():
    cable = cable_parser()
    starts = [
        terminal_regex(cable, name)
        for name in ("PARA_MARKED_LINE", "PARA_PLAIN_LINE", "SUB_STRONG_LINE", "SUB_PLAIN_LINE", "DASH_LINE")
    ]
    return terminal_regex(furniture_parser(), "PAGE_BREAK"), starts


def strip_furniture(text: str) -> tuple[str, list[int]]:
    """Return the text without page breaks, and the source line (1-based) of each kept line."""
    page_break, starts = _patterns()
    lines = text.split("\n")
    kept: list[str] = []
    where: list[int] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not page_break.match(line + "\n"):
            kept.append(line)
            where.append(i + 1)
            i += 1
            continue
        while kept and not kept[-1].strip():  # blank lines before the break
            kept.pop()
            where.pop()
        i += 1
        while i < n and not lines[i].strip():  # and after it
            i += 1
        if i < n and kept:
            nxt = lines[i] + "\n"
            new_block = any(p.match(nxt) for p in starts)
            if new_block and _SENTENCE_END.search(kept[-1]):
                kept.append("")
                where.append(i)
    return "\n".join(kept), where
