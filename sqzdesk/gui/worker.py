"""The GUI side of the engine: document analyses and questions as jobs on the engine's one thread.

All model work runs on the engine's :class:`~sqzdesk.engine.scheduler.Scheduler` thread (a plain Python
thread, shared with the batch dock), with the models of one :class:`~sqzdesk.engine.pool.ModelPool`;
the GUI thread never runs a model and never waits for one. A document is analysed by the engine's one
analysis path, :meth:`Analyzer.stream <sqzdesk.engine.analysis.Analyzer.stream>`, the same one
``sqzdesk analyze`` and ``sqzdesk batch`` use, so a tab shows exactly their results; each chunk's
results are emitted as soon as they exist, so highlights appear progressively and a cancel keeps what
was already done.

:class:`WorkerHost` is a QObject living in the GUI thread. Its signals are emitted from the engine
thread and carry the job they are about (a frozen :class:`AnalysisJob` or :class:`QuestionJob`); Qt
delivers them queued, in the GUI thread, because the receivers live there. Every job gives
``job_started``, then any ``progress``/``chunk_ready``, then exactly one outcome (``analysis_ready``,
``answers_ready``, ``failed`` or ``cancelled``), then ``job_done`` — a job cancelled before it started
gives only ``cancelled`` and ``job_done``.

Cancelling cannot wait for the engine thread (it is busy with the job being cancelled), so the GUI
writes to a :class:`CancelBoard` that the job reads through ``should_stop`` before every model batch.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from sqzdesk.batch.store import result_key
from sqzdesk.documents import DocumentError
from sqzdesk.documents.html import HtmlMode
from sqzdesk.engine import Analysis, AnalysisChunk, Answer, BundleError, Cancelled
from sqzdesk.engine.analysis import collect
from sqzdesk.engine.errors import AnalysisError
from sqzdesk.engine.patterns import PATTERN_TYPES
from sqzdesk.engine.pool import EngineConfig, ModelPool, ModelStatus
from sqzdesk.engine.scheduler import Job, JobContext, Priority, Scheduler
from sqzdesk.engine.speed import DEFAULT_ROUNDS, SpeedTrial, choosable
from sqzdesk.engine.teach import TeachError
from sqzdesk.engine.terms import TermsError
from sqzdesk.reasons import one_line

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1  # at most ~10 progress signals a second reach the GUI
SWITCH_INTERVAL_S = 0.001

__all__ = [
    "AnalysisJob", "AnalysisResult", "AnswerResult", "CancelBoard", "EngineConfig", "GuiJob", "ModelStatus",
    "NO_DOCUMENT", "QuestionJob", "TeachJob", "WorkerHost",
]


@dataclass(frozen=True)
class AnalysisJob:
    """Analyse one open document (``doc_id``) with the pattern entity types ``patterns`` merged in."""

    ticket: int
    doc_id: int
    text: str = field(repr=False)
    patterns: frozenset[str] = frozenset(PATTERN_TYPES)
    html_mode: HtmlMode = HtmlMode.MAIN  # how the text was read (part of the result store's key)


@dataclass(frozen=True)
class QuestionJob:
    """Answer ``question`` from one open document's text."""

    ticket: int
    doc_id: int
    question: str
    context: str = field(repr=False)


@dataclass(frozen=True)
class TeachJob:
    """Model work for the Teach panel (training a classifier, ranking sentences to label next): ``work``
    runs on the engine thread with the pool and gets (pool, progress, should_stop). It belongs to no
    document, so its ``doc_id`` is :data:`NO_DOCUMENT` and the tabs' handlers pass it by."""

    ticket: int
    what: str                      # "train", "suggest": says which result ``teach_ready`` carries
    work: Callable[[ModelPool, Callable[[int, int], None], Callable[[], bool]], Any] = field(
        repr=False, compare=False)
    doc_id: int = -1


@dataclass(frozen=True)
class SpeedJob:
    """Time each task's variants on this computer (Settings -> Models: "Measure"), on the engine thread so
    no analysis runs beside the calls being timed; the result is ``speed_ready`` with
    ``{(task, Variant): LocalSpeed}``."""

    ticket: int
    rounds: int
    doc_id: int = -1


NO_DOCUMENT = -1

