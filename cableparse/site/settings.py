"""How the archive is published: the site's files and the Datasette settings, in one place.

`cableparse serve` (cli.datasette_args) and the tests both start Datasette with
these, so the site the tests check is the site people get.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
METADATA = HERE / "metadata.json"
TEMPLATES = HERE / "templates"
# The plugin's name in Datasette's configuration: {"plugins": {"cableparse": {"read_only": true}}}
PLUGIN_NAME = "cableparse"

# Measured at full scale (shared notes): suggested facets cost 0.7-0.9 s a page;
# the cable_tags facet takes ~105 ms, too near the 200 ms default to be safe on
# a busy machine, and a facet past its limit silently disappears. One heavy
# query may run 3 s before it is cut off, so it cannot starve the others.
SETTINGS = {
    "suggest_facets": "off",
    "facet_time_limit_ms": "1000",
    "sql_time_limit_ms": "3000",
    "default_facet_size": "15",
    "max_returned_rows": "1000",
    # a streamed CSV (`?_stream=on`) stops at this size instead of sending a whole table
    "max_csv_mb": "20",
    "allow_download": "off",
}

# Marks around the matching words in FTS5 snippet(): characters that never
# occur in cable text, turned into <mark> after the snippet has been escaped.
HIT_START, HIT_END = "\u27e6", "\u27e7"  # ⟦ ⟧
