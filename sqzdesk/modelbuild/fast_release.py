"""The "fast" variant of a task: its groups=4 student exported, checked and bundled beside the accurate one.

``python -m sqzdesk.modelbuild fast --task T`` takes ``runs/T-g4`` (from ``distil-grouped``), exports it as
:func:`sqzdesk.modelbuild.release.export` does (fp32, int8 per-tensor: grouped weights are 3-D), scores
both on the same validation split as the accurate bundle and times the two int8 bundles interleaved in one
run. It writes ``assets/models/T-fast`` only when the student is within :data:`MAX_FAST_COST` points of the
accurate bundle on that split (int8 against int8, as users run them); otherwise it prints the figures and
writes nothing, so the card of the accurate bundle is where a failed attempt is recorded. Both manifests
get the measured ``speed`` (same machine, same run), which Settings -> Models and ``sqzdesk models`` show.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from sqzdesk.engine.manifest import Speed, Variant
from sqzdesk.modelbuild.cpu import cpu_info
from sqzdesk.modelbuild.export import export_fp32, op_counts, quantize_int8
from sqzdesk.modelbuild.ort_model import OrtModel
from sqzdesk.modelbuild.pipeline import load_run, task_spec

MAX_FAST_COST = 2.0  # validation points the fast variant may lose against its accurate sibling (issue 18)
SPEED_THREADS = 2


def card(task: str, facts: dict) -> str:
    from sqzdesk.modelbuild.release import TASK_TEXT

    acc, metric, r = facts["accurate"], facts["metric"], facts["recipe"]
    files = ", ".join(f"`{f}`" for f in TASK_TEXT[task]["files"])
    # the accurate bundle scored in the same run, on this CPU (its card's figures may come from another CPU
    # class: int8 kernels round differently with and without VNNI), as the rule below compares
    now = facts.get("accurate_int8_now", {})
    rows = "\n".join(f"| {k} | {facts['fast_fp32'].get(k, '')} | {facts['fast_int8'].get(k, '')} | "
                      f"{now.get(k, acc['metrics'].get(f'validation_{k}_int8', ''))} |" for k in facts["fast_int8"])
    return f"""# sqzdesk-{task}-fast

The **fast** variant of the `{task}` bundle: the same task, labels and settings as `assets/models/{task}`,
with SqueezeBERT's grouped convolutions (groups=4 for q, k, v, the FFN intermediate and output;
post-attention dense), int8 per-tensor, run by ONNX Runtime. Choose it in Settings -> Models or with
`--variant fast`. Built {date.today().isoformat()}.

