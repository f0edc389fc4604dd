"""Status bar contents: the running job with its progress and Cancel, model names and the variant each
task runs (accurate or fast), timing, "offline"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from sqzdesk.engine.pool import ModelStatus
from sqzdesk.gui.formatting import duration

TASK_TITLES = {"sentiment": "Sentiment", "entities": "Entities", "qa": "QA"}


class StatusPanel(QWidget):
    """Owns the widgets it adds to a QStatusBar; the window only calls the methods below."""

    cancel_clicked = Signal()

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.job = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(160)
        self.progress.setFixedHeight(14)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running analysis or question (Esc)")
        self.cancel.clicked.connect(self.cancel_clicked)
        self.models = QLabel("Looking for models…")
        self.timing = QLabel("")
        for label in (self.models, self.timing):
            label.setStyleSheet("padding: 0 8px; border-right: 1px solid palette(mid);")
        self.offline = QLabel("● offline")
        self.offline.setStyleSheet("color: #2b8a3e; font-weight: bold; padding: 0 6px;")
        self.offline.setToolTip("sqzdesk makes no network connections: documents and models stay on this machine.")
        for w in (self.job, self.progress, self.cancel):
            bar.addWidget(w)
        for w in (self.models, self.timing, self.offline):
            bar.addPermanentWidget(w)
        self.set_busy(False)

    def set_busy(self, busy: bool, what: str = "") -> None:
        for w in (self.job, self.progress, self.cancel):
            w.setVisible(busy)
        self.job.setText(what)
        if busy:
            self.progress.setValue(0)

    def set_progress(self, done: int, total: int) -> None:
        # QProgressBar.setValue repaints synchronously, which flushes every pending paint of the
        # window on the spot; with updates off it schedules an ordinary, coalesced repaint instead.
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(int(1000 * done / max(1, total)))
        self.progress.setUpdatesEnabled(True)

    def set_models(self, status: ModelStatus) -> None:
        parts, tips = [], []
        for task, title in TASK_TITLES.items():
            if status.available(task):  # which variant runs, and when fast was asked but is not there
                variant = f"{status.variant(task)}, no fast" if task in status.notices else status.variant(task)
                parts.append(f"{title}: {status.label(task)} ({variant})")
                tips.append(f"{title}: {status.bundles[task].path}"
                            + (f"\n    {status.notices[task]}" if task in status.notices else ""))
            else:
                parts.append(f"<span style='color:#c92a2a'>{title}: missing</span>")
                tips.append(f"{title}: {status.missing.get(task, '')}")
        self.models.setText(" · ".join(parts))
        self.models.setToolTip("\n".join(tips))

    def set_timing(self, seconds: float | None, what: str = "Last analysis") -> None:
        self.timing.setText("" if seconds is None else f"{what}: {duration(seconds)}")
