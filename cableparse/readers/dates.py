"""The date forms the sources write, as one `YYYY-MM-DD HH:MM` form."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

# 2007-03-07 16:52 (pages), 12/28/1966 18:48 (cables.csv), 17 MAY 1974 (plusd),
# Wed Nov 20 00:00:00 2002 (another converter; its time zone is dropped below).
_FORMATS = (
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y",
    "%d %b %Y", "%d %B %Y",
    "%a %b %d %H:%M:%S %Y",
)
_ZONE = re.compile(r"(?<=:\d\d) (?:[+-]\d{4}|[A-Z]{3,4})(?= \d{4}$)")


def normalise_date(value: Optional[str]) -> Optional[str]:
    """Any date form the sources use -> 'YYYY-MM-DD HH:MM' (None if unreadable).

    A time zone is kept as written, not converted: the archives record local times.
    """
    if not value:
        return None
    v = _ZONE.sub("", " ".join(value.split()))
    for fmt in _FORMATS:
        try:
            return datetime.strptime(v, fmt).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    return None
