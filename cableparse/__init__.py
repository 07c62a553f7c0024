"""cableparse: US diplomatic cables into a searchable SQLite archive.

Scripts use `cableparse.parse(text, id=None)`; `cableparse ingest` builds the
archive; `cableparse serve` publishes it with Datasette.
"""
from .model import Cable, Paragraph, Recipient, Reference
from .parser import parse, parse_raw
from .sources import iter_inputs

__all__ = ["parse", "parse_raw", "iter_inputs", "Cable", "Paragraph", "Recipient", "Reference"]
__version__ = "0.1.0"
