"""The models an app session shares: one set of ONNX Runtime sessions for every tab and the batch dock.

A :class:`ModelPool` finds the bundles once (:class:`ModelStatus`, also what the GUI shows) and builds
each model on first use with the current :class:`EngineConfig`; a new config with other threads, model
folders or variants (fast / accurate per task) drops the built models so the next job gets fresh ones. Jobs on the engine's
:class:`~sqzdesk.engine.scheduler.Scheduler` ask the pool for their models; the lock only guards the
building, the models themselves are safe to share (ONNX Runtime sessions are).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.bundle import Bundle, BundleError, resolve
from sqzdesk.engine.chunks import CHUNK_CHARS
from sqzdesk.engine.classify import ClassifierSet, find_classifier
from sqzdesk.engine.embed import EmbedModel
from sqzdesk.engine.entities import EntityModel
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.qa import QAModel
from sqzdesk.engine.sentiment import SentimentModel
from sqzdesk.engine.task import DEFAULT_BATCH_SIZE, DEFAULT_MAX_CHARS
from sqzdesk.engine.terms import TermStore


@dataclass(frozen=True)
class EngineConfig:
    """What the models are built with; changing threads, folders or batch size rebuilds them."""

    threads: int = 1
    answer_threshold: float | None = None      # None: the QA bundle's own no-answer threshold
    dirs: tuple[Path, ...] | None = None       # None: the engine's search path
    batch_size: int = DEFAULT_BATCH_SIZE
    chunk_chars: int = CHUNK_CHARS
    max_chars: int = DEFAULT_MAX_CHARS
    classifiers: tuple[str, ...] = ()          # custom classifiers every analysis applies, by name
    terms: str = "all"                         # term lists matched as entities: all, none or names
    variants: tuple[tuple[str, Variant], ...] = ()  # (task, variant) pairs; a task not named: accurate

    def _build_key(self) -> tuple:
        return self.threads, self.dirs, self.batch_size, self.classifiers, self.terms, self.variants

    def variant(self, task: str) -> Variant:
        return dict(self.variants).get(task, Variant.ACCURATE)


@dataclass(frozen=True)
class ModelStatus:
    """Which bundle serves each task, or why a task has none (shown in the status bar and panels)."""

    bundles: dict[str, Bundle] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    notices: dict[str, str] = field(default_factory=dict)   # task -> "fast asked, accurate used"
    choices: dict[str, dict[Variant, Bundle]] = field(default_factory=dict)  # every usable variant

    def available(self, task: str) -> bool:
        return task in self.bundles

    def variant(self, task: str) -> Variant | None:
        """The variant that serves ``task`` (None: no model)."""
        bundle = self.bundles.get(task)
        return bundle.variant if bundle else None

    def variants_line(self, tasks: tuple[str, ...] = ("sentiment", "entities", "qa")) -> str:
        """``Models: sentiment fast · entities accurate · qa accurate`` (the status bar's words)."""
        return "Models: " + " · ".join(f"{t} {self.variant(t) or 'missing'}" for t in tasks)

    def label(self, task: str) -> str:
        bundle = self.bundles.get(task)
        return f"{bundle.manifest.name} {bundle.manifest.version}" if bundle else "not installed"

    def neutral_below(self) -> float:
        """Sentences scored under this are shown as uncertain (the sentiment bundle says where)."""
        bundle = self.bundles.get("sentiment")
        return float(bundle.manifest.task_params.get("neutral_below", 0.0)) if bundle else 0.0


def locate_models(dirs: list[Path] | None = None, variants: dict[str, Variant] | None = None) -> ModelStatus:
    """Every task's bundle in one pass over the search path (the engine's rule, each checksum read once),
    in the asked variants (a task without a fast bundle gets its accurate one and a notice)."""
    found = resolve(dirs, variants)
    return ModelStatus(found.bundles, found.problems, found.notices, found.choices)


class ModelPool:
    def __init__(self, config: EngineConfig | None = None) -> None:
        self._lock = threading.RLock()
        self.config = config or EngineConfig()
        self._status: ModelStatus | None = None
        self._analyzer: Analyzer | None = None
        self._qa: QAModel | None = None
        self._embed: EmbedModel | None = None

    def configure(self, config: EngineConfig) -> None:
        with self._lock:
            if config._build_key() != self.config._build_key():
                self._analyzer = self._qa = self._embed = None
            if config.dirs != self.config.dirs or config.variants != self.config.variants:
                self._status = None
            self.config = config
            self._apply_limits()

    def rescan(self) -> ModelStatus:
        """Look for bundles again (the user may have installed one); drops the built models."""
        with self._lock:
            self._analyzer = self._qa = self._embed = None
            dirs = list(self.config.dirs) if self.config.dirs is not None else None
            self._status = locate_models(dirs, dict(self.config.variants))
            return self._status

    def status(self) -> ModelStatus:
        with self._lock:
            return self._status if self._status is not None else self.rescan()

    def analyzer(self) -> Analyzer:
        """Sentiment and entities together (either may be missing), with the config's classifiers and
        term lists; BundleError when both models are missing or a classifier is unusable, TermsError
        for an unreadable term-list file."""
        with self._lock:
            if self._analyzer is None:
                status, cfg = self.status(), self.config
                if not status.available("sentiment") and not status.available("entities"):
                    raise BundleError(status.missing.get("sentiment", "no sentiment or entities model installed"))
                sentiment = SentimentModel(status.bundles["sentiment"], cfg.threads, cfg.batch_size) \
                    if status.available("sentiment") else None
                entities = EntityModel(status.bundles["entities"], cfg.threads, cfg.batch_size) \
                    if status.available("entities") else None
                classifiers = None
                if cfg.classifiers:
                    dirs = list(cfg.dirs) if cfg.dirs is not None else None
                    classifiers = ClassifierSet(self.embed(), [find_classifier(n, dirs) for n in cfg.classifiers])
                self._analyzer = Analyzer(sentiment, entities, cfg.chunk_chars, classifiers=classifiers,
                                          terms=TermStore().select(cfg.terms))
                self._apply_limits()
            return self._analyzer

    def embed(self) -> EmbedModel:
        """The sentence encoder (custom classifiers, and training them in the Teach panel)."""
        with self._lock:
            if self._embed is None:
                status = self.status()
                if not status.available("embed"):
                    raise BundleError(status.missing["embed"])
                self._embed = EmbedModel(status.bundles["embed"], self.config.threads, self.config.batch_size)
                self._apply_limits()
            return self._embed

    def qa(self) -> QAModel:
        with self._lock:
            if self._qa is None:
                status = self.status()
                if not status.available("qa"):
                    raise BundleError(status.missing["qa"])
                self._qa = QAModel(status.bundles["qa"], self.config.threads, self.config.batch_size)
                self._apply_limits()
            return self._qa

    def _apply_limits(self) -> None:
        """Settings that need no rebuild (longest text, chunk size) go straight onto the built models."""
        models = [*(self._analyzer.models if self._analyzer else ()), *([self._qa] if self._qa else []),
                  *([self._embed] if self._embed else [])]
        for model in models:
            model.max_chars = self.config.max_chars
        if self._analyzer is not None:
            self._analyzer.chunk_chars = self.config.chunk_chars
