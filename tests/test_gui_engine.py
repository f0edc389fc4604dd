"""The window on the app's one engine: the same results as the command line, the dock sharing the engine.

Issue 14's acceptance: a GUI tab, ``sqzdesk analyze`` and ``sqzdesk batch`` give identical results for
the same long file (same chunks, same batch size, same pattern merge, same document rule), and the batch
dock runs on the window's models and engine thread, so a question asked meanwhile is answered while the
batch still has files to do. Nothing here measures time.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace

from guikit import NEWS, long_text, make_window, open_and_wait
from PySide6.QtCore import QObject, Signal

from sqzdesk.batch.runner import RunOptions
from sqzdesk.cli import main as cli_main
from sqzdesk.engine.chunks import split_chunks
from sqzdesk.engine.patterns import PATTERN_TYPES
from sqzdesk.gui.batch_panel import RowState
from sqzdesk.gui.qa_panel import QAState
from sqzdesk.gui.settings import Settings

EMAIL, PHONE, IBAN = "anna.berg@example.org", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00"


def long_file_with_patterns(tmp_path):
    """Several chunks of report, with an e-mail, an IBAN and a phone number in different chunks."""
    parts = [long_text(3_500), f"Write to {EMAIL} about the refund.\n\n", long_text(3_500),
             f"The refund goes to IBAN {IBAN} at the Acme bank in Berlin.\n\n", long_text(3_500),
             f"Angela Merkel asked her to call {PHONE} before Friday.\n"]
    path = tmp_path / "report.txt"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_a_tab_analyze_and_batch_give_identical_results_for_a_long_file(qtbot, tmp_path, capsys):
    path = long_file_with_patterns(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert len(split_chunks(text)) >= 4

    assert cli_main(["--threads", "1", "analyze", str(path), "--format", "json"]) == 0
    [analyzed] = json.loads(capsys.readouterr().out)
    out = tmp_path / "batch.jsonl"
    assert cli_main(["--threads", "1", "batch", str(path), "--out", str(out), "--store",
                     str(tmp_path / "store.sqlite3"), "-q"]) == 0
    [batched] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    assert tab.chunks_done == len(split_chunks(text))
    shown = tab.analysis.to_record()  # the collected stream; the widgets show exactly this (below)

    for record in (analyzed, batched):
        assert shown["sentiment"] == record["sentiment"]
        assert shown["sentences"] == record["sentences"]
        assert shown["entities"] == record["entities"]
    assert {e["label"] for e in shown["entities"]} >= {"EMAIL", "IBAN", "PHONE"}
    assert [e["text"] for e in shown["entities"] if e["label"] in PATTERN_TYPES] == [EMAIL, IBAN, PHONE]

    # what the widgets hold is that result: every entity, every sentence, the engine's document sentiment
    assert [e.to_dict() for e in tab.entities] == shown["entities"]
    assert [s.to_dict() for s in tab.sentiment.chart.sentences] == shown["sentences"]
    assert tab.sentiment.document == tab.analysis.sentiment


def plain(label) -> list[str]:
    return re.sub(r"<[^>]+>", "", label.text()).replace("&nbsp;", " ").replace("■", "").split()


def test_the_panel_says_the_document_rule_with_counts_a_reader_can_check(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(long_text(8_000))
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    sentences = tab.analysis.sentences
    neutral_below = window.models.neutral_below()
    uncertain = sum(s.score < neutral_below for s in sentences)
    positive = sum(s.label == "positive" and s.score >= neutral_below for s in sentences)
    negative = len(sentences) - positive - uncertain
    doc = tab.analysis.sentiment
    overall = " ".join(plain(tab.sentiment.overall))
    rule = " ".join(plain(tab.sentiment.counts))
    name = f"Mixed (leans {doc.label})" if doc.mixed else doc.label.capitalize()
    # 8,000 characters: over PASSAGE_CHARS, so the mean of the sentences (a short one reads "read in passages")
    assert overall == f"{name} score {doc.score:.2f} — mean of {len(sentences)} sentences"
    expected = f"{positive} positive, {negative} negative"
    assert rule == expected + (f", {uncertain} uncertain" if neutral_below > 0 else "")
    assert "mean of those probabilities" in tab.sentiment.counts.toolTip()


class _Asker(QObject):
    """Lives in the GUI thread: the engine thread asks it (queued) to submit the question there."""

    ask = Signal()


def test_a_question_asked_while_the_dock_runs_a_batch_is_answered_before_the_batch_ends(qtbot, tmp_path,
                                                                                       monkeypatch):
    docs = tmp_path / "folder"
    docs.mkdir()
    for i in range(12):
        (docs / f"n{i:02d}.txt").write_text(long_text(4_000), encoding="utf-8")
    news = tmp_path / "news.txt"
    news.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, news)
    panel = window.batch_panel()
    assert panel.pool is window.host.pool and panel.scheduler is window.host.scheduler  # one engine

    # The question is asked from inside the second file's analysis, on the engine thread: the GUI
    # submits it while that batch job holds the engine, whatever the machine's speed.
    asker, asked = _Asker(), threading.Event()
    asker.ask.connect(lambda: (window.ask(tab.doc_id, "What did Angela Merkel visit?"), asked.set()))
    analyzer = window.host.pool.analyzer()  # the shared models the dock's runner gets
    real_analyze, files = analyzer.analyze, [0]

    def analyze(text, **kwargs):  # a batch file's job, on the engine thread
        files[0] += 1
        if files[0] == 2:
            asker.ask.emit()
            assert asked.wait(60)
        return real_analyze(text, **kwargs)

    monkeypatch.setattr(analyzer, "analyze", analyze)
    preempted_before = window.host.scheduler.preemptions
    pending_at_answer: list[int] = []
    window.host.answers_ready.connect(lambda job, result: pending_at_answer.append(panel.model.pending()))
    with qtbot.waitSignal(panel.batch_finished, timeout=120_000):
        panel.add_paths([docs])
    assert tab.qa.state in (QAState.ANSWERS, QAState.NO_ANSWER)
    # answered inside the batch job's next cancel check, while 11 of the 12 files were still to do
    assert window.host.scheduler.preemptions > preempted_before
    assert len(pending_at_answer) == 1 and pending_at_answer[0] >= 11
    assert {row.status for row in panel.model.rows} == {RowState.DONE}


def test_the_dock_follows_the_settings(qtbot, tmp_path):
    window = make_window(qtbot, threads=0, max_document_mb=1)
    panel = window.batch_panel()
    assert panel.options == RunOptions(max_bytes=1024 * 1024)
    threads = Settings(threads=0).effective_threads()
    qtbot.waitUntil(lambda: window.host.pool.config.threads == threads, timeout=30_000)
    assert threads >= 1  # never 0 ("every core") handed to ONNX Runtime

    big = tmp_path / "big.txt"
    big.write_text("Bob met Alice in Rome and it went well.\n" + " " * 1_200_000)  # over the 1 MB limit
    with qtbot.waitSignal(panel.batch_finished, timeout=60_000):
        panel.add_paths([big])
    row = panel.model.rows[0]
    assert row.status == RowState.FAILED and "1 MB" in row.detail

    window.apply_settings(replace(window.settings, threads=2, max_document_mb=2))  # the dialog's OK
    assert panel.options.max_bytes == 2 * 1024 * 1024
    qtbot.waitUntil(lambda: window.host.pool.config.threads == 2, timeout=30_000)
    with qtbot.waitSignal(panel.batch_finished, timeout=60_000):
        panel.add_paths([big])
    row = panel.model.rows[0]
    assert row.status == RowState.DONE and row.result.sentences
    session = window.host.pool.analyzer().sentiment.session.session
    assert session.get_session_options().intra_op_num_threads == 2  # the dock's models: the settings' threads
    window.close()
