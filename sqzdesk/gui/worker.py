"""The engine's thread: every model is created and run here, never on the GUI thread.

``AnalysisWorker`` is a QObject moved to a QThread; the GUI talks to it only through queued signals
(``WorkerHost`` owns the thread and is the GUI-side API). Jobs run one at a time in the order they were
submitted. A long document is analysed in chunks and each chunk's results are emitted as soon as they
exist, so highlights appear progressively and a cancel keeps what was already done.

Cancelling cannot go through the worker's event queue (it is busy running the job being cancelled),
so the GUI writes to a :class:`CancelBoard` that the engine reads through ``should_stop`` before every
batch; the GUI models use a batch size of 2 so that a cancel takes effect within a few milliseconds.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from PySide6.QtCore import QDeadlineTimer, QObject, QThread, Signal, Slot

from sqzdesk.engine import (
    Analysis,
    Analyzer,
    Answer,
    Bundle,
    BundleError,
    Cancelled,
    Entity,
    EntityModel,
    QAModel,
    SentenceSentiment,
    SentimentModel,
)
from sqzdesk.engine.bundle import resolve
from sqzdesk.engine.patterns import PatternScan
from sqzdesk.gui.chunking import CHUNK_CHARS, combine_sentiment, shift, split_chunks, with_chunk_patterns

log = logging.getLogger(__name__)

GUI_BATCH_SIZE = 2
PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress signals a second reach the GUI
SWITCH_INTERVAL_S = 0.001


@dataclass(frozen=True)
class EngineConfig:
    """What the worker needs to build its models; changing it drops the loaded models."""

    threads: int = 1
    answer_threshold: float | None = None
    dirs: tuple[Path, ...] | None = None  # None: the engine's search path
    batch_size: int = GUI_BATCH_SIZE
    chunk_chars: int = CHUNK_CHARS  # longest chunk of a document analysed in one engine call


@dataclass(frozen=True)
class ModelStatus:
    """Which bundle serves each task, or why a task has none (shown in the status bar and panels)."""

    bundles: dict[str, Bundle] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def available(self, task: str) -> bool:
        return task in self.bundles

    def label(self, task: str) -> str:
        bundle = self.bundles.get(task)
        return f"{bundle.manifest.name} {bundle.manifest.version}" if bundle else "not installed"

    def neutral_below(self) -> float:
        """Sentences scored under this are shown as uncertain (the sentiment bundle says where)."""
        bundle = self.bundles.get("sentiment")
        return float(bundle.manifest.task_params.get("neutral_below", 0.0)) if bundle else 0.0


@dataclass(frozen=True)
class AnalysisJob:
    ticket: int
    doc_id: int
    text: str


@dataclass(frozen=True)
class QuestionJob:
    ticket: int
    doc_id: int
    question: str
    context: str


@dataclass(frozen=True)
class ChunkResult:
    """One chunk's results, offsets already in document coordinates."""

    doc_id: int
    start: int
    end: int
    analysis: Analysis
    total_chars: int


@dataclass(frozen=True)
class AnalysisResult:
    """The whole document: all chunks' sentences and entities, one combined sentiment."""

    doc_id: int
    analysis: Analysis
    seconds: float


@dataclass(frozen=True)
class AnswerResult:
    doc_id: int
    question: str
    answers: tuple[Answer, ...]
    seconds: float


