"""Opening a document shows the engine's results: exact highlights, tint, chart, entity list, tooltips."""

from __future__ import annotations

import pytest
from guikit import (
    NEWS,
    applied,
    engine_entities,
    make_window,
    open_and_wait,
    reference_analyzer,
    selected_text,
)
from pdfmaker import make_pdf
from PySide6.QtCore import QPoint, Qt

from sqzdesk.gui.document_view import TINT

ASTRAL = "🙂 Réunion 𝔘𝔫𝔦: " + NEWS.replace("Berlin", "Berlin 🇩🇪").replace("London", "London 😀")


@pytest.mark.parametrize("text", [NEWS, ASTRAL], ids=["plain", "astral"])
def test_highlights_are_exactly_the_engine_entity_spans(qtbot, tmp_path, text):
    path = tmp_path / "news.txt"
    path.write_text(text, encoding="utf-8")
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    assert tab.document.text == text
    view = tab.view
    assert view.document().characterCount() - 1 == len(text.encode("utf-16-le")) // 2
    expected = [(e.start, e.end, e.label) for e in engine_entities(text)]
    assert expected, "the tiny entity model should tag something in this text"
    assert applied(view, "entity") == sorted(expected)
    for e in engine_entities(text):  # and Qt shows exactly those characters under each highlight
        assert selected_text(view, e.start, e.end) == text[e.start:e.end]
    if text is ASTRAL:
        assert any(e.start > text.index("🙂") for e in engine_entities(text))


def test_tint_follows_sentences_and_can_be_switched_off(qtbot, tmp_path):
    path = tmp_path / "news.md"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    sentences = reference_analyzer().analyze(tab.document.text).sentences
    expected = sorted((s.start, s.end, TINT[s.label]) for s in sentences)
    assert applied(tab.view, "tint") == expected
    window.tint_action.trigger()  # Ctrl+T
    tab.view.flush()
    assert applied(tab.view, "tint") == [] and not window.settings.sentiment_tint
    assert not tab.sentiment.tint.isChecked()
    tab.sentiment.tint.setChecked(True)  # the panel's switch does the same
    tab.view.flush()
    assert len(applied(tab.view, "tint")) == len(sentences)
    assert window.store.load().sentiment_tint


def test_chart_bar_click_selects_its_sentence(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    chart = tab.sentiment.chart
    assert len(chart.sentences) >= 4
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_center(2).toPoint())
    s = chart.sentences[2]
    assert tab.view.selected_span() == (s.start, s.end)
    assert "score" in tab.sentiment.overall.text() and "read in passages" in tab.sentiment.overall.text()
    assert "positive" in tab.sentiment.counts.text()


def test_entity_list_groups_counts_selects_every_mention_and_filters(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    panel = tab.entity_panel
    panel.flush()
    entities = engine_entities(NEWS)
    for label in {e.label for e in entities}:
        assert panel.count(label) == sum(e.label == label for e in entities)
    key, mentions = max(panel.mentions.items(), key=lambda kv: len(kv[1]))
    row = panel.row(key[0], mentions[0].text)
    panel.tree.scrollToItem(row)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.tree.visualItemRect(row).center())
    tab.view.flush()
    spans = sorted((m.start, m.end) for m in mentions)
    assert [(a, b) for a, b, _ in applied(tab.view, "mark")] == spans
    assert tab.view.selected_span() == spans[0]

    label = key[0]
    group = row.parent()
    group.setCheckState(0, Qt.CheckState.Unchecked)  # the per-type filter box
    tab.view.flush()
    assert label in window.settings.hidden_types
    assert all(lab != label for _, _, lab in applied(tab.view, "entity"))
    group.setCheckState(0, Qt.CheckState.Checked)
    tab.view.flush()
    assert any(lab == label for _, _, lab in applied(tab.view, "entity"))


def test_hovering_an_entity_names_its_label_and_score(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    e = max(engine_entities(NEWS), key=lambda e: e.end - e.start)
    cursor = tab.view.cursor_for(e.start + 1, e.start + 1)
    point = tab.view.cursorRect(cursor).center() + QPoint(2, 0)
    tip = tab.view.tooltip_at(point)
    assert tip is not None and e.label in tip and f"{e.score:.2f}" in tip
    assert tab.view.tooltip_at(QPoint(1, 1)) is None or "score" in tab.view.tooltip_at(QPoint(1, 1))


def test_pdf_keeps_pages_and_find_walks_matches(qtbot, tmp_path):
    pdf = make_pdf(tmp_path / "hearing.pdf", ["Angela Merkel visited Paris.", "The report was good.",
                                              "Angela Merkel left Paris."])
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, pdf)
    assert [p.number for p in tab.document.pages] == [1, 2, 3]
    assert "3 pages" in window.tabs.tabToolTip(window.tabs.currentIndex())
    window.find_action.trigger()  # Ctrl+F
    assert tab.find_bar.isVisible()
    tab.find_bar.field.setText("Paris")
    qtbot.keyClick(tab.find_bar.field, Qt.Key.Key_Return)
    first = tab.view.selected_span()
    window.find_next_action.trigger()  # F3
    second = tab.view.selected_span()
    window.find_next_action.trigger()  # wraps around
    assert tab.view.selected_span() == first and first != second
    assert tab.document.page_at(first[0]) == 1 and tab.document.page_at(second[0]) == 3
    window.find_prev_action.trigger()
    assert tab.view.selected_span() == second
    tab.find_bar.field.setText("Zanzibar")
    tab.find_bar.find_next()
    assert tab.find_bar.result.text() == "Not found"


def test_zoom_shortcuts_change_and_remember_the_text_size(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    size = tab.view.font().pointSize()
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    assert tab.view.font().pointSize() == size + 2
    window.zoom_out_action.trigger()
    assert tab.view.font().pointSize() == size + 1 and window.store.load().zoom == 1
    assert "Ctrl+=" in [s.toString() for s in window.zoom_in_action.shortcuts()]