GuiJob = AnalysisJob | QuestionJob | TeachJob | SpeedJob


@dataclass(frozen=True)
class AnalysisResult:
    """The whole document: the engine's analysis collected from every chunk (document offsets)."""

    analysis: Analysis
    chunks: int
    seconds: float
    key: str = ""  # the result store's key for what made it (models, patterns, rules), as batch's


@dataclass(frozen=True)
class AnswerResult:
    question: str
    answers: tuple[Answer, ...]   # empty: no answer found
    seconds: float


class CancelBoard:
    """Which jobs must stop. Written by the GUI thread, read by the engine thread between batches.

    Jobs are identified by increasing tickets, so "cancel everything submitted so far" is a single
    number and jobs submitted after a cancel are unaffected.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._all_upto = 0
        self._doc_upto: dict[int, int] = {}
        self._tickets: set[int] = set()

    def cancel_all(self, upto: int) -> None:
        with self._lock:
            self._all_upto = max(self._all_upto, upto)

    def cancel_doc(self, doc_id: int, upto: int) -> None:
        with self._lock:
            self._doc_upto[doc_id] = max(self._doc_upto.get(doc_id, 0), upto)

    def cancel_ticket(self, ticket: int) -> None:
        """One job only (a dialog's own job, closed while it runs): other jobs of no document go on."""
        with self._lock:
            self._tickets.add(ticket)

    def stopped(self, ticket: int, doc_id: int) -> bool:
        with self._lock:
            return ticket <= self._all_upto or ticket <= self._doc_upto.get(doc_id, 0) or ticket in self._tickets


class _Throttle:
    """Forwards (done, total) progress at most every PROGRESS_INTERVAL_S, plus the final value."""

    def __init__(self, emit: Callable[[int, int], None]) -> None:
        self.emit, self.last = emit, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL_S or done >= total:
            self.last = now
            self.emit(done, total)


def failure_message(exc: BaseException) -> str:
    """The one line a tab shows for a failed job: the engine's own reason for inputs it declines
    (no words, too long) and for missing models; anything else is a bug and says so."""
    if isinstance(exc, AnalysisError | BundleError | DocumentError | TeachError | TermsError):
        return one_line(exc)
    return f"unexpected error ({type(exc).__name__}: {one_line(exc)})"


class WorkerHost(QObject):
    """Submit document analyses and questions to the engine thread, cancel them, shut down cleanly.

    Owns (or is given) the app's one :class:`Scheduler` and :class:`ModelPool`; the batch dock runs its
    files on the same two, at batch priority, so a tab or a question never waits for a batch file.
    """

    models_found = Signal(object)             # ModelStatus
    job_started = Signal(object)              # AnalysisJob | QuestionJob
    progress = Signal(object, int, int)       # job, done, total (permille of the job)
    chunk_ready = Signal(object, object)      # AnalysisJob, AnalysisChunk: partial results, as they come
    analysis_ready = Signal(object, object)   # AnalysisJob, AnalysisResult
    answers_ready = Signal(object, object)    # QuestionJob, AnswerResult
    teach_ready = Signal(object, object)      # TeachJob, what its work returned
    speed_ready = Signal(object, object)      # SpeedJob, {(task, Variant): LocalSpeed}
    failed = Signal(object, str)              # job, one-line reason
    cancelled = Signal(object)                # job
    job_done = Signal(object)                 # job; always the last signal of a job
    busy_changed = Signal(bool)               # GUI thread: the first job submitted / the last one done

    def __init__(self, config: EngineConfig, parent: QObject | None = None, *,
                 scheduler: Scheduler | None = None, pool: ModelPool | None = None) -> None:
        super().__init__(parent)
        self.board = CancelBoard()
        self.pool = pool if pool is not None else ModelPool(config)
        self._owns_scheduler = scheduler is None
        self.scheduler = scheduler if scheduler is not None else Scheduler()
        self.job_done.connect(self._job_done)  # queued: this object lives in the GUI thread
        self._ticket = 0
        self._pending: set[int] = set()
        self._engine_jobs: dict[int, Job[Any]] = {}
        self._stopped = False
        self._config = config

    def start(self) -> None:
        """Apply the config and look for models; connect to the signals before calling this, or a fast
        answer (``models_found``) can be emitted before anyone listens.

        Also shortens the interpreter's thread switch interval: the engine thread runs Python between
        model calls, and every time the event loop calls into Python (a paint, a signal) the GUI thread
        may wait up to one interval for the interpreter. 1 ms instead of 5 ms keeps those waits short
        at a negligible cost in throughput.
        """
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.configure(self._config)
        self.rescan()

    @property
    def idle(self) -> bool:
        return not self._pending

    @property
    def config(self) -> EngineConfig:
        return self._config

    def configure(self, config: EngineConfig) -> None:
        """New threads, threshold or limits: applied on the engine thread before any later job (the
        pool's lock may be held there while models are built; the GUI thread never waits for it)."""
        self._config = config
        self._engine(lambda ctx: self.pool.configure(config), "configure")

    def rescan(self) -> None:
        """Look for bundles again (after the user installed one); the answer is ``models_found``."""
        self._engine(lambda ctx: self.pool.rescan(), "find models",
                     lambda job: self._found(job))

    def _found(self, job: Job[ModelStatus]) -> None:
        try:
            status = job.result()
        except Cancelled:  # shut down before it ran: nobody is waiting any more
            return
        except BaseException as exc:  # noqa: BLE001 - a scan that broke must still answer the GUI
            log.error("looking for models failed", exc_info=exc)
            reason = f"the model search failed ({failure_message(exc)})"
            status = ModelStatus(missing={t: reason for t in ("sentiment", "entities", "qa")})
        self.models_found.emit(status)

    def _engine(self, work: Callable[[JobContext], Any], name: str,
                on_done: Callable[[Job[Any]], None] | None = None) -> None:
        if self._stopped:
            raise RuntimeError("the engine has been shut down")
        self.scheduler.submit(work, Priority.INTERACTIVE, name=name, on_done=on_done)

    # --- jobs --------------------------------------------------------------------------------------

    def analyse(self, doc_id: int, text: str, patterns: Iterable[str] = PATTERN_TYPES,
                html_mode: HtmlMode = HtmlMode.MAIN) -> AnalysisJob:
        job = AnalysisJob(self._next_ticket(), doc_id, text, frozenset(patterns), html_mode)
        return self._submit(job, self._analyse)

    def ask(self, doc_id: int, question: str, context: str) -> QuestionJob:
        job = QuestionJob(self._next_ticket(), doc_id, question, context)
        return self._submit(job, self._answer)

    def teach(self, what: str, work: Callable[[ModelPool, Callable[[int, int], None], Callable[[], bool]], Any]
              ) -> TeachJob:
        """Run ``work`` (training, ranking) on the engine thread at interactive priority; the outcome is
        ``teach_ready``, ``failed`` (TeachError's one line as it is) or ``cancelled`` (:meth:`cancel_doc`
        with :data:`NO_DOCUMENT`, or :meth:`cancel`)."""
        job = TeachJob(self._next_ticket(), what, work)
        return self._submit(job, self._teach)

    def _teach(self, job: TeachJob, ctx: JobContext) -> Any:
        report = _Throttle(lambda done, total: self.progress.emit(job, done, total))
        return job.work(self.pool, report, self._stop_check(job, ctx))

    def measure_speed(self, rounds: int = DEFAULT_ROUNDS) -> SpeedJob:
        """Time every variant of each task that has two, with the engine's threads; the outcome is
        ``speed_ready``, ``failed`` or ``cancelled`` (:meth:`cancel_job`)."""
        return self._submit(SpeedJob(self._next_ticket(), rounds), self._measure)

    def _measure(self, job: SpeedJob, ctx: JobContext) -> dict:
        files = choosable(self.pool.status().choices)
        report = _Throttle(lambda done, total: self.progress.emit(job, done, total))
        return SpeedTrial(files, threads=self.pool.config.threads, rounds=job.rounds).run(
            report, self._stop_check(job, ctx))

    def _next_ticket(self) -> int:
        if self._stopped:
            raise RuntimeError("the engine has been shut down")
        self._ticket += 1
        return self._ticket

    def _submit(self, job, body):
        was_idle = self.idle
        self._pending.add(job.ticket)

        def work(ctx: JobContext):
            self.job_started.emit(job)
            if self.board.stopped(job.ticket, job.doc_id):
                raise Cancelled()
            return body(job, ctx)

        def done(engine_job: Job[Any]) -> None:
            self._finish(job, engine_job)

        priority = Priority.QUESTION if isinstance(job, QuestionJob) else Priority.INTERACTIVE
        self._engine_jobs[job.ticket] = self.scheduler.submit(
            work, priority, name=f"{type(job).__name__} {job.ticket} (document {job.doc_id})",
            on_done=done)
        if was_idle:
            self.busy_changed.emit(True)
        return job

    def _finish(self, job: GuiJob, engine_job: Job[Any]) -> None:
        """Engine thread: the job's one outcome signal, then job_done."""
        try:
            try:
                result = engine_job.result()
            except Cancelled:
                self.cancelled.emit(job)
            except BaseException as exc:  # noqa: BLE001 - every failure must reach the tab
                if not isinstance(exc, AnalysisError | BundleError | DocumentError | TeachError | TermsError):
                    log.error("engine job %s failed", engine_job.name, exc_info=exc)
                self.failed.emit(job, failure_message(exc))
            else:
                if isinstance(job, AnalysisJob):
                    self.analysis_ready.emit(job, result)
                elif isinstance(job, TeachJob):
                    self.teach_ready.emit(job, result)
                elif isinstance(job, SpeedJob):
                    self.speed_ready.emit(job, result)
                else:
                    self.answers_ready.emit(job, result)
        finally:
            self.job_done.emit(job)

    def _stop_check(self, job: GuiJob, ctx: JobContext) -> Callable[[], bool]:
        return lambda: ctx.should_stop() or self.board.stopped(job.ticket, job.doc_id)

    def _analyse(self, job: AnalysisJob, ctx: JobContext) -> AnalysisResult:
        """The engine's stream, each chunk emitted as it comes; the whole is the chunks collected."""
        analyzer = self.pool.analyzer()
        started = time.perf_counter()
        chunks: list[AnalysisChunk] = []
        report = _Throttle(lambda done, total: self.progress.emit(job, done, total))
        for chunk in analyzer.stream(job.text, patterns=job.patterns, progress=report,
                                     should_stop=self._stop_check(job, ctx)):
            chunks.append(chunk)
            self.chunk_ready.emit(job, chunk)
        whole = collect(chunks, analyzer.sentiment is not None)
        return AnalysisResult(whole, len(chunks), time.perf_counter() - started,
                              result_key(analyzer, job.patterns, job.html_mode))

    def _answer(self, job: QuestionJob, ctx: JobContext) -> AnswerResult:
        model = self.pool.qa()
        started = time.perf_counter()
        report = _Throttle(lambda done, total: self.progress.emit(job, done, total))
        answers = model.ask(job.question, job.context, top_k=3, threshold=self.pool.config.answer_threshold,
                            progress=report, should_stop=self._stop_check(job, ctx))
        return AnswerResult(job.question, tuple(answers), time.perf_counter() - started)

    # --- control -----------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the running job within one model batch and drop every job waiting behind it."""
        self.board.cancel_all(self._ticket)

    def cancel_job(self, job: GuiJob) -> None:
        """Stop this one job (within one model call) or drop it if it has not started."""
        self.board.cancel_ticket(job.ticket)

    def cancel_doc(self, doc_id: int) -> None:
        """Stop and drop this document's jobs (its tab was closed or is analysed again)."""
        self.board.cancel_doc(doc_id, self._ticket)

    @Slot(object)
    def _job_done(self, job: GuiJob) -> None:
        self._pending.discard(job.ticket)
        self._engine_jobs.pop(job.ticket, None)
        if self.idle:
            self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Cancel everything and stop the engine thread, waiting for it (idempotent).

        Waiting has no timeout on purpose: the running job stops at its next model batch once
        cancelled. A scheduler given by someone else is left running (its owner shuts it down).
        """
        if self._stopped:
            return
        self._stopped = True
        self.cancel()
        for engine_job in list(self._engine_jobs.values()):
            engine_job.cancel()
        if self._owns_scheduler:
            self.scheduler.shutdown(wait=True)
