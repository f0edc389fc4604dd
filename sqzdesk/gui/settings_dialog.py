"""Edit the settings: engine threads, entity types shown and their colours, size limit, tint, QA threshold,
and per task the model variant (Fast or Accurate, their measured accuracy and speed side by side).

The speeds in the manifests were measured in one run on one computer (``modelbuild record-speeds``); whether
the fast variant pays depends on the CPU class (:mod:`sqzdesk.engine.speed`). So the Models page can time both variants on this
computer ("Measure on this computer", on the engine thread, with progress and Stop) and shows those figures
beside the recorded ones.

The dialog edits a copy; the window applies and saves the result only when the user presses OK.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.engine.bundle import Bundle
from sqzdesk.engine.cpu import cpu_info
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.pool import ModelStatus
from sqzdesk.engine.speed import Comparison, LocalSpeed, Verdict, choosable, compare, threads_text
from sqzdesk.gui.entity_types import DISPLAY_ORDER, is_pattern, type_name
from sqzdesk.gui.settings import MAX_MEASURED, Settings, speed_key

if TYPE_CHECKING:
    from sqzdesk.gui.worker import SpeedJob, WorkerHost

Speeds = dict[tuple[str, Variant], LocalSpeed]

VARIANT_TASKS = {"sentiment": "Sentiment", "entities": "Entities", "qa": "Questions"}


def figures(bundle: Bundle, here: LocalSpeed | None = None) -> str:
    """``accuracy 89.7 % · 42 ms · here 40 ms``: the manifest's validation figure and recorded speed (batch
    of 8 x 128 tokens), and the speed timed on this computer once measured, so the two variants can be
    weighed side by side."""
    m = bundle.manifest
    validation = m.validation()
    parts = [f"{validation[0]} {validation[1]:.1f} %" if validation else "accuracy not recorded"]
    parts.append(f"{m.speed.ms:.0f} ms" if m.speed else "speed not measured")
    if here is not None:
        parts.append(f"here {here.ms:.0f} ms")
    return " · ".join(parts)


VERDICTS = {Verdict.FASTER: "Fast is {ratio:.2f}× faster here.",
            Verdict.SAME: "about the same speed here ({ratio:.2f}×), so Accurate costs no time.",
            Verdict.SLOWER: "Fast is slower here ({ratio:.2f}×), so keep Accurate."}


def remembered(settings: Settings, models: ModelStatus, threads: int) -> Speeds:
    """The speeds timed here before for the installed bundles, at this thread count on this CPU class."""
    cpu = cpu_info()[2]
    found: Speeds = {}
    for task, variants in models.choices.items():
        for variant, bundle in variants.items():
            ms = settings.measured.get(speed_key(bundle.manifest.name, bundle.manifest.version, threads, cpu))
            if ms is not None:
                found[(task, variant)] = LocalSpeed(ms, threads, cpu, calls=0)  # 0: from an earlier trial
    return found


def verdict_line(comparisons: list[Comparison]) -> str:
    """One sentence per task timed: what the trial says about choosing Fast on this computer."""
    return " ".join(f"{VARIANT_TASKS.get(c.task, c.task)}: " + VERDICTS[c.verdict].format(ratio=c.ratio)
                    for c in comparisons)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None, models: ModelStatus | None = None,
                 host: WorkerHost | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.speeds: Speeds = remembered(settings, models or ModelStatus(),
                                         host.config.threads if host is not None else settings.effective_threads())
        self.speed_job: SpeedJob | None = None
        self.setWindowTitle("Settings")
        self._original = settings
        self._colours = dict(settings.colours)

        self.threads = QSpinBox()
        self.threads.setRange(0, max(64, os.cpu_count() or 1))
        self.threads.setSpecialValueText(f"Automatic ({Settings().effective_threads()})")
        self.threads.setValue(settings.threads)
        self.threads.setToolTip("CPU threads for the models. Automatic leaves one core free for the window.")
        self.max_mb = QSpinBox()
        self.max_mb.setRange(1, 2048)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setValue(settings.max_document_mb)
        self.max_mb.setToolTip("Larger files are refused when opened.")
        self.tint = QCheckBox("Tint sentences by sentiment")
        self.tint.setChecked(settings.sentiment_tint)
        self.model_threshold = QCheckBox("Use the model's own no-answer threshold")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setToolTip("Answers scoring below this are not shown.")
        self.model_threshold.toggled.connect(lambda on: self.threshold.setEnabled(not on))
        self.model_threshold.setChecked(settings.answer_threshold is None)
        self.threshold.setValue(settings.answer_threshold if settings.answer_threshold is not None else 0.1)
        self.threshold.setEnabled(settings.answer_threshold is not None)

        form = QFormLayout()
        form.addRow("Model threads:", self.threads)
        form.addRow("Largest document:", self.max_mb)
        form.addRow("", self.tint)
        form.addRow("Answers:", self.model_threshold)
        form.addRow("Minimum answer score:", self.threshold)

        types = QGroupBox("Entity types")
        grid = QGridLayout(types)
        self.shown: dict[str, QCheckBox] = {}
        self.colour_buttons: dict[str, QPushButton] = {}
        labels = list(dict.fromkeys([*DISPLAY_ORDER, *settings.colours]))
        # Two columns: the model's names (and any type a future model adds), the rules' identifiers.
        columns = ([lab for lab in labels if not is_pattern(lab)], [lab for lab in labels if is_pattern(lab)])
        for col, (heading, column) in enumerate(zip(("Found by the entity model", "Found by pattern"), columns,
                                                    strict=True)):
            title = QLabel(f"<b>{heading}</b>")
            grid.addWidget(title, 0, 3 * col, 1, 2)
            for row, label in enumerate(column, start=1):
                box = QCheckBox(f"{type_name(label)} ({label})")
                box.setChecked(settings.shows(label))
                button = QPushButton("Colour…")
                button.clicked.connect(lambda _=False, lab=label: self._pick(lab))
                self.shown[label] = box
                self.colour_buttons[label] = button
                self._paint_button(label)
                grid.addWidget(box, row, 3 * col)
                grid.addWidget(button, row, 3 * col + 1)
        grid.setColumnMinimumWidth(2, 18)  # a gap between the two columns
        note = QLabel("Highlight colours are drawn behind dark text: pick light colours. Pattern matches "
                      "(e-mail addresses, IBANs…) are exact rule matches, underlined with dashes.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        grid.addWidget(note, 1 + max(map(len, columns)), 0, 1, 5)

        self.variant_buttons: dict[str, dict[Variant, QRadioButton]] = {}
        variants = self._models_box(settings, models or ModelStatus())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self._defaults)
        # three pages rather than one tall column: the dialog fits a laptop screen (it used to run off the
        # top of a 900-px one once the models section joined the entity types)
        self.pages = QTabWidget()
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addLayout(form)
        general_layout.addStretch(1)
        self.pages.addTab(general, "&General")
        self.pages.addTab(types, "&Entity types")
        self.pages.addTab(variants, "&Models")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(buttons)

    def _models_box(self, settings: Settings, models: ModelStatus) -> QGroupBox:
        """Per task: Accurate / Fast, each with its figures; Fast disabled where the task ships none. Below:
        where the recorded speeds come from, and the button that times the variants here."""
        box = QGroupBox("Models")
        grid = QGridLayout(box)
        self._choices = models.choices
        for row, (task, title) in enumerate(VARIANT_TASKS.items()):
            choices = models.choices.get(task, {})
            grid.addWidget(QLabel(f"{title}:"), row, 0)
            buttons: dict[Variant, QRadioButton] = {}
            for col, variant in enumerate(Variant, start=1):
                bundle = choices.get(variant)
                if bundle is not None:
                    button = QRadioButton(self._variant_label(task, variant, bundle))
                    button.setToolTip(f"{bundle.manifest.name} {bundle.manifest.version}\n{bundle.path}")
                else:
                    button = QRadioButton(f"{variant.title()}: not available (see MODEL_CARD)")
                    button.setToolTip(f"No {variant} {task} model is installed; its model card says which "
                                      "variants exist.")
                    button.setEnabled(False)
                buttons[variant] = button
                grid.addWidget(button, row, col)
            self.variant_buttons[task] = buttons
            exclusive = QButtonGroup(box)  # one per row: radio buttons sharing a parent are otherwise one set
            for button in buttons.values():
                exclusive.addButton(button)
            wanted = settings.variant(task)
            (buttons[wanted] if buttons[wanted].isEnabled() else buttons[Variant.ACCURATE]).setChecked(True)
        recorded = sorted({b.manifest.speed.cpu for variants in models.choices.values() for b in variants.values()
                           if b.manifest.speed and b.manifest.speed.cpu})
        where = f" on a computer of the class {' / '.join(recorded)}" if recorded else ""
        note = QLabel("Fast models are smaller grouped versions; the figures are from their validation split "
                      f"and one batch of 8 × 128 tokens, timed{where}. Whether Fast pays depends on the "
                      f"processor: this computer's class is {cpu_info()[2]}.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        grid.addWidget(note, len(VARIANT_TASKS), 0, 1, 3)
        self.models_note = note

        self.measure_button = QPushButton("Mea&sure on this computer")
        self.measure_button.setToolTip("Time both variants of each task here (a batch of 8 × 128 tokens, "
                                       "calls interleaved, the model threads now in use). Takes a few seconds.")
        self.measure_button.clicked.connect(self._measure_or_stop)
        can_measure = self.host is not None and bool(choosable(models.choices))
        self.measure_button.setEnabled(can_measure)
        if self.host is not None and not can_measure:
            self.measure_button.setToolTip("No task has both variants installed: there is nothing to compare.")
        self.measure_progress = QProgressBar()
        self.measure_progress.setRange(0, 1000)
        self.measure_progress.hide()
        earlier = compare(self.speeds)
        self.measure_result = QLabel(f"Measured on this computer before ({cpu_info()[2]}). " + verdict_line(earlier)
                                     if earlier else "")
        self.measure_result.setWordWrap(True)
        grid.addWidget(self.measure_button, len(VARIANT_TASKS) + 1, 0, 1, 1)
        grid.addWidget(self.measure_progress, len(VARIANT_TASKS) + 1, 1, 1, 2)
        grid.addWidget(self.measure_result, len(VARIANT_TASKS) + 2, 0, 1, 3)
        grid.setRowStretch(len(VARIANT_TASKS) + 3, 1)  # rows packed at the top of a tall page
        if self.host is not None:
            self.host.progress.connect(self._measure_progress)
            self.host.speed_ready.connect(self._measured)
            self.host.failed.connect(self._measure_failed)
            self.host.cancelled.connect(self._measure_cancelled)
            self.host.job_done.connect(self._measure_done)
            self.finished.connect(self._stop_measuring)
        return box

    def _variant_label(self, task: str, variant: Variant, bundle: Bundle) -> str:
        """``Fast — accuracy 89.1 % · 136 ms · here 92 ms``: the radio button of one variant."""
        return f"{variant.title()} — {figures(bundle, self.speeds.get((task, variant)))}"

    # --- measuring here ------------------------------------------------------------------------------

    def _measure_or_stop(self) -> None:
        if self.host is None:
            return
        if self.speed_job is not None:
            self.host.cancel_job(self.speed_job)
            self.measure_button.setEnabled(False)  # until the job ends (within one model call)
            return
        self.speed_job = self.host.measure_speed()
        self.measure_button.setText("&Stop measuring")
        self.measure_progress.setValue(0)
        self.measure_progress.show()
        self.measure_result.setText("Timing the models…")

    def _mine(self, job: object) -> bool:
        return job is not None and job is self.speed_job

    def _measure_progress(self, job: object, done: int, total: int) -> None:
        if self._mine(job):
            self.measure_progress.setValue(int(1000 * done / max(1, total)))

    def _measured(self, job: object, speeds: Speeds) -> None:
        if not self._mine(job):
            return
        self.speeds.update(speeds)
        for task, buttons in self.variant_buttons.items():
            for variant, button in buttons.items():
                bundle = self._choices.get(task, {}).get(variant)
                if bundle is not None:
                    button.setText(self._variant_label(task, variant, bundle))
        threads = next(iter(speeds.values())).threads if speeds else 0
        self.measure_result.setText(f"Measured on this computer ({cpu_info()[2]}, "
                                    f"{threads_text(threads) if threads else 'all threads'}). "
                                    + verdict_line(compare(speeds)))

    def _measure_failed(self, job: object, reason: str) -> None:
        if self._mine(job):
            self.measure_result.setText(f"Could not measure: {reason}")

    def _measure_cancelled(self, job: object) -> None:
        if self._mine(job):
            self.measure_result.setText("Measuring stopped; nothing was changed.")

    def _measure_done(self, job: object) -> None:
        if self._mine(job):
            self.speed_job = None
            self.measure_progress.hide()
            self.measure_button.setText("Mea&sure on this computer")
            self.measure_button.setEnabled(True)

    def _stop_measuring(self) -> None:
        """The dialog closed: a measurement still running is stopped (its figures would have nowhere to go)."""
        if self.host is not None and self.speed_job is not None:
            self.host.cancel_job(self.speed_job)

    def _paint_button(self, label: str) -> None:
        colour = self._colours.get(label) or self._original.colour(label)
        self.colour_buttons[label].setStyleSheet(f"QPushButton {{ background: {colour}; color: #111; }}")

    def _pick(self, label: str) -> None:
        current = QColor(self._colours.get(label) or self._original.colour(label))
        chosen = QColorDialog.getColor(current, self, f"Colour for {type_name(label)}")
        if chosen.isValid():
            self._colours[label] = chosen.name()
            self._paint_button(label)

    def _defaults(self) -> None:
        d = Settings()
        self.threads.setValue(d.threads)
        self.max_mb.setValue(d.max_document_mb)
        self.tint.setChecked(d.sentiment_tint)
        self.model_threshold.setChecked(True)
        self._colours = dict(d.colours)
        for label, box in self.shown.items():
            box.setChecked(True)
            self._paint_button(label)
        for buttons in self.variant_buttons.values():
            buttons[Variant.ACCURATE].setChecked(True)

    def chosen_variants(self) -> dict[str, str]:
        """task -> "fast" for each task set to Fast; a fast choice the dialog could not show (its bundle
        is not installed now) is kept, so it applies again once the bundle is back."""
        chosen = {task: v for task, v in self._original.variants.items() if task not in self.variant_buttons
                  or not self.variant_buttons[task][Variant.FAST].isEnabled()}
        for task, buttons in self.variant_buttons.items():
            if buttons[Variant.FAST].isChecked():
                chosen[task] = Variant.FAST.value
        return {task: v for task, v in chosen.items() if v == Variant.FAST}

    def measured(self) -> dict[str, float]:
        """The settings' remembered speeds with this dialog's trial added (newest last, at most
        :data:`MAX_MEASURED`)."""
        new = {}
        for (task, variant), speed in self.speeds.items():
            bundle = self._choices.get(task, {}).get(variant)
            if bundle is not None and speed.calls:
                new[speed_key(bundle.manifest.name, bundle.manifest.version, speed.threads, speed.cpu)] = speed.ms
        merged = {k: v for k, v in self._original.measured.items() if k not in new} | new
        return dict(list(merged.items())[-MAX_MEASURED:])

    def result_settings(self) -> Settings:
        """The edited settings (recent files, zoom, geometry and folded sections carried over untouched)."""
        return replace(
            self._original,
            threads=self.threads.value(),
            max_document_mb=self.max_mb.value(),
            sentiment_tint=self.tint.isChecked(),
            answer_threshold=None if self.model_threshold.isChecked() else round(self.threshold.value(), 4),
            hidden_types=tuple(label for label, box in self.shown.items() if not box.isChecked()),
            colours=dict(self._colours),
            variants=self.chosen_variants(),
            measured=self.measured(),
        )
