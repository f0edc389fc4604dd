"""The batch panel: drop folders in, watch the queue, pause/cancel, re-run failures, export.

A standalone QWidget so the main window can put it in a tab or a dock::

    panel = BatchPanel(pool=host.pool, scheduler=host.scheduler,       # the window's engine
                       options=RunOptions(max_bytes=settings.max_bytes))
    dock = QDockWidget("Batch", window)
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)   # or: tabs.addTab(panel, "Batch")
    ...
    panel.configure(new_options)   # the settings changed (size limit)
    panel.shutdown()   # in the window's closeEvent: a child widget gets no closeEvent of its own

The models are the window's (:class:`~sqzdesk.engine.pool.ModelPool`: one set for the tabs and the
dock, built with the settings' thread count) and every file is analysed on the window's engine thread
(:class:`~sqzdesk.engine.scheduler.Scheduler`) as a batch-priority job, so a document opened or a
question asked meanwhile runs first, waiting at most one model batch. Without a pool and scheduler
(a panel on its own) it makes its own.

Scanning, store writes, exports and waiting for the engine's results run in :class:`BatchWorker` on its
own QThread (through :class:`~sqzdesk.batch.runner.BatchRunner`); the GUI thread only updates the
table and never waits. Pause and cancel cannot travel through the worker's event queue (it is busy with
the job), so they set the shared :class:`~sqzdesk.batch.runner.RunControl` directly.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.batch.exports import write_html_report, write_records, write_table
from sqzdesk.batch.redacted_export import RedactionSettings
from sqzdesk.batch.results import FileResult
from sqzdesk.batch.runner import BatchProgress, BatchRunner, BatchSummary, RunControl, RunOptions
from sqzdesk.batch.scan import ScanProblem, describe_skipped, scan
from sqzdesk.batch.store import ResultStore, StoreError
from sqzdesk.batch.terminal import format_eta
from sqzdesk.engine import BundleError, Cancelled
from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.pool import EngineConfig, ModelPool
from sqzdesk.engine.scheduler import Priority, Scheduler
from sqzdesk.gui.file_dialogs import choose_folder, save_file
from sqzdesk.gui.table_model import RowsTableModel
from sqzdesk.reasons import one_line

log = logging.getLogger(__name__)


class RowState(StrEnum):
    """A queued path's state in the table (a file's stored outcome is DONE or FAILED)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

EXPORT_KINDS = {
    "csv": "CSV, one row per file…",
    "csv-entities": "CSV, one row per entity…",
    "jsonl": "JSONL, full results per file…",
    "html": "HTML report…",
    "redacted": "Redacted copies with audits…",
}


# ---- the queue table -----------------------------------------------------------------------------

@dataclass
class QueueRow:
    path: Path
    status: RowState = RowState.QUEUED
    detail: str = ""
    result: FileResult | None = None


def describe(result: FileResult) -> str:
    """The Details cell: the reason for a failure, or sentiment and entity count."""
    if result.failed:
        return result.error or ""
    parts = []
    if result.sentiment is not None:
        parts.append(f"{result.sentiment.verdict} {result.sentiment.score:.2f}")
    parts.append(f"{len(result.entities)} entities")
    if result.reused:
        parts.append("from the result store")
    return " · ".join(parts)


class QueueModel(RowsTableModel):
    """One row per queued path (a path added twice keeps its row), in the order files were scanned."""

    COLUMNS = ("File", "Status", "Details")
    _COLOURS = {RowState.FAILED: QColor("#b02a37"), RowState.DONE: QColor("#146c43"),
                RowState.RUNNING: QColor("#0b5ed7")}

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[QueueRow] = []
        self._index: dict[Path, int] = {}

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.path), row.status, row.detail)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.path}\n{row.detail}" if row.detail else str(row.path)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and row.status in self._COLOURS:
            return QBrush(self._COLOURS[row.status])
        return None

    def enqueue(self, paths: Iterable[Path]) -> None:
        """Add new rows and reset existing ones to queued."""
        for path in paths:
            if path in self._index:
                self.update(path, RowState.QUEUED, "", None)
                continue
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
            self._index[path] = len(self.rows)
            self.rows.append(QueueRow(path))
            self.endInsertRows()

    def update(self, path: Path, status: RowState, detail: str = "", result: FileResult | None = None) -> None:
        i = self._index.get(path)
        if i is None:
            self.enqueue([path])
            i = self._index[path]
        self.rows[i] = QueueRow(path, status, detail, result)
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))

    def status(self, path: Path) -> RowState | None:
        i = self._index.get(path)
        return None if i is None else self.rows[i].status

    def pending(self) -> int:
        """Rows still to be worked on (queued or running)."""
        return sum(r.status in (RowState.QUEUED, RowState.RUNNING) for r in self.rows)

    def paths_with(self, *statuses: RowState) -> list[Path]:
        return [r.path for r in self.rows if r.status in statuses]

    def results(self, rows: Sequence[int] | None = None) -> list[FileResult]:
        """Finished file results (all, or of these row numbers) for the exports."""
        picked = self.rows if rows is None else [self.rows[i] for i in rows]
        return [r.result for r in picked if r.result is not None and r.result.is_file]

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self._index.clear()
        self.endResetModel()


# ---- the worker (lives on its own thread) -------------------------------------------------------

@dataclass(frozen=True)
class ExportRequest:
    kind: str                      # a key of EXPORT_KINDS
    target: Path                   # a file, or a folder for "redacted"
    results: tuple[FileResult, ...]
    roots: tuple[Path, ...] = ()   # the folders the user added (redacted files mirror their layout)
    redaction: RedactionSettings = RedactionSettings()
    not_read: Counter[str] = field(default_factory=Counter)  # files of other types in the exported folders


class BatchWorker(QObject):
    """Scans, runs and exports on the worker thread; talks back only through these signals.

    The analysis of each file runs on the engine thread (``scheduler``, batch priority) with the pool's
    models; this thread waits for it, then stores the result.
    """

    scanned = Signal(object)            # list[Path | ScanProblem], the job's queue in order
    not_read = Signal(object)           # dict[Path, Counter[str]]: per path of the job, its files of other types
    file_started = Signal(object)       # Path
    file_finished = Signal(FileResult)
    progress = Signal(BatchProgress)
    job_finished = Signal(BatchSummary)
    job_failed = Signal(str)            # the models or the store are unusable; nothing ran
    export_finished = Signal(object, str)  # the ExportRequest, error ("" when it worked)

    def __init__(self, control: RunControl, store_path: Path | None, pool: ModelPool, scheduler: Scheduler):
        super().__init__()
        self.control, self.store_path = control, store_path
        self.pool, self.scheduler = pool, scheduler
        self._store: ResultStore | None = None
        self._key: str | None = None  # the model key of the last run, for the redacted exports' audits

    def _analyzer(self) -> Analyzer:
        """The pool's analyzer as it is now (the settings' threads), built on the engine thread."""
        return self.scheduler.run(lambda ctx: self.pool.analyzer(), Priority.BATCH, name="batch: models")

    @Slot(object, object)
    def process(self, paths: list[Path], options: RunOptions) -> None:
        try:
            analyzer = self._analyzer()
            if self._store is None:
                self._store = ResultStore(self.store_path)
        except (BundleError, StoreError) as exc:
            self.job_failed.emit(one_line(exc))
            return
        except Cancelled:  # the engine shut down (the app is closing)
            self.job_failed.emit("cancelled")
            return
        by_path: dict[Path, Counter[str]] = {}
        items: list[Path | ScanProblem] = []
        for path in paths:  # one at a time: the panel keeps each folder's count (a folder added again replaces it)
            by_path[path] = Counter()
            items.extend(scan([path], by_path[path]))
        self.scanned.emit(items)
        self.not_read.emit(by_path)
        runner = BatchRunner(analyzer, self._store, options, self.control, scheduler=self.scheduler)
        self._key = runner.key
        try:
            summary = runner.run(items, on_start=self.file_started.emit, on_result=self.file_finished.emit,
                                 on_progress=self.progress.emit)
        except Exception as exc:  # the store became unwritable, or a bug: never leave the panel "busy"
            log.exception("batch job failed")
            self.job_failed.emit(one_line(exc))
            return
        self.job_finished.emit(summary)

    @Slot(object)
    def export(self, request: ExportRequest) -> None:
        try:
            if request.kind == "redacted":
                self._export_redacted(request)
            else:
                _export(request)
        except (OSError, StoreError) as exc:
            self.export_finished.emit(request, one_line(getattr(exc, "strerror", None) or exc))
            return
        except Exception as exc:  # a bug in an exporter must not fail silently on the worker thread
            log.exception("export failed")
            self.export_finished.emit(request, one_line(exc))
            return
        self.export_finished.emit(request, "")

    def _export_redacted(self, request: ExportRequest) -> None:
        """The same files as ``sqzdesk batch --redact`` and ``sqzdesk redact`` (:func:`export_result`):
        each copy in its own format with its audit, the store's review decisions applied, pseudonyms
        consistent across the export. A file changed or gone since its analysis is skipped."""
        from sqzdesk.batch.redacted_export import export_result
        from sqzdesk.batch.redaction import Pseudonyms
        from sqzdesk.documents import DocumentError

        if self._store is None:
            self._store = ResultStore(self.store_path)
        pseudonyms = Pseudonyms()
        versions = {"models": self._key} if self._key else None
        skipped = []
        for result in request.results:
            if result.failed:
                continue
            try:
                export_result(result, request.target, request.roots, request.redaction, pseudonyms, store=self._store,
                              versions=versions, max_bytes=None)
            except DocumentError as exc:
                skipped.append(f"{result.path.name}: {exc}")
        if skipped:
            raise OSError(f"{len(skipped)} not redacted ({'; '.join(skipped[:3])})")

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _export(request: ExportRequest) -> None:
    newline = "" if request.kind.startswith("csv") else None
    with open(request.target, "w", encoding="utf-8", newline=newline) as out:
        if request.kind == "csv":
            write_table(request.results, out, fmt="csv", level="files")
        elif request.kind == "csv-entities":
            write_table(request.results, out, fmt="csv", level="entities")
        elif request.kind == "jsonl":
            write_records(request.results, out)
        elif request.kind == "html":
            title = "sqzdesk report: " + (str(request.results[0].path) if len(request.results) == 1
                                          else f"{len(request.results)} files")
            write_html_report(out, list(request.results), title=title, note=describe_skipped(request.not_read))
        else:
            raise ValueError(f"unknown export kind {request.kind!r}")


