"""The window's review commands over the result store: a redacted copy of the open document, the store
view ("People and places across the store"), Tools -> Result store info and Tools -> Forget, and each
finished analysis stored as a batch file would be.

A base of :class:`~sqzdesk.gui.main_window.MainWindow`, apart so the window's module keeps to documents,
settings and the engine. What it needs of the window is declared below (the window sets or defines it);
the store connection is the window's one (review decisions are written on the GUI thread, see
:mod:`sqzdesk.gui.review`), and whole-store work (an export's read and write, Forget's compaction) runs on
the window's :class:`~sqzdesk.gui.background.Background` threads.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.store import ResultStore, StoreError
from sqzdesk.gui.docks import add_dock, raise_dock
from sqzdesk.gui.forget_dialog import ForgetChoice, ForgetDialog, ForgetScope, info_text, report_text
from sqzdesk.gui.redact_dialog import RedactChoice, RedactDialog

if TYPE_CHECKING:
    from sqzdesk.batch.redacted_export import ExportedFile
    from sqzdesk.batch.store import ForgetReport
    from sqzdesk.gui.background import Background
    from sqzdesk.gui.batch_panel import BatchPanel
    from sqzdesk.gui.document_tab import DocumentTab
    from sqzdesk.gui.settings import Settings
    from sqzdesk.gui.store_view import StoreView
    from sqzdesk.gui.worker import AnalysisResult, ModelStatus


class ReviewActions(QMainWindow):
    """Export redacted, the store view, store info and Forget: the window's commands over the store."""

    # set by the window
    settings: Settings
    models: ModelStatus | None
    background: Background
    results: ResultStore | None
    results_path: Path
    results_error: str
    forget_action: QAction
    last_export: ExportedFile | None
    last_forget: ForgetReport | None
    _batch: BatchPanel | None
    _store_view: StoreView | None

    def current_tab(self) -> DocumentTab | None:
        raise NotImplementedError

    def all_tabs(self) -> list[DocumentTab]:
        raise NotImplementedError

    def open_path(self, path: str | Path) -> bool:
        raise NotImplementedError

    def export_redacted(self) -> None:
        """File -> Export redacted: the current tab's entities with its decisions, through the same
        export as ``sqzdesk redact`` (a file changed since it was opened is refused)."""
        tab = self.current_tab()
        if tab is None:
            self.statusBar().showMessage("Open a document to export a redacted copy of it", 5000)
            return
        if tab.analysis is None:
            QMessageBox.information(self, "Export redacted", "The analysis of this document has not finished: "
                                    "wait for it (or press F5) before exporting a redacted copy.")
            return
        folder = str(tab.document.path.resolve().parent / "redacted")
        dialog = RedactDialog(self, what=str(tab.document.path), folder=folder)
        if dialog.exec():
            self.start_export(tab, dialog.choice())

    def start_export(self, tab: DocumentTab, choice: RedactChoice) -> None:
        """Read the file again (it must still have the content analysed), redact, write the copy and its
        audit: on a worker thread (a DOCX rewrite takes a moment)."""
        from sqzdesk.batch.redacted_export import export_redacted, load_input, output_name
        from sqzdesk.batch.redaction import Pseudonyms

        path, sha = tab.document.path, tab.sha256
        entities = tuple(tab.analysis.entities) if tab.analysis is not None else tuple(tab.entities)
        decisions = tab.reviewed_decisions()
        models = self.models
        versions = ({"models": "; ".join(f"{task}={models.label(task)}" for task in ("sentiment", "entities"))}
                    if models is not None else {})
        max_bytes = self.settings.max_bytes

        def work() -> ExportedFile:
            item = load_input(path, entities, decisions, sha256=sha, max_bytes=max_bytes)
            return export_redacted(item, choice.folder / output_name(path, [path]), choice.settings, Pseudonyms(),
                                   versions)

        self.statusBar().showMessage(f"Exporting a redacted copy of {path.name}…")
        self.background.run(work, self._exported, name="sqzdesk-export")

    def _exported(self, exported: ExportedFile | None, error: BaseException | None) -> None:
        if error is not None or exported is None:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self.statusBar().showMessage(f"Not exported: {reason}", 10_000)
            QMessageBox.warning(self, "Export redacted", f"Not exported: {reason}")
            return
        self.last_export = exported
        note = f" ({exported.note})" if exported.note else ""
        stale = f"; {len(exported.plan.stale)} stale decision(s) not applied" if exported.plan.stale else ""
        self.statusBar().showMessage(f"Redacted copy written: {exported.target} ({len(exported.plan.spans)} "
                                     f"span(s) replaced{stale}), audit beside it{note}", 15_000)

    def store_view(self) -> StoreView:
        """The "People and places across the store" dock, made on first use."""
        if self._store_view is None:
            from sqzdesk.gui.store_view import StoreView

            self._store_view = StoreView(self.results_path, self)
            self._store_view.open_requested.connect(self.open_at)
            dock = add_dock(self, self._store_view, "People and places across the store", "store-dock",
                            Qt.DockWidgetArea.BottomDockWidgetArea)
            batch_dock = self._batch.parentWidget() if self._batch is not None else None
            if isinstance(batch_dock, QDockWidget):
                self.tabifyDockWidget(batch_dock, dock)  # one strip under the text, not two
        return self._store_view

    def show_store_view(self) -> None:
        view = self.store_view()
        raise_dock(view)
        view.refresh()
        view.text_filter.setFocus()

    def open_at(self, path: Path, start: int, end: int) -> None:
        """Open a document (or go to its tab) and select [start, end) in it."""
        if not self.open_path(path):
            return
        tab = self.current_tab()
        if tab is not None and 0 <= start < end <= len(tab.document.text):
            tab.view.mark_spans([(start, end)])
            tab.view.select_span(start, end)
            tab.view.setFocus()

    def _store_changed(self) -> None:
        """A batch finished or something was forgotten: an open store view reads the store again."""
        if self._store_view is not None and self._store_view.isVisible():
            self._store_view.refresh()

    def show_store_info(self) -> None:
        if self.results is None:
            QMessageBox.warning(self, "Result store", f"The result store cannot be used: {self.results_error}")
            return
        try:
            text = info_text(self.results.info())
        except (OSError, StoreError) as exc:
            text = f"<b>Result store:</b> <code>{self.results_path}</code><br>Cannot read it: {exc}"
        QMessageBox.information(self, "Result store", text + "<p>Tools → Forget… removes a document, a "
                                "folder's results or everything.</p>")

    def forget(self) -> None:
        """Tools -> Forget: choose, confirm, then remove and compact on a worker thread."""
        tab = self.current_tab()
        info = None
        if self.results is not None:
            with contextlib.suppress(OSError, StoreError):
                info = self.results.info()
        dialog = ForgetDialog(info, self.results_path, tab.document.path if tab else None, parent=self)
        if not dialog.exec():
            return
        choice = dialog.choice()
        answer = QMessageBox.question(self, "Forget", f"Remove {choice.describe()} from the result store? "
                                      "This cannot be undone.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.start_forget(choice)

    def start_forget(self, choice: ForgetChoice) -> None:
        path = self.results_path

        def work() -> ForgetReport:
            with ResultStore(path) as store:
                if choice.scope is ForgetScope.EVERYTHING or choice.path is None:
                    return store.forget_all()
                return store.forget([choice.path])

        self.forget_action.setEnabled(False)
        self.statusBar().showMessage("Forgetting and compacting the result store…")
        self.background.run(work, lambda report, error: self._forgotten(choice, report, error), name="sqzdesk-forget")

    def _forgotten(self, choice: ForgetChoice, report: ForgetReport | None, error: BaseException | None) -> None:
        self.forget_action.setEnabled(True)
        self.statusBar().clearMessage()
        if error is not None or report is None:
            QMessageBox.warning(self, "Forget", f"Nothing was removed: {error}")
            return
        self.last_forget = report
        for tab in self.all_tabs():
            tab.reload_review()  # a forgotten document's decisions are gone from its tab too
        self._store_changed()
        QMessageBox.information(self, "Forget", report_text(choice, report))

    def _store_result(self, tab: DocumentTab, result: AnalysisResult) -> None:
        """A document analysed in a tab goes into the result store as a batch file would (same key: the
        models, pattern types, rules and HTML reading), so "People and places across the store", the
        store's exports and a later batch over its folder (which reuses it) include it."""
        if self.results is None or tab.sha256 is None or not result.key:
            return
        try:
            self.results.put(FileResult(tab.document.path, tab.sha256, result.analysis, seconds=result.seconds,
                                        analysed_at=time.time()), result.key)
        except (OSError, StoreError) as exc:
            self.statusBar().showMessage(f"The analysis of {tab.title} was not stored: {exc}", 10_000)
            return
        self._store_changed()
