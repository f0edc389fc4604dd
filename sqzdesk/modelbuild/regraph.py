"""``python -m sqzdesk.modelbuild regraph --bundle assets/models/T-fast``: a shipped grouped bundle written
again by today's graph builder, its weights untouched.

When the builder learns a cheaper way to write the same function (2026-12-01: each group's attention on its
own slice, :func:`sqzdesk.modelbuild.onnx_graph._attention_by_group`), a shipped bundle need not be trained
again to get it, and its training run may be gone with the machine that made it. Its int8 weights,
dequantized and quantized again, come back bit for bit: symmetric int8 (and the 4-bit word blocks) take
their scale from the largest weight of each tensor (block), which dequantizes to scale x 127 (x 7) and so
sets the same scale again, and every other weight is an integer multiple of it. ``regraph`` checks exactly
that (every weight of the new file equal to the old file's, :func:`same_weights`) and, with the training
data at hand, that both files give the same predictions on the validation split; only then does it replace
``model.onnx``, with the speeds of the new file and the accurate sibling timed in one run recorded in both
manifests (the old file's too, in the card's note). Accuracy figures carry over unchanged: they are of the
same weights computing the same function.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import onnx

from sqzdesk.engine.bundle import load_bundle
from sqzdesk.engine.manifest import Manifest, Speed, Variant
from sqzdesk.engine.speed import threads_text
from sqzdesk.modelbuild.bundle_writer import amend_bundle
from sqzdesk.modelbuild.export import quantize_int8
from sqzdesk.modelbuild.from_bundle import dequantized_weights
from sqzdesk.modelbuild.onnx_graph import EncoderSpec, build_model
from sqzdesk.modelbuild.tiny import TASKS

SECTION = "## Graph re-exported"


def spec_of(manifest: Manifest) -> EncoderSpec:
    return EncoderSpec(**{k: v for k, v in manifest.architecture.items() if k != "type"})


def rebuild(manifest: Manifest, old: Path, out: Path) -> Path:
    """``out/model.onnx``: the weights of ``old`` (dequantized) through :func:`build_model` with one MatMul
    per group, quantized as ``old`` was (4-bit word blocks when it has them); an fp32 file stays fp32."""
    out.mkdir(parents=True, exist_ok=True)
    head = TASKS[manifest.task][0]
    graph = build_model(spec_of(manifest), head, dequantized_weights(old),
                        len(manifest.labels) if manifest.labels else 2, name=manifest.name, split_groups=True)
    fp32, int8 = out / "model.fp32.onnx", out / "model.onnx"
    onnx.save(graph, fp32)
    if manifest.quantization == "none":
        shutil.copyfile(fp32, int8)
    else:
        names = {t.name for t in onnx.load(str(old)).graph.initializer}
        quantize_int8(fp32, int8, word_embedding_bits=4 if "emb.word.q4" in names else 8)
    return int8


def same_weights(old: Path, new: Path) -> list[str]:
    """The weights (canonical names) that differ between two files, dequantized, bit for bit; [] when none."""
    a, b = dequantized_weights(old), dequantized_weights(new)
    return sorted(n for n in set(a) | set(b)
                  if n not in a or n not in b or a[n].shape != b[n].shape or not np.array_equal(a[n], b[n]))


def install(bundle_dir: Path, new_model: Path, note: str, speed: Speed | None = None) -> None:
    """Replace the bundle's model file, record ``note`` in its card (replacing an earlier note of this step)
    and ``speed`` in its manifest, re-hash both files and load the bundle back as a check."""
    amend_bundle(bundle_dir, speed=speed, card_section=(SECTION, note), model_file=new_model,
                 build={"grouped_layers": "one MatMul per group, each group's attention alone",
                        "regraphed": date.today().isoformat()})


def note_text(facts: dict) -> str:
    import textwrap

    ms = facts["ms"]
    body = (f"Re-exported {facts['date']} by `python -m sqzdesk.modelbuild regraph --bundle {facts['bundle']}`: "
            f"the same weights (every one equal bit for bit to the file before) written by today's graph builder, "
            f"which runs each group's attention on its own slice (one Split of the input for q, k and v per "
            f"layer, no Concat between them). {facts['validation']} Batch 8 x 128, {threads_text(facts['threads'])}, "
            f"interleaved in one run on `{facts['cpu']}` ({facts['cpu_class']}): this file "
            f"{ms['fast']} ms, the file before {ms['before']} ms, the accurate bundle {ms['accurate']} ms "
            f"({round(ms['accurate'] / ms['fast'], 2)}x, before {round(ms['accurate'] / ms['before'], 2)}x). "
            "Size and speed above are the figures of the build.")
    return SECTION + "\n" + textwrap.fill(body, 110) + "\n"


def regraph(args: argparse.Namespace, timer: Callable[[dict[str, Path], int, int], dict[str, float]] | None = None
            ) -> dict:
    """The step; ``timer`` (tests): what times the files, by default
    :func:`~sqzdesk.modelbuild.release.interleaved_ms` (paths, threads, rounds -> ms)."""
    from sqzdesk.modelbuild.cpu import cpu_info
    from sqzdesk.modelbuild.fast_release import SPEED_THREADS
    from sqzdesk.modelbuild.release import _flat, agreement_pct, interleaved_ms

    bundle = load_bundle(args.bundle)
    if bundle.manifest.variant is not Variant.FAST:
        raise SystemExit(f"{args.bundle} is not a fast (grouped) bundle: the groups=1 graph has not changed")
    accurate_dir = args.bundle.parent / args.bundle.name.removesuffix("-fast")  # its sibling, as bench/ pairs them
    work = args.runs / f"{args.bundle.name}-regraph"
    old = bundle.file("model")
    new = rebuild(bundle.manifest, old, work)
    differ = same_weights(old, new)
    if differ:
        raise SystemExit(f"not a graph-only change: {len(differ)} weights differ ({', '.join(differ[:5])}); "
                         "nothing written")
    facts: dict = {"bundle": str(args.bundle), "date": date.today().isoformat(), "weights": "identical"}
    if args.data is not None and args.data.exists():
        from sqzdesk.modelbuild.ort_model import OrtModel
        from sqzdesk.modelbuild.pipeline import task_spec

        spec = task_spec(bundle.manifest.task)
        _, val = spec.load(args.data, args.runs)
        task = spec.make_task([], val)
        before, after = task.predict(OrtModel(old, args.threads)), task.predict(OrtModel(new, args.threads))
        scores = (task.score(before), task.score(after))
        agree = agreement_pct(_flat(before), _flat(after))
        facts.update(agreement=agree, scores=scores)
        if agree < 100 or scores[0] != scores[1]:
            raise SystemExit(f"predictions differ on the validation split ({agree}% agree, {scores}); nothing written")
        facts["validation"] = (f"On the validation split ({len(val)} examples) both files give the same "
                               f"predictions (100% agree; {spec.metric} {scores[1][spec.metric]} on this "
                               "CPU: int8 kernels round differently across CPU classes, so the figures above, of "
                               "the build, may differ in the last digits).")
    else:
        facts["validation"] = "The validation data was not at hand: predictions were not compared."
    files = {"fast": new, "before": old, "accurate": load_bundle(accurate_dir).file("model")}
    threads = getattr(args, "speed_threads", None) or SPEED_THREADS
    ms = (timer or interleaved_ms)(files, threads, args.rounds)
    name, _, cls = cpu_info()
    facts.update(ms=ms, threads=threads, cpu=name, cpu_class=cls)
    (work / "facts.json").write_text(json.dumps(facts, indent=2))
    install(args.bundle, new, note_text(facts), Speed(ms["fast"], threads, cls))
    amend_bundle(accurate_dir, speed=Speed(ms["accurate"], threads, cls))  # its files untouched
    return facts
