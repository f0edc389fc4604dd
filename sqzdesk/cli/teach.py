"""``sqzdesk teach``: make, list, share and remove custom classifiers.

    sqzdesk teach train DATA --name NAME [--text-col C] [--label-col C] [--replace] [--dry-run] [--json]
    sqzdesk teach list [--json]
    sqzdesk teach export NAME [FILE.sqzclf]
    sqzdesk teach import FILE.sqzclf [--replace]
    sqzdesk teach remove NAME

``train`` reads CSV/TSV/JSONL examples, embeds them with the ``embed`` bundle, prints the k-fold
cross-validated accuracy, per-label precision/recall and the confusion matrix, and then saves the
classifier into the user's models folder (not with ``--dry-run``). Bad input is refused with one line
saying what to change and nothing is written. The work is :mod:`sqzdesk.engine.teach`; this module is
its command line (standard library only at module level, see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqzdesk.cli.common import model_dirs, usage


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("teach", help="your own classifiers: train, list, export, import, remove")
    sub = p.add_subparsers(dest="teach_command", required=True)

    tr = sub.add_parser("train", help="train a classifier from labelled examples (CSV, TSV or JSONL)")
    tr.add_argument("data", type=Path, metavar="DATA")
    tr.add_argument("--name", required=True, help="the classifier's name (use it as --tasks classify:NAME)")
    tr.add_argument("--text-col", help="column (or JSON field) with the text (default: text, sentence, ...)")
    tr.add_argument("--label-col", help="column (or JSON field) with the label (default: label, class, ...)")
    tr.add_argument("--replace", action="store_true", help="overwrite a classifier of the same name")
    tr.add_argument("--dry-run", action="store_true", help="report the cross-validated figures, save nothing")
    tr.add_argument("--json", action="store_true", help="the report as JSON on standard output")
    tr.set_defaults(run=run_train)

    ls = sub.add_parser("list", help="installed classifiers")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=run_list)

    ex = sub.add_parser("export", help="write a classifier as one .sqzclf file to share")
    ex.add_argument("name")
    ex.add_argument("file", type=Path, nargs="?", help="default: NAME.sqzclf in the current folder")
    ex.set_defaults(run=run_export)

    im = sub.add_parser("import", help="install a .sqzclf file (checksums verified)")
    im.add_argument("file", type=Path)
    im.add_argument("--replace", action="store_true", help="overwrite a classifier of the same name")
    im.set_defaults(run=run_import)

    rm = sub.add_parser("remove", help="delete a classifier")
    rm.add_argument("name")
    rm.set_defaults(run=run_remove)


def _home(args: argparse.Namespace) -> Path:
    """Where classifiers are saved: the first ``--models`` folder, else the user's models folder."""
    from sqzdesk.engine.classify import home_dir

    return args.models[0] if args.models else home_dir()


def run_train(args: argparse.Namespace) -> int:
    from sqzdesk.engine import BundleError
    from sqzdesk.engine.classify import check_name
    from sqzdesk.engine.embed import EmbedModel
    from sqzdesk.engine.teach import TeachError, read_examples, save, train

    try:
        check_name(args.name)
        data = read_examples(args.data, args.text_col, args.label_col)
    except (TeachError, ValueError) as exc:
        return usage("teach train", str(exc))
    target = _home(args)
    if not args.dry_run and not args.replace and (target / f"classify-{args.name}").exists():
        return usage("teach train", f"a classifier named '{args.name}' exists; use --replace to overwrite it")
    try:
        embed = EmbedModel.open(model_dirs(args), args.threads)
    except BundleError as exc:
        print(f"sqzdesk: embed model unusable: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{k} {v}" for k, v in data.counts().items())
    print(f"sqzdesk teach: {len(data.examples)} examples ({counts})"
          + (f", {data.skipped_empty} without text skipped" if data.skipped_empty else "") + "; embedding...",
          file=sys.stderr)
    trained = train(args.name, data, embed)
    report = trained.report
    if args.json:
        print(json.dumps({"name": args.name, **report.to_dict(), "saved": None if args.dry_run else True}, indent=2))
    else:
        print(report.table())
        print(f"\nembedding {report.embed_seconds:.1f} s, cross-validation and fit {report.train_seconds:.1f} s")
    if args.dry_run:
        print("sqzdesk teach: --dry-run, nothing saved", file=sys.stderr)
        return 0
    try:
        path = save(trained, target, replace=args.replace)
    except (TeachError, OSError) as exc:
        return usage("teach train", f"not saved: {exc}")
    print(f"sqzdesk teach: saved '{args.name}' in {path}; use it with --tasks classify:{args.name}", file=sys.stderr)
    return 0


def _installed_encoder(args: argparse.Namespace) -> str | None:
    """The installed embed model's sha256 (None when there is none): a classifier runs only on its own."""
    from sqzdesk.engine import BundleError, find_bundle

    try:
        return find_bundle("embed", model_dirs(args)).manifest.files["model"].sha256
    except BundleError:
        return None


def run_list(args: argparse.Namespace) -> int:
    from sqzdesk.engine.classify import find_classifiers

    entries = find_classifiers(model_dirs(args))
    encoder = _installed_encoder(args)
    for i, e in enumerate(entries):
        if e.classifier is not None and e.classifier.embed_sha256 != encoder:
            entries[i] = type(e)(e.name, e.path, e.classifier,
                                 "trained on another sentence encoder than the installed one: train it again")
    if args.json:
        rows = []
        for e in entries:
            m = e.classifier.bundle.manifest if e.classifier else None
            rows.append({"name": e.name, "path": str(e.path), "labels": list(m.labels) if m else None,
                         "cv_accuracy": m.metrics.get("cv_accuracy") if m else None,
                         "examples": m.build.get("data", {}).get("examples") if m else None,
                         "created": m.build.get("created") if m else None, "error": e.error})
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print("no classifiers yet: make one with `sqzdesk teach train DATA --name NAME`")
        return 0
    for e in entries:
        if e.classifier is None or e.error:
            print(f"UNUSABLE  {e.name}  {e.path}\n          {e.error}")
            continue
        m = e.classifier.bundle.manifest
        acc = float(m.metrics.get("cv_accuracy") or 0.0)
        print(f"{e.name:<20} {', '.join(m.labels)}  cv accuracy {100 * acc:.1f}%  "
              f"{m.build.get('data', {}).get('examples', '?')} examples  {m.build.get('created', '')}\n"
              f"{'':<20} {e.path}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from sqzdesk.engine.teach import TeachError, export_file

    try:
        dest = export_file(args.name, args.file or Path(f"{args.name}.sqzclf"), model_dirs(args))
    except (TeachError, OSError) as exc:
        return usage("teach export", str(exc))
    print(dest)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from sqzdesk.engine.teach import TeachError, import_file

    try:
        classifier = import_file(args.file, _home(args), replace=args.replace)
    except (TeachError, OSError) as exc:
        return usage("teach import", str(exc))
    print(f"sqzdesk teach: imported '{classifier.name}' ({', '.join(classifier.labels)}) into "
          f"{classifier.bundle.path}", file=sys.stderr)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from sqzdesk.engine.teach import TeachError, remove

    try:
        path = remove(args.name, model_dirs(args))
    except (TeachError, OSError) as exc:
        return usage("teach remove", str(exc))
    print(f"sqzdesk teach: removed {path}", file=sys.stderr)
    return 0
