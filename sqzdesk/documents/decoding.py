"""Bytes -> str for the text-like formats (txt, md, html), shared so they agree on every edge case.

Order of evidence, strongest first: a byte-order mark, an encoding the file declares itself (HTML
``<meta charset>``) if the bytes actually fit it, strict UTF-8, and only then charset-normalizer's
statistical guess. A file whose decoded text is largely control characters is binary that happens to
carry a text suffix.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from .model import DocumentError

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Without a BOM, wide encodings are only believable through the NUL-byte pattern checked below;
# letting charset-normalizer pick them for short single-byte text turns "café" into CJK.
_WIDE_ENCODINGS = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]

# Control characters that do not occur in real text (tab, newlines, form feed and ESC, which
# coloured logs use, are allowed), optionally with U+FFFD from undecodable bytes.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_CONTROLS_OR_REPLACEMENT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
# Binary pushed through a single-byte codec shows 10-25 % such characters; real text well under 1 %.
_MAX_NON_TEXT_RATIO = 0.10
_SNIFF_BYTES = 4096
# How much more "mess" (charset-normalizer's chaos, 0..1) windows-1252 may show than the best guess and
# still be preferred; measured French/Portuguese samples needed up to 0.1.
_WESTERN_MARGIN = 0.15


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode a text file's bytes and normalise newlines to ``"\\n"``.

    ``declared`` is an encoding label found inside the file itself; unknown labels are ignored.
    Raises :class:`DocumentError` ("binary data, not text") when the bytes are not text.
    """
    text, exact = _decode(data, declared)
    # U+FFFD only signals binary when the decoder put it there; valid UTF-8 may contain it as text.
    suspicious = _CONTROLS if exact else _CONTROLS_OR_REPLACEMENT
    if text and len(suspicious.findall(text)) > _MAX_NON_TEXT_RATIO * len(text):
        raise DocumentError("binary data, not text")
    return normalise_newlines(text.replace("\x00", ""))


def normalise_newlines(text: str) -> str:
    """Windows and old-Mac line ends become ``"\\n"`` so offsets do not depend on the platform."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, declared: str | None) -> tuple[str, bool]:
    """The decoded text, and whether it decoded exactly (no byte had to be replaced)."""
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], bom_encoding)
    if b"\x00" in data:
        wide = _sniff_utf16(data)
        if wide is None:
            raise DocumentError("binary data, not text")
        return _decode_as(data, wide)
    encoding = _usable_declared(declared)
    if encoding is not None:
        try:
            return data.decode(encoding), True
        except UnicodeDecodeError:
            pass  # a wrong declaration, typically "utf-8" on a windows-1252 page: detect instead
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    return _guess(data), False


def _decode_as(data: bytes, encoding: str) -> tuple[str, bool]:
    try:
        return data.decode(encoding), True
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace"), False


def _sniff_utf16(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 (Windows tools write it): mostly-ASCII text has a NUL in every
    other byte, on the even side for big-endian and the odd side for little-endian."""
    head = data[:_SNIFF_BYTES]
    half = len(head) // 2
    if half == 0:
        return None
    even_nuls = head[0::2].count(0) / half
    odd_nuls = head[1::2].count(0) / half
    if odd_nuls >= 0.4 and even_nuls <= 0.05:
        return "utf-16-le"
    if even_nuls >= 0.4 and odd_nuls <= 0.05:
        return "utf-16-be"
    return None


def _usable_declared(declared: str | None) -> str | None:
    """Map a declared label to a Python codec the way browsers do, or ``None`` if unusable."""
    if not declared:
        return None
    try:
        name = codecs.lookup(declared.strip()).name
    except (LookupError, ValueError):
        return None
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a BOM-less page cannot really be UTF-16; browsers read it as UTF-8 too
    if name in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"  # the WHATWG encoding standard treats these labels as windows-1252
    return name


def _guess(data: bytes) -> str:
    """charset-normalizer's best guess, with a prior for windows-1252.

    On short Western text charset-normalizer is unreliable (French comes out as cp1257 or cp1250,
    "Très bien" as Big5). Windows-1252 is by far the most common legacy encoding of the documents
    this app sees, so it wins whenever charset-normalizer finds it nearly as plausible as its own
    pick. Text in other scripts is unaffected: read as windows-1252 it is too messy to qualify. The
    price is that a very short Turkish or Baltic snippet may be read as windows-1252.
    """
    best = charset_normalizer.from_bytes(data, cp_exclusion=_WIDE_ENCODINGS).best()
    western = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or western.chaos <= best.chaos + _WESTERN_MARGIN):
        return data.decode("cp1252", errors="replace")
    if best is None:
        raise DocumentError("binary data, not text")
    return data.decode(best.encoding, errors="replace")
