"""One resumable training loop for every task.

Sessions here end after three hours and kill their jobs, so the loop checkpoints every few minutes
(model, optimizer, schedule, step) and a rerun with the same arguments continues where it stopped. The
batch order of an epoch is a pure function of (seed, epoch), which is what makes the skip-ahead exact.

With ``select`` set (the task's deciding metric), the model is scored on the validation split after every
epoch (or every ``eval_every`` of one), every score is kept in ``epochs.json``, the best weights in ``best.pt``,
and the run ends with the best scored point rather than the last: more epochs can then only help the shipped
model.

``bf16``: forward and loss under CPU autocast to bfloat16 (weights, gradients and AdamW stay fp32). On a CPU
with AMX or AVX-512 BF16 a training step takes 0.45x the fp32 time (SqueezeBERT 6x384, batch 32 x 200,
2 threads: 3.0 s vs 6.7 s), which is what makes several full QA epochs fit in a session; validation inside
the run uses it too, the exported ONNX models are scored in fp32 and int8 afterwards.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

log = logging.getLogger("sqzdesk.modelbuild")


@dataclass
class TrainConfig:
    run_dir: Path
    epochs: float = 1.0
    batch_size: int = 32
    lr: float = 8e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    seed: int = 13
    threads: int = 2
    checkpoint_every_s: float = 240.0
    log_every: int = 25
    select: str | None = None  # validation metric scored after every epoch; the best epoch is kept
    eval_every: float = 1.0  # with select: score every this fraction of an epoch too (0.5: twice per epoch)
    bf16: bool = False  # CPU autocast to bfloat16 for forward and loss
    device: str = "cpu"  # "cuda" on the GPU machine: model, batches and autocast go there; files stay CPU
    score_from: float = 0.0  # share of training before which no point is scored (a grouped student's blocks
    # are still decaying then: its dense-ish score would be kept as "best" and lost at conversion)


class Task(Protocol):
    """What the loop needs from a task; the task owns data, loss and metrics."""

    def epoch_batches(self, epoch: int, seed: int, batch_size: int) -> Sequence[dict[str, torch.Tensor]]: ...

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor: ...

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]: ...


StepHook = Callable[[torch.nn.Module, int, int], None]


def on_device(model, feeds: dict[str, Any]) -> dict[str, Any]:
    """``feeds`` where a torch ``model``'s weights are (a GPU run scores and distils with the same task
    code as a CPU one); an ONNX stand-in takes them as they are."""
    if not isinstance(model, torch.nn.Module):
        return feeds
    device = next(model.parameters()).device
    if device.type == "cpu":
        return feeds
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in feeds.items()}


def setup_logging(run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(run_dir / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root = logging.getLogger("sqzdesk.modelbuild")
    root.handlers[:] = [handler, logging.StreamHandler()]
    root.setLevel(logging.INFO)


def _linear_schedule(total: int, warmup: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def train(model: torch.nn.Module, task: Task, cfg: TrainConfig, step_hook: StepHook | None = None) -> dict:
    """Train ``model`` in place; returns the validation metrics. Resumes from ``run_dir/checkpoint.pt``."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    final = cfg.run_dir / "metrics.json"
    if final.exists() and (cfg.run_dir / "model.pt").exists():
        model.load_state_dict(torch.load(cfg.run_dir / "model.pt", weights_only=True, map_location="cpu"))
        log.info("run already finished: %s", final)
        return json.loads(final.read_text())

    device = torch.device(cfg.device)
    model.to(device)
    per_epoch = len(task.epoch_batches(0, cfg.seed, cfg.batch_size))
    total = max(1, math.ceil(per_epoch * cfg.epochs))
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "layernorm" in name.lower() else decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _linear_schedule(total, int(total * cfg.warmup)))
    step = 0
    ckpt = cfg.run_dir / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False, map_location=device)  # a run may move CPU <-> GPU
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = state["step"]
        log.info("resumed at step %d/%d", step, total)
    else:
        log.info("start: %d steps (%d per epoch), config %s", total, per_epoch,
                 {k: str(v) for k, v in asdict(cfg).items()})

    epochs_file, best_file = cfg.run_dir / "epochs.json", cfg.run_dir / "best.pt"
    history: list[dict] = json.loads(epochs_file.read_text()) if epochs_file.exists() and step else []

    def save_checkpoint() -> None:
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "step": step}, ckpt)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16)

    eval_steps = max(1, round(per_epoch * cfg.eval_every))

    def score_point() -> None:
        """At an epoch's end (or every ``eval_every``): score, remember, keep the best weights; a checkpoint
        so a kill never repeats an evaluation."""
        if cfg.select is None or any(h["step"] == step for h in history) or step < cfg.score_from * total:
            return
        model.eval()
        with autocast():
            metrics = task.evaluate(model)
        model.train()
        best = max((h[cfg.select] for h in history), default=None)
        history.append({"epoch": round(step / per_epoch, 2), "step": step, **metrics})
        log.info("epoch %.2f validation: %s", step / per_epoch, metrics)
        if best is None or metrics[cfg.select] > best:
            torch.save(model.state_dict(), best_file)
        epochs_file.write_text(json.dumps(history, indent=2))
        save_checkpoint()

    model.train()
    last_save, started, running = time.monotonic(), time.monotonic(), 0.0
    tokens = 0
    while step < total:
        epoch, index = divmod(step, per_epoch)
        batches = task.epoch_batches(epoch, cfg.seed, cfg.batch_size)
        if index >= len(batches):
            # an epoch may hold fewer batches than epoch 0 (entities: a smaller silver slice); its end is
            # the epoch's end: the schedule moves on to the next boundary and the epoch is scored there
            skipped = min(total, (epoch + 1) * per_epoch) - step
            for _ in range(skipped):
                sched.step()
            step += skipped
            score_point()
            continue
        for batch in batches[index:]:
            if step >= total:
                break
            if step_hook:
                step_hook(model, step, total)
            batch = on_device(model, batch)
            with autocast():
                loss = task.loss(model, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            tokens += int(batch["attention_mask"].sum())
            value = loss.item()
            running = 0.98 * running + 0.02 * value if running else value
            if step % cfg.log_every == 0:
                rate = tokens / (time.monotonic() - started)
                log.info("step %d/%d loss %.4f lr %.2e %.0f tok/s", step, total, running,
                         sched.get_last_lr()[0], rate)
            if step % per_epoch == 0 or step == total:
                score_point()
                last_save = time.monotonic()
                break  # the next epoch starts at its own first batch, even if this one held more
            in_epoch = step - epoch * per_epoch
            if in_epoch % eval_steps == 0 and in_epoch + eval_steps <= per_epoch:  # not just before the end
                score_point()
                last_save = time.monotonic()
            if time.monotonic() - last_save > cfg.checkpoint_every_s:
                save_checkpoint()
                last_save = time.monotonic()
    if step_hook:
        step_hook(model, total, total)
    model.eval()
    if cfg.select is not None and history:
        score_point()
        chosen = max(history, key=lambda h: h[cfg.select])
        model.load_state_dict(torch.load(best_file, weights_only=True, map_location=device))
        metrics = {k: v for k, v in chosen.items() if k not in ("step",)}
        metrics["epochs_scored"] = [h[cfg.select] for h in history]
        log.info("best epoch %.2f of %d scored", chosen["epoch"], len(history))
    else:
        metrics = task.evaluate(model)
    metrics["train_steps"] = total
    metrics["train_minutes_this_run"] = round((time.monotonic() - started) / 60, 1)
    log.info("validation: %s", metrics)
    model.to("cpu")  # what comes after (grouping, export) runs on the CPU, and the file loads anywhere
    torch.save(model.state_dict(), cfg.run_dir / "model.pt")
    final.write_text(json.dumps(metrics, indent=2))
    ckpt.unlink(missing_ok=True)
    return metrics