# ---- the panel -----------------------------------------------------------------------------------

TABLE_ROWS = 4  # the table's rows in the dock's first height


class BatchPanel(QWidget):
    """Queue, progress and controls for folder batches; see the module docstring for embedding."""

    batch_finished = Signal(BatchSummary)   # for the main window's status bar
    _submit = Signal(object, object)        # -> worker.process (queued across threads)
    _export_request = Signal(object)        # -> worker.export

    def __init__(self, parent: QWidget | None = None, *, store_path: Path | None = None,
                 pool: ModelPool | None = None, scheduler: Scheduler | None = None,
                 options: RunOptions | None = None, threads: int = 1, model_dirs: list[Path] | None = None):
        """``pool`` and ``scheduler``: the app's engine, shared with the document tabs. Without them the
        panel makes its own, with ``threads`` and ``model_dirs`` (a panel used on its own)."""
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.control = RunControl()
        self.options = options or RunOptions()
        self.model = QueueModel(self)
        self.roots: list[Path] = []
        self._pending: list[Path] = []
        self._busy = False
        self._last_export_error: str | None = None
        self.skipped: Counter[str] = Counter()  # the last job's files of other types, by extension
        self._skipped_by_path: dict[Path, Counter[str]] = {}  # every listed folder's, for exports of the whole table
        self._build_ui()

        if pool is None:
            pool = ModelPool(EngineConfig(threads=threads, dirs=tuple(model_dirs) if model_dirs else None))
        self._own_scheduler = scheduler is None
        self.pool = pool
        self.scheduler = scheduler if scheduler is not None else Scheduler("sqzdesk-batch-engine")
        self._thread = QThread(self)
        self._thread.setObjectName("sqzdesk-batch")
        self.worker = BatchWorker(self.control, store_path, self.pool, self.scheduler)
        self.worker.moveToThread(self._thread)
        self._submit.connect(self.worker.process)
        self._export_request.connect(self.worker.export)
        self.worker.scanned.connect(self._on_scanned)
        self.worker.not_read.connect(self._on_not_read)
        self.worker.file_started.connect(self._on_started)
        self.worker.file_finished.connect(self._on_finished)
        self.worker.progress.connect(self._on_progress)
        self.worker.job_finished.connect(self._on_job_finished)
        self.worker.job_failed.connect(self._on_job_failed)
        self.worker.export_finished.connect(self._on_export_finished)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:  # a panel inside a tab gets no closeEvent when the app quits
            app.aboutToQuit.connect(self.shutdown)

    def _build_ui(self) -> None:
        self.drop_label = QLabel("Drop folders or files here, or use Add folder…")
        self.drop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_label.setStyleSheet("QLabel{border:2px dashed #adb5bd;border-radius:6px;padding:14px;"
                                      "color:#6c757d}")
        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("Add a folder to the queue (or drop folders and files anywhere on this panel)")
        self.add_button.clicked.connect(self._choose_folder)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.rerun_button = QPushButton("Re-run failed")
        self.rerun_button.clicked.connect(self.rerun_failed)
        self.export_button = QPushButton("Export…")
        menu = QMenu(self.export_button)
        for kind, label in EXPORT_KINDS.items():
            menu.addAction(label, partial(self._choose_export, kind))
        self.export_button.setMenu(menu)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.pause_button, self.cancel_button, self.rerun_button,
                       self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 420)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("Idle")
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress_bar, 1)
        bottom.addWidget(self.status_label)

        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._update_buttons()
        self.model.rowsInserted.connect(self._show_drop_zone)
        self.model.modelReset.connect(self._show_drop_zone)

    def sizeHint(self) -> QSize:
        """Room for the buttons, TABLE_ROWS rows and the progress line: the dock's height until the analyst
        drags it. With a scroll area's own hint (~190 px) the dock asked for ~330 px and left the document
        and its side column less than they need on a laptop screen; the rest of a long table scrolls."""
        hint = super().sizeHint()
        table = self.table
        rows = (table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                + TABLE_ROWS * table.verticalHeader().defaultSectionSize())
        return QSize(hint.width(), hint.height() - table.sizeHint().height() + rows)

    def _show_drop_zone(self) -> None:
        """The dashed drop zone only while the queue is empty: once files are listed its ~50 px go to the
        rows (the dock is short beside a document), and the whole panel still takes drops."""
        self.drop_label.setHidden(self.model.rowCount() > 0)

    # ---- public API ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def add_paths(self, paths: Iterable[str | Path]) -> None:
        """Queue folders/files: scanned recursively and analysed on the worker thread."""
        new = [Path(p) for p in paths]
        if not new:
            return
        self.roots.extend(p for p in new if p not in self.roots)
        if self._busy:
            self._pending.extend(new)
        else:
            self._start(new, retry_failed=False)

    def pause(self) -> None:
        self.pause_button.setChecked(True)

    def resume(self) -> None:
        self.pause_button.setChecked(False)

    def cancel(self) -> None:
        """Stop after the current model batch; the file in flight is not stored and stays to do."""
        self._pending.clear()
        self.control.cancel()
        self.resume()

    def rerun_failed(self) -> None:
        """Analyse the failed files again (stored failures are not reused for them)."""
        failed = [r.path for r in self.model.rows if r.status == RowState.FAILED and r.result is not None
                  and r.result.is_file]
        if failed and not self._busy:
            self._start(failed, retry_failed=True)

    def export(self, kind: str, target: str | Path, rows: Sequence[int] | None = None,
               redaction: RedactionSettings | None = None) -> None:
        """Export finished results (all, or these table rows) on the worker thread."""
        results = tuple(self.model.results(rows))
        self.status_label.setText("Exporting…")
        request = ExportRequest(kind, Path(target), results, tuple(self.roots), redaction or RedactionSettings(),
                                self.not_read_in(rows))
        self._export_request.emit(request)

    def configure(self, options: RunOptions) -> None:
        """New settings (the size limit): used from the next run on; a run under way keeps its own.
        The thread count comes with the shared pool's config."""
        self.options = options

    def shutdown(self) -> None:
        """Cancel any batch and stop the worker thread; call before the window closes (and before the
        shared engine is shut down: the worker thread waits on it for the file in flight)."""
        if not self._thread.isRunning():
            return
        self.control.cancel()
        self._thread.quit()
        self._thread.wait()
        self.worker.close()  # the thread is gone, so closing the store here is safe
        if self._own_scheduler:
            self.scheduler.shutdown()

    # ---- slots -----------------------------------------------------------------------------------

    def _start(self, paths: list[Path], *, retry_failed: bool) -> None:
        self.control.reset()  # here, not in the worker: a cancel pressed before the job starts still counts
        self._busy = True
        self.status_label.setText("Scanning…")
        self._update_buttons()
        self._submit.emit(paths, replace(self.options, retry_failed=retry_failed))

    def _on_scanned(self, items: list) -> None:
        self.model.enqueue(i.path if isinstance(i, ScanProblem) else i for i in items)
        self.progress_bar.setRange(0, max(1, len(items)))
        self.progress_bar.setValue(0)

    @property
    def not_read(self) -> str:
        """The last job's files of other types, as the CLI says it ('' when none)."""
        return describe_skipped(self.skipped)

    def _on_not_read(self, by_path: dict[Path, Counter[str]]) -> None:
        self.skipped = sum(by_path.values(), Counter())
        self._skipped_by_path.update(by_path)

    def not_read_in(self, rows: Sequence[int] | None) -> Counter[str]:
        """Files of other types an export of these rows leaves out: those of every folder listed when the
        whole table is exported (a report or redacted copies of the folders), none for a selection."""
        return sum(self._skipped_by_path.values(), Counter()) if rows is None else Counter()

    def _on_started(self, path: Path) -> None:
        self.model.update(path, RowState.RUNNING)

    def _on_finished(self, result: FileResult) -> None:
        self.model.update(result.path, RowState.FAILED if result.failed else RowState.DONE, describe(result),
                          result)

    def _on_progress(self, state: BatchProgress) -> None:
        self.progress_bar.setRange(0, max(1, state.total))
        self.progress_bar.setValue(state.done)
        text = f"{state.done} / {state.total}"
        if state.failed:
            text += f" · {state.failed} failed"
        if state.done < state.total:
            text += " · paused" if self.control.paused else f" · ETA {format_eta(state.eta_s)}"
        self.status_label.setText(text)

    def _on_job_finished(self, summary: BatchSummary) -> None:
        if summary.cancelled:
            for path in self.model.paths_with(RowState.QUEUED, RowState.RUNNING):
                self.model.update(path, RowState.CANCELLED)
        self._busy = False
        done = f"{summary.total - summary.failed} done, {summary.failed} failed"
        if self.skipped:  # short beside the progress bar; the whole sentence on hover
            done += f" · {self.skipped.total()} not read"
        self.status_label.setText(f"Cancelled · {done}" if summary.cancelled else f"Finished · {done}")
        self.status_label.setToolTip(self.not_read)
        self.batch_finished.emit(summary)
        if self._pending:
            pending, self._pending = self._pending, []
            self._start(pending, retry_failed=False)
        self._update_buttons()

    def _on_job_failed(self, reason: str) -> None:
        for path in self.model.paths_with(RowState.QUEUED, RowState.RUNNING):
            self.model.update(path, RowState.CANCELLED, reason)
        self._busy = False
        self._pending.clear()
        self.status_label.setText(f"Cannot run: {reason}")
        self._update_buttons()

    def _on_export_finished(self, request: ExportRequest, error: str) -> None:
        self._last_export_error = error or None
        if error:
            self.status_label.setText(f"Export failed: {error}")
            self.status_label.setToolTip("")
            return
        text = f"Exported to {request.target}"
        if request.kind == "redacted" and request.not_read:  # a report says it inside; copies cannot
            text += f" · {request.not_read.total()} not read, not copied"
        self.status_label.setText(text)
        self.status_label.setToolTip(describe_skipped(request.not_read, redacting=request.kind == "redacted"))

    def _pause_toggled(self, paused: bool) -> None:
        if paused:
            self.control.pause()
        else:
            self.control.resume()
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused and self._busy:
            self.status_label.setText("Paused (the file in progress finishes first)")

    def _update_buttons(self) -> None:
        self.cancel_button.setEnabled(self._busy)
        self.rerun_button.setEnabled(not self._busy)
        self.export_button.setEnabled(not self._busy)

    # ---- user input ------------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = choose_folder(self, "Add a folder to the batch")
        if folder:
            self.add_paths([folder])

    def _choose_export(self, kind: str) -> None:
        if kind == "redacted":
            from sqzdesk.gui.redact_dialog import RedactDialog

            rows = self._selected_rows()
            n = len(self.model.results(rows))
            dialog = RedactDialog(self, title="Export redacted copies", what=f"{n} analysed file(s)")
            if dialog.exec():
                choice = dialog.choice()
                self.export(kind, choice.folder, rows, choice.settings)
            return
        suffix = {"csv": "csv", "csv-entities": "csv", "jsonl": "jsonl", "html": "html"}[kind]
        target = save_file(self, EXPORT_KINDS[kind].rstrip("…"), f"sqzdesk-batch.{suffix}",
                           f"{suffix.upper()} (*.{suffix})")
        if target:
            self.export(kind, target, self._selected_rows())

    def _selected_rows(self) -> list[int] | None:
        """Selected rows only when the user selected some; otherwise everything."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return rows or None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_paths(u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile())
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
