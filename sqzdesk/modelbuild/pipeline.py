"""The steps behind ``python -m sqzdesk.modelbuild``; each reads what the previous one left in ``runs/``."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

from sqzdesk.modelbuild.trainer import TrainConfig, setup_logging, train
from sqzdesk.modelbuild.transplant import Groups


def run_dir(args: argparse.Namespace, groups: int) -> Path:
    return args.runs / f"{args.task}-g{groups}"


def _task_spec(task: str):
    """(model class, data loader, task factory, extra config) for a task."""
    if task == "sentiment":
        from transformers import SqueezeBertForSequenceClassification

        from sqzdesk.modelbuild import sentiment_data
        from sqzdesk.modelbuild.sentiment_task import SentimentTask

        labels = sentiment_data.LABELS
        extra = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
                 "label2id": {v: k for k, v in enumerate(labels)}}
        return SqueezeBertForSequenceClassification, sentiment_data.load, SentimentTask, extra
    raise SystemExit(f"unknown task {task}")


def finetune(args: argparse.Namespace):
    from sqzdesk.modelbuild.transplant import transplant

    model_cls, load, make_task, extra = _task_spec(args.task)
    out = run_dir(args, 1)
    setup_logging(out)
    train_set, val_set = load(args.data)
    model = transplant(model_cls, Groups(), **extra)
    cfg = TrainConfig(run_dir=out, epochs=args.epochs, lr=args.lr, threads=args.threads)
    return model, train(model, make_task(train_set, val_set), cfg)


def load_run(args: argparse.Namespace, groups: int):
    """The trained model of ``runs/<task>-g<groups>``."""
    import torch

    from sqzdesk.modelbuild.transplant import squeezebert_config

    model_cls, _, _, extra = _task_spec(args.task)
    model = model_cls(squeezebert_config(Groups.uniform(groups), **extra))
    model.load_state_dict(torch.load(run_dir(args, groups) / "model.pt", weights_only=True))
    return model.eval()


def group(args: argparse.Namespace):
    """Dense fine-tuned model -> off-diagonal blocks decayed to zero while distilling -> grouped model."""
    import torch

    from sqzdesk.modelbuild.grouping import OffBlockDecay, to_grouped

    model_cls, load, make_task, _ = _task_spec(args.task)
    teacher = load_run(args, 1)
    student = copy.deepcopy(teacher).train()
    out = run_dir(args, args.groups)
    setup_logging(out)
    dense_dir = out / "dense"
    train_set, val_set = load(args.data)
    groups = Groups.uniform(args.groups)
    cfg = TrainConfig(run_dir=dense_dir, epochs=args.epochs, lr=args.lr, threads=args.threads)
    train(student, make_task(train_set, val_set, teacher=teacher), cfg, step_hook=OffBlockDecay(student, groups))
    grouped = to_grouped(student, groups, model_cls)
    task = make_task([], val_set)
    metrics = task.evaluate(grouped)
    torch.save(grouped.state_dict(), out / "model.pt")
    (out / "metrics.json").write_text(__import__("json").dumps(metrics, indent=2))
    return grouped, metrics


def run(args: argparse.Namespace) -> int:
    if args.step == "finetune":
        finetune(args)
    elif args.step == "group":
        group(args)
    else:
        from sqzdesk.modelbuild import release

        return release.run(args)
    return 0
