"""A trained ``transformers`` SqueezeBERT -> this project's ONNX graph (fp32), then dynamic int8.

Weights are read out of the torch modules into :mod:`sqzdesk.modelbuild.onnx_graph`'s names; the graph
is written by that builder (grouped convs as batched MatMuls), so int8 gets MatMulInteger.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch

from sqzdesk.modelbuild.onnx_graph import EncoderSpec, build_model

_LINEARS = {"q": "attention.query", "k": "attention.key", "v": "attention.value",
            "post": "post_attention.conv1d", "inter": "intermediate.conv1d", "out": "output.conv1d"}
_NORMS = {"post_ln": "post_attention.layernorm", "out_ln": "output.layernorm"}


def spec_of(config) -> EncoderSpec:
    return EncoderSpec(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_layers=config.num_hidden_layers,
        num_heads=config.num_attention_heads, intermediate_size=config.intermediate_size,
        max_positions=config.max_position_embeddings, type_vocab_size=config.type_vocab_size,
        layer_norm_eps=config.layer_norm_eps,
        groups={"q": config.q_groups, "k": config.k_groups, "v": config.v_groups,
                "post_attention": config.post_attention_groups, "intermediate": config.intermediate_groups,
                "output": config.output_groups},
    )


def conv_to_matmul(weight: torch.Tensor, groups: int) -> np.ndarray:
    """Conv1d weight [out, in/G, 1] -> [in, out] (G=1) or [G, in/G, out/G] for ``x @ W``."""
    w = weight.detach().float().numpy()[:, :, 0]
    if groups == 1:
        return np.ascontiguousarray(w.T)
    out_g = w.shape[0] // groups
    return np.stack([w[j * out_g:(j + 1) * out_g].T for j in range(groups)])


def head_of(model) -> str:
    name = type(model).__name__
    if name.endswith("SequenceClassification"):
        return "sequence"
    if name.endswith("TokenClassification"):
        return "token"
    if name.endswith("QuestionAnswering"):
        return "span"
    raise ValueError(f"no ONNX head for {name}")


def canonical_weights(model) -> tuple[EncoderSpec, str, int, dict[str, np.ndarray]]:
    spec, head = spec_of(model.config), head_of(model)
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    t = "transformer."

    def arr(name: str) -> np.ndarray:
        return sd[name].numpy().astype(np.float32)

    w: dict[str, np.ndarray] = {
        "emb.word": arr(t + "embeddings.word_embeddings.weight"),
        "emb.position": arr(t + "embeddings.position_embeddings.weight"),
        "emb.token_type": arr(t + "embeddings.token_type_embeddings.weight"),
        "emb.ln.w": arr(t + "embeddings.LayerNorm.weight"),
        "emb.ln.b": arr(t + "embeddings.LayerNorm.bias"),
    }
    group_of = {"q": spec.groups["q"], "k": spec.groups["k"], "v": spec.groups["v"],
                "post": spec.groups["post_attention"], "inter": spec.groups["intermediate"],
                "out": spec.groups["output"]}
    for i in range(spec.num_layers):
        base = f"{t}encoder.layers.{i}."
        for short, module in _LINEARS.items():
            w[f"l{i}.{short}.w"] = conv_to_matmul(sd[base + module + ".weight"], group_of[short])
            w[f"l{i}.{short}.b"] = arr(base + module + ".bias")
        for short, module in _NORMS.items():
            w[f"l{i}.{short}.w"] = arr(base + module + ".weight")
            w[f"l{i}.{short}.b"] = arr(base + module + ".bias")
    if head == "sequence":
        w["pooler.w"] = arr(t + "pooler.dense.weight").T.copy()
        w["pooler.b"] = arr(t + "pooler.dense.bias")
        w["head.w"], w["head.b"] = arr("classifier.weight").T.copy(), arr("classifier.bias")
    elif head == "token":
        w["head.w"], w["head.b"] = arr("classifier.weight").T.copy(), arr("classifier.bias")
    else:
        w["head.w"], w["head.b"] = arr("qa_outputs.weight").T.copy(), arr("qa_outputs.bias")
    num_labels = w["head.w"].shape[1]
    return spec, head, num_labels, w


def export_fp32(model, path: Path) -> EncoderSpec:
    spec, head, num_labels, weights = canonical_weights(model)
    onnx.save(build_model(spec, head, weights, num_labels), path)
    return spec


def quantize_int8(fp32: Path, int8: Path) -> None:
    """Dynamic int8: MatMul weights and embedding tables to int8, activations quantized at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"],
                     extra_options={"MatMulConstBOnly": True})


def op_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in onnx.load(str(path)).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts
