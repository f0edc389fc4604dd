"""Questions: answers select their span, "no answer" is a state, a missing model disables the panel."""

from __future__ import annotations

import shutil

from guikit import NEWS, engine_answers, make_window, open_and_wait
from pdfmaker import make_pdf
from PySide6.QtCore import Qt

from sqzdesk.gui.document_tab import TabState
from sqzdesk.gui.qa_panel import NO_ANSWER, QAState

QUESTION = "What did Angela Merkel visit?"


def ask(qtbot, tab, question: str) -> None:
    tab.qa.question.setText(question)
    qtbot.keyClick(tab.qa.question, Qt.Key.Key_Return)  # Enter asks
    qtbot.waitUntil(lambda: tab.qa.state not in (QAState.READY, QAState.ASKING), timeout=20_000)


def test_answer_selects_its_span_and_shows_score_and_page(qtbot, tmp_path):
    pages = ["Angela Merkel met the Acme Corporation board in Berlin.",
             "What did Angela Merkel visit? She visited the tower in Paris with the analyst."]
    pdf = make_pdf(tmp_path / "briefing.pdf", pages)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, pdf)
    expected = engine_answers(QUESTION, tab.document.text)
    assert expected, "the tiny QA bundle (threshold 0) always proposes spans"
    ask(qtbot, tab, QUESTION)
    assert tab.qa.state == QAState.ANSWERS
    assert [tab.qa.answer(i) for i in range(tab.qa.answers.count())] == expected
    first = expected[0]
    assert tab.view.selected_span() == (first.start, first.end)
    item = tab.qa.answers.item(0).text()
    assert f"score {first.score:.2f}" in item and f"p. {tab.document.page_at(first.start)}" in item
    if len(expected) > 1:  # clicking another answer moves the selection there
        row = tab.qa.answers.item(1)
        qtbot.mouseClick(tab.qa.answers.viewport(), Qt.MouseButton.LeftButton,
                         pos=tab.qa.answers.visualItemRect(row).center())
        assert tab.view.selected_span() == (expected[1].start, expected[1].end)


def test_no_answer_is_an_explicit_state(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot, answer_threshold=1.01)  # no span can score above 1
    tab = open_and_wait(qtbot, window, path)
    assert engine_answers(QUESTION, NEWS, threshold=1.01) == []
    ask(qtbot, tab, QUESTION)
    assert tab.qa.state == QAState.NO_ANSWER
    assert NO_ANSWER in tab.qa.status.text() and tab.qa.answers.count() == 0
    assert tab.view.selected_span() is None
    # the empty answer list gives way to two lines beside the batch dock (its default minimum was ~70 px)
    assert tab.qa.answers.minimumHeight() < 3 * tab.qa.answers.fontMetrics().lineSpacing()


def test_missing_qa_model_disables_the_panel_with_the_reason(qtbot, tmp_path, tiny_root, monkeypatch):
    models = tmp_path / "models"
    for name in ("tiny-sentiment", "tiny-entities"):
        shutil.copytree(tiny_root / name, models / name)
    monkeypatch.setenv("SQZDESK_MODEL_PATH", str(models))
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)  # analysis still works
    assert tab.qa.state == QAState.UNAVAILABLE
    assert not tab.qa.question.isEnabled() and not tab.qa.ask_button.isEnabled()
    assert "no 'qa' model installed" in tab.qa.status.text()
    assert "QA: missing" in window.status.models.text()
    assert not window.models.available("qa") and window.models.available("entities")


def test_no_models_at_all_still_opens_documents(qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("SQZDESK_MODEL_PATH", str(empty))
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path, state=TabState.FAILED)
    assert tab.view.toPlainText() == NEWS
    assert "no sentiment or entity model" in tab.state_label.text()
    assert tab.qa.state == QAState.UNAVAILABLE and "Sentiment unavailable" in tab.sentiment.overall.text()
    qtbot.waitUntil(lambda: window.host.idle)
