"""Settings -> Models (issue 18): per task Fast or Accurate, figures side by side, the status bar says
which runs, and the next analysis runs on the chosen model. Real widgets (pytest-qt), real tiny bundles.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from guikit import NEWS, make_window, open_and_wait
from PySide6.QtCore import Qt

from sqzdesk.engine import Analyzer, Variant
from sqzdesk.engine.cpu import cpu_info
from sqzdesk.gui.document_tab import TabState
from sqzdesk.gui.settings import speed_key
from sqzdesk.gui.settings_dialog import SettingsDialog, remembered
from sqzdesk.modelbuild.tiny import write_tiny_fast_bundles


@pytest.fixture()
def with_fast(tmp_path, tiny_root, monkeypatch):
    """The tiny bundles plus a fast sentiment bundle (entities and qa have no fast one)."""
    fast = tmp_path / "fast"
    write_tiny_fast_bundles(fast)
    monkeypatch.setenv("SQZDESK_MODEL_PATH", f"{fast}{os.pathsep}{tiny_root}")
    return fast


def test_switching_sentiment_to_fast_reruns_on_the_fast_model(qtbot, tmp_path, with_fast):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    accurate_result = tab.analysis
    assert "Sentiment: tiny-sentiment 0.0.0 (accurate)" in window.status.models.text()

    dialog = SettingsDialog(window.settings, window, window.models)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.pages.setCurrentIndex(dialog.pages.count() - 1)  # Settings -> Models
    assert dialog.pages.tabText(dialog.pages.currentIndex()) == "&Models"
    sentiment, entities = dialog.variant_buttons["sentiment"], dialog.variant_buttons["entities"]
    assert sentiment[Variant.ACCURATE].isChecked()
    assert sentiment[Variant.ACCURATE].text() == "Accurate — accuracy 50.0 % · 3 ms"
    assert sentiment[Variant.FAST].text() == "Fast — accuracy 48.5 % · 2 ms"
    assert not entities[Variant.FAST].isEnabled()
    assert entities[Variant.FAST].text() == "Fast: not available (see MODEL_CARD)"
    qtbot.mouseClick(sentiment[Variant.FAST], Qt.MouseButton.LeftButton)
    assert sentiment[Variant.FAST].isChecked() and not sentiment[Variant.ACCURATE].isChecked()
    assert entities[Variant.ACCURATE].isChecked()  # each row is its own exclusive set

    window.apply_settings(dialog.result_settings())
    assert window.store.load().variants == {"sentiment": "fast"}
    qtbot.waitUntil(lambda: "(fast)" in window.status.models.text(), timeout=20_000)
    qtbot.waitUntil(lambda: tab.state == TabState.DONE and tab.analysis is not None
                    and tab.analysis is not accurate_result, timeout=30_000)
    assert "Entities: tiny-entities 0.0.0 (accurate)" in window.status.models.text()
    assert window.models is not None and window.models.bundles["sentiment"].path == with_fast / "tiny-sentiment-fast"
    built = window.host.pool.analyzer()
    assert built.sentiment is not None and built.sentiment.bundle.variant is Variant.FAST

    fast_reference = Analyzer.open(threads=1, variant=Variant.FAST).analyze(NEWS)
    assert tab.analysis.sentiment == fast_reference.sentiment
    assert tab.analysis.sentiment != accurate_result.sentiment
    assert tab.analysis.entities == accurate_result.entities  # entities stayed accurate


def test_fast_choice_persists_and_falls_back_where_the_bundle_is_gone(qtbot, tiny_root, monkeypatch):
    window = make_window(qtbot, variants={"sentiment": "fast", "entities": "fast"})
    status = window.models
    assert status is not None and status.variant("sentiment") is Variant.ACCURATE  # no fast bundle here
    assert "(accurate, no fast)" in window.status.models.text()
    assert "no fast 'sentiment' model installed" in window.status.models.toolTip()
    dialog = SettingsDialog(window.settings, window, window.models)
    qtbot.addWidget(dialog)
    assert dialog.variant_buttons["sentiment"][Variant.ACCURATE].isChecked()
    # the choice the dialog could not show is kept, so it applies again once a fast bundle is installed
    assert dialog.result_settings().variants == {"sentiment": "fast", "entities": "fast"}


def _models_page(qtbot, window, settings=None) -> SettingsDialog:
    dialog = SettingsDialog(settings or window.settings, window, window.models, host=window.host)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.pages.setCurrentIndex(dialog.pages.count() - 1)
    return dialog


def test_measure_times_both_variants_here_and_shows_them_beside_the_recorded_ones(qtbot, with_fast):
    window = make_window(qtbot)
    dialog = _models_page(qtbot, window)
    assert f"this computer's class is {cpu_info()[2]}." in dialog.models_note.text()
    assert dialog.measure_button.isEnabled() and not dialog.measure_progress.isVisible()
    steps = []
    window.host.progress.connect(lambda job, done, total: steps.append((done, total)))
    qtbot.mouseClick(dialog.measure_button, Qt.MouseButton.LeftButton)
    assert dialog.speed_job is not None and dialog.measure_button.text() == "&Stop measuring"
    assert dialog.measure_progress.isVisible()
    qtbot.waitUntil(lambda: dialog.speed_job is None, timeout=30_000)
    assert steps and steps[-1] == (18, 18)  # 2 variants x (1 warm-up + 8 rounds), the last always reported
    assert set(dialog.speeds) == {("sentiment", Variant.ACCURATE), ("sentiment", Variant.FAST)}
    sentiment = dialog.variant_buttons["sentiment"]
    here = dialog.speeds[("sentiment", Variant.FAST)]
    assert sentiment[Variant.FAST].text() == f"Fast — accuracy 48.5 % · 2 ms · here {here.ms:.0f} ms"
    assert dialog.measure_result.text().startswith("Measured on this computer (")
    assert "1 thread). Sentiment: " in dialog.measure_result.text()
    assert not dialog.measure_progress.isVisible() and dialog.measure_button.text() == "Mea&sure on this computer"
    assert dialog.variant_buttons["entities"][Variant.FAST].text() == "Fast: not available (see MODEL_CARD)"

    # remembered in the settings for this bundle version, thread count and CPU class
    measured = dialog.measured()
    assert dialog.result_settings().measured == measured
    fast_key = speed_key("tiny-sentiment-fast", "0.0.0", 1, cpu_info()[2])
    assert measured[fast_key] == here.ms and len(measured) == 2
    again = _models_page(qtbot, window, settings=replace(window.settings, measured=measured))
    assert f"here {here.ms:.0f} ms" in again.variant_buttons["sentiment"][Variant.FAST].text()
    assert again.measure_result.text().startswith("Measured on this computer before (")
    assert again.measured() == measured  # nothing new timed: nothing added
    with_figures = replace(window.settings, measured=measured)
    assert set(remembered(with_figures, window.models, 1)) == set(dialog.speeds)
    assert remembered(with_figures, window.models, 2) == {}  # timed with one thread: not shown for two


def test_figures_timed_here_are_kept_when_the_dialog_is_cancelled(qtbot, with_fast):
    """Settings -> Cancel: the choices are dropped, the speeds timed here are saved (they are facts)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from sqzdesk.engine.speed import LocalSpeed

    window = make_window(qtbot)
    seen = []

    def measure_and_cancel():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        dialog.speeds[("sentiment", Variant.FAST)] = LocalSpeed(42.0, 1, cpu_info()[2], calls=8)
        dialog.variant_buttons["sentiment"][Variant.FAST].setChecked(True)
        seen.append(dialog)
        dialog.reject()

    QTimer.singleShot(0, measure_and_cancel)
    window.edit_settings()
    assert seen
    saved = window.store.load()
    assert saved.measured == {speed_key("tiny-sentiment-fast", "0.0.0", 1, cpu_info()[2]): 42.0}
    assert saved.variants == {}  # the choice was cancelled


