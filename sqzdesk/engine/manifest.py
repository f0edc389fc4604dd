"""The bundle manifest: one JSON file that says what a model folder is and how to check it.

Format 1::

    {"format": 1, "name": "sqzdesk-sentiment", "version": "1.0.0", "task": "sentiment",
     "architecture": {"type": "squeezebert", "hidden_size": 384, "num_layers": 6, "num_heads": 12,
                      "intermediate_size": 1536, "vocab_size": 30522, "groups": {"q": 4, ...}, ...},
     "labels": ["negative", "positive"], "max_length": 128,
     "files": {"model": {"name": "model.onnx", "sha256": "..."}, "tokenizer": {...}, "card": {...}},
     "quantization": "int8-dynamic", "metrics": {...}, "build": {"command": "...", ...},
     "task_params": {...}, "inputs": ["input_ids", "attention_mask", "token_type_ids", "case_ids"]}

``inputs`` (optional) names the model's graph inputs; the engine checks it against the graph. Bundles
written before it existed have none and load as before (their graphs take the first three).

``variant`` (optional): ``"accurate"`` (groups=1, the default, so older and user bundles keep loading
as they did) or ``"fast"`` (grouped 1x1 convolutions, groups=4 but post-attention, kept beside its
accurate sibling in ``<task>-fast/``). ``speed`` (optional) is what the release step measured, shown
next to the validation figure so the user can weigh one against the other::

    "variant": "fast",
    "speed": {"ms_batch8x128_int8": 21.4, "threads": 2, "cpu": "AVX-512 VNNI"}

The validation figure is the existing ``metrics`` entry ``validation_<metric>_int8`` (accuracy, f1).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

FORMAT = 1
TASKS = ("sentiment", "entities", "qa", "embed", "classify")
# One bundle per task, found by task; ``classify`` bundles are many, one per user classifier, found by
# name (sqzdesk.engine.classify), and have no encoder of their own (they run on the ``embed`` bundle).
MODEL_TASKS = ("sentiment", "entities", "qa", "embed")
FILE_ROLES = ("model", "tokenizer", "card")
TASK_FILE_ROLES = {"classify": ("head", "card")}
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")


# Tasks that may ship a fast sibling. ``embed`` never switches: a user's classifiers were trained on
# one encoder's vectors (their head records its checksum), so another encoder would void them.
VARIANT_TASKS = ("sentiment", "entities", "qa")
SPEED_MS_KEY = "ms_batch8x128_int8"  # the bench's figure: one batch of 8 x 128 tokens, int8
_VALIDATION = re.compile(r"validation_([a-z0-9]+)_int8")


class Variant(StrEnum):
    """Which of a task's bundles: the full model, or its grouped (smaller, faster) sibling."""

    ACCURATE = "accurate"
    FAST = "fast"


class ManifestError(ValueError):
    """A manifest that does not follow the format; the message names the field."""


@dataclass(frozen=True)
class Speed:
    """What the release step measured for a bundle (``speed`` in the manifest)."""

    ms: float            # milliseconds per batch of 8 x 128 tokens, int8, as shipped
    threads: int = 0     # ONNX Runtime threads it ran with (0: not recorded)
    cpu: str = ""        # the CPU's speed class, e.g. "AVX-512 VNNI" (bench/models.py prints it)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {SPEED_MS_KEY: self.ms}
        if self.threads:
            data["threads"] = self.threads
        if self.cpu:
            data["cpu"] = self.cpu
        return data


