"""One engine thread for every request: document tabs, questions and batch files share it, by priority.

Why one thread: the models' ONNX Runtime sessions already use the cores they were given; two threads
running models at once only fight over those cores (a question asked while a batch runs would take as
long as both). So all model work goes through one :class:`Scheduler`, one job at a time, highest
:class:`Priority` first and first come, first served within a priority.

Why a question does not wait for a batch file: jobs check ``should_stop`` before every model batch (the
engine's cancel point). For a job below the top priority that check also runs, right there, any
higher-priority jobs that arrived meanwhile; the lower job then goes on where it stopped. So interactive
work waits at most one model batch (tens of milliseconds), never a whole 200-page file; likewise a
question asked while a long document on screen is being analysed.

No Qt here: callers on any thread submit plain callables and either wait for the :class:`Job`'s result
or get it through ``on_done``; the GUI turns those calls into queued signals.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Generic, TypeVar

from sqzdesk.engine.windows import Cancelled

log = logging.getLogger(__name__)

T = TypeVar("T")


class Priority(IntEnum):
    QUESTION = 0      # a question: someone is waiting for a few words, and it takes a moment
    INTERACTIVE = 1   # the document on screen: someone is watching its results come in
    BATCH = 2         # folder work: runs whenever nothing interactive is waiting


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobContext:
    """What a running job gets: its cancel check (which also lets higher-priority work go first)."""

    def __init__(self, job: Job[Any], scheduler: Scheduler) -> None:
        self.job, self._scheduler = job, scheduler

    def should_stop(self) -> bool:
        """True when this job was cancelled; runs waiting higher-priority jobs first. Call it often."""
        self._scheduler._run_preempting(self.job.priority)
        return self.job.cancel_requested or self._scheduler.closed


@dataclass(eq=False)
class Job(Generic[T]):
    """A submitted unit of work; its result (or exception) is delivered through ``future``."""

    work: Callable[[JobContext], T]
    priority: Priority
    name: str = ""
    on_done: Callable[[Job[T]], None] | None = None
    future: Future[T] = field(default_factory=Future)
    state: JobState = JobState.QUEUED
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop at the job's next model batch, or never start it."""
        self._cancel.set()

    def result(self, timeout: float | None = None) -> T:
        """The job's return value; re-raises its exception; Cancelled when it was cancelled."""
        try:
            return self.future.result(timeout)
        except CancelledError:
            raise Cancelled() from None


class Scheduler:
    """Runs jobs on one daemon thread, by priority (see the module docstring)."""

    def __init__(self, name: str = "sqzdesk-engine") -> None:
        self._lock = threading.Condition()
        self._queue: list[tuple[int, int, Job[Any]]] = []
        self._order = itertools.count()
        self.closed = False
        self.steps = 0            # jobs started, preempting ones included (tests count them)
        self.preemptions = 0      # jobs run inside a lower-priority job's cancel check
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    # --- callers, any thread ----------------------------------------------------------------------
    def submit(self, work: Callable[[JobContext], T], priority: Priority = Priority.INTERACTIVE,
               name: str = "", on_done: Callable[[Job[T]], None] | None = None) -> Job[T]:
        job: Job[T] = Job(work, priority, name, on_done)
        with self._lock:
            if self.closed:
                raise RuntimeError("the engine scheduler has been shut down")
            heapq.heappush(self._queue, (int(priority), next(self._order), job))
            self._lock.notify_all()
        return job

    def run(self, work: Callable[[JobContext], T], priority: Priority = Priority.INTERACTIVE,
            name: str = "") -> T:
        """Submit and wait for the result (from the engine thread itself: run inline)."""
        if threading.current_thread() is self._thread:
            return work(_InlineContext())  # type: ignore[arg-type]
        job = self.submit(work, priority, name)
        try:
            return job.result()
        except BaseException:
            job.cancel()  # e.g. KeyboardInterrupt in the waiting thread: do not leave the job running
            raise

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def shutdown(self, wait: bool = True) -> None:
        """Cancel every job, stop the thread (idempotent). Running jobs stop at their next batch."""
        with self._lock:
            self.closed = True
            queued = [job for _, _, job in self._queue]
            self._queue.clear()
            self._lock.notify_all()
        for job in queued:
            job.cancel()
            self._finish_cancelled(job)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    # --- the engine thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self.closed:
                    self._lock.wait()
                if self.closed and not self._queue:
                    return
                _, _, job = heapq.heappop(self._queue)
            self._execute(job)

    def _run_preempting(self, below: Priority) -> None:
        """Run every queued job of a higher priority than ``below`` (inside the running job's check)."""
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] >= below:
                    return
                _, _, job = heapq.heappop(self._queue)
            self.preemptions += 1
            self._execute(job)

    def _execute(self, job: Job[Any]) -> None:
        self.steps += 1
        if job.cancel_requested or not job.future.set_running_or_notify_cancel():
            self._finish_cancelled(job)
            return
        job.state = JobState.RUNNING
        try:
            value = job.work(JobContext(job, self))
        except Cancelled as exc:
            job.state = JobState.CANCELLED
            job.future.set_exception(exc)
        except BaseException as exc:  # delivered to whoever waits; the thread must survive any job
            if not isinstance(exc, Exception):
                log.exception("engine job %r raised %s", job.name, type(exc).__name__)
            job.state = JobState.FAILED
            job.future.set_exception(exc)
        else:
            job.state = JobState.DONE
            job.future.set_result(value)
        self._notify(job)

    def _finish_cancelled(self, job: Job[Any]) -> None:
        job.state = JobState.CANCELLED
        if not job.future.done():
            job.future.set_exception(Cancelled())
        self._notify(job)

    @staticmethod
    def _notify(job: Job[Any]) -> None:
        if job.on_done is None:
            return
        try:
            job.on_done(job)
        except Exception:
            log.exception("on_done of engine job %r failed", job.name)


class _InlineContext:
    """The context of a job run inline on the engine thread: never cancelled from outside."""

    job = None

    def should_stop(self) -> bool:
        return False
