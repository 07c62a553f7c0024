"""Versions of a cable in the archive: which one `cables` shows, what changed
between two of them (see textdiff), and counts of changes for facets.

The same cable was published several times: re-wrapped, with redactions added
or lifted, cut differently. Researchers need to know which text they cite and
what a later release hid or revealed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, TypeVar

from .rawtext import unpack
from .schema import TABLES
from .textdiff import (  # noqa: F401 - the diff's types are part of this module's API
    MARK,
    OUTSIDE,
    Edit,
    ParagraphChange,
    Redaction,
    VersionDiff,
    compare,
    diff_texts,
    side,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """One archived text of a cable: a cable_versions row with its text."""

    cable_id: str
    content_hash: str
    header: str = ""
    body: str = ""
    released: Optional[str] = None  # the page's release date, when the source has one
    first_seen: Optional[str] = None  # when it was ingested
    source: Optional[str] = None
    format: Optional[str] = None
    current: bool = False  # the one `cables` shows


# --------------------------------------------------------------------------
# Which version `cables` shows


def _field(item: Any, name: str):
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def order_versions(versions: Sequence[T]) -> list[T]:
    """Oldest first: by release date when known (dated after undated), then by
    when they were ingested, then by their order in `versions` (ingestion order).

    Items are `Version`s or cable_versions rows (mappings with `released`, `first_seen`).
    """
    def key(pair):
        index, item = pair
        released = _field(item, "released")
        return (released is not None, released or "", _field(item, "first_seen") or "", index)

    return [item for _, item in sorted(enumerate(versions), key=key)]


def choose_current(versions: Sequence[T]) -> T:
    """The version `cables` should show: the latest release when a release date is
    known, else the most recently ingested. A page's release date says which text
    the publisher last stood by; ingestion order only says which file came last."""
    if not versions:
        raise ValueError("no versions to choose from")
    return order_versions(versions)[-1]


def diff_versions(old: Version, new: Version) -> VersionDiff:
    """The difference between two archived versions, older first."""
    return compare(side(old.header, old.body), side(new.header, new.body),
                   old.cable_id, old.content_hash, new.content_hash)


# --------------------------------------------------------------------------
# Plain text for the CLI


def _short(text: str, words: int = 24) -> str:
    parts = text.split()
    if len(parts) <= words:
        return text
    return " ".join(parts[:words * 2 // 3]) + " … " + " ".join(parts[-words // 3:]) + (
        f" ({len(parts)} words)")


def _place(where: str) -> str:
    return where if where in OUTSIDE else f"¶{where}"


def _edit_line(edit: Edit) -> str:
    old = f"[-{_short(edit.old)}-]" if edit.old else ""
    new = f"{{+{_short(edit.new)}+}}" if edit.new else ""
    before = f"…{edit.before} " if edit.before else ""
    space = "" if edit.after[:1] in tuple(",.;:)?!") else " "
    after = f"{space}{edit.after}…" if edit.after else ""
    return f"  {_place(edit.where)}: {before}{old}{new}{after}"


def _version_line(label: str, v: Version) -> str:
    when = f"released {v.released}" if v.released else f"ingested {v.first_seen or '?'}"
    return f"{label} {v.content_hash[:12]}  {when}  {v.format or '?'}  {v.source or '?'}"


def render(diff: VersionDiff, old: Optional[Version] = None, new: Optional[Version] = None) -> str:
    """The difference as plain text: one section per kind of change, wdiff-style
    `[-old-]{+new+}` for words."""
    lines = [diff.cable_id or "(no id)"]
    if old is not None and new is not None:
        lines += [_version_line("  from", old), _version_line("  to  ", new)]
    lines.append("")
    if diff.same:
        lines.append("No difference apart from line wrapping, whitespace and punctuation "
                     "outside paragraphs.")
        return "\n".join(lines) + "\n"
    for change, verb in (("added", "hides"), ("lifted", "reveals")):
        found = [r for r in diff.redactions if r.change == change]
        if found:
            lines.append(f"Redactions {change}: {sum(r.runs for r in found)}")
        for r in found:
            runs = f" ({r.runs} redactions)" if r.runs > 1 else ""
            if r.words is None:
                lines.append(f"  {_place(r.where)}: {r.text}{runs}, nothing opposite it "
                             "in the other version")
            else:
                lines.append(f'  {_place(r.where)}: {verb} "{_short(r.words)}"{runs}')
    for change in ("changed", "added", "removed"):
        found = [p for p in diff.paragraphs if p.change == change]
        if found:
            lines.append(f"Paragraphs {change}: {len(found)}")
        for p in found:
            if change == "changed":
                if p.old_mark != p.new_mark:
                    lines.append(f"  ¶{p.label}: mark ({p.old_mark or '-'}) -> ({p.new_mark or '-'})")
                lines += [_edit_line(e) for e in p.edits]
            else:
                mark = p.new_mark if change == "added" else p.old_mark
                text = p.new if change == "added" else p.old
                lines.append(f"  ¶{p.label}: {f'({mark}) ' if mark else ''}{_short(text or '')}")
    if diff.other:
        lines.append(f"Outside paragraphs: {len(diff.other)}")
        lines += [_edit_line(e) for e in diff.other]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# The archive


def _rows(db, sql: str, params=()) -> list[dict]:
    """Rows as dicts from a sqlite_utils.Database or a sqlite3 connection (Datasette's)."""
    cursor = getattr(db, "conn", db).execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def load_versions(db, cable_id: str) -> list[Version]:
    """Every archived text of `cable_id`, oldest first (see order_versions).

    The current version's text lives in `cables`, the others' in cable_versions.
    """
    rows = _rows(db, (
        "select v.cable_id, v.content_hash, v.released, v.first_seen, v.source, v.format, "
        "v.current, coalesce(v.header, c.header) as header, coalesce(v.body, c.body) as body "
        "from cable_versions v left join cables c "
        "on c.id = v.cable_id and c.content_hash = v.content_hash "
        "where v.cable_id = ? order by v.first_seen, v.rowid"), [cable_id])
    return order_versions([
        Version(r["cable_id"], r["content_hash"], unpack(r["header"]) or "", unpack(r["body"]) or "",
                r["released"], r["first_seen"], r["source"], r["format"], bool(r["current"]))
        for r in rows])


def find_version(versions: Sequence[Version], ref: str) -> Version:
    """The version whose content hash starts with `ref`; LookupError otherwise."""
    found = [v for v in versions if v.content_hash.startswith(ref.lower())]
    if len(found) != 1:
        what = "no version" if not found else f"{len(found)} versions"
        known = ", ".join(v.content_hash[:12] for v in versions)
        raise LookupError(f"{what} of {versions[0].cable_id if versions else 'this cable'} "
                          f"with a hash starting {ref!r} (versions: {known})")
    return found[0]


def pick_pair(versions: Sequence[Version], from_ref: Optional[str] = None,
              to_ref: Optional[str] = None) -> tuple[Version, Version]:
    """(older, newer) to compare: by default the two most recent versions; `to`
    defaults to the latest, `from` to the version just before `to`."""
    if len(versions) < 2 and not (from_ref and to_ref):
        only = f" ({versions[0].content_hash[:12]})" if versions else ""
        raise LookupError(f"{versions[0].cable_id if versions else 'the cable'} has "
                          f"{len(versions)} version{only}: nothing to compare")
    new = find_version(versions, to_ref) if to_ref else versions[-1]
    if from_ref:
        return find_version(versions, from_ref), new
    index = versions.index(new)
    if index == 0:
        raise LookupError(f"{new.content_hash[:12]} is the oldest version: give --from")
    return versions[index - 1], new


def _summary(v: Version) -> dict:
    return {"hash": v.content_hash, "released": v.released, "first_seen": v.first_seen,
            "source": v.source, "format": v.format, "current": v.current}


def diff_json(db, cable_id: str, from_hash: Optional[str] = None,
              to_hash: Optional[str] = None) -> Optional[dict]:
    """The versions of a cable and the difference between two of them (default: the
    two most recent) as JSON-able dicts; `diff` is None with fewer than two versions.
    None when the cable has no versions; LookupError for a hash that names none.
    `db`: a sqlite_utils.Database or a sqlite3 connection (in Datasette:
    `await db.execute_fn(lambda conn: diff_json(conn, cable_id))`)."""
    versions = load_versions(db, cable_id)
    if not versions:
        return None
    data = {"cable_id": cable_id, "versions": [_summary(v) for v in versions],
            "from": None, "to": None, "diff": None}
    if len(versions) >= 2 or (from_hash and to_hash):
        old, new = pick_pair(versions, from_hash, to_hash)
        data.update({"from": old.content_hash, "to": new.content_hash,
                     "diff": diff_versions(old, new).as_dict()})
    return data


DIFF_TABLE = "version_diffs"


def record_diffs(db, cable_ids: Iterable[str]) -> int:
    """Store the counts of each consecutive pair of versions of these cables in
    version_diffs (what the cable_version_stats view sums for facets); return the
    rows written. Redaction counts need the word alignment, so SQL alone cannot
    give them. Idempotent: a cable's rows are rewritten from its versions."""
    spec = TABLES[DIFF_TABLE]
    if not db[DIFF_TABLE].exists():
        db[DIFF_TABLE].create(spec["columns"], pk=spec["pk"], foreign_keys=spec["foreign_keys"])
    written = 0
    with db.atomic():
        for cable_id in dict.fromkeys(cable_ids):
            db.execute(f"delete from [{DIFF_TABLE}] where cable_id = ?", [cable_id])
            versions = load_versions(db, cable_id)
            sides = {v.content_hash: side(v.header, v.body) for v in versions}
            rows = []
            for old, new in zip(versions, versions[1:]):
                d = compare(sides[old.content_hash], sides[new.content_hash])
                rows.append({
                    "cable_id": cable_id, "from_hash": old.content_hash,
                    "to_hash": new.content_hash,
                    "redactions_added": d.redactions_added,
                    "redactions_lifted": d.redactions_lifted,
                    "paragraphs_added": d.count("added"),
                    "paragraphs_removed": d.count("removed"),
                    "paragraphs_changed": d.count("changed"),
                    "other_changes": len(d.other),
                })
            if rows:
                db[DIFF_TABLE].insert_all(rows, replace=True)
                written += len(rows)
    return written
