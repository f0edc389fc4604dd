"""The GUI's pure helpers: offset conversion, settings persistence, the PySide6 guard, states, the rule text."""

from __future__ import annotations

import json
import sys

from sqzdesk.engine import SentenceSentiment
from sqzdesk.gui import qt_compat
from sqzdesk.gui.offsets import Utf16Map
from sqzdesk.gui.settings import DEFAULT_COLOURS, Settings, SettingsStore


def test_utf16_map_matches_qt_counting_around_astral_characters():
    text = "a🙂b 𝔘𝔫𝔦 é c\U0001F600"
    m = Utf16Map(text)
    assert m.utf16_length == len(text.encode("utf-16-le")) // 2
    for i in range(len(text) + 1):
        u = len(text[:i].encode("utf-16-le")) // 2
        assert m.to_utf16(i) == u
        assert m.to_code_point(u) == i
    assert m.to_code_point(2) == 1  # between the two halves of "🙂": rounds down to the emoji


def test_utf16_map_is_identity_for_plain_text():
    m = Utf16Map("plain ascii")
    assert [m.to_utf16(i) for i in range(12)] == list(range(12))
    assert m.to_code_point(5) == 5


def test_settings_round_trip(tmp_path):
    store = SettingsStore(tmp_path / "cfg" / "settings.json")
    s = Settings(threads=3, hidden_types=("MISC",), colours={**DEFAULT_COLOURS, "PER": "#ffffff"},
                 max_document_mb=7, sentiment_tint=False, answer_threshold=0.25,
                 folded=("sentiment",), measured={"m 1.0 | 1 threads | AVX2 only": 131.5}).with_recent(tmp_path / "a.txt")
    store.save(s)
    assert store.load() == s
    assert json.loads(store.path.read_text())["hidden_types"] == ["MISC"]


def test_settings_load_is_lenient(tmp_path):
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    assert store.load() == Settings()  # no file
    path.write_text("{not json")
    assert store.load() == Settings()
    path.write_text(json.dumps({"threads": "many", "sentiment_tint": False, "colours": {"PER": 3},
                                "recent_files": ["/x.txt"], "max_document_mb": 0, "unknown": 1,
                                "folded": "sentiment", "measured": {"a": 12, "b": "fast", "c": True, "d": -1}}))
    loaded = store.load()
    assert loaded.threads == 0 and loaded.sentiment_tint is False and loaded.colours == DEFAULT_COLOURS
    assert loaded.recent_files == ("/x.txt",) and loaded.max_document_mb == 1
    assert loaded.folded == ()  # a string, not a list of names
    assert loaded.measured == {"a": 12.0}  # figures only; the rest of the entries dropped one by one


def test_recent_list_is_unique_and_bounded(tmp_path):
    s = Settings()
    for i in range(15):
        s = s.with_recent(tmp_path / f"{i}.txt")
    s = s.with_recent(tmp_path / "3.txt")
    assert len(s.recent_files) == 10 and s.recent_files[0].endswith("3.txt")
    assert len(set(s.recent_files)) == 10


def test_pyside_none_guard_survives_many_void_calls(qapp):
    from PySide6.QtCore import QObject

    obj = QObject()
    for _ in range(50_000):  # far more than None's natural count on 3.11
        obj.setObjectName("x")
    assert sys.getrefcount(None) > 1000
    assert qt_compat.protect_none() == qt_compat.applied  # idempotent


def test_expected_qt_warnings_are_dropped_and_others_pass(qtlog):
    """The binary's Qt has no ICU, so QCollator warns on creation; that one line is dropped, nothing else."""
    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from sqzdesk.gui.app import quiet_qt_messages

    previous = quiet_qt_messages()
    try:
        qWarning("Could not create collator: 16")
        qWarning("something else went wrong")
    finally:
        qInstallMessageHandler(previous)
    messages = [record.message for record in qtlog.records]
    assert "something else went wrong" in messages
    assert not [m for m in messages if m.startswith("Could not create collator")]


def test_initial_window_size_fits_the_screen(qapp):
    from PySide6.QtCore import QRect

    from sqzdesk.gui.main_window import initial_size

    class Screen:
        def __init__(self, w: int, h: int) -> None:
            self.rect = QRect(0, 0, w, h)

        def availableGeometry(self) -> QRect:
            return self.rect

    assert initial_size(Screen(2560, 1440)) == (1360, 860)
    width, height = initial_size(Screen(1280, 770))  # 1280x800 laptop less a panel
    assert width <= 1280 and height <= 770
    assert initial_size(Screen(800, 600)) == (1000, 700)
    assert initial_size(None) == (1360, 860)


