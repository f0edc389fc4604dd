"""The side column's sections fold to their summary line; the others (not the Batch dock) get the room."""

from __future__ import annotations

from guikit import NEWS, make_window, open_and_wait
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from sqzdesk.gui.foldable import Section
from sqzdesk.gui.qa_panel import QAState
from sqzdesk.gui.settings import SettingsStore


def settle() -> None:
    """Run the layout requests a fold posts (the window's too) until none is left."""
    for _ in range(5):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QCoreApplication.processEvents()


def news_tab(qtbot, tmp_path, size: tuple[int, int] | None = None, **settings):
    """A window (of that size, settings as given) with a news article analysed in its tab."""
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot, **settings)
    if size is not None:
        window.resize(*size)
    return window, open_and_wait(qtbot, window, path)


def sizes(tab) -> dict[Section, int]:
    return {name: tab.side.sizes()[tab.side.indexOf(section)] for name, section in tab.sections.items()}


def test_folding_sentiment_keeps_its_headline_and_gives_the_entities_the_room(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    window.batch_panel()  # the dock open below, as in a batch review on a laptop screen
    tab = open_and_wait(qtbot, window, path)
    window.resize(1200, window.minimumSizeHint().height())  # every part at its minimum, the dock too
    dock = window.batch_panel().parentWidget()
    settle()
    assert window.height() == window.minimumSizeHint().height()
    before, dock_height = sizes(tab), dock.height()
    action = window.section_actions[Section.SENTIMENT]
    assert action.isChecked() and action.shortcut().toString() == "Alt+1"

    action.trigger()  # View -> Sentiment chart off
    settle()
    assert sizes(tab)[Section.SENTIMENT] < before[Section.SENTIMENT]
    panel = tab.sentiment
    assert panel.overall.isVisible() and "score" in panel.overall.text()  # label, score and rule stay
    assert not panel.chart.isVisible() and not panel.counts.isVisible() and not panel.tint.isVisible()
    after = sizes(tab)
    assert after[Section.ENTITIES] > before[Section.ENTITIES]
    assert sum(after.values()) == sum(before.values())  # the side column's room, shared again
    assert dock.height() == dock_height  # the dock does not take it back
    assert SettingsStore().load().folded == ("sentiment",)  # remembered for the next start

    action.trigger()  # open again: the height it had before
    settle()
    assert tab.sentiment.chart.isVisible()
    reopened = sizes(tab)  # every section back at its height (give or take the rounding of a shared pixel)
    assert all(abs(reopened[name] - height) <= 1 for name, height in before.items())
    assert SettingsStore().load().folded == ()
    window.close()


def test_a_header_click_folds_that_section_in_every_tab_and_new_tabs_open_folded(qtbot, tmp_path):
    a, b, c = (tmp_path / f"{n}.txt" for n in "abc")
    for p in (a, b, c):
        p.write_text(NEWS)
    window = make_window(qtbot)
    first = open_and_wait(qtbot, window, a)
    second = open_and_wait(qtbot, window, b)
    header = second.sections[Section.ENTITIES].header
    assert header.arrowType() == Qt.ArrowType.DownArrow
    qtbot.mouseClick(header, Qt.MouseButton.LeftButton)
    for tab in (first, second):
        assert tab.sections[Section.ENTITIES].folded
        assert tab.entity_panel.tree.isHidden() and tab.entity_panel.note.isHidden()
    assert header.arrowType() == Qt.ArrowType.RightArrow
    assert not window.section_actions[Section.ENTITIES].isChecked()
    third = open_and_wait(qtbot, window, c)
    assert third.sections[Section.ENTITIES].folded and third.entity_panel.tree.isHidden()
    header.setFocus()
    qtbot.keyClick(header, Qt.Key.Key_Space)  # the keyboard opens it again
    assert not any(tab.sections[Section.ENTITIES].folded for tab in (first, second, third))
    assert window.settings.folded == ()
    window.close()


def test_answers_open_a_folded_questions_section(qtbot, tmp_path):
    window, tab = news_tab(qtbot, tmp_path, folded=("questions",))
    qa = tab.qa
    assert tab.sections[Section.QUESTIONS].folded and qa.answers.isHidden()
    assert qa.question.isVisible() and qa.status.isVisible()  # a question can still be asked
    qa.question.setText("What did Angela Merkel visit?")
    qtbot.keyClick(qa.question, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: qa.state not in (QAState.READY, QAState.ASKING), timeout=20_000)
    assert qa.state == QAState.ANSWERS  # the tiny QA bundle always proposes spans
    assert not tab.sections[Section.QUESTIONS].folded and qa.answers.isVisible()
    assert window.settings.folded == () and window.section_actions[Section.QUESTIONS].isChecked()
    window.close()


def test_a_section_folded_before_the_analysis_still_shows_its_whole_summary_after(qtbot, tmp_path):
    # "Waiting for the analysis…" when it folded, a result now
    window, tab = news_tab(qtbot, tmp_path, (900, 700), folded=("sentiment",))
    window.resize(700, 700)  # narrower: the headline wraps to more lines
    settle()
    section, headline = tab.sections[Section.SENTIMENT], tab.sentiment.overall
    assert section.folded and "score" in headline.text()
    assert section.height() == section.folded_height()
    assert headline.height() >= headline.heightForWidth(headline.width())  # not cut off
    window.close()


def test_a_section_folded_since_the_start_opens_at_the_height_it_asks_for(qtbot, tmp_path):
    window, tab = news_tab(qtbot, tmp_path, (1200, 900), folded=("sentiment",))
    settle()
    window.section_actions[Section.SENTIMENT].trigger()
    settle()
    section = tab.sections[Section.SENTIMENT]
    assert not section.folded and tab.sentiment.chart.isVisible()
    assert sizes(tab)[Section.SENTIMENT] >= section.sizeHint().height()  # not left at its minimum
    window.close()
