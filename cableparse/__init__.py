"""cableparse: US diplomatic cables into a searchable SQLite archive.

The package follows the data: `readers` find the cables in pages, CSV and text;
`parsing` reads each one with the Lark grammar into the `model`; `archive`
writes it to SQLite; `site` publishes the archive as a Datasette plugin.
Scripts use `cableparse.parse(text, id=None)`; `cableparse ingest` builds the
archive; `cableparse serve` (or plain `datasette archive.db`) publishes it.
"""
from .model import Cable, Paragraph, Recipient, Reference
from .parsing import parse, parse_raw
from .readers import iter_inputs

__all__ = ["parse", "parse_raw", "iter_inputs", "Cable", "Paragraph", "Recipient", "Reference"]
__version__ = "0.1.0"
