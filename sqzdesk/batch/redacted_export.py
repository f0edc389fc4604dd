"""Redacted copies an analyst can hand over, each with an audit file: the one export path of
``sqzdesk redact``, ``sqzdesk batch --redact`` and the GUI's File -> Export redacted.

Layout under the output folder: ``<name as in the input, same relative folders>`` in the input's own
format where one is written (.txt, .md, .html, .docx), otherwise with ``.txt`` appended (``a.pdf`` ->
``a.pdf.txt``); beside it ``<that name>.audit.json``.

* Text: the redacted text.
* Markdown and HTML are written *from the redacted text* (escaped, one paragraph per line), not by editing
  the original markup: markup holds copies of the text the reader never showed (``mailto:`` links, alt
  texts, comments, meta tags) that an edit in place would leave behind. Headings and emphasis are lost.
* DOCX keeps the document (styles, runs, tables): the replacements go into its runs
  (:mod:`sqzdesk.batch.docx_redact`). If its text cannot be mapped onto its runs, a ``.txt`` is written
  instead and the audit says so.

The audit (JSON) records the document's sha256, every redacted span (offsets into the extracted text,
label, source: model/rule/analyst, decision: accepted/added/unreviewed, whether it was a repeated mention,
and its replacement), the rejected spans left in the clear, stale decisions not applied, the mode and
types, the app and model versions and the time. It holds no redacted text: it travels with the
redacted file, and the offsets with the hash let the original's keeper check every span.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqzdesk import __version__
from sqzdesk.batch.decisions import Decision
from sqzdesk.batch.redaction import (
    DEFAULT_REDACT_TYPES,
    Pseudonyms,
    RedactionMode,
    RedactionPlan,
    _apply,
    plan_redaction,
    replacements,
)
from sqzdesk.documents import Document
from sqzdesk.engine.patterns import PATTERNS_VERSION
from sqzdesk.engine.results import Entity

AUDIT_FORMAT = "sqzdesk-redaction-audit/1"
_SAME_FORMAT = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                ".docx": "docx"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


@dataclass(frozen=True)
class RedactionSettings:
    mode: RedactionMode = RedactionMode.LABELS
    types: frozenset[str] = DEFAULT_REDACT_TYPES
    every_mention: bool = True


@dataclass(frozen=True)
class RedactionInput:
    """One document to export: its bytes (a DOCX is edited from them), their sha256, the extracted
    document (the offsets), the found entities and the analyst's decisions on this content."""

    path: Path
    data: bytes
    sha256: str
    document: Document
    entities: tuple[Entity, ...]
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class ExportedFile:
    source: Path
    target: Path
    audit: Path
    format: str              # what was written: txt, md, html, docx
    plan: RedactionPlan
    note: str | None = None  # e.g. why a DOCX became text
    versions: dict[str, str] = field(default_factory=dict)


