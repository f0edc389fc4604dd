"""``distil-grouped``: a groups=G student of a shipped dense bundle, learnt rather than sliced.

The recipe the first grouping runs lacked (they decayed the off-diagonal blocks of an unpermuted model
with logit distillation only, and lost 7.6 points on sentiment in 28 minutes):

1. the teacher is the dense bundle itself (:mod:`sqzdesk.modelbuild.from_bundle`), so the student is
   measured against exactly what the "accurate" variant ships;
2. channels are permuted first (:mod:`sqzdesk.modelbuild.permute`, exact) so the diagonal blocks start
   with as much weight as the orders allow;
3. the student matches the teacher layer by layer (hidden states, masked MSE relative to the teacher's
   variance) besides the logits and the labels, while the off-diagonal blocks shrink to zero over the
   first ``decay_until`` of training (:class:`~sqzdesk.modelbuild.grouping.OffBlockDecay`); the rest of
   training adapts the grouped model itself;
4. the best epoch on the validation split is kept, converted to grouped convolutions exactly.

``--text-share S`` mixes unlabelled Wikipedia sentences (:mod:`sqzdesk.modelbuild.unlabelled`) into every
epoch as a share S of its batches, distilled without labels (sentiment only so far).

``--continue-from`` starts the student from a finished run's (already grouped) student, so a later session
adds epochs instead of starting over; the runs' figures are kept in ``history``.

``--student-bundle`` starts from a shipped grouped bundle instead (its int8 weights dequantized) when the
accurate bundle was retrained after it: the old student learns the new teacher's logits and the labels. Its
hidden channels were permuted for its own teacher, so the new teacher's hidden states (another order) are
not compared (``--hidden-weight 0``); there is nothing left to decay.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from sqzdesk.modelbuild.cased import takes_case
from sqzdesk.modelbuild.distill import kd_loss
from sqzdesk.modelbuild.qa_task import NEG
from sqzdesk.modelbuild.trainer import on_device


class LayerwiseDistill:
    """Wraps a task: its batches and validation, with a loss of labels + teacher logits + hidden states.

    ``texts``: unlabelled sentences mixed into every epoch as ``text_share`` of its batches (the task must
    offer ``text_batches``); on those the student copies the teacher's logits and hidden states only. Each
    epoch takes the next slice of the texts (cycling), so successive epochs see different sentences."""

    def __init__(self, task, teacher: torch.nn.Module, hidden_weight: float = 1.0, kd_weight: float = 0.5,
                 temperature: float = 2.0, texts: Sequence[str] = (), text_share: float = 0.0):
        self.task, self.teacher = task, teacher.eval()
        self.hidden_weight, self.kd_weight, self.temperature = hidden_weight, kd_weight, temperature
        if texts and not hasattr(task, "text_batches"):
            raise ValueError(f"{type(task).__name__} takes no unlabelled text")
        if not 0.0 <= text_share < 1.0:
            raise ValueError("text_share is a share of the batches: 0 <= share < 1")
        self.texts, self.text_share = list(texts), text_share if texts else 0.0

    def epoch_batches(self, epoch: int, seed: int, batch_size: int):
        batches = list(self.task.epoch_batches(epoch, seed, batch_size))
        if not self.text_share:
            return batches
        wanted = round(len(batches) * self.text_share / (1 - self.text_share)) * batch_size
        start = (epoch * wanted) % len(self.texts)
        texts = [self.texts[(start + k) % len(self.texts)] for k in range(wanted)]
        extra = self.task.text_batches(texts, batch_size, seed * 1000 + epoch)
        mixed = batches + extra
        random.Random(seed * 7919 + epoch).shuffle(mixed)
        return mixed

    def evaluate(self, model):
        return self.task.evaluate(model)

    def predict(self, model):
        return self.task.predict(model)

    def score(self, preds):
        return self.task.score(preds)

    @staticmethod
    def _run(model, batch, hidden_states: bool = True):
        kwargs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
                  "output_hidden_states": hidden_states}
        if "token_type_ids" in batch:  # question and context (QA) are told apart by their token types
            kwargs["token_type_ids"] = batch["token_type_ids"]
        if "case_ids" in batch and takes_case(model):
            kwargs["case_ids"] = batch["case_ids"]
        return model(**on_device(model, kwargs))

    def loss(self, model, batch):
        compare = bool(self.hidden_weight)  # weight 0 (--student-bundle): no hidden states kept or compared
        student = self._run(model, batch, compare)
        with torch.no_grad():
            teacher = self._run(self.teacher, batch, compare)
        hidden = self._hidden(student, teacher, batch["attention_mask"]) if compare else 0.0
        if "start_positions" in batch:  # spans (QA): start and end over the context, as QATask.loss
            return self._span_loss(student, teacher, batch) + self.hidden_weight * hidden
        logits, t_logits = student.logits, teacher.logits
        if "labels" not in batch:  # unlabelled text: the teacher's logits and hidden states only
            return kd_loss(logits, t_logits, self.temperature) + self.hidden_weight * hidden
        labels = batch["labels"]
        if logits.dim() == 3:  # tokens: only labelled positions count for labels and logits
            keep = labels.reshape(-1) != -100
            logits, t_logits = logits.reshape(-1, logits.shape[-1])[keep], t_logits.reshape(-1, t_logits.shape[-1])[keep]
            labels = labels.reshape(-1)[keep]
        ce = F.cross_entropy(logits, labels)
        kd = kd_loss(logits, t_logits, self.temperature)
        return (1 - self.kd_weight) * ce + self.kd_weight * kd + self.hidden_weight * hidden

    def _span_loss(self, student, teacher, batch) -> torch.Tensor:
        """Labels and the teacher's logits for the answer's start and end, positions outside the context
        (the question) masked out; [CLS] is the no-answer target."""
        mask = batch["context_mask"].to(student.start_logits.device)
        parts = []
        for logits, t_logits, target in ((student.start_logits, teacher.start_logits, "start_positions"),
                                         (student.end_logits, teacher.end_logits, "end_positions")):
            s, t = logits.masked_fill(~mask, NEG), t_logits.masked_fill(~mask, NEG)
            ce = F.cross_entropy(s, batch[target].to(s.device))
            parts.append((1 - self.kd_weight) * ce + self.kd_weight * kd_loss(s, t, self.temperature))
        return (parts[0] + parts[1]) / 2

    @staticmethod
    def _hidden(student, teacher, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean over layers of the masked MSE between hidden states, relative to the teacher's variance."""
        last = student.hidden_states[-1]
        mask = attention_mask.to(last.device).unsqueeze(-1).float()
        hidden = last.new_zeros(())
        for hs, ht in zip(student.hidden_states[1:], teacher.hidden_states[1:], strict=True):
            if hs.shape[1] != mask.shape[1]:  # [B, C, T] layout
                hs, ht = hs.transpose(1, 2), ht.transpose(1, 2)
            var = ((ht ** 2) * mask).sum() / (mask.sum() * ht.shape[-1])
            hidden = hidden + (((hs - ht) ** 2) * mask).sum() / (mask.sum() * ht.shape[-1]) / var
        return hidden / (len(student.hidden_states) - 1)


