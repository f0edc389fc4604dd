"""Teach a classifier: labelled examples in, a checked, cross-validated classifier bundle out.

Everything here runs in-process with numpy (no torch), so it works the same in the standalone binary,
whose numpy has no BLAS: the head is small (384 x labels) and the vectors come from ONNX Runtime.

The steps, each a function the CLI (``sqzdesk teach``) and the GUI's Teach panel call alike:

1. :func:`read_examples` (a CSV/TSV/JSONL file) or :func:`examples_from_pairs` (examples labelled in
   the GUI) -> :class:`TrainingData`, refusing what cannot train a classifier with a message that says
   what to fix (:class:`TeachError`): a file over :data:`MAX_DATA_BYTES`, missing columns (naming the
   ones found), one label only, a label with fewer than :data:`MIN_PER_LABEL` examples (naming it).
   Empty texts are skipped and counted.
2. :func:`train` embeds every example as the analysis embeds a document (its prose sentences, the mean
   of their vectors, normalised), fits the head (:func:`fit_head`: multinomial logistic regression,
   L2, class-balanced, L-BFGS) and cross-validates it (:func:`cross_validate`: stratified k-fold,
   k = 5 or the smallest label's count, fixed seed) -> :class:`TrainedClassifier` with its
   :class:`TrainReport` (accuracy, per-label precision/recall, confusion matrix). Nothing is saved yet.
3. :func:`save` writes the bundle atomically (a hidden temporary folder beside the target, verified by
   the bundle loader, then renamed), so a failure leaves nothing half-written.
4. :func:`export_file` / :func:`import_file`: one ``.sqzclf`` zip to share; import verifies every
   checksum and refuses a tampered or foreign file before anything is installed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sqzdesk.engine.bundle import MANIFEST, BundleError, sha256_of
from sqzdesk.engine.classify import (
    FOLDER_PREFIX,
    HEAD_FILE,
    TASK,
    Classifier,
    check_name,
    find_classifiers,
    folder_for,
    home_dir,
    load_classifier,
)
from sqzdesk.engine.embed import EmbedModel, normalise
from sqzdesk.engine.manifest import FileEntry, Manifest
from sqzdesk.engine.sentiment import prose_spans
from sqzdesk.engine.windows import Progress, ShouldStop

MAX_DATA_BYTES = 5_000_000     # a training file; a few thousand examples are far below it
MAX_EXAMPLE_CHARS = 20_000     # one example; longer texts are documents, not examples
MAX_EXAMPLES = 20_000
MIN_PER_LABEL = 2
MAX_LABELS = 50
FOLDS = 5
SEED = 17
L2 = 1e-3                      # on the mean loss; chosen on a development split, see bench/teach.py
EXPORT_SUFFIX = ".sqzclf"
_EXPORT_FILES = (MANIFEST, HEAD_FILE, "MODEL_CARD.md")
_MAX_EXPORT_BYTES = 20_000_000
TEXT_COLUMNS = ("text", "sentence", "content", "body")
LABEL_COLUMNS = ("label", "class", "category")


class TeachError(ValueError):
    """Input that cannot make a classifier; ``str()`` is one line saying what to change."""


# ---- data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[Example, ...]
    sha256: str               # of the file's bytes (or of the canonical JSON of GUI-labelled pairs)
    size_bytes: int
    source: str               # file name, or "labelled in the app"
    skipped_empty: int = 0    # examples without text, left out

    @property
    def labels(self) -> tuple[str, ...]:
        """Sorted, so the same data always gives the same label order."""
        return tuple(sorted({e.label for e in self.examples}))

    def counts(self) -> dict[str, int]:
        return {label: sum(1 for e in self.examples if e.label == label) for label in self.labels}


def _check(examples: list[Example], sha: str, size: int, source: str, skipped: int) -> TrainingData:
    if not examples:
        raise TeachError(f"{source}: no examples with text" + (f" ({skipped} empty ones skipped)" if skipped else ""))
    if len(examples) > MAX_EXAMPLES:
        raise TeachError(f"{source}: {len(examples):,} examples, over the {MAX_EXAMPLES:,} one classifier takes")
    data = TrainingData(tuple(examples), sha, size, source, skipped)
    counts = data.counts()
    if len(counts) < 2:
        raise TeachError(f"{source}: every example has the label '{next(iter(counts))}'; a classifier needs "
                         "at least two labels")
    if len(counts) > MAX_LABELS:
        raise TeachError(f"{source}: {len(counts)} labels, over the {MAX_LABELS} a classifier takes")
    few = [f"'{k}' ({v})" for k, v in counts.items() if v < MIN_PER_LABEL]
    if few:
        raise TeachError(f"{source}: too few examples for label {', '.join(few)}: each label needs at least "
                         f"{MIN_PER_LABEL} (better 20 or more)")
    return data


def _clean(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if any(ch.isalnum() for ch in text) else None


def _label(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    label = str(value).strip() if isinstance(value, str | int | float) else None
    if not label:
        return None
    if len(label) > 100 or any(not ch.isprintable() for ch in label):
        raise TeachError(f"label {label[:40]!r}: labels are one line of at most 100 characters")
    return label


def read_examples(path: Path, text_col: str | None = None, label_col: str | None = None,
                  max_bytes: int = MAX_DATA_BYTES) -> TrainingData:
    """Examples from ``.csv``, ``.tsv`` or ``.jsonl``/``.json`` (one object a line).

    Columns default to the first of :data:`TEXT_COLUMNS` and :data:`LABEL_COLUMNS` the file has.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TeachError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise TeachError(f"{path}: {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB a training file may have "
                         "(a classifier needs hundreds of examples, not a corpus)")
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TeachError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows, columns = _jsonl_rows(path, content)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows, columns = _csv_rows(path, content, "\t" if suffix == ".tsv" else None)
    else:
        raise TeachError(f"{path}: give a .csv, .tsv or .jsonl file")
    text_key = _column(path, columns, text_col, TEXT_COLUMNS, "text", "--text-col")
    label_key = _column(path, columns, label_col, LABEL_COLUMNS, "label", "--label-col")
    examples, skipped = [], 0
    for number, row in rows:
        text, label = _clean(row.get(text_key)), _label(row.get(label_key))
        if text is None or label is None:
            skipped += 1
            continue
        if len(text) > MAX_EXAMPLE_CHARS:
            raise TeachError(f"{path}: row {number} has {len(text):,} characters, over {MAX_EXAMPLE_CHARS:,} "
                             "for one example")
        examples.append(Example(text, label))
    return _check(examples, hashlib.sha256(raw).hexdigest(), size, path.name, skipped)


def _column(path: Path, columns: Sequence[str], chosen: str | None, defaults: Sequence[str], what: str,
            option: str) -> str:
    found = ", ".join(repr(c) for c in columns) or "none"
    if chosen is not None:
        if chosen not in columns:
            raise TeachError(f"{path}: no column {chosen!r}; the file has {found}")
        return chosen
    for name in defaults:
        for column in columns:
            if column.strip().lower() == name:
                return column
    raise TeachError(f"{path}: no {what} column (looked for {', '.join(defaults)}); the file has {found}: "
                     f"choose one with {option}")


def _csv_rows(path: Path, content: str, delimiter: str | None) -> tuple[list[tuple[int, dict]], list[str]]:
    if delimiter is None:
        first = content.split("\n", 1)[0]
        delimiter = max((",", "\t", ";"), key=first.count)
    try:
        reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
        columns = [c for c in (reader.fieldnames or []) if c is not None]
        rows = [(n, row) for n, row in enumerate(reader, 2)]
    except csv.Error as exc:
        raise TeachError(f"{path}: not a readable CSV file ({exc})") from None
    return rows, columns


def _jsonl_rows(path: Path, content: str) -> tuple[list[tuple[int, dict]], list[str]]:
    rows: list[tuple[int, dict]] = []
    columns: dict[str, None] = {}
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TeachError(f"{path}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise TeachError(f"{path}: line {number} is not a JSON object")
        columns.update(dict.fromkeys(record))
        rows.append((number, record))
    return rows, list(columns)


def examples_from_pairs(pairs: Iterable[tuple[str, str]], source: str = "labelled in the app") -> TrainingData:
    """Examples labelled in the GUI: (text, label) pairs, checked like a file's."""
    examples, skipped = [], 0
    for text, label in pairs:
        clean, lab = _clean(text), _label(label)
        if clean is None or lab is None:
            skipped += 1
        else:
            examples.append(Example(clean, lab))
    blob = json.dumps([[e.text, e.label] for e in examples], ensure_ascii=False).encode()
    return _check(examples, hashlib.sha256(blob).hexdigest(), len(blob), source, skipped)


# ---- the head ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Head:
    weights: np.ndarray   # [dim, K]
    bias: np.ndarray      # [K]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def fit_head(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = L2, max_iter: int = 300) -> Head:
    """Multinomial logistic regression by L-BFGS: mean class-balanced cross-entropy + l2/2 |W|^2.

    Deterministic (no randomness; zero start). Inputs are unit vectors, so nothing is standardised;
    the bias is not penalised. Class weights n / (K n_c) keep a rare label from being ignored.
    """
    x = np.asarray(x, dtype=np.float64)
    n, dim = x.shape
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    sample_w = (n / (n_classes * np.maximum(counts, 1)))[y] / n
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:dim * n_classes].reshape(dim, n_classes)
        b = theta[dim * n_classes:]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(np.sum(sample_w[:, None] * onehot * log_p)) + 0.5 * l2 * float(np.sum(w * w))
        d = sample_w[:, None] * (np.exp(log_p) - onehot)
        gw = x.T @ d + l2 * w
        return loss, np.concatenate([gw.ravel(), d.sum(axis=0)])

    theta = _lbfgs(loss_grad, np.zeros(dim * n_classes + n_classes), max_iter)
    return Head(theta[:dim * n_classes].reshape(dim, n_classes).astype(np.float32),
                theta[dim * n_classes:].astype(np.float32))


