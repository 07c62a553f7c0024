"""The stations a cable id can name, and the spellings cables use for them.

A Cablegate id is YY + station + serial (`06STATE202745`, `09USUNNEWYORK1065`); the
station is the post's name run together. Three small data files hold the vocabulary:

- data/stations.csv: every distinct station of the Cablegate ids
  (../shared/reference/cablegate-ids.csv.gz), without the ids' typos and the
  handling words glued into a few of them (`EFTOLONDON`, `SECTION01OF02MANAMA`).
  `derive_stations` is the rule; tests/test_refs.py checks the file against the
  reference data so it cannot drift.
- data/station_variants.csv: spellings cables write for a station that do not
  run together into it (`USUN` -> `USUNNEWYORK`, `MEXICO CITY` -> `MEXICO`,
  `SECSTATE` -> `STATE`), each with the reason; `guess` says whether reading it
  is a guess (an abbreviation or a misspelling) worth a warning.
- data/station_serials.csv: for January to March, how many cables of each other
  station Cablegate holds (any year) and the highest serial among them: a January
  cable citing `MANAMA 647` without a year cites last year's, as no January
  Manama cable ever had a serial near that.
- data/state_serials.csv: for each month of each year, how many STATE cables
  Cablegate holds and the highest serial among them. A January 2009 cable citing
  `SECSTATE 132759` without a year cites a 2008 telegram: the Department had sent
  fewer than 10,000 by then.

Regenerate the derived files with
`python -m cableparse.parsing.stations ../shared/reference/cablegate-ids.csv.gz`.
"""
from __future__ import annotations

import collections
import csv
import functools
import gzip
import io
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

# Words that stand before a post's name in an address (`AMEMBASSY ROME`) and are no
# part of the station.
ADDRESS_PREFIXES = ("AMEMBASSY", "AMCONSUL", "USMISSION", "AMEMB", "EMBASSY", "CONSULATE", "AMCONGEN",
                    "USINT", "USLO")
_PREFIX = re.compile(r"^(?:%s)\b\s*" % "|".join(ADDRESS_PREFIXES))

# Handling words glued in front of the station in a few Cablegate ids
# (`09EFTOLONDON2905`, `85NOFORNMOGADISHU1643`, `SIFIEDABUJA`): not stations.
_GLUED_HANDLING = ("EFTO", "NOFORN", "SIFIED", "AMEMBASSY")
# A station of one or two ids that is one letter away (two for long names) from a
# station of many ids is a typo in the release (`BANGOK`, `THEHAGU`, `BUENOSQRES`).
_TYPO_MAX_IDS = 2
_TYPO_MIN_OTHER = 10

_ID = re.compile(r"^(\d{2})([A-Z]+?)(\d+)$")


def compact(spelling: str) -> str:
    """`New Delhi` -> `NEWDELHI`, `RIO DE JAN.` -> `RIODEJAN`: letters only, upper case."""
    return re.sub(r"[^A-Z]", "", spelling.upper())


def _data(name: str) -> str:
    return resources.files("cableparse").joinpath(f"data/{name}").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def stations() -> frozenset[str]:
    """Every station of a Cablegate id (data/stations.csv)."""
    rows = csv.DictReader(io.StringIO(_data("stations.csv")))
    return frozenset(row["station"] for row in rows)


@functools.lru_cache(maxsize=None)
def _variant_rows() -> tuple[dict, ...]:
    return tuple(csv.DictReader(io.StringIO(_data("station_variants.csv"))))


@functools.lru_cache(maxsize=None)
def variants() -> dict[str, str]:
    """Spelling run together -> station, from data/station_variants.csv."""
    return {compact(row["spelling"]): row["station"] for row in _variant_rows()}


@functools.lru_cache(maxsize=None)
def guessed_variants() -> frozenset[str]:
    """Variants (run together) that are a reading of an abbreviation or a misspelling (`USUN`,
    `RIO`, `TALLIN`), not a form of the post's name in use (`SECSTATE`, `MEXICO CITY`)."""
    return frozenset(compact(row["spelling"]) for row in _variant_rows() if row["guess"] == "yes")


@functools.lru_cache(maxsize=None)
def state_serials() -> dict[tuple[int, int], tuple[int, int]]:
    """(year, month) -> (STATE ids of that month in Cablegate, highest STATE serial among them)."""
    rows = csv.DictReader(io.StringIO(_data("state_serials.csv")))
    return {(int(r["year"]), int(r["month"])): (int(r["ids"]), int(r["highest_serial"])) for r in rows}


# A STATE serial above this share of the highest one the Department had reached by the
# citing cable's month cannot be of the citing cable's year. The highest of the month
# counts when Cablegate holds enough STATE cables of it; else the highest of that month
# of any year.
STATE_MARGIN = 1.3
_STATE_MIN_IDS = 10


@functools.lru_cache(maxsize=None)  # a few hundred (year, month) pairs, asked for again and again
def state_serial_ceiling(year: int, month: int) -> int:
    """The highest STATE serial a cable of `month` of `year` can cite from its own year."""
    table = state_serials()
    if table.get((year, month), (0, 0))[0] >= _STATE_MIN_IDS:
        reached = max(h for (y, m), (_, h) in table.items() if y == year and m <= month)
    else:
        reached = max((h for (_, m), (_, h) in table.items() if m <= month), default=0)
    return int(reached * STATE_MARGIN) if reached else 10 ** 9


@functools.lru_cache(maxsize=None)
def station_serials() -> dict[tuple[str, int], tuple[int, int]]:
    """(station, month 1-3) -> (ids of that month in Cablegate, any year; highest serial among them)."""
    rows = csv.DictReader(io.StringIO(_data("station_serials.csv")))
    return {(r["station"], int(r["month"])): (int(r["ids"]), int(r["highest_serial"])) for r in rows}


