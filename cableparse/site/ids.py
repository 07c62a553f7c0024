"""Cable ids as people type them, and the archive's canonical form.

The archive's ids are the Cablegate form: two-digit year, post, serial without
leading zeros (07CASABLANCA42). Researchers also type them in lower case, with
the serial zero-padded (07CASABLANCA0042), with spaces as references print them
(07 CASABLANCA 42), or in PlusD's form, which WikiLeaks asks them to cite:
four-digit year, five-digit serial and a suffix (1974ATHENS02959_b).
"""
from __future__ import annotations

import re
from urllib.parse import quote

# year (2 or 4 digits), post (letters), serial (digits), PlusD's suffix (_b, _a, _c ...)
_COMPACT = re.compile(r"^(\d{2}|\d{4})([A-Za-z]{2,})0*(\d{1,7})(?:_[A-Za-z0-9]{1,3})?$")
_SPACED = re.compile(r"(?<![\w])(\d{2}|\d{4})\s+([A-Za-z]{3,})\s+0*(\d{1,7})(?![\w])")
PLUSD = "https://wikileaks.org/plusd/cables/{}.html"


def canonical_id(text: str) -> str | None:
    """07casablanca0042, 2007CASABLANCA00042_a -> 07CASABLANCA42; None when not an id."""
    m = _COMPACT.match(text.strip())
    if not m:
        return None
    year, post, serial = m.groups()
    return f"{year[-2:]}{post.upper()}{int(serial)}"


def ids_in(q: str) -> list[str] | None:
    """The canonical ids when the whole search is one or more compact ids (separated by
    spaces, commas or semicolons), else None."""
    parts = [p for p in re.split(r"[\s,;]+", q.strip()) if p]
    if not parts:
        return None
    found = [canonical_id(p) for p in parts]
    if any(f is None for f in found):
        return None
    return list(dict.fromkeys(found))


def spaced_ids_in(q: str) -> list[str]:
    """Ids written as references print them (06 STATE 202745), when that is all the search
    holds; the caller keeps only those the archive has (2009 elections 5 is words)."""
    rest = _SPACED.sub(" ", q)
    if re.sub(r"[\s,;]+", "", rest):
        return []
    return list(dict.fromkeys(f"{y[-2:]}{p.upper()}{int(s)}" for y, p, s in _SPACED.findall(q)))


def plusd_url(cable_id: str, typed: str | None = None) -> str:
    """The cable's page on WikiLeaks PlusD. PlusD names Cablegate cables 07CASABLANCA42_a
    and its own 1970s records 1974ATHENS02959_b: the form typed, when it was PlusD's, else
    that pattern (the suffix may differ; PlusD's search finds the cable by either id)."""
    if typed and re.match(r"^\d{4}[A-Za-z]+\d{5}_[A-Za-z0-9]+$", typed.strip()):
        body, _, suffix = typed.strip().partition("_")
        return PLUSD.format(quote(f"{body.upper()}_{suffix.lower()}"))
    m = re.match(r"^(\d{2})([A-Z]+)(\d+)$", cable_id)
    if m and 73 <= int(m.group(1)) <= 79:
        return PLUSD.format(quote(f"19{m.group(1)}{m.group(2)}{int(m.group(3)):05d}_b"))
    return PLUSD.format(quote(f"{cable_id}_a"))