def teacher_from_bundle(task: str, bundle: Path):
    from sqzdesk.modelbuild.from_bundle import dequantized_weights, load_into
    from sqzdesk.modelbuild.pipeline import task_spec
    from sqzdesk.modelbuild.transplant import Groups, squeezebert_config

    spec = task_spec(task)
    model = spec.model_cls(squeezebert_config(Groups(), **spec.config_extra))
    return load_into(model, dequantized_weights(bundle / "model.onnx"))


def student_from_bundle(task: str, bundle: Path, groups: int):
    """A grouped bundle (``T-fast``) back into a grouped ``transformers`` model, its int8 weights dequantized."""
    from sqzdesk.modelbuild.from_bundle import dequantized_weights, load_into
    from sqzdesk.modelbuild.pipeline import task_spec
    from sqzdesk.modelbuild.transplant import Groups, squeezebert_config

    spec = task_spec(task)
    model = spec.model_cls(squeezebert_config(Groups.uniform(groups), **spec.config_extra))
    return load_into(model, dequantized_weights(bundle / "model.onnx"))


def _bundle_history(bundle: Path, metric: str) -> list[dict]:
    """The shipped student's own last run, from its manifest, as the first entry of ``history``."""
    from sqzdesk.engine.bundle import load_bundle

    manifest = load_bundle(bundle).manifest
    return [{"recipe": dict(manifest.build.get("recipe") or {}), "bundle": f"{manifest.name} {manifest.version}",
             metric: manifest.metrics.get(f"validation_{metric}_fp32"), "train_minutes_this_run": None}]


