"""``sqzdesk models``: the installed bundles, where they are, and why one is unusable."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="list installed model bundles")
    models.add_argument("--json", action="store_true")
    models.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sqzdesk.engine import discover, search_dirs

    dirs = [*args.models, *search_dirs()] if args.models else search_dirs()
    found = discover(dirs)
    if args.json:
        rows = [{"path": str(f.path), "task": f.bundle.task if f.bundle else None,
                 "name": f.bundle.manifest.name if f.bundle else None,
                 "version": f.bundle.manifest.version if f.bundle else None,
                 "size_bytes": f.bundle.size_bytes if f.bundle else None,
                 "quantization": f.bundle.manifest.quantization if f.bundle else None,
                 "metrics": f.bundle.manifest.metrics if f.bundle else None, "error": f.error} for f in found]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print("no model bundles found in: " + ", ".join(str(d) for d in dirs))
        return 0
    for f in found:
        if f.bundle is None:
            print(f"UNUSABLE  {f.path}\n          {f.error}")
            continue
        m = f.bundle.manifest
        metrics = ", ".join(f"{k}={v}" for k, v in m.metrics.items() if isinstance(v, int | float))
        print(f"{m.task:<10} {m.name} {m.version}  {f.bundle.size_bytes / 1e6:.1f} MB  {m.quantization}  "
              f"{metrics}\n           {f.path}")
    return 0
