"""Bytes to text: UTF-8 first, then the legacy code pages old cables were saved in.

Every reader decodes through here, so a file decodes the same whatever its format.
"""
from __future__ import annotations

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
    """Bytes to text with LF newlines; raises BinaryDataError for binary data.

    UTF-8 first (most pages and the CSV).  Otherwise the cables are old
    Windows/ISO-8859 text, where charset-normalizer tends to guess cp1250 from a
    handful of `¶` bytes; so unless it sees a non-Latin script, cp1252 wins
    (it maps 0x80-0x9F to real quotes and dashes), and latin-1, which never
    fails, is the last resort.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return normalise_newlines(data.decode("utf-16", errors="replace"))
    if b"\x00" in data[:_BINARY_PROBE]:
        raise BinaryDataError("binary file, expected cable text, HTML or CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return normalise_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return decode_legacy(data, guess_encoding(data))


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
