"""Teach your own labels in the GUI (issue 17): label sentences and documents with the Teach panel's keys,
train on the engine thread, keep the classifier and see its label on a document; bad input refused with
the engine's message and nothing saved; term lists added in the app highlighted as their own type.

The tiny encoder has random weights, so which label a document gets is not checked, only that it gets
one of the taught labels, from the engine, shown in the tab.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from guikit import applied, make_window, open_and_wait
from PySide6.QtCore import Qt

from sqzdesk.engine.classify import find_classifiers
from sqzdesk.engine.terms import TermList
from sqzdesk.gui.classifiers_dialog import ClassifiersDialog
from sqzdesk.gui.document_tab import DocumentTab, TabState
from sqzdesk.gui.foldable import Section
from sqzdesk.gui.teach_panel import TeachPanel

SPORT = ["The striker scored twice in the second half.", "Our goalkeeper saved a penalty in extra time.",
         "The team won the league after a long season.", "The referee showed a red card to the defender."]
FOOD = ["Simmer the sauce until it thickens, then add basil.", "Bake the bread at two hundred degrees.",
        "Chop the onions and fry them in butter.", "Roast the chicken with garlic and lemon."]
TEXT = "\n".join(SPORT + FOOD + ["Acme Corp sent the invoice for the season tickets."]) + "\n"


@pytest.fixture()
def home(monkeypatch, tmp_path, tiny_root) -> Path:
    """A private models folder first on the search path (where kept classifiers go), then the tiny ones."""
    models = tmp_path / "models"
    monkeypatch.setenv("SQZDESK_MODEL_PATH", os.pathsep.join(map(str, (models, tiny_root))))
    return models


def saved_classifiers(home: Path) -> list[Path]:
    return sorted(home.glob("*classify-*")) if home.exists() else []


def open_doc(qtbot, window, tmp_path: Path, text: str = TEXT, name: str = "notes.txt") -> DocumentTab:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return open_and_wait(qtbot, window, path)


def teach_panel(qtbot, window, name: str, labels: list[str]) -> TeachPanel:
    """View -> Teach by its shortcut's action, the name and the labels typed into the real fields."""
    window.teach_action.trigger()
    panel = window.teach_panel()
    qtbot.keyClicks(panel.name, name)
    for label in labels:
        qtbot.keyClicks(panel.new_label, label)
        qtbot.keyClick(panel.new_label, Qt.Key.Key_Return)
    assert panel.labels == labels
    return panel


