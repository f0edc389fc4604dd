"""Model bundles on disk: find them, check them, refuse damaged ones with a message naming the file.

Bundles live in the user's data dir (``platformdirs``: installed or self-built models) and in the
shipped ``assets/models``; the user's copy of a task wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.engine.manifest import MODEL_TASKS, Manifest, ManifestError

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


def find_bundle(task: str, dirs: list[Path] | None = None) -> Bundle:
    """The first bundle for ``task`` in priority order.

    If that bundle is damaged it is refused (BundleError naming the file) rather than silently
    replaced by a lower-priority one: a tampered model must be noticed, not worked around.
    """
    roots = dirs if dirs is not None else search_dirs()
    for item in discover(roots):
        if item.bundle is not None and item.bundle.task == task:
            return item.bundle
        if item.bundle is None and claimed_task(item.path) == task:
            raise BundleError(str(item.error))
    raise BundleError(_not_installed(task, roots))


def resolve(dirs: list[Path] | None = None) -> tuple[dict[str, Bundle], dict[str, str]]:
    """Every task's bundle in one pass over the roots, by :func:`find_bundle`'s rule.

    Returns (task -> bundle, task -> why it is unusable or missing); each checksum is read once.
    ``classify`` bundles (many per user, by name) are left to :func:`sqzdesk.engine.classify.find_classifiers`.
    """
    roots = dirs if dirs is not None else search_dirs()
    bundles: dict[str, Bundle] = {}
    problems: dict[str, str] = {}
    for item in discover(roots):
        task = item.bundle.task if item.bundle is not None else claimed_task(item.path)
        if task is None or task not in MODEL_TASKS or task in bundles or task in problems:
            continue
        if item.bundle is not None:
            bundles[task] = item.bundle
        else:
            problems[task] = str(item.error)
    for task in MODEL_TASKS:
        if task not in bundles and task not in problems:
            problems[task] = _not_installed(task, roots)
    return bundles, problems


def _not_installed(task: str, roots: list[Path]) -> str:
    looked = ", ".join(str(d) for d in roots) or "nowhere: the model path is empty"
    return f"no '{task}' model installed (looked in {looked})"


def claimed_task(path: Path) -> str | None:
    """The task a bundle folder's manifest names, even when the bundle itself is unusable."""
    try:
        task = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("task")
    except (OSError, ValueError, AttributeError):
        return None
    return task if isinstance(task, str) else None
