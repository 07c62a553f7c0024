"""Facets Datasette cannot do by itself: a cable's tags, and a paragraph's cable.

`tags` counts rows per tag through `cable_tags` (the design measured at ~100 ms
on the full release, where an array facet on cables.tags times out). `cable`
counts paragraphs by a column of their cable (origin, year, classification).
`counted` groups paragraphs by their mark or normalised section (section_key,
shown by its label). With no filter at all they read precomputed counts
(tags.cables, tags.paragraphs, cables.paragraph_count, paragraph_facets)
instead of joining or grouping every row. Selecting a value adds the matching
filter from filters.py (`_tag`, `_cable_origin`, ...) or Datasette's own
(`section_key=prevention`).
"""
from __future__ import annotations

import re

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from ..archive.tagdict import describe
from .filters import CABLE_COLUMNS, CABLE_KEY

_WHERE = re.compile(r"\bwhere\b", re.IGNORECASE)


class _CrossFacet(Facet):
    """Shared plumbing: run one grouping query per configured facet, build toggle links."""

    param = None  # query-string parameter a selected value becomes

    def _param(self, config) -> str:
        return self.param

    def _label(self, config, value) -> str:
        return str(value)

    def _name(self, config) -> str:
        raise NotImplementedError

    def _sql(self, config, limit: int) -> str | None:
        raise NotImplementedError

    def _unfiltered(self) -> bool:
        return not _WHERE.search(self.sql)

    async def facet_results(self):
        results, timed_out = [], []
        if self.table not in CABLE_KEY:
            return results, timed_out
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            name = self._name(config)
            sql = self._sql(config, size + 1)
            if sql is None:
                continue
            try:
                rows = await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(name)
                continue
            param = self._param(config)
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                selected = (param, value) in pairs
                if selected:
                    path = path_with_removed_args(self.request, {param: value})
                else:
                    path = path_with_added_args(self.request, {param: value})
                values.append({
                    "value": row["value"],
                    "label": self._label(config, row["value"]),
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                })
            key = f"_facet_{self.type}"
            results.append({
                "name": name,
                "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {key: config["simple"]})),
                "results": values,
                "truncated": len(rows) > size,
            })
        return results, timed_out


class TagFacet(_CrossFacet):
    """Rows per tag of their cable; a cable with n tags counts under each of them."""

    type = "tags"

    def _param(self, config) -> str:
        # cable_tags has the tag as its own column: filter it directly
        return "tag" if self.table == "cable_tags" else "_tag"

    def _name(self, config) -> str:
        return "tag" if self.table in ("cables", "cable_tags") else "cable tag"

    def _label(self, config, value) -> str:
        _kind, description = describe(str(value))
        return f"{value} · {description}" if description else str(value)

    def _sql(self, config, limit):
        key = escape_sqlite(CABLE_KEY[self.table])
        # cable_tags has one row per cable and tag, so unfiltered its tag counts are tags.cables
        if self._unfiltered() and self.table in ("cables", "cable_tags"):
            return (f"select code as value, cables as count from tags where cables > 0 "
                    f"order by count desc, value limit {limit}")
        if self._unfiltered() and self.table == "paragraphs":
            return (f"select code as value, paragraphs as count from tags where paragraphs > 0 "
                    f"order by count desc, value limit {limit}")
        if self.table == "cable_tags":
            return (f"select tag as value, count(*) as count from ({self.sql}) "
                    f"group by tag order by count desc, value limit {limit}")
        return (f"select ct.tag as value, count(*) as count "
                f"from (select {key} as cable_id from ({self.sql})) f "
                f"join cable_tags ct on ct.cable_id = f.cable_id "
                f"group by ct.tag order by count desc, value limit {limit}")


class CableFacet(_CrossFacet):
    """Rows (paragraphs, sections, refs) by a column of the cable they belong to."""

    type = "cable"

    def _param(self, config) -> str:
        return f"_cable_{config['simple']}"

    def _name(self, config) -> str:
        return f"cable {config['simple']}"

    def _sql(self, config, limit):
        column = config["simple"]
        if column not in CABLE_COLUMNS or self.table == "cables":
            return None
        col = escape_sqlite(column)
        key = escape_sqlite(CABLE_KEY[self.table])
        if self._unfiltered() and self.table == "paragraphs":
            return (f"select {col} as value, sum(paragraph_count) as count from cables "
                    f"where {col} is not null group by {col} "
                    f"order by count desc, value limit {limit}")
        return (f"select c.{col} as value, count(*) as count "
                f"from (select {key} as cable_id from ({self.sql})) f "
                f"join cables c on c.id = f.cable_id where c.{col} is not null "
                f"group by c.{col} order by count desc, value limit {limit}")


class CountedFacet(_CrossFacet):
    """Paragraphs by mark (classification) or normalised section (section_key), from
    paragraph_facets when unfiltered; sections are shown by their label."""

    type = "counted"
    COLUMNS = ("classification", "section_key")

    def _param(self, config) -> str:
        return config["simple"]

    def _name(self, config) -> str:
        return {"section_key": "section"}.get(config["simple"], config["simple"])

    def _label(self, config, value) -> str:
        return self._labels.get(str(value), str(value))

    async def facet_results(self):
        self._labels = {}
        db = self.ds.get_database(self.database)
        # an archive made before section_key and paragraph_facets (served before `migrate`)
        self._has_counts = await db.table_exists("paragraph_facets")
        self._has_key = "section_key" in await db.table_columns("paragraphs") if self.table == "paragraphs" else False
        results, timed_out = await super().facet_results()
        keys = [v["value"] for r in results if r["name"] == "section" for v in r["results"]]
        if keys:
            marks = ", ".join(f":k{i}" for i in range(len(keys)))
            try:
                rows = (await self.ds.execute(
                    self.database, f"select value, label from paragraph_facets "
                    f"where facet = 'section_key' and value in ({marks})",
                    {f"k{i}": k for i, k in enumerate(keys)})).rows
                self._labels = {r[0]: r[1] for r in rows}
            except Exception:  # noqa: BLE001 - an archive made before paragraph_facets
                self._labels = {}
            for r in results:
                if r["name"] == "section":
                    for v in r["results"]:
                        v["label"] = self._labels.get(str(v["value"]), str(v["value"]))
        return results, timed_out

    def _sql(self, config, limit):
        column = config["simple"]
        if self.table != "paragraphs" or column not in self.COLUMNS:
            return None
        if column == "section_key" and not self._has_key:
            return None
        col = escape_sqlite(column)
        if self._unfiltered() and self._has_counts:
            return (f"select value, paragraphs as count from paragraph_facets "
                    f"where facet = '{column}' order by count desc, value limit {limit}")
        return (f"select {col} as value, count(*) as count from ({self.sql}) "
                f"where {col} is not null group by {col} order by count desc, value limit {limit}")
