"""Readers that turn txt, md, html, pdf and docx files into plain text with page numbers.

Every failure surfaces as one :class:`DocumentError` whose message is a single human-readable line,
so a folder full of odd files produces a list of reasons, never a crash or a hang.
"""

from .limits import DEFAULT_MAX_BYTES
from .model import Document, DocumentError, Page, Part, PartKind, PasswordRequired, TextQuality, WrongPassword
from .registry import SUPPORTED_SUFFIXES, read_bytes, read_document

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "Document",
    "DocumentError",
    "Page",
    "Part",
    "PartKind",
    "PasswordRequired",
    "TextQuality",
    "WrongPassword",
    "read_bytes",
    "read_document",
]