def output_name(path: Path, roots: Iterable[Path]) -> Path:
    """The file's place under the common folder of the inputs (just its name for a file outside them),
    with ``.txt`` appended where its format is not written back."""
    bases = [os.path.abspath(r if Path(r).is_dir() else Path(r).parent) for r in roots]
    base = os.path.commonpath(bases) if bases else os.path.dirname(os.path.abspath(path))
    rel = os.path.relpath(os.path.abspath(path), base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = Path(path).name
    suffix = Path(rel).suffix.lower()
    return Path(rel) if suffix in _SAME_FORMAT else Path(f"{rel}.txt")


def audit_path(target: Path) -> Path:
    return target.with_name(target.name + ".audit.json")


def export_redacted(item: RedactionInput, target: Path, settings: RedactionSettings = RedactionSettings(),
                    pseudonyms: Pseudonyms | None = None, versions: dict[str, str] | None = None) -> ExportedFile:
    """Write the redacted copy to ``target`` (from :func:`output_name`) and its audit beside it.

    ``pseudonyms``: pass one object for a whole batch to keep pseudonyms consistent across files.
    ``versions``: what produced the entities, for the audit (e.g. ``{"models": model_key}``).
    Raises OSError when a file cannot be written.
    """
    from sqzdesk.batch.docx_redact import DocxLayoutError, redact_docx

    text = item.document.text
    plan = plan_redaction(text, item.entities, settings.types, item.decisions, every_mention=settings.every_mention)
    replaced = replacements(plan, settings.mode, pseudonyms if pseudonyms is not None else Pseudonyms())
    fmt = _SAME_FORMAT.get(target.suffix.lower(), "txt")
    note = None
    payload: bytes
    if fmt == "docx":
        try:
            surfaces = _surfaces(plan, replaced)
            payload = redact_docx(item.data, text, [(p.start, p.end, new) for p, new in replaced], surfaces)
        except DocxLayoutError as exc:
            note = f"written as text: {exc}"
            fmt, target = "txt", Path(f"{target}.txt")
    if fmt != "docx":
        redacted = _apply(text, [(p.start, p.end, p.label, new) for p, new in replaced]).text
        payload = {"txt": _plain, "md": _markdown, "html": _html}[fmt](redacted).encode("utf-8")
    audit = audit_path(target)
    all_versions = {"app": __version__, "patterns": str(PATTERNS_VERSION), **(versions or {})}
    record = _audit_record(item, target, fmt, plan, replaced, settings, all_versions, note)
    _write_atomically(target, payload)
    _write_atomically(audit, (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return ExportedFile(item.path, target, audit, fmt, plan, note, all_versions)


def _surfaces(plan: RedactionPlan, replaced: Sequence[tuple[Any, str]]) -> list[tuple[str, str]]:
    """Each distinct redacted text with its replacement, longest first (for the sweeps)."""
    seen: dict[str, str] = {}
    for span, new in replaced:
        seen.setdefault(plan.text[span.start:span.end], new)
    return sorted(seen.items(), key=lambda kv: -len(kv[0]))


def _plain(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _markdown(text: str) -> str:
    """Every line escaped so nothing in it becomes markup; paragraphs as in the text."""
    lines = [_MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in text.split("\n")]
    return "\n\n".join(line for line in lines if line.strip()) + "\n"


def _html(text: str) -> str:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Redacted document</title></head>\n"
            f"<body>\n{body}\n</body></html>\n")


def _audit_record(item: RedactionInput, target: Path, fmt: str, plan: RedactionPlan,
                  replaced: Sequence[tuple[Any, str]], settings: RedactionSettings, versions: dict[str, str],
                  note: str | None) -> dict[str, Any]:
    return {
        "format": AUDIT_FORMAT,
        "document": {"name": item.path.name, "sha256": item.sha256, "format": item.document.format,
                     "characters": len(plan.text)},
        "output": {"name": target.name, "format": fmt, "note": note},
        "mode": settings.mode.value,
        "types": sorted(settings.types),
        "every_mention": settings.every_mention,
        "versions": versions,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "spans": [{"start": p.start, "end": p.end, "label": p.label, "source": p.source.value,
                   "decision": p.verdict.value if p.verdict is not None else "unreviewed",
                   "repeated": p.repeated, "replacement": new} for p, new in replaced],
        "kept": [{"start": d.start, "end": d.end, "label": d.label, "source": d.source.value,
                  "decision": d.verdict.value} for d in plan.kept],
        "stale_decisions": [{"start": d.start, "end": d.end, "label": d.label, "decision": d.verdict.value}
                            for d in plan.stale],
    }


def _write_atomically(target: Path, payload: bytes) -> None:
    """Temp file + rename: an interrupted export leaves the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_input(path: Path, entities: Iterable[Entity], decisions: Iterable[Decision] = (), *,
               sha256: str | None = None, max_bytes: int | None = None) -> RedactionInput:
    """The :class:`RedactionInput` for a file as it is on disk now (the GUI's File -> Export redacted:
    the open tab's entities and decisions). With ``sha256`` (the content the entities were found in) a
    file changed since is refused rather than redacted at offsets that no longer fit.

    Raises DocumentError (changed, vanished, unreadable).
    """
    from sqzdesk.batch.source import load_source
    from sqzdesk.documents import DEFAULT_MAX_BYTES, DocumentError

    source = load_source(path, max_bytes or DEFAULT_MAX_BYTES)
    if sha256 is not None and source.sha256 != sha256:
        raise DocumentError("not redacted: the file changed since it was analysed")
    return RedactionInput(Path(path), source.data, source.sha256, source.document(), tuple(entities),
                          tuple(d for d in decisions if d.sha256 == source.sha256))


def export_result(result: Any, folder: Path, roots: Iterable[Path], settings: RedactionSettings,
                  pseudonyms: Pseudonyms, *, store: Any = None, decisions: Iterable[Decision] = (),
                  versions: dict[str, str] | None = None, max_bytes: int | None = None) -> ExportedFile:
    """Export one stored :class:`~sqzdesk.batch.results.FileResult` (``sqzdesk redact`` and ``batch
    --redact``): the file is read again and must still have the analysed content; the decisions are
    the store's for that content (``store``, a ResultStore) plus ``decisions`` of the same content.

    Raises DocumentError when the file changed, vanished or cannot be read, OSError when the output
    cannot be written.
    """
    from sqzdesk.documents import DocumentError

    if result.sha256 is None:
        raise DocumentError("not redacted: no analysed content")
    stored = store.decisions(result.sha256) if store is not None else []
    # a decisions file's entry comes later, so it wins over the store's on the same span
    item = load_input(result.path, result.entities, [*stored, *decisions], sha256=result.sha256, max_bytes=max_bytes)
    return export_redacted(item, folder / output_name(result.path, roots), settings, pseudonyms, versions)
