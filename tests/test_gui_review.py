"""Privacy review through the real widgets: accept, reject and add with the keys and menus, decisions in
the store as they are made and back after a restart, File -> Export redacted, the store's entity view and
Tools -> Forget.

The tiny models' names are random, so the review targets here are the rules' exact matches (e-mail
addresses, a phone number) and a span the analyst adds; the model's entities are left unreviewed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from guikit import make_window, open_and_wait
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from sqzdesk.batch.decisions import Source, Verdict
from sqzdesk.batch.store import ResultStore, default_store_path
from sqzdesk.gui.document_tab import DocumentTab
from sqzdesk.gui.document_view import LAYER, REVIEW
from sqzdesk.gui.forget_dialog import ForgetDialog
from sqzdesk.gui.redact_dialog import RedactDialog

TEXT = ("Memo. Write to jane.doe@example.com about the audit. Jane Doe leads it; bob@example.org helps.\n"
        "Later bob@example.org wrote again, and Jane Doe replied from jane.doe@example.com.\n")
JANE_MAIL, BOB_MAIL = "jane.doe@example.com", "bob@example.org"


def drawn_verdicts(tab: DocumentTab) -> dict[tuple[int, int], str]:
    """(start, end) -> verdict of every highlight Qt holds that is drawn as reviewed."""
    tab.view.flush()
    out = {}
    for sel in tab.view.extraSelections():
        if sel.format.property(LAYER) == "entity" and sel.format.property(REVIEW):
            out[tab.view.span_of(sel.cursor)] = sel.format.property(REVIEW)
    return out


def put_cursor(qtbot, tab: DocumentTab, offset: int) -> None:
    tab.view.setTextCursor(tab.view.cursor_for(offset, offset))
    tab.view.setFocus()
    qtbot.waitUntil(tab.view.hasFocus, timeout=5_000)


def press(qtbot, tab: DocumentTab, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(tab.view, key, modifier)


def review_by_keys(qtbot, window, path: Path) -> DocumentTab:
    """Accept Jane's address (A), reject every mention of Bob's (Shift+R), add "Jane Doe" as PER (select, E,
    then the label chooser), then undo nothing; returns the tab."""
    tab = open_and_wait(qtbot, window, path)
    window.activateWindow()
    jane = TEXT.index(JANE_MAIL)
    put_cursor(qtbot, tab, jane + 3)
    press(qtbot, tab, Qt.Key.Key_A)
    assert tab.review.decisions[(jane, jane + len(JANE_MAIL))].verdict is Verdict.ACCEPTED

    bob = TEXT.index(BOB_MAIL)
    put_cursor(qtbot, tab, bob + 1)
    press(qtbot, tab, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)

    name = TEXT.index("Jane Doe")
    tab.view.setTextCursor(tab.view.cursor_for(name, name + len("Jane Doe ")))  # a trailing space: trimmed
    press(qtbot, tab, Qt.Key.Key_E)
    assert tab.label_menu is not None
    per = next(a for a in tab.label_menu.actions() if a.data() == "PER")
    per.trigger()
    tab.label_menu.close()
    return tab


def test_accept_reject_add_by_keys_are_stored_as_made_and_back_after_a_restart(qtbot, tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    tab = review_by_keys(qtbot, window, path)
    jane, name = TEXT.index(JANE_MAIL), TEXT.index("Jane Doe")
    bobs = [i for i in range(len(TEXT)) if TEXT.startswith(BOB_MAIL, i)]
    expected = {(jane, jane + len(JANE_MAIL)): "accepted", (name, name + 8): "added",
                **{(b, b + len(BOB_MAIL)): "rejected" for b in bobs}}
    assert {span: d.verdict.value for span, d in tab.review.decisions.items()} == expected
    assert drawn_verdicts(tab) == expected
    assert tab.review.decisions[(name, name + 8)].source is Source.ANALYST
    assert tab.review.decisions[(jane, jane + len(JANE_MAIL))].source is Source.RULE
    counts = tab.entity_panel.review_counts
    assert counts is not None and (counts.accepted, counts.rejected, counts.added) == (1, 2, 1)
    label = tab.entity_panel.review_label.text()
    assert "1 accepted" in label and "2 rejected" in label and "1 added" in label
    email_group = tab.entity_panel._groups["EMAIL"]
    assert email_group.text(2) == "✓1 ✗2"

    # written as made: another connection sees every decision while the window is still open
    with ResultStore(default_store_path()) as other:
        assert {(d.start, d.end): d.verdict.value for d in other.decisions(tab.sha256)} == expected

    # the context menu offers the same actions; Undo on the accepted address takes it back, A redoes it
    rect = tab.view.cursorRect(tab.view.cursor_for(jane + 2, jane + 2))
    tab.view.customContextMenuRequested.emit(rect.center())
    assert tab.context_menu is not None
    actions = {a.text(): a for a in tab.context_menu.actions()}
    assert actions["&Undo decision"].isEnabled()
    actions["&Undo decision"].trigger()
    tab.context_menu.close()
    assert (jane, jane + len(JANE_MAIL)) not in tab.review.decisions
    put_cursor(qtbot, tab, jane + 3)
    press(qtbot, tab, Qt.Key.Key_A)

    window.close()
    again = make_window(qtbot)
    restored = open_and_wait(qtbot, again, path)
    assert {span: d.verdict.value for span, d in restored.review.decisions.items()} == expected
    assert drawn_verdicts(restored) == expected
    assert restored.entity_panel.review_counts.added == 1


KILLED_APP = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqzdesk.gui.document_tab import TabState
from sqzdesk.gui.main_window import MainWindow

app = QApplication([])
window = MainWindow()
window.show()
window.activateWindow()
window.open_path(sys.argv[1])
tab = window.current_tab()
while tab.state != TabState.DONE:
    QTest.qWait(20)
offset = tab.document.text.index(sys.argv[2])
tab.view.setTextCursor(tab.view.cursor_for(offset + 1, offset + 1))
tab.view.setFocus()
QTest.qWait(20)
QTest.keyClick(tab.view, Qt.Key.Key_A)
print(len(tab.review.decisions), flush=True)
while True:  # reviewing on, until killed
    QTest.qWait(20)
"""


