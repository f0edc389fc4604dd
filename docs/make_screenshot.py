"""Make docs/screenshot.png from the real app on a real document.

    xvfb-run -s "-screen 0 1400x900x24" python docs/make_screenshot.py        # real X server
    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py                   # or no display at all

Which models: the installed bundles, found the way the app finds them (``SQZDESK_MODEL_PATH``, else the
user's data dir, then ``assets/models``). A task with no installed bundle falls back to the tiny
random-weight test bundle (``python -m sqzdesk.modelbuild tiny``; needs the ``onnx`` package), so every
panel has something to show; the status bar of the screenshot names the bundles used ("tiny-…" means
random predictions) and this script prints them. Re-run it when the trained bundles land.

The app's settings are kept in a temporary config dir, so running this never touches yours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DOCUMENT = """\
Geneva approves new rail link after months of debate

GENEVA — The city council of Geneva approved a new rail link to Lausanne on Tuesday. Mayor Claire \
Dubois called it a wonderful day for everyone who commutes, and thanked the engineers for their \
excellent work.

The line will be built by Alpine Rail Group together with Siemens Mobility. Economists at the \
University of Geneva welcomed the plan and praised its careful budget. Travel times to Lausanne are \
expected to fall by twenty minutes.

Not everyone is pleased. Residents of Carouge said the construction noise will be terrible, and the \
transport union warned that the timetable is unrealistic. "This is a bad deal for the workers," said \
union leader Marc Keller.

Funding comes from the Swiss Federal Railways and the European Investment Bank. Construction starts \
in March and should be finished within three years, according to Anna Meier, the project director. \
Residents can send questions to info@geneva-rail.example.ch or call +41 22 418 50 00.
"""
QUESTION = "Who will build the rail link?"


def model_path(scratch: Path) -> tuple[str, list[str]]:
    """The search path to use and a line per task saying which bundle serves it."""
    from sqzdesk.engine import search_dirs
    from sqzdesk.engine.pool import locate_models

    roots = search_dirs()
    status = locate_models(roots)
    notes = []
    missing = [task for task in ("sentiment", "entities", "qa") if not status.available(task)]
    if missing:
        import shutil

        from sqzdesk.modelbuild.tiny import write_tiny_bundles

        fallback = scratch / "fallback-models"
        write_tiny_bundles(fallback)
        for task in ("sentiment", "entities", "qa"):
            if task not in missing:  # installed bundles are used as they are
                shutil.rmtree(fallback / f"tiny-{task}")
        roots = [*roots, fallback]
    final = locate_models(roots)
    for task in ("sentiment", "entities", "qa"):
        bundle = final.bundles.get(task)
        where = f"{bundle.manifest.name} {bundle.manifest.version} ({bundle.path})" if bundle else "none"
        random = " — RANDOM WEIGHTS, refresh the screenshot when a trained bundle is installed" \
            if bundle and bundle.manifest.name.startswith("tiny-") else ""
        notes.append(f"{task}: {where}{random}")
    return os.pathsep.join(str(r) for r in roots), notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--size", default="1400x900", help="window size, WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    scratch = Path(tempfile.mkdtemp(prefix="sqzdesk-shot-"))
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    search, notes = model_path(scratch)
    os.environ["SQZDESK_MODEL_PATH"] = search
    for line in notes:
        print(line)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from sqzdesk.gui.document_tab import TabState
    from sqzdesk.gui.main_window import MainWindow
    from sqzdesk.gui.qa_panel import QAState

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("sqzdesk")
    doc = scratch / "geneva-rail-link.txt"
    doc.write_text(DOCUMENT, encoding="utf-8")

    window = MainWindow()
    window.resize(width, height)
    window.show()

    def wait(condition, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for the app")
            app.processEvents()
            time.sleep(0.01)

    wait(lambda: window.models is not None)
    window.open_paths([doc])
    tab = window.current_tab()
    wait(lambda: tab.state in (TabState.DONE, TabState.FAILED))
    if tab.qa.state != QAState.UNAVAILABLE:
        tab.qa.question.setText(QUESTION)
        tab.qa.question.returnPressed.emit()
        wait(lambda: tab.qa.state not in (QAState.READY, QAState.ASKING))
    tab.entity_panel.flush()
    tab.view.verticalScrollBar().setValue(0)
    tab.view.flush()
    window.activateWindow()
    tab.view.setFocus(Qt.FocusReason.OtherFocusReason)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.out)):
        raise SystemExit(f"could not write {args.out}")
    print(f"wrote {args.out}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
