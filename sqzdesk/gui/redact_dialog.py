"""File -> Export redacted… (and the Batch dock's redacted export): mode, types and target folder.

One dialog for both, so a tab and a batch write the same files with the same choices as ``sqzdesk redact``
(:func:`~sqzdesk.batch.redacted_export.export_redacted`): the analyst's accepted and added spans are
always redacted, rejected ones never; the types choose among the spans nobody reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.batch.redacted_export import RedactionSettings
from sqzdesk.batch.redaction import DEFAULT_REDACT_TYPES, REDACTABLE_TYPES, RedactionMode
from sqzdesk.gui.entity_types import type_name
from sqzdesk.gui.file_dialogs import choose_folder

MODE_NAMES = {
    RedactionMode.LABELS: "Labels: [PER], [EMAIL]…",
    RedactionMode.PSEUDONYMS: "Consistent pseudonyms: Person 1, Organisation 2…",
    RedactionMode.MASK: "Full masking: █████ (not even the type is left)",
}


@dataclass(frozen=True)
class RedactChoice:
    settings: RedactionSettings
    folder: Path


class RedactDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, title: str = "Export redacted", what: str = "",
                 folder: str = "", extra_types: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.mode = QComboBox()
        for mode, name in MODE_NAMES.items():
            self.mode.addItem(name, mode)
        self.folder = QLineEdit(folder)
        self.folder.setPlaceholderText("Folder for the redacted copy and its audit file")
        self.folder.textChanged.connect(self._update_ok)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        form = QFormLayout()
        if what:
            form.addRow("Document:", QLabel(what))
        form.addRow("Replace with:", self.mode)
        form.addRow("Save in:", where)

        types = QGroupBox("Redact the unreviewed entities of these types")
        grid = QGridLayout(types)
        self.types: dict[str, QCheckBox] = {}
        labels = list(dict.fromkeys([*REDACTABLE_TYPES, *extra_types]))
        for i, label in enumerate(labels):
            box = QCheckBox(f"{type_name(label)} ({label})")
            box.setChecked(label in DEFAULT_REDACT_TYPES or label in extra_types)
            self.types[label] = box
            grid.addWidget(box, i // 3, i % 3)
        note = QLabel("Accepted and added entities are always redacted, rejected ones never. Every whole-word "
                      "repeat of a redacted name is redacted too. An audit file (offsets, labels and "
                      "decisions, no redacted text) is written beside the copy. Read the copy before "
                      "handing it over: the model does not find every name.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(types)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(640, self.sizeHint().height())
        self._update_ok()

    def _browse(self) -> None:
        chosen = choose_folder(self, "Folder for the redacted copy", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.folder.text().strip()))

    def choice(self) -> RedactChoice:
        mode = RedactionMode(self.mode.currentData())
        types = frozenset(label for label, box in self.types.items() if box.isChecked())
        return RedactChoice(RedactionSettings(mode, types), Path(self.folder.text().strip()).expanduser())
