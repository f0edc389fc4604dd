"""Write a SqueezeBERT encoder + task head as an ONNX graph, straight from numpy weights.

Why not ``torch.onnx.export``: the stock export keeps grouped 1x1 convolutions as ``Conv``, which dynamic
int8 quantization turns into ``ConvInteger`` (measured here ~4x slower than fp32). Here every grouped
kernel-1 convolution is a batched ``MatMul`` in NLC layout::

    x[B, L, C] -> reshape [B, L, G, C/G] -> transpose [B, G, L, C/G] @ W[G, C/G, Cout/G]
               -> transpose [B, L, G, Cout/G] -> reshape [B, L, Cout]

which quantizes to ``MatMulInteger``. The builder needs only numpy and onnx, so the test suite builds
tiny random-weight bundles with exactly the graph the shipped models have.

With ``case_vocab`` > 0 the graph takes a fourth input, ``case_ids`` (int64 [B, L], the case class of each
token: :mod:`sqzdesk.engine.casing`), looked up in ``emb.case`` [case_vocab, C] and added to the word
embeddings (one Gather + Add); without it the graph is exactly the three-input graph of older bundles.

Weights use this module's own names (see :func:`weight_names`): linear weights are stored as
``x @ W`` matrices ([in, out], or [G, in/G, out/G] when grouped).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
HEADS = ("sequence", "token", "span")
GROUP_KEYS = ("q", "k", "v", "post_attention", "intermediate", "output")


@dataclass(frozen=True)
class EncoderSpec:
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    groups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUP_KEYS, 1))
    case_vocab: int = 0  # rows of the case embedding (``case_ids`` input); 0 = no case input

    def as_dict(self) -> dict:
        """The manifest's ``architecture``; ``case_vocab`` only when there is a case input, so the
        architecture of a caseless model reads as it always did."""
        data = asdict(self)
        if not self.case_vocab:
            del data["case_vocab"]
        return {"type": "squeezebert", **data}

    @property
    def inputs(self) -> list[str]:
        """The graph's input names, in order (what a bundle's manifest lists as ``inputs``)."""
        return list(INPUTS) + (["case_ids"] if self.case_vocab else [])


INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def linear_shapes(spec: EncoderSpec) -> dict[str, tuple[int, int, int]]:
    """Per-layer linear maps: name -> (groups, in, out)."""
    c, f, g = spec.hidden_size, spec.intermediate_size, spec.groups
    return {
        "q": (g["q"], c, c),
        "k": (g["k"], c, c),
        "v": (g["v"], c, c),
        "post": (g["post_attention"], c, c),
        "inter": (g["intermediate"], c, f),
        "out": (g["output"], f, c),
    }


def weight_names(spec: EncoderSpec, head: str, num_labels: int) -> dict[str, tuple[int, ...]]:
    """Every weight the graph needs, with its shape."""
    c = spec.hidden_size
    names: dict[str, tuple[int, ...]] = {
        "emb.word": (spec.vocab_size, c),
        "emb.position": (spec.max_positions, c),
        "emb.token_type": (spec.type_vocab_size, c),
        **({"emb.case": (spec.case_vocab, c)} if spec.case_vocab else {}),
        "emb.ln.w": (c,),
        "emb.ln.b": (c,),
    }
    for i in range(spec.num_layers):
        for name, (g, cin, cout) in linear_shapes(spec).items():
            names[f"l{i}.{name}.w"] = (cin, cout) if g == 1 else (g, cin // g, cout // g)
            names[f"l{i}.{name}.b"] = (cout,)
        for ln in ("post_ln", "out_ln"):
            names[f"l{i}.{ln}.w"] = (c,)
            names[f"l{i}.{ln}.b"] = (c,)
    if head == "sequence":
        names.update({"pooler.w": (c, c), "pooler.b": (c,), "head.w": (c, num_labels), "head.b": (num_labels,)})
    elif head == "token":
        names.update({"head.w": (c, num_labels), "head.b": (num_labels,)})
    elif head == "span":
        names.update({"head.w": (c, 2), "head.b": (2,)})
    else:
        raise ValueError(f"unknown head {head!r}; expected one of {HEADS}")
    return names


class _Graph:
    """Tiny node/initializer accumulator with unique names."""

    def __init__(self, weights: dict[str, np.ndarray], split_groups: bool = False):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.weights = weights
        self.split_groups = split_groups
        self._n = 0

    def split(self, x: str, parts: int, channels: int) -> list[str]:
        """x[..., C] -> ``parts`` tensors [..., C/parts] (the groups of a grouped layer, as they are)."""
        sizes = self.const(f"split_{self._n}", np.array([channels // parts] * parts))
        self._n += 1
        outs = [f"split_{self._n}_{j}" for j in range(parts)]
        self.nodes.append(helper.make_node("Split", [x, sizes], outs, axis=-1, name=f"Split_{self._n}"))
        return outs

    def group_linear(self, x: str, prefix: str, j: int) -> str:
        """Group ``j`` of a grouped layer as its own 2-D MatMul + 1-D bias (own initializers, so dynamic int8
        quantizes each group's input with its own scale and ORT fuses the bias into the int8 MatMul)."""
        w, b = self.weights[f"{prefix}.w"], self.weights[f"{prefix}.b"]
        cout = w.shape[2]
        wj = self.const(f"{prefix}.w.g{j}", w[j].astype(np.float32))
        bj = self.const(f"{prefix}.b.g{j}", b[j * cout:(j + 1) * cout].astype(np.float32))
        return self.op("Add", [self.op("MatMul", [x, wj]), bj])

    def concat(self, parts: list[str]) -> str:
        return self.op("Concat", parts, axis=-1)

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def w(self, name: str) -> str:
        return self.const(name, self.weights[name].astype(np.float32))

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self._n}", **attrs))
        return out

    def linear(self, x: str, prefix: str, groups: int, cout: int) -> str:
        """x[B, L, Cin] -> [B, L, Cout]; a grouped kernel-1 convolution as a batched MatMul."""
        if groups == 1:
            return self.op("Add", [self.op("MatMul", [x, self.w(f"{prefix}.w")]), self.w(f"{prefix}.b")])
        cin = self.weights[f"{prefix}.w"].shape[1] * groups
        if self.split_groups:
            return self.concat([self.group_linear(xj, prefix, j) for j, xj in enumerate(self.split(x, groups, cin))])
        return self.from_groups(self.grouped(self.to_groups(x, groups, cin), prefix), cout)

    def to_groups(self, x: str, groups: int, channels: int) -> str:
        """[B, L, C] -> [B, G, L, C/G]: the layout in which a grouped MatMul needs no further copies."""
        split = self.op("Reshape", [x, self.const(f"to_groups_{self._n}", np.array([0, 0, groups, channels // groups]))])
        return self.op("Transpose", [split], perm=[0, 2, 1, 3])

    def from_groups(self, x: str, channels: int) -> str:
        back = self.op("Transpose", [x], perm=[0, 2, 1, 3])
        return self.op("Reshape", [back, self.const(f"from_groups_{self._n}", np.array([0, 0, channels]))])

    def grouped(self, xg: str, prefix: str) -> str:
        """[B, G, L, Cin/G] @ W[G, Cin/G, Cout/G] + b -> [B, G, L, Cout/G]."""
        w = self.weights[f"{prefix}.w"]
        bias = self.const(f"{prefix}.b_grouped", self.weights[f"{prefix}.b"].reshape(w.shape[0], 1, w.shape[2])
                          .astype(np.float32))
        return self.op("Add", [self.op("MatMul", [xg, self.w(f"{prefix}.w")]), bias])

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self.op("LayerNormalization", [x, self.w(f"{prefix}.w"), self.w(f"{prefix}.b")], axis=-1,
                       epsilon=eps)

    def gelu(self, x: str) -> str:
        """Exact (erf) GELU as BERT uses it, written in the form PyTorch exports
        (``Div(sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5)``) so ORT's GeluFusion makes it one kernel."""
        sqrt2 = self.const(f"gelu_sqrt2_{self._n}", np.array(math.sqrt(2), dtype=np.float32))
        erf = self.op("Erf", [self.op("Div", [x, sqrt2])])
        one_plus = self.op("Add", [erf, self.const(f"gelu_one_{self._n}", np.array(1.0, dtype=np.float32))])
        half = self.const(f"gelu_half_{self._n}", np.array(0.5, dtype=np.float32))
        return self.op("Mul", [self.op("Mul", [x, one_plus]), half])


def head_groups(spec: EncoderSpec) -> int:
    """The group count q, k and v share when it is > 1 and each group holds whole heads (group j: heads
    j*H/G .. (j+1)*H/G - 1), so attention can follow the groups without joining them; else 0."""
    counts = {spec.groups[n] for n in ("q", "k", "v")}
    groups = counts.pop() if len(counts) == 1 else 0
    return groups if groups > 1 and spec.num_heads % groups == 0 else 0


def _attention_by_group(g: _Graph, x: str, i: int, spec: EncoderSpec, mask: str, groups: int,
                        post_groups: int) -> str:
    """Self-attention and its output projection with q, k and v split into groups, each group on its own slice
    (one Split of x shared by q, k and v): group j of q, k and v holds heads j*H/G .. (j+1)*H/G - 1, so each
    group's attention runs alone and yields exactly the channels j*C/G .. of the context. The groups meet once:
    after the output projection when it is grouped alike, else before it (SqueezeBERT's dense one)."""
    heads, c = spec.num_heads, spec.hidden_size
    d, per = c // heads, heads // groups
    to_heads = g.const(f"l{i}.group_heads_shape", np.array([0, 0, per, d]))
    merge = g.const(f"l{i}.group_merge_shape", np.array([0, 0, c // groups]))
    scale = g.const(f"l{i}.scale", np.array(1 / math.sqrt(d), dtype=np.float32))
    contexts = []
    for j, xj in enumerate(g.split(x, groups, c)):
        def project(name: str, key: bool, xj: str = xj, j: int = j) -> str:
            y = g.op("Reshape", [g.group_linear(xj, f"l{i}.{name}", j), to_heads])
            return g.op("Transpose", [y], perm=[0, 2, 3, 1] if key else [0, 2, 1, 3])
        q, k, v = project("q", False), project("k", True), project("v", False)
        scores = g.op("Mul", [g.op("MatMul", [q, k]), scale])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        contexts.append(g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge]))
    if post_groups == groups:
        return g.concat([g.group_linear(ctx, f"l{i}.post", j) for j, ctx in enumerate(contexts)])
    return g.linear(g.concat(contexts), f"l{i}.post", post_groups, c)


def _attention(g: _Graph, x: str, i: int, spec: EncoderSpec, mask: str) -> str:
    heads, c = spec.num_heads, spec.hidden_size
    d = c // heads
    shapes = linear_shapes(spec)
    groups = head_groups(spec)
    if groups and not g.split_groups:
        # one grouped input for q, k and v (one activation quantization in int8), straight into heads:
        # group j of a projection holds heads j*H/G .. (j+1)*H/G - 1
        xg = g.to_groups(x, groups, c)
        split = g.const(f"l{i}.group_heads", np.array([0, 0, 0, heads // groups, d]))
        merge_q = g.const(f"l{i}.heads_q", np.array([0, heads, -1, d]))
        merge_k = g.const(f"l{i}.heads_k", np.array([0, heads, d, -1]))

        def project(name: str, key: bool) -> str:
            y = g.op("Reshape", [g.grouped(xg, f"l{i}.{name}"), split])  # [B, G, L, H/G, D]
            y = g.op("Transpose", [y], perm=[0, 1, 3, 4, 2] if key else [0, 1, 3, 2, 4])
            return g.op("Reshape", [y, merge_k if key else merge_q])
        q, k, v = project("q", False), project("k", True), project("v", False)
    else:
        to_heads = g.const(f"l{i}.heads_shape", np.array([0, 0, heads, d]))

        def project(name: str, key: bool) -> str:
            y = g.linear(x, f"l{i}.{name}", shapes[name][0], c)
            return g.op("Transpose", [g.op("Reshape", [y, to_heads])], perm=[0, 2, 3, 1] if key else [0, 2, 1, 3])
        q, k, v = project("q", False), project("k", True), project("v", False)
    # q, v: [B, H, L, D]; k: [B, H, D, L]
    scale = g.const(f"l{i}.scale", np.array(1 / math.sqrt(d), dtype=np.float32))
    scores = g.op("Mul", [g.op("MatMul", [q, k]), scale])
    probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    return g.op("Reshape", [ctx, g.const(f"l{i}.merge_shape", np.array([0, 0, c]))])


def _feed_forward(g: _Graph, x: str, i: int, spec: EncoderSpec) -> str:
    """intermediate (GELU) then output; with equal group counts the grouped layout is kept between them."""
    shapes = linear_shapes(spec)
    gi, go = shapes["inter"][0], shapes["out"][0]
    if gi == go > 1 and g.split_groups:  # each group's FFN on its own slice, joined once at the end
        parts = g.split(x, gi, spec.hidden_size)
        return g.concat([g.group_linear(g.gelu(g.group_linear(xj, f"l{i}.inter", j)), f"l{i}.out", j)
                         for j, xj in enumerate(parts)])
    if gi == go > 1:
        inter = g.gelu(g.grouped(g.to_groups(x, gi, spec.hidden_size), f"l{i}.inter"))
        return g.from_groups(g.grouped(inter, f"l{i}.out"), spec.hidden_size)
    inter = g.gelu(g.linear(x, f"l{i}.inter", gi, spec.intermediate_size))
    return g.linear(inter, f"l{i}.out", go, spec.hidden_size)


def build_model(spec: EncoderSpec, head: str, weights: dict[str, np.ndarray], num_labels: int = 2,
                name: str = "sqzdesk", split_groups: bool = False) -> onnx.ModelProto:
    """The whole graph. Inputs: input_ids, attention_mask, token_type_ids (int64 [B, L]), and case_ids when
    ``spec.case_vocab`` > 0.

    Grouped 1x1 convolutions are batched MatMuls over a group axis by default; ``split_groups`` writes each
    group as its own 2-D MatMul on a slice of the channels instead (Split -> MatMul + bias -> Concat): no
    group-axis transposes, and in int8 each group is one fused ``DynamicQuantizeMatMul`` with its own
    activation scale. Same function in fp32; int8 outputs differ slightly (per-group scales). With grouped
    q, k and v the split graph also runs each group's attention on its own slice
    (:func:`_attention_by_group`): one Split per layer for q, k and v instead of one each and no Concat
    between them, the same weights and int8 outputs as joining the groups after each projection, ~9% less
    CPU per call (2026-12-01, AVX-512 VNNI, 1 thread).

    Outputs: ``logits`` [B, K] (sequence), ``logits`` [B, L, K] (token), or ``start_logits`` and
    ``end_logits`` [B, L] (span).
    """
    expected = weight_names(spec, head, num_labels)
    for key, shape in expected.items():
        if key not in weights:
            raise KeyError(f"missing weight {key}")
        if tuple(weights[key].shape) != shape:
            raise ValueError(f"weight {key} has shape {weights[key].shape}, expected {shape}")
    g = _Graph(weights, split_groups)
    ids, mask_in, types = "input_ids", "attention_mask", "token_type_ids"

    # embeddings: word + position + token type, then LayerNorm
    seq_len = g.op("Gather", [g.op("Shape", [ids]), g.const("one", np.array(1))], axis=0)
    positions = g.op("Range", [g.const("zero", np.array(0)), seq_len, g.const("step", np.array(1))])
    word = g.op("Gather", [g.w("emb.word"), ids])
    if spec.case_vocab:  # the case vector joins the word vector, where the torch model adds it
        word = g.op("Add", [word, g.op("Gather", [g.w("emb.case"), "case_ids"])])
    emb = g.op("Add", [word, g.op("Gather", [g.w("emb.position"), positions])])
    emb = g.op("Add", [emb, g.op("Gather", [g.w("emb.token_type"), types])])
    x = g.layer_norm(emb, "emb.ln", spec.layer_norm_eps)

    # additive attention mask [B, 1, 1, L]: 0 where attended, -10000 on padding
    keep = g.op("Cast", [mask_in], to=TensorProto.FLOAT)
    blocked = g.op("Sub", [g.const("mask_one", np.array(1.0, dtype=np.float32)), keep])
    additive = g.op("Mul", [blocked, g.const("mask_neg", np.array(-10000.0, dtype=np.float32))])
    mask = g.op("Unsqueeze", [additive, g.const("mask_axes", np.array([1, 2]))])

    shapes = linear_shapes(spec)
    by_group = head_groups(spec) if split_groups else 0
    for i in range(spec.num_layers):
        if by_group:
            post = _attention_by_group(g, x, i, spec, mask, by_group, shapes["post"][0])
        else:
            post = g.linear(_attention(g, x, i, spec, mask), f"l{i}.post", shapes["post"][0], spec.hidden_size)
        x = g.layer_norm(g.op("Add", [post, x]), f"l{i}.post_ln", spec.layer_norm_eps)
        out = _feed_forward(g, x, i, spec)
        x = g.layer_norm(g.op("Add", [out, x]), f"l{i}.out_ln", spec.layer_norm_eps)

    dims = ["batch", "sequence"]
    if head == "sequence":
        first = g.op("Gather", [x, g.const("cls_index", np.array(0))], axis=1)
        pooled = g.op("Tanh", [g.op("Add", [g.op("MatMul", [first, g.w("pooler.w")]), g.w("pooler.b")])])
        g.nodes.append(helper.make_node("Add", [g.op("MatMul", [pooled, g.w("head.w")]), g.w("head.b")],
                                        ["logits"], name="logits"))
        outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", num_labels])]
    elif head == "token":
        g.nodes.append(helper.make_node("Add", [g.op("MatMul", [x, g.w("head.w")]), g.w("head.b")],
                                        ["logits"], name="logits"))
        outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [*dims, num_labels])]
    else:
        both = g.op("Add", [g.op("MatMul", [x, g.w("head.w")]), g.w("head.b")])
        g.nodes.append(helper.make_node("Split", [both, g.const("split_sizes", np.array([1, 1]))],
                                        ["start_3d", "end_3d"], axis=-1, name="split_span"))
        last = g.const("last_axis", np.array([-1]))
        g.nodes.append(helper.make_node("Squeeze", ["start_3d", last], ["start_logits"], name="start"))
        g.nodes.append(helper.make_node("Squeeze", ["end_3d", last], ["end_logits"], name="end"))
        outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, dims) for n in ("start_logits", "end_logits")]

    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in spec.inputs]
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sqzdesk")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
