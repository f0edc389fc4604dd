"""Permute a dense SqueezeBERT's channels so its block diagonals carry as much weight as possible.

A grouped 1x1 convolution with G groups keeps only the G diagonal blocks of the dense weight. Which
weights land in those blocks depends on the order of the channels, and that order is free: permuting the
hidden (residual-stream) channels everywhere at once — embedding columns, every LayerNorm's parameters,
the input side of every layer that reads the stream and the output side of every layer that writes it —
changes no output, nor does permuting a layer's FFN neurons (intermediate outputs with the output layer's
inputs) or its attention heads (q, k, v outputs together with the post-attention inputs). So before any
decay we search for the orders that put the most (relative) weight mass inside the blocks and apply them
exactly; the student then has less to relearn.

The search alternates balanced assignments (each group gets exactly C/G hidden channels, F/G neurons and
heads/G heads; ``scipy.optimize.linear_sum_assignment``): heads and neurons per layer given the hidden
groups, then the hidden groups given every layer's heads and neurons, until the kept mass stops rising.
Each matrix's squared weights are divided by its total so that every matrix counts alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class Plan:
    hidden: np.ndarray  # new hidden channel k = old channel hidden[k]
    heads: list[np.ndarray]  # per layer: new head slot k = old head heads[i][k]
    ffn: list[np.ndarray]  # per layer: new neuron k = old neuron ffn[i][k]
    kept_before: float  # mean share of (normalised) mass inside the diagonal blocks, identity order
    kept_after: float


def _balanced(score: np.ndarray, cap: int) -> np.ndarray:
    """Group per row maximising the total score with exactly ``cap`` rows per group."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-np.repeat(score, cap, axis=1))
    group = np.empty(score.shape[0], dtype=np.int64)
    group[rows] = cols // cap
    return group


def _order(group: np.ndarray) -> np.ndarray:
    return np.argsort(group, kind="stable")


def _layer_mats(model: Any) -> list[dict[str, np.ndarray]]:
    """Per layer, squared weights normalised to sum 1: q+k+v per (head, hidden-in), inter [F, C], out [C, F]."""
    layers = model.transformer.encoder.layers
    heads = model.config.num_attention_heads
    out = []
    for layer in layers:
        def sq(conv: Any) -> np.ndarray:
            w = conv.weight.detach().float().numpy()[:, :, 0] ** 2
            return w / w.sum()

        att = sq(layer.attention.query) + sq(layer.attention.key) + sq(layer.attention.value)
        att = att.reshape(heads, -1, att.shape[1]).sum(1)  # [heads, C]
        out.append({"att": att, "inter": sq(layer.intermediate.conv1d), "out": sq(layer.output.conv1d)})
    return out


def _kept(mats: list[dict[str, np.ndarray]], hg: np.ndarray, heads_g: list[np.ndarray],
          ffn_g: list[np.ndarray]) -> float:
    total = 0.0
    for m, h, f in zip(mats, heads_g, ffn_g, strict=True):
        att = (m["att"] * (h[:, None] == hg[None, :])).sum() / 3
        inter = (m["inter"] * (f[:, None] == hg[None, :])).sum()
        outm = (m["out"] * (hg[:, None] == f[None, :])).sum()
        total += (att + inter + outm) / 3
    return total / len(mats)


def plan(model: Any, groups: int, iterations: int = 12) -> Plan:
    mats = _layer_mats(model)
    c = model.config.hidden_size
    n_heads = model.config.num_attention_heads
    f = model.config.intermediate_size
    hg = np.arange(c) // (c // groups)
    heads_g = [np.arange(n_heads) // (n_heads // groups) for _ in mats]
    ffn_g = [np.arange(f) // (f // groups) for _ in mats]
    before = _kept(mats, hg, heads_g, ffn_g)
    onehot = lambda g: np.eye(groups)[g]  # noqa: E731
    best = before
    for _ in range(iterations):
        hot = onehot(hg)  # [C, G]
        heads_g = [_balanced(m["att"] @ hot, n_heads // groups) for m in mats]
        ffn_g = [_balanced(m["inter"] @ hot + m["out"].T @ hot, f // groups) for m in mats]
        score = np.zeros((c, groups))
        for m, h, fg in zip(mats, heads_g, ffn_g, strict=True):
            score += m["att"].T @ onehot(h) / 3 + (m["inter"].T @ onehot(fg) + m["out"] @ onehot(fg))
        hg = _balanced(score, c // groups)
        kept = _kept(mats, hg, heads_g, ffn_g)
        if kept <= best + 1e-6:
            best = max(best, kept)
            break
        best = kept
    return Plan(_order(hg), [_order(h) for h in heads_g], [_order(x) for x in ffn_g], before,
                _kept(mats, hg, heads_g, ffn_g))


def apply(model: Any, p: Plan) -> Any:
    """Reorder ``model``'s channels in place as ``p`` says; its outputs do not change."""
    ph = torch.as_tensor(p.hidden)
    t = model.transformer
    head_dim = model.config.hidden_size // model.config.num_attention_heads
    with torch.no_grad():
        emb = t.embeddings
        for table in (emb.word_embeddings, emb.position_embeddings, emb.token_type_embeddings):
            table.weight.copy_(table.weight[:, ph])
        if hasattr(model, "case_embeddings"):
            model.case_embeddings.weight.copy_(model.case_embeddings.weight[:, ph])
        emb.LayerNorm.weight.copy_(emb.LayerNorm.weight[ph])
        emb.LayerNorm.bias.copy_(emb.LayerNorm.bias[ph])
        for i, layer in enumerate(t.encoder.layers):
            pa = torch.as_tensor(np.concatenate([np.arange(h * head_dim, (h + 1) * head_dim) for h in p.heads[i]]))
            pf = torch.as_tensor(p.ffn[i])
            for conv in (layer.attention.query, layer.attention.key, layer.attention.value):
                conv.weight.copy_(conv.weight[pa][:, ph])
                conv.bias.copy_(conv.bias[pa])
            post = layer.post_attention.conv1d
            post.weight.copy_(post.weight[ph][:, pa])
            post.bias.copy_(post.bias[ph])
            inter, out = layer.intermediate.conv1d, layer.output.conv1d
            inter.weight.copy_(inter.weight[pf][:, ph])
            inter.bias.copy_(inter.bias[pf])
            out.weight.copy_(out.weight[ph][:, pf])
            out.bias.copy_(out.bias[ph])
            for ln in (layer.post_attention.layernorm, layer.output.layernorm):
                ln.weight.copy_(ln.weight[ph])
                ln.bias.copy_(ln.bias[ph])
        if hasattr(t, "pooler") and t.pooler is not None and type(model).__name__.endswith("SequenceClassification"):
            t.pooler.dense.weight.copy_(t.pooler.dense.weight[:, ph])
        else:
            head = model.classifier if hasattr(model, "classifier") else model.qa_outputs
            head.weight.copy_(head.weight[:, ph])
    return model