# Another station's serial above this share of the highest it ever reached by the same
# month of a year, in the first quarter, is last year's (`MANAMA 647` in January).
STATION_MARGIN = 1.5
_STATION_MIN_IDS = 20


def early_serial_ceiling(station: str, month: int) -> Optional[int]:
    """The highest serial `station` can have reached by the end of `month` (1-3), or None
    when Cablegate holds too few of its cables of those months to tell."""
    if month > EARLY_MONTHS:
        return None
    table = station_serials()
    seen = [table.get((station, m), (0, 0)) for m in range(1, month + 1)]
    if sum(n for n, _ in seen) < _STATION_MIN_IDS:
        return None
    return int(max(h for _, h in seen) * STATION_MARGIN)


@functools.lru_cache(maxsize=8192)  # the words of references repeat: STATE, SECSTATE, BAGHDAD
def lookup(spelling: str) -> tuple[Optional[str], bool]:
    """(station, guessed) for a spelling as a cable writes it; (None, False) if no station.

    `THE HAGUE` -> (`THEHAGUE`, False); `SECSTATE` -> (`STATE`, False);
    `USUN` -> (`USUNNEWYORK`, True): an abbreviation read as the station;
    `AMEMBASSY ROME` -> (`ROME`, False); `STATE SECURITY` -> (None, False).
    """
    s = " ".join(spelling.upper().split())
    for key in dict.fromkeys((compact(s), compact(_PREFIX.sub("", s)))):
        if key in stations():
            return key, False
        if key in variants():
            return variants()[key], key in guessed_variants()
    return None, False


def canonical_station(spelling: Optional[str]) -> Optional[str]:
    """The station of a Cablegate id a spelling names, or None: `SECSTATE WASHDC` -> `STATE`."""
    return lookup(spelling)[0] if spelling else None


# ----------------------------------------------------------------------------- derivation

def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def derive_stations(ids: Iterable[str]) -> list[str]:
    """The distinct stations of Cablegate ids, less the release's typos and glued words."""
    counts = collections.Counter()
    for cable_id in ids:
        m = _ID.match(cable_id.strip())
        if m:
            counts[m.group(2)] += 1
    big = [s for s, n in counts.items() if n >= _TYPO_MIN_OTHER]
    out = []
    for station, n in counts.items():
        if any(station.startswith(w) and station[len(w):] in counts for w in _GLUED_HANDLING):
            continue
        if n <= _TYPO_MAX_IDS:
            limit = 2 if len(station) >= 5 else 1
            if any(other != station and _distance(station, other, limit) <= limit for other in big):
                continue
        out.append(station)
    return sorted(out)


def derive_state_serials(rows: Iterable[tuple[str, int]]) -> list[tuple[int, int, int, int]]:
    """(id, month) rows -> (year, month, STATE ids, highest STATE serial) of every month with one."""
    count = collections.Counter()
    highest = collections.defaultdict(int)
    for cable_id, month in rows:
        m = _ID.match(cable_id.strip())
        if m and m.group(2) == "STATE":
            yy = int(m.group(1))
            key = (1900 + yy if yy >= 50 else 2000 + yy, month)
            count[key] += 1
            highest[key] = max(highest[key], int(m.group(3)))
    return [(y, mo, count[(y, mo)], highest[(y, mo)]) for y, mo in sorted(count)]


EARLY_MONTHS = 3  # data/station_serials.csv covers January to March


def derive_station_serials(rows: Iterable[tuple[str, int]],
                           station_names: Iterable[str]) -> list[tuple[str, int, int, int]]:
    """(id, month) rows -> (station, month, ids, highest serial) over all years, months 1-3."""
    keep = set(station_names)
    count = collections.Counter()
    highest = collections.defaultdict(int)
    for cable_id, month in rows:
        m = _ID.match(cable_id.strip())
        if m and m.group(2) in keep and m.group(2) != "STATE" and month <= EARLY_MONTHS:
            count[(m.group(2), month)] += 1
            highest[(m.group(2), month)] = max(highest[(m.group(2), month)], int(m.group(3)))
    return [(st, mo, count[(st, mo)], highest[(st, mo)]) for st, mo in sorted(count)]


def read_cablegate_ids(path: Path) -> list[tuple[str, int]]:
    """(id, month) rows of ../shared/reference/cablegate-ids.csv.gz."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [(row[0].strip(), int(row[1])) for row in csv.reader(f) if row and row[0] and row[1].strip().isdigit()]


def stations_csv(names: Iterable[str]) -> str:
    return "station\n" + "".join(f"{s}\n" for s in names)


def state_serials_csv(rows: list[tuple[int, int, int, int]]) -> str:
    return "year,month,ids,highest_serial\n" + "".join(f"{y},{m},{n},{h}\n" for y, m, n, h in rows)


def station_serials_csv(rows: list[tuple[str, int, int, int]]) -> str:
    return "station,month,ids,highest_serial\n" + "".join(f"{s},{m},{n},{h}\n" for s, m, n, h in rows)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m cableparse.parsing.stations CABLEGATE-IDS.csv.gz", file=sys.stderr)
        return 2
    rows = read_cablegate_ids(Path(argv[0]))
    data = Path(__file__).resolve().parents[1] / "data"
    names = derive_stations(r[0] for r in rows)
    (data / "stations.csv").write_text(stations_csv(names), encoding="utf-8")
    (data / "station_serials.csv").write_text(station_serials_csv(derive_station_serials(rows, names)),
                                              encoding="utf-8")
    (data / "state_serials.csv").write_text(state_serials_csv(derive_state_serials(rows)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