class CancelBoard:
    """Which jobs must stop. Written by the GUI thread, read by the worker between batches.

    Jobs are identified by increasing tickets, so "cancel everything submitted so far" is a single
    number and jobs submitted after a cancel are unaffected.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._all_upto = 0
        self._doc_upto: dict[int, int] = {}

    def cancel_all(self, upto: int) -> None:
        with self._lock:
            self._all_upto = max(self._all_upto, upto)

    def cancel_doc(self, doc_id: int, upto: int) -> None:
        with self._lock:
            self._doc_upto[doc_id] = max(self._doc_upto.get(doc_id, 0), upto)

    def stopped(self, ticket: int, doc_id: int) -> bool:
        with self._lock:
            return ticket <= self._all_upto or ticket <= self._doc_upto.get(doc_id, 0)


class _Throttle:
    """Forwards (done, total) progress at most every PROGRESS_INTERVAL_S, plus the final value."""

    def __init__(self, emit) -> None:
        self.emit, self.last = emit, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL_S or done >= total:
            self.last = now
            self.emit(done, total)


def locate_models(dirs: list[Path] | None = None) -> ModelStatus:
    """Every task's bundle in one pass over the search path (the engine's rule, each checksum read once)."""
    bundles, missing = resolve(dirs)
    return ModelStatus(bundles, missing)


class AnalysisWorker(QObject):
    """Owns the engine models (built lazily, in this thread) and runs one job at a time."""

    models_found = Signal(object)          # ModelStatus
    job_started = Signal(int, int, str)    # ticket, doc_id, "analysis" | "question"
    progress = Signal(int, int)            # done, total (permille of the running job)
    chunk_ready = Signal(int, object)      # doc_id, ChunkResult: partial results, as they come
    analysis_ready = Signal(int, object)   # doc_id, AnalysisResult
    answers_ready = Signal(int, object)    # doc_id, AnswerResult ([] answers: no answer found)
    failed = Signal(int, str)              # doc_id, one-line reason
    cancelled = Signal(int)                # doc_id
    job_done = Signal(int)                 # ticket; always the last signal of a job

    def __init__(self, board: CancelBoard) -> None:
        super().__init__()
        self.board = board
        self.config = EngineConfig()
        self.status: ModelStatus | None = None
        self._analyzer: Analyzer | None = None
        self._qa: QAModel | None = None

    @Slot(object)
    def configure(self, config: EngineConfig) -> None:
        """New threads or threshold: models are rebuilt on the next job."""
        if config.threads != self.config.threads or config.dirs != self.config.dirs \
                or config.batch_size != self.config.batch_size:
            self._analyzer = self._qa = None
        if config.dirs != self.config.dirs:
            self.status = None
        self.config = config

    @Slot()
    def probe(self) -> None:
        """Find (and checksum) every task's bundle; the GUI enables panels from the answer."""
        self._analyzer = self._qa = None
        self.status = locate_models(list(self.config.dirs) if self.config.dirs is not None else None)
        self.models_found.emit(self.status)

    def _models(self) -> ModelStatus:
        if self.status is None:
            self.probe()
        assert self.status is not None
        return self.status

    def _get_analyzer(self) -> Analyzer:
        if self._analyzer is None:
            status = self._models()
            cfg = self.config
            if not status.available("sentiment") and not status.available("entities"):
                raise BundleError(status.missing.get("sentiment", "no sentiment or entities model installed"))
            sentiment = SentimentModel(status.bundles["sentiment"], cfg.threads, cfg.batch_size) \
                if status.available("sentiment") else None
            entities = EntityModel(status.bundles["entities"], cfg.threads, cfg.batch_size) \
                if status.available("entities") else None
            self._analyzer = Analyzer(sentiment, entities)
        return self._analyzer

    def _get_qa(self) -> QAModel:
        if self._qa is None:
            status = self._models()
            if not status.available("qa"):
                raise BundleError(status.missing["qa"])
            self._qa = QAModel(status.bundles["qa"], self.config.threads, self.config.batch_size)
        return self._qa

    @Slot(object)
    def run_analysis(self, job: AnalysisJob) -> None:
        self._run(job, "analysis", self._analyse)

    @Slot(object)
    def run_question(self, job: QuestionJob) -> None:
        self._run(job, "question", self._answer)

    def _run(self, job: AnalysisJob | QuestionJob, kind: str, body) -> None:
        """The shared envelope: started, then exactly one outcome signal, then job_done."""
        self.job_started.emit(job.ticket, job.doc_id, kind)
        try:
            if self.board.stopped(job.ticket, job.doc_id):
                raise Cancelled()
            body(job)
        except Cancelled:
            self.cancelled.emit(job.doc_id)
        except (BundleError, ValueError) as exc:
            self.failed.emit(job.doc_id, " ".join(str(exc).split()))
        except Exception as exc:  # a bug must not kill the engine thread and leave the GUI waiting
            log.exception("engine job failed")
            self.failed.emit(job.doc_id, f"unexpected error ({type(exc).__name__}: {exc})")
        finally:
            self.job_done.emit(job.ticket)

    def _should_stop(self, job: AnalysisJob | QuestionJob):
        return lambda: self.board.stopped(job.ticket, job.doc_id)

    def _analyse(self, job: AnalysisJob) -> None:
        """Model results chunk by chunk, each with the pattern entities (e-mail, IBAN...) merged in.

        Patterns are found here too, in this thread, on the whole text (a scan that reads ahead only as
        far as the chunk in hand), so the entities are the batch runner's ``with_patterns`` result for
        the chunks' model entities. A chunk with no words still reports its patterns, but only once
        some chunk has words: a document with none fails as it does in a batch, with no results.
        """
        analyzer = self._get_analyzer()
        started = time.perf_counter()
        total = max(1, len(job.text))
        report = _Throttle(self.progress.emit)
        sentences: list[SentenceSentiment] = []
        entities: list[Entity] = []
        any_text = False
        chunks = split_chunks(job.text, self.config.chunk_chars)
        patterns = PatternScan(job.text)
        held: list[ChunkResult] = []  # pattern-only chunks before the first chunk with words
        single: Analysis | None = None

        def emit(result: ChunkResult) -> None:
            sentences.extend(result.analysis.sentences)
            entities.extend(result.analysis.entities)
            self.chunk_ready.emit(job.doc_id, result)

        for chunk in chunks:
            def chunk_progress(done: int, of: int, chunk=chunk) -> None:
                at = chunk.start + (chunk.end - chunk.start) * done / max(1, of)
                report(int(1000 * at / total), 1000)

            found = patterns.overlapping(chunk.start, chunk.end)
            try:
                part = analyzer.analyze(job.text[chunk.start:chunk.end], chunk_progress, self._should_stop(job))
            except ValueError:  # this chunk has no words (a table of numbers, a page of dashes)
                part = with_chunk_patterns(Analysis(), found, chunk)
                if part.entities:
                    result = ChunkResult(job.doc_id, chunk.start, chunk.end, part, total)
                    if any_text:
                        emit(result)
                    else:
                        held.append(result)
                continue
            any_text = True
            single = part
            part = with_chunk_patterns(shift(part, chunk.start), found, chunk)
            for result in held:
                emit(result)
            held = []
            emit(ChunkResult(job.doc_id, chunk.start, chunk.end, part, total))
        if not any_text:
            raise ValueError("no text to analyse: the document has no words")
        overall = single.sentiment if len(chunks) == 1 and single is not None else combine_sentiment(sentences)
        if analyzer.sentiment is None:
            overall = None
        whole = Analysis(overall, tuple(sentences), tuple(entities))
        self.progress.emit(1000, 1000)
        self.analysis_ready.emit(job.doc_id, AnalysisResult(job.doc_id, whole, time.perf_counter() - started))

    def _answer(self, job: QuestionJob) -> None:
        model = self._get_qa()
        started = time.perf_counter()
        answers = model.ask(job.question, job.context, top_k=3, threshold=self.config.answer_threshold,
                            progress=_Throttle(self.progress.emit), should_stop=self._should_stop(job))
        self.answers_ready.emit(job.doc_id, AnswerResult(job.doc_id, job.question, tuple(answers),
                                                         time.perf_counter() - started))


