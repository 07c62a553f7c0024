"""From cable text to a `Cable`: the Lark grammar, page furniture, fields and references.

`parse` and `parse_raw` (parser.py) are the entry points; grammar.py loads the
`.lark` files, furniture.py removes page breaks, transform.py turns the parse
into the cable's parts, fields.py and refs.py read single fields.
"""
from .parser import build_cable, normalise_id, parse, parse_raw

__all__ = ["build_cable", "normalise_id", "parse", "parse_raw"]
