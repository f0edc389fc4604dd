"""The main window: documents in tabs, menus and shortcuts, drag and drop, and the engine.

The window is the switchboard between the engine's signals (each carries its job, and the job its
document id) and the tabs that show them; what each result looks like on screen is the tab's business,
what the engine does is the engine's. The window keeps no record of what runs: every signal says which
job it is about. Opening a file reads it here (readers are fast and give one-line errors) and hashes
the bytes read (the review decisions are keyed by the content's sha256; hashing costs a fraction of the
parse); everything that runs a model goes to the engine thread, shared with the batch dock (interactive
work first).

The window holds one connection to the result store for the tabs' review decisions (each written as it
is made, on the GUI thread: see :mod:`sqzdesk.gui.review` for why) and their finished analyses (one row
each, under batch's key). Whole-store work (the entity index
across documents, Forget with its compaction, a redacted export's read and write) runs on worker threads
(:class:`~sqzdesk.gui.background.Background`); those commands are the window's base,
:class:`~sqzdesk.gui.review_actions.ReviewActions`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sqzdesk import __version__
from sqzdesk.batch.store import ResultStore, StoreError, default_store_path
from sqzdesk.documents import (
    SUPPORTED_SUFFIXES,
    Document,
    DocumentError,
    PasswordRequired,
    WrongPassword,
    ocr,
    read_document,
)
from sqzdesk.documents.html import HtmlMode, is_html
from sqzdesk.documents.ocr import ReadCancelled
from sqzdesk.engine.patterns import PATTERN_TYPES
from sqzdesk.gui.background import Background
from sqzdesk.gui.docks import add_dock, raise_dock
from sqzdesk.gui.document_tab import DocumentTab
from sqzdesk.gui.entity_types import set_term_lists
from sqzdesk.gui.file_dialogs import choose_folder, open_files
from sqzdesk.gui.foldable import Section
from sqzdesk.gui.models_dialog import ModelsDialog
from sqzdesk.gui.reading import DocumentReader
from sqzdesk.gui.review import ReviewSession
from sqzdesk.gui.review_actions import ReviewActions
from sqzdesk.gui.screen_fit import fitted_size
from sqzdesk.gui.settings import Settings, SettingsStore
from sqzdesk.gui.settings_dialog import SettingsDialog
from sqzdesk.gui.status_bar import StatusPanel
from sqzdesk.gui.worker import (
    AnalysisJob,
    AnalysisResult,
    AnswerResult,
    EngineConfig,
    GuiJob,
    ModelStatus,
    QuestionJob,
    SpeedJob,
    TeachJob,
    WorkerHost,
)

if TYPE_CHECKING:
    from sqzdesk.batch.redacted_export import ExportedFile
    from sqzdesk.batch.runner import RunOptions
    from sqzdesk.batch.source import Source
    from sqzdesk.batch.store import ForgetReport
    from sqzdesk.engine import AnalysisChunk
    from sqzdesk.gui.batch_panel import BatchPanel
    from sqzdesk.gui.store_view import StoreView
    from sqzdesk.gui.teach_panel import TeachPanel

EMPTY_HINT = "Open a document (Ctrl+O) or drop files here"
FILE_FILTER = ("Documents (" + " ".join(f"*{s}" for s in sorted(SUPPORTED_SUFFIXES)) + ");;All files (*)")


class EmptyState(QWidget):
    """What an empty window shows: how to start, and the recent files."""

    def __init__(self, open_clicked, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("font-size: 16pt; color: palette(placeholder-text);")
        sub = QLabel("Text, Markdown, HTML, PDF and Word files. Everything stays on this computer.")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub.setStyleSheet("color: palette(placeholder-text);")
        button = QPushButton("Open a document…")
        button.clicked.connect(open_clicked)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.hint)
        layout.addWidget(sub)
        layout.addSpacing(12)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)


def ask_password(parent: QWidget, prompt: str) -> str | None:
    """The password the analyst types (hidden as it is typed), or None when they cancel."""
    password, ok = QInputDialog.getText(parent, "Password required", prompt, QLineEdit.EchoMode.Password)
    return password if ok else None


PREFERRED_SIZE = (1360, 860)
SMALLEST_SIZE = (1000, 700)  # below this the side panel no longer fits beside the text


def initial_size(screen) -> tuple[int, int]:
    """The preferred size, shrunk to fit the screen's free area (a 1280x800 laptop keeps its title bar and
    status bar in view), but never below the size the layout needs."""
    return fitted_size(PREFERRED_SIZE, screen, (0.95, 0.92), SMALLEST_SIZE)


class MainWindow(ReviewActions):
    def __init__(self, store: SettingsStore | None = None, model_dirs: Iterable[Path] | None = None,
                 results_path: Path | None = None) -> None:
        """``results_path``: the result store (default: the user data dir's, as the command line's)."""
        super().__init__()
        self.store = store if store is not None else SettingsStore()
        self.settings = self.store.load()
        ocr.set_threads(self.settings.effective_threads())  # a scan read never takes more than the engine
        self.model_dirs = tuple(Path(d) for d in model_dirs) if model_dirs is not None else None
        self.models: ModelStatus | None = None
        self._next_id = 1
        self._batch: BatchPanel | None = None  # made on first use
        self._store_view: StoreView | None = None
        self._teach: TeachPanel | None = None
        self.classifier_labels: dict[str, tuple[str, ...]] = {}  # the classifiers run on documents
        self._load_term_lists()
        self.background = Background(self)
        self.reader = DocumentReader(self)  # parses off the GUI thread (a scan's OCR takes seconds a page)
        self._opening = False  # a document is being read: later opens wait in _waiting (see open_paths)
        self._waiting: list[Path] = []
        self._closing = False
        self.results_path = Path(results_path) if results_path is not None else default_store_path()
        self.results: ResultStore | None = None
        self.results_error = ""
        try:
            self.results = ResultStore(self.results_path)
        except StoreError as exc:  # the app still analyses; review and the store's views say why not
            self.results_error = str(exc)
        self.last_export: ExportedFile | None = None
        self.last_forget: ForgetReport | None = None
        self.setWindowTitle("sqzdesk")
        self.setAcceptDrops(True)
        self.resize(*initial_size(QGuiApplication.primaryScreen()))

        self.tabs = QTabWidget(tabsClosable=True, movable=True, documentMode=True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.empty = EmptyState(self.choose_files)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self.status = StatusPanel(self.statusBar())
        self.status.cancel_clicked.connect(self.cancel)

        self._find_classifiers()
        self.host = WorkerHost(self._engine_config(), self)
        h = self.host
        h.models_found.connect(self._models_found)
        h.job_started.connect(self._job_started)
        h.progress.connect(self._progress)
        h.chunk_ready.connect(self._chunk_ready)
        h.analysis_ready.connect(self._analysis_ready)
        h.answers_ready.connect(self._answers_ready)
        h.failed.connect(self._failed)
        h.cancelled.connect(self._cancelled)
        h.busy_changed.connect(self._busy_changed)
        h.start()

        self._build_actions()
        if self.settings.geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.geometry.encode("ascii")))
        # A full garbage collection stops every thread, and its length grows with the number of live
        # objects: with everything imported and built so far in it, a collection triggered by the
        # engine thread's allocations froze the window for ~100 ms. Objects that exist now live as
        # long as the app; freezing them takes them out of every later collection.
        gc.freeze()

    # --- actions and menus -----------------------------------------------------------------------

    def _action(self, text: str, slot, shortcuts=(), tip: str = "", checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setCheckable(checkable)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.choose_files, [std.Open], "Open documents")
        self.batch_action = self._action("&Batch folder…", self.choose_batch_folder, ["Ctrl+B"],
                                         "Analyse every document in a folder, resumably, for review and export")
        self.close_action = self._action("&Close tab", lambda: self.close_tab(self.tabs.currentIndex()),
                                         [std.Close])
        self.quit_action = self._action("&Quit", self.close, [std.Quit])
        self.find_action = self._action("&Find…", self._find, [std.Find])
        self.find_next_action = self._action("Find &next", lambda: self._find_again(False), [std.FindNext])
        self.find_prev_action = self._action("Find &previous", lambda: self._find_again(True),
                                             [std.FindPrevious])
        self.zoom_in_action = self._action("Zoom &in", lambda: self.set_zoom(self.settings.zoom + 1),
                                           ["Ctrl+=", "Ctrl++", std.ZoomIn])
        self.zoom_out_action = self._action("Zoom &out", lambda: self.set_zoom(self.settings.zoom - 1),
                                            ["Ctrl+-", std.ZoomOut])
        self.zoom_reset_action = self._action("&Reset zoom", lambda: self.set_zoom(0), ["Ctrl+0"])
        self.tint_action = self._action("Sentence &tint", self.set_tint, ["Ctrl+T"],
                                        "Colour sentences by sentiment", checkable=True)
        self.tint_action.setChecked(self.settings.sentiment_tint)
        # Alt+1-4 (Ctrl+1-9 label sentences while teaching): a folded section keeps its summary line
        self.section_actions = {
            section: self._action(text, lambda on, s=section: self.set_folded(s, not on), [f"Alt+{key}"],
                                  f"{tip} (folded, the section keeps its summary line)", checkable=True)
            for key, (section, text, tip) in enumerate((
                (Section.SENTIMENT, "Sentiment &chart", "Show the sentiment counts, chart and tint switch"),
                (Section.ENTITIES, "&Entity list", "Show the list of entities found"),
                (Section.QUESTIONS, "&Answer list", "Show the list of answers"),
                (Section.CATEGORIES, "Category &scores", "Show your classifiers' labels and scores")), start=1)}
        self._check_sections()
        self.full_page_action = self._action(
            "Show &full page", self.set_full_page, ["Ctrl+Shift+U"],
            "HTML: the whole page with its menus, share buttons and comments instead of the article alone",
            checkable=True)
        self.full_page_action.setEnabled(False)
        self.analyse_action = self._action("&Analyse again", self.reanalyse, ["F5"])
        self.ask_action = self._action("Ask a &question", self._focus_question, ["Ctrl+L"])
        self.cancel_action = self._action("&Cancel", self.cancel, ["Esc"], "Stop the running job")
        self.cancel_action.setEnabled(False)
        self.settings_action = self._action("&Settings…", self.edit_settings, [std.Preferences, "Ctrl+,"])
        self.models_action = self._action("&Models…", self.show_models, [], "Installed model bundles")
        self.export_redacted_action = self._action(
            "&Export redacted…", self.export_redacted, ["Ctrl+Shift+E"],
            "A redacted copy of this document with your decisions applied, and its audit file")
        self.teach_action = self._action(
            "&Teach…", self.show_teach, ["Ctrl+Shift+T"],
            "Teach your own labels: label sentences or documents, train a classifier, keep it")
        self.classifiers_action = self._action(
            "&Classifiers and term lists…", self.edit_classifiers, [],
            "Which classifiers run on documents, import and export them, your term lists")
        self.store_view_action = self._action(
            "&People and places across the store", self.show_store_view, ["Ctrl+Shift+P"],
            "Every entity in the result store: which documents it appears in")
        self.forget_action = self._action("&Forget…", self.forget, [],
                                          "Remove a document, a folder's results or everything from the store")
        self.store_info_action = self._action("Result &store info", self.show_store_info, [],
                                              "Where the result store is and what it holds")
        about = self._action("&About sqzdesk", self._about)

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_redacted_action)
        file_menu.addSeparator()
        file_menu.addAction(self.batch_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        for a in (self.find_action, self.find_next_action, self.find_prev_action):
            edit.addAction(a)
        view = bar.addMenu("&View")
        for a in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action):
            view.addAction(a)
        view.addSeparator()
        view.addAction(self.tint_action)
        view.addAction(self.full_page_action)
        view.addSeparator()
        for a in self.section_actions.values():
            view.addAction(a)
        view.addSeparator()
        view.addAction(self.store_view_action)
        view.addAction(self.teach_action)
        analysis = bar.addMenu("&Analysis")
        for a in (self.analyse_action, self.ask_action, self.cancel_action):
            analysis.addAction(a)
        tools = bar.addMenu("&Tools")
        tools.addAction(self.settings_action)
        tools.addAction(self.models_action)
        tools.addAction(self.classifiers_action)
        tools.addSeparator()
        tools.addAction(self.store_info_action)
        tools.addAction(self.forget_action)
        bar.addMenu("&Help").addAction(about)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_paths([p]))
        if not self.settings.recent_files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # --- settings --------------------------------------------------------------------------------

    def _engine_config(self) -> EngineConfig:
        """What the shared models are built with (tabs and batch dock alike); the rest is the engine's
        default, batch size included, so a tab gives what ``sqzdesk analyze`` and ``batch`` give."""
        return EngineConfig(threads=self.settings.effective_threads(),
                            answer_threshold=self.settings.answer_threshold, dirs=self.model_dirs,
                            classifiers=tuple(self.classifier_labels), variants=self.settings.engine_variants())

    def _find_classifiers(self) -> None:
        """Which of the enabled classifiers can run (their labels, for the Categories box and the tint).

        Read on the GUI thread: a classifier is a few kilobytes, checked by its checksums. An enabled one
        that is gone or damaged is left out, not handed to the engine, where it would fail every analysis;
        Tools -> Classifiers and term lists says why it is unusable."""
        from sqzdesk.engine.classify import find_classifiers

        dirs = list(self.model_dirs) if self.model_dirs is not None else None
        usable = {e.name: e.classifier.labels for e in find_classifiers(dirs) if e.classifier is not None}
        self.classifier_labels = {name: usable[name] for name in self.settings.classifiers if name in usable}

    def _load_term_lists(self) -> None:
        """The saved term lists, so highlights can say which list a match came from."""
        from sqzdesk.engine.terms import TermsError, TermStore

        try:
            set_term_lists(TermStore().load())
        except TermsError as exc:
            set_term_lists(())
            self.statusBar().showMessage(f"Term lists not used: {exc}", 10_000)

    def _run_options(self) -> RunOptions:
        from sqzdesk.batch.runner import RunOptions

        return RunOptions(max_bytes=self.settings.max_bytes, patterns=frozenset(self.pattern_types()))

    def pattern_types(self) -> tuple[str, ...]:
        """The pattern entity types looked for: all of them, as ``analyze`` and ``batch`` do by default
        (hiding a type in the settings only hides its highlights)."""
        return PATTERN_TYPES

    def apply_settings(self, settings: Settings) -> None:
        """Use, show and save new settings (from the dialog, a panel checkbox or a shortcut)."""
        old = self.settings
        self.settings = settings
        ocr.set_threads(settings.effective_threads())
        if (old.effective_threads(), old.answer_threshold) != (settings.effective_threads(),
                                                               settings.answer_threshold):
            self.host.configure(replace(self.host.config, threads=settings.effective_threads(),
                                        answer_threshold=settings.answer_threshold))
        if old.engine_variants() != settings.engine_variants():  # other models: found again, shown, rerun
            self.host.configure(replace(self.host.config, variants=settings.engine_variants()))
            self.host.rescan()
        if old.classifiers != settings.classifiers:
            self._find_classifiers()
            self.host.configure(replace(self.host.config, classifiers=tuple(self.classifier_labels)))
            for tab in self.all_tabs():
                tab.set_classifiers(self.classifier_labels)
        if self._batch is not None and old.max_bytes != settings.max_bytes:
            self._batch.configure(self._run_options())
        for tab in self.all_tabs():
            tab.apply_settings(settings)
        self.tint_action.setChecked(settings.sentiment_tint)
        self._check_sections()
        self.store.save(settings)
        if old.classifiers != settings.classifiers or old.engine_variants() != settings.engine_variants():
            self.reanalyse_all()

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, self.models, host=self.host)
        if dialog.exec():
            self.apply_settings(dialog.result_settings())
        elif (measured := dialog.measured()) != self.settings.measured:  # timed here: facts, kept on Cancel too
            self.settings = replace(self.settings, measured=measured)
            self.store.save(self.settings)

    def set_class_tint(self, name: str) -> None:
        self.apply_settings(replace(self.settings, class_tint=name))

    def set_tint(self, on: bool) -> None:
        self.apply_settings(replace(self.settings, sentiment_tint=bool(on)))

    def set_folded(self, section: str, folded: bool) -> None:
        """Fold a side section to its summary line in every tab (or open it again), and remember it."""
        rest = tuple(s for s in self.settings.folded if s != section)
        bottom = [dock for dock in self.findChildren(QDockWidget) if dock.isVisible() and not dock.isFloating()
                  and self.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea]
        self.apply_settings(replace(self.settings, folded=(*rest, section) if folded else rest))
        # the room a fold frees is the side column's: the docks below (Batch, the store's people and places)
        # keep their heights (the fold is not laid out yet, so these are the heights they had)
        self.resizeDocks(bottom, [dock.height() for dock in bottom], Qt.Orientation.Vertical)

    def _check_sections(self) -> None:
        for section, action in self.section_actions.items():
            action.setChecked(section not in self.settings.folded)
        # the Categories section is there only while a classifier of yours runs on documents
        self.section_actions[Section.CATEGORIES].setEnabled(bool(self.classifier_labels))

    def set_type_shown(self, label: str, shown: bool) -> None:
        hidden = [t for t in self.settings.hidden_types if t != label] + ([] if shown else [label])
        self.apply_settings(replace(self.settings, hidden_types=tuple(hidden)))

    def set_zoom(self, steps: int) -> None:
        self.apply_settings(replace(self.settings, zoom=max(-6, min(20, steps))))

    # --- documents -------------------------------------------------------------------------------

    def all_tabs(self) -> list[DocumentTab]:
        tabs = (self.tabs.widget(i) for i in range(self.tabs.count()))
        return [tab for tab in tabs if isinstance(tab, DocumentTab)]

    def current_tab(self) -> DocumentTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, DocumentTab) else None

    def tab_for(self, doc_id: int) -> DocumentTab | None:
        for tab in self.all_tabs():
            if tab.doc_id == doc_id:
                return tab
        return None

    def choose_files(self) -> None:
        start = str(Path(self.settings.recent_files[0]).parent) if self.settings.recent_files else ""
        paths = open_files(self, "Open documents", start, FILE_FILTER)
        self.open_paths(paths)

    def open_path(self, path: str | Path) -> bool:
        return self.open_paths([path]) == 1

    # --- batch ---------------------------------------------------------------------------------------

    def batch_panel(self) -> BatchPanel:
        """The batch panel in its dock, created on first use so its thread only runs when wanted.

        It runs its files on the window's engine (the same models and engine thread as the tabs, at
        batch priority, so a document or a question goes first) with the settings' size limit.
        """
        if self._batch is None:
            from sqzdesk.gui.batch_panel import BatchPanel

            self._batch = BatchPanel(self, pool=self.host.pool, scheduler=self.host.scheduler,
                                     options=self._run_options(), store_path=self.results_path)
            self._batch.batch_finished.connect(lambda _: self._store_changed())
            add_dock(self, self._batch, "Batch", "batch-dock", Qt.DockWidgetArea.BottomDockWidgetArea)
        raise_dock(self._batch)  # in front of a dock tabbed with it: the folder just given is its work
        return self._batch

    def choose_batch_folder(self) -> None:
        folder = choose_folder(self, "Analyse a folder")
        if folder:
            self.batch_panel().add_paths([folder])

    def open_paths(self, paths: Iterable[str | Path]) -> int:
        """Open each file in a tab (folders go to the batch panel); every failure is listed in one message.

        A read runs the GUI thread's event loop while it waits for its worker (:mod:`sqzdesk.gui.reading`),
        so a file dropped (or chosen) meanwhile arrives here during that read: it waits its turn and opens
        after it, in order, instead of starting a second read inside the first. Returns how many documents
        opened in this call (0 for files that were put in line)."""
        wanted = [Path(p) for p in paths]
        folders = [p for p in wanted if p.is_dir()]
        if folders:
            self.batch_panel().add_paths(folders)
        files = [p for p in wanted if not p.is_dir()]
        if self._opening:
            self._waiting.extend(files)
            if files:
                self.statusBar().showMessage(f"{len(self._waiting)} more to open after the current document", 5000)
            return 0
        errors, opened = [], 0
        self._opening = True
        try:
            while files and not self._closing:
                path = files.pop(0)
                try:
                    if self._open_one(path):
                        opened += 1
                except DocumentError as exc:
                    errors.append(f"{path.name}: {exc}")
                files.extend(self._waiting)
                self._waiting.clear()
        finally:
            self._opening = False
        if errors:
            QMessageBox.warning(self, "Cannot open document" if len(errors) == 1 else "Cannot open documents",
                                "\n".join(errors))
        return opened

    def _open_one(self, path: Path, html_mode: HtmlMode = HtmlMode.MAIN, at: int | None = None) -> bool:
        """Open (or show) one file's tab; False when the analyst cancelled its password prompt.

        ``html_mode``: an HTML page's article (default) or the whole page; ``at``: the tab position (the
        end by default)."""
        resolved = path.resolve()
        for i, tab in enumerate(self.all_tabs()):
            if tab.document.path.resolve() == resolved:
                self.tabs.setCurrentIndex(i)
                return True
        from sqzdesk.batch.source import load_source

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                read_document(path, max_bytes=self.settings.max_bytes)  # raises the readers' one-line reason
            source = load_source(path, self.settings.max_bytes)  # read once: hashed and parsed from the same bytes
        finally:
            QApplication.restoreOverrideCursor()
        document = self._parse(source, html_mode)
        if document is None or self._closing:  # the window closed during the read: no tab, no analysis
            return False
        review, note = None, self.results_error
        if html_mode is HtmlMode.FULL:  # decisions are kept at the article's offsets: never mix the two
            note = "Whole page shown: review decisions belong to the article (View → Show full page to go back)"
        elif self.results is not None:
            try:
                review = ReviewSession(self.results, path, source.sha256, document.text)
            except StoreError as exc:
                note = str(exc)
        tab = DocumentTab(self._next_id, document, self.settings, sha256=source.sha256, review=review,
                          review_note=note)
        self._next_id += 1
        tab.question_asked.connect(self.ask)
        tab.tint_changed.connect(self.set_tint)
        tab.fold_changed.connect(self.set_folded)
        tab.types_changed.connect(self.set_type_shown)
        tab.class_tint_chosen.connect(self.set_class_tint)
        tab.label_key.connect(self._label_key)
        tab.set_classifiers(self.classifier_labels)
        tab.set_labelling(self._teach is not None and self._teach.labelling.isChecked())
        if self.models is not None:
            tab.set_models(self.models)
        tab.html_mode = html_mode
        pages = f" · {len(document.pages)} pages" if document.pages else ""
        index = self.tabs.addTab(tab, tab.title) if at is None else self.tabs.insertTab(at, tab, tab.title)
        self.tabs.setTabToolTip(index, f"{document.path}{pages}")
        self.tabs.setCurrentIndex(index)
        self.stack.setCurrentWidget(self.tabs)
        self.settings = self.settings.with_recent(path)
        self.store.save(self.settings)
        self.analyse(tab)
        return True

    def _parse(self, source: Source, html_mode: HtmlMode = HtmlMode.MAIN) -> Document | None:
        """The source's document; for a PDF that needs a password, asks for it (again after a wrong one)
        until it opens, or returns None when the analyst cancels (the prompt, or a scan's OCR). The
        password is used for this one parse and kept nowhere."""
        password: str | None = None
        while True:
            try:
                return self.reader.read(source, password, html_mode)  # on a worker; OCR shows progress, Cancel
            except ReadCancelled:
                return None
            except WrongPassword:
                prompt = f"Wrong password for {source.path.name}. Try again:"
            except PasswordRequired:
                prompt = f"{source.path.name} is protected by a password:"
            password = ask_password(self, prompt)
            if password is None:
                return None

    def close_tab(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if not isinstance(tab, DocumentTab):
            return
        self.host.cancel_doc(tab.doc_id)
        if self._teach is not None:
            self._teach.forget_tab(tab.doc_id)
        self.tabs.removeTab(index)
        tab.deleteLater()
        if not self.tabs.count():
            self.stack.setCurrentWidget(self.empty)
            self.setWindowTitle("sqzdesk")

    def set_full_page(self, checked: bool) -> None:
        """Read the current HTML tab again as the whole page (checked) or as its article, in the same tab
        position, and analyse it again. Other formats have one reading: nothing happens."""
        tab = self.current_tab()
        wanted = HtmlMode.FULL if checked else HtmlMode.MAIN
        if tab is None or not is_html(tab.document.path) or tab.html_mode is wanted or self._opening:
            self._sync_full_page()  # during another read the menu item goes back to what the tab shows
            return
        index, path = self.tabs.indexOf(tab), tab.document.path
        self.close_tab(index)
        self._opening = True  # files dropped during this read wait for it (open_paths)
        try:
            if not self._open_one(path, wanted, at=index):
                self._sync_full_page()
        except DocumentError as exc:
            QMessageBox.warning(self, "Cannot open document", f"{path.name}: {exc}")
        finally:
            self._opening = False
        waiting, self._waiting = self._waiting, []
        if waiting and not self._closing:
            self.open_paths(waiting)

    def _sync_full_page(self) -> None:
        tab = self.current_tab()
        html = tab is not None and is_html(tab.document.path)
        self.full_page_action.setEnabled(html)
        self.full_page_action.setChecked(html and tab is not None and tab.html_mode is HtmlMode.FULL)

    def _tab_changed(self, index: int) -> None:
        tab = self.current_tab()
        self._sync_full_page()
        self.setWindowTitle(f"{tab.title} — sqzdesk" if tab else "sqzdesk")
        if tab is not None and tab.seconds is not None:
            self.status.set_timing(tab.seconds)

    # --- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    # --- engine jobs -----------------------------------------------------------------------------

    def analyse(self, tab: DocumentTab) -> None:
        models = self.models
        if models is not None and not (models.available("sentiment") or models.available("entities")):
            return  # the tab already says why nothing is analysed
        self.host.analyse(tab.doc_id, tab.document.text, self.pattern_types(), tab.html_mode)

    def reanalyse_all(self) -> None:
        """Every open document again (the classifiers or term lists changed)."""
        for tab in self.all_tabs():
            self.host.cancel_doc(tab.doc_id)
            self.analyse(tab)

    def reanalyse(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            self.host.cancel_doc(tab.doc_id)
            self.analyse(tab)

    def ask(self, doc_id: int, question: str) -> None:
        tab = self.tab_for(doc_id)
        if tab is not None:
            self.host.ask(doc_id, question, tab.document.text)

    def cancel(self) -> None:
        self.host.cancel()

    def _models_found(self, status: ModelStatus) -> None:
        self.models = status
        self.status.set_models(status)
        for tab in self.all_tabs():
            tab.set_models(status)

    def _job_started(self, job: GuiJob) -> None:
        if isinstance(job, SpeedJob):
            self.status.set_busy(True, "Timing the models on this computer…")
            return
        if isinstance(job, TeachJob):
            self.status.set_busy(True, "Training a classifier…" if job.what == "train" else "Ranking sentences…")
            return
        tab = self.tab_for(job.doc_id)
        if tab is None:
            return
        if isinstance(job, TeachJob):
            return
        if isinstance(job, AnalysisJob):
            tab.analysis_started(job)
            self.status.set_busy(True, f"Analysing {tab.title}…")
        else:
            self.status.set_busy(True, f"Answering in {tab.title}…")

    def _progress(self, job: GuiJob, done: int, total: int) -> None:
        self.status.set_progress(done, total)

    def _busy_changed(self, busy: bool) -> None:
        self.cancel_action.setEnabled(busy)
        if not busy:
            self.status.set_busy(False)

    def _chunk_ready(self, job: AnalysisJob, chunk: AnalysisChunk) -> None:
        tab = self.tab_for(job.doc_id)
        if tab is not None:
            tab.add_chunk(job, chunk)

    def _analysis_ready(self, job: AnalysisJob, result: AnalysisResult) -> None:
        tab = self.tab_for(job.doc_id)
        if tab is not None:
            tab.analysis_finished(job, result)
            if tab is self.current_tab():
                self.status.set_timing(result.seconds)
            self._store_result(tab, result)

    def _answers_ready(self, job: QuestionJob, result: AnswerResult) -> None:
        tab = self.tab_for(job.doc_id)
        if tab is not None:
            tab.answers_arrived(result)
            self.status.set_timing(result.seconds, "Last answer")

    def _failed(self, job: GuiJob, reason: str) -> None:
        tab = self.tab_for(job.doc_id)
        if tab is None:
            return
        if isinstance(job, QuestionJob):
            tab.qa.show_failed(reason)
        elif isinstance(job, AnalysisJob):
            tab.analysis_failed(job, reason)

    def _cancelled(self, job: GuiJob) -> None:
        tab = self.tab_for(job.doc_id)
        if tab is None:
            return
        if isinstance(job, QuestionJob):
            tab.qa.show_cancelled()
        elif isinstance(job, AnalysisJob):
            tab.analysis_cancelled(job)

    # --- small commands --------------------------------------------------------------------------

    def _find(self) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.open_find()

    def _find_again(self, backward: bool) -> None:
        tab = self.current_tab()
        if tab is not None:
            tab.find_again(backward)

    def _focus_question(self) -> None:
        tab = self.current_tab()
        if tab is not None and tab.qa.question.isEnabled():
            tab.qa.question.setFocus()
            tab.qa.question.selectAll()

    def show_models(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dialog = ModelsDialog(self, self.model_dirs)
        finally:
            QApplication.restoreOverrideCursor()
        dialog.exec()
        self.host.rescan()  # the user may have installed or removed a bundle meanwhile

    # --- teach: the panel, classifiers and term lists ------------------------------------------------

    def teach_panel(self) -> TeachPanel:
        """The Teach dock, made on first use (right of the text: it is used beside a document)."""
        if self._teach is None:
            from sqzdesk.gui.teach_panel import TeachPanel

            self._teach = TeachPanel(self.host, self.all_tabs, self.current_tab)
            self._teach.saved.connect(self._classifier_kept)
            self._teach.labelling_changed.connect(self._set_labelling)
            self._teach.show_requested.connect(self._show_to_label)
            add_dock(self, self._teach, "Teach", "teach-dock", Qt.DockWidgetArea.RightDockWidgetArea)
        return self._teach

    def show_teach(self) -> None:
        panel = self.teach_panel()
        raise_dock(panel)
        (panel.name if not panel.name.text() else panel.new_label).setFocus()

    def _set_labelling(self, on: bool) -> None:
        for tab in self.all_tabs():
            tab.set_labelling(on)
        current = self.current_tab()
        if on and current is not None:
            current.view.setFocus()
        if on:
            self.statusBar().showMessage("Labelling: 1-9 label the sentence at the cursor, Ctrl+1-9 the whole "
                                         "document", 8000)

    def _label_key(self, tab: DocumentTab, index: int, whole: bool) -> None:
        self.teach_panel().label_in(tab, index, whole)

    def _show_to_label(self, doc_id: int, start: int, end: int) -> None:
        tab = self.tab_for(doc_id)
        if tab is None:
            return
        self.tabs.setCurrentWidget(tab)
        tab.view.mark_spans([])
        tab.view.select_span(start, end)
        tab.view.setFocus()

    def _classifier_kept(self, name: str) -> None:
        """A classifier taught in the panel runs on documents from now on."""
        if name in self.settings.classifiers:
            self._find_classifiers()  # kept again under its name: the new head replaces the old
            self.host.rescan()
            for tab in self.all_tabs():
                tab.set_classifiers(self.classifier_labels)
            self.reanalyse_all()
            return
        self.apply_settings(replace(self.settings, classifiers=(*self.settings.classifiers, name)))

    def edit_classifiers(self) -> None:
        from sqzdesk.gui.classifiers_dialog import ClassifiersDialog

        dirs = list(self.model_dirs) if self.model_dirs is not None else None
        dialog = ClassifiersDialog(self.settings.classifiers, self, dirs)
        accepted = dialog.exec()
        self.classifiers_changed(dialog.enabled() if accepted else self.settings.classifiers, dialog.changed)

    def classifiers_changed(self, enabled: tuple[str, ...], files_changed: bool) -> None:
        """After the dialog: the enabled set saved, and the models rebuilt when a classifier or term list
        was added or removed (the pool reads both when it builds the analysis)."""
        if files_changed:
            self._load_term_lists()
            self._find_classifiers()
            self.host.rescan()
        if tuple(enabled) != self.settings.classifiers:
            self.apply_settings(replace(self.settings, classifiers=tuple(enabled)))
        elif files_changed:
            self._check_sections()
            for tab in self.all_tabs():
                tab.set_classifiers(self.classifier_labels)
            self.reanalyse_all()

    # --- help ------------------------------------------------------------------------------------

    def _about(self) -> None:
        QMessageBox.about(self, "About sqzdesk",
                          f"<b>sqzdesk {__version__}</b><p>Sentiment, named entities and question answering "
                          "with small int8 models on your CPU.</p><p>Offline: no network connections, "
                          "no telemetry. Documents never leave this machine.</p>")

    # --- shutdown --------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the batch thread and the engine before the window goes (a running QThread must not be
        destroyed). Order matters: the tabs' jobs are cancelled first so the batch thread's file gets
        the engine thread and stops at its next model batch; the batch thread ends while the engine
        still runs (it waits on it); then the engine thread ends."""
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        self.settings = replace(self.settings, geometry=geometry)
        with contextlib.suppress(OSError):  # an unwritable config dir must not keep the window open
            self.store.save(self.settings)
        self._closing = True  # a read in progress ends without a tab; a scan's OCR stops at its next page
        self._waiting.clear()
        self.reader.cancel()
        self.host.cancel()
        if self._batch is not None:
            self._batch.shutdown()
        self.host.shutdown()
        if self.results is not None:
            self.results.close()  # every decision is already committed: nothing is flushed here
            self.results = None
        event.accept()
