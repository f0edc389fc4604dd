"""The Teach panel: label examples in the open documents, train a classifier, look at it, keep it or not.

What the analyst does here is what ``sqzdesk teach train`` does with a file, through the same engine
functions (:mod:`sqzdesk.engine.teach`): the labelled pairs go through
:func:`~sqzdesk.engine.teach.examples_from_pairs`, so bad input (one label only, a label with one
example, empty texts) is refused with the engine's own one-line message, shown in the panel; training
is a scheduler job (:meth:`WorkerHost.teach`) with progress and cancel, so the GUI thread never runs the
encoder; and nothing is written until Keep (:func:`~sqzdesk.engine.teach.save`, atomic), so a
discarded, cancelled or failed training leaves no half-written classifier behind.

Labelling is by keys while the text has the focus and "Label with number keys" is on: 1-9 give the
sentence at the cursor (or the selected text) the first to ninth label, then select the next sentence,
so a document is labelled sentence after sentence from the keyboard; Ctrl+1-9 label the whole document
(the tab's actions, see :meth:`DocumentTab.set_labelling`). "Suggest next" proposes the sentence of the
open documents that a head fitted on the examples so far is least sure about
(:func:`~sqzdesk.engine.teach.least_sure`, also a scheduler job): labelling those first teaches the
classifier most per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.engine.classify import check_name, folder_for
from sqzdesk.engine.sentiment import prose_spans
from sqzdesk.engine.teach import (
    MAX_EXAMPLE_CHARS,
    MAX_LABELS,
    MIN_PER_LABEL,
    TeachError,
    TrainedClassifier,
    TrainingData,
    examples_from_pairs,
    least_sure,
    save,
    train,
)
from sqzdesk.gui.document_tab import DocumentTab
from sqzdesk.gui.worker import NO_DOCUMENT, TeachJob, WorkerHost

MAX_CANDIDATES = 400   # sentences ranked per "Suggest next": enough to find a hard one, a few seconds to embed
ERROR_STYLE = "QLabel { color: #b02a37; }"
INFO_STYLE = "QLabel { color: palette(text); }"


@dataclass(frozen=True)
class LabelledExample:
    text: str
    label: str
    where: str     # "report.pdf, sentence at 120" or "report.pdf (whole document)"


class TeachPanel(QWidget):
    """The dock's widget. ``tabs`` gives the open document tabs, ``current`` the one shown."""

    saved = Signal(str)                     # a classifier was kept under this name
    labelling_changed = Signal(bool)        # the number keys label (True) or do nothing (False)
    show_requested = Signal(int, int, int)  # doc_id, start, end: show this sentence to label it

    def __init__(self, host: WorkerHost, tabs: Callable[[], list[DocumentTab]],
                 current: Callable[[], DocumentTab | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host, self._tabs, self._current = host, tabs, current
        self.labels: list[str] = []
        self.examples: dict[str, LabelledExample] = {}   # by text: labelling a text again relabels it
        self.job: TeachJob | None = None
        self.trained: TrainedClassifier | None = None
        self.suggested: tuple[int, int, int] | None = None   # doc_id, start, end of the last suggestion
        self._spans: dict[int, list[tuple[int, int]]] = {}   # doc_id -> prose sentences, computed once

        # Button mnemonics (Alt+key) avoid the menu bar's (File, Edit, View, Analysis, Tools, Help), which
        # would win: Alt+L add label, Alt+K keys on/off, Alt+S/D label, Alt+G suggest, Alt+R train, Alt+P keep.
        self.name = QLineEdit()
        self.name.setPlaceholderText("classifier name, e.g. topics")
        self.name.setToolTip("Letters, digits, '_', '.' or '-': the name documents show it under")
        self.new_label = QLineEdit()
        self.new_label.setPlaceholderText("new label, e.g. complaint")
        self.new_label.returnPressed.connect(self._add_label_typed)
        self.add_label_button = QPushButton("Add &label")
        self.add_label_button.clicked.connect(self._add_label_typed)
        self.label_list = QListWidget()
        self.label_list.setToolTip("Number keys 1-9 label with the first nine labels")
        self.label_list.setMaximumHeight(110)
        self.remove_label_button = QPushButton("Remove label")
        self.remove_label_button.clicked.connect(self._remove_label_selected)
        self.labelling = QCheckBox("Label with number &keys in the text")
        self.labelling.setToolTip("While the text has the focus: 1-9 label the sentence at the cursor (or the "
                                  "selected text), Ctrl+1-9 the whole document")
        self.labelling.toggled.connect(self.labelling_changed)
        self.label_sentence_button = QPushButton("Label &sentence")
        self.label_sentence_button.setToolTip("Give the sentence at the cursor the label chosen above (keys 1-9)")
        self.label_sentence_button.clicked.connect(lambda: self._label_current(False))
        self.label_document_button = QPushButton("Label &document")
        self.label_document_button.setToolTip("Give the whole document the label chosen above (Ctrl+1-9)")
        self.label_document_button.clicked.connect(lambda: self._label_current(True))
        self.suggest_button = QPushButton("Su&ggest next")
        self.suggest_button.setToolTip("Select the sentence of the open documents the examples so far leave "
                                       "least sure (label it next: it teaches the most)")
        self.suggest_button.clicked.connect(self.suggest)
        self.example_list = QListWidget()
        self.example_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.example_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.example_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.example_list.setMinimumHeight(90)
        self.example_list.setToolTip("Delete removes the selected examples")
        QShortcut(QKeySequence.StandardKey.Delete, self.example_list, self._remove_examples_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.remove_example_button = QPushButton("Remove example")
        self.remove_example_button.clicked.connect(self._remove_examples_selected)

        self.train_button = QPushButton("T&rain")
        self.train_button.setToolTip("Embed the examples, cross-validate and fit (nothing is saved until Keep)")
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.metrics = QTableWidget(0, 4)
        self.metrics.setHorizontalHeaderLabels(["label", "examples", "precision", "recall"])
        self.confusion = QTableWidget(0, 0)
        self.confusion.setToolTip("Rows: the true label; columns: the label cross-validation predicted")
        for table in (self.metrics, self.confusion):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.metrics.verticalHeader().hide()
        self.keep_button = QPushButton("Kee&p")
        self.keep_button.setToolTip("Save the classifier and run it on documents")
        self.keep_button.clicked.connect(self.keep)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        self.result_box = QGroupBox("Result (cross-validated)")
        result = QVBoxLayout(self.result_box)
        result.addWidget(self.summary)
        result.addWidget(self.metrics)
        result.addWidget(QLabel("Confusion (rows: true label, columns: predicted)"))
        result.addWidget(self.confusion)
        result.addLayout(_row(self.keep_button, self.discard_button))
        self.result_box.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Classifier</b>"))
        layout.addWidget(self.name)
        layout.addWidget(QLabel("<b>Labels</b> (keys 1-9)"))
        layout.addLayout(_row(self.new_label, self.add_label_button))
        layout.addWidget(self.label_list)
        layout.addLayout(_row(self.remove_label_button))
        layout.addWidget(self.labelling)
        layout.addLayout(_row(self.label_sentence_button, self.label_document_button, self.suggest_button))
        layout.addWidget(QLabel("<b>Examples</b>"))
        layout.addWidget(self.example_list, 1)
        layout.addLayout(_row(self.remove_example_button))
        layout.addLayout(_row(self.train_button, self.cancel_button))
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.result_box)

        host.teach_ready.connect(self._ready)
        host.failed.connect(self._failed)
        host.cancelled.connect(self._cancelled)
        host.progress.connect(self._progress)
        host.job_done.connect(self._done)
        self._show_counts()

    # --- messages --------------------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.message.setText(text)

    # --- labels ----------------------------------------------------------------------------------

    def add_label(self, label: str) -> bool:
        label = label.strip()
        if not label:
            self.say("Type a label first.", error=True)
            return False
        if len(label) > 100 or not label.isprintable():
            self.say("A label is one line of at most 100 characters.", error=True)
            return False
        if label in self.labels:
            self.say(f"There is a label '{label}' already.", error=True)
            return False
        if len(self.labels) >= MAX_LABELS:
            self.say(f"A classifier takes at most {MAX_LABELS} labels.", error=True)
            return False
        self.labels.append(label)
        self._show_counts()
        self.label_list.setCurrentRow(len(self.labels) - 1)
        key = f" (key {len(self.labels)})" if len(self.labels) <= 9 else ""
        self.say(f"Label '{label}' added{key}.")
        return True

    def _add_label_typed(self) -> None:
        if self.add_label(self.new_label.text()):
            self.new_label.clear()

    def remove_label(self, label: str) -> None:
        """The label and its examples go (they could not train without it)."""
        if label not in self.labels:
            return
        dropped = [t for t, e in self.examples.items() if e.label == label]
        for text in dropped:
            del self.examples[text]
        self.labels.remove(label)
        self._show_examples()
        self._show_counts()
        self.say(f"Label '{label}' removed" + (f" with its {len(dropped)} example(s)." if dropped else "."))

    def _remove_label_selected(self) -> None:
        row = self.label_list.currentRow()
        if 0 <= row < len(self.labels):
            self.remove_label(self.labels[row])

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(self.labels, 0)
        for e in self.examples.values():
            out[e.label] = out.get(e.label, 0) + 1
        return out

    def _show_counts(self) -> None:
        row = self.label_list.currentRow()
        self.label_list.clear()
        for i, (label, n) in enumerate(self.counts().items()):
            key = f"{i + 1}  " if i < 9 else "    "
            few = "" if n >= MIN_PER_LABEL else f" (needs {MIN_PER_LABEL - n} more)"
            item = QListWidgetItem(f"{key}{label} — {n} example{'' if n == 1 else 's'}{few}")
            item.setData(Qt.ItemDataRole.UserRole, label)
            self.label_list.addItem(item)
        if self.label_list.count():
            self.label_list.setCurrentRow(min(max(row, 0), self.label_list.count() - 1))
        has_labels = bool(self.labels)
        for b in (self.label_sentence_button, self.label_document_button, self.remove_label_button):
            b.setEnabled(has_labels)

    # --- examples --------------------------------------------------------------------------------

    def label_text(self, text: str, label: str, where: str) -> bool:
        """Add (or relabel) one example."""
        if label not in self.labels:
            return False
        clean = text.strip()
        if not any(ch.isalnum() for ch in clean):
            self.say("That text has no words to learn from: nothing labelled.", error=True)
            return False
        if len(clean) > MAX_EXAMPLE_CHARS:
            self.say(f"{where}: {len(clean):,} characters, over the {MAX_EXAMPLE_CHARS:,} one example may have; "
                     "label its sentences instead.", error=True)
            return False
        old = self.examples.get(clean)
        self.examples[clean] = LabelledExample(clean, label, where)
        self._show_examples()
        self._show_counts()
        again = f" (was '{old.label}')" if old is not None and old.label != label else ""
        self.say(f"Labelled '{label}'{again}: {_short(clean)}")
        return True

    def sentence_at(self, tab: DocumentTab) -> tuple[int, int] | None:
        """The selected text, else the prose sentence holding the cursor (or the one just before it)."""
        selected = tab.view.selected_span()
        if selected is not None:
            return selected
        offset = tab.view.span_of(tab.view.textCursor())[0]
        spans = self.sentences_of(tab)
        for start, end in spans:
            if start <= offset <= end:
                return start, end
        before = [s for s in spans if s[1] <= offset]
        return before[-1] if before else (spans[0] if spans else None)

    def sentences_of(self, tab: DocumentTab) -> list[tuple[int, int]]:
        spans = self._spans.get(tab.doc_id)
        if spans is None:
            spans = self._spans[tab.doc_id] = prose_spans(tab.document.text)
        return spans

    def label_in(self, tab: DocumentTab, index: int, whole: bool) -> bool:
        """Number key ``index + 1`` pressed in ``tab``: label its sentence at the cursor or all of it."""
        if not 0 <= index < len(self.labels):
            self.say(f"There is no label {index + 1}: add labels in the Teach panel first.", error=True)
            return False
        label = self.labels[index]
        if whole:
            return self.label_text(tab.document.text, label, f"{tab.title} (whole document)")
        span = self.sentence_at(tab)
        if span is None:
            self.say("Put the cursor in a sentence with words to label it.", error=True)
            return False
        start, end = span
        done = self.label_text(tab.document.text[start:end], label, f"{tab.title}, at {start}")
        if done:
            tab.view.mark_spans([(start, end)])
            following = next((s for s in self.sentences_of(tab) if s[0] >= end), None)
            if following is not None:
                # The read-only text has no keyboard caret to move, so the next sentence is selected:
                # the next number key labels it, and a run of sentences is labelled without the mouse.
                tab.view.select_span(*following)
            else:
                self.say(f"{self.message.text()} (the last sentence of {tab.title})")
        return done

    def _label_current(self, whole: bool) -> None:
        tab = self._current()
        if tab is None:
            self.say("Open a document to label its sentences.", error=True)
            return
        self.label_in(tab, max(0, self.label_list.currentRow()), whole)

    def _show_examples(self) -> None:
        self.example_list.clear()
        for e in self.examples.values():
            item = QListWidgetItem(f"[{e.label}] {_short(e.text)}")
            item.setToolTip(f"{e.where}\n{e.text[:500]}")
            item.setData(Qt.ItemDataRole.UserRole, e.text)
            self.example_list.addItem(item)
        self.example_list.scrollToBottom()

    def _remove_examples_selected(self) -> None:
        texts = [item.data(Qt.ItemDataRole.UserRole) for item in self.example_list.selectedItems()]
        for text in texts:
            self.examples.pop(text, None)
        if texts:
            self._show_examples()
            self._show_counts()
            self.say(f"{len(texts)} example(s) removed.")

    def training_data(self) -> TrainingData:
        """The examples, checked by the engine (TeachError says what is missing)."""
        return examples_from_pairs((e.text, e.label) for e in self.examples.values())

    # --- suggest next ----------------------------------------------------------------------------

    def candidates(self) -> list[tuple[int, int, int, str]]:
        """(doc_id, start, end, text) of unlabelled prose sentences in the open tabs, the current tab
        first, at most MAX_CANDIDATES."""
        tabs = self._tabs()
        current = self._current()
        if current in tabs:
            tabs = [current, *(t for t in tabs if t is not current)]
        out: list[tuple[int, int, int, str]] = []
        for tab in tabs:
            for start, end in self.sentences_of(tab):
                text = tab.document.text[start:end].strip()
                if text not in self.examples:
                    out.append((tab.doc_id, start, end, text))
                    if len(out) >= MAX_CANDIDATES:
                        return out
        return out

    def suggest(self) -> None:
        if self.busy:
            return
        candidates = self.candidates()
        if not candidates:
            self.say("No unlabelled sentence in the open documents.", error=True)
            return
        try:
            data = self.training_data()
        except TeachError as exc:
            doc_id, start, end, _ = candidates[0]
            self._show_suggestion(doc_id, start, end)
            self.say(f"Showing the next unlabelled sentence; suggestions rank by uncertainty once the examples "
                     f"can train ({exc}).")
            return
        texts = [c[3] for c in candidates]

        def work(pool, progress, should_stop):
            return candidates, least_sure(data, texts, pool.embed(), progress=progress, should_stop=should_stop)

        self._start(self.host.teach("suggest", work), f"Ranking {len(texts)} sentences…")

    def _show_suggestion(self, doc_id: int, start: int, end: int) -> None:
        self.suggested = (doc_id, start, end)
        self.show_requested.emit(doc_id, start, end)

    # --- training --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start_training(self) -> bool:
        """Check the name and the examples here (a clear message, nothing started), then train on the
        engine thread."""
        if self.busy:
            return False
        name = self.name.text().strip()
        if not name:
            self.say("Give the classifier a name first.", error=True)
            self.name.setFocus()
            return False
        try:
            check_name(name)
            data = self.training_data()
        except (ValueError, TeachError) as exc:
            self.say(f"Not trained: {str(exc).removeprefix('labelled in the app: ')}", error=True)
            return False
        self.discard(quiet=True)

        def work(pool, progress, should_stop):
            return train(name, data, pool.embed(), progress=progress, should_stop=should_stop)

        self._start(self.host.teach("train", work), f"Training '{name}' on {len(data.examples)} examples…")
        return True

    def _start(self, job: TeachJob, text: str) -> None:
        self.job = job
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.train_button.setEnabled(False)
        self.suggest_button.setEnabled(False)
        self.say(text)

    def cancel(self) -> None:
        if self.job is not None:
            self.host.cancel_doc(NO_DOCUMENT)

    def _mine(self, job: object) -> bool:
        return job is not None and job == self.job

    def _progress(self, job: object, done: int, total: int) -> None:
        if self._mine(job):
            self.progress.setValue(int(1000 * done / max(1, total)))

    def _ready(self, job: TeachJob, result: object) -> None:
        if not self._mine(job):
            return
        if job.what == "train" and isinstance(result, TrainedClassifier):
            self.show_result(result)
        elif job.what == "suggest" and isinstance(result, tuple):
            candidates, ranked = result
            if ranked:
                i, margin = ranked[0]
                doc_id, start, end, _ = candidates[i]
                self._show_suggestion(doc_id, start, end)
                self.say(f"Least sure of this sentence (margin {margin:.2f} between its two likeliest labels): "
                         "label it with 1-9.")

    def _failed(self, job: object, reason: str) -> None:
        if self._mine(job):
            self.say(f"Not trained: {reason}" if isinstance(job, TeachJob) and job.what == "train"
                     else f"No suggestion: {reason}", error=True)

    def _cancelled(self, job: object) -> None:
        if self._mine(job):
            self.say("Cancelled; nothing was saved.")

    def _done(self, job: object) -> None:
        if self._mine(job):
            self.job = None
            self.progress.hide()
            self.cancel_button.setEnabled(False)
            self.train_button.setEnabled(True)
            self.suggest_button.setEnabled(True)

    def show_result(self, trained: TrainedClassifier) -> None:
        self.trained = trained
        r = trained.report
        skipped = f", {r.skipped_empty} empty skipped" if r.skipped_empty else ""
        self.summary.setText(f"<b>{trained.name}</b>: {100 * r.accuracy:.1f}% accuracy, {r.folds}-fold "
                             f"cross-validated on {r.examples} examples{skipped} (embedding "
                             f"{r.embed_seconds:.1f} s, fitting {r.train_seconds:.1f} s). Keep it to run it on "
                             "documents.")
        self.metrics.setRowCount(len(r.labels))
        for row, label in enumerate(r.labels):
            for col, value in enumerate((label, str(r.counts[label]), f"{100 * r.precision[label]:.1f}%",
                                         f"{100 * r.recall[label]:.1f}%")):
                item = QTableWidgetItem(value)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.metrics.setItem(row, col, item)
        k = len(r.labels)
        self.confusion.setRowCount(k)
        self.confusion.setColumnCount(k)
        self.confusion.setHorizontalHeaderLabels(list(r.labels))
        self.confusion.setVerticalHeaderLabels(list(r.labels))
        for i, row_values in enumerate(r.confusion):
            for j, v in enumerate(row_values):
                item = QTableWidgetItem(str(v))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if i == j:
                    item.setBackground(Qt.GlobalColor.lightGray)
                self.confusion.setItem(i, j, item)
        for table in (self.metrics, self.confusion):
            _fit_height(table)
        self.result_box.show()
        self.say("Trained. Nothing is saved until you press Keep.")

    def keep(self, replace: bool | None = None) -> bool:
        """Save the trained classifier (atomically); an existing one of the name is replaced only when the
        user says so (``replace``: the answer, None to ask)."""
        trained = self.trained
        if trained is None:
            return False
        if replace is None:
            replace = False
            if folder_for(trained.name).exists():
                answer = QMessageBox.question(self, "Keep classifier", f"A classifier named '{trained.name}' "
                                              "exists. Replace it?")
                if answer != QMessageBox.StandardButton.Yes:
                    return False
                replace = True
        try:
            path = save(trained, replace=replace)
        except (TeachError, OSError) as exc:
            self.say(f"Not saved: {exc}", error=True)
            return False
        self.trained = None
        self.result_box.hide()
        self.say(f"Kept '{trained.name}' ({path}); documents are analysed with it now.")
        self.saved.emit(trained.name)
        return True

    def discard(self, quiet: bool = False) -> None:
        had = self.trained is not None
        self.trained = None
        self.result_box.hide()
        if had and not quiet:
            self.say("Discarded; nothing was saved. Label more examples and train again.")

    def forget_tab(self, doc_id: int) -> None:
        """A tab closed: its sentences are no longer candidates (its labelled examples stay)."""
        self._spans.pop(doc_id, None)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    if len(widgets) == 1:
        row.addStretch(1)
    return row


def _fit_height(table: QTableWidget) -> None:
    """As tall as its rows (a handful of labels): no empty grid below, no scrolling for a few."""
    rows = sum(table.rowHeight(r) for r in range(min(table.rowCount(), 8)))
    table.setFixedHeight(rows + table.horizontalHeader().height() + 2 * table.frameWidth() + 2)


def _short(text: str, n: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[:n - 1] + "…"
