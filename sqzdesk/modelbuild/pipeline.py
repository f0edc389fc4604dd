"""The steps behind ``python -m sqzdesk.modelbuild``; each reads what the previous one left in ``runs/``."""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqzdesk.modelbuild.trainer import Task, TrainConfig, setup_logging, train
from sqzdesk.modelbuild.transplant import Groups


def run_dir(args: argparse.Namespace, groups: int) -> Path:
    return args.runs / f"{args.task}-g{groups}"


class ModelTask(Task, Protocol):
    """A task as the steps use it: what the training loop needs, plus validation predictions and their score.
    Predictions are task-specific (labels, tag sequences, answer spans): ``score`` takes what ``predict`` gave."""

    def predict(self, model: Any) -> Sequence[Any]:  # model: a torch module or an ORT-backed model
        ...

    def score(self, preds: Sequence[Any]) -> dict[str, float]: ...


@dataclass(frozen=True)
class TaskSpec:
    """Everything task-specific the generic steps need, including the settings the shipped bundle used."""

    model_cls: type
    load: Callable[[Path, Path], tuple]  # (data dir, runs dir) -> (train, validation)
    make_task: Callable[..., ModelTask]  # (train, validation, teacher=None) -> task
    labels: tuple[str, ...]
    metric: str  # the validation number that decides (groups, int8 parity)
    finetune: dict = field(default_factory=dict)  # epochs, lr, batch_size
    group: dict = field(default_factory=dict)  # empty: `build` runs no grouping step (QA: see distil-grouped)

    @property
    def config_extra(self) -> dict:
        if not self.labels:
            return {"num_labels": 2}
        return {"num_labels": len(self.labels), "id2label": dict(enumerate(self.labels)),
                "label2id": {v: k for k, v in enumerate(self.labels)}}


def task_spec(task: str) -> TaskSpec:
    """Every model takes the ``case_ids`` input (:mod:`sqzdesk.modelbuild.cased`). Entities (3 epochs) and QA
    (2 full epochs) train in bfloat16 autocast, sentiment (3 epochs at lr 5e-5, which beat 8e-5 in two runs) in
    fp32; every run is scored every half epoch (the best point is kept). Sentiment's groups=4 student is made
    apart (``distil-grouped``): the one-epoch grouping step lost 3.5 points and never shipped."""
    from sqzdesk.modelbuild import cased

    if task == "sentiment":
        from sqzdesk.modelbuild import sentiment_data
        from sqzdesk.modelbuild.sentiment_task import SentimentTask

        def load_sentiment(data: Path, runs: Path | None = None) -> tuple:
            return sentiment_data.load(data)

        return TaskSpec(cased.CasedSqueezeBertForSequenceClassification, load_sentiment, SentimentTask,
                        sentiment_data.LABELS, "accuracy",
                        {"epochs": 3.0, "lr": 5e-5, "batch_size": 32, "bf16": False, "eval_every": 0.5})
    if task == "entities":
        from sqzdesk.modelbuild import entities_data
        from sqzdesk.modelbuild.entities_task import EntitiesTask

        def load_entities(data: Path, runs: Path | None = None) -> tuple:
            return entities_data.load(data, runs=runs)  # runs: the silver file, when made

        return TaskSpec(cased.CasedSqueezeBertForTokenClassification, load_entities, EntitiesTask,
                        entities_data.LABELS, "f1",
                        {"epochs": 3.0, "lr": 1e-4, "batch_size": 16, "bf16": True, "eval_every": 0.5},
                        {"epochs": 3.0, "lr": 8e-5, "batch_size": 16})
    if task == "qa":
        from sqzdesk.modelbuild import qa_data
        from sqzdesk.modelbuild.qa_task import QATask

        def load_qa(data: Path, runs: Path | None = None) -> tuple:
            return qa_data.load(data)

        return TaskSpec(cased.CasedSqueezeBertForQuestionAnswering, load_qa, QATask, (), "f1",
                        {"epochs": 2.0, "lr": 1e-4, "batch_size": 32, "bf16": True, "eval_every": 0.5})
    raise SystemExit(f"unknown task {task}")


def _settings(args: argparse.Namespace, defaults: dict) -> dict:
    """The task's defaults, overridden by what the command line gave explicitly."""
    return {k: getattr(args, k, None) if getattr(args, k, None) is not None else v for k, v in defaults.items()}


def device_of(args: argparse.Namespace) -> str:
    """Where a step trains and scores (``--device``; CPU when the step has no such option)."""
    return getattr(args, "device", None) or "cpu"


def finetune(args: argparse.Namespace):
    from sqzdesk.modelbuild.transplant import transplant

    spec = task_spec(args.task)
    if args.task == "entities" and not (args.runs / "silver" / "silver.jsonl").exists():
        raise SystemExit("entities train on silver Wikipedia too: run `python -m sqzdesk.modelbuild silver` "
                         "(extra `silver`) first; `build` does")
    out = run_dir(args, 1)
    setup_logging(out)
    train_set, val_set = spec.load(args.data, args.runs)
    model = transplant(spec.model_cls, Groups(), **spec.config_extra)
    cfg = TrainConfig(run_dir=out, threads=args.threads, select=spec.metric, device=device_of(args),
                      **_settings(args, spec.finetune))
    return model, train(model, spec.make_task(train_set, val_set), cfg)


def load_run(args: argparse.Namespace, groups: int):
    """The trained model of ``runs/<task>-g<groups>``."""
    import torch

    from sqzdesk.modelbuild.transplant import squeezebert_config

    spec = task_spec(args.task)
    model = spec.model_cls(squeezebert_config(Groups.uniform(groups), **spec.config_extra))
    model.load_state_dict(torch.load(run_dir(args, groups) / "model.pt", weights_only=True, map_location="cpu"))
    return model.eval()


def group(args: argparse.Namespace):
    """Dense fine-tuned model -> off-diagonal blocks decayed to zero while distilling -> grouped model."""
    import torch

    from sqzdesk.modelbuild.grouping import OffBlockDecay, grouped_and_scored

    spec = task_spec(args.task)
    teacher = load_run(args, 1)
    student = copy.deepcopy(teacher).train()
    out = run_dir(args, args.groups)
    setup_logging(out)
    dense_dir = out / "dense"
    train_set, val_set = spec.load(args.data, args.runs)
    groups = Groups.uniform(args.groups)
    cfg = TrainConfig(run_dir=dense_dir, threads=args.threads, device=device_of(args), **_settings(args, spec.group))
    task = spec.make_task(train_set, val_set, teacher=teacher.to(cfg.device))
    train(student, task, cfg, step_hook=OffBlockDecay(student, groups))
    grouped, metrics = grouped_and_scored(student, groups, spec.model_cls, task, cfg.device)
    dense_metrics = json.loads((dense_dir / "metrics.json").read_text())
    metrics["train_minutes_this_run"] = dense_metrics.get("train_minutes_this_run")
    metrics["train_steps"] = dense_metrics.get("train_steps")
    torch.save(grouped.state_dict(), out / "model.pt")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return grouped, metrics
