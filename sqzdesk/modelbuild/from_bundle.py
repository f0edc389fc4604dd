"""A shipped int8 bundle back into a dense fp32 ``transformers`` model (a teacher for grouped students).

The fp32 checkpoints of older bundles live in training runs that do not outlast a machine; the bundle in
``assets/models`` does. Its int8 weights dequantized (``(q - zero_point) * scale``, the 4-bit word
embeddings unpacked) are exactly the weights the shipped model computes with, so the fp32 model rebuilt
from them scores what the bundle scores up to activation quantization, which is what a teacher for a
student of the same bundle should be.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from sqzdesk.modelbuild.export import _LINEARS, _NORMS, embedding_block


def dequantized_weights(path: Path) -> dict[str, np.ndarray]:
    """Every canonical weight (:func:`sqzdesk.modelbuild.export.canonical_weights` names) of an int8 or fp32
    ONNX file written by this project's builder, as fp32."""
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    out: dict[str, np.ndarray] = {}
    parts: dict[str, dict[int, np.ndarray]] = {}  # split-group graphs: "l0.q.w" -> {group: [in/G, out/G]}
    for name, value in inits.items():
        if name.endswith("_quantized"):
            base = name[: -len("_quantized")]
            scale, zero = inits[base + "_scale"], inits[base + "_zero_point"]
            out[base] = ((value.astype(np.float32) - zero.astype(np.float32)) * scale).astype(np.float32)
        elif name == "emb.word.q4":
            scales = inits["emb.word.q4_scales"]
            low, high = (value & 0x0F).astype(np.int16) - 8, (value >> 4).astype(np.int16) - 8
            q = np.empty((value.shape[0], value.shape[1] * 2), dtype=np.float32)
            q[:, 0::2], q[:, 1::2] = low, high
            block = embedding_block(q.shape[1])
            out["emb.word"] = (q.reshape(q.shape[0], -1, block) * scales[..., None]).reshape(q.shape)
        elif name.endswith(".b_grouped"):  # a grouped layer's bias, stored [G, 1, out/G] by the builder
            out[name[: -len("_grouped")]] = value.reshape(-1).astype(np.float32)
        elif value.dtype == np.float32 and value.ndim >= 1 and not name.endswith(("_scale", "_scales")):
            out[name] = value
    for name in [n for n in out if ".g" in n and n.rsplit(".g", 1)[1].isdigit()]:
        base, j = name.rsplit(".g", 1)
        parts.setdefault(base, {})[int(j)] = out.pop(name)
    for base, groups in parts.items():
        ordered = [groups[j] for j in sorted(groups)]
        out[base] = np.stack(ordered) if base.endswith(".w") else np.concatenate(ordered)
    return out


def _conv(w: np.ndarray) -> torch.Tensor:
    """[in, out] (groups=1) or [G, in/G, out/G] -> Conv1d weight [out, in/G, 1]."""
    if w.ndim == 2:
        return torch.from_numpy(np.ascontiguousarray(w.T)).unsqueeze(-1)
    return torch.from_numpy(np.concatenate([blk.T for blk in w], axis=0)).unsqueeze(-1)


def load_into(model: torch.nn.Module, weights: dict[str, np.ndarray]) -> torch.nn.Module:
    """Copy canonical weights into a ``transformers`` SqueezeBERT task model of the same shape (the inverse of
    :func:`~sqzdesk.modelbuild.export.canonical_weights`)."""
    t = "transformer."
    sd = model.state_dict()

    def put(name: str, value: np.ndarray | torch.Tensor) -> None:
        tensor = torch.as_tensor(value if isinstance(value, torch.Tensor) else np.array(value), dtype=torch.float32)
        if sd[name].shape != tensor.shape:
            raise ValueError(f"{name}: bundle has {tuple(tensor.shape)}, model {tuple(sd[name].shape)}")
        sd[name] = tensor.clone()

    put(t + "embeddings.word_embeddings.weight", weights["emb.word"])
    put(t + "embeddings.position_embeddings.weight", weights["emb.position"])
    put(t + "embeddings.token_type_embeddings.weight", weights["emb.token_type"])
    put(t + "embeddings.LayerNorm.weight", weights["emb.ln.w"])
    put(t + "embeddings.LayerNorm.bias", weights["emb.ln.b"])
    if "emb.case" in weights and "case_embeddings.weight" in sd:
        put("case_embeddings.weight", weights["emb.case"])
    layers = 1 + max(int(k.split(".")[0][1:]) for k in weights if k.startswith("l") and k[1].isdigit())
    for i in range(layers):
        base = f"{t}encoder.layers.{i}."
        for short, module in _LINEARS.items():
            put(base + module + ".weight", _conv(weights[f"l{i}.{short}.w"]))
            put(base + module + ".bias", weights[f"l{i}.{short}.b"])
        for short, module in _NORMS.items():
            put(base + module + ".weight", weights[f"l{i}.{short}.w"])
            put(base + module + ".bias", weights[f"l{i}.{short}.b"])
    head = "classifier" if "classifier.weight" in sd else "qa_outputs"
    if "pooler.w" in weights:
        put(t + "pooler.dense.weight", weights["pooler.w"].T)
        put(t + "pooler.dense.bias", weights["pooler.b"])
    put(head + ".weight", weights["head.w"].T)
    put(head + ".bias", weights["head.b"])
    model.load_state_dict(sd)
    return model.eval()
