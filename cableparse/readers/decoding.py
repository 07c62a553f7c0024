"""Bytes to text: UTF-8 first, then the legacy code pages old cables were saved in.

Every reader decodes through here, so a file decodes the same whatever its format.
"""
from __future__ import annotations

from typing import Optional

from charset_normalizer import from_bytes


class BinaryDataError(ValueError):
    """Raised by `decode` for data that is not text at all."""


_BINARY_PROBE = 8192
# Scripts for which charset-normalizer's guess beats cp1252.
_NON_LATIN = ("Cyrillic", "Greek", "Hebrew", "Arabic", "Thai", "CJK", "Hiragana",
              "Katakana", "Hangul", "Devanagari", "Armenian", "Georgian")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """Bytes to text with LF newlines; raises BinaryDataError for binary data (see decode_noted)."""
    return decode_noted(data)[0]


def _utf8_lines(data: bytes) -> Optional[tuple[str, str]]:
    """(text, note) for UTF-8 text with a few lines that are not: those lines alone in a
    legacy code page, so one stray byte does not re-decode the whole file. None when
    nothing in the data is UTF-8 beyond ASCII (then it is a legacy file throughout)."""
    lines = data.split(b"\n")
    decoded: list[Optional[str]] = []
    multibyte = False
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            decoded.append(None)
            continue
        multibyte = multibyte or not text.isascii()
        decoded.append(text)
    if not multibyte:
        return None
    bad = [line for line, text in zip(lines, decoded) if text is None]
    encoding = guess_encoding(b"\n".join(bad))
    text = "\n".join(text if text is not None else decode_legacy(line, encoding)
                     for line, text in zip(lines, decoded))
    where = [str(i) for i, t in enumerate(decoded, 1) if t is None]
    shown = ", ".join(where[:10]) + (" …" if len(where) > 10 else "")
    note = (f"{len(bad)} line{'s' if len(bad) != 1 else ''} not valid UTF-8 (line {shown}): "
            f"read as {encoding}, the rest as UTF-8")
    return normalise_newlines(text), note


def decode_noted(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text with LF newlines, and what was unusual about the decoding.

    Raises BinaryDataError for binary data.

    UTF-8 first (most pages and the CSV); UTF-8 with a few bad lines is read line
    by line (noted).  Otherwise the cables are old
    Windows/ISO-8859 text, where charset-normalizer tends to guess cp1250 from a
    handful of `¶` bytes; so unless it sees a non-Latin script, cp1252 wins
    (it maps 0x80-0x9F to real quotes and dashes), and latin-1, which never
    fails, is the last resort.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return normalise_newlines(data.decode("utf-16", errors="replace")), []
    if b"\x00" in data[:_BINARY_PROBE]:
        raise BinaryDataError("binary file, expected cable text, HTML or CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return normalise_newlines(data.decode("utf-8")), []
    except UnicodeDecodeError:
        pass
    mixed = _utf8_lines(data)
    if mixed is not None:
        return mixed[0], [mixed[1]]
    return decode_legacy(data, guess_encoding(data)), []


def decode_legacy(data: bytes, encoding: str) -> str:
    for enc in (encoding, "cp1252", "latin-1"):
        try:
            return normalise_newlines(data.decode(enc))
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 cannot fail")  # pragma: no cover


def guess_encoding(data: bytes) -> str:
    """cp1252 unless charset-normalizer sees a non-Latin script."""
    encoding = "cp1252"
    try:
        sample = data[:65536]
        best = from_bytes(sample).best()
        # a few stray high bytes say nothing about the script; demand some text
        if (best is not None and sum(b > 0x7F for b in sample) >= 32
                and any(a.startswith(_NON_LATIN) for a in best.alphabets)):
            encoding = best.encoding
    except Exception:  # detection is a nicety; never let it stop a read
        pass
    return encoding


def text_of(data: bytes) -> str:
    """decode() for side files, where binary junk should not stop the read."""
    try:
        return decode(data)
    except BinaryDataError:
        return normalise_newlines(data.decode("latin-1"))
