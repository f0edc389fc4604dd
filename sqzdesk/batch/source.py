"""One file's bytes, read once: hashed for the result store and parsed from the same bytes.

Reading once matters: if the hash and the parse read the file separately, a file saved between the two
would store results under the hash of content that was never analysed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.documents import DEFAULT_MAX_BYTES, Document, DocumentError, read_bytes
from sqzdesk.documents.html import HtmlMode
from sqzdesk.documents.limits import read_file_bytes
from sqzdesk.documents.ocr import ReadHooks


@dataclass(frozen=True)
class Source:
    path: Path
    sha256: str
    data: bytes

    def document(self, password: str | None = None, hooks: ReadHooks | None = None,
                 html_mode: HtmlMode = HtmlMode.MAIN) -> Document:
        """The parsed document; raises DocumentError (one-line reason) like ``read_document``.

        ``password`` opens an encrypted PDF; it is an argument rather than a field so it is never kept
        with the bytes (or in anything that records a Source). ``hooks`` report and cancel OCR of a scan.
        """
        return read_bytes(self.data, self.path.suffix, path=self.path, password=password, hooks=hooks,
                          html_mode=html_mode)


def load_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read and hash a file; raises DocumentError for missing, unreadable, special or oversized files."""
    data = read_file_bytes(Path(path), max_bytes)
    return Source(Path(path), hashlib.sha256(data).hexdigest(), data)


def text_if_unchanged(path: Path, sha256: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """The document's text if the file still has this content, else None.

    Exports (highlighted report, redacted text) re-read files after the run; stored offsets are only
    valid for the exact bytes that were analysed, so a changed or vanished file gives no text.
    """
    if sha256 is None:
        return None
    try:
        source = load_source(path, max_bytes)
        return source.document().text if source.sha256 == sha256 else None
    except DocumentError:
        return None