## How it was made (`python -m sqzdesk.modelbuild distil-grouped --task {task}` then `... fast --task {task}`)
- Data: the accurate bundle's, from `../shared/data` ({files}), with its validation split; runs with a text
  share (below) also read unlabelled Wikipedia sentences (WikiText-2 in `text/wikitext2`, CC BY-SA 3.0, and
  the silver set's lead sections, CC BY-SA 4.0, without its validation articles: `modelbuild/unlabelled.py`).
- Teacher: the accurate bundle itself, its int8 weights dequantized to fp32 (`modelbuild/from_bundle.py`;
  validation {metric} {facts['teacher'].get(metric)} in torch fp32).
{student_text(facts)}
  Batch {r['batch_size']}, AdamW, 6% warmup, linear decay, 2 shared CPU cores. The runs, each continuing the one
  before (the student's validation {metric} in fp32 after each): {runs_text(facts)}.
- Export: the project's graph builder (grouped 1x1 convolutions: {facts.get('grouped_layers', 'one MatMul per group')}),
  dynamic int8 (MatMulInteger), 4-bit word embeddings. Ops: {facts['int8_ops']}.

## Validation (the accurate bundle's split: {facts['validation_size']} examples)

| | fast fp32 | fast int8 (shipped) | accurate int8 (same run) |
|---|---|---|---|
{rows}

Rule: shipped only within {MAX_FAST_COST} points of `{metric}` of the accurate bundle (int8 vs int8):
{facts['cost']} points.

## Size and speed
- model.onnx: {facts['size_mb']} MB (accurate: {acc['size_mb']} MB).
- Batch 8 x 128 tokens, {threads_text(facts)}, interleaved in one run on `{facts['cpu']}` ({facts['cpu_class']}):
  fast {facts['ms']['fast']} ms, accurate {facts['ms']['accurate']} ms ({facts['speedup']}x). Grouping cuts the
  1x1 convolutions' multiply-adds by 4; where int8 MatMuls are cheap (VNNI/AMX) the rest of the encoder
  dominates and the gain is small; on AVX2-only CPUs, where int8 is no faster than fp32, it is larger
  (`bench/models.py` prints both classes' figures).

## What was tried
{facts['tried']}
"""


def build_fast(args: argparse.Namespace) -> dict:
    from sqzdesk.engine.bundle import load_bundle
    from sqzdesk.modelbuild.bundle_writer import write_bundle
    from sqzdesk.modelbuild.minilm import tokenizer_path
    from sqzdesk.modelbuild.release import (
        BUNDLE_NAME,
        BUNDLE_VERSION,
        MAX_LENGTH,
        _flat,
        _task_params,
        agreement_pct,
        interleaved_ms,
    )

    spec = task_spec(args.task)
    accurate_dir = args.out / args.task
    accurate = load_bundle(accurate_dir)
    run = args.runs / f"{args.task}-g4"
    run_metrics = json.loads((run / "metrics.json").read_text())
    model = load_run(args, 4)
    out = args.runs / f"{args.task}-fast-export"
    out.mkdir(parents=True, exist_ok=True)
    fp32, int8 = out / "model.fp32.onnx", out / "model.int8.onnx"
    encoder = export_fp32(model, fp32, split_groups=args.split_groups)
    quantize_int8(fp32, int8)
    ops = op_counts(int8)
    if ops.get("ConvInteger") or not ops.get("MatMulInteger"):
        raise SystemExit(f"int8 graph is not MatMulInteger-based: {ops}")
    _, val = spec.load(args.data, args.runs)
    task = spec.make_task([], val)
    m32 = task.score(task.predict(OrtModel(fp32, args.threads)))
    pred8 = task.predict(OrtModel(int8, args.threads))
    m8 = task.score(pred8)
    acc_pred = task.predict(OrtModel(accurate.file("model"), args.threads))
    acc8 = task.score(acc_pred)
    metric = spec.metric
    cost = round(acc8[metric] - m8[metric], 2)
    threads_speed = getattr(args, "speed_threads", None) or SPEED_THREADS
    ms = interleaved_ms({"fast": int8, "accurate": accurate.file("model")}, threads_speed, rounds=15)
    name, _, cls = cpu_info()
    facts = {
        "metric": metric, "fast_fp32": m32, "fast_int8": m8, "accurate_int8_now": acc8, "cost": cost,
        "teacher": run_metrics.get("teacher", {}),
        "kept_mass_before_permutation": run_metrics.get("kept_mass_before_permutation"),
        "kept_mass_after_permutation": run_metrics.get("kept_mass_after_permutation"),
        "recipe": run_metrics.get("recipe", {}), "train_minutes": run_metrics.get("train_minutes_this_run"),
        "history": run_metrics.get("history", []),
        "grouped_layers": "one MatMul per group" if args.split_groups else "batched over a group axis",
        "int8_ops": {k: v for k, v in ops.items() if "Integer" in k or "Quantize" in k},
        "validation_size": len(val), "size_mb": round(int8.stat().st_size / 1e6, 1), "ms": ms,
        "speedup": round(ms["accurate"] / ms["fast"], 2), "cpu": name, "cpu_class": cls, "threads": threads_speed,
        "accurate": {"metrics": accurate.manifest.metrics,
                     "size_mb": round(accurate.file("model").stat().st_size / 1e6, 1)},
        "tried": getattr(args, "tried", "") or TRIED_ELSEWHERE,
    }
    (out / "facts.json").write_text(json.dumps(facts, indent=2))
    print(json.dumps({k: v for k, v in facts.items() if k != "accurate"}, indent=2), flush=True)
    if cost > MAX_FAST_COST:
        print(f"fast variant loses {cost} points of {metric} (limit {MAX_FAST_COST}): not bundled")
        record_attempt(accurate_dir, attempt_text(args.task, facts, shipped=False), Speed(ms["accurate"], threads_speed, cls))
        return facts
    path = write_bundle(
        args.out / f"{args.task}-fast", name=f"{BUNDLE_NAME[args.task]}-fast", version=BUNDLE_VERSION[args.task],
        task=args.task, architecture=encoder.as_dict(), labels=list(spec.labels),
        max_length=MAX_LENGTH[args.task], model_file=int8, tokenizer_file=tokenizer_path(),
        card=card(args.task, facts), quantization="int8-dynamic",
        metrics={f"validation_{metric}_int8": m8[metric], f"validation_{metric}_fp32": m32[metric],
                 **{f"validation_{k}_int8": v for k, v in m8.items() if k != metric},
                 "int8_agreement_with_accurate": agreement_pct(_flat(pred8), _flat(acc_pred))},
        build={"command": f"python -m sqzdesk.modelbuild distil-grouped --task {args.task} && "
                          f"python -m sqzdesk.modelbuild fast --task {args.task}",
               "teacher": str(accurate_dir), "groups": 4, "recipe": facts["recipe"],
               "grouped_layers": facts["grouped_layers"], "date": date.today().isoformat()},
        task_params=dict(accurate.manifest.task_params) or _task_params(args.task, facts),
        inputs=list(encoder.inputs) if "case_ids" in encoder.inputs else None,
        variant=Variant.FAST, speed=Speed(ms["fast"], threads_speed, cls))
    # the accurate sibling gets the figure measured in the same run and a pointer in its card (model untouched)
    record_attempt(accurate_dir, attempt_text(args.task, facts, shipped=True), Speed(ms["accurate"], threads_speed, cls))
    print(path)
    return facts


def threads_text(facts: dict) -> str:
    """``2 threads`` / ``1 thread``: what the speeds were timed with (facts of older runs: the default)."""
    from sqzdesk.engine.speed import threads_text as text

    return text(facts.get("threads") or SPEED_THREADS)


SECTION = "## Fast variant (groups=4)"
TRIED_ELSEWHERE = "(see the accurate bundle's card)"


def student_text(facts: dict) -> str:
    """How the student began: the permuted teacher (a run from scratch) or a shipped grouped bundle
    (``distil-grouped --student-bundle``, after the accurate bundle was retrained)."""
    r = facts["recipe"]
    if r.get("student_bundle"):
        first = (facts.get("history") or [{}])[0]
        return f"""- Student: the fast bundle shipped before, `{first.get('bundle', r['student_bundle'])}` (its own runs are
  the first ones below and under "What was tried"), its int8 weights dequantized to fp32. Its hidden channels
  were permuted for its own teacher, so it learnt this teacher's logits (KL, T=2, weight 0.5) and the labels
  (CE, 0.5) only; its blocks were already zero."""
    return f"""- Channels permuted first, exactly (`modelbuild/permute.py`: hidden channels, heads and FFN neurons
  reassigned by balanced assignments so the four diagonal blocks hold the most weight): normalised weight
  mass inside the blocks {facts['kept_mass_before_permutation']} -> {facts['kept_mass_after_permutation']}.
- Student = the permuted teacher; its off-diagonal blocks shrink linearly to zero at the start of training
  (the first run below says over which share) while it matches the teacher's hidden states layer by layer (masked MSE over the
  teacher's variance, weight {r['hidden_weight']}) besides 0.5 CE on the labels + 0.5 KL to the teacher's logits
  (T=2); the rest of training adapts the grouped model; then converted to grouped convolutions exactly."""


def runs_text(facts: dict) -> str:
    """Every distil-grouped run behind the student, oldest first: epochs, lr, unlabelled share, minutes, figure."""
    metric = facts["metric"]
    runs = [*facts.get("history", []), {"recipe": facts["recipe"], metric: facts["fast_fp32"][metric],
                                        "train_minutes_this_run": facts.get("train_minutes")}]

    def one(h: dict) -> str:
        r = h.get("recipe") or {}
        texts = (f", {round(100 * r['text_share'])}% of the batches unlabelled Wikipedia sentences"
                 if r.get("text_share") else "")
        if r.get("student_bundle"):
            return (f"{r.get('epochs')} epoch(s) more at lr {r.get('lr')} on this teacher's logits and the labels"
                    f"{texts} ({h.get('train_minutes_this_run')} min): {h.get(metric)}")
        if h.get("bundle"):  # the shipped student a --student-bundle run started from (its last run)
            return f"... then shipped as {h['bundle']}: {h.get(metric)}"
        more = " more" if r.get("continued_from") else ""
        decay = f", blocks decayed over the first {round(100 * r['decay_until'])}%" if r.get("decay_until") else ""
        return (f"{r.get('epochs')} epoch(s){more} at lr {r.get('lr')}{decay}{texts} "
                f"({h.get('train_minutes_this_run')} min): {h.get(metric)}")
    return "; ".join(one(h) for h in runs)


def attempt_text(task: str, facts: dict, shipped: bool) -> str:
    """The accurate card's record of a fast-variant build: the figures, shipped or not."""
    import textwrap

    metric = facts["metric"]
    tried = runs_text(facts)
    verdict = (f"shipped as `assets/models/{task}-fast`" if shipped else
               f"not shipped: it loses {facts['cost']} points, more than the {MAX_FAST_COST} allowed")
    first = (facts.get("history") or [{}])[0]
    how = (f"student: the fast bundle shipped before ({first.get('bundle')}), taught this bundle's logits and "
           f"the labels" if facts["recipe"].get("student_bundle") else
           f"channels permuted so the diagonal blocks hold {facts['kept_mass_after_permutation']} of the "
           f"normalised weight mass instead of {facts['kept_mass_before_permutation']}; layer-by-layer "
           f"distillation while the off-diagonal blocks decay")
    body = (f"Built {date.today().isoformat()} by `python -m sqzdesk.modelbuild distil-grouped --task {task}` "
            f"and `python -m sqzdesk.modelbuild fast --task {task}` (teacher: this bundle; {how}; "
            f"`sqzdesk/modelbuild/grouped.py`): {verdict}. Validation `{metric}` on "
            f"this bundle's split, int8 against int8: fast {facts['fast_int8'][metric]} (its fp32 export "
            f"{facts['fast_fp32'][metric]}), this bundle {facts['accurate_int8_now'][metric]}. The grouped "
            f"student's `{metric}` (fp32) after each run, each continuing the one before: {tried}. Speed, "
            f"batch 8 x 128, {threads_text(facts)}, interleaved in one run on {facts['cpu_class']}: fast "
            f"{facts['ms']['fast']} ms, this bundle {facts['ms']['accurate']} ms; size {facts['size_mb']} MB "
            f"vs {facts['accurate']['size_mb']} MB.")
    if facts.get("tried", TRIED_ELSEWHERE) != TRIED_ELSEWHERE:  # `fast --tried`: what came before these runs
        body += f" Earlier: {facts['tried']}"
    return SECTION + "\n" + textwrap.fill(body, 110) + "\n"


def record_attempt(bundle_dir: Path, text: str, speed: Speed | None = None) -> None:
    """Put ``text`` in the bundle's card (replacing an earlier fast-variant section), the measured speed (if
    any) in its manifest, and re-hash the card; the model file is untouched and the bundle is loaded back as
    a check."""
    from sqzdesk.modelbuild.bundle_writer import amend_bundle

    amend_bundle(bundle_dir, speed=speed, card_section=(SECTION, text))
