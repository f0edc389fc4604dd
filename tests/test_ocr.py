"""Scanned PDFs: pages without a text layer read by OCR (the ``ocr`` extra), or a clear message without it.

The scans are real: printed by PDFium in Helvetica, rendered to a grey 300 dpi image with speckle noise
and stored as an image-only (JPEG) PDF by Pillow (pdfmaker.make_image_pdf); the OCR is the real
RapidOCR engine on onnxruntime. Tests that need the extra skip without it (CI installs it); the
no-extra messages are tested everywhere by making the extra look absent.
"""

from __future__ import annotations

import json
import os
import re
import sys
from difflib import SequenceMatcher

import pytest
from pdfmaker import join_pdfs, make_image_pdf, make_pdf, make_scanned_pdf
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from sqzdesk.cli import main
from sqzdesk.cli.text import text_record
from sqzdesk.documents import DocumentError, Page, read_document
from sqzdesk.documents import ocr as ocr_module
from sqzdesk.documents.ocr import INSTALL_HINT, ReadCancelled, ReadHooks, ocr_note

PARAGRAPH = """The committee met in Geneva on 14 March 2024 to review the annual budget of the
Alpine Rail Group. Maria Keller, the chief financial officer, presented the figures and
answered questions about the new maintenance depot near Lausanne. Several members asked
whether ticket prices would rise again next year; she said that no decision had been
taken and that the board would publish its plan in June. The meeting closed at half
past five after a short discussion of the timetable for the autumn and the hiring of
forty new train drivers, who will start their training in Bern on 2 September."""
TEXT_PAGE = "This first page has a real text layer."
NO_EXTRA = f"no text layer on 1 of 2 pages (scanned?): {INSTALL_HINT}"


def word_accuracy(reference: str, read: str) -> float:
    """Share of the reference's words that OCR read exactly, in order: the words (letters and digits,
    case kept, punctuation dropped) of both texts are aligned by difflib's longest matching blocks and
    the matched words counted, so a misread, missing or split word costs one and an extra word none."""
    ref = re.findall(r"\w+", reference)
    got = re.findall(r"\w+", read)
    matched = sum(block.size for block in SequenceMatcher(None, ref, got, autojunk=False).get_matching_blocks())
    return matched / len(ref)


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory):
    """A text page then a scanned page of :data:`PARAGRAPH` (skips without the extra)."""
    pytest.importorskip("rapidocr")
    pytest.importorskip("PIL")
    folder = tmp_path_factory.mktemp("scan")
    text = make_pdf(folder / "text.pdf", [TEXT_PAGE])
    scan = make_image_pdf(folder / "scan.pdf", [PARAGRAPH], dpi=300, noise=0.01)
    return join_pdfs(folder / "mixed.pdf", [text, scan])


@pytest.fixture(scope="module")
def mixed_read(mixed_pdf):
    """The mixed PDF read once (OCR takes seconds a page), with the progress calls it made."""
    calls: list[tuple[int, int, int]] = []
    document = read_document(mixed_pdf, hooks=ReadHooks(progress=lambda *a: calls.append(a)))
    return document, calls


def test_a_scanned_page_is_read_by_ocr_with_90_percent_word_accuracy(mixed_read, tmp_path):
    document, calls = mixed_read
    first, second = document.pages
    assert (first.ocr, second.ocr) == (False, True)
    assert document.text[first.start:first.end] == TEXT_PAGE
    scanned = document.text[second.start:second.end]
    accuracy = word_accuracy(PARAGRAPH, scanned)
    print(f"word accuracy {accuracy:.3f}")
    assert accuracy >= 0.90, (accuracy, scanned)
    # The scan's lines went through the same reflow as a text layer's: the same paragraphs.
    as_text_layer = read_document(make_pdf(tmp_path / "layer.pdf", [PARAGRAPH])).text
    assert scanned.count("\n") == as_text_layer.count("\n")
    assert calls == [(0, 1, 2), (1, 1, 2)]  # "OCR page 1 of 1" (page 2), then done
    assert not document.warnings


def test_text_json_marks_ocr_pages(mixed_read):
    record = text_record(mixed_read[0])
    assert [page["ocr"] for page in record["pages"]] == [False, True]
    assert record["warnings"] == [] and record["text_quality"] == "ok"
    assert json.loads(json.dumps(record)) == record


def test_cancel_stops_before_the_next_page(tmp_path):
    pytest.importorskip("rapidocr")
    pytest.importorskip("PIL")
    scan = make_image_pdf(tmp_path / "two.pdf", ["Page one of the scan.", "Page two of the scan."])
    asked = []
    with pytest.raises(ReadCancelled, match="^reading cancelled$"):
        read_document(scan, hooks=ReadHooks(should_stop=lambda: asked.append(1) or True))
    assert len(asked) == 1  # asked before the first page, so no page was read
    progress: list[tuple[int, int, int]] = []
    stop = ReadHooks(progress=lambda *a: progress.append(a), should_stop=lambda: len(progress) >= 1)
    with pytest.raises(ReadCancelled):
        read_document(scan, hooks=stop)
    assert progress == [(0, 2, 1)]  # page 1 read, stopped before page 2


