"""Model bundles on disk: find them, check them, refuse damaged ones with a message naming the file.

Bundles live in the user's data dir (``platformdirs``: installed or self-built models) and in the
shipped ``assets/models``; the user's copy of a task wins.

A task may have two variants (:class:`~sqzdesk.engine.manifest.Variant`): the accurate bundle and a
fast one (``<task>-fast/``, grouped convolutions). Each (task, variant) is looked up by the same rule;
asking for ``fast`` where a task has none gives the accurate bundle and a one-line notice, never an
error, because the fast bundles are an option that not every task ships.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.engine.manifest import MODEL_TASKS, VARIANT_TASKS, Manifest, ManifestError, Variant

MANIFEST = "manifest.json"
ENV_PATH = "SQZDESK_MODEL_PATH"  # os.pathsep-separated bundle roots that replace the default ones


class BundleError(Exception):
    """A bundle that cannot be used; ``str()`` is one line that names the bundle and the file."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    manifest: Manifest

    @property
    def task(self) -> str:
        return self.manifest.task

    @property
    def variant(self) -> Variant:
        return self.manifest.variant

    def file(self, role: str) -> Path:
        return self.path / self.manifest.files[role].name

    @property
    def size_bytes(self) -> int:
        return sum(self.file(role).stat().st_size for role in self.manifest.files)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_bundle(path: str | Path, *, verify: bool = True) -> Bundle:
    """Read and check a bundle folder. ``verify`` recomputes every file's sha256 against the manifest."""
    path = Path(path)
    manifest_path = path / MANIFEST
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{path}: no {MANIFEST}, not a model bundle") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{manifest_path}: unreadable manifest ({exc})") from None
    try:
        manifest = Manifest.from_dict(data)
    except ManifestError as exc:
        raise BundleError(f"{manifest_path}: {exc}") from None
    bundle = Bundle(path, manifest)
    for role, entry in manifest.files.items():
        file = bundle.file(role)
        if not file.is_file():
            raise BundleError(f"{file}: missing from bundle '{manifest.name}'")
        if verify and sha256_of(file) != entry.sha256:
            raise BundleError(f"{file}: checksum mismatch, the file is damaged or was modified "
                              f"(bundle '{manifest.name}' refused)")
    return bundle


def shipped_dir() -> Path:
    """``assets/models`` next to the package, or inside a PyInstaller binary."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "assets" / "models"
    return Path(__file__).resolve().parents[2] / "assets" / "models"


def user_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("sqzdesk", appauthor=False)) / "models"


def search_dirs() -> list[Path]:
    """Bundle roots in priority order: the user's data dir, then the shipped assets.

    ``$SQZDESK_MODEL_PATH`` replaces both (tests and portable setups use it).
    """
    env = os.environ.get(ENV_PATH)
    if env is not None:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [user_dir(), shipped_dir()]


@dataclass(frozen=True)
class Found:
    """A bundle folder and either the loaded bundle or why it is unusable."""

    path: Path
    bundle: Bundle | None
    error: str | None


def discover(dirs: list[Path] | None = None, *, verify: bool = True) -> list[Found]:
    """Every bundle folder under the roots, in priority order, usable or not."""
    found = []
    for root in dirs if dirs is not None else search_dirs():
        if not root.is_dir():
            continue
        for sub in sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()):
            try:
                found.append(Found(sub, load_bundle(sub, verify=verify), None))
            except BundleError as exc:
                found.append(Found(sub, None, str(exc)))
    return found


def find_bundle(task: str, dirs: list[Path] | None = None, variant: Variant = Variant.ACCURATE) -> Bundle:
    """The first bundle for ``task`` (and ``variant``) in priority order.

    If that bundle is damaged it is refused (BundleError naming the file) rather than silently
    replaced by a lower-priority one: a tampered model must be noticed, not worked around. A task
    without a ``fast`` bundle gives its accurate one (:func:`fallback_notice` says so).
    """
    roots = dirs if dirs is not None else search_dirs()
    resolved = resolve(roots, {task: variant}, tasks=(task,))
    if task in resolved.bundles:
        return resolved.bundles[task]
    raise BundleError(resolved.problems[task])


@dataclass(frozen=True)
class Resolved:
    """Every task's bundle for the asked variants, and what else there is to know about them."""

    bundles: dict[str, Bundle]                 # task -> the bundle that serves it
    problems: dict[str, str]                   # task -> why it has none (missing or damaged)
    notices: dict[str, str]                    # task -> "fast asked, accurate given" (one line)
    choices: dict[str, dict[Variant, Bundle]]  # task -> every usable variant (for Settings -> Models)


def resolve(dirs: list[Path] | None = None, variants: Mapping[str, Variant] | None = None, *,
            tasks: tuple[str, ...] = MODEL_TASKS) -> Resolved:
    """Every task's bundle in one pass over the roots, by :func:`find_bundle`'s rule.

    ``variants``: task -> the variant wanted (accurate where not given; ``embed`` is always accurate,
    see :data:`~sqzdesk.engine.manifest.VARIANT_TASKS`). Each checksum is read once. ``classify``
    bundles (many per user, by name) are left to :func:`sqzdesk.engine.classify.find_classifiers`.
    """
    roots = dirs if dirs is not None else search_dirs()
    first: dict[tuple[str, str], Found] = {}  # (task, variant) -> its highest-priority folder
    for item in discover(roots):
        key = (item.bundle.task, str(item.bundle.variant)) if item.bundle is not None else claimed(item.path)
        if key is not None and key[0] in tasks:
            first.setdefault(key, item)
    bundles: dict[str, Bundle] = {}
    problems: dict[str, str] = {}
    notices: dict[str, str] = {}
    choices: dict[str, dict[Variant, Bundle]] = {}
    for task in tasks:
        choices[task] = {v: f.bundle for v in Variant if (f := first.get((task, v))) and f.bundle is not None}
        wanted = Variant((variants or {}).get(task, Variant.ACCURATE)) if task in VARIANT_TASKS else Variant.ACCURATE
        chosen = first.get((task, wanted))
        if chosen is None and wanted is not Variant.ACCURATE:
            chosen = first.get((task, Variant.ACCURATE))
            if chosen is not None and chosen.bundle is not None:
                notices[task] = fallback_notice(task, wanted)
        if chosen is None:
            problems[task] = _not_installed(task, roots)
        elif chosen.bundle is None:
            problems[task] = str(chosen.error)
        else:
            bundles[task] = chosen.bundle
    return Resolved(bundles, problems, notices, choices)


def fallback_notice(task: str, wanted: Variant) -> str:
    """The one line shown when ``wanted`` is not installed for ``task`` and the accurate bundle serves."""
    return f"no {wanted} '{task}' model installed, using the accurate one (see its MODEL_CARD.md)"


def _not_installed(task: str, roots: list[Path]) -> str:
    looked = ", ".join(str(d) for d in roots) or "nowhere: the model path is empty"
    return f"no '{task}' model installed (looked in {looked})"


def claimed_task(path: Path) -> str | None:
    """The task a bundle folder's manifest names, even when the bundle itself is unusable."""
    key = claimed(path)
    return key[0] if key is not None else None


def claimed(path: Path) -> tuple[str, str] | None:
    """(task, variant) a bundle folder's manifest names, even when the bundle itself is unusable, so a
    damaged fast bundle is refused in its own name rather than skipped."""
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        task, variant = data.get("task"), data.get("variant", Variant.ACCURATE.value)
    except (OSError, ValueError, AttributeError):
        return None
    return (task, variant) if isinstance(task, str) and isinstance(variant, str) else None
