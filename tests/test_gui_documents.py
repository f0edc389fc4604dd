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