def test_ocr_opens_no_connection(tmp_path, monkeypatch):
    """The engine is built afresh with every socket connection refused and recorded: RapidOCR gets its
    models by path and never reaches its downloader."""
    pytest.importorskip("rapidocr")
    pytest.importorskip("PIL")
    import socket

    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2])[:120])
        raise OSError("network disabled by the test")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(ocr_module, "_engine", None)
    scan = make_image_pdf(tmp_path / "one.pdf", ["Offline reading works."], noise=0.0)
    assert read_document(scan).text == "Offline reading works."
    assert attempts == []


def test_a_blank_scan_says_ocr_found_nothing(tmp_path):
    pytest.importorskip("rapidocr")
    with pytest.raises(DocumentError, match=r"^no text found by OCR on 1 page \(blank or unreadable scan\?\)$"):
        read_document(make_scanned_pdf(tmp_path / "grey.pdf", 1))


def test_ocr_engine_keeps_pyside6_working(qtbot):
    """OpenCV headless brings no Qt of its own: after the OCR engine (cv2 and all) is loaded in this
    process, Qt's plugin path is unchanged and a widget still shows."""
    pytest.importorskip("rapidocr")
    before = {k: v for k, v in os.environ.items() if k.startswith("QT_")}
    ocr_module.engine()
    assert "cv2" in sys.modules
    assert {k: v for k, v in os.environ.items() if k.startswith("QT_")} == before
    label = QLabel("still here")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    assert label.isVisible()


def test_the_window_reads_a_scan_off_the_gui_thread_and_marks_it(qtbot, mixed_pdf, monkeypatch):
    from guikit import make_window

    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    window = make_window(qtbot)
    assert window.open_paths([mixed_pdf]) == 1 and not messages
    # The progress lines are set by a slot on the GUI thread while the worker read: its event loop ran.
    assert window.reader.shown == ["mixed.pdf: OCR page 1 of 1", "mixed.pdf: OCR done (1 page)"]
    assert window.reader.dialog is None
    tab = window.current_tab()
    assert tab is not None and [p.ocr for p in tab.document.pages] == [False, True]
    assert not tab.ocr_label.isHidden()
    assert tab.ocr_label.text() == "Page 2 read by OCR — check names and numbers"
    qtbot.waitUntil(lambda: window.host.idle, timeout=30_000)


