"""Plain-text reader: the decoded text is the document."""

from __future__ import annotations

from pathlib import Path

from .decoding import decode_text
from .model import Document


def read_txt(data: bytes, path: Path) -> Document:
    """Decode ``data`` (see :func:`decode_text`); no markup to remove."""
    return Document(path=path, text=decode_text(data), format="txt")