def _lbfgs(f: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, max_iter: int,
           memory: int = 10, tol: float = 1e-6) -> np.ndarray:
    """Plain L-BFGS with a backtracking (Armijo) line search; enough for a smooth convex loss."""
    loss, grad = f(x)
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    for _ in range(max_iter):
        if np.max(np.abs(grad)) < tol:
            break
        q = grad.copy()
        alphas = []
        for s, yv in zip(reversed(s_list), reversed(y_list), strict=True):
            a = s @ q / (yv @ s)
            alphas.append(a)
            q -= a * yv
        if s_list:
            q *= (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
        for (s, yv), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
            q += s * (a - yv @ q / (yv @ s))
        direction = -q
        slope = grad @ direction
        if slope >= 0:  # not a descent direction: restart from the gradient
            s_list.clear()
            y_list.clear()
            direction, slope = -grad, -(grad @ grad)
        step = 1.0
        while True:
            new_x = x + step * direction
            new_loss, new_grad = f(new_x)
            if new_loss <= loss + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, yv = new_x - x, new_grad - grad
        if s @ yv > 1e-12:
            s_list.append(s)
            y_list.append(yv)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        done = abs(loss - new_loss) <= tol * max(1.0, abs(loss))
        x, loss, grad = new_x, new_loss, new_grad
        if done:
            break
    return x


# ---- evaluation ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainReport:
    """What the analyst sees before saving (and what the bundle's manifest and card record)."""

    labels: tuple[str, ...]
    counts: dict[str, int]
    examples: int
    skipped_empty: int
    folds: int
    accuracy: float                     # k-fold cross-validated, 0..1
    precision: dict[str, float]         # per label, cross-validated
    recall: dict[str, float]
    confusion: tuple[tuple[int, ...], ...]  # [true label][predicted label], in ``labels`` order
    embed_seconds: float
    train_seconds: float                # cross-validation and the final fit

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "counts": self.counts, "examples": self.examples,
                "skipped_empty": self.skipped_empty, "folds": self.folds,
                "cv_accuracy": round(self.accuracy, 4),
                "precision": {k: round(v, 4) for k, v in self.precision.items()},
                "recall": {k: round(v, 4) for k, v in self.recall.items()},
                "confusion": [list(r) for r in self.confusion],
                "embed_seconds": round(self.embed_seconds, 2), "train_seconds": round(self.train_seconds, 2)}

    def table(self) -> str:
        """The figures as plain text (the CLI prints it; the card holds it as Markdown-ready lines)."""
        width = max(8, *(len(lab) for lab in self.labels))
        lines = [f"{self.folds}-fold cross-validated accuracy: {100 * self.accuracy:.1f}% "
                 f"({self.examples} examples" + (f", {self.skipped_empty} empty skipped" if self.skipped_empty else "")
                 + ")", "", f"{'label':<{width}}  examples  precision  recall"]
        for lab in self.labels:
            lines.append(f"{lab:<{width}}  {self.counts[lab]:>8}  {100 * self.precision[lab]:>8.1f}%  "
                         f"{100 * self.recall[lab]:>5.1f}%")
        lines += ["", "confusion (rows: true label, columns: predicted)",
                  " " * width + "  " + "  ".join(f"{lab[:8]:>8}" for lab in self.labels)]
        for lab, row in zip(self.labels, self.confusion, strict=True):
            lines.append(f"{lab:<{width}}  " + "  ".join(f"{v:>8}" for v in row))
        return "\n".join(lines)


def stratified_folds(y: np.ndarray, k: int, seed: int = SEED) -> list[np.ndarray]:
    """k test-index sets; each label's examples shuffled (fixed seed) and dealt round-robin.

    The shuffle is the standard library's and the labels are read with ``set``: the binary leaves
    ``numpy.random`` and ``numpy.ma`` (which ``np.unique`` needs) out."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(set(y.tolist())):
        idx = [int(i) for i in np.flatnonzero(y == label)]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            folds[(offset + j) % k].append(int(i))
        offset += len(idx)
    return [np.array(sorted(f), dtype=np.int64) for f in folds]


def cross_validate(x: np.ndarray, y: np.ndarray, n_classes: int, k: int, seed: int = SEED,
                   l2: float = L2) -> np.ndarray:
    """Out-of-fold predicted label for every example."""
    predicted = np.zeros(len(y), dtype=np.int64)
    for test in stratified_folds(y, k, seed):
        train_mask = np.ones(len(y), dtype=bool)
        train_mask[test] = False
        head = fit_head(x[train_mask], y[train_mask], n_classes, l2)
        predicted[test] = head.probabilities(x[test].astype(np.float64)).argmax(axis=1)
    return predicted


def _figures(y: np.ndarray, predicted: np.ndarray, labels: Sequence[str]) -> tuple[float, dict, dict, tuple]:
    k = len(labels)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    precision = {lab: float(confusion[i, i] / max(1, confusion[:, i].sum())) for i, lab in enumerate(labels)}
    recall = {lab: float(confusion[i, i] / max(1, confusion[i].sum())) for i, lab in enumerate(labels)}
    return float(np.trace(confusion) / max(1, len(y))), precision, recall, tuple(tuple(int(v) for v in r) for r in confusion)


# ---- training ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainedClassifier:
    """A fitted head and its report, not yet saved (:func:`save`)."""

    name: str
    head: Head
    report: TrainReport
    data: TrainingData
    embed_name: str
    embed_version: str
    embed_sha256: str


def document_vectors(embed: EmbedModel, texts: Sequence[str], progress: Progress | None = None,
                     should_stop: ShouldStop | None = None) -> np.ndarray:
    """One vector per text, made as the analysis makes a document's: the normalised mean of its prose
    sentences' vectors (the whole text when no sentence has prose, e.g. "Case 42-1187")."""
    pieces: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        spans = prose_spans(text) or [(0, len(text))]
        pieces += [text[s:e] for s, e in spans]
        owner += [i] * len(spans)
    vectors = embed.vectors(pieces, progress, should_stop)
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
    np.add.at(out, np.array(owner, dtype=np.int64), vectors.astype(np.float64))
    return normalise(out)


def train(name: str, data: TrainingData, embed: EmbedModel, *, progress: Progress | None = None,
          should_stop: ShouldStop | None = None, clock: Callable[[], float] = time.perf_counter) -> TrainedClassifier:
    """Embed, cross-validate, fit on everything; nothing is saved (:func:`save`).

    ``progress`` gets (windows embedded, windows in all) and ``should_stop`` is checked before every
    model batch (Cancelled is raised), as in the analysis, so the GUI can run it as a scheduler job."""
    check_name(name)
    labels = data.labels
    y = np.array([labels.index(e.label) for e in data.examples], dtype=np.int64)
    t0 = clock()
    x = document_vectors(embed, [e.text for e in data.examples], progress, should_stop)
    t1 = clock()
    folds = max(2, min(FOLDS, min(data.counts().values())))
    predicted = cross_validate(x, y, len(labels), folds)
    head = fit_head(x, y, len(labels))
    t2 = clock()
    accuracy, precision, recall, confusion = _figures(y, predicted, labels)
    report = TrainReport(labels, data.counts(), len(data.examples), data.skipped_empty, folds, accuracy,
                         precision, recall, confusion, t1 - t0, t2 - t1)
    m = embed.bundle.manifest
    return TrainedClassifier(name, head, report, data, m.name, m.version, embed.sha256)


# ---- bundles on disk -----------------------------------------------------------------------------

def _card(t: TrainedClassifier, created: str) -> str:
    r = t.report
    return f"""# {t.name}

A custom classifier made with `sqzdesk teach` on {created}: labels {', '.join(r.labels)}.
A softmax head (multinomial logistic regression, L2 {L2}, class-balanced) over the vectors of the
sentence encoder {t.embed_name} {t.embed_version} (model sha256 `{t.embed_sha256}`), on which alone it runs.

## Training data
{t.data.source}: {r.examples} examples{f' ({r.skipped_empty} without text skipped)' if r.skipped_empty else ''},
sha256 `{t.data.sha256}`, {t.data.size_bytes:,} bytes. Per label: {', '.join(f'{k} {v}' for k, v in r.counts.items())}.

## Cross-validated figures (stratified {r.folds}-fold, seed {SEED})

```
{r.table()}
```

## Use and limits
- Documents get the label of the mean of their sentences' vectors; each sentence with prose gets its own.
- As good as its examples: texts unlike them (another topic, another language) get a label anyway; read
  the score.
"""


