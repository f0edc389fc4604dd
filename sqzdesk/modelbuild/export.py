"""A trained ``transformers`` SqueezeBERT -> this project's ONNX graph (fp32), then dynamic int8.

Weights are read out of the torch modules into :mod:`sqzdesk.modelbuild.onnx_graph`'s names; the graph
is written by that builder (grouped convs as batched MatMuls), so int8 gets MatMulInteger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from sqzdesk.engine.casing import CASE_VOCAB
from sqzdesk.modelbuild.cased import has_case
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
    if has_case(model):
        spec = replace(spec, case_vocab=CASE_VOCAB)
        w["emb.case"] = arr("case_embeddings.weight")
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


def export_fp32(model, path: Path, split_groups: bool = False) -> EncoderSpec:
    """``split_groups``: grouped layers as one MatMul per group (see :func:`~sqzdesk.modelbuild.onnx_graph.build_model`)."""
    spec, head, num_labels, weights = canonical_weights(model)
    onnx.save(build_model(spec, head, weights, num_labels, split_groups=split_groups), path)
    return spec


EMBEDDING_BLOCKS = (32, 16, 8)  # 4-bit word-embedding block along the hidden axis (the first that divides it)


def quantize_int8(fp32: Path, int8: Path, word_embedding_bits: int = 4, per_channel: bool = False,
                  keep_fp32: Sequence[str] = ()) -> None:
    """Dynamic int8 for every MatMul weight and the small embedding tables; the word-embedding table,
    ~half of each bundle, goes to 4-bit blocks (``GatherBlockQuantized``) when ``word_embedding_bits`` is 4.

    ``per_channel``: one int8 scale per output column of each weight instead of one per matrix (a column
    with small weights then keeps its resolution); still ``MatMulInteger``. ``keep_fp32``: weight-name
    prefixes (``"head."``, ``"l5."``) whose MatMuls stay fp32, for the layers int8 hurts most.

    Per-channel needs 2-D (groups=1) weights: ONNX Runtime rejects per-column zero points on the batched
    [G, in/G, out/G] weights of grouped layers (ValueError here rather than a model that fails to run)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32))
    if per_channel and any(len(t.dims) == 3 for t in model.graph.initializer):
        raise ValueError("per-channel int8 needs a groups=1 model (grouped weights are 3-D)")
    word_gather = next(n.name for n in model.graph.node if n.op_type == "Gather" and n.input[0] == "emb.word")
    excluded = [n.name for n in model.graph.node if n.op_type == "MatMul" and len(n.input) > 1
                and any(n.input[1].startswith(prefix) for prefix in keep_fp32)]
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], per_channel=per_channel,
                     nodes_to_exclude=excluded + ([word_gather] if word_embedding_bits == 4 else []),
                     extra_options={"MatMulConstBOnly": True})
    if word_embedding_bits == 4:
        table = next(numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "emb.word")
        quantized = onnx.load(str(int8))
        _gather_4bit(quantized, word_gather, table.astype(np.float32))
        onnx.save(quantized, str(int8))


def embedding_block(cols: int) -> int:
    return next(b for b in EMBEDDING_BLOCKS if cols % b == 0)


def pack_4bit(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric 4-bit blocks: (uint8 [V, C/2], two values a byte, low nibble first, +8 offset; scales [V, C/block])."""
    rows, cols = table.shape
    block = embedding_block(cols)
    blocks = table.reshape(rows, cols // block, block)
    scales = np.abs(blocks).max(-1) / 7.0
    scales[scales == 0] = 1.0
    q = np.clip(np.round(blocks / scales[..., None]), -8, 7).astype(np.int16).reshape(rows, cols) + 8
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    return packed, scales.astype(np.float32)


def _gather_4bit(model: onnx.ModelProto, node_name: str, table: np.ndarray) -> None:
    packed, scales = pack_4bit(table)
    graph = model.graph
    node = next(n for n in graph.node if n.name == node_name)
    keep = [t for t in graph.initializer if t.name != "emb.word"]
    del graph.initializer[:]
    graph.initializer.extend([*keep, numpy_helper.from_array(packed, "emb.word.q4"),
                              numpy_helper.from_array(scales, "emb.word.q4_scales")])
    replacement = onnx.helper.make_node(
        "GatherBlockQuantized", ["emb.word.q4", node.input[1], "emb.word.q4_scales"], list(node.output),
        name=node_name, domain="com.microsoft", gather_axis=0, quantize_axis=1, block_size=embedding_block(table.shape[1]),
        bits=4)
    index = list(graph.node).index(node)
    graph.node.remove(node)
    graph.node.insert(index, replacement)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))


def op_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in onnx.load(str(path)).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts
