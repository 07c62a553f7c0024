"""Build a full-scale benchmark corpus from the real cables in ../shared.

Every cable of the corpus is a real cable of ../shared/corpus (pages, CSV rows,
text files) given the id of a real Cablegate cable (from
../shared/reference/cablegate-ids.csv.gz, so ids, stations and years follow the
real release), a date in that id's month, a new serial, its TAGS shuffled with
one of the release's common tags, and some of its numbered paragraphs swapped.
No two cables share a text, so no stage can cache or skip one. The template
for an id is drawn from cables of the same year (or the nearest year that has
some), so the mix of layouts and lengths follows the release too.

Written twice: as cables.csv in the dump's format (8 double-quoted columns with
backslash escapes, see cableparse/sources.py) and as one text file per cable
(the five-line layout: id, subject, date, classification, origin, then the
cable), in files/YY/ID.txt.
"""
from __future__ import annotations

import bisect
import csv
import gzip
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cableparse.model import RawCable  # noqa: E402
from cableparse.readers import iter_inputs  # noqa: E402

SHARED = ROOT.parent / "shared"
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
FORMAT_VERSION = 1  # bump when the output changes, so a cached corpus is rebuilt

_ID = re.compile(r"^(\d{2})([A-Z][A-Z-]*?)(\d+)$")
_DTG = re.compile(r"^([ \t]*(?:[ZOPR][ \t]+){1,2})\d{6}[ \t]?Z[ \t]+[A-Z]{3}[ \t]+\d{2,4}", re.M)
_DE_SERIAL = re.compile(r"^([ \t]*DE[ \t]+R[A-Z0-9]{3,6}[ \t]*#[ \t]*)\d+", re.M)
_TAGS = re.compile(r"^([ \t]*TAGS?[ \t]*[:.;,]?[ \t]*)([^\n]*)$", re.M)
_SUBJECT = re.compile(r"^[ \t]*SUBJ(?:ECT)?[ \t]*[:.-][ \t]*([^\n]*)", re.M | re.I)
_SERIAL_END = re.compile(r"(\s)0*(\d{1,7})([ \t]*)$")
_BLANKS = re.compile(r"(\n[ \t]*\n(?:[ \t]*\n)*)")
_NUMBERED = re.compile(r"^[ \t]*¶?[ \t]*\d{1,3}[ \t]*[.)]")
_CODE = re.compile(r"^[A-Z][A-Z0-9-]*$")


@dataclass
class Template:
    id: str
    year: int
    header: str
    body: str
    origin: str | None
    classification: str | None
    references: list[str]


def _full_year(yy: int) -> int:
    return 1900 + yy if yy >= 66 else 2000 + yy


def load_templates(shared: Path = SHARED) -> list[Template]:
    corpus = shared / "corpus"
    paths = [str(corpus / d) for d in ("pages", "full-pages", "csv", "text") if (corpus / d).exists()]
    seen, out = set(), []
    for item in iter_inputs(paths):
        if not isinstance(item, RawCable) or not item.meta.id or not item.body.strip():
            continue
        m = _ID.match(item.meta.id)
        if not m or item.meta.id in seen:
            continue
        seen.add(item.meta.id)
        out.append(Template(item.meta.id, _full_year(int(m.group(1))), item.header, item.body,
                            item.meta.origin, item.meta.classification,
                            list(item.meta.references or [])))
    if not out:
        raise SystemExit(f"no real cables found under {corpus}")
    return out


def real_ids(shared: Path = SHARED) -> list[tuple[str, int]]:
    """(id, month) of every cable of the release."""
    with gzip.open(shared / "reference" / "cablegate-ids.csv.gz", "rt", encoding="utf-8") as fh:
        return [(row[0], int(row[1])) for row in csv.reader(fh) if len(row) >= 2]


def common_tags(shared: Path = SHARED) -> tuple[list[str], list[int]]:
    path = shared / "reference" / "plusd-top-tags.tsv"
    codes, weights = [], []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip().isdigit():
                codes.append(parts[0].strip())
                weights.append(int(parts[2]))
    return codes or ["PREL", "PGOV"], weights or [1, 1]


def _pick_ids(ids: list[tuple[str, int]], n: int, rng: random.Random) -> list[tuple[str, int]]:
    """n ids: a sample of the real ones in their order, or all of them and more."""
    if n <= len(ids):
        keep = sorted(rng.sample(range(len(ids)), n))
        return [ids[i] for i in keep]
    out = list(ids)
    k = 0
    while len(out) < n:  # beyond the release: the same stations and months, other serials
        cid, month = ids[k % len(ids)]
        m = _ID.match(cid)
        if m:
            out.append((f"{m.group(1)}{m.group(2)}{int(m.group(3)) + 900000 + k}", month))
        k += 1
    return out


class Generator:
    def __init__(self, templates: list[Template], seed: int = 1):
        self.rng = random.Random(seed)
        self.by_year: dict[int, list[Template]] = {}
        for t in templates:
            self.by_year.setdefault(t.year, []).append(t)
        self.years = sorted(self.by_year)
        self.tags, self.tag_weights = common_tags()
        self.cum_weights = []
        total = 0
        for w in self.tag_weights:
            total += w
            self.cum_weights.append(total)
        self.origins = {}
        for t in templates:
            m = _ID.match(t.id)
            if m and t.origin:
                self.origins.setdefault(m.group(2), t.origin)

    def _template(self, year: int) -> Template:
        i = bisect.bisect_left(self.years, year)
        near = [y for y in self.years[max(0, i - 1):i + 1]]
        best = min(near, key=lambda y: abs(y - year))
        return self.rng.choice(self.by_year[best])

    def _origin(self, station: str) -> str:
        if station in self.origins:
            return self.origins[station]
        if station == "STATE":
            return "Secretary of State"
        return f"Embassy {station.title()}"

    def _tags_line(self, match: re.Match) -> str:
        codes = [c.strip(".:-_'\"") for c in re.split(r"[\s,;]+", match.group(2))]
        codes = [c for c in codes if c and _CODE.match(c)]
        self.rng.shuffle(codes)
        extra = self.tags[bisect.bisect_left(self.cum_weights, self.rng.random() * self.cum_weights[-1])]
        if extra not in codes:
            codes.insert(self.rng.randrange(len(codes) + 1), extra)
        return match.group(1) + ", ".join(codes)

    def _shuffle_paragraphs(self, body: str) -> str:
        parts = _BLANKS.split(body)  # text, separator, text, ...
        blocks = list(range(0, len(parts), 2))
        numbered = [i for i in blocks[:-1] if _NUMBERED.match(parts[i])]
        if len(numbered) >= 3:
            for _ in range(max(1, len(numbered) // 4)):
                a, b = self.rng.sample(numbered, 2)
                parts[a], parts[b] = parts[b], parts[a]
        return "".join(parts)

    def cable(self, number: int, cid: str, month: int) -> dict:
        rng = self.rng
        m = _ID.match(cid)
        yy, station, serial = (int(m.group(1)), m.group(2), int(m.group(3))) if m else (9, "STATE", number)
        year = _full_year(yy)
        t = self._template(year)
        day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
        dtg = f"{day:02d}{hour:02d}{minute:02d}Z {MONTHS[month - 1]} {year % 100:02d}"
        header = _DTG.sub(lambda mm: mm.group(1) + dtg, t.header, count=1)
        header = _DE_SERIAL.sub(lambda mm: mm.group(1) + f"{serial % 10000:04d}", header, count=1)
        lines = t.body.split("\n", 1)
        first = _SERIAL_END.sub(lambda mm: f"{mm.group(1)}{serial:06d}{mm.group(3)}", lines[0], count=1)
        body = first + ("\n" + lines[1] if len(lines) > 1 else "")
        body = _TAGS.sub(self._tags_line, body, count=1)
        body = self._shuffle_paragraphs(body)
        subject = _SUBJECT.search(body)
        return {
            "number": number, "id": cid, "year": year, "month": month, "day": day,
            "hour": hour, "minute": minute, "origin": self._origin(station),
            "classification": t.classification or "UNCLASSIFIED",
            "references": t.references, "header": header, "body": body,
            "subject": subject.group(1).strip() if subject else "",
        }


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def csv_record(c: dict) -> str:
    date = f"{c['month']}/{c['day']}/{c['year']} {c['hour']}:{c['minute']:02d}"
    fields = [str(c["number"]), date, c["id"], c["origin"], c["classification"],
              "|".join(c["references"]), c["header"], c["body"]]
    return ",".join(_quote(f) for f in fields) + "\n"


def text_file(c: dict) -> str:
    import datetime

    weekday = DAYS[datetime.date(c["year"], c["month"], c["day"]).weekday()]
    date = (f"{weekday} {MONTHS[c['month'] - 1].title()} {c['day']} "
            f"{c['hour']:02d}:{c['minute']:02d}:00 +0000 {c['year']}")
    cable = f"{c['header']}\n\n{c['body']}" if c["header"] else c["body"]
    subject = " ".join(c["subject"].split()) or "(no subject)"
    return f"{c['id']}\n{subject}\n{date}\n{c['classification']}\n{c['origin']}\n{cable}\n"


def build(out: Path, cables: int, files: int, seed: int = 1, log=print) -> dict:
    """Write out/cables.csv and out/files/ (the first `files` cables); return the manifest.

    A corpus already built with the same arguments is reused.
    """
    manifest_path = out / "manifest.json"
    wanted = {"cables": cables, "files": files, "seed": seed, "format": FORMAT_VERSION}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all(manifest.get(k) == v for k, v in wanted.items()):
            log(f"corpus: reusing {out}")
            return manifest
    out.mkdir(parents=True, exist_ok=True)
    if manifest_path.exists():
        manifest_path.unlink()
    templates = load_templates()
    gen = Generator(templates, seed)
    ids = _pick_ids(real_ids(), cables, gen.rng)
    text_bytes = csv_bytes = file_bytes = 0
    files_dir = out / "files"
    if files_dir.exists():
        import shutil
        shutil.rmtree(files_dir)
    with open(out / "cables.csv", "w", encoding="utf-8", newline="") as fh:
        for number, (cid, month) in enumerate(ids, 1):
            c = gen.cable(number, cid, month)
            record = csv_record(c)
            fh.write(record)
            csv_bytes += len(record.encode("utf-8"))
            text_bytes += len(c["header"].encode("utf-8")) + len(c["body"].encode("utf-8"))
            if number <= files:
                d = files_dir / cid[:2]
                d.mkdir(parents=True, exist_ok=True)
                data = text_file(c).encode("utf-8")
                (d / f"{cid}.txt").write_bytes(data)
                file_bytes += len(data)
            if number % 50000 == 0:
                log(f"corpus: {number} cables written")
    manifest = dict(wanted, templates=len(templates), text_bytes=text_bytes,
                    csv_bytes=csv_bytes, file_bytes=file_bytes, files_written=min(files, cables))
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest
