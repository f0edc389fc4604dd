"""Custom classifiers: a softmax head over the ``embed`` bundle's sentence vectors, one bundle per name.

A classifier is what an analyst teaches (``sqzdesk teach train``, the GUI's Teach panel, see
:mod:`sqzdesk.engine.teach`): labels and a weight matrix, nothing else. It has no encoder of its own, so
it is a few kilobytes, and it runs on the shipped ``embed`` bundle, whose model checksum it records: a
head is only meaningful on the exact vectors it was trained on, so a classifier is refused (with the
reason) on any other encoder instead of giving quiet nonsense.

On disk a classifier is a bundle like the models (:mod:`.bundle`): a folder ``classify-NAME`` with a
checksummed ``manifest.json`` (task ``classify``), ``head.npz`` (``weights`` [dim, K], ``bias`` [K],
float32, and again the ``labels`` and the encoder's ``embed_sha256``, read without pickle) and
``MODEL_CARD.md``. A damaged or edited file is refused like any bundle's; since the manifest itself is
not checksummed, the labels and encoder it states must equal the (checksummed) head's, so swapping two
labels in the manifest is refused too. They live in the first folder of the model search path (the user's models folder unless
``$SQZDESK_MODEL_PATH`` says otherwise); one found earlier on the path wins over a later one of the same
name, as for the models.

In the analysis (:mod:`.analysis`) every prose sentence (the spans sentiment judges) gets each
classifier's label and score, and the document gets the label of its vector: the normalised mean of its
sentences' vectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sqzdesk.engine.bundle import MANIFEST, Bundle, BundleError, claimed_task, load_bundle, search_dirs
from sqzdesk.engine.embed import EmbedModel
from sqzdesk.engine.results import Classification
from sqzdesk.engine.windows import softmax

TASK = "classify"
HEAD_FILE = "head.npz"
FOLDER_PREFIX = "classify-"
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_name(name: str) -> str:
    """A classifier name is a folder name and a JSON key: letters, digits, ``_ . -``, at most 64."""
    if not NAME_RULE.fullmatch(name) or name.endswith("."):
        raise ValueError(f"invalid classifier name {name!r}: use letters, digits, '_', '.' or '-' "
                         "(at most 64, starting with a letter or digit)")
    return name


def home_dir() -> Path:
    """Where new classifiers are saved: the first folder of the model search path."""
    return search_dirs()[0]


def folder_for(name: str, root: Path | None = None) -> Path:
    return (root if root is not None else home_dir()) / f"{FOLDER_PREFIX}{check_name(name)}"


@dataclass(frozen=True)
class Classifier:
    """A loaded head: ``probabilities(vectors)`` is softmax(vectors @ weights + bias)."""

    name: str
    labels: tuple[str, ...]
    weights: np.ndarray     # float32 [dim, K]
    bias: np.ndarray        # float32 [K]
    embed_sha256: str       # the embed model file it was trained on
    bundle: Bundle

    @property
    def checksum(self) -> str:
        """The head file's sha256: part of the batch store's key, so a retrained head is applied again."""
        return self.bundle.manifest.files["head"].sha256

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors.astype(np.float64) @ self.weights.astype(np.float64) + self.bias.astype(np.float64)
        return softmax(logits)

    def classify(self, vectors: np.ndarray) -> list[Classification]:
        probs = self.probabilities(vectors)
        best = probs.argmax(axis=1)
        return [Classification(self.labels[int(k)], float(p[k])) for k, p in zip(best, probs, strict=True)]


def load_classifier(path: str | Path) -> Classifier:
    """Read and verify a classifier bundle (checksums, task, shapes); BundleError naming the file."""
    bundle = load_bundle(path)
    m = bundle.manifest
    if m.task != TASK:
        raise BundleError(f"{bundle.path}: a '{m.task}' bundle, not a classifier")
    head = bundle.file("head")
    try:
        with np.load(head, allow_pickle=False) as data:
            weights = np.asarray(data["weights"], dtype=np.float32)
            bias = np.asarray(data["bias"], dtype=np.float32)
            labels = tuple(str(x) for x in data["labels"])
            head_base = str(data["embed_sha256"])
    except Exception as exc:  # a zip/npy format error, a missing array
        raise BundleError(f"{head}: unreadable classifier head ({exc})") from None
    dim = m.architecture.get("inputs")
    if weights.ndim != 2 or weights.shape != (dim, len(m.labels)) or bias.shape != (len(m.labels),) \
            or not (np.isfinite(weights).all() and np.isfinite(bias).all()):
        raise BundleError(f"{head}: head weights do not match the manifest ({len(m.labels)} labels, "
                          f"{dim} inputs)")
    base = m.task_params.get("embed_sha256")
    if not isinstance(base, str):
        raise BundleError(f"{bundle.path / MANIFEST}: missing 'task_params.embed_sha256'")
    if labels != m.labels or head_base != base:
        raise BundleError(f"{bundle.path / MANIFEST}: labels or encoder differ from the head's, the manifest was "
                          f"modified (classifier '{m.name}' refused)")
    return Classifier(m.name, m.labels, weights, bias, base, bundle)


@dataclass(frozen=True)
class ClassifierEntry:
    """One classifier folder on the search path: loaded, or why it cannot be used."""

    name: str
    path: Path
    classifier: Classifier | None
    error: str | None


def find_classifiers(dirs: list[Path] | None = None) -> list[ClassifierEntry]:
    """Every classifier on the search path, first of each name only, sorted by name."""
    seen: dict[str, ClassifierEntry] = {}
    for root in dirs if dirs is not None else search_dirs():
        if not root.is_dir():
            continue
        for sub in sorted(root.iterdir()):
            if not (sub / MANIFEST).is_file() or claimed_task(sub) != TASK:
                continue
            try:
                classifier = load_classifier(sub)
                entry = ClassifierEntry(classifier.name, sub, classifier, None)
            except BundleError as exc:  # named by its folder: its manifest may be what is damaged
                entry = ClassifierEntry(sub.name.removeprefix(FOLDER_PREFIX), sub, None, str(exc))
            seen.setdefault(entry.name, entry)
    return [seen[k] for k in sorted(seen)]


def find_classifier(name: str, dirs: list[Path] | None = None) -> Classifier:
    """The classifier called ``name``; a damaged one is refused, not skipped (as :func:`find_bundle`)."""
    for entry in find_classifiers(dirs):
        if entry.name == name:
            if entry.classifier is None:
                raise BundleError(str(entry.error))
            return entry.classifier
    known = ", ".join(e.name for e in find_classifiers(dirs)) or "none"
    raise BundleError(f"no classifier named '{name}' (installed: {known}; make one with `sqzdesk teach train`)")


class ClassifierSet:
    """The encoder and the classifiers one analysis applies (several heads share each vector)."""

    def __init__(self, embed: EmbedModel, classifiers: Sequence[Classifier]):
        if not classifiers:
            raise ValueError("a classifier set needs at least one classifier")
        names = [c.name for c in classifiers]
        if len(set(names)) != len(names):
            raise ValueError(f"classifier named twice: {', '.join(names)}")
        for c in classifiers:
            if c.embed_sha256 != embed.sha256:
                raise BundleError(
                    f"classifier '{c.name}' was trained on another sentence encoder (model sha256 "
                    f"{c.embed_sha256[:12]}..., installed {embed.bundle.manifest.name} is {embed.sha256[:12]}...): "
                    f"train it again with `sqzdesk teach train`")
            if c.weights.shape[0] != embed.dim:
                raise BundleError(f"classifier '{c.name}' takes {c.weights.shape[0]} inputs, the encoder gives {embed.dim}")
        self.embed = embed
        self.classifiers = tuple(classifiers)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classifiers)

    def key(self) -> str:
        """For the batch store: which heads, by name and head checksum."""
        return ",".join(f"{c.name}#{c.checksum[:16]}" for c in self.classifiers)

    def classify(self, vectors: np.ndarray) -> list[dict[str, Classification]]:
        """Each row's result for every classifier, in the set's order."""
        per = [c.classify(vectors) for c in self.classifiers]
        return [{c.name: per[k][row] for k, c in enumerate(self.classifiers)} for row in range(len(vectors))]

    def document(self, vector: np.ndarray | None) -> dict[str, Classification | None]:
        if vector is None:
            return dict.fromkeys(self.names)
        return dict(self.classify(vector[None, :])[0])


def open_classifiers(names: Iterable[str], dirs: list[Path] | None = None, threads: int = 0) -> ClassifierSet:
    """The encoder and the named classifiers; BundleError for the first missing or unusable one."""
    classifiers = [find_classifier(check_name(n), dirs) for n in names]
    return ClassifierSet(EmbedModel.open(dirs, threads), classifiers)