def test_file_dialogs_open_at_a_readable_size_that_fits_the_screen(qtbot):
    """Qt's own dialog at its size hint (~600x400) cuts names, sizes and dates short."""
    from PySide6.QtWidgets import QFileDialog, QHeaderView, QTreeView

    from sqzdesk.gui.file_dialogs import DETAIL_COLUMNS, PREFERRED_SIZE, file_dialog

    opened = file_dialog(None, "Open documents", "", mode=QFileDialog.FileMode.ExistingFiles,
                         name_filter="Documents (*.txt *.pdf)")
    qtbot.addWidget(opened)
    free = opened.screen().availableGeometry()
    assert opened.width() == min(PREFERRED_SIZE[0], int(free.width() * 0.9))
    assert opened.height() == min(PREFERRED_SIZE[1], int(free.height() * 0.9))
    assert opened.fileMode() == QFileDialog.FileMode.ExistingFiles
    view = opened.findChild(QTreeView, "treeView")  # Qt's own dialog (offscreen has no native one)
    assert view is not None
    assert view.header().sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    assert [view.header().sectionSize(c) for c in (1, 2, 3)] == list(DETAIL_COLUMNS)
    assert opened.nameFilters() == ["Documents (*.txt *.pdf)"]
    saved = file_dialog(None, "Export", "out.csv", mode=QFileDialog.FileMode.AnyFile, name_filter="CSV (*.csv)",
                        save=True)
    qtbot.addWidget(saved)
    assert saved.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    folder = file_dialog(None, "Folder", "", mode=QFileDialog.FileMode.Directory)
    qtbot.addWidget(folder)
    assert folder.testOption(QFileDialog.Option.ShowDirsOnly)


def _plain(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").replace("■", "").split())


def test_sentiment_panel_states_the_document_rule_in_words(qtbot):
    from sqzdesk.engine.sentiment import PASSAGE_CHARS, Passage, document_sentiment
    from sqzdesk.gui.sentiment_panel import SentimentPanel

    panel = SentimentPanel()
    qtbot.addWidget(panel)
    panel.set_neutral_below(0.7)
    sentences = [SentenceSentiment(10 * i, 10 * i + 9, "positive", 0.9) for i in range(21)]
    sentences += [SentenceSentiment(300 + 10 * i, 309 + 10 * i, "negative", 0.8) for i in range(10)]
    sentences += [SentenceSentiment(500 + 10 * i, 509 + 10 * i, label, 0.6)
                  for i, label in enumerate(("positive", "negative", "positive", "negative"))]
    first, rest = sentences[:20], sentences[20:]
    labels = ("negative", "positive")

    panel.add_sentences(first)  # while the analysis runs: the engine's document so far
    panel.set_overall(document_sentiment([Passage((0.1, 0.9), 120)], labels), final=False)
    assert _plain(panel.overall.text()) == "Positive score 0.90 — read in passages; 20 sentences (so far)"
    assert _plain(panel.counts.text()) == "20 positive, 0 negative, 0 uncertain"
    assert "so far" in panel.counts.toolTip()

    panel.add_sentences(rest)
    whole = document_sentiment([Passage((0.1, 0.9), 120), Passage((0.3, 0.7), 100), Passage((0.6, 0.4), 40)],
                               labels)
    assert whole.label == "positive" and abs(whole.score - (120 * 0.9 + 100 * 0.7 + 40 * 0.4) / 260) < 1e-12
    panel.set_overall(whole, final=True)
    assert _plain(panel.overall.text()) == f"Positive score {whole.score:.2f} — read in passages; 35 sentences"
    assert _plain(panel.counts.text()) == "21 positive, 10 negative, 4 uncertain"
    tip = panel.counts.toolTip()
    assert "mean of the passages' probabilities" in tip and "Each of its 35 sentences" in tip
    assert "below 0.70" in tip and "so far" not in tip and panel.overall.toolTip() == tip
    assert "called mixed" in tip

    panel.clear()
    panel.add_sentences(sentences[:40])
    mixed = document_sentiment([Passage((0.4, 0.6), 100), Passage((0.6, 0.4), 80)], labels, neutral_below=0.7)
    panel.set_overall(mixed, final=True)
    assert mixed.mixed and _plain(panel.overall.text()) == \
        f"Mixed (leans positive) score {mixed.score:.2f} — read in passages; 35 sentences"

    panel.set_document_length(PASSAGE_CHARS + 1)  # a long document: the mean of its sentences, said so
    assert _plain(panel.overall.text()) == f"Mixed (leans positive) score {mixed.score:.2f} — mean of 35 sentences"
    assert "mean of those probabilities over its 35 sentences" in panel.counts.toolTip()
    assert "its sentences pull both ways" in panel.counts.toolTip()

    panel.clear()
    panel.set_overall(None, final=True)  # only lines without words: no sentiment, and why
    assert _plain(panel.overall.text()) == "No sentiment"
    assert _plain(panel.counts.text()) == "No sentence with words to judge."


def test_gui_states_are_typed_and_read_as_their_words():
    from sqzdesk.batch.results import FileStatus
    from sqzdesk.gui.batch_panel import RowState
    from sqzdesk.gui.document_tab import TabState
    from sqzdesk.gui.qa_panel import QAState

    assert [s.value for s in TabState] == ["waiting", "running", "done", "cancelled", "failed"]
    assert [s.value for s in QAState] == ["unavailable", "ready", "asking", "answers", "no_answer", "failed"]
    assert [s.value for s in RowState] == ["queued", "running", "done", "failed", "cancelled"]
    assert RowState.DONE == FileStatus.DONE and RowState.FAILED == FileStatus.FAILED  # a row shows the store's
