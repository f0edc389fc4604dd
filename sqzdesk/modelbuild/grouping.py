"""Reach grouped convolutions by learning, not slicing.

Slicing a dense layer to its block-diagonal part wrecks the model (cosine to the original ~0.1-0.2),
so the off-diagonal blocks are shrunk to zero gradually while the model keeps training (with the dense
model as teacher). Once they are exactly zero the dense model *is* a grouped one, and
:func:`to_grouped` converts it without changing a single output.
"""

from __future__ import annotations

import copy

import torch

from sqzdesk.modelbuild.transplant import GROUPED, Groups, block_diagonal


def _grouped_weights(model: torch.nn.Module, groups: Groups):
    for name, module in model.named_modules():
        for sub in GROUPED:
            if name.endswith(sub) and isinstance(module, torch.nn.Conv1d):
                g = groups.of(sub)
                if g > 1:
                    yield module.weight, g


def off_block_mask(weight: torch.Tensor, groups: int) -> torch.Tensor:
    out_c, in_c = weight.shape[0], weight.shape[1]
    mask = torch.ones(out_c, in_c, 1, dtype=weight.dtype)
    og, ig = out_c // groups, in_c // groups
    for j in range(groups):
        mask[j * og:(j + 1) * og, j * ig:(j + 1) * ig] = 0
    return mask


class OffBlockDecay:
    """Step hook: scale off-diagonal blocks by a factor falling linearly 1 -> 0 over ``until`` of training."""

    def __init__(self, model: torch.nn.Module, groups: Groups, until: float = 0.6):
        self.until = until
        self.params = [(w, off_block_mask(w, g)) for w, g in _grouped_weights(model, groups)]
        self._last: float | None = None

    def factor(self, step: int, total: int) -> float:
        return max(0.0, 1.0 - step / max(1.0, self.until * total))

    def __call__(self, model: torch.nn.Module, step: int, total: int) -> None:
        new = self.factor(step, total)
        if self._last is None:  # first call, possibly after a resume: weights already carry factor(step-1)
            self._last = self.factor(step - 1, total) if step > 0 else 1.0
        ratio = 0.0 if new == 0.0 or self._last == 0.0 else new / self._last
        with torch.no_grad():
            for k, (w, mask) in enumerate(self.params):
                if mask.device != w.device:  # the trainer moved the model (GPU): the mask follows once
                    mask = mask.to(w.device)
                    self.params[k] = (w, mask)
                w.mul_(1 - mask + mask * ratio)
        self._last = new


def to_grouped(dense: torch.nn.Module, groups: Groups, model_cls) -> torch.nn.Module:
    """Build the grouped twin of a dense model whose off-diagonal blocks are zero."""
    config = copy.deepcopy(dense.config)
    for key, value in groups.as_dict().items():
        setattr(config, f"{key}_groups", value)
    grouped = model_cls(config)
    state = {}
    for name, tensor in dense.state_dict().items():
        sub = next((s for s in GROUPED if f".{s}.weight" in name), None)
        g = groups.of(sub) if sub else 1
        state[name] = block_diagonal(tensor, g) if g > 1 and name.endswith("weight") else tensor
    grouped.load_state_dict(state)
    return grouped.eval()


def grouped_and_scored(dense: torch.nn.Module, groups: Groups, model_cls, task, device: str = "cpu"):
    """The grouped twin of a trained student, scored on the task's validation where training ran (the GPU,
    if any), and handed back on the CPU, where checkpoints are saved and exports are made."""
    grouped = to_grouped(dense, groups, model_cls)
    metrics = task.evaluate(grouped.to(device))
    return grouped.to("cpu"), metrics
