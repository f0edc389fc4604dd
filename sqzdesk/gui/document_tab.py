"""One open document: the text on the left, its sentiment, entities and questions on the right.

The tab is the only place that knows how results map onto widgets: the window routes the engine's
signals here by the job's document id, and the tab hands questions back up (it never talks to the
engine). What the tab shows is what the engine computed: the chunks' sentences and entities as they
come, and the engine's document sentiment (the running one per chunk, the final one at the end).
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGroupBox, QLabel, QSplitter, QVBoxLayout, QWidget

from sqzdesk.documents import Document
from sqzdesk.engine import Analysis, AnalysisChunk, Answer, Entity
from sqzdesk.gui.document_view import DocumentView
from sqzdesk.gui.entity_panel import EntityPanel
from sqzdesk.gui.entity_types import is_pattern
from sqzdesk.gui.find_bar import FindBar
from sqzdesk.gui.formatting import duration
from sqzdesk.gui.qa_panel import QAPanel
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


def _section(title: str, body: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 6, 8, 8)
    layout.addWidget(body)
    return box


class DocumentTab(QWidget):
    question_asked = Signal(int, str)  # doc_id, question
    tint_changed = Signal(bool)        # the user flipped the tint switch in this tab
    types_changed = Signal(str, bool)  # entity type, shown

    def __init__(self, doc_id: int, document: Document, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc_id = doc_id
        self.document = document
        self.state = TabState.WAITING
        self.job: AnalysisJob | None = None      # the analysis whose results the tab shows
        self.chunks_done = 0
        self.entities: list[Entity] = []
        self.analysis: Analysis | None = None    # the whole result, once the analysis is done
        self.seconds: float | None = None
        self._neutral_below = 0.0
        self._pending: list[AnalysisChunk] = []  # arrived, not yet shown
        self._partial = QTimer(self, singleShot=True, interval=PARTIAL_MS)
        self._partial.timeout.connect(self._apply_pending)

        self.view = DocumentView(document.text)
        self.find_bar = FindBar()
        self.find_bar.hide()
        self.find_bar.find_requested.connect(self._find)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.find_bar)

        self.state_label = QLabel("Waiting for the engine…")
        self.state_label.setWordWrap(True)
        self.state_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.state_label.setContentsMargins(6, 4, 6, 4)
        self.sentiment = SentimentPanel()
        self.sentiment.sentence_clicked.connect(self._sentence_clicked)
        self.sentiment.tint_toggled.connect(self._tint_toggled)
        self.entity_panel = EntityPanel()
        self.entity_panel.occurrences_chosen.connect(self.show_occurrences)
        self.entity_panel.visibility_changed.connect(self._visibility_changed)
        self.qa = QAPanel()
        self.qa.question_asked.connect(self._ask)
        self.qa.answer_chosen.connect(self.show_answer)

        side = QSplitter(Qt.Orientation.Vertical)
        side.setChildrenCollapsible(False)
        side.addWidget(_section("Sentiment", self.sentiment))
        side.addWidget(_section("Entities", self.entity_panel))
        side.addWidget(_section("Questions", self.qa))
        side.setStretchFactor(0, 0)
        side.setStretchFactor(1, 3)
        side.setStretchFactor(2, 2)
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

    @property
    def title(self) -> str:
        return self.document.path.name

    # --- settings and models ---------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        labels = {*settings.colours, *(e.label for e in self.entities)}
        colours = {label: settings.colour(label) for label in labels}
        self.view.set_style(colours, settings.hidden_types, settings.sentiment_tint)
        self.entity_panel.set_style(colours, settings.hidden_types)
        self.sentiment.set_tint(settings.sentiment_tint)
        self.view.set_zoom(settings.zoom)

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
        self.entities.extend(entities)
        if {e.label for e in entities} - set(self.settings.colours):
            self.apply_settings(self.settings)
        self.view.add_entities(entities)
        self.view.add_sentences(sentences, self._neutral_below)
        self.entity_panel.add_entities(entities)
        self.sentiment.add_sentences(sentences)
        last = chunks[-1]
        if self.state == TabState.RUNNING:
            self.sentiment.set_overall(last.document, final=False)  # the engine's, over every chunk so far
            percent = int(100 * last.end / max(1, last.total))
            self._set_state(TabState.RUNNING, f"Analysing… {percent}% done; results appear as they come.")

    def analysis_finished(self, job: AnalysisJob, result: AnalysisResult) -> None:
        if not self._current(job):
            return
        self._apply_pending()
        self.analysis = result.analysis
        self.seconds = result.seconds
        self.sentiment.set_overall(result.analysis.sentiment, final=True)
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
