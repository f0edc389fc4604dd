"""Entry points: pick a reader by file suffix and guarantee that only DocumentError escapes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from .docx import read_docx
from .html import HtmlMode, read_html
from .limits import DEFAULT_MAX_BYTES, check_is_file, read_file_bytes
from .markdown import read_markdown
from .model import Document, DocumentError
from .ocr import ReadHooks
from .pdf import read_pdf
from .plain import read_txt
from .quality import assess

Reader = Callable[[bytes, Path], Document]

_READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def read_document(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, password: str | None = None,
    hooks: ReadHooks | None = None, html_mode: HtmlMode = HtmlMode.MAIN,
) -> Document:
    """Read one file into a :class:`Document`; any failure is a :class:`DocumentError`.

    The filesystem is checked before the suffix so that a folder or a missing path gets that reason
    rather than "unsupported file type". ``password`` opens an encrypted PDF (other formats ignore it);
    without it such a PDF raises ``PasswordRequired``, with a wrong one ``WrongPassword``. ``hooks``
    report OCR progress page by page and can cancel it (``ReadCancelled``); only scanned PDFs use them.
    ``html_mode``: an HTML page's main content (default) or the whole page; other formats ignore it.
    """
    path = Path(path)
    check_is_file(path)
    reader = _reader_for(path.suffix, password, hooks, html_mode)
    return _run(reader, read_file_bytes(path, max_bytes), path)


def read_bytes(data: bytes, suffix: str, *, path: Path | None = None, password: str | None = None,
               hooks: ReadHooks | None = None, html_mode: HtmlMode = HtmlMode.MAIN) -> Document:
    """Same as :func:`read_document` for bytes already in memory; ``suffix`` may omit the dot.

    ``path`` is only recorded in the result (default: ``<memory>`` plus the suffix).
    """
    normalised = suffix if suffix.startswith(".") or not suffix else f".{suffix}"
    reader = _reader_for(normalised, password, hooks, html_mode)
    return _run(reader, bytes(data), path if path is not None else Path(f"<memory>{normalised.lower()}"))


def _reader_for(suffix: str, password: str | None = None, hooks: ReadHooks | None = None,
                html_mode: HtmlMode = HtmlMode.MAIN) -> Reader:
    reader = _READERS.get(suffix.lower())
    if reader is None:
        raise DocumentError(
            f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"
        )
    if reader is read_pdf and (password is not None or hooks is not None):
        return partial(read_pdf, password=password, hooks=hooks)
    if reader is read_html and html_mode is not HtmlMode.MAIN:
        return partial(read_html, mode=html_mode)
    return reader


def _run(reader: Reader, data: bytes, path: Path) -> Document:
    if not data:
        raise DocumentError("empty file")
    try:
        return assess(reader(data, path))
    except DocumentError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise DocumentError("file too complex to read (ran out of memory or nesting depth)") from exc
    except Exception as exc:
        # Last line of defence so one odd file never takes the batch (or the GUI) down. Readers map
        # every failure they know of; reaching this is a bug, and the fuzz tests look for this text.
        raise DocumentError(f"unexpected error while reading this file ({type(exc).__name__})") from exc
