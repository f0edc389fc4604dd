"""The engine seen from the GUI: jobs as signals that carry the job, results in steps, cancel, shutdown.

Nothing here measures time: long work is checked by counting (one chunk signal per chunk, the GUI's
event loop turning between them, chunks done before a cancel), so a busy machine cannot turn a test red.
"""

from __future__ import annotations

import threading

from guikit import NEWS, analyse_in_steps, long_text, make_window, reference_analyzer
from PySide6.QtCore import QObject, Qt, QThread

from sqzdesk.engine.analysis import collect
from sqzdesk.engine.chunks import split_chunks
from sqzdesk.engine.scheduler import Priority, Scheduler
from sqzdesk.gui.document_tab import TabState
from sqzdesk.gui.worker import AnalysisJob, EngineConfig, QuestionJob, WorkerHost


class Recorder(QObject):
    """Receives every host signal in the GUI thread (it lives there) and notes the thread it ran on."""

    def __init__(self, host: WorkerHost) -> None:
        super().__init__()
        self.events: list[tuple] = []
        self.threads: set[bool] = set()
        for name in ("job_started", "chunk_ready", "analysis_ready", "answers_ready", "failed", "cancelled",
                     "job_done"):
            getattr(host, name).connect(lambda *args, name=name: self._note(name, args))

    def _note(self, name: str, args: tuple) -> None:
        self.threads.add(QThread.currentThread() is self.thread())
        self.events.append((name, *args))

    def names(self, job) -> list[str]:
        return [e[0] for e in self.events if e[1] == job]

    def done(self, *jobs) -> bool:
        """Every job's last signal reached this recorder (the host may turn idle a moment before)."""
        return all("job_done" in self.names(job) for job in jobs)


def test_signals_carry_the_job_and_give_the_engines_stream(qtbot):
    text = long_text(7_000)
    host = WorkerHost(EngineConfig(threads=1))
    seen = Recorder(host)
    host.start()
    try:
        job = host.analyse(7, text)
        assert isinstance(job, AnalysisJob) and job.doc_id == 7 and not host.idle
        qtbot.waitUntil(lambda: host.idle and seen.done(job), timeout=30_000)
        n = len(split_chunks(text))
        assert n > 1
        assert seen.names(job) == ["job_started", *["chunk_ready"] * n, "analysis_ready", "job_done"]
        assert seen.threads == {True}, "every signal is delivered in the GUI thread"
        chunks = [e[2] for e in seen.events if e[0] == "chunk_ready"]
        result = next(e[2] for e in seen.events if e[0] == "analysis_ready")
        expected = list(reference_analyzer().stream(text))  # the engine's one path, same batch size
        assert chunks == expected
        assert result.analysis == collect(expected) and result.chunks == n
        assert result.analysis.sentiment == chunks[-1].document is not None
        assert all(text[e.start:e.end] == e.text for e in result.analysis.entities)

        question = host.ask(7, "Who met the board?", NEWS)
        assert isinstance(question, QuestionJob)
        qtbot.waitUntil(lambda: host.idle and seen.done(question), timeout=20_000)
        assert seen.names(question) == ["job_started", "answers_ready", "job_done"]
    finally:
        host.shutdown()
    assert not host.scheduler._thread.is_alive()


def test_text_without_words_fails_with_the_engines_one_line_reason(qtbot):
    host = WorkerHost(EngineConfig(threads=1))
    seen = Recorder(host)
    host.start()
    try:
        job = host.analyse(8, "   \n\n ---- ==== ")
        qtbot.waitUntil(lambda: host.idle and seen.done(job), timeout=20_000)
    finally:
        host.shutdown()
    assert seen.names(job) == ["job_started", "failed", "job_done"]
    failed = next(e for e in seen.events if e[0] == "failed")
    assert failed[2] == "no text to analyse: the document has no words"


def test_a_bug_in_the_engine_is_reported_as_one_not_as_no_words(qtbot, monkeypatch):
    from sqzdesk.engine.analysis import Analyzer

    def broken(self, text, **kwargs):
        raise ValueError("index out of range in a tokenizer")
        yield  # a generator, like the real stream

    monkeypatch.setattr(Analyzer, "stream", broken)
    host = WorkerHost(EngineConfig(threads=1))
    seen = Recorder(host)
    host.start()
    try:
        job = host.analyse(9, NEWS)
        qtbot.waitUntil(lambda: host.idle and seen.done(job), timeout=20_000)
    finally:
        host.shutdown()
    reason = next(e[2] for e in seen.events if e[0] == "failed")
    assert reason == "unexpected error (ValueError: index out of range in a tokenizer)"


