"""User settings: one small JSON file under the platform's config dir, read leniently.

A settings file is user-editable and outlives app versions, so loading never fails: a missing file,
broken JSON or a field of the wrong type falls back to that field's default and the rest is kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sqzdesk.engine.manifest import ENTITY_TYPES, Variant

SETTINGS_FILE = "settings.json"
MAX_RECENT = 10

DEFAULT_COLOURS = {
    "PER": "#ffc078",   # orange
    "ORG": "#74c0fc",   # blue
    "LOC": "#8ce99a",   # green
    "MISC": "#d0bfff",  # violet
    # Pattern entities (sqzdesk.engine.patterns): the same light shades, none close to the model's
    # four, to the yellow of marked mentions or to the sentence tint. A settings file from before they
    # existed gets these (see _coerce).
    "EMAIL": "#faa2c1",  # pink
    "PHONE": "#e599f7",  # grape
    "URL": "#66d9e8",    # cyan
    "IP": "#96f2d7",     # teal
    "IBAN": "#ffa8a8",   # red
    "CARD": "#c0eb75",   # lime
    "SSN": "#ffd8a8",    # light orange
    "NINO": "#eebefa",   # light grape
    "NHS": "#a5d8ff",    # light blue
    "ID": "#b2f2bb",     # light green
    "DATE": "#e9ecef",   # grey: dates are context more often than identifiers
    "ADDRESS": "#fcc2d7",  # light pink
}
# Colours for entity types a future model may add, none used above; picked by a stable hash of the name.
_SPARE_COLOURS = ("#91a7ff", "#ffe066", "#ced4da")


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("sqzdesk", appauthor=False))


@dataclass(frozen=True)
class Settings:
    threads: int = 0                 # ONNX Runtime threads; 0 = all cores but one (the GUI keeps one)
    hidden_types: tuple[str, ...] = ()
    colours: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLOURS))
    max_document_mb: int = 50
    sentiment_tint: bool = True
    answer_threshold: float | None = None  # None: the QA bundle's own no-answer threshold
    recent_files: tuple[str, ...] = ()
    zoom: int = 0                    # font size steps from the default
    geometry: str = ""               # QMainWindow.saveGeometry(), base64
    classifiers: tuple[str, ...] = ()  # custom classifiers every analysis applies (Tools -> Classifiers)
    class_tint: str = ""             # tint sentences by this classifier's labels instead of sentiment
    variants: dict[str, str] = field(default_factory=dict)  # task -> "fast" | "accurate" (Settings -> Models)
    folded: tuple[str, ...] = ()     # side sections folded to their summary line (gui.foldable.Section)
    measured: dict[str, float] = field(default_factory=dict)  # speed_key(...) -> ms timed on this computer

    def colour(self, label: str) -> str:
        if label in self.colours:
            return self.colours[label]
        if label in DEFAULT_COLOURS:
            return DEFAULT_COLOURS[label]
        return _SPARE_COLOURS[sum(map(ord, label)) % len(_SPARE_COLOURS)]

    def shows(self, label: str) -> bool:
        return label not in self.hidden_types

    def variant(self, task: str) -> Variant:
        """The variant chosen for ``task``; accurate unless the user picked fast."""
        return Variant(self.variants.get(task, Variant.ACCURATE))

    def engine_variants(self) -> tuple[tuple[str, Variant], ...]:
        """The choices as :class:`~sqzdesk.engine.pool.EngineConfig` takes them (fast ones only)."""
        return tuple((task, Variant.FAST) for task in sorted(self.variants) if self.variant(task) is Variant.FAST)

    def effective_threads(self) -> int:
        """Threads handed to ONNX Runtime: explicit, or leave one core for the GUI thread."""
        return self.threads if self.threads > 0 else max(1, (os.cpu_count() or 2) - 1)

    @property
    def max_bytes(self) -> int:
        return self.max_document_mb * 1024 * 1024

    def with_recent(self, path: str | Path) -> Settings:
        """``path`` first in the recent list, without duplicates, at most MAX_RECENT long."""
        p = str(Path(path).resolve())
        recent = (p, *(r for r in self.recent_files if r != p))[:MAX_RECENT]
        return replace(self, recent_files=recent)


MAX_MEASURED = 24  # remembered speed figures (bundle versions x thread counts); the oldest go first


def speed_key(name: str, version: str, threads: int, cpu: str) -> str:
    """Where a speed timed here is remembered: it holds for this bundle version, thread count and CPU class
    only (a new bundle, another thread count or a moved settings file shows no stale figure)."""
    return f"{name} {version} | {threads} threads | {cpu}"


def _coerce(name: str, value: Any, default: Any) -> Any:
    """``value`` if it has the field's type, else the default."""
    if name in ("hidden_types", "recent_files", "classifiers", "folded"):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return default
    if name == "colours":
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return {**DEFAULT_COLOURS, **value}
        return default
    if name == "variants":  # unknown tasks are kept (harmless), unknown variant words dropped
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if isinstance(k, str) and v in tuple(Variant)}
        return default
    if name == "measured":  # figures only: a wrong entry is dropped, not the rest
        if isinstance(value, dict):
            return {k: float(v) for k, v in value.items() if isinstance(k, str) and isinstance(v, int | float)
                    and not isinstance(v, bool) and v > 0}
        return default
    if name == "answer_threshold":
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            return None if value is None else float(value)
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else default
    if isinstance(default, int):
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default
    if isinstance(default, str):
        return value if isinstance(value, str) else default
    return default


class SettingsStore:
    """Loads and saves :class:`Settings` at one path (the user's config dir unless told otherwise)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / SETTINGS_FILE

    def load(self) -> Settings:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Settings()
        if not isinstance(data, dict):
            return Settings()
        defaults = Settings()
        values = {f.name: _coerce(f.name, data[f.name], getattr(defaults, f.name))
                  for f in fields(Settings) if f.name in data}
        settings = replace(defaults, **values)
        return replace(settings, max_document_mb=max(1, settings.max_document_mb))

    def save(self, settings: Settings) -> None:
        """Write atomically, so a crash mid-write never leaves a half file behind."""
        data = asdict(settings)
        data["hidden_types"] = list(settings.hidden_types)
        data["recent_files"] = list(settings.recent_files)
        data["classifiers"] = list(settings.classifiers)
        data["folded"] = list(settings.folded)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


__all__ = ["DEFAULT_COLOURS", "ENTITY_TYPES", "Settings", "SettingsStore", "config_dir"]