def save(trained: TrainedClassifier, root: Path | None = None, *, replace: bool = False) -> Path:
    """Write the bundle into ``root`` (default: the user's models folder) atomically; returns its folder."""
    root = root if root is not None else home_dir()
    target = folder_for(trained.name, root)
    if target.exists() and not replace:
        raise TeachError(f"a classifier named '{trained.name}' exists ({target}); use --replace to overwrite it")
    root.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_PREFIX}{trained.name}-", dir=root))
    try:
        with open(tmp / HEAD_FILE, "wb") as f:
            np.savez(f, weights=trained.head.weights.astype(np.float32), bias=trained.head.bias.astype(np.float32),
                     labels=np.array(trained.report.labels), embed_sha256=np.array(trained.embed_sha256))
        (tmp / "MODEL_CARD.md").write_text(_card(trained, created), encoding="utf-8")
        r = trained.report
        manifest = Manifest(
            name=trained.name, version="1", task=TASK,
            architecture={"type": "softmax-regression", "inputs": int(trained.head.weights.shape[0]),
                          "l2": L2, "class_balanced": True},
            labels=r.labels, max_length=8,
            files={"head": FileEntry(HEAD_FILE, sha256_of(tmp / HEAD_FILE)),
                   "card": FileEntry("MODEL_CARD.md", sha256_of(tmp / "MODEL_CARD.md"))},
            quantization="none",
            metrics={"cv_accuracy": round(r.accuracy, 4), "cv_folds": r.folds,
                     "cv_precision": {k: round(v, 4) for k, v in r.precision.items()},
                     "cv_recall": {k: round(v, 4) for k, v in r.recall.items()},
                     "cv_confusion": [list(row) for row in r.confusion]},
            build={"command": "sqzdesk teach", "created": created,
                   "data": {"source": trained.data.source, "sha256": trained.data.sha256,
                            "size_bytes": trained.data.size_bytes, "examples": r.examples,
                            "skipped_empty": r.skipped_empty, "counts": r.counts}},
            task_params={"embed_name": trained.embed_name, "embed_version": trained.embed_version,
                         "embed_sha256": trained.embed_sha256},
        )
        (tmp / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        load_classifier(tmp)
        _install(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _install(tmp: Path, target: Path) -> None:
    """Rename a finished folder into place; an old one is moved aside first and removed after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove(name: str, dirs: list[Path] | None = None) -> Path:
    """Delete the classifier called ``name`` (the copy that is found first); returns its folder."""
    for entry in find_classifiers(dirs):
        if entry.name == name:
            shutil.rmtree(entry.path)
            return entry.path
    raise TeachError(f"no classifier named '{name}'")


def export_file(name: str, dest: Path, dirs: list[Path] | None = None) -> Path:
    """The classifier as one ``.sqzclf`` file (a zip of its bundle) to give to a colleague."""
    entry = next((e for e in find_classifiers(dirs) if e.name == name), None)
    if entry is None:
        raise TeachError(f"no classifier named '{name}'")
    if entry.classifier is None:
        raise TeachError(str(entry.error))
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{name}{EXPORT_SUFFIX}"
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for file in _EXPORT_FILES:
                z.write(entry.path / file, file)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def import_file(path: Path, root: Path | None = None, *, replace: bool = False) -> Classifier:
    """Install a ``.sqzclf`` file; every checksum is verified before it is put in place."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = sorted(i.filename for i in infos)
            if names != sorted(_EXPORT_FILES):
                raise TeachError(f"{path}: not a classifier file (holds {', '.join(names[:6]) or 'nothing'}; "
                                 f"expected {', '.join(_EXPORT_FILES)})")
            if sum(i.file_size for i in infos) > _MAX_EXPORT_BYTES:
                raise TeachError(f"{path}: unpacks to more than {_MAX_EXPORT_BYTES / 1e6:g} MB, not a classifier")
            files = {i.filename: z.read(i) for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise TeachError(f"{path}: not a readable classifier file ({exc})") from None
    root = root if root is not None else home_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".classify-import-", dir=root))
    try:
        for file, blob in files.items():
            (tmp / file).write_bytes(blob)
        try:
            classifier = load_classifier(tmp)
        except BundleError as exc:
            raise TeachError(f"{path}: refused: {str(exc).replace(str(tmp) + os.sep, '')}") from None
        target = folder_for(classifier.name, root)
        if target.exists() and not replace:
            raise TeachError(f"a classifier named '{classifier.name}' exists ({target}); use --replace to overwrite it")
        _install(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_classifier(target)



# ---- active learning -----------------------------------------------------------------------------

def least_sure(data: TrainingData, candidates: Sequence[str], embed: EmbedModel, *,
               progress: Progress | None = None, should_stop: ShouldStop | None = None) -> list[tuple[int, float]]:
    """The candidates (unlabelled texts) ordered by how unsure a head fitted on ``data`` is about them,
    least sure first, as ``(index into candidates, margin)``: the margin is the top probability minus the
    second, so 0 is a coin toss. Labelling those next teaches the head most per example (uncertainty
    sampling); the GUI's Teach panel proposes the first one.

    The head is fitted on everything labelled so far without cross-validation (a quick fit, not a
    classifier to keep); texts are embedded as :func:`train` embeds them, so the ranking matches what
    training will see. ``progress``/``should_stop`` as in :func:`train`.
    """
    if not candidates:
        return []
    labels = data.labels
    texts = [e.text for e in data.examples] + list(candidates)
    vectors = document_vectors(embed, texts, progress, should_stop)
    y = np.array([labels.index(e.label) for e in data.examples], dtype=np.int64)
    head = fit_head(vectors[:len(y)], y, len(labels))
    probs = head.probabilities(vectors[len(y):])
    top2 = np.sort(probs, axis=1)[:, -2:]
    margins = top2[:, 1] - top2[:, 0]
    order = sorted(range(len(candidates)), key=lambda i: (float(margins[i]), i))
    return [(i, float(margins[i])) for i in order]
