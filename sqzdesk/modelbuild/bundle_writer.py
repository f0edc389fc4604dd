"""Write a bundle folder in the engine's format (the manifest's schema lives in sqzdesk.engine.manifest)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqzdesk.engine.bundle import MANIFEST, load_bundle, sha256_of
from sqzdesk.engine.manifest import FileEntry, Manifest, Speed, Variant

FILE_NAMES = {"model": "model.onnx", "tokenizer": "tokenizer.json", "card": "MODEL_CARD.md"}


def write_bundle(out: Path, *, name: str, version: str, task: str, architecture: dict[str, Any],
                 labels: list[str], max_length: int, model_file: Path, tokenizer_file: Path, card: str,
                 quantization: str, metrics: dict | None = None, build: dict | None = None,
                 task_params: dict | None = None, inputs: list[str] | None = None,
                 variant: Variant = Variant.ACCURATE, speed: Speed | None = None) -> Path:
    """Copy the files into ``out``, hash them, write manifest.json, and load it back as a check.

    ``inputs``: the graph's inputs, listed in the manifest when the model takes more than the classic three
    (``case_ids``), so a reader sees what the model needs without opening it. ``variant`` and ``speed``:
    see :mod:`sqzdesk.engine.manifest` (a fast bundle goes in ``<task>-fast/`` beside the accurate one)."""
    out.mkdir(parents=True, exist_ok=True)
    if model_file.resolve() != (out / FILE_NAMES["model"]).resolve():
        shutil.copyfile(model_file, out / FILE_NAMES["model"])
    shutil.copyfile(tokenizer_file, out / FILE_NAMES["tokenizer"])
    (out / FILE_NAMES["card"]).write_text(card, encoding="utf-8")
    manifest = Manifest(
        name=name, version=version, task=task, architecture=architecture, labels=tuple(labels),
        max_length=max_length,
        files={role: FileEntry(fname, sha256_of(out / fname)) for role, fname in FILE_NAMES.items()},
        quantization=quantization, metrics=metrics or {}, build=build or {}, task_params=task_params or {},
        inputs=tuple(inputs or ()), variant=variant, speed=speed,
    )
    (out / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    load_bundle(out)
    return out


def with_section(card: str, heading: str, text: str) -> str:
    """``card`` with the section that starts at ``heading`` replaced by ``text`` (up to the next ``## ``
    heading), or ``text`` appended when the card has no such section yet."""
    if heading not in card:
        return card.rstrip("\n") + "\n\n" + text
    head, _, rest = card.partition(heading)
    tail = rest.split("\n## ", 1)
    return head + text + ("\n## " + tail[1] if len(tail) > 1 else "")


def amend_bundle(folder: Path, *, speed: Speed | None = None, card_section: tuple[str, str] | None = None,
                 model_file: Path | None = None, build: dict[str, Any] | None = None) -> None:
    """Change a written bundle in place: a new model file, a card section (heading, text: see
    :func:`with_section`), entries added to ``build``, the measured ``speed``; the changed files are re-hashed
    and the bundle is loaded back as a check. What is not given stays as it was."""
    bundle = load_bundle(folder)
    files = dict(bundle.manifest.files)
    if model_file is not None:
        shutil.copyfile(model_file, bundle.file("model"))
        files["model"] = FileEntry(files["model"].name, sha256_of(bundle.file("model")))
    if card_section is not None:
        card_path = bundle.file("card")
        card_path.write_text(with_section(card_path.read_text(encoding="utf-8"), *card_section), encoding="utf-8")
        files["card"] = FileEntry(files["card"].name, sha256_of(card_path))
    manifest = replace(bundle.manifest, files=files, build={**bundle.manifest.build, **(build or {})},
                       speed=speed or bundle.manifest.speed)
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    load_bundle(folder)
