"""Knowledge distillation loss shared by every task's grouping phase."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def kd_loss(student: torch.Tensor, teacher: torch.Tensor, temperature: float,
            keep: torch.Tensor | None = None) -> torch.Tensor:
    """KL(teacher || student) at temperature T, scaled by T^2; ``keep`` selects rows (e.g. real tokens)."""
    if keep is not None:
        student, teacher = student[keep], teacher[keep]
    T = temperature
    return F.kl_div(F.log_softmax(student / T, -1), F.softmax(teacher / T, -1), reduction="batchmean") * T * T


def mix(ce: torch.Tensor, kd: torch.Tensor | None, kd_weight: float) -> torch.Tensor:
    return ce if kd is None else (1 - kd_weight) * ce + kd_weight * kd
