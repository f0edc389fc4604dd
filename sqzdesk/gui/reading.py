"""Parse a document off the GUI thread, with "OCR page 3 of 12" and Cancel while a scan is read.

A text file parses in milliseconds but a scanned PDF is read by OCR at seconds a page, so the parse runs
on a short-lived worker thread. The caller (opening a file) still gets the document back as a plain
return value: the GUI thread runs a local event loop until the worker is done, so the window keeps
painting and the engine's signals keep arriving meanwhile. A window-modal progress dialog appears at
the first OCR page (never for files with a text layer), so nothing else can be opened meanwhile; its
Cancel stops the read before the next page (:class:`~sqzdesk.documents.ocr.ReadCancelled`). Files dropped
during a read reach the window inside that local loop: it puts them in line rather than reading them
inside this read (``MainWindow.open_paths``), and a window closed meanwhile opens no tab.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from sqzdesk.documents.html import HtmlMode
from sqzdesk.documents.ocr import ReadHooks

if TYPE_CHECKING:
    from sqzdesk.batch.source import Source
    from sqzdesk.documents import Document


class DocumentReader(QObject):
    """Reads sources on worker threads for one window; ``shown`` keeps every progress line it showed."""

    page_started = Signal(int, int, int)  # done, total, page number: OCR of page ``done + 1`` of ``total``
    shown_line = Signal(str)  # on the GUI thread, once the dialog shows the line
    _finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self._stop = threading.Event()
        self.dialog: QProgressDialog | None = None
        self.shown: list[str] = []
        self.page_started.connect(self._on_page)  # emitted on the worker thread: queued to this one

    def read(self, source: Source, password: str | None = None, html_mode: HtmlMode = HtmlMode.MAIN) -> Document:
        """The source's document, parsed on a worker thread; raises what the parse raises. ``html_mode``: an
        HTML page's article (default) or the whole page."""
        self._stop.clear()
        outcome: dict[str, object] = {}
        loop = QEventLoop()
        self._finished.connect(loop.quit)

        def body() -> None:
            try:
                outcome["document"] = source.document(password, self._hooks(), html_mode=html_mode)
            except BaseException as exc:  # handed to the GUI thread, raised there
                outcome["error"] = exc
            finally:
                self._finished.emit()

        self._name = source.path.name
        worker = threading.Thread(target=body, name="sqzdesk-read", daemon=True)
        worker.start()
        try:
            loop.exec()
        finally:
            self._finished.disconnect(loop.quit)
            worker.join()
            self._close_dialog()
        error = outcome.get("error")
        if isinstance(error, BaseException):
            raise error
        return outcome["document"]  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the read in progress before its next OCR page (safe from any thread)."""
        self._stop.set()

    def _hooks(self) -> ReadHooks:
        return ReadHooks(progress=self.page_started.emit, should_stop=self._stop.is_set)

    @Slot(int, int, int)
    def _on_page(self, done: int, total: int, page: int) -> None:
        if self.dialog is None:
            self.dialog = QProgressDialog(f"Reading {self._name}…", "Cancel", 0, total, self._parent)
            self.dialog.setWindowTitle("Reading a scanned document")
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(0)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.cancel)
        text = (f"{self._name}: OCR page {done + 1} of {total}" if done < total
                else f"{self._name}: OCR done ({total} page{'s' if total != 1 else ''})")
        self.shown.append(text)
        self.dialog.setLabelText(text)
        self.dialog.setValue(done)
        self.dialog.show()
        self.shown_line.emit(text)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
