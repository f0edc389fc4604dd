"""Copy BERT-style MiniLM weights into a ``transformers`` SqueezeBERT.

With every group count 1 a kernel-1 Conv1d is a Linear layer (weight ``.unsqueeze(-1)``), so the copy is
exact. Grouped convolutions keep only the block-diagonal part of each dense weight, which is why grouped
models are reached by :mod:`sqzdesk.modelbuild.grouping` rather than by slicing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from safetensors.torch import load_file
from transformers import SqueezeBertConfig

from sqzdesk.modelbuild.minilm import minilm_config, minilm_dir

# transformers SqueezeBERT sub-module -> MiniLM (BERT) sub-module, per layer
_LAYER_MAP = {
    "attention.query": "attention.self.query",
    "attention.key": "attention.self.key",
    "attention.value": "attention.self.value",
    "post_attention.conv1d": "attention.output.dense",
    "post_attention.layernorm": "attention.output.LayerNorm",
    "intermediate.conv1d": "intermediate.dense",
    "output.conv1d": "output.dense",
    "output.layernorm": "output.LayerNorm",
}
GROUPED = ("attention.query", "attention.key", "attention.value", "intermediate.conv1d", "output.conv1d")


@dataclass(frozen=True)
class Groups:
    """Group counts of the five grouped convolutions; post-attention stays dense as in the paper."""

    q: int = 1
    k: int = 1
    v: int = 1
    post_attention: int = 1
    intermediate: int = 1
    output: int = 1

    @classmethod
    def uniform(cls, g: int) -> Groups:
        return cls(q=g, k=g, v=g, post_attention=1, intermediate=g, output=g)

    def of(self, module: str) -> int:
        return {
            "attention.query": self.q,
            "attention.key": self.k,
            "attention.value": self.v,
            "post_attention.conv1d": self.post_attention,
            "intermediate.conv1d": self.intermediate,
            "output.conv1d": self.output,
        }.get(module, 1)

    def as_dict(self) -> dict[str, int]:
        return {"q": self.q, "k": self.k, "v": self.v, "post_attention": self.post_attention,
                "intermediate": self.intermediate, "output": self.output}


def squeezebert_config(groups: Groups, **extra) -> SqueezeBertConfig:
    base = minilm_config()
    return SqueezeBertConfig(
        vocab_size=base["vocab_size"],
        hidden_size=base["hidden_size"],
        embedding_size=base["hidden_size"],
        num_hidden_layers=base["num_hidden_layers"],
        num_attention_heads=base["num_attention_heads"],
        intermediate_size=base["intermediate_size"],
        max_position_embeddings=base["max_position_embeddings"],
        type_vocab_size=base["type_vocab_size"],
        layer_norm_eps=base["layer_norm_eps"],
        q_groups=groups.q,
        k_groups=groups.k,
        v_groups=groups.v,
        post_attention_groups=groups.post_attention,
        intermediate_groups=groups.intermediate,
        output_groups=groups.output,
        **extra,
    )


def block_diagonal(weight: torch.Tensor, groups: int) -> torch.Tensor:
    """Dense (out, in[, 1]) weight -> grouped Conv1d weight (out, in/groups, 1) keeping diagonal blocks."""
    w = weight.reshape(weight.shape[0], weight.shape[1])
    out_g, in_g = w.shape[0] // groups, w.shape[1] // groups
    blocks = [w[j * out_g:(j + 1) * out_g, j * in_g:(j + 1) * in_g] for j in range(groups)]
    return torch.cat(blocks, dim=0).unsqueeze(-1).contiguous()


def bert_to_squeezebert(bert: dict[str, torch.Tensor], groups: Groups, prefix: str = "transformer.") -> dict:
    """Map a BertModel state dict onto SqueezeBertModel names (under ``prefix``)."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in bert.items():
        if name.startswith("embeddings.") and not name.endswith("position_ids") or name.startswith("pooler."):
            out[prefix + name] = tensor
    n_layers = 1 + max(int(n.split(".")[2]) for n in bert if n.startswith("encoder.layer."))
    for i in range(n_layers):
        for sq, bt in _LAYER_MAP.items():
            for part in ("weight", "bias"):
                t = bert[f"encoder.layer.{i}.{bt}.{part}"]
                if part == "weight" and "layernorm" not in sq:
                    g = groups.of(sq)
                    t = block_diagonal(t, g) if g > 1 else t.unsqueeze(-1)
                out[f"{prefix}encoder.layers.{i}.{sq}.{part}"] = t
    return out


def load_minilm_state() -> dict[str, torch.Tensor]:
    return load_file(str(minilm_dir() / "model.safetensors"))


def transplant(model_cls, groups: Groups = Groups(), **config_extra):
    """A ``model_cls`` (e.g. SqueezeBertForSequenceClassification) with MiniLM's encoder weights.

    Task heads (classifier, qa_outputs) stay freshly initialised; the pooler comes from MiniLM.
    """
    config = squeezebert_config(groups, **config_extra)
    model = model_cls(config)
    prefix = "transformer." if hasattr(model, "transformer") else ""
    state = bert_to_squeezebert(load_minilm_state(), groups, prefix=prefix)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected:
        raise RuntimeError(f"unexpected weights in transplant: {unexpected[:5]}")
    body_missing = [m for m in missing if m.startswith(prefix + "e")]
    if body_missing:
        raise RuntimeError(f"encoder weights not transplanted: {body_missing[:5]}")
    return model
