"""Documents as analysts get them, in the window: a PDF behind a password, a text layer that is garbage."""

from __future__ import annotations

from guikit import make_window
from pdfmaker import make_encrypted_pdf, make_pdf
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

FULL = "The committee met on Tuesday to discuss the budget and the delegation was led by"


def _answers(monkeypatch, *replies: tuple[str, bool]) -> list[tuple[str, QLineEdit.EchoMode]]:
    """Patch the password dialog to give ``replies`` in turn; returns the (prompt, echo mode) it was shown with."""
    asked: list[tuple[str, QLineEdit.EchoMode]] = []
    queue = list(replies)

    def get_text(parent, title, label, echo=QLineEdit.EchoMode.Normal, *args, **kwargs):
        asked.append((label, echo))
        return queue.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return asked


def test_a_pdf_with_a_password_asks_for_it_again_after_a_wrong_one(qtbot, tmp_path, monkeypatch):
    pdf = make_encrypted_pdf(tmp_path / "locked.pdf", ["Angela Merkel met the board.", "Page two."],
                             user_password="hunter2")
    asked = _answers(monkeypatch, ("wrong", True), ("hunter2", True))
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    window = make_window(qtbot)
    assert window.open_paths([pdf]) == 1 and not messages
    assert [prompt for prompt, _ in asked] == ["locked.pdf is protected by a password:",
                                               "Wrong password for locked.pdf. Try again:"]
    assert all(echo == QLineEdit.EchoMode.Password for _, echo in asked)
    tab = window.current_tab()
    assert tab is not None and tab.document.text == "Angela Merkel met the board.\n\nPage two."
    assert tab.view.toPlainText() == tab.document.text
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)


def test_cancelling_the_password_opens_nothing_and_says_nothing(qtbot, tmp_path, monkeypatch):
    pdf = make_encrypted_pdf(tmp_path / "locked.pdf", ["Top secret."], user_password="hunter2")
    asked = _answers(monkeypatch, ("", False))
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    window = make_window(qtbot)
    assert window.open_paths([pdf]) == 0
    assert window.tabs.count() == 0 and len(asked) == 1 and not messages


def test_reflowed_pdf_text_is_what_the_tab_shows_and_garbage_gets_a_warning_line(qtbot, tmp_path):
    clean = make_pdf(tmp_path / "clean.pdf", [f"{FULL} Angela\nMerkel in the inter-\nnational press."])
    garbage = make_pdf(tmp_path / "garbage.pdf",
                       ["Xkqzt vbnrtp Qwrtzp lkjhgf Zxcvbn mnbvcx Plkjhg Trwqxz ghjkl Vbnmk Sdfghj Wrtzpq"])
    window = make_window(qtbot)
    assert window.open_paths([clean, garbage]) == 2
    clean_tab, garbage_tab = window.all_tabs()
    assert clean_tab.view.toPlainText() == f"{FULL} Angela Merkel in the international press."
    assert clean_tab.quality_label.isHidden()
    assert not garbage_tab.quality_label.isHidden()
    assert garbage_tab.quality_label.text().startswith(
        "Low text quality: 100% of the longer words have no vowels.")
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)
    assert garbage_tab.analysis is not None  # analysed all the same: the analyst decides


ARTICLE = ("The harbour authority opened the new ferry terminal on Monday. Officials said the terminal "
           "would double the number of daily crossings to the islands. ") * 4
PAGE = (f"<html><head><title>Harbour news</title></head><body><nav><a href='/'>Home</a> <a href='/s'>SUBSCRIBE NOW</a>"
        f"</nav><article><h1>Harbour news</h1><p>{ARTICLE}</p>"
        f"<p>{ARTICLE}</p></article><div class='share'>Share on Facebook</div>"
        f"<footer>Cookie settings</footer></body></html>")


def test_show_full_page_reads_an_html_tab_again_whole_and_back(qtbot, tmp_path):
    page = tmp_path / "harbour.html"
    page.write_text(PAGE, encoding="utf-8")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Plain notes about the harbour.", encoding="utf-8")
    window = make_window(qtbot)
    assert window.open_paths([text_file]) == 1
    assert not window.full_page_action.isEnabled()  # one reading only: nothing to toggle
    assert window.open_paths([page]) == 1
    tab = window.current_tab()
    assert tab is not None and window.full_page_action.isEnabled() and not window.full_page_action.isChecked()
    assert "SUBSCRIBE NOW" not in tab.document.text and "ferry terminal" in tab.document.text
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)

    window.full_page_action.trigger()  # Ctrl+Shift+U
    full = window.current_tab()
    assert full is not None and full is not tab and window.tabs.indexOf(full) == 1 and window.tabs.count() == 2
    assert "SUBSCRIBE NOW" in full.document.text and full.view.toPlainText() == full.document.text
    assert full.review is None and window.full_page_action.isChecked()
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)

    window.tabs.setCurrentIndex(0)
    assert not window.full_page_action.isEnabled()
    window.tabs.setCurrentIndex(1)
    assert window.full_page_action.isChecked()
    window.full_page_action.trigger()
    back = window.current_tab()
    assert back is not None and "SUBSCRIBE NOW" not in back.document.text
    assert not window.full_page_action.isChecked() and window.tabs.count() == 2
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)


def _slow_reads(monkeypatch, window, slow_name: str, during) -> dict[str, int]:
    """Make the read of ``slow_name`` wait on its worker until ``during`` (run by the GUI thread's event
    loop inside that read, as a drop or a click would be) has returned. Counts reads and their nesting."""
    import threading

    from PySide6.QtCore import QTimer

    from sqzdesk.batch.source import Source

    counts = {"reads": 0, "depth": 0, "deepest": 0}
    done = threading.Event()
    original_document, original_read = Source.document, window.reader.read

    def document(self, *args, **kwargs):
        if self.path.name == slow_name:
            assert done.wait(30), "the GUI thread never ran the event meant to arrive during the read"
        return original_document(self, *args, **kwargs)

    def read(source, *args, **kwargs):
        counts["reads"] += 1
        counts["depth"] += 1
        counts["deepest"] = max(counts["deepest"], counts["depth"])
        if source.path.name == slow_name:
            QTimer.singleShot(0, lambda: (during(), done.set()))
        try:
            return original_read(source, *args, **kwargs)
        finally:
            counts["depth"] -= 1

    monkeypatch.setattr(Source, "document", document)
    monkeypatch.setattr(window.reader, "read", read)
    return counts


def test_files_dropped_while_a_document_is_read_open_after_it_in_order(qtbot, tmp_path, monkeypatch):
    paths = []
    for name, text in (("a.txt", "First file."), ("b.txt", "Second file."), ("c.txt", "Third file.")):
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    window = make_window(qtbot)
    queued: list[int] = []
    counts = _slow_reads(monkeypatch, window, "a.txt", lambda: queued.append(window.open_paths(paths[1:])))
    assert window.open_paths(paths[:1]) == 3
    assert queued == [0]  # put in line, not read inside the first read
    assert counts == {"reads": 3, "depth": 0, "deepest": 1}
    assert [t.document.path.name for t in window.all_tabs()] == ["a.txt", "b.txt", "c.txt"]
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)


def test_closing_the_window_during_a_read_opens_no_tab(qtbot, tmp_path, monkeypatch):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("First file.", encoding="utf-8")
    second.write_text("Second file.", encoding="utf-8")
    window = make_window(qtbot)
    counts = _slow_reads(monkeypatch, window, "a.txt", lambda: (window.open_paths([second]), window.close()))
    assert window.open_paths([first]) == 0
    assert window.tabs.count() == 0 and counts["reads"] == 1
