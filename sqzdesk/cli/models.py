"""``sqzdesk models``: the installed bundles, where they are, and why one is unusable.

A task may ship two variants, accurate (groups=1) and fast (groups=4, ``<task>-fast/``); each is listed
with what a user weighs when choosing (``--variant``, Settings -> Models): its validation figure, its
measured speed, its size and its grouping.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqzdesk.engine.bundle import Bundle


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="list installed model bundles (both variants of a task)")
    models.add_argument("--json", action="store_true")
    models.set_defaults(run=run)


def groups_of(bundle: Bundle) -> int | None:
    """The encoder's grouping as one number: the largest group count (post-attention is always 1)."""
    groups = bundle.manifest.architecture.get("groups")
    if isinstance(groups, dict):
        counts = [v for v in groups.values() if isinstance(v, int) and not isinstance(v, bool)]
        return max(counts) if counts else None
    return None


def figures(bundle: Bundle) -> str:
    """``accuracy 90.4 · 42.0 ms/batch (2 threads, AVX-512 VNNI)``: what the variants are chosen by."""
    m = bundle.manifest
    validation = m.validation()
    parts = [f"{validation[0]} {validation[1]:.1f}" if validation else "no validation figure"]
    if m.speed is None:
        parts.append("speed not measured")
    else:
        where = ", ".join(x for x in (f"{m.speed.threads} threads" if m.speed.threads else "", m.speed.cpu) if x)
        parts.append(f"{m.speed.ms:.1f} ms/batch" + (f" ({where})" if where else ""))
    return " · ".join(parts)


def _row(bundle: Bundle) -> dict[str, Any]:
    m = bundle.manifest
    validation = m.validation()
    return {"task": m.task, "variant": str(m.variant), "name": m.name, "version": m.version,
            "size_bytes": bundle.size_bytes, "groups": groups_of(bundle), "quantization": m.quantization,
            "validation": {"metric": validation[0], "value": validation[1]} if validation else None,
            "speed": m.speed.to_dict() if m.speed else None, "metrics": m.metrics}


def run(args: argparse.Namespace) -> int:
    from sqzdesk.engine import discover, search_dirs

    dirs = [*args.models, *search_dirs()] if args.models else search_dirs()
    found = discover(dirs)
    if args.json:
        empty = dict.fromkeys(("task", "variant", "name", "version", "size_bytes", "groups", "quantization",
                               "validation", "speed", "metrics"))
        rows = [{"path": str(f.path), **(_row(f.bundle) if f.bundle else empty), "error": f.error} for f in found]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print("no model bundles found in: " + ", ".join(str(d) for d in dirs))
        return 0
    bundles = [f.bundle for f in found if f.bundle is not None]
    order = {task: i for i, task in enumerate(dict.fromkeys(b.task for b in bundles))}
    # a task's variants together (accurate first), tasks and folders otherwise in search order
    for bundle in sorted(bundles, key=lambda b: (order[b.task], str(b.variant))):
        m, groups = bundle.manifest, groups_of(bundle)
        print(f"{m.task:<10} {m.variant:<9} {m.name} {m.version}  {bundle.size_bytes / 1e6:.1f} MB  "
              f"groups={groups if groups is not None else '?'}  {m.quantization}  {figures(bundle)}\n"
              f"           {bundle.path}")
    for f in found:
        if f.bundle is None:
            print(f"UNUSABLE  {f.path}\n          {f.error}")
    return 0
