"""The job runner: scanned files in, one stored :class:`FileResult` per file out. No Qt.

The CLI calls it on the main thread and the batch panel from a worker thread; both talk to it through
plain callbacks and a :class:`RunControl`, so neither needs to know how the other works.

Per file: read once and hash, answer from the store when the same content was already analysed by the
same models (that is what makes a rerun a resume), otherwise parse, analyse (pattern entities merged
in by the engine's stream) and commit the result before moving on. A bad file becomes a failed result with a one-line reason; nothing a
single file does stops the batch.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.scan import ScanProblem
from sqzdesk.batch.source import load_source
from sqzdesk.batch.store import ResultStore, result_key
from sqzdesk.documents import DEFAULT_MAX_BYTES, DocumentError
from sqzdesk.documents.html import HtmlMode
from sqzdesk.documents.ocr import ReadCancelled, ReadHooks
from sqzdesk.engine.analysis import Analysis, Analyzer
from sqzdesk.engine.patterns import PATTERN_TYPES
from sqzdesk.engine.scheduler import JobContext, Priority, Scheduler
from sqzdesk.engine.windows import Cancelled, ShouldStop
from sqzdesk.reasons import failure_reason, one_line


@dataclass(frozen=True)
class RunOptions:
    reuse: bool = True                 # answer unchanged files from the store (skip / resume)
    retry_failed: bool = False         # ...but analyse stored failures again
    time_budget_s: float | None = None  # per file; over it the file is recorded as failed
    patterns: frozenset[str] = field(default_factory=lambda: frozenset(PATTERN_TYPES))
    max_bytes: int = DEFAULT_MAX_BYTES
    html_mode: HtmlMode = HtmlMode.MAIN  # HTML pages: main content or the whole page (part of the store key)


@dataclass(frozen=True)
class BatchProgress:
    done: int
    total: int
    failed: int
    reused: int
    elapsed_s: float
    eta_s: float | None          # None until one file has been worked on
    current: Path | None = None  # the file about to be worked on, if any

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class BatchSummary:
    total: int
    analysed: int
    reused: int
    failed: int
    cancelled: bool
    elapsed_s: float


class RunControl:
    """Pause and cancel flags, safe to set from any thread while a batch runs in another.

    Pause takes effect between files (a file in flight finishes); cancel takes effect within one model
    batch, and the file in flight is then not recorded, so a later run picks it up again.
    """

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused runner so it can see the cancel

    def reset(self) -> None:
        """Clear a cancel before a new run (pause is left as the user set it)."""
        self._cancel.clear()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait_while_paused(self) -> bool:
        """Block while paused; False when the run was cancelled instead of resumed."""
        while not self._running.wait(0.1):
            pass
        return not self.cancelled


class BatchRunner:
    """Works through files with one analyzer; with a ``scheduler`` (the GUI's, shared with the document
    tabs) each file's analysis runs as a batch-priority job there, so interactive work goes first."""

    def __init__(self, analyzer: Analyzer, store: ResultStore, options: RunOptions | None = None,
                 control: RunControl | None = None, clock: Callable[[], float] = time.monotonic,
                 scheduler: Scheduler | None = None):
        self.analyzer, self.store = analyzer, store
        self.options = options or RunOptions()
        self.control = control or RunControl()
        self.clock = clock
        self.scheduler = scheduler
        self.key = result_key(analyzer, self.options.patterns, self.options.html_mode)

    def run(self, items: Iterable[Path | ScanProblem], *,
            on_start: Callable[[Path], None] | None = None,
            on_result: Callable[[FileResult], None] | None = None,
            on_progress: Callable[[BatchProgress], None] | None = None) -> BatchSummary:
        """Work through the items in order; callbacks run on this thread after each step.

        Scan problems are passed to ``on_result`` as failed, non-file results (not stored).
        """
        queue = _unique(items)
        started = self.clock()
        work_s = 0.0  # time spent on files, pauses excluded, for the ETA
        done = analysed = reused = failed = 0
        cancelled = False

        def report(current: Path | None) -> None:
            if on_progress is not None:
                eta = work_s / done * (len(queue) - done) if done else None
                elapsed = self.clock() - started
                on_progress(BatchProgress(done, len(queue), failed, reused, elapsed, eta, current))

        for item in queue:
            path = item.path if isinstance(item, ScanProblem) else item
            report(path)
            if not self.control.wait_while_paused():
                cancelled = True
                break
            if on_start is not None:
                on_start(path)
            t0 = self.clock()
            result = self._problem(item) if isinstance(item, ScanProblem) else self.process(item)
            work_s += self.clock() - t0
            if result is None:
                cancelled = True
                break
            done += 1
            failed += result.failed
            reused += result.reused
            analysed += result.is_file and not result.reused
            if on_result is not None:
                on_result(result)
        report(None)
        return BatchSummary(len(queue), analysed, reused, failed, cancelled, self.clock() - started)

    def process(self, path: Path) -> FileResult | None:
        """One file, stored before returning; None when cancelled mid-file (then nothing is stored)."""
        t0 = self.clock()
        try:
            source = load_source(path, self.options.max_bytes)
        except DocumentError as exc:
            return self._record(FileResult(path, None, error=exc.reason), t0)
        if self.options.reuse:
            stored = self.store.lookup(path, source.sha256, self.key)
            if stored is not None and not (stored.failed and self.options.retry_failed):
                return replace(stored, path=path, reused=True)
        budget = self.options.time_budget_s
        deadline = t0 + budget if budget else None

        def should_stop() -> bool:
            return self.control.cancelled or (deadline is not None and self.clock() > deadline)

        try:
            document = source.document(hooks=ReadHooks(should_stop=should_stop), html_mode=self.options.html_mode)  # a scan's OCR stops too
            analysis = self._analyze(document.text, should_stop, str(path))
        except (Cancelled, ReadCancelled):
            if self.control.cancelled or (self.scheduler is not None and self.scheduler.closed):
                return None
            reason = f"took longer than {budget or 0:g} s"
            return self._record(FileResult(path, source.sha256, error=reason), t0)
        except DocumentError as exc:
            return self._record(FileResult(path, source.sha256, error=exc.reason), t0)
        except Exception as exc:  # no words, too long, or an engine failure on one odd input (which must
            # not end a thousand-file batch): the file is recorded as failed with the reason
            return self._record(FileResult(path, source.sha256, error=failure_reason(exc)), t0)
        return self._record(FileResult(path, source.sha256, analysis), t0)

    def _analyze(self, text: str, should_stop: ShouldStop, name: str) -> Analysis:
        if self.scheduler is None:
            return self.analyzer.analyze(text, patterns=self.options.patterns, should_stop=should_stop)

        def job(ctx: JobContext) -> Analysis:
            def stop() -> bool:
                preempted = ctx.should_stop()  # first: it also lets waiting interactive work run
                return preempted or should_stop()
            return self.analyzer.analyze(text, patterns=self.options.patterns, should_stop=stop)

        return self.scheduler.run(job, Priority.BATCH, name=name)

    @staticmethod
    def _problem(problem: ScanProblem) -> FileResult:
        return FileResult(problem.path, None, error=one_line(problem.reason), is_file=False)

    def _record(self, result: FileResult, t0: float) -> FileResult:
        result = replace(result, seconds=self.clock() - t0, analysed_at=time.time())
        self.store.put(result, self.key)
        return result


def _unique(items: Iterable[Path | ScanProblem]) -> list[Path | ScanProblem]:
    """Each file once, even when overlapping inputs (``DIR DIR/a.txt``) name it twice."""
    seen: set[str] = set()
    out = []
    for item in items:
        if not isinstance(item, ScanProblem):
            key = os.path.abspath(item)
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out


def failed_paths(results: Iterable[FileResult]) -> list[Path]:
    """The files to hand back to the runner for "re-run failed" (scan problems cannot be re-run)."""
    return [r.path for r in results if r.failed and r.is_file]
