"""The engine thread: incremental results, cancel within a batch, a responsive GUI, a clean shutdown."""

from __future__ import annotations

import time

from guikit import NEWS, event_loop_gaps, long_text, make_window, reference_analyzer
from PySide6.QtCore import Qt

from sqzdesk.gui.chunking import split_chunks
from sqzdesk.gui.worker import EngineConfig, WorkerHost


def test_worker_emits_chunks_then_the_whole_in_document_offsets(qtbot):
    text = long_text(7_000)
    host = WorkerHost(EngineConfig(threads=1))
    chunks = []
    host.worker.chunk_ready.connect(lambda doc_id, c: chunks.append(c))
    host.start()
    try:
        with qtbot.waitSignal(host.worker.analysis_ready, timeout=20_000) as ready:
            host.analyse(7, text)
        doc_id, result = ready.args
        assert doc_id == 7 and len(chunks) == len(split_chunks(text)) > 1
        assert [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in split_chunks(text)]
        assert result.analysis.entities == tuple(e for c in chunks for e in c.analysis.entities)
        analyzer = reference_analyzer()
        for c in chunks:  # each chunk is exactly the engine's answer for that slice, shifted
            alone = analyzer.analyze(text[c.start:c.end])
            assert [(e.start + c.start, e.end + c.start, e.label) for e in alone.entities] == \
                [(e.start, e.end, e.label) for e in c.analysis.entities]
        assert all(text[e.start:e.end] == e.text for e in result.analysis.entities)
        assert result.analysis.sentiment is not None and result.seconds > 0
        qtbot.waitUntil(lambda: host.idle)

        with qtbot.waitSignal(host.worker.failed, timeout=10_000) as failed:
            host.analyse(8, "   \n\n  ")
        assert failed.args[0] == 8 and "no text to analyse" in failed.args[1]
    finally:
        host.shutdown()
    assert host.thread.isFinished()


def open_long_document(qtbot, tmp_path, chunks: int):
    """A 200 KB document open in a window, analysis under way with ``chunks`` chunks done."""
    path = tmp_path / "long.txt"
    path.write_text(long_text(200_000))
    window = make_window(qtbot)
    assert window.open_path(path)
    tab = window.current_tab()
    qtbot.waitUntil(lambda: tab.chunks_done >= chunks, timeout=20_000)
    return window, tab


def test_cancel_stops_a_long_analysis_and_the_worker_is_idle_again(qtbot, tmp_path):
    window, tab = open_long_document(qtbot, tmp_path, chunks=2)
    assert window.cancel_action.isEnabled() and window.status.cancel.isVisible()
    started = time.perf_counter()
    with qtbot.waitSignal(window.host.worker.cancelled, timeout=5_000):
        qtbot.keyClick(window.current_tab().view, Qt.Key.Key_Escape)  # the Cancel shortcut
    assert time.perf_counter() - started < 2.0
    qtbot.waitUntil(lambda: window.host.idle)
    assert tab.state == "cancelled" and "cancelled" in tab.state_label.text()
    assert 2 <= tab.chunks_done < len(split_chunks(tab.document.text))
    assert tab.entities, "results found before the cancel are kept"
    assert not window.cancel_action.isEnabled() and not window.status.cancel.isVisible()
    # the worker takes new work afterwards
    with qtbot.waitSignal(window.host.worker.job_started, timeout=5_000):
        window.reanalyse()
    window.cancel()
    qtbot.waitUntil(lambda: window.host.idle, timeout=10_000)


def test_gui_thread_never_stalls_while_a_long_document_is_analysed(qtbot, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(long_text(90_000))
    window = make_window(qtbot)
    tab, first, gaps = event_loop_gaps(qtbot, window, path)
    assert tab.chunks_done - first >= 10 and len(gaps) > 20
    worst = max(gaps)
    print(f"worst event-loop gap {worst * 1000:.0f} ms over {len(gaps)} ticks")
    assert worst < 0.1, f"the event loop stalled for {worst * 1000:.0f} ms"


def test_closing_the_window_mid_analysis_stops_the_thread_cleanly(qtbot, tmp_path, qtlog):
    window, tab = open_long_document(qtbot, tmp_path, chunks=1)
    thread = window.host.thread
    assert thread.isRunning()
    started = time.perf_counter()
    window.close()
    assert thread.isFinished() and time.perf_counter() - started < 2.0
    assert not [r.message for r in qtlog.records if "QThread" in r.message or "Destroyed" in r.message]


def test_closing_a_tab_drops_its_queued_work(qtbot, tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(long_text(60_000))
    second.write_text(NEWS)
    window = make_window(qtbot)
    assert window.open_paths([first, second]) == 2
    window.close_tab(0)  # first.txt: running now; its job stops and second.txt goes on
    tab = window.current_tab()
    assert tab.title == "second.txt"
    qtbot.waitUntil(lambda: tab.state == "done", timeout=20_000)
    qtbot.waitUntil(lambda: window.host.idle)
