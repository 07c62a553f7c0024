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
  `SECSTATE` -> `STATE`), each with the reason.
- data/state_serials.csv: the highest STATE serial of a Cablegate cable dated in
  each month or earlier, any year. A January cable citing `SECSTATE 132759`
  without a year cites last year's telegram: no STATE serial that high exists in
  January.

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
ADDRESS_PREFIXES = ("AMEMBASSY", "AMCONSUL", "USMISSION", "AMEMB", "EMBASSY", "CONSULATE", "AMCONGEN")
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
def variants() -> dict[str, str]:
    """Spelling run together -> station, from data/station_variants.csv."""
    rows = csv.DictReader(io.StringIO(_data("station_variants.csv")))
    return {compact(row["spelling"]): row["station"] for row in rows}


@functools.lru_cache(maxsize=None)
def state_serials() -> dict[int, int]:
    """Month (1-12) -> the highest STATE serial of a cable of that month or earlier."""
    rows = csv.DictReader(io.StringIO(_data("state_serials.csv")))
    return {int(row["month"]): int(row["highest_serial"]) for row in rows}


def lookup(spelling: str) -> tuple[Optional[str], bool]:
    """(station, is_variant) for a spelling as a cable writes it; (None, False) if no station.

    `THE HAGUE` -> (`THEHAGUE`, False); `USUN` -> (`USUNNEWYORK`, True);
    `AMEMBASSY ROME` -> (`ROME`, False); `STATE SECURITY` -> (None, False).
    """
    s = " ".join(spelling.upper().split())
    key = compact(s)
    if key in stations():
        return key, False
    if key in variants():
        return variants()[key], True
    bare = compact(_PREFIX.sub("", s))
    if bare and bare != key:
        if bare in stations():
            return bare, False
        if bare in variants():
            return variants()[bare], True
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


def derive_state_serials(rows: Iterable[tuple[str, int]]) -> dict[int, int]:
    """(id, month) rows -> month -> highest STATE serial of a cable of that month or earlier."""
    highest = collections.defaultdict(int)
    for cable_id, month in rows:
        m = _ID.match(cable_id.strip())
        if m and m.group(2) == "STATE":
            highest[month] = max(highest[month], int(m.group(3)))
    out, running = {}, 0
    for month in range(1, 13):
        running = max(running, highest.get(month, 0))
        out[month] = running
    return out


def read_cablegate_ids(path: Path) -> list[tuple[str, int]]:
    """(id, month) rows of ../shared/reference/cablegate-ids.csv.gz."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [(row[0].strip(), int(row[1])) for row in csv.reader(f) if row and row[0] and row[1].strip().isdigit()]


def stations_csv(names: Iterable[str]) -> str:
    return "station\n" + "".join(f"{s}\n" for s in names)


def state_serials_csv(serials: dict[int, int]) -> str:
    return "month,highest_serial\n" + "".join(f"{m},{serials[m]}\n" for m in sorted(serials))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m cableparse.parsing.stations CABLEGATE-IDS.csv.gz", file=sys.stderr)
        return 2
    rows = read_cablegate_ids(Path(argv[0]))
    data = Path(__file__).resolve().parents[1] / "data"
    (data / "stations.csv").write_text(stations_csv(derive_stations(r[0] for r in rows)), encoding="utf-8")
    (data / "state_serials.csv").write_text(state_serials_csv(derive_state_serials(rows)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
