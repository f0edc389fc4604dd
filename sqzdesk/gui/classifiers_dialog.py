"""Tools -> Classifiers and term lists: which classifiers run on documents, sharing them, the term lists.

File operations (import, export, remove, term lists added or removed) happen at once through the engine's
own functions (:mod:`sqzdesk.engine.teach`, :class:`~sqzdesk.engine.terms.TermStore`), each atomic, as
the command line's ``teach`` and ``terms`` do; which classifiers run on documents is a setting, applied
when the dialog is closed with OK. Every refusal is the engine's one-line message, shown in the dialog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.engine.classify import ClassifierEntry, find_classifiers
from sqzdesk.engine.teach import EXPORT_SUFFIX, TeachError, export_file, import_file, remove
from sqzdesk.engine.terms import TermList, TermsError, TermStore, read_terms_file

NAME_ROLE = Qt.ItemDataRole.UserRole


class TermListDialog(QDialog):
    """A new term list: name, entity label, terms (one a line, ``re:`` for a regular expression)."""

    def __init__(self, parent: QWidget | None = None, entries: Sequence[str] = (), name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Term list")
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("e.g. clients")
        self.label = QLineEdit()
        self.label.setPlaceholderText("e.g. CLIENT")
        self.entries = QPlainTextEdit("\n".join(entries))
        self.entries.setPlaceholderText("One term a line; re:PATTERN for a regular expression")
        self.case_insensitive = QCheckBox("Ignore case")
        self.whole_word = QCheckBox("Whole words only")
        self.whole_word.setChecked(True)
        self.error = QLabel("")
        self.error.setStyleSheet("QLabel { color: #b02a37; }")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Entity type:", self.label)
        form.addRow("Terms:", self.entries)
        form.addRow("", self.case_insensitive)
        form.addRow("", self.whole_word)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.result_list: TermList | None = None

    def term_list(self) -> TermList:
        """The list as typed; TermsError says what is wrong with it."""
        entries = tuple(line.strip() for line in self.entries.toPlainText().splitlines() if line.strip())
        return TermList(self.name.text().strip(), self.label.text().strip().upper(), entries,
                        self.case_insensitive.isChecked(), self.whole_word.isChecked())

    def _ok(self) -> None:
        try:
            self.result_list = self.term_list()
        except TermsError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class ClassifiersDialog(QDialog):
    def __init__(self, enabled: Sequence[str], parent: QWidget | None = None,
                 dirs: list[Path] | None = None, terms: TermStore | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classifiers and term lists")
        self.resize(620, 560)
        self.dirs = dirs
        self.terms = terms if terms is not None else TermStore()
        self._enabled = set(enabled)
        self.changed = False   # a file was added or removed: the window rebuilds the analysis

        self.classifiers = QListWidget()
        self.classifiers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.import_button = QPushButton("&Import…")
        self.import_button.clicked.connect(self._import_chosen)
        self.export_button = QPushButton("&Export…")
        self.export_button.clicked.connect(self._export_chosen)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.clicked.connect(self._remove_chosen)
        box = QGroupBox("Classifiers (ticked: run on every document)")
        lay = QVBoxLayout(box)
        lay.addWidget(self.classifiers)
        lay.addLayout(_row(self.import_button, self.export_button, self.remove_button))

        self.term_lists = QListWidget()
        self.add_terms_button = QPushButton("&Add list…")
        self.add_terms_button.clicked.connect(self._add_terms)
        self.import_terms_button = QPushButton("Import from &file…")
        self.import_terms_button.clicked.connect(self._import_terms)
        self.remove_terms_button = QPushButton("Remove list")
        self.remove_terms_button.clicked.connect(self._remove_terms_chosen)
        tbox = QGroupBox("Term lists (matches are shown as entities of the list's type)")
        tlay = QVBoxLayout(tbox)
        tlay.addWidget(self.term_lists)
        tlay.addLayout(_row(self.add_terms_button, self.import_terms_button, self.remove_terms_button))

        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box, 1)
        layout.addWidget(tbox, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.refresh()

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("QLabel { color: #b02a37; }" if error else "")
        self.message.setText(text)

    # --- classifiers -----------------------------------------------------------------------------

    def refresh(self) -> None:
        self._remember_ticks()
        self.classifiers.clear()
        self.entries: list[ClassifierEntry] = find_classifiers(self.dirs)
        for e in self.entries:
            if e.classifier is not None:
                acc = e.classifier.bundle.manifest.metrics.get("cv_accuracy")
                figure = f", {100 * acc:.1f}% cross-validated" if isinstance(acc, float | int) else ""
                item = QListWidgetItem(f"{e.name} — {', '.join(e.classifier.labels)}{figure}")
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if e.name in self._enabled else Qt.CheckState.Unchecked)
            else:
                item = QListWidgetItem(f"{e.name} — unusable: {e.error}")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            item.setToolTip(str(e.path))
            item.setData(NAME_ROLE, e.name)
            self.classifiers.addItem(item)
        if not self.entries:
            self.classifiers.addItem("(none yet: teach one in View → Teach, or import a .sqzclf file)")
        self.term_lists.clear()
        try:
            lists = self.terms.load()
        except TermsError as exc:
            self.say(str(exc), error=True)
            lists = ()
        for lst in lists:
            flags = ", ".join(f for f, on in (("ignore case", lst.case_insensitive),
                                              ("whole words", lst.whole_word)) if on)
            item = QListWidgetItem(f"{lst.name} — {lst.label}, {len(lst.entries)} term(s)"
                                   + (f" ({flags})" if flags else ""))
            item.setData(NAME_ROLE, lst.name)
            item.setToolTip("\n".join(lst.entries[:30]))
            self.term_lists.addItem(item)

    def _remember_ticks(self) -> None:
        for i in range(self.classifiers.count()):
            item = self.classifiers.item(i)
            name = item.data(NAME_ROLE)
            if name and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                if item.checkState() == Qt.CheckState.Checked:
                    self._enabled.add(name)
                else:
                    self._enabled.discard(name)

    def enabled(self) -> tuple[str, ...]:
        """The ticked, usable classifiers, in name order."""
        self._remember_ticks()
        usable = {e.name for e in self.entries if e.classifier is not None}
        return tuple(sorted(self._enabled & usable))

    def set_enabled(self, name: str, on: bool) -> None:
        for i in range(self.classifiers.count()):
            item = self.classifiers.item(i)
            if item.data(NAME_ROLE) == name:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _chosen(self, widget: QListWidget) -> str | None:
        item = widget.currentItem()
        name = item.data(NAME_ROLE) if item is not None else None
        if not name:
            self.say("Choose one in the list first.", error=True)
        return name

    def import_classifier(self, path: Path, replace: bool = False) -> bool:
        try:
            classifier = import_file(path, replace=replace)
        except TeachError as exc:
            self.say(str(exc), error=True)
            return False
        self._enabled.add(classifier.name)
        self.changed = True
        self.refresh()
        self.say(f"Imported '{classifier.name}' ({', '.join(classifier.labels)}); it runs on documents.")
        return True

    def _import_chosen(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a classifier", "", f"Classifiers (*{EXPORT_SUFFIX})")
        if path:
            self.import_classifier(Path(path))

    def export_classifier(self, name: str, dest: Path) -> bool:
        try:
            written = export_file(name, dest, self.dirs)
        except (TeachError, OSError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return False
        self.say(f"Exported to {written}")
        return True

    def _export_chosen(self) -> None:
        name = self._chosen(self.classifiers)
        if name:
            path, _ = QFileDialog.getSaveFileName(self, "Export the classifier", f"{name}{EXPORT_SUFFIX}",
                                                  f"Classifiers (*{EXPORT_SUFFIX})")
            if path:
                self.export_classifier(name, Path(path))

    def remove_classifier(self, name: str) -> bool:
        try:
            remove(name, self.dirs)
        except (TeachError, OSError) as exc:
            self.say(f"Not removed: {exc}", error=True)
            return False
        self._enabled.discard(name)
        self.changed = True
        self.refresh()
        self.say(f"Removed '{name}'.")
        return True

    def _remove_chosen(self) -> None:
        name = self._chosen(self.classifiers)
        if name and QMessageBox.question(self, "Remove classifier", f"Delete the classifier '{name}'?") \
                == QMessageBox.StandardButton.Yes:
            self.remove_classifier(name)

    # --- term lists ------------------------------------------------------------------------------

    def add_term_list(self, term_list: TermList, replace: bool = False) -> bool:
        try:
            self.terms.add(term_list, replace=replace)
        except (TermsError, OSError) as exc:
            self.say(str(exc), error=True)
            return False
        self.changed = True
        self.refresh()
        self.say(f"Term list '{term_list.name}' saved: its matches show as {term_list.label}.")
        return True

    def add_term_list_from(self, name: str, label: str, entries: Sequence[str], case_insensitive: bool = False,
                           whole_word: bool = True, replace: bool = False) -> bool:
        """A list from its parts; what makes it invalid (name, label, a dangerous regex) is said here."""
        try:
            term_list = TermList(name, label, tuple(entries), case_insensitive, whole_word)
        except TermsError as exc:
            self.say(str(exc), error=True)
            return False
        return self.add_term_list(term_list, replace)

    def _add_terms(self, entries: Sequence[str] = (), name: str = "") -> None:
        dialog = TermListDialog(self, entries, name)
        if dialog.exec() and dialog.result_list is not None:
            self.add_term_list(dialog.result_list)

    def _import_terms(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Terms from a file", "", "Text or CSV (*.txt *.csv);;All files (*)")
        if path:
            entries = self.terms_from_file(Path(path))
            if entries:
                self._add_terms(entries, Path(path).stem)

    def terms_from_file(self, path: Path) -> list[str]:
        """The terms of a .txt (one a line) or .csv file (its ``term`` column), for the new-list form;
        empty, with the reason said, when there are none or the file cannot be read."""
        try:
            entries = read_terms_file(path)
        except TermsError as exc:
            self.say(str(exc), error=True)
            return []
        if not entries:
            self.say(f"{path}: no terms in it.", error=True)
        return entries

    def remove_term_list(self, name: str) -> bool:
        try:
            self.terms.remove(name)
        except (TermsError, OSError) as exc:
            self.say(str(exc), error=True)
            return False
        self.changed = True
        self.refresh()
        self.say(f"Term list '{name}' removed.")
        return True

    def _remove_terms_chosen(self) -> None:
        name = self._chosen(self.term_lists)
        if name:
            self.remove_term_list(name)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row