class WorkerHost(QObject):
    """The GUI side of the engine thread: submit jobs, cancel them, shut the thread down cleanly."""

    busy_changed = Signal(bool)
    _configure = Signal(object)
    _probe = Signal()
    _analyse = Signal(object)
    _ask = Signal(object)

    def __init__(self, config: EngineConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.board = CancelBoard()
        self.worker = AnalysisWorker(self.board)
        self.thread = QThread(self)
        self.thread.setObjectName("sqzdesk-engine")
        self.worker.moveToThread(self.thread)
        self._configure.connect(self.worker.configure)
        self._probe.connect(self.worker.probe)
        self._analyse.connect(self.worker.run_analysis)
        self._ask.connect(self.worker.run_question)
        self.worker.job_done.connect(self._job_done)
        self._ticket = 0
        self._pending: set[int] = set()
        self._stopped = False
        self._config = config

    def start(self) -> None:
        """Start the thread and look for models; connect to the worker's signals before calling this,
        or a fast answer (``models_found``) can be emitted before anyone listens.

        Also shortens the interpreter's thread switch interval: the engine thread runs Python between
        model calls, and every time the event loop calls into Python (a paint, a signal) the GUI thread
        may wait up to one interval for the interpreter. 1 ms instead of 5 ms keeps those waits short
        at a negligible cost in throughput.
        """
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.thread.start()
        self._configure.emit(self._config)
        self._probe.emit()

    @property
    def idle(self) -> bool:
        return not self._pending

    def configure(self, config: EngineConfig) -> None:
        self._config = config
        self._configure.emit(config)

    def rescan(self) -> None:
        """Look for bundles again (after the user installed one); the answer is ``models_found``."""
        self._probe.emit()

    def analyse(self, doc_id: int, text: str) -> int:
        return self._submit(self._analyse, lambda t: AnalysisJob(t, doc_id, text))

    def ask(self, doc_id: int, question: str, context: str) -> int:
        return self._submit(self._ask, lambda t: QuestionJob(t, doc_id, question, context))

    def _submit(self, signal, make) -> int:
        if self._stopped:
            raise RuntimeError("the engine thread has been shut down")
        self._ticket += 1
        was_idle = self.idle
        self._pending.add(self._ticket)
        signal.emit(make(self._ticket))
        if was_idle:
            self.busy_changed.emit(True)
        return self._ticket

    def cancel(self) -> None:
        """Stop the running job within one batch and drop every job waiting behind it."""
        self.board.cancel_all(self._ticket)

    def cancel_doc(self, doc_id: int) -> None:
        """Stop and drop this document's jobs (its tab was closed)."""
        self.board.cancel_doc(doc_id, self._ticket)

    @Slot(int)
    def _job_done(self, ticket: int) -> None:
        self._pending.discard(ticket)
        if self.idle:
            self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Cancel everything, end the thread's event loop and wait for it (idempotent).

        Waiting has no timeout on purpose: the running batch ends within milliseconds once cancelled,
        and destroying a QThread that still runs would abort the whole process.
        """
        if self._stopped:
            return
        self._stopped = True
        self.cancel()
        self.thread.quit()
        self.thread.wait(QDeadlineTimer(QDeadlineTimer.ForeverConstant.Forever))
