"""Where a cable's routing header ends and its body begins, for the text formats.

Pages hold header and body in two `<pre>` blocks; every other format is one
text, split here at the classification line that opens the body.
"""
from __future__ import annotations

import re

from .base import trim

CLASSIFICATION_LINE = re.compile(
    r"(?:UNCLAS(?:SIFIED)?|U N C L A S(?: S I F I E D)?|C O N F I D E N T I A L|CONFIDENTIAL"
    r"|S E C R E T|SECRET|T O P S E C R E T|TOP SECRET|LIMITED OFFICIAL USE"
    r"|L I M I T E D O F F I C I A L U S E)\b")
ROUTING_LINE = re.compile(
    r"""(?:VZCZC\w*
      | [ZOPRM]{1,2}(?:\s+R[A-Z]{3,6})+                         # precedence + RIs
      | DE\s+R[A-Z]{3,6}\b.*
      | ZN[RY]\s.*
      | (?:[ZOPRM0]\s+){0,3}\d{6}\s?Z\s+[A-Z]{3}\s+\d{2}.*     # DTG
      | (?:FM|TO|INFO|ACTION|ORIGIN|XMT|BT|NNNN?)\b.*
      | R[A-Z]{3,6}/.*                                         # RI/station address
      | (?:AM(?:EMBASSY|CONSUL)|SECSTATE|USMISSION|USDEL|USEU|USNATO|USCINC\w*|CINC\w*)\b.*
      | PAGE\s+\d+\b.*
      | -{5,}.*
      | This\ record\ is\ a\ partial\ extract\b.*
    )\s*$""", re.X)
_PARTIAL_NOTICE_GLUED = re.compile(
    r"(The full text of the original cable is not available\.)[ \t]*(?=\S)")


def split_header_body(text: str) -> tuple[str, str]:
    """Split cable text into routing header and body.

    The header runs from the first line (VZCZC…, a DTG, FM, a partial-extract
    notice, or the old `CLASSIFICATION` + `PAGE 01` banner) up to, not
    including, the classification line that opens the body (`UNCLAS SECTION 01
    OF 18 …`, `C O N F I D E N T I A L …`).  Text that does not start with
    routing lines is all body.  If no classification line follows, the header
    is the leading run of routing lines.
    """
    text = _PARTIAL_NOTICE_GLUED.sub(r"\1\n", text)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", ""
    start = None  # where to begin looking for the body's classification line
    if ROUTING_LINE.match(lines[first].strip()):
        start = first + 1
    elif CLASSIFICATION_LINE.match(lines[first]):
        # 1970s layout: a bare classification banner, then "PAGE 01 …"
        nxt = next((i for i in range(first + 1, len(lines)) if lines[i].strip()), None)
        if nxt is not None and re.match(r"\s*PAGE\s+0*1\b", lines[nxt]):
            start = nxt + 1
    if start is None:
        return "", trim(text)
    for i in range(start, len(lines)):
        if CLASSIFICATION_LINE.match(lines[i]):
            return trim("\n".join(lines[:i])), trim("\n".join(lines[i:]))
    end = first
    while end < len(lines) and (not lines[end].strip() or ROUTING_LINE.match(lines[end].strip())):
        end += 1
    return trim("\n".join(lines[:end])), trim("\n".join(lines[end:]))