def test_stop_measuring_cancels_the_job_and_changes_nothing(qtbot, with_fast):
    """The engine thread is held busy, so the measurement is still queued when Stop is pressed: it is
    dropped before it starts, deterministically."""
    import threading

    window = make_window(qtbot)
    dialog = _models_page(qtbot, window)
    hold = threading.Event()
    window.host.scheduler.submit(lambda ctx: hold.wait(30), name="hold the engine thread")
    qtbot.mouseClick(dialog.measure_button, Qt.MouseButton.LeftButton)
    job = dialog.speed_job
    qtbot.mouseClick(dialog.measure_button, Qt.MouseButton.LeftButton)  # "Stop measuring"
    assert not dialog.measure_button.isEnabled()  # until the job has ended
    hold.set()
    qtbot.waitUntil(lambda: dialog.speed_job is None, timeout=30_000)
    assert job is not None and dialog.speeds == {}
    assert dialog.measure_result.text() == "Measuring stopped; nothing was changed."
    assert dialog.measure_button.isEnabled() and "here" not in dialog.variant_buttons["sentiment"][Variant.FAST].text()


def test_measure_is_offered_only_where_a_task_has_two_variants(qtbot, tiny_root):
    window = make_window(qtbot)
    dialog = _models_page(qtbot, window)
    assert not dialog.measure_button.isEnabled()
    assert "nothing to compare" in dialog.measure_button.toolTip()
