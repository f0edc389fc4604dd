"""`sqzdesk selftest --gui`: the real window, end to end, without a person in front of it.

The frozen binary leaves parts of Qt out (QtCore's ICU services are replaced by a stub, Wayland and
most plugins are not shipped), so CI needs proof that what a user does still works inside it: the
window opens, a document is analysed on the worker thread and its entities highlighted, a question
is answered, a file dialog lists a folder, and the Qt services that used ICU (collation, locale case
mapping, time-zone names, codecs) answer without crashing. Runs on any platform plugin;
``QT_QPA_PLATFORM=offscreen`` when there is no display. Settings go to a temporary file, so the
user's recent files and preferences are untouched.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cmp_to_key
from pathlib import Path

SAMPLE = ("Angela Merkel visited the Eiffel Tower in Paris with the board of Siemens. "
          "The tower was completed in 1889 and the visit was a great success.")
QUESTION = "When was the tower completed?"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def run_gui_checks(model_dirs: Iterable[Path] | None = None) -> list[Check]:
    """Open the main window on a sample document and exercise it; one :class:`Check` per step."""
    from PySide6.QtWidgets import QApplication

    from sqzdesk.gui.app import quiet_qt_messages
    from sqzdesk.gui.main_window import MainWindow
    from sqzdesk.gui.settings import Settings, SettingsStore

    app = QApplication.instance() or QApplication(["sqzdesk"])
    quiet_qt_messages()
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="sqzdesk-selftest-") as tmp:
        folder = Path(tmp)
        store = SettingsStore(folder / "settings.json")
        store.save(Settings())
        sample = folder / "sample.txt"
        sample.write_text(SAMPLE, encoding="utf-8")
        window = MainWindow(store, model_dirs=list(model_dirs) if model_dirs is not None else None)
        window.show()
        try:
            checks.append(_wait("window", lambda: window.models is not None, "models found",
                                app, lambda: "the engine thread did not report its models"))
            checks += _document_checks(app, window, sample)
            checks.append(_file_dialog_check(app, folder))
            checks += _icu_fallback_checks()
        finally:
            window.close()
            app.processEvents()
    return checks


def _document_checks(app, window, sample: Path) -> list[Check]:
    from sqzdesk.gui.document_tab import TabState
    from sqzdesk.gui.qa_panel import QAState

    if not window.open_path(sample):
        return [Check("document", False, f"could not open {sample.name}")]
    tab = window.current_tab()
    analysed = _wait("analysis", lambda: tab.state in (TabState.DONE, TabState.FAILED), "", app,
                     lambda: f"still {tab.state} after {TIMEOUT_S:.0f} s")
    if not analysed.passed:
        return [analysed]
    tab.view.flush()
    found = sorted({(e.label, e.text) for e in tab.entities})
    checks = [Check("analysis", tab.state == TabState.DONE and ("PER", "Angela Merkel") in found,
                    f"{tab.state}; entities {found}")]
    window.ask(tab.doc_id, QUESTION)
    asked = _wait("question", lambda: tab.qa.state not in (QAState.READY, QAState.ASKING), "", app,
                  lambda: f"still {tab.qa.state} after {TIMEOUT_S:.0f} s")
    if not asked.passed:
        return [*checks, asked]
    answers = [tab.qa.answer(i) for i in range(tab.qa.answers.count())]
    checks.append(Check("question", bool(answers) and "1889" in answers[0].text,
                        f"{tab.qa.state}; answers {[a.text for a in answers]}"))
    return checks


def _file_dialog_check(app, folder: Path) -> Check:
    """Qt's own file dialog sorts names with QCollator, one of the services the ICU stub turns off."""
    from PySide6.QtWidgets import QFileDialog, QFileSystemModel

    for name in ("b 10.txt", "B 2.md", "a.html"):
        (folder / name).write_text("x", encoding="utf-8")
    dialog = QFileDialog(None, "Open", str(folder))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.show()
    model = dialog.findChild(QFileSystemModel)
    if model is None:
        dialog.close()
        return Check("file dialog", False, "Qt's file dialog has no file system model")

    def names() -> list[str]:
        root = model.index(str(folder))
        return [model.fileName(model.index(r, 0, root)) for r in range(model.rowCount(root))]

    # sample.txt, settings.json and the three above
    listed = _wait("file dialog", lambda: len(names()) >= 5, "", app, lambda: f"listed {names()}")
    check = Check("file dialog", listed.passed, f"lists {names()}")
    dialog.close()
    return check


def _icu_fallback_checks() -> list[Check]:
    from PySide6.QtCore import QByteArray, QCollator, QDateTime, QLocale, QStringDecoder, QTimeZone

    words = ["beta", "Alpha", "alpha", "Äpfel", "file 10", "file 2"]
    collator = QCollator(QLocale("de_DE"))
    collator.setNumericMode(True)
    ordered = sorted(words, key=cmp_to_key(collator.compare))
    upper = QLocale("tr_TR").toUpper("istanbul")
    zone = QTimeZone(QByteArray(b"Europe/Paris"))
    winter = QDateTime.fromString("2026-01-15T12:00:00Z", "yyyy-MM-ddTHH:mm:ssZ")
    offset = zone.offsetFromUtc(winter)
    zone_name = zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US"))
    legacy = QStringDecoder("ISO-8859-15").isValid()
    codecs = len(QStringDecoder.availableCodecs())
    return [
        Check("collation", sorted(ordered) == sorted(words), f"de_DE order {ordered}"),
        Check("case mapping", upper.upper() == "ISTANBUL" or upper == "İSTANBUL", f"tr_TR upper: {upper}"),
        # offsets come from the system's tz database; the long name needs ICU and may be empty without it
        Check("time zones", zone.isValid() and offset == 3600, f"Europe/Paris: UTC+{offset // 3600}, {zone_name!r}"),
        Check("codecs", QStringDecoder("UTF-8").isValid() and codecs > 0,
              f"{codecs} codecs; ISO-8859-15 {'offered' if legacy else 'not offered (UTF and Latin-1 only)'}"),
    ]


def _wait(name: str, condition: Callable[[], bool], detail: str, app,
          failure: Callable[[], str]) -> Check:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return Check(name, True, detail)
        time.sleep(0.01)
    return Check(name, False, failure())
