"""Ask a question about the open document; answers come with their score and page.

The panel has explicit states (unavailable, ready, asking, answers, no answer, failed) so the user
always sees why the list is empty: "No answer found" is an answer, not a blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.engine import Answer

ANSWER_ROLE = Qt.ItemDataRole.UserRole + 1
NO_ANSWER = "No answer found in this document."


class QAState(StrEnum):
    UNAVAILABLE = "unavailable"   # no QA model installed
    READY = "ready"
    ASKING = "asking"
    ANSWERS = "answers"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


class QAPanel(QWidget):
    question_asked = Signal(str)
    answer_chosen = Signal(object)  # Answer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = QLineEdit()
        self.question.setPlaceholderText("Ask a question about this document…")
        self.question.setClearButtonEnabled(True)
        self.question.returnPressed.connect(self._ask)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setToolTip("Ask (Enter)")
        self.ask_button.clicked.connect(self._ask)
        self.status = QLabel("Type a question and press Enter.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.answers = QListWidget()
        self.answers.setWordWrap(True)
        self.answers.setAlternatingRowColors(True)
        # two lines at least (a scroll area's default is ~70 px): beside the batch dock the entity list
        # above needs the room more than an answer list that is empty until a question is asked
        self.answers.setMinimumHeight(2 * self.answers.fontMetrics().lineSpacing() + 2 * self.answers.frameWidth() + 4)
        self.answers.itemClicked.connect(self._chosen)
        self.answers.itemActivated.connect(self._chosen)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addWidget(self.ask_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.answers, 1)
        layout.addStretch(0)
        self.state = QAState.READY
        self.unavailable_reason = ""
        self._folded = False

    def set_unavailable(self, reason: str) -> None:
        self.state = QAState.UNAVAILABLE
        self.unavailable_reason = reason
        self.question.setEnabled(False)
        self.ask_button.setEnabled(False)
        self.answers.clear()
        self.answers.hide()
        self.status.setText(f"Question answering is unavailable: {reason}. "
                            "Tools → Models shows what is installed.")

    def set_available(self) -> None:
        if self.state == QAState.UNAVAILABLE:
            self.state = QAState.READY
            self.question.setEnabled(True)
            self.ask_button.setEnabled(True)
            self.answers.setVisible(not self._folded)
            self.status.setText("Type a question and press Enter.")

    def set_folded(self, folded: bool) -> None:
        """Folded, the question box and the status line stay (a question can still be asked); the list goes."""
        self._folded = folded
        self.answers.setVisible(not folded and self.state != QAState.UNAVAILABLE)

    def _ask(self) -> None:
        text = self.question.text().strip()
        if text and self.state not in (QAState.UNAVAILABLE, QAState.ASKING):
            self.question_asked.emit(text)

    def show_asking(self, question: str) -> None:
        self.state = QAState.ASKING
        self.answers.clear()
        self.ask_button.setEnabled(False)
        self.status.setText(f"Looking for an answer to “{question}”…")

    def show_answers(self, answers: Sequence[Answer], pages: Sequence[int | None]) -> None:
        self.ask_button.setEnabled(True)
        self.answers.clear()
        if not answers:
            self.state = QAState.NO_ANSWER
            self.status.setText(f"<b>{NO_ANSWER}</b> Try rephrasing the question.")
            return
        self.state = QAState.ANSWERS
        self.status.setText(f"{len(answers)} answer{'s' if len(answers) != 1 else ''}, best first. "
                            "Click one to show it in the text.")
        for answer, page in zip(answers, pages, strict=True):
            where = f" · p. {page}" if page is not None else ""
            item = QListWidgetItem(f"{answer.text.strip()}\nscore {answer.score:.2f}{where}")
            item.setData(ANSWER_ROLE, answer)
            item.setToolTip(f"Characters {answer.start}–{answer.end}{where}")
            self.answers.addItem(item)

    def show_failed(self, reason: str) -> None:
        self.state = QAState.FAILED
        self.ask_button.setEnabled(True)
        self.status.setText(f"Could not answer: {reason}")

    def show_cancelled(self) -> None:
        self.state = QAState.READY
        self.ask_button.setEnabled(True)
        self.status.setText("Cancelled.")

    def answer(self, row: int) -> Answer | None:
        item = self.answers.item(row)
        return item.data(ANSWER_ROLE) if item is not None else None

    def _chosen(self, item: QListWidgetItem) -> None:
        answer = item.data(ANSWER_ROLE)
        if answer is not None:
            self.answer_chosen.emit(answer)