def test_a_long_document_arrives_chunk_by_chunk_with_the_gui_running_between(qtbot, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(long_text(40_000))
    window = make_window(qtbot)
    tab, steps = analyse_in_steps(qtbot, window, path)
    chunks = split_chunks(tab.document.text)
    assert len(chunks) >= 10
    assert steps.spans == [(c.start, c.end) for c in chunks]   # one signal per chunk, in order
    assert all(turns >= 1 for turns in steps.turns_between_chunks())
    assert tab.chunks_done == len(chunks) and tab.state == TabState.DONE


def hold_after(host: WorkerHost, chunks: int) -> threading.Event:
    """Hold the engine thread right after it emitted its ``chunks``-th chunk until the Event is set, so
    a test can act "in the middle of an analysis" whatever the machine's speed."""
    release = threading.Event()
    count = [0]

    def emitted(job, chunk) -> None:  # engine thread
        count[0] += 1
        if count[0] == chunks:
            release.wait(60)

    host.chunk_ready.connect(emitted, Qt.ConnectionType.DirectConnection)
    return release


def open_long_document(qtbot, tmp_path, chunks: int):
    """A 200 KB document open in a window, its analysis held after ``chunks`` chunks (set the Event)."""
    path = tmp_path / "long.txt"
    path.write_text(long_text(200_000))
    window = make_window(qtbot)
    release = hold_after(window.host, chunks)
    assert window.open_path(path)
    tab = window.current_tab()
    qtbot.waitUntil(lambda: tab.chunks_done >= chunks, timeout=30_000)
    return window, tab, release


def test_cancel_stops_a_long_analysis_and_the_engine_takes_work_again(qtbot, tmp_path):
    window, tab, release = open_long_document(qtbot, tmp_path, chunks=2)
    assert window.cancel_action.isEnabled() and window.status.cancel.isVisible()
    with qtbot.waitSignal(window.host.cancelled, timeout=30_000) as cancelled:
        qtbot.keyClick(window.current_tab().view, Qt.Key.Key_Escape)  # the Cancel shortcut
        release.set()
    assert cancelled.args[0] == tab.job
    qtbot.waitUntil(lambda: window.host.idle, timeout=30_000)
    assert tab.state == TabState.CANCELLED and "cancelled" in tab.state_label.text()
    assert tab.chunks_done == 2 < len(split_chunks(tab.document.text))  # stopped at the next model batch
    assert tab.entities, "results found before the cancel are kept"
    assert "so far" in tab.sentiment.overall.text()
    assert not window.cancel_action.isEnabled() and not window.status.cancel.isVisible()
    # the engine takes new work afterwards
    with qtbot.waitSignal(window.host.job_started, timeout=30_000) as started:
        window.reanalyse()
    assert started.args[0].doc_id == tab.doc_id and started.args[0] == tab.job
    window.cancel()
    qtbot.waitUntil(lambda: window.host.idle, timeout=30_000)


def test_closing_the_window_mid_analysis_stops_the_engine_cleanly(qtbot, tmp_path, qtlog):
    window, tab, release = open_long_document(qtbot, tmp_path, chunks=1)
    engine = window.host.scheduler._thread
    assert engine.is_alive()
    threading.Timer(0, release.set).start()  # the engine goes on while the window closes
    window.close()
    assert not engine.is_alive() and window.host.scheduler.closed
    assert not [r.message for r in qtlog.records if "QThread" in r.message or "Destroyed" in r.message]


def test_closing_a_tab_drops_its_queued_work(qtbot, tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(long_text(60_000))
    second.write_text(NEWS)
    window = make_window(qtbot)
    cancelled = []
    window.host.cancelled.connect(cancelled.append)
    busy = threading.Event()
    window.host.scheduler.submit(lambda ctx: busy.wait(60))  # the engine is busy with something else
    assert window.open_paths([first, second]) == 2
    window.close_tab(0)  # first.txt: queued; its job is dropped and second.txt goes on
    busy.set()
    tab = window.current_tab()
    assert tab.title == "second.txt"
    qtbot.waitUntil(lambda: tab.state == TabState.DONE, timeout=30_000)
    qtbot.waitUntil(lambda: window.host.idle, timeout=30_000)
    assert [j.doc_id for j in cancelled] == [1]


def test_an_interactive_job_runs_inside_a_batch_jobs_cancel_check(qtbot):
    """The scheduler the window shares with the batch dock: a question waits one model batch, not a file."""
    scheduler = Scheduler()
    host = WorkerHost(EngineConfig(threads=1), scheduler=scheduler)
    seen = Recorder(host)
    host.start()
    asked = threading.Event()
    order: list[str] = []
    host.job_done.connect(lambda job: order.append("question done"), Qt.ConnectionType.DirectConnection)

    def batch_file(ctx) -> None:  # stands in for a long batch file: many model batches
        order.append("batch starts")
        asked.wait(30)
        for _ in range(3):
            ctx.should_stop()
        order.append("batch ends")

    try:
        qtbot.waitUntil(lambda: scheduler.pending == 0, timeout=20_000)  # config and model scan done
        job = scheduler.submit(batch_file, Priority.BATCH)
        qtbot.waitUntil(lambda: order == ["batch starts"], timeout=20_000)
        question = host.ask(1, "Who met the board?", NEWS)
        asked.set()
        qtbot.waitUntil(lambda: host.idle and seen.done(question), timeout=20_000)
        job.result(30)
    finally:
        host.shutdown()
        scheduler.shutdown()
    assert order == ["batch starts", "question done", "batch ends"] and scheduler.preemptions >= 1
    assert seen.names(question) == ["job_started", "answers_ready", "job_done"]