def test_cancel_in_the_window_opens_nothing_and_says_nothing(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("rapidocr")
    pytest.importorskip("PIL")
    from guikit import make_window

    scan = make_image_pdf(tmp_path / "two.pdf", ["Page one of the scan.", "Page two of the scan."])
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    window = make_window(qtbot)
    # The analyst clicks the dialog's Cancel button as soon as it shows.
    window.reader.shown_line.connect(lambda line: window.reader.dialog.findChild(QPushButton).click())
    assert window.open_paths([scan]) == 0
    assert window.tabs.count() == 0 and not messages
    assert window.reader.shown == ["two.pdf: OCR page 1 of 2"]


# --- without the extra ------------------------------------------------------------------------------


@pytest.fixture()
def no_extra(monkeypatch):
    """Make the ``ocr`` extra look uninstalled, as on a default install."""
    monkeypatch.setattr(ocr_module, "available", lambda: False)


def test_without_the_extra_a_scan_says_how_to_get_ocr(tmp_path, no_extra):
    with pytest.raises(DocumentError) as info:
        read_document(make_scanned_pdf(tmp_path / "scan.pdf", 3))
    assert str(info.value) == 'no text layer on 3 pages (scanned?): install OCR with pip install "sqzdesk[ocr]"'


def test_without_the_extra_a_mixed_pdf_keeps_its_text_and_warns(tmp_path, no_extra, capsys):
    mixed = join_pdfs(tmp_path / "mixed.pdf", [make_pdf(tmp_path / "t.pdf", [TEXT_PAGE]),
                                               make_scanned_pdf(tmp_path / "s.pdf", 1)])
    document = read_document(mixed)
    assert document.text == TEXT_PAGE + "\n\n" and document.warnings == (NO_EXTRA,)
    assert [p.ocr for p in document.pages] == [False, False]
    assert main(["text", str(mixed), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["warnings"] == [NO_EXTRA]
    assert [p["ocr"] for p in record["pages"]] == [False, False]


def test_the_cli_says_how_to_get_ocr_in_one_line(tmp_path, no_extra, capsys):
    scan = make_scanned_pdf(tmp_path / "scan.pdf", 1)
    assert main(["text", str(scan)]) == 1
    err = capsys.readouterr().err
    assert err == f'sqzdesk: {scan}: no text layer on 1 page (scanned?): {INSTALL_HINT}\n'


def test_when_the_ocr_package_fails_to_import_the_message_says_so(tmp_path, monkeypatch):
    """The extra looks installed but its import fails (a broken install): the same one line, with why."""
    monkeypatch.setattr(ocr_module, "available", lambda: True)
    monkeypatch.setattr(ocr_module, "_engine", None)
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr now raises ImportError
    with pytest.raises(DocumentError) as info:
        read_document(make_scanned_pdf(tmp_path / "scan.pdf", 2))
    assert str(info.value) == ("no text layer on 2 pages (scanned?): OCR is not installed (rapidocr missing): "
                               f"{INSTALL_HINT}")


def test_without_the_extra_the_window_says_how_to_get_ocr(qtbot, tmp_path, no_extra, monkeypatch):
    from guikit import make_window

    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    mixed = join_pdfs(tmp_path / "mixed.pdf", [make_pdf(tmp_path / "t.pdf", [TEXT_PAGE]),
                                               make_scanned_pdf(tmp_path / "s.pdf", 1)])
    window = make_window(qtbot)
    assert window.open_paths([make_scanned_pdf(tmp_path / "scan.pdf", 1), mixed]) == 1
    assert messages == [f"scan.pdf: no text layer on 1 page (scanned?): {INSTALL_HINT}"]
    tab = window.current_tab()
    assert tab is not None and tab.ocr_label.text() == NO_EXTRA and not tab.ocr_label.isHidden()
    assert window.reader.shown == []  # nothing was OCR'd, so no progress dialog
    qtbot.waitUntil(lambda: window.host.idle, timeout=30_000)


def test_without_the_extra_a_batch_lists_the_scan_and_goes_on(tmp_path, no_extra, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_scanned_pdf(docs / "scan.pdf", 2)
    (docs / "note.txt").write_text("Angela Merkel met the press in Berlin and the talks went well.\n",
                                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["--threads", "1", "batch", str(docs), "--out", str(out), "--store", str(tmp_path / "s.db")]) == 1
    records = {os.path.basename(r["path"]): r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert records["scan.pdf"]["error"] == f"no text layer on 2 pages (scanned?): {INSTALL_HINT}"
    assert records["note.txt"]["error"] is None and records["note.txt"]["sentences"]


def test_the_standalone_binary_says_it_has_no_ocr(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr_module, "available", lambda: False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(DocumentError, match=r"^no text layer on 1 page \(scanned\?\): the standalone binary has no "
                                            r"OCR: install sqzdesk with pip install \"sqzdesk\[ocr\]\" to read scans$"):
        read_document(make_scanned_pdf(tmp_path / "scan.pdf", 1))


def test_ocr_note_names_the_pages():
    def pages(*flags: bool) -> tuple[Page, ...]:
        return tuple(Page(number=i + 1, start=0, end=0, ocr=flag) for i, flag in enumerate(flags))

    assert ocr_note(pages(False, False)) == ""
    assert ocr_note(pages(True)) == "This page read by OCR — check names and numbers"
    assert ocr_note(pages(True, True)) == "All pages read by OCR — check names and numbers"
    assert ocr_note(pages(True, True, True, False, True)) == "Pages 1-3, 5 read by OCR — check names and numbers"
    assert ocr_note(pages(False, True)) == "Page 2 read by OCR — check names and numbers"


def test_word_accuracy_counts_misread_words():
    assert word_accuracy("one two three four", "one two three four") == 1.0
    assert word_accuracy("one two three four", "one tw0 three four.") == 0.75
    assert word_accuracy("one two three four", "one two three") == 0.75


@pytest.fixture
def ocr_threads(monkeypatch):
    """The OCR module's thread bound and engine, put back after the test."""
    from sqzdesk.documents import ocr

    monkeypatch.setattr(ocr, "_threads", ocr._threads)
    monkeypatch.setattr(ocr, "_engine", ocr._engine)
    return ocr


def test_ocr_threads_follow_the_engine_threads_and_stay_bounded(ocr_threads, monkeypatch):
    monkeypatch.setattr(ocr_threads, "_threads", 3)  # whatever an earlier window set
    ocr_threads.set_threads(1)
    assert ocr_threads.threads() == 1 and ocr_threads._engine is None  # the next engine is built with 1
    ocr_threads.set_threads(64)
    assert ocr_threads.threads() == ocr_threads.default_threads() <= ocr_threads.MAX_THREADS
    ocr_threads.set_threads(0)
    assert ocr_threads.threads() == ocr_threads.default_threads()


def test_the_cli_threads_bound_ocr(ocr_threads, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("Nothing to scan.", encoding="utf-8")
    assert main(["--threads", "1", "text", str(path)]) == 0
    assert ocr_threads.threads() == 1


def test_the_settings_threads_bound_ocr(ocr_threads, qtbot):
    from dataclasses import replace

    from guikit import make_window

    window = make_window(qtbot, threads=1)
    assert ocr_threads.threads() == 1
    window.apply_settings(replace(window.settings, threads=2))
    assert ocr_threads.threads() == min(2, ocr_threads.default_threads())