def test_a_decision_shown_survives_kill_9_of_the_app(tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen([sys.executable, "-c", KILLED_APP, str(path), JANE_MAIL], stdout=subprocess.PIPE,
                           text=True, env=env)
    try:
        assert app.stdout is not None
        assert app.stdout.readline().strip() == "1"  # the decision is drawn: now kill the app
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait()
    jane = TEXT.index(JANE_MAIL)
    with ResultStore(default_store_path()) as store:
        [decision] = store.all_decisions()
    assert (decision.start, decision.end, decision.verdict) == (jane, jane + len(JANE_MAIL), Verdict.ACCEPTED)


def test_an_edited_file_lists_its_stale_decisions(qtbot, tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    review_by_keys(qtbot, window, path)
    window.close()
    path.write_text("A new first line shifts everything.\n" + TEXT, encoding="utf-8")
    again = make_window(qtbot)
    tab = open_and_wait(qtbot, again, path)
    assert tab.review.decisions == {}
    assert len(tab.review.stale) == 4
    assert not tab.stale_label.isHidden() and "no longer match" in tab.stale_label.text()
    assert drawn_verdicts(tab) == {}


def test_decisions_still_in_place_after_an_edit_are_kept_for_the_new_content(qtbot, tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    first = review_by_keys(qtbot, window, path).sha256
    window.close()
    path.write_text(TEXT + "A line added at the end moves nothing.\n", encoding="utf-8")
    again = make_window(qtbot)
    tab = open_and_wait(qtbot, again, path)
    assert tab.sha256 != first and tab.review.carried == 4 and not tab.review.stale
    assert len(drawn_verdicts(tab)) == 4 and "kept" in tab.stale_label.text()
    with ResultStore(default_store_path()) as store:
        assert len(store.decisions(tab.sha256)) == 4


def fill_modal(dialog_type, fill) -> None:
    """Answer the modal dialog of this type that the next action opens."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, dialog_type):
            QTimer.singleShot(20, answer)
            return
        fill(dialog)

    QTimer.singleShot(0, answer)


def test_export_redacted_from_the_gui_removes_accepted_and_added_and_keeps_rejected(qtbot, tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    review_by_keys(qtbot, window, path)
    out = tmp_path / "out"

    def fill(dialog: RedactDialog) -> None:
        dialog.folder.setText(str(out))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    fill_modal(RedactDialog, fill)
    window.export_redacted_action.trigger()
    qtbot.waitUntil(lambda: window.last_export is not None, timeout=30_000)
    target = out / "memo.txt"
    assert window.last_export.target == target
    redacted = target.read_text(encoding="utf-8")
    assert JANE_MAIL not in redacted and "Jane Doe" not in redacted
    assert redacted.count(BOB_MAIL) == 2
    audit = json.loads((out / "memo.txt.audit.json").read_text(encoding="utf-8"))
    assert {(s["decision"], s["label"]) for s in audit["spans"]} >= {("accepted", "EMAIL"), ("added", "PER")}
    assert len(audit["kept"]) == 2


def test_the_store_view_lists_a_batch_and_opens_a_document_at_the_mention(qtbot, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "b.txt").write_text(f"Forwarded by {BOB_MAIL} on Monday.\n", encoding="utf-8")
    window = make_window(qtbot)
    panel = window.batch_panel()
    with qtbot.waitSignal(panel.batch_finished, timeout=120_000):
        panel.add_paths([folder])
    window.show_store_view()
    view = window.store_view()
    qtbot.waitUntil(lambda: not view.busy and bool(view.model.rows), timeout=30_000)
    view.type_filter.setCurrentIndex(view.type_filter.findData("EMAIL"))
    view.text_filter.setText("BOB@")
    assert [(e.text, e.documents, len(e.mentions)) for e in view.model.rows] == [(BOB_MAIL, 2, 3)]
    view.table.selectRow(0)
    assert view.mentions.topLevelItemCount() == 2
    doc = next(view.mentions.topLevelItem(i) for i in range(2) if view.mentions.topLevelItem(i).text(0).startswith("b.txt"))
    mention = doc.child(0)
    view.mentions.setCurrentItem(mention)
    view.mentions.setFocus()
    qtbot.keyClick(view.mentions, Qt.Key.Key_Return)
    tab = window.current_tab()
    assert tab is not None and tab.document.path.name == "b.txt"
    start = tab.document.text.index(BOB_MAIL)
    assert tab.view.selected_span() == (start, start + len(BOB_MAIL))

    # the dock's redacted export writes what `sqzdesk redact` writes: copies in their formats with audits
    out = tmp_path / "redacted"
    with qtbot.waitSignal(panel.worker.export_finished, timeout=60_000) as finished:
        panel.export("redacted", out)
    assert finished.args[0].target == out and finished.args[1] == ""
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "a.txt.audit.json", "b.txt", "b.txt.audit.json"]
    assert BOB_MAIL not in (out / "b.txt").read_text(encoding="utf-8")
    assert json.loads((out / "b.txt.audit.json").read_text(encoding="utf-8"))["spans"][0]["label"] == "EMAIL"


def test_a_document_analysed_in_a_tab_is_stored_as_batch_would_store_it(qtbot, tmp_path):
    """Opened one by one, documents still reach the store: under the batch's own key (so the store view
    lists their people and addresses, and a batch over the folder reuses them instead of analysing
    again), with the very analysis the tab shows."""
    folder = tmp_path / "case"
    folder.mkdir()
    path = folder / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    assert window.results is not None and tab.sha256 is not None and tab.analysis is not None
    [stored] = window.results.results()
    assert stored.path == path and stored.sha256 == tab.sha256 and not stored.failed
    assert stored.analysis is not None and stored.analysis.entities == tab.analysis.entities
    assert stored.sentiment == tab.analysis.sentiment

    window.show_store_view()
    view = window.store_view()
    qtbot.waitUntil(lambda: not view.busy and bool(view.model.rows), timeout=30_000)
    assert {e.text for e in view.model.rows} >= {JANE_MAIL, BOB_MAIL}

    panel = window.batch_panel()
    with qtbot.waitSignal(panel.batch_finished, timeout=120_000) as finished:
        panel.add_paths([folder])
    summary = finished.args[0]
    assert (summary.total, summary.reused, summary.analysed) == (1, 1, 0)  # the batch's key is the tab's


def test_forget_through_the_dialog_removes_the_rows_and_the_tab_s_decisions(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    tab = review_by_keys(qtbot, window, path)
    sha = tab.sha256
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))

    def fill(dialog: ForgetDialog) -> None:
        assert str(default_store_path()) in dialog.where.text()
        assert dialog.this_document.isChecked()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    fill_modal(ForgetDialog, fill)
    window.forget_action.trigger()
    qtbot.waitUntil(lambda: window.last_forget is not None, timeout=30_000)
    assert window.last_forget.decisions == 4 and window.last_forget.complete
    assert told and "Removed" in told[0] and "compacted" in told[0]
    with ResultStore(default_store_path()) as store:
        assert store.decisions(sha) == []
        assert store.info().decisions == 0
    assert tab.review.decisions == {} and drawn_verdicts(tab) == {}
    assert os.path.exists(default_store_path())


def test_every_review_shortcut_is_in_the_readme(qtbot, tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| ")]
    actions = [*tab.view.actions(), window.export_redacted_action, window.store_view_action]
    for action in actions:
        for key in action.shortcuts():
            text = key.toString()
            assert any(text in line.split("|")[1] for line in table), f"{text} ({action.text()}) not in the README"
