"""Decode an extract's bytes to text without losing a row to one bad byte.

Order of decisions: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; else UTF-16 without a BOM is
recognised by its NUL pattern; else strict UTF-8 (the common clean file, one C call); else each
'\n'-line is decoded on its own: UTF-8 where it is valid, Windows-1252 where it is not. A file whose
every non-ASCII byte is invalid UTF-8 is simply a Windows-1252 file (the school log is written that
way) and nothing is marked; a file that mixes both has the lines decoded as Windows-1252 listed, so
the reader can mark their values (`mixed_encoding`). Bytes that no encoding defines become U+FFFD,
which the value checks mark (`undecodable_character`).
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_SAMPLE = 1 << 16


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as Windows-1252 (undefined bytes become U+FFFD)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error("chronolink-cp1252", _cp1252_fallback)


@dataclass
class Decoded:
    """Text of a file, the encoding it was read in, file-level notes and lines decoded by fallback."""

    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)
    fallback_lines: list[int] = field(default_factory=list)  # 0-based indices of '\n'-separated lines


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the NULs sit where ASCII text in UTF-16 puts them."""
    sample = data[:_UTF16_SAMPLE]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes, codec: str, notes: list[str]) -> str:
    if len(data) % 2:
        data = data[:-1]
        notes.append("odd trailing byte of a UTF-16 file dropped")
    text = data.decode(codec, errors="replace")
    if "\ufffd" in text:
        notes.append("invalid UTF-16 sequences replaced")
    return text


def _non_ascii(b: bytes) -> int:
    return len(b) - len(b.translate(None, bytes(range(128, 256))))


def decode_bytes(data: bytes) -> Decoded:
    """Decode extract bytes, deciding the encoding per line where a file mixes UTF-8 and Windows-1252."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return Decoded(_decode_utf16(data[2:], codec, notes), "utf-16", notes)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    else:
        guessed = _utf16_without_bom(data)
        if guessed is not None:
            notes.append(f"read as {guessed.upper()} (no byte-order mark)")
            return Decoded(_decode_utf16(data, guessed, notes), guessed, notes)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", notes)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="chronolink-cp1252")
    # Every fallback byte becomes one character; a valid UTF-8 sequence turns 2-4 bytes into one.
    # Equal counts mean no valid multi-byte UTF-8 at all: a plain Windows-1252 file.
    if len(text) - len(text.encode("ascii", errors="ignore")) == _non_ascii(data):
        if "\ufffd" in text:
            notes.append("bytes undefined in Windows-1252 replaced")
        return Decoded(text, "windows-1252", notes)
    fallback: list[int] = []
    for i, line in enumerate(data.split(b"\n")):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            fallback.append(i)
    notes.append(f"mixed encodings: {len(fallback)} lines read as Windows-1252, the rest as UTF-8")
    return Decoded(text, "mixed", notes, fallback)
