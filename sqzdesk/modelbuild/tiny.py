"""Tiny random-weight bundles for the test suite (sentiment, entities, qa and the embed encoder): real
tokenizer, real ONNX graph, nonsense outputs.

They exercise the mechanics (bundles, sessions, windows, offsets, CLI contract) exactly as the shipped
models do, because the graph comes from the same builder; their predictions are random by design and
their model cards say so. Needs numpy, onnx and tokenizers only.
"""

from __future__ import annotations

import string
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

from sqzdesk.engine.casing import CASE_VOCAB
from sqzdesk.engine.manifest import ENTITY_TYPES, Speed, Variant
from sqzdesk.modelbuild.bundle_writer import write_bundle
from sqzdesk.modelbuild.onnx_graph import EncoderSpec, build_model, weight_names

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for", "with", "is", "was", "are", "were", "be", "has", "have", "had", "it", "this", "that", "who", "what", "where", "when", "why", "how", "did", "does", "do", "not", "no", "yes", "he", "she", "they", "we", "you", "i", "his", "her", "their", "its", "angela", "merkel", "paris", "berlin", "london", "germany", "france", "acme", "corporation", "visited", "met", "said", "today", "year", "good", "great", "bad", "terrible", "love", "loved", "hate", "film", "movie", "book", "product", "service", "price", "quality", "wonderful", "awful", "question", "answer", "document", "page", "report", "analyst", "review", "data", "model", "name", "city", "company", "river", "tower"]
ENTITY_LABELS = ["O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))]
TINY_SPEC = dict(hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64, max_positions=128)


def tiny_tokenizer() -> Tokenizer:
    """An uncased WordPiece tokenizer like BERT's, with a vocabulary small enough to build in a blink."""
    chars = string.ascii_lowercase + string.digits + string.punctuation
    vocab_list = SPECIALS + list(chars) + [f"##{c}" for c in string.ascii_lowercase + string.digits] + WORDS
    vocab = {tok: i for i, tok in enumerate(dict.fromkeys(vocab_list))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True, clean_text=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    return tok


def random_weights(spec: EncoderSpec, head: str, num_labels: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in weight_names(spec, head, num_labels).items():
        if name.endswith(("ln.w",)):
            weights[name] = np.ones(shape, np.float32)
        elif name.endswith(".b"):
            weights[name] = np.zeros(shape, np.float32)
        else:
            weights[name] = rng.normal(0, 0.5 if name.startswith("head") else 0.2, shape).astype(np.float32)
    return weights


CASED_TASKS = ("entities",)  # these tiny bundles take ``case_ids``, as the shipped entities model does
TASKS: dict[str, tuple[str, list[str], dict[str, float]]] = {
    "sentiment": ("sequence", ["negative", "positive"], {"stride": 8}),
    "entities": ("token", ENTITY_LABELS, {"stride": 8}),
    "qa": ("span", [], {"stride": 8, "no_answer_threshold": 0.0}),
}


def tiny_spec(vocab_size: int, groups: int) -> EncoderSpec:
    """The tiny encoder, grouped as SqueezeBERT is: every 1x1 conv in ``groups`` but post-attention."""
    return EncoderSpec(vocab_size=vocab_size, **TINY_SPEC,
                       groups={"q": groups, "k": groups, "v": groups, "post_attention": 1,
                               "intermediate": groups, "output": groups})


def _write_task(out: Path, task: str, spec: EncoderSpec, tok_file: Path, seed: int, max_length: int,
                variant: Variant = Variant.ACCURATE) -> Path:
    head, labels, params = TASKS[task]
    num_labels = len(labels) if labels else 2
    task_spec = replace(spec, case_vocab=CASE_VOCAB) if task in CASED_TASKS else spec
    name = out.name
    model = build_model(task_spec, head, random_weights(task_spec, head, num_labels, seed), num_labels, name=name)
    model_file = tok_file.parent / f"{name}.onnx"
    onnx.save(model, model_file)
    card = (f"# {name} (test bundle)\n\nRandom weights, for testing the mechanics only: "
            "its predictions mean nothing. Made by `python -m sqzdesk.modelbuild tiny DIR`.\n")
    fast = variant is Variant.FAST
    # made-up figures, so the model list and Settings -> Models have something to show for both variants
    metrics: dict[str, Any] = {"note": "random weights",
                               "validation_accuracy_int8" if task == "sentiment" else "validation_f1_int8":
                               48.5 if fast else 50.0}
    return write_bundle(
        out, name=name, version="0.0.0", task=task,
        architecture=task_spec.as_dict(), labels=labels, max_length=max_length, model_file=model_file,
        tokenizer_file=tok_file, card=card, quantization="none",
        metrics=metrics, build={"command": "python -m sqzdesk.modelbuild tiny DIR"},
        task_params=params, inputs=task_spec.inputs if task_spec.case_vocab else None,
        variant=variant, speed=Speed(1.5 if fast else 3.0, 2, "test"))


def write_tiny_bundles(root: Path, max_length: int = 32, groups: int = 4) -> list[Path]:
    """One tiny bundle per task under ``root``; short ``max_length`` so tests see many windows."""
    root.mkdir(parents=True, exist_ok=True)
    tok = tiny_tokenizer()
    spec = tiny_spec(tok.get_vocab_size(), groups)
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        tok_file = Path(tmp) / "tokenizer.json"
        tok.save(str(tok_file))
        for seed, task in enumerate(TASKS):
            paths.append(_write_task(root / f"tiny-{task}", task, spec, tok_file, seed, max_length))
    paths.append(write_tiny_embed(root, max_length))
    return paths


def write_tiny_fast_bundles(root: Path, tasks: tuple[str, ...] = ("sentiment",), max_length: int = 32,
                            groups: int = 4) -> list[Path]:
    """Fast siblings (``tiny-<task>-fast``, groups=4 but post-attention, ``"variant": "fast"``) for
    ``tasks``, with other random weights than :func:`write_tiny_bundles`' so their outputs differ."""
    root.mkdir(parents=True, exist_ok=True)
    tok = tiny_tokenizer()
    spec = tiny_spec(tok.get_vocab_size(), groups)
    with tempfile.TemporaryDirectory() as tmp:
        tok_file = Path(tmp) / "tokenizer.json"
        tok.save(str(tok_file))
        return [_write_task(root / f"tiny-{task}-fast", task, spec, tok_file, 100 + i, max_length, Variant.FAST)
                for i, task in enumerate(tasks)]


def write_tiny_embed(root: Path, max_length: int = 32) -> Path:
    """A random-weight ``embed`` bundle with the shipped graph's shape (tests; no torch needed)."""
    from sqzdesk.modelbuild.embed import pooled_graph

    tok = tiny_tokenizer()
    spec = EncoderSpec(vocab_size=tok.get_vocab_size(), **TINY_SPEC)  # type: ignore[arg-type]
    model = pooled_graph(build_model(spec, "token", random_weights(spec, "token", 2, 7), 2, name="tiny-embed"))
    with tempfile.TemporaryDirectory() as tmp:
        tok_file, model_file = Path(tmp) / "tokenizer.json", Path(tmp) / "model.onnx"
        tok.save(str(tok_file))
        onnx.save(model, model_file)
        card = ("# tiny-embed (test bundle)\n\nRandom weights, for testing the mechanics only: its vectors mean "
                "nothing. Made by `sqzdesk.modelbuild.tiny.write_tiny_embed`.\n")
        return write_bundle(root / "tiny-embed", name="tiny-embed", version="0.0.0", task="embed",
                            architecture=spec.as_dict(), labels=[], max_length=max_length, model_file=model_file,
                            tokenizer_file=tok_file, card=card, quantization="none",
                            metrics={"note": "random weights"}, build={"command": "write_tiny_embed"},
                            task_params={"stride": 8, "pooling": "mean", "normalized": True})
