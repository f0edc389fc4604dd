"""One open document: the text on the left, its sentiment, entities and questions on the right.

The tab is the only place that knows how results map onto widgets: the window routes the engine's
signals here by the job's document id, and the tab hands questions back up (it never talks to the
engine). What the tab shows is what the engine computed: the chunks' sentences and entities as they
come, and the engine's document sentiment (the running one per chunk, the final one at the end).

The review (accept, reject, add, undo) is driven from here: the keys and the context menu are actions on
the text view, and each decision goes through the tab's :class:`~sqzdesk.gui.review.ReviewSession`
(written to the store before it is drawn) to the view's highlights and the entity panel's counts.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from functools import partial

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.batch.decisions import Decision, Source
from sqzdesk.batch.store import StoreError
from sqzdesk.documents import Document
from sqzdesk.documents.html import HtmlMode
from sqzdesk.documents.ocr import ocr_note
from sqzdesk.engine import Analysis, AnalysisChunk, Answer, Entity
from sqzdesk.gui.categories_panel import CategoriesPanel, class_colours
from sqzdesk.gui.document_view import DocumentView
from sqzdesk.gui.entity_panel import EntityPanel, entity_key
from sqzdesk.gui.entity_types import is_pattern, type_name
from sqzdesk.gui.find_bar import FindBar
from sqzdesk.gui.foldable import FoldableSection, Section, refold
from sqzdesk.gui.formatting import duration
from sqzdesk.gui.qa_panel import QAPanel
from sqzdesk.gui.review import ADDABLE_LABELS, ReviewCounts, ReviewSession, Target, trimmed
from sqzdesk.gui.sentiment_panel import SentimentPanel
from sqzdesk.gui.settings import Settings
from sqzdesk.gui.worker import AnalysisJob, AnalysisResult, AnswerResult, ModelStatus

SIDE_WIDTH = 380
PARTIAL_MS = 200  # partial results are shown at most this late


class TabState(StrEnum):
    WAITING = "waiting"      # opened, the analysis not started yet
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class DocumentTab(QWidget):
    question_asked = Signal(int, str)  # doc_id, question
    tint_changed = Signal(bool)        # the user flipped the tint switch in this tab
    types_changed = Signal(str, bool)  # entity type, shown
    label_key = Signal(object, int, bool)  # this tab, label index (0-based), whole document: a Teach key
    class_tint_chosen = Signal(str)    # classifier name, "" for sentiment
    fold_changed = Signal(str, bool)   # side section (gui.foldable.Section), folded: the user folded or opened it

    def __init__(self, doc_id: int, document: Document, settings: Settings, parent: QWidget | None = None,
                 *, sha256: str | None = None, review: ReviewSession | None = None,
                 review_note: str = ""):
        """``sha256``: of the bytes the document was read from; ``review``: its decisions (None: no store,
        and ``review_note`` says why)."""
        super().__init__(parent)
        self.doc_id = doc_id
        self.document = document
        self.sha256 = sha256 if sha256 is not None else (review.sha256 if review is not None else None)
        self.review = review
        self.html_mode = HtmlMode.MAIN  # what an HTML page was read as (the window's "Show full page")
        self.state = TabState.WAITING
        self.job: AnalysisJob | None = None      # the analysis whose results the tab shows
        self.chunks_done = 0
        self.entities: list[Entity] = []
        self.analysis: Analysis | None = None    # the whole result, once the analysis is done
        self.seconds: float | None = None
        self._neutral_below = 0.0
        self._classifier_labels: dict[str, tuple[str, ...]] = {}  # custom classifiers run on documents
        self._pending: list[AnalysisChunk] = []  # arrived, not yet shown
        self._partial = QTimer(self, singleShot=True, interval=PARTIAL_MS)
        self._partial.timeout.connect(self._apply_pending)

        self.view = DocumentView(document.text)
        self.view.set_parts(document.parts)  # a Word file's headers, notes, comments on a grey ground
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.stale_label = QLabel("")
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet("QLabel { background: #fff3cd; color: #664d03; padding: 4px 8px; }")
        self.stale_label.hide()
        # A text layer that reads as garbage (fonts without a Unicode map) is analysed all the same, but the
        # analyst must know the results rest on it.
        self.quality_label = QLabel(f"Low text quality: {document.quality_reason}. The results may be "
                                    "meaningless; the file may need OCR." if document.quality_reason else "")
        self.quality_label.setWordWrap(True)
        self.quality_label.setStyleSheet("QLabel { background: #fff3cd; color: #664d03; padding: 4px 8px; }")
        self.quality_label.setVisible(bool(document.quality_reason))
        # Text read by OCR from a scan (misread names and digits look real), and pages left unread.
        ocr_lines = [line for line in (ocr_note(document.pages), *document.warnings) if line]
        self.ocr_label = QLabel("\n".join(ocr_lines))
        self.ocr_label.setWordWrap(True)
        self.ocr_label.setStyleSheet("QLabel { background: #e7f1ff; color: #084298; padding: 4px 8px; }")
        self.ocr_label.setVisible(bool(ocr_lines))
        self._review_note = review_note
        self.context_menu: QMenu | None = None   # the last one shown (tests reach its actions)
        self.label_menu: QMenu | None = None
        self._build_review_actions()
        self._build_label_actions()
        self.find_bar = FindBar()
        self.find_bar.hide()
        self.find_bar.find_requested.connect(self._find)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.quality_label)
        left_layout.addWidget(self.ocr_label)
        left_layout.addWidget(self.stale_label)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.find_bar)

        self.state_label = QLabel("Waiting for the engine…")
        self.state_label.setWordWrap(True)
        self.state_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.state_label.setContentsMargins(6, 4, 6, 4)
        self.sentiment = SentimentPanel()
        self.sentiment.set_document_length(len(document.text))
        self.sentiment.sentence_clicked.connect(self._sentence_clicked)
        self.sentiment.tint_toggled.connect(self._tint_toggled)
        self.entity_panel = EntityPanel()
        self.entity_panel.occurrences_chosen.connect(self.show_occurrences)
        self.entity_panel.visibility_changed.connect(self._visibility_changed)
        self.categories = CategoriesPanel()
        self.categories.tint_chosen.connect(self.class_tint_chosen)
        self.qa = QAPanel()
        self.qa.question_asked.connect(self._ask)
        self.qa.answer_chosen.connect(self.show_answer)

        side = QSplitter(Qt.Orientation.Vertical)
        side.setChildrenCollapsible(False)
        self.categories_box = FoldableSection(Section.CATEGORIES, "Categories", self.categories)
        self.categories_box.hide()  # shown while a custom classifier runs on documents
        self.sections = {Section.CATEGORIES: self.categories_box,
                         Section.SENTIMENT: FoldableSection(Section.SENTIMENT, "Sentiment", self.sentiment),
                         Section.ENTITIES: FoldableSection(Section.ENTITIES, "Entities", self.entity_panel),
                         Section.QUESTIONS: FoldableSection(Section.QUESTIONS, "Questions", self.qa)}
        for section in self.sections.values():
            section.fold_toggled.connect(self._fold_toggled)
            side.addWidget(section)
        self.side = side
        self._open_sizes: dict[Section, int] = {}  # a folded section's height before it folded
        side.setStretchFactor(0, 0)
        side.setStretchFactor(1, 0)
        side.setStretchFactor(2, 3)
        side.setStretchFactor(3, 2)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 6, 6, 6)
        right_layout.addWidget(self.state_label)
        right_layout.addWidget(side, 1)
        right.setMinimumWidth(300)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([900, SIDE_WIDTH])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.settings = settings
        self.apply_settings(settings)
        if review is not None:
            self.view.set_decisions(review.decisions)
        self.show_review()

    @property
    def title(self) -> str:
        return self.document.path.name

    # --- review ----------------------------------------------------------------------------------

    def _build_review_actions(self) -> None:
        """The review keys: actions on the text view, active while it has the focus (a letter typed in
        the question box stays a letter). The context menu shows the same actions."""

        def action(text: str, slot, keys: tuple[str, ...], tip: str) -> QAction:
            a = QAction(text, self.view)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.setStatusTip(tip)
            a.setToolTip(tip)
            a.triggered.connect(slot)
            self.view.addAction(a)
            return a

        self.accept_action = action("&Accept", lambda: self.decide(True), ("A",),
                                    "This mention is personal data: redact it")
        self.reject_action = action("&Reject", lambda: self.decide(False), ("R",),
                                    "Not personal data (or not this type): keep it in the clear")
        self.accept_all_action = action("Accept every &mention in this document", lambda: self.decide(True, True),
                                        ("Shift+A",), "The same text everywhere in this document, as whole words")
        self.reject_all_action = action("Reject every mention in this document", lambda: self.decide(False, True),
                                        ("Shift+R",), "Keep this text in the clear everywhere in this document")
        self.undo_action = action("&Undo decision", self.undo_decision, ("U",),
                                  "Back to not reviewed")
        self.add_action = action("Add &entity…", lambda: self.choose_label(), ("E", "Ctrl+E"),
                                 "Mark the selected text as an entity the model and the rules missed")
        self.next_action = action("&Next entity", lambda: self.step(1), ("N",), "Select the next entity")
        self.prev_action = action("&Previous entity", lambda: self.step(-1), ("P",), "Select the previous entity")

    def _build_label_actions(self) -> None:
        """The Teach panel's keys: 1-9 label the sentence at the cursor (or the selection) with the
        panel's first to ninth label, Ctrl+1-9 the whole document. Actions on the text view like the
        review keys (no clash: those are letters), enabled only while the panel is in labelling mode, so a
        digit typed anywhere else, or with the mode off, does nothing surprising."""
        self.label_actions: list[QAction] = []
        for whole in (False, True):
            for i in range(9):
                key = f"Ctrl+{i + 1}" if whole else str(i + 1)
                what = "the whole document" if whole else "the sentence at the cursor"
                a = QAction(f"Label {what} with label {i + 1}", self.view)
                a.setShortcut(QKeySequence(key))
                a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                a.triggered.connect(partial(self.label_key.emit, self, i, whole))
                a.setEnabled(False)
                self.view.addAction(a)
                self.label_actions.append(a)

    def set_labelling(self, on: bool) -> None:
        for a in self.label_actions:
            a.setEnabled(on)

    def target(self) -> Target | None:
        """What the review keys act on: the entity (found, or the analyst's) at the text cursor, or the
        one the selection starts in."""
        cursor = self.view.textCursor()
        start, end = self.view.span_of(cursor)
        for offset in dict.fromkeys((start, max(0, start - 1)) if start == end else (start,)):
            entity = self.view.entity_at(offset)
            if entity is not None:
                d = self.view.decisions.get((entity.start, entity.end))
                return Target(entity.start, entity.end, d.label if d else entity.label, entity.text,
                              Source.of_label(entity.label), True, d)
            decided = self.view.decision_at(offset)
            if decided is not None:
                return Target(decided.start, decided.end, decided.label, decided.text, decided.source, False, decided)
        return None

    def _refuse(self, why: str) -> None:
        """Why a review key did nothing, in the window's status bar (no dialog to dismiss)."""
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(why, 5000)

    def _write(self, work) -> bool:
        """Run a store write; a failing store is said once, in a message, and nothing is drawn."""
        try:
            work()
        except StoreError as exc:
            QMessageBox.warning(self, "Decision not saved", f"The decision was not saved: {exc}")
            return False
        return True

    def decide(self, accept: bool, every_mention: bool = False) -> None:
        target, review = self.target(), self.review
        if review is None:
            self._refuse(self._review_note or "Review needs the result store")
            return
        if target is None:
            self._refuse("Put the cursor on an entity to accept or reject it (N: next entity)")
            return
        made: list[Decision] = []
        if every_mention:
            self._write(lambda: made.extend(review.decide_every_mention(target, accept, self.view.found)))
        else:
            self._write(lambda: made.append(review.decide(target, accept)))
        for d in made:
            self.view.set_decision(d.start, d.end, d)
        self.show_review()

    def undo_decision(self) -> None:
        target, review = self.target(), self.review
        if review is None or target is None or target.decision is None:
            return
        if self._write(lambda: review.undo(target.start, target.end)):
            self.view.set_decision(target.start, target.end, None)
            self.show_review()

    def choose_label(self, at: QPoint | None = None) -> None:
        """The small label chooser for the selected text: a menu, each type with its number key."""
        span = self.view.selected_span()
        if self.review is None:
            self._refuse(self._review_note or "Review needs the result store")
            return
        if span is None or not self.document.text[span[0]:span[1]].strip():
            self._refuse("Select the text of the entity to add, then press E")
            return
        menu = QMenu(self.view)
        menu.setObjectName("label-chooser")
        menu.setToolTipsVisible(True)
        menu.addSection("Add as")
        for i, label in enumerate(ADDABLE_LABELS):
            key = "123456789abcdefghijkl"[i] if i < 21 else ""
            a = menu.addAction(f"&{key}  {label} — {type_name(label)}")
            a.setData(label)
            a.triggered.connect(partial(self.add_entity, label))
        self.label_menu = menu
        if at is None:
            at = self.view.viewport().mapToGlobal(self.view.cursorRect().bottomLeft())
        menu.popup(at)

    def add_entity(self, label: str) -> Decision | None:
        """The selected text (trimmed of spaces and quotes) becomes an entity of type ``label``."""
        span, review = self.view.selected_span(), self.review
        if span is None or review is None:
            return None
        start, end = trimmed(self.document.text, *span)
        if start >= end:
            return None
        made: list[Decision] = []
        if self._write(lambda: made.append(review.add(start, end, label, self.view.found.get((start, end))))):
            self.view.set_decision(start, end, made[0])
            self.view.select_span(start, end)
            self.show_review()
        return made[0] if made else None

    def step(self, direction: int) -> None:
        """Select the next (1) or previous (-1) entity, found or added, after the cursor."""
        spans = sorted({*self.view.found, *self.view.decisions})
        if not spans:
            return
        here = self.view.span_of(self.view.textCursor())
        if direction > 0:
            after = [s for s in spans if s > here]
            pick = after[0] if after else spans[0]
        else:
            before = [s for s in spans if s < here]
            pick = before[-1] if before else spans[-1]
        self.view.select_span(*pick)

    def _context_menu(self, pos: QPoint) -> None:
        """Right click: the cursor moves onto the entity clicked (unless inside the selection), and the
        review actions that apply to it are offered."""
        offset = self.view.offset_at(pos)
        selected = self.view.selected_span()
        if selected is None or not selected[0] <= offset < selected[1]:
            cursor = self.view.cursor_for(offset, offset)
            self.view.setTextCursor(cursor)
        menu = QMenu(self.view)
        self.update_actions()
        target = self.target()
        if target is not None:
            menu.addSection(f"{target.label}: {target.text[:40]}")
            for a in (self.accept_action, self.reject_action, self.accept_all_action, self.reject_all_action,
                      self.undo_action):
                menu.addAction(a)
            menu.addSeparator()
        menu.addAction(self.add_action)
        menu.addSeparator()
        copy = menu.addAction("&Copy")
        copy.setEnabled(self.view.textCursor().hasSelection())
        copy.triggered.connect(self.view.copy)
        self.context_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def update_actions(self) -> None:
        target, can = self.target(), self.review is not None
        on_entity = can and target is not None
        for a in (self.accept_action, self.reject_action, self.accept_all_action, self.reject_all_action):
            a.setEnabled(on_entity)
        self.undo_action.setEnabled(on_entity and target is not None and target.decision is not None)
        self.add_action.setEnabled(can and self.view.textCursor().hasSelection())

    def counts(self) -> ReviewCounts:
        if self.review is None:
            return ReviewCounts(unreviewed=len(self.view.found))
        return self.review.counts(self.view.found)

    def show_review(self) -> None:
        """The counts per state (side panel and entity list) and the stale decisions' warning."""
        if self.review is None:
            if self._review_note:
                self.entity_panel.review_label.setText(f"Review is off: {self._review_note}")
                self.entity_panel.review_label.show()
            return
        counts = self.counts()
        per_row: dict[tuple[str, str], Counter[str]] = {}
        for span, d in self.review.decisions.items():
            found = self.view.found.get(span)
            key = entity_key(found) if found is not None else entity_key(
                Entity(d.start, d.end, d.label, d.text, 1.0))
            per_row.setdefault(key, Counter())[d.verdict.value] += 1
        self.entity_panel.set_review(per_row, counts)
        stale = self.review.stale
        carried = (f" {self.review.carried} decision(s) from the earlier version of this file still fit and "
                   "were kept." if self.review.carried else "")
        if stale:
            listed = "; ".join(f"{d.verdict.value} {d.label} “{d.text[:30]}” at {d.start}" for d in stale[:5])
            more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
            self.stale_label.setText(f"⚠ {len(stale)} decision(s) no longer match this text (the file changed) "
                                     f"and are not applied: {listed}{more}.{carried}")
            self.stale_label.setToolTip("\n".join(f"{d.verdict.value} {d.label} {d.start}-{d.end}: {d.text}"
                                                  for d in stale))
            self.stale_label.show()
        elif carried:
            self.stale_label.setText(carried.strip())
            self.stale_label.show()
        else:
            self.stale_label.hide()

    def reload_review(self) -> None:
        """Read the decisions again from the store (after a Forget) and redraw them."""
        if self.review is None:
            return
        try:
            self.review.reload()
        except StoreError as exc:
            self._refuse(str(exc))
            return
        self.view.set_decisions(self.review.decisions)
        self.show_review()

    def reviewed_decisions(self) -> tuple[Decision, ...]:
        return tuple(self.review.decisions.values()) if self.review is not None else ()

    # --- settings and models ---------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        labels = {*settings.colours, *(e.label for e in self.entities)}
        colours = {label: settings.colour(label) for label in labels}
        self.view.set_style(colours, settings.hidden_types, settings.sentiment_tint)
        self.entity_panel.set_style(colours, settings.hidden_types)
        self.sentiment.set_tint(settings.sentiment_tint)
        self.view.set_zoom(settings.zoom)
        self._apply_class_tint()
        self._apply_folds(settings.folded)

    def _apply_folds(self, folded: tuple[str, ...]) -> None:
        changed = False
        for name, section in self.sections.items():
            if section.folded != (name in folded):
                section.set_folded(name in folded)
                changed = True
        if changed:
            refold(self.side, self._open_sizes)

    def _fold_toggled(self, name: str, folded: bool) -> None:
        refold(self.side, self._open_sizes)
        self.fold_changed.emit(name, folded)

    def set_classifiers(self, labels: dict[str, tuple[str, ...]]) -> None:
        """The classifiers that run on documents, with their labels (name -> labels; empty: none)."""
        self._classifier_labels = dict(labels)
        self.categories_box.setVisible(bool(labels))
        self._apply_class_tint()

    def _apply_class_tint(self) -> None:
        labels = self._classifier_labels
        name = self.settings.class_tint if self.settings.class_tint in labels else ""
        self.view.set_class_tint(name, class_colours(labels.get(name, ())))
        self.categories.set_classifiers(list(labels), labels, name)

    def set_models(self, status: ModelStatus) -> None:
        self._neutral_below = status.neutral_below()
        self.sentiment.set_neutral_below(self._neutral_below)
        if not status.available("sentiment"):
            self.sentiment.set_unavailable(status.missing.get("sentiment", ""))
        if status.available("entities"):
            self.entity_panel.set_available()
        else:
            self.entity_panel.set_unavailable(status.missing.get("entities", ""))
        if status.available("qa"):
            self.qa.set_available()
        else:
            self.qa.set_unavailable(status.missing.get("qa", "no model installed"))
        if not status.available("sentiment") and not status.available("entities"):
            self._set_state(TabState.FAILED, "Nothing to analyse with: no sentiment or entity model is installed "
                                      "(Tools → Models shows where the app looked).")

    # --- analysis results ------------------------------------------------------------------------

    def _set_state(self, state: TabState, message: str) -> None:
        self.state = state
        self.state_label.setText(message)

    def analysis_started(self, job: AnalysisJob) -> None:
        """A new analysis of this document begins: results of an earlier one go."""
        if self.chunks_done or self.state in (TabState.CANCELLED, TabState.FAILED, TabState.DONE):
            self.reset_results()
        self.job = job
        self._set_state(TabState.RUNNING, "Analysing…")
        self.sentiment.set_message("Analysing…")

    def _current(self, job: AnalysisJob) -> bool:
        """Whether a signal is about the analysis shown here (a cancelled earlier one may still report)."""
        return self.job is None or job == self.job

    def reset_results(self) -> None:
        self.chunks_done, self.entities, self.seconds, self.analysis = 0, [], None, None
        self._pending = []
        self.view.clear_results()
        self.entity_panel.clear()
        self.sentiment.clear()
        self.categories.clear()

    def add_chunk(self, job: AnalysisJob, chunk: AnalysisChunk) -> None:
        """Partial results: shown within PARTIAL_MS, while the rest of the document is analysed.

        Chunks are applied in batches rather than one by one: every update means repainting the text
        and the chart, and on a busy machine each trip into Python from the event loop may wait for
        the engine thread to hand over the interpreter, so fewer, larger updates keep the GUI fluid.
        """
        if not self._current(job):
            return
        self.chunks_done += 1
        self._pending.append(chunk)
        if not self._partial.isActive():
            self._partial.start()

    def _apply_pending(self) -> None:
        self._partial.stop()
        if not self._pending:
            return
        chunks, self._pending = self._pending, []
        entities = [e for c in chunks for e in c.entities]
        sentences = [s for c in chunks for s in c.sentences]
        self.view.add_classes([k for c in chunks for k in c.classes])
        self.entities.extend(entities)
        if {e.label for e in entities} - set(self.settings.colours):
            self.apply_settings(self.settings)
        self.view.add_entities(entities)
        self.view.add_sentences(sentences, self._neutral_below)
        self.entity_panel.add_entities(entities)
        if self.review is not None:
            self.show_review()
        self.sentiment.add_sentences(sentences)
        last = chunks[-1]
        if self.state == TabState.RUNNING:
            self.sentiment.set_overall(last.document, final=False)  # the engine's, over every chunk so far
            self.categories.set_document(last.document_classes, final=False)
            percent = int(100 * last.end / max(1, last.total))
            self._set_state(TabState.RUNNING, f"Analysing… {percent}% done; results appear as they come.")

    def analysis_finished(self, job: AnalysisJob, result: AnalysisResult) -> None:
        if not self._current(job):
            return
        self._apply_pending()
        self.analysis = result.analysis
        self.seconds = result.seconds
        self.sentiment.set_overall(result.analysis.sentiment, final=True)
        self.categories.set_document(result.analysis.document_classes, final=True)
        self.entity_panel.finish()
        n_entities = len(result.analysis.entities)
        n_patterns = sum(is_pattern(e.label) for e in result.analysis.entities)
        by_pattern = f" ({n_patterns} by pattern)" if n_patterns else ""
        self._set_state(TabState.DONE, f"Analysed in {duration(result.seconds)}: {len(result.analysis.sentences)} sentences, "
                                f"{n_entities} entit{'y' if n_entities == 1 else 'ies'}{by_pattern}.")

    def analysis_cancelled(self, job: AnalysisJob) -> None:
        if not self._current(job):
            return
        self._apply_pending()
        done = "Results so far are kept." if self.chunks_done else "No results yet."
        self._set_state(TabState.CANCELLED, f"Analysis cancelled. {done} Press F5 to analyse again.")
        if self.chunks_done:
            self.sentiment.set_overall(self.sentiment.document, final=False)
        else:
            self.sentiment.set_message("Analysis cancelled.")

    def analysis_failed(self, job: AnalysisJob, reason: str) -> None:
        if not self._current(job):
            return
        self._apply_pending()
        self._set_state(TabState.FAILED, f"Analysis failed: {reason}")
        self.sentiment.set_message("No result.")

    # --- questions -------------------------------------------------------------------------------

    def _ask(self, question: str) -> None:
        self.qa.show_asking(question)
        self.question_asked.emit(self.doc_id, question)

    def answers_arrived(self, result: AnswerResult) -> None:
        pages = [self.document.page_at(a.start) for a in result.answers]
        self.qa.show_answers(result.answers, pages)
        questions = self.sections[Section.QUESTIONS]
        if result.answers and questions.folded:  # the analyst asked: show the answers
            questions.set_folded(False)
            self._fold_toggled(Section.QUESTIONS, False)
        if result.answers:
            self.qa.answers.setCurrentRow(0)
            self.show_answer(result.answers[0])

    def show_answer(self, answer: Answer) -> None:
        self.view.mark_spans([])
        self.view.select_span(answer.start, answer.end)

    # --- navigation ------------------------------------------------------------------------------

    def show_occurrences(self, mentions: list[Entity]) -> None:
        """Mark every mention and select the first one."""
        if not mentions:
            return
        ordered = sorted(mentions, key=lambda e: e.start)
        self.view.mark_spans([(e.start, e.end) for e in ordered])
        self.view.select_span(ordered[0].start, ordered[0].end)
        self.view.flush()

    def _sentence_clicked(self, index: int) -> None:
        s = self.sentiment.chart.sentences[index]
        self.view.mark_spans([])
        self.view.select_span(s.start, s.end)

    def _tint_toggled(self, on: bool) -> None:
        self.tint_changed.emit(on)

    def _visibility_changed(self, label: str, shown: bool) -> None:
        self.types_changed.emit(label, shown)

    def open_find(self) -> None:
        selected = self.view.textCursor().selectedText()
        self.find_bar.open(selected if selected and "\u2029" not in selected and len(selected) < 80 else "")

    def _find(self, needle: str, backward: bool) -> None:
        self.find_bar.set_found(self.view.find_text(needle, backward) if needle else True)

    def find_again(self, backward: bool) -> None:
        if not self.find_bar.field.text():
            self.open_find()
            return
        self._find(self.find_bar.field.text(), backward)