def label_by_key(qtbot, tab: DocumentTab, sentence: str, key: Qt.Key,
                 modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Cursor into the sentence, focus on the text, then the number key."""
    at = tab.document.text.index(sentence) + 3
    tab.view.setTextCursor(tab.view.cursor_for(at, at))
    tab.view.setFocus()
    qtbot.waitUntil(tab.view.hasFocus, timeout=5_000)
    qtbot.keyClick(tab.view, key, modifier)


def test_label_train_keep_and_the_document_shows_the_label(qtbot, home, tmp_path):
    window = make_window(qtbot)
    tab = open_doc(qtbot, window, tmp_path)
    window.activateWindow()
    panel = teach_panel(qtbot, window, "topics", ["sport", "food"])

    label_by_key(qtbot, tab, SPORT[0], Qt.Key.Key_1)
    assert panel.examples == {}, "number keys do nothing until labelling mode is on"
    panel.labelling.click()
    for sentence in SPORT[:2]:
        label_by_key(qtbot, tab, sentence, Qt.Key.Key_1)
    third = tab.document.text.index(SPORT[2])
    assert tab.view.selected_span() == (third, third + len(SPORT[2])), "labelling selects the next sentence"
    qtbot.keyClick(tab.view, Qt.Key.Key_1)   # so the next key labels it
    for sentence in FOOD[:3]:
        label_by_key(qtbot, tab, sentence, Qt.Key.Key_2)
    label_by_key(qtbot, tab, FOOD[3], Qt.Key.Key_1)   # a slip, corrected by labelling it again
    label_by_key(qtbot, tab, FOOD[3], Qt.Key.Key_2)
    assert {e.text: e.label for e in panel.examples.values()} == {
        **dict.fromkeys(SPORT[:3], "sport"), **dict.fromkeys(FOOD, "food")}
    assert panel.counts() == {"sport": 3, "food": 4}
    assert "3 examples" in panel.label_list.item(0).text()

    other = open_doc(qtbot, window, tmp_path, " ".join(SPORT), "match.txt")
    label_by_key(qtbot, other, SPORT[1], Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # Ctrl+1: all of it
    assert panel.examples[" ".join(SPORT)].label == "sport"

    progress: list[int] = []
    window.host.progress.connect(lambda job, done, total: progress.append(done) if job == panel.job else None)
    panel.train_button.click()
    assert panel.busy and not saved_classifiers(home), "training runs on the engine thread; nothing saved yet"
    qtbot.waitUntil(lambda: panel.trained is not None and not panel.busy, timeout=60_000)
    report = panel.trained.report
    assert progress and report.examples == 8 and report.labels == ("food", "sport")
    assert panel.result_box.isVisibleTo(panel) and f"{100 * report.accuracy:.1f}%" in panel.summary.text()
    assert panel.metrics.rowCount() == 2 and panel.metrics.item(1, 0).text() == "sport"
    assert [[int(panel.confusion.item(i, j).text()) for j in range(2)] for i in range(2)] == \
        [list(r) for r in report.confusion]
    assert not saved_classifiers(home)
    categories = window.section_actions[Section.CATEGORIES]
    assert not categories.isEnabled(), "no Categories section to fold while no classifier of yours runs"

    panel.keep_button.click()
    assert [e.name for e in find_classifiers() if e.classifier is not None] == ["topics"]
    assert window.settings.classifiers == ("topics",) and window.host.config.classifiers == ("topics",)
    qtbot.waitUntil(lambda: tab.state == TabState.DONE and tab.categories.label_of("topics") is not None,
                    timeout=60_000)
    assert tab.analysis is not None and tab.analysis.document_classes is not None
    assert tab.categories.label_of("topics") == tab.analysis.document_classes["topics"].label
    assert tab.categories.label_of("topics") in ("sport", "food")
    assert tab.categories_box.isVisibleTo(tab) and "topics:" in tab.categories.labels.text()
    assert categories.isEnabled() and categories.isChecked() and categories.shortcut().toString() == "Alt+4"
    categories.trigger()  # View -> Category scores off: the section folds to its title
    assert tab.categories_box.folded and window.settings.folded == ("categories",)
    categories.trigger()
    assert not tab.categories_box.folded and window.settings.folded == ()

    # The per-sentence tint by the classifier, chosen in the tab, replaces the sentiment tint.
    tab.categories.tint.setCurrentIndex(tab.categories.tint.findData("topics"))
    assert window.settings.class_tint == "topics"
    tab.view.flush()
    tinted = applied(tab.view, "ctint")
    assert tinted and not applied(tab.view, "tint")
    by_span = {(c.start, c.end): c.classes["topics"].label for c in tab.analysis.classes}
    assert all(by_span[(s, e)] in ("sport", "food") for s, e, _ in tinted)
    start, label = next((s, lab) for (s, _), lab in by_span.items() if tab.view.entity_at(s) is None)
    tip = tab.view.tooltip_for(start)   # away from any entity: the sentence's class
    assert tip is not None and f"<b>{label}</b> · topics" in tip


@pytest.mark.parametrize("labelled, words", [
    ({"sport": SPORT}, "at least two labels"),
    ({"sport": SPORT[:1], "food": FOOD[:1]}, "too few examples for label"),
    ({"sport": SPORT, "food": FOOD[:1]}, "'food' (1)"),
])
def test_bad_examples_say_why_and_nothing_is_saved(qtbot, home, tmp_path, labelled, words):
    window = make_window(qtbot)
    tab = open_doc(qtbot, window, tmp_path)
    window.activateWindow()
    panel = teach_panel(qtbot, window, "topics", list(labelled))
    panel.labelling.click()
    for index, sentences in enumerate(labelled.values()):
        for sentence in sentences:
            label_by_key(qtbot, tab, sentence, getattr(Qt.Key, f"Key_{index + 1}"))
    panel.train_button.click()
    assert words in panel.message.text() and not panel.busy and panel.trained is None
    assert not panel.result_box.isVisibleTo(panel)
    assert not saved_classifiers(home) and not home.exists()


def test_a_bad_name_or_an_empty_text_is_refused(qtbot, home, tmp_path):
    window = make_window(qtbot)
    tab = open_doc(qtbot, window, tmp_path, TEXT + "\n...\n")
    panel = teach_panel(qtbot, window, "my topics!", ["sport", "food"])
    assert not panel.label_text("  ...  ", "sport", "here") and "no words" in panel.message.text()
    assert not panel.add_label("sport") and "already" in panel.message.text()
    for s in SPORT[:2]:
        panel.label_text(s, "sport", "test")
    for s in FOOD[:2]:
        panel.label_text(s, "food", "test")
    panel.train_button.click()
    assert "invalid classifier name" in panel.message.text() and not panel.busy
    assert not saved_classifiers(home)
    assert tab.state == TabState.DONE


def test_suggest_next_selects_an_unlabelled_sentence(qtbot, home, tmp_path):
    window = make_window(qtbot)
    tab = open_doc(qtbot, window, tmp_path)
    panel = teach_panel(qtbot, window, "topics", ["sport", "food"])

    panel.suggest_button.click()   # too few examples to rank: the next unlabelled sentence, said so
    assert panel.suggested is not None and "once the examples can train" in panel.message.text()
    for s in SPORT[:2]:
        panel.label_text(s, "sport", "test")
    for s in FOOD[:2]:
        panel.label_text(s, "food", "test")
    panel.suggested = None
    panel.suggest_button.click()
    assert panel.busy
    qtbot.waitUntil(lambda: panel.suggested is not None and not panel.busy, timeout=60_000)
    doc_id, start, end = panel.suggested
    assert doc_id == tab.doc_id and tab.view.selected_span() == (start, end)
    assert tab.document.text[start:end] not in panel.examples and "Least sure" in panel.message.text()
    assert tab.view.hasFocus() or not window.isActiveWindow()


def test_training_can_be_cancelled_and_saves_nothing(qtbot, home, tmp_path):
    window = make_window(qtbot)
    open_doc(qtbot, window, tmp_path)
    panel = teach_panel(qtbot, window, "topics", ["sport", "food"])
    for s in SPORT:
        panel.label_text(s, "sport", "test")
    for s in FOOD:
        panel.label_text(s, "food", "test")
    assert panel.start_training() and panel.cancel_button.isEnabled()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    if panel.trained is None:  # cancelled in time (a fast engine thread may have finished first)
        assert panel.message.text() == "Cancelled; nothing was saved."
    assert not saved_classifiers(home) and panel.train_button.isEnabled()


def test_a_term_list_added_in_the_app_is_highlighted_as_its_type(qtbot, home, tmp_path):
    window = make_window(qtbot)
    tab = open_doc(qtbot, window, tmp_path)
    dialog = ClassifiersDialog(window.settings.classifiers, window)
    qtbot.addWidget(dialog)
    assert dialog.add_term_list(TermList("clients", "CLIENT", ("Acme Corp",)))
    assert "clients" in dialog.term_lists.item(0).text()
    window.classifiers_changed(dialog.enabled(), dialog.changed)
    start = TEXT.index("Acme Corp")
    span = (start, start + len("Acme Corp"))
    qtbot.waitUntil(lambda: tab.state == TabState.DONE and span in tab.view.found, timeout=60_000)
    tab.view.flush()
    assert (*span, "CLIENT") in applied(tab.view, "entity")
    tip = tab.view.tooltip_for(start + 1)
    assert tip is not None and "list match (clients)" in tip and "found by the model" not in tip
    tab.entity_panel.flush()
    group = tab.entity_panel._groups["CLIENT"]
    assert "list match" in group.toolTip(0) and "list match (clients)" in group.child(0).toolTip(0)

    # A bad list is refused in the dialog with the engine's message; the saved one stays.
    assert not dialog.add_term_list_from(name="bad name", label="client", entries=("x",))
    assert "invalid list name" in dialog.message.text()
    assert dialog.remove_term_list("clients") and dialog.term_lists.count() == 0


def test_teach_shortcuts_are_in_the_readme(qtbot):
    window = make_window(qtbot)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    first_columns = [line.split("|")[1] for line in readme.splitlines() if line.startswith("| ")]
    assert window.teach_action.shortcut().toString() == "Ctrl+Shift+T"
    for key in ("Ctrl+Shift+T", *(str(i) for i in range(1, 10)), *(f"Ctrl+{i}" for i in range(1, 10))):
        assert any(key in column for column in first_columns), key


def test_classifiers_dialog_exports_removes_imports_and_reads_term_files(qtbot, home, tmp_path, tiny_root):
    from sqzdesk.engine import load_bundle
    from sqzdesk.engine.embed import EmbedModel
    from sqzdesk.engine.teach import examples_from_pairs, save, train

    embed = EmbedModel(load_bundle(tiny_root / "tiny-embed"), threads=1)
    pairs = [(s, "sport") for s in SPORT] + [(s, "food") for s in FOOD]
    save(train("topics", examples_from_pairs(pairs), embed))
    dialog = ClassifiersDialog(("topics", "gone"), None)
    qtbot.addWidget(dialog)
    assert dialog.enabled() == ("topics",), "an enabled classifier that is not installed is dropped"
    assert "topics — food, sport" in dialog.classifiers.item(0).text()
    assert dialog.export_classifier("topics", tmp_path)
    shared = tmp_path / "topics.sqzclf"
    assert shared.is_file()
    assert dialog.remove_classifier("topics") and dialog.enabled() == () and not saved_classifiers(home)
    assert dialog.import_classifier(shared) and dialog.enabled() == ("topics",) and dialog.changed
    assert not dialog.import_classifier(shared) and "exists" in dialog.message.text()
    bogus = tmp_path / "bogus.sqzclf"
    bogus.write_bytes(b"not a zip")
    assert not dialog.import_classifier(bogus) and "not a readable classifier file" in dialog.message.text()

    terms = tmp_path / "clients.csv"
    terms.write_text("term,notes\nAcme Corp,big\nGlobex,\n", encoding="utf-8")
    assert dialog.terms_from_file(terms) == ["Acme Corp", "Globex"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert dialog.terms_from_file(empty) == [] and "no terms" in dialog.message.text()
