"""Which model bundles are installed, which one serves each task, and each one's model card.

Unusable bundles are listed too, with the reason (missing file, checksum mismatch, unknown format),
because "why is question answering greyed out?" is exactly what this dialog is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.documents.limits import format_size
from sqzdesk.engine import Bundle, discover, search_dirs
from sqzdesk.engine.bundle import claimed_task
from sqzdesk.engine.manifest import MODEL_TASKS


@dataclass(frozen=True)
class BundleRow:
    """One line of the list: a usable bundle or an unusable folder with the reason."""

    path: Path
    bundle: Bundle | None
    error: str | None
    in_use: bool

    @property
    def task(self) -> str:
        return self.bundle.task if self.bundle else (claimed_task(self.path) or "?")

    @property
    def name(self) -> str:
        return self.bundle.manifest.name if self.bundle else self.path.name

    @property
    def version(self) -> str:
        return self.bundle.manifest.version if self.bundle else ""

    def size(self) -> str:
        try:
            return format_size(self.bundle.size_bytes) if self.bundle else ""
        except OSError:
            return "?"

    def metrics(self) -> str:
        if self.bundle is None:
            return ""
        return ", ".join(f"{k}: {_short(v)}" for k, v in self.bundle.manifest.metrics.items()
                         if not isinstance(v, dict | list))


def _short(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def bundle_rows(dirs: Sequence[Path] | None = None) -> list[BundleRow]:
    """Everything on the search path, in priority order; the first usable bundle per task is in use."""
    rows, used = [], set()
    for found in discover(list(dirs) if dirs is not None else None):
        in_use = found.bundle is not None and found.bundle.task not in used
        if in_use and found.bundle is not None:
            used.add(found.bundle.task)
        rows.append(BundleRow(found.path, found.bundle, found.error, in_use))
    return rows


class ModelsDialog(QDialog):
    COLUMNS = ("Task", "Name", "Version", "Size", "Metrics", "Status")

    def __init__(self, parent: QWidget | None = None, dirs: Sequence[Path] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(980, 620)
        self.rows = bundle_rows(dirs)
        roots = list(dirs) if dirs is not None else search_dirs()
        where = QLabel("Looked in, first match per task wins: " + "; ".join(str(r) for r in roots))
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTreeWidget()
        self.table.setColumnCount(len(self.COLUMNS))
        self.table.setHeaderLabels(list(self.COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for row in self.rows:
            status = "in use" if row.in_use else ("unusable" if row.error else "not used (another one wins)")
            item = QTreeWidgetItem([row.task, row.name, row.version, row.size(), row.metrics(), status])
            if row.error:
                item.setToolTip(5, row.error)
                item.setForeground(5, QColor("#c92a2a"))
            self.table.addTopLevelItem(item)
        served = {r.task for r in self.rows if r.in_use} | {claimed_task(r.path) for r in self.rows if r.error}
        self.missing = [t for t in MODEL_TASKS if t not in served]  # classifiers are many, none is missing
        for task in self.missing:
            item = QTreeWidgetItem([task, "—", "", "", "", "not installed"])
            item.setForeground(5, QColor("#c92a2a"))
            item.setToolTip(5, f"No '{task}' bundle in any folder above: this feature is unavailable.")
            self.table.addTopLevelItem(item)
        for c in range(len(self.COLUMNS)):
            self.table.resizeColumnToContents(c)
        self.card = QTextBrowser()
        self.card.setOpenExternalLinks(False)  # offline: links in a card are not followed
        self.card.setOpenLinks(False)
        self.table.currentItemChanged.connect(self._show)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.card)
        split.setSizes([200, 420])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        first = self.table.topLevelItem(0)
        if self.rows and first is not None:
            self.table.setCurrentItem(first)
        else:
            self.card.setMarkdown("**No model bundles found.** Install bundles into one of the folders above.")

    def _show(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        index = self.table.indexOfTopLevelItem(item)
        if index >= len(self.rows):
            task = item.text(0)
            self.card.setMarkdown(f"## No {task} model installed\n\nInstall a `{task}` bundle into one of the "
                                  "folders listed above, then reopen this dialog.")
            return
        row = self.rows[index]
        if row.bundle is None:
            self.card.setMarkdown(f"## {row.name} — unusable\n\n{row.error}\n\nFolder: `{row.path}`")
            return
        try:
            text = row.bundle.file("card").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            text = f"*The model card could not be read: {exc}*"
        self.card.setMarkdown(text)
