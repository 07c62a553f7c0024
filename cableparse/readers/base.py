"""What every reader hands out: a `RawCable`, or an `InputError` that keeps the input.

Readers never raise for bad content, so one bad file cannot stop an ingest of
thousands: whatever cannot be read as a cable becomes an `InputError` that the
archive stores whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Union

from ..model import RawCable


@dataclass
class InputError:
    """Input that could not be read as a cable, kept with its text so nothing is lost.

    `line`/`column` are 1-based; both are 0 when no position applies (a missing
    path, a binary file).  `format` is the reader that gave up ("csv", "plusd",
    …) or "unknown".
    """

    source: str
    line: int
    column: int
    message: str
    raw: str
    format: str


Item = Union[RawCable, InputError]


def input_error(source: str, message: str, raw: str = "", fmt: str = "unknown",
                line: int = 1, column: int = 1) -> InputError:
    return InputError(source=source, line=line, column=column, message=message,
                      raw=raw, format=fmt)


def trim(text: str) -> str:
    """Drop blank lines at both ends (keeping the first line's indentation)."""
    return re.sub(r"\A(?:[ \t\f\v]*\n)+", "", text).rstrip()


@dataclass(frozen=True)
class Reader:
    """One input format read whole: whether it `recognises` an input, and how to `read` it.

    `recognises(source, text)` is cheap and decides which reader takes the input
    (the first in `readers.WHOLE_TEXT_READERS` that says yes); `read(source, text)`
    yields the cables, or an InputError when the input is of this format but broken.
    """

    name: str
    recognises: Callable[[str, str], bool]
    read: Callable[[str, str], Iterator[Item]]
