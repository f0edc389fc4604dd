"""All QA sources in ``../shared/data/qa`` converted to one format, split by document.

- SQuADShifts (new_wiki, amazon_reviews, reddit): SQuAD v1.1 JSON, several crowd answers per question;
  training uses the most frequent one. Split by article (wiki) or by review/post (amazon, reddit, whose
  "articles" are just a few large groups).
- SubjQA (all domains, all files): context = ``review`` without its trailing `` ANSWERNOTFOUND``; span =
  ``review[s:e]`` from ``human_ans_indices``; a span pointing at ANSWERNOTFOUND means unanswerable. Split by
  product (``item_id``).
- COVID-QA: whole papers; some ``answer_start`` values are off by 1-3 characters, so each is re-aligned
  to the nearest occurrence of the answer text. Split by paper.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.modelbuild.splits import in_validation

NOT_FOUND = "ANSWERNOTFOUND"
VAL_FRACTION = 0.06


@dataclass(frozen=True)
class QAExample:
    qid: str
    question: str
    context: str
    answers: tuple[tuple[str, int], ...]  # (text, char start); empty = unanswerable
    source: str
    doc: str  # split key

    @property
    def answer(self) -> tuple[str, int] | None:
        """The training answer: the most frequent (text, start) among the annotations."""
        return Counter(self.answers).most_common(1)[0][0] if self.answers else None


def _squadshifts(root: Path) -> list[QAExample]:
    out = []
    for path in sorted((root / "squadshifts").glob("*.json")):
        source = path.stem.replace("_v1.0", "")
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for para in article["paragraphs"]:
                for qa in para["qas"]:
                    answers = tuple((a["text"], a["answer_start"]) for a in qa["answers"]
                                    if para["context"][a["answer_start"]:].startswith(a["text"]))
                    if answers:
                        doc = article["title"] if source == "new_wiki" else para["context"]
                        out.append(QAExample(str(qa["id"]), qa["question"], para["context"], answers, source,
                                             f"{source}:{doc}"))
    return out


def _subjqa(root: Path) -> list[QAExample]:
    csv.field_size_limit(2**31 - 1)
    out: list[QAExample] = []
    seen: set[tuple[str, str, int, int]] = set()
    for path in sorted((root / "subjqa").glob("*/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                review = row["review"]
                context = review[:-len(NOT_FOUND)].rstrip() if review.endswith(NOT_FOUND) else review
                try:
                    s, e = ast.literal_eval(row["human_ans_indices"])
                except (ValueError, SyntaxError):
                    continue
                key = (row["question"], row["review_id"], s, e)
                if key in seen:
                    continue
                seen.add(key)
                span = review[s:e]
                answers = () if NOT_FOUND in span or s >= len(context) else ((context[s:e], s),)
                if answers and not answers[0][0].strip():
                    continue
                out.append(QAExample(f"subjqa:{len(out)}", row["question"], context, answers,
                                     f"subjqa_{path.parent.name}", f"subjqa:{row['item_id']}"))
    return out


def _realign(context: str, text: str, start: int) -> int | None:
    if context[start:].startswith(text):
        return start
    hits, at = [], context.find(text)
    while at >= 0:
        hits.append(at)
        at = context.find(text, at + 1)
    return min(hits, key=lambda h: abs(h - start)) if hits else None


def _covid(root: Path) -> list[QAExample]:
    out = []
    data = json.loads((root / "covid_qa" / "200423_covidQA.json").read_text(encoding="utf-8"))
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                answers = []
                for a in qa["answers"]:
                    start = _realign(para["context"], a["text"], a["answer_start"])
                    if start is not None:
                        answers.append((a["text"], start))
                if answers:
                    out.append(QAExample(f"covid:{qa['id']}", qa["question"], para["context"], tuple(answers),
                                         "covid_qa", f"covid:{para['document_id']}"))
    return out


def load(data_dir: Path) -> tuple[list[QAExample], list[QAExample]]:
    root = data_dir / "qa"
    every = _squadshifts(root) + _subjqa(root) + _covid(root)
    train = [e for e in every if not in_validation(e.doc, VAL_FRACTION)]
    val = [e for e in every if in_validation(e.doc, VAL_FRACTION)]
    return train, val


# SQuAD scoring (torch-free: the engine-level evaluation uses it without the training stack)

def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1_score(pred: str, gold: str) -> float:
    p, g = normalize(pred).split(), normalize(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def question_scores(ex: QAExample, answer: str) -> tuple[float, float]:
    """(F1, exact match) of one answer; "" is the no-answer, right only for an unanswerable question."""
    if not ex.answers:
        return float(answer == ""), float(answer == "")
    if answer == "":
        return 0.0, 0.0
    golds = [t for t, _ in ex.answers]
    return max(f1_score(answer, g) for g in golds), max(float(normalize(answer) == normalize(g)) for g in golds)
