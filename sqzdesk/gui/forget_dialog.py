"""Tools -> Forget… and Tools -> Store info: where the result store is, and removing what it holds.

The store holds entity texts and the analyst's decisions, i.e. personal data; the dialog says where it is
(the same file ``sqzdesk store info`` names) and what it holds, and removes a document, a folder's
results or everything (:meth:`~sqzdesk.batch.store.ResultStore.forget`: the rows, any copy with the same
content, then VACUUM and a WAL truncate). The window asks for confirmation and runs the removal off the
GUI thread: compacting a large store takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.batch.store import ForgetReport, StoreInfo
from sqzdesk.gui.file_dialogs import choose_folder


class ForgetScope(StrEnum):
    DOCUMENT = "document"
    FOLDER = "folder"
    EVERYTHING = "everything"


@dataclass(frozen=True)
class ForgetChoice:
    scope: ForgetScope
    path: Path | None  # the document or folder; None for everything

    def describe(self) -> str:
        if self.scope is ForgetScope.EVERYTHING:
            return "every result and every review decision in the store"
        what = "document" if self.scope is ForgetScope.DOCUMENT else "folder"
        return f"the results and review decisions of the {what} {self.path} (and of any copy with the same content)"


def size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


def info_text(info: StoreInfo) -> str:
    """What the store holds and where, as rich text for a label or a message."""
    private = "private to you" if not (info.file_mode & 0o077) else f"mode {info.file_mode:o}: readable by others!"
    return (f"<b>Result store:</b> <code>{info.path}</code><br>{size_text(info.size_bytes)} ({private}); "
            f"results for {info.documents} document(s), {info.decisions} review decision(s) on "
            f"{info.decided_documents} document(s).")


def report_text(choice: ForgetChoice, report: ForgetReport) -> str:
    done = (f"Removed {report.results} result(s) and {report.decisions} review decision(s): "
            f"{choice.describe()}.")
    if report.complete:
        return done + " The store was compacted: the removed text is in none of its files."
    return done + (" The store could not be fully compacted because another sqzdesk has it open: its "
                   "write-ahead log may still hold old pages. Run Forget again once that one is closed.")


class ForgetDialog(QDialog):
    """Choose what to forget; the window confirms and runs it."""

    def __init__(self, info: StoreInfo | None, store_path: Path, document: Path | None = None,
                 folder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Forget")
        self.where = QLabel(info_text(info) if info is not None else f"<b>Result store:</b> <code>{store_path}</code>")
        self.where.setWordWrap(True)
        self.document_path = document
        self.this_document = QRadioButton(f"This document: {document.name}" if document else "This document")
        self.this_document.setEnabled(document is not None)
        self.this_document.setToolTip(str(document) if document else "No document is open")
        self.a_folder = QRadioButton("A folder's results:")
        self.folder = QLineEdit(folder)
        self.folder.setPlaceholderText("every document at or under this folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.folder.textEdited.connect(lambda _: self.a_folder.setChecked(True))
        self.everything = QRadioButton("Everything: every result and decision")
        self.group = QButtonGroup(self)
        for button in (self.this_document, self.a_folder, self.everything):
            self.group.addButton(button)
        (self.this_document if document is not None else self.a_folder).setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.a_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        note = QLabel("Deleted rows are overwritten and the file is compacted. Copies in backups and exports "
                      "already written are beyond the app's reach.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Forget…")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addSpacing(8)
        layout.addWidget(self.this_document)
        layout.addLayout(row)
        layout.addWidget(self.everything)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())

    def _browse(self) -> None:
        chosen = choose_folder(self, "Forget the results under this folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.a_folder.setChecked(True)

    def _accept_if_valid(self) -> None:
        if self.a_folder.isChecked() and not self.folder.text().strip():
            self.folder.setFocus()
            return
        self.accept()

    def choice(self) -> ForgetChoice:
        if self.everything.isChecked():
            return ForgetChoice(ForgetScope.EVERYTHING, None)
        if self.this_document.isChecked() and self.document_path is not None:
            return ForgetChoice(ForgetScope.DOCUMENT, self.document_path)
        return ForgetChoice(ForgetScope.FOLDER, Path(self.folder.text().strip()).expanduser())
