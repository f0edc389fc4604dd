"""Sentiment training data: GLUE SST-2 train phrases plus the multi-domain review sets.

SST-2's train file holds full sentences *and* their sub-phrases, so a line-level split would leak: the
validation side takes whole sentences and every phrase contained in one is dropped from training.
Reviews are split per review (duplicates share a key, so they land on one side).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.modelbuild.splits import in_validation

VAL_FRACTION_SST = 0.05
VAL_FRACTION_REVIEWS = 0.10
LABELS = ("negative", "positive")


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # index into LABELS
    source: str


def _sst2(data_dir: Path) -> tuple[list[Example], list[Example]]:
    rows = []
    with open(data_dir / "sst2" / "train.tsv", newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for sentence, label in reader:
            rows.append((sentence.strip(), int(label)))
    # a "sentence" is a line of 8+ tokens; validation sentences are chosen among them by hash
    val_sentences = {s for s, _ in rows if len(s.split()) >= 8 and in_validation(s, VAL_FRACTION_SST)}
    covered: set[str] = set()
    for s in val_sentences:
        toks = s.split()
        for i in range(len(toks)):
            for j in range(i + 1, len(toks) + 1):
                covered.add(" ".join(toks[i:j]))
    train, val = [], []
    for s, y in rows:
        if s in val_sentences:
            val.append(Example(s, y, "sst2"))
        elif s not in covered:
            train.append(Example(s, y, "sst2"))
    return train, val


def _review_text(field: str) -> str:
    title, _, body = field.partition("\n")
    title, body = title.strip(), " ".join(body.split())
    if title and title[-1] not in ".!?":
        title += "."
    return f"{title} {body}".strip()


def _reviews(data_dir: Path) -> tuple[list[Example], list[Example]]:
    csv.field_size_limit(2**31 - 1)
    train: list[Example] = []
    val: list[Example] = []
    for path in sorted((data_dir / "sentiment-multidomain").glob("*/labeled.tsv")):
        domain = path.parent.name
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                text = _review_text(row["sentence"])
                ex = Example(text, int(row["label"]), domain)
                (val if in_validation(text, VAL_FRACTION_REVIEWS) else train).append(ex)
    return train, val


def load(data_dir: Path, seed: int = 13) -> tuple[list[Example], list[Example]]:
    """(train, validation) over both sources; training order shuffled deterministically."""
    sst_train, sst_val = _sst2(data_dir)
    rev_train, rev_val = _reviews(data_dir)
    train = sst_train + rev_train
    random.Random(seed).shuffle(train)
    return train, sst_val + rev_val
