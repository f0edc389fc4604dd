"""Find in the document: a slim bar under the text (Ctrl+F), Enter / F3 next, Shift+Enter / Shift+F3 back."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QWidget


class _FindField(QLineEdit):
    """Shift+Enter searches backwards; Esc closes the bar."""

    back = Signal()
    close_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.back.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    find_requested = Signal(str, bool)  # text, backward

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = _FindField()
        self.field.setPlaceholderText("Find in document")
        self.field.setClearButtonEnabled(True)
        self.field.returnPressed.connect(self.find_next)
        self.field.back.connect(self.find_previous)
        self.field.close_requested.connect(self.hide)
        self.field.textChanged.connect(lambda _: self.set_found(True))
        previous = QPushButton("Previous")
        previous.setToolTip("Previous match (Shift+F3)")
        previous.clicked.connect(self.find_previous)
        following = QPushButton("Next")
        following.setToolTip("Next match (F3)")
        following.clicked.connect(self.find_next)
        self.result = QLabel("")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.field, 1)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(self.result)
        layout.addWidget(close)

    def open(self, text: str = "") -> None:
        if text:
            self.field.setText(text)
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def find_next(self) -> None:
        self.find_requested.emit(self.field.text(), False)

    def find_previous(self) -> None:
        self.find_requested.emit(self.field.text(), True)

    def set_found(self, found: bool) -> None:
        self.result.setText("" if found else "Not found")
        self.field.setStyleSheet("" if found else "QLineEdit { background: #ffe3e3; }")
