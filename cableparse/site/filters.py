"""Query-string filters that reach across tables: a cable's tags, and a paragraph's cable.

Datasette filters a table by its own columns only. Tags are many-valued (a
cable tagged KTIP and SMIG counts under both), so they live in `cable_tags`;
these filters turn `?_tag=KTIP` into `id in (select cable_id from cable_tags ...)`,
which uses the (tag, ...) indexes, so it stays fast on the full release.

- `_tag=KTIP` (repeatable): tagged with every one of them
- `_any_tag=KTIP,SMIG`: tagged with at least one of them
- on paragraphs, also `_cable_origin`, `_cable_year`, `_cable_classification`
"""
from __future__ import annotations

from datasette.filters import FilterArguments

from ..archive.tagdict import describe

# table -> the column holding the cable id
CABLE_KEY = {"cables": "id", "paragraphs": "cable_id", "cable_tags": "cable_id",
             "sections": "cable_id", "refs": "cable_id", "recipients": "cable_id"}
CABLE_COLUMNS = ("origin", "year", "classification")


def _tag_label(code: str) -> str:
    _kind, description = describe(code)
    return f"{code} ({description})" if description else code


def small_int(value: str):
    """`value` as an int when it is a plain number of at most 9 digits, else None:
    '²'.isdigit() is true but int('²') fails, and 20 digits overflow SQLite's integers."""
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def year_value(value: str):
    """A year filter's parameter: an int, as the column holds, when `value` is a plain
    small number; else the text itself, which matches no cable (never an error)."""
    number = small_int(value)
    return value if number is None else number


def split_tags(value: str) -> list[str]:
    return [t.strip().upper() for t in value.split(",") if t.strip()]


def tag_search(request) -> FilterArguments | None:
    """`_find=traffick` on the tags table: codes starting with it, or meanings containing it."""
    text = (request.args.get("_find") or "").strip()
    if not text:
        return None
    return FilterArguments(
        ["(code like :find_code escape '\\' or description like :find_text escape '\\')"],
        params={"find_code": _like(text.upper()) + "%", "find_text": "%" + _like(text) + "%"},
        human_descriptions=[f'code or meaning has "{text}"'])


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cable_filters(request, table: str) -> FilterArguments | None:
    if table == "tags":
        return tag_search(request)
    key = CABLE_KEY.get(table)
    if key is None:
        return None
    wheres, params, human = [], {}, []
    for i, tag in enumerate(request.args.getlist("_tag")):
        params[f"ct_tag{i}"] = tag
        wheres.append(f"[{key}] in (select cable_id from cable_tags where tag = :ct_tag{i})")
        human.append(f"tagged {_tag_label(tag)}")
    for i, value in enumerate(request.args.getlist("_any_tag")):
        tags = split_tags(value)
        if not tags:
            continue
        names = []
        for j, tag in enumerate(tags):
            params[f"ct_any{i}_{j}"] = tag
            names.append(f":ct_any{i}_{j}")
        wheres.append(f"[{key}] in (select cable_id from cable_tags where tag in ({', '.join(names)}))")
        human.append("tagged " + " or ".join(_tag_label(t) for t in tags))
    if table != "cables":
        for column in CABLE_COLUMNS:
            for i, value in enumerate(request.args.getlist(f"_cable_{column}")):
                name = f"cc_{column}{i}"
                params[name] = year_value(value) if column == "year" else value
                wheres.append(f"[{key}] in (select id from cables where [{column}] = :{name})")
                human.append(f'cable {column} is "{value}"')
    if not wheres:
        return None
    return FilterArguments(wheres, params=params, human_descriptions=human)