def distil_grouped(args: argparse.Namespace) -> dict:
    from sqzdesk.modelbuild import permute, unlabelled
    from sqzdesk.modelbuild.grouping import OffBlockDecay, grouped_and_scored
    from sqzdesk.modelbuild.pipeline import device_of, run_dir, task_spec
    from sqzdesk.modelbuild.trainer import TrainConfig, setup_logging, train
    from sqzdesk.modelbuild.transplant import Groups

    spec = task_spec(args.task)
    out = run_dir(args, args.groups)
    setup_logging(out)
    torch.set_num_threads(args.threads)
    from_bundle = getattr(args, "student_bundle", None)
    if from_bundle is not None and (args.hidden_weight or args.decay_until):
        raise SystemExit("--student-bundle: the student's channels follow its own teacher's order, so it learns "
                         "logits and labels only: give --hidden-weight 0 --decay-until 0")
    teacher = teacher_from_bundle(args.task, args.teacher or Path("assets/models") / args.task)
    if from_bundle is not None:  # an already grouped student: no permutation (logits are order-free), no decay
        p, student = None, student_from_bundle(args.task, from_bundle, args.groups).train()
    else:
        p = permute.plan(teacher, args.groups)
        permute.apply(teacher, p)
        student = copy.deepcopy(teacher).train()
    device = device_of(args)
    teacher.to(device)  # the student follows in train()
    if args.continue_from is not None:  # a finished run's student (same permutation: the plan is deterministic)
        student.load_state_dict(torch.load(args.continue_from / "dense" / "model.pt", weights_only=True,
                                           map_location="cpu"))
        previous = json.loads((args.continue_from / "metrics.json").read_text())
    train_set, val_set = spec.load(args.data, args.runs)
    texts = unlabelled.prose(args.data) if args.text_share else []
    task = LayerwiseDistill(spec.make_task(train_set, val_set), teacher, hidden_weight=args.hidden_weight,
                            texts=texts, text_share=args.text_share)
    groups = Groups.uniform(args.groups)
    dense_dir = out / "dense"
    cfg = TrainConfig(run_dir=dense_dir, threads=args.threads, epochs=args.epochs, lr=args.lr,
                      batch_size=args.batch_size, select=spec.metric, eval_every=args.eval_every,
                      bf16=args.bf16, score_from=args.decay_until, device=device)
    teacher_metrics_file = out / "teacher_metrics.json"
    if not teacher_metrics_file.exists():
        teacher_metrics_file.write_text(json.dumps(task.evaluate(teacher), indent=2))
    if from_bundle is not None:
        start_file = out / "start_metrics.json"  # the shipped student before this run, in torch fp32
        if not start_file.exists():
            start_file.write_text(json.dumps(task.evaluate(student.eval()), indent=2))
        train(student.train(), task, cfg)  # ends on the best scored point's weights
        metrics = task.evaluate(student.eval())
        grouped = student.to("cpu")
    else:
        train(student, task, cfg, step_hook=OffBlockDecay(student, groups, until=args.decay_until))
        grouped, metrics = grouped_and_scored(student, groups, spec.model_cls, task, device)
    if args.continue_from is not None:
        history = [*previous.get("history", []), {k: previous.get(k) for k in ("recipe", spec.metric,
                                                                              "train_minutes_this_run")}]
    else:
        history = _bundle_history(from_bundle, spec.metric) if from_bundle is not None else []
    dense_metrics = json.loads((dense_dir / "metrics.json").read_text())
    metrics.update({
        "history": history,
        "train_minutes_this_run": dense_metrics.get("train_minutes_this_run"),
        "train_steps": dense_metrics.get("train_steps"),
        "teacher": json.loads(teacher_metrics_file.read_text()),
        "kept_mass_before_permutation": round(float(p.kept_before), 4) if p is not None else None,
        "kept_mass_after_permutation": round(float(p.kept_after), 4) if p is not None else None,
        "recipe": {"epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
                   "hidden_weight": args.hidden_weight, "decay_until": args.decay_until,
                   "eval_every": args.eval_every, "bf16": args.bf16, "text_share": args.text_share,
                   "texts": len(texts),
                   "continued_from": str(args.continue_from) if args.continue_from is not None else None,
                   "student_bundle": str(from_bundle) if from_bundle is not None else None},
    })
    torch.save(grouped.state_dict(), out / "model.pt")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics
