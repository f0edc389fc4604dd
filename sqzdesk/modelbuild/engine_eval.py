"""A bundle measured through the app's engine, the way users get its answers (the ship decision's numbers).

``evaluate`` scores the ONNX graph on the training-side chunks; this scores what the engine makes of
whole texts: its tokenization and windows (stride, averaging), the ``case_ids`` it computes, Viterbi
decoding, entity merging and the sentiment document rule.

* entities: CoNLL-2003 ``valid.txt`` rebuilt as text, a sentence a line, scored as exact character spans
  (micro F1) on whole documents (``doc``) and one sentence at a time (``sent``); ``wiki``: the held-out
  silver Wikipedia articles (``runs/silver``) read as prose, against the teacher's labels in CoNLL's
  convention (agreement with the spaCy teacher on general English, not truth);
* sentiment: the validation split, each text through ``SentimentModel.analyze`` (the mean of its
  sentences' probabilities), accuracy overall, SST-2 sentences and reviews;
* qa: the validation split's questions through ``QAModel.ask_many`` as ``ask --stdin`` batches them, the
  top answer at the bundle's threshold, SQuAD F1 / EM (``evaluate`` picks the F1-best threshold instead).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from sqzdesk.modelbuild.entities_data import read_conll

Span = tuple[int, int, str]


def unit_text(sentences: Sequence[Sequence[tuple[str, str]]], join: str = "\n") -> tuple[str, set[Span]]:
    """Sentences -> (text: words joined by spaces, sentences by ``join``, gold character spans)."""
    lines, gold, pos = [], set(), 0
    for sentence in sentences:
        current: list | None = None
        for word, tag in sentence:
            start, end = pos, pos + len(word)
            prefix, _, kind = tag.partition("-")
            if prefix == "B" or (prefix == "I" and (current is None or current[2] != kind)):
                if current:
                    gold.add(tuple(current))
                current = [start, end, kind]
            elif prefix == "I" and current is not None:
                current[1] = end
            else:
                if current:
                    gold.add(tuple(current))
                current = None
            pos = end + 1
        if current:
            gold.add(tuple(current))
        lines.append(" ".join(w for w, _ in sentence))
    return join.join(lines), gold  # type: ignore[return-value]


def f1(tp: int, gold: int, pred: int) -> float:
    precision, recall = tp / max(1, pred), tp / max(1, gold)
    return round(200 * precision * recall / max(1e-9, precision + recall), 2)


def entities_f1(model, docs, mode: str) -> dict:
    """Span F1 of ``model`` (an :class:`~sqzdesk.engine.EntityModel`) on ``docs``: ``doc`` (a sentence a
    line), ``sent`` (each sentence alone) or ``prose`` (a document's sentences joined by spaces) mode."""
    tp = n_gold = n_pred = 0
    for doc in docs:
        for unit in ([[s] for s in doc] if mode == "sent" else [doc]):
            text, gold = unit_text(unit, " " if mode == "prose" else "\n")
            pred = {(e.start, e.end, e.label) for e in model.analyze(text)}
            tp, n_gold, n_pred = tp + len(gold & pred), n_gold + len(gold), n_pred + len(pred)
    return {"f1": f1(tp, n_gold, n_pred), "tp": tp, "gold": n_gold, "pred": n_pred}


def sentiment_accuracy(model, examples) -> dict:
    """Document-rule accuracy of ``model`` (a :class:`~sqzdesk.engine.SentimentModel`) on ``examples``."""
    from sqzdesk.modelbuild.sentiment_data import LABELS

    hits: dict[str, list[int]] = {"accuracy": [], "accuracy_sst2": [], "accuracy_reviews": []}
    for ex in examples:
        doc = model.analyze(ex.text).overall
        ok = int(doc is not None and doc.label == LABELS[ex.label])
        hits["accuracy"].append(ok)
        hits["accuracy_sst2" if ex.source == "sst2" else "accuracy_reviews"].append(ok)
    return {k: round(100 * sum(v) / max(1, len(v)), 2) for k, v in hits.items()}


def evaluate_bundle(task: str, path: Path, data: Path, threads: int = 2, modes: str = "doc,sent",
                    runs: Path | None = None) -> dict:
    """The engine-level figures of the bundle at ``path`` (see the module docstring)."""
    from sqzdesk.engine import EntityModel, SentimentModel
    from sqzdesk.engine.bundle import load_bundle

    bundle = load_bundle(path)
    result: dict = {}
    if task == "entities":
        model = EntityModel(bundle, threads=threads)
        docs = read_conll(data / "conll2003" / "valid.txt")
        for mode in modes.split(","):
            if mode == "wiki":
                result[mode] = entities_f1(model, silver_articles(runs), "prose")
            else:
                result[mode] = entities_f1(model, docs, mode)
            print(mode, result[mode], flush=True)
    elif task == "sentiment":
        from sqzdesk.modelbuild import sentiment_data

        _, val = sentiment_data.load(data)
        result.update(sentiment_accuracy(SentimentModel(bundle, threads=threads), val))
    elif task == "qa":
        from sqzdesk.engine import QAModel
        from sqzdesk.modelbuild import qa_data

        _, questions = qa_data.load(data)
        result.update(qa_f1(QAModel(bundle, threads=threads), questions))
    else:
        raise SystemExit(f"engine-eval measures entities, sentiment and qa bundles, not {task}")
    return result


def silver_articles(runs: Path | None) -> list:
    """The held-out silver articles that training scores as ``silver_f1``, with the teacher's labels put into
    CoNLL's convention (:func:`~sqzdesk.modelbuild.silver.conll_convention`), as the engine cuts names."""
    from sqzdesk.modelbuild.entities_data import SILVER_VAL_DOCS
    from sqzdesk.modelbuild.silver import conll_convention, read_silver

    path = (runs or Path()) / "silver" / "silver.jsonl"
    if not path.is_file():
        raise SystemExit(f"no silver data at {path}: run `python -m sqzdesk.modelbuild silver --runs RUNS` first")
    return [[conll_convention(s) for s in doc] for doc in read_silver(path)[1][:SILVER_VAL_DOCS]]


def qa_f1(model, questions: Sequence) -> dict:
    """F1 / EM (percent) of the top answer as `sqzdesk ask` gives it: windows ranked and read by the engine,
    the bundle's own no-answer threshold (no answer: ""), as many questions a call as `ask --stdin` batches.

    Also what the threshold costs, per source: F1 without it, and the share of answerable questions it
    leaves unanswered (the threshold only filters the ranked spans, so one pass at threshold 0 gives both).
    """
    from collections import defaultdict

    from sqzdesk.engine.qa import PAIRS_PER_CALL
    from sqzdesk.modelbuild.qa_data import question_scores

    threshold = model.threshold
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i in range(0, len(questions), PAIRS_PER_CALL):
        chunk = questions[i:i + PAIRS_PER_CALL]
        got = model.ask_many([(e.question, e.context) for e in chunk], top_k=1, threshold=0.0)
        for ex, answers in zip(chunk, got, strict=True):
            best = answers[0].text.strip() if answers else ""
            kept = best if answers and answers[0].score >= threshold else ""
            f1, em = question_scores(ex, kept)
            f1_without = question_scores(ex, best)[0]
            for key in ("all", ex.source):
                row = rows[key]
                row["n"] += 1
                row["f1"] += f1
                row["em"] += em
                row["f1_without_threshold"] += f1_without
                if ex.answers:
                    row["answerable"] += 1
                    row["withheld"] += float(bool(best) and not kept)

    def pct(row: dict[str, float], key: str, of: str = "n") -> float:
        return round(100 * row[key] / max(1.0, row[of]), 2)

    every = rows.pop("all", defaultdict(float))
    return {"f1": pct(every, "f1"), "em": pct(every, "em"), "questions": int(every["n"]),
            "f1_without_threshold": pct(every, "f1_without_threshold"), "no_answer_threshold": threshold,
            "by_source": {source: {"questions": int(row["n"]), "f1": pct(row, "f1"),
                                   "f1_without_threshold": pct(row, "f1_without_threshold"),
                                   "answerable_withheld": pct(row, "withheld", "answerable")}
                          for source, row in sorted(rows.items())}}


def run_engine_eval(args: argparse.Namespace) -> dict:
    path = args.bundle or Path("assets/models") / args.task
    result = {"bundle": str(path), "task": args.task,
              **evaluate_bundle(args.task, path, args.data, args.threads, args.modes, args.runs)}
    print(json.dumps(result, indent=2))
    return result
