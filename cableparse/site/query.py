"""The search language of /-/search: what a researcher types, parsed and turned into SQL.

The operators are those WikiLeaks' own search (Sphinx) taught researchers, and FTS5's:

    trafficking smuggling        both words (AND is also accepted)
    "child maids"                the phrase; "child maids"~5 the words within 5 of each other
    trafficking OR smuggling     either (also `|`)
    trafficking -smuggling       the first without the second (also `!smuggling`, `NOT smuggling`)
    traffick*                    words starting with traffick
    NEAR(trafficking women, 5)   at most 5 words apart
    (a | b) c                    parentheses group
    =trafficked                  the exact word, not its stem (also ="exact phrase")
    tag:KTIP mark:C origin:Rabat year:2005..2010 section:prevention   fields

Words are stemmed (Porter): trafficking finds traffickers and trafficked. The
text part goes to FTS5 as one MATCH expression on `paragraphs_fts`, the index
the page reports on, so `select count(*) from paragraphs_fts where
paragraphs_fts match <fts>` is the page's count when no field or exact word is
used; exact words are matched on `paragraphs_exact_fts` (no stemming), fields
are SQL conditions. Invalid syntax raises QueryError with a message for the
page: a query is never silently searched as something else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..archive.sections import section_key
from .ids import canonical_id

FIELDS = {  # name typed -> canonical field
    "tag": "tag", "tags": "tag",
    "mark": "mark", "classification": "mark",
    "origin": "origin", "from": "origin", "post": "origin", "country": "origin", "city": "origin",
    "year": "year", "date": "year",
    "section": "section", "heading": "section",
    "id": "id", "cable": "id",
}
STEM, EXACT, SQL = "stem", "exact", "sql"
INDEX = {STEM: "paragraphs_fts", EXACT: "paragraphs_exact_fts"}
MAX_NEAR = 1000


class QueryError(ValueError):
    """Invalid search syntax, with what to type instead."""


# --- the syntax tree ----------------------------------------------------------------------

@dataclass
class Text:
    """A word or phrase: words (FTS5 tokenizes them), prefix (last word), exact (no stemming)."""
    words: str
    exact: bool = False
    prefix: bool = False

    def fts(self) -> str:
        return '"' + self.words.replace('"', '""') + '"' + ("*" if self.prefix else "")


@dataclass
class Near:
    items: list
    distance: int = 10
    exact: bool = False

    def fts(self) -> str:
        return f"NEAR({' '.join(i.fts() for i in self.items)}, {self.distance})"


@dataclass
class Field:
    name: str
    value: str


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list = field(default_factory=list)


@dataclass
class Or:
    children: list = field(default_factory=list)


def kind(node) -> str:
    """STEM or EXACT when the whole node is one FTS5 expression on that index, else SQL."""
    if isinstance(node, (Text, Near)):
        return EXACT if node.exact else STEM
    if isinstance(node, Field):
        return SQL
    if isinstance(node, Not):
        return kind(node.child)
    kids = {kind(c) for c in node.children}
    if len(kids) != 1 or SQL in kids:
        return SQL
    if isinstance(node, And) and all(isinstance(c, Not) for c in node.children):
        return SQL  # FTS5 has no unary NOT
    if isinstance(node, Or) and any(isinstance(c, Not) for c in node.children):
        return SQL
    return kids.pop()


def fts(node) -> str:
    """The FTS5 expression of a node whose kind is STEM or EXACT."""
    if isinstance(node, (Text, Near)):
        return node.fts()
    if isinstance(node, Or):
        return "(" + " OR ".join(fts(c) for c in node.children) + ")"
    if isinstance(node, And):
        pos = [fts(c) for c in node.children if not isinstance(c, Not)]
        out = pos[0] if len(pos) == 1 else "(" + " AND ".join(pos) + ")"
        for c in node.children:
            if isinstance(c, Not):
                out = f"({out} NOT {fts(c.child)})"
        return out
    raise TypeError(node)


# --- reading the query --------------------------------------------------------------------

_TOKEN = re.compile(r'\s+|\(|\)|\||"|[^\s()|"]+')
_RANGE = re.compile(r"^(\d{4})?\s*(?:\.\.|-|–)\s*(\d{4})?$")


class _Reader:
    def __init__(self, q: str):
        self.q = q
        self.pos = 0

    def peek_char(self) -> str:
        return self.q[self.pos:self.pos + 1]

    def quoted(self) -> str:
        """The text up to the closing quote (the opening one is read)."""
        end = self.q.find('"', self.pos)
        if end < 0:
            raise QueryError('A quote is not closed: put the phrase between two " marks, '
                             'as in "child maids".')
        text = self.q[self.pos:end]
        self.pos = end + 1
        return text

    def tokens(self):
        """(kind, value) pairs: ( ) | OR AND NOT NEAR( "phrase" word, with the
        marks (- ! =) a word or phrase starts with."""
        out = []
        while self.pos < len(self.q):
            m = _TOKEN.match(self.q, self.pos)
            text = m.group(0)
            self.pos = m.end()
            if text.isspace():
                continue
            if text in ("(", ")"):
                out.append((text, text))
            elif text == "|" or text == "OR":
                out.append(("OR", text))
            elif text in ("AND", "NOT"):
                out.append((text, text))
            elif text == '"':
                out.append(("PHRASE", self._phrase("")))
            else:
                out.extend(self._word(text))
        return out

    def _phrase(self, marks: str):
        words = self.quoted()
        proximity = None
        m = re.match(r"~(\d+)", self.q[self.pos:])
        if m:
            proximity = int(m.group(1))
            self.pos += m.end()
        return marks, words, proximity

    def _word(self, text: str):
        if text == "NEAR" and self.peek_char() == "(":
            self.pos += 1
            return [("NEAR", self._near())]
        if text.startswith("NEAR(") or text == "NEAR(":
            self.pos -= len(text) - len("NEAR(")
            return [("NEAR", self._near())]
        marks = ""
        while text[:1] in ("-", "!", "=") and len(text) > 1:
            marks, text = marks + text[0], text[1:]
        if text in ("-", "!") and self.peek_char() == "(":
            return [("NOT", text)]  # -(fraud | refused)
        if text in ("-", "!", "="):
            if self.peek_char() == '"':
                self.pos += 1
                return [("PHRASE", self._phrase(marks + text))]
            raise QueryError(f"“{text}” must be joined to the word it applies to: "
                             f"-smuggling, !smuggling or =trafficked.")
        if text.endswith(":") and self.peek_char() == '"' and _field_name(text[:-1]):
            self.pos += 1
            return [("FIELD", (marks, text[:-1], self.quoted()))]
        if ":" in text:
            name, _, value = text.partition(":")
            canonical = _field_name(name)
            if canonical and value:
                return [("FIELD", (marks, name, value))]
            if name.isalpha() and value and not value.startswith("/"):
                raise QueryError(f"“{name}:” is not a field. Fields are tag:, mark:, origin:, "
                                 f"year:, section: and id: (tag:KTIP, year:2005..2010); "
                                 f'put other text with a colon in quotes: "{text}".')
        return [("WORD", (marks, text))]

    def _near(self):
        """NEAR(a b "c d", 5): its words and phrases, and the distance (FTS5's default 10)."""
        end = self.q.find(")", self.pos)
        if end < 0:
            raise QueryError("NEAR( is not closed: NEAR(trafficking women, 5).")
        inside = self.q[self.pos:end]
        self.pos = end + 1
        distance = 10
        m = re.search(r",\s*(\d+)\s*$", inside)
        if m:
            distance = int(m.group(1))
            inside = inside[:m.start()]
        elif "," in inside:
            raise QueryError("NEAR takes words, a comma and a number: NEAR(trafficking women, 5).")
        items = []
        for phrase, word in re.findall(r'(=?"[^"]*")|([^\s"]+)', inside):
            text = phrase or word
            exact = text.startswith("=")
            text = text.lstrip("=")
            if text.startswith('"'):
                text = text.strip('"')
            prefix = text.endswith("*")
            text = text.rstrip("*")
            if _searchable(text):
                items.append(Text(text, exact=exact, prefix=prefix))
        if len(items) < 2:
            raise QueryError("NEAR needs at least two words or phrases: NEAR(trafficking women, 5).")
        if len({i.exact for i in items}) > 1:
            raise QueryError("In NEAR( ), mark every word exact (=word) or none.")
        if distance > MAX_NEAR:
            raise QueryError(f"NEAR's distance is at most {MAX_NEAR}.")
        return Near(items, distance, exact=items[0].exact)


def _field_name(name: str) -> str | None:
    return FIELDS.get(name.lower())


def _searchable(text: str) -> bool:
    """FTS5's unicode61 indexes letters and digits: text with none of them finds nothing."""
    return any(ch.isalnum() for ch in text)


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self):
        if not self.tokens:
            return None
        node = self.or_expr()
        if self.peek() == ")":
            raise QueryError("A “)” has no “(” before it.")
        return node

    def or_expr(self):
        children = [self.and_expr("OR")]
        while self.peek() == "OR":
            op = self.take()[1]
            if self.peek() in (None, ")", "OR"):
                raise QueryError(f"“{op}” needs something to search on each side: "
                                 f"trafficking {op} smuggling.")
            children.append(self.and_expr(op))
        return children[0] if len(children) == 1 else Or(children)

    def and_expr(self, after: str):
        children = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                if not children or self.peek() in (None, ")", "OR", "AND"):
                    raise QueryError("“AND” needs something to search on each side: "
                                     "trafficking AND smuggling (a space does the same). "
                                     "To find the word itself, write it in lower case.")
                continue
            children.append(self.unary())
        if not children:
            if after in ("OR", "|"):
                raise QueryError(f"“{after}” needs something to search on each side: "
                                 f"trafficking {after} smuggling.")
            raise QueryError("Empty parentheses: put words between them, as in (trafficking | smuggling).")
        return children[0] if len(children) == 1 else And(children)

    def unary(self):
        kind_, value = self.take()
        if kind_ == "NOT":
            if self.peek() in (None, ")", "OR", "AND", "NOT"):
                raise QueryError("“NOT” needs a word after it: trafficking NOT smuggling. "
                                 "To find the word itself, write it in lower case.")
            return Not(self.unary())
        if kind_ == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError("A “(” is not closed: (trafficking | smuggling) Morocco.")
            self.take()
            return node
        if kind_ == ")":
            raise QueryError("A “)” has no “(” before it.")
        if kind_ == "NEAR":
            return value
        if kind_ == "PHRASE":
            marks, words, proximity = value
            exact = "=" in marks
            prefix = words.rstrip().endswith("*")
            words = words.rstrip().rstrip("*")
            if not _searchable(words):
                raise QueryError("A phrase in quotes needs at least one word.")
            if proximity is not None:
                parts = [Text(w, exact=exact) for w in words.split() if _searchable(w)]
                node = Near(parts, proximity, exact) if len(parts) > 1 else Text(words, exact, prefix)
            else:
                node = Text(words, exact=exact, prefix=prefix)
            return _negate(node, marks)
        if kind_ == "FIELD":
            marks, name, raw = value
            return _negate(_field(name, raw), marks)
        marks, text = value
        exact = "=" in marks
        if text.startswith("*") or "*" in text.rstrip("*"):
            raise QueryError(f"“*” goes at the end of the start of a word: traffick* (not “{text}”).")
        prefix = text.endswith("*")
        text = text.rstrip("*")
        if not _searchable(text):
            if prefix:
                raise QueryError("“*” needs the start of a word before it: traffick*.")
            return _negate(And([]), marks)  # punctuation alone: nothing to search, dropped below
        return _negate(Text(text, exact=exact, prefix=prefix), marks)


def _negate(node, marks: str):
    return Not(node) if ("-" in marks or "!" in marks) else node


def _field(name: str, raw: str) -> Field:
    canonical = _field_name(name)
    value = raw.strip()
    if not value:
        raise QueryError(f"“{name}:” needs a value: tag:KTIP, year:2005..2010.")
    if canonical == "year":
        m = _RANGE.match(value)
        if not (value.isdigit() and len(value) == 4) and not (m and (m.group(1) or m.group(2))):
            raise QueryError(f"“{name}:{value}” is not a year or a range of years: "
                             f"year:2009, year:2005..2010, year:..1990.")
    return Field(canonical, value)


def _prune(node):
    """Drop the empty groups left by punctuation typed alone; None when nothing is left."""
    if isinstance(node, (And, Or)):
        kids = [k for k in (_prune(c) for c in node.children) if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else type(node)(kids)
    if isinstance(node, Not):
        child = _prune(node.child)
        return None if child is None else Not(child)
    return node


def parse(q: str):
    """The syntax tree of a search, or None for an empty one. Raises QueryError."""
    return _prune(_Parser(_Reader(q).tokens()).parse())


# --- from the tree to SQL -----------------------------------------------------------------

@dataclass
class Compiled:
    driver: str | None  # the FTS5 table the match runs on (ranked), None: no words
    match: str | None  # its MATCH expression
    wheres: list  # further SQL conditions on p (paragraphs) and c (cables)
    params: dict
    terms: list  # (kind, FTS5 expression) of every positive word, for subject search

    @property
    def fts_only(self) -> bool:
        return self.driver == INDEX[STEM] and not self.wheres


class _Sql:
    """Collects the parameters of the SQL a search becomes (:q0, :q1 ...)."""

    def __init__(self):
        self.params: dict = {}

    def param(self, value) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def match(self, index_kind: str, expression: str) -> str:
        index = INDEX[index_kind]
        return (f"p.rowid in (select rowid from {index} where {index} match "
                f"{self.param(expression)})")

    def of(self, node) -> str:
        k = kind(node)
        if k in (STEM, EXACT) and not isinstance(node, Not):
            return self.match(k, fts(node))
        if isinstance(node, Not):
            return f"not ({self.of(node.child)})"
        if isinstance(node, Field):
            return field_sql(node.name, node.value, self.param)
        joiner = " and " if isinstance(node, And) else " or "
        return "(" + joiner.join(self.of(c) for c in node.children) + ")"


def field_sql(name: str, value: str, param) -> str:
    """The SQL condition of one field (p: paragraphs, c: cables); `param` names a value."""
    if name == "tag":
        return f"p.cable_id in (select cable_id from cable_tags where tag = {param(value.upper())})"
    if name == "mark":
        return f"p.classification = {param(value.upper())}"
    if name == "section":
        return f"p.section_key = {param(section_key(value) or value.lower())}"
    if name == "id":
        return f"p.cable_id = {param(canonical_id(value) or value.upper())}"
    if name == "origin":
        return origin_sql(value, param)
    if name == "year":
        return year_sql(value, param)
    raise QueryError(f"unknown field {name}")


def origin_sql(value: str, param) -> str:
    """Cables from a post named in full (Embassy Rabat), or any post of a city or country:
    Rabat, Morocco. Posts come from the `posts` table (GeoNames places)."""
    v = param(value.strip())
    return (f"c.origin in (select name from posts where "
            f"city = {v} collate nocase or country = {v} collate nocase "
            f"or name = {v} collate nocase or country_code = {v} collate nocase "
            f"union select origin from cables where origin = {v} collate nocase)")


def year_range(value: str) -> tuple[int | None, int | None] | None:
    """2009 -> (2009, 2009); 2005..2010, 2005-2010 -> (2005, 2010); ..1990 -> (None, 1990)."""
    value = value.strip()
    if value.isdigit() and len(value) == 4:
        return int(value), int(value)
    m = _RANGE.match(value)
    if m and (m.group(1) or m.group(2)):
        low = int(m.group(1)) if m.group(1) else None
        high = int(m.group(2)) if m.group(2) else None
        return low, high
    return None


def year_sql(value: str, param) -> str:
    found = year_range(value)
    if found is None:
        return "0"  # not a year: matches nothing (the URL filter; the language refuses it)
    low, high = found
    if low is not None and high is not None and low > high:
        low, high = high, low
    parts = []
    if low is not None:
        parts.append(f"c.year >= {param(low)}")
    if high is not None:
        parts.append(f"c.year <= {param(high)}")
    return "(" + " and ".join(parts) + ")"


def compile_query(node) -> Compiled:
    """The driving FTS5 match (ranked) and the other conditions of a parsed search."""
    children = node.children if isinstance(node, And) else [node]
    if all(isinstance(c, Not) for c in children):
        raise QueryError("A search needs something to find, not only words to leave out: "
                         "trafficking -smuggling, or a field such as tag:KTIP.")
    sql = _Sql()
    groups = {STEM: ([], []), EXACT: ([], [])}  # kind -> (positive, negated) FTS5 expressions
    rest = []
    for c in children:
        k = kind(c)
        if k in groups:
            groups[k][1 if isinstance(c, Not) else 0].append(c.child if isinstance(c, Not) else c)
        else:
            rest.append(c)
    driver = match = None
    wheres = []
    for k in (STEM, EXACT):
        positive, negated = groups[k]
        if positive:
            expression = fts(And(positive + [Not(n) for n in negated]))
            if driver is None:
                driver, match = INDEX[k], expression
            else:
                wheres.append(sql.match(k, expression))
        elif negated:
            wheres.append(f"not ({sql.match(k, fts(negated[0]) if len(negated) == 1 else fts(Or(negated)))})")
    wheres += [sql.of(c) for c in rest]
    return Compiled(driver, match, wheres, sql.params, _terms(node))


def _terms(node, negated=False) -> list:
    """(kind, FTS5 expression) of the positive words and phrases, for the subject search."""
    if isinstance(node, (Text, Near)):
        return [] if negated else [(kind(node), node.fts())]
    if isinstance(node, Not):
        return _terms(node.child, not negated)
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in _terms(c, negated)]
    return []


def subject_match(node) -> str | None:
    """An FTS5 expression for cables_fts (stemmed, subjects): the text part of the search
    with exact words as plain ones and fields left out; None when it has no words."""
    def text_only(n):
        if isinstance(n, Text):
            return Text(n.words, prefix=n.prefix)
        if isinstance(n, Near):
            return Near([Text(i.words, prefix=i.prefix) for i in n.items], n.distance)
        if isinstance(n, Field):
            return None
        if isinstance(n, Not):
            child = text_only(n.child)
            return None if child is None else Not(child)
        kids = [k for k in (text_only(c) for c in n.children) if k is not None]
        if isinstance(n, Or) and len(kids) < len(n.children):
            return None  # "a OR tag:X" has no subject-only meaning
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else type(n)(kids)

    text = text_only(node)
    if text is None or kind(text) != STEM:
        if isinstance(text, And):  # drop negations FTS5 cannot start with
            positive = [c for c in text.children if not isinstance(c, Not)]
            if positive and kind(And(positive + [c for c in text.children if isinstance(c, Not)])) == STEM:
                return fts(And(positive + [c for c in text.children if isinstance(c, Not)]))
        return None
    if isinstance(text, Not):
        return None
    return fts(text)


def fields_of(node) -> list[tuple[str, str]]:
    """The fields a search ANDs in at its top level: (name, value)."""
    children = node.children if isinstance(node, And) else [node]
    return [(c.name, c.value) for c in children if isinstance(c, Field)]
