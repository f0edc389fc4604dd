"""Main window: opened documents as tabs, read-only text (the analysis views arrive with the workspace)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QPlainTextEdit, QTabWidget

from sqzdesk.documents import DocumentError, read_document


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("sqzdesk")
        self.resize(1000, 700)
        self.tabs = QTabWidget(tabsClosable=True)
        self.tabs.tabCloseRequested.connect(self.tabs.removeTab)
        self.setCentralWidget(self.tabs)
        open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._choose)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(open_action)
        menu.addAction(quit_action)
        self.statusBar().addPermanentWidget(QLabel("offline"))

    def _choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open documents", "", "Documents (*.txt *.md *.html *.htm *.pdf *.docx);;All files (*)")
        for p in paths:
            self.open_path(p)

    def open_path(self, path: str | Path) -> bool:
        try:
            doc = read_document(path)
        except DocumentError as exc:
            QMessageBox.warning(self, "Cannot open", f"{path}: {exc}")
            return False
        view = QPlainTextEdit(doc.text, readOnly=True)
        self.tabs.setCurrentIndex(self.tabs.addTab(view, Path(path).name))
        return True