@dataclass(frozen=True)
class FileEntry:
    name: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    task: str
    architecture: dict[str, Any]
    labels: tuple[str, ...]
    max_length: int
    files: dict[str, FileEntry]
    quantization: str = "none"
    metrics: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    task_params: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT
    inputs: tuple[str, ...] = ()  # the model's graph inputs, when the manifest lists them
    variant: Variant = Variant.ACCURATE
    speed: Speed | None = None

    def to_json(self) -> str:
        data = asdict(self)
        data["labels"] = list(self.labels)
        data["inputs"] = list(self.inputs)
        if not self.inputs:  # a manifest without the optional field stays as it was
            del data["inputs"]
        data["variant"] = str(self.variant)
        if self.variant is Variant.ACCURATE:  # likewise: older manifests had no variant
            del data["variant"]
        data["speed"] = self.speed.to_dict() if self.speed else None
        if self.speed is None:
            del data["speed"]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def validation(self) -> tuple[str, float] | None:
        """The headline validation figure, (metric, value), from ``metrics``: the first
        ``validation_<metric>_int8`` entry (``validation_accuracy_int8``, ``validation_f1_int8``); None
        when the bundle records none."""
        for key, value in self.metrics.items():
            match = _VALIDATION.fullmatch(key)
            if match and isinstance(value, int | float) and not isinstance(value, bool):
                return match.group(1), float(value)
        return None

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Validate and build; every problem is reported as a ManifestError naming the field."""
        if not isinstance(data, dict):
            raise ManifestError("manifest is not a JSON object")

        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            if key not in data:
                raise ManifestError(f"missing field '{key}'")
            value = data[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ManifestError(f"field '{key}' has the wrong type")
            return value

        if need("format", int) != FORMAT:
            raise ManifestError(f"unsupported manifest format {data['format']} (this app reads {FORMAT})")
        task = need("task", str)
        if task not in TASKS:
            raise ManifestError(f"unknown task '{task}' (expected one of {', '.join(TASKS)})")
        labels = need("labels", list)
        if not all(isinstance(x, str) for x in labels):
            raise ManifestError("field 'labels' must be a list of strings")
        if task == "sentiment" and sorted(labels) != ["negative", "positive"]:
            raise ManifestError("a sentiment bundle's labels must be 'negative' and 'positive'")
        if task == "entities" and "O" not in labels:
            raise ManifestError("an entities bundle's labels must include 'O'")
        if task == "classify" and (len(labels) < 2 or len(set(labels)) != len(labels)):
            raise ManifestError("a classify bundle needs at least two distinct labels")
        max_length = need("max_length", int)
        if not 8 <= max_length <= 4096:
            raise ManifestError("field 'max_length' is out of range")
        arch = need("architecture", dict)
        arch_keys = ("type", "inputs") if task == "classify" else (
            "type", "hidden_size", "num_layers", "num_heads", "vocab_size", "groups")
        for key in arch_keys:
            if key not in arch:
                raise ManifestError(f"missing field 'architecture.{key}'")
        raw_files = need("files", dict)
        files = {}
        for role in TASK_FILE_ROLES.get(task, FILE_ROLES):
            entry = raw_files.get(role)
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                    or not isinstance(entry.get("sha256"), str):
                raise ManifestError(f"missing or malformed 'files.{role}' (needs name and sha256)")
            if "/" in entry["name"] or "\\" in entry["name"] or entry["name"] in ("", ".", ".."):
                raise ManifestError(f"'files.{role}.name' must be a plain file name")
            files[role] = FileEntry(entry["name"], entry["sha256"].lower())
        return cls(
            name=need("name", str),
            version=need("version", str),
            task=task,
            architecture=arch,
            labels=tuple(labels),
            max_length=max_length,
            files=files,
            quantization=str(data.get("quantization", "none")),
            metrics=dict(data.get("metrics") or {}),
            build=dict(data.get("build") or {}),
            task_params=dict(data.get("task_params") or {}),
            inputs=_inputs(data.get("inputs")),
            variant=_variant(data.get("variant")),
            speed=_speed(data.get("speed")),
        )


def _variant(value: Any) -> Variant:
    if value is None:
        return Variant.ACCURATE
    try:
        return Variant(value)
    except ValueError:
        raise ManifestError(f"field 'variant' must be one of {', '.join(v.value for v in Variant)}") from None


def _speed(value: Any) -> Speed | None:
    """The optional ``speed`` object; a malformed one is a ManifestError like any other field."""
    if value is None:
        return None
    ms = value.get(SPEED_MS_KEY) if isinstance(value, dict) else None
    if not isinstance(ms, int | float) or isinstance(ms, bool) or not math.isfinite(ms) or ms <= 0:
        raise ManifestError(f"field 'speed' needs a positive number '{SPEED_MS_KEY}'")
    threads, cpu = value.get("threads", 0), value.get("cpu", "")
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0 or not isinstance(cpu, str):
        raise ManifestError("field 'speed' has a malformed 'threads' or 'cpu'")
    return Speed(float(ms), threads, cpu)


KNOWN_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "case_ids")


def _inputs(value: Any) -> tuple[str, ...]:
    """The optional ``inputs`` list: known, distinct input names, ``input_ids`` among them."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ManifestError("field 'inputs' must be a list of strings")
    unknown = [x for x in value if x not in KNOWN_INPUTS]
    if unknown:
        raise ManifestError(f"field 'inputs' names unknown inputs: {', '.join(unknown)} "
                            f"(this app knows {', '.join(KNOWN_INPUTS)})")
    if len(set(value)) != len(value) or "input_ids" not in value:
        raise ManifestError("field 'inputs' must list distinct inputs including 'input_ids'")
    return tuple(value)
