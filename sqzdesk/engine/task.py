"""What every task model shares: its bundle, one ONNX session, the tokenizer and the window runner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

import numpy as np

from sqzdesk.engine.bundle import Bundle, BundleError, find_bundle
from sqzdesk.engine.errors import TextTooLong
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.session import OnnxModel
from sqzdesk.engine.tokens import TextTokenizer, Tokens
from sqzdesk.engine.windows import Progress, ShouldStop, Window, make_windows, run_windows

DEFAULT_BATCH_SIZE = 8  # windows per ONNX Runtime call, for every caller: int8 activations are quantized
                        # per batch, so equal results need equal batches
DEFAULT_MAX_CHARS = 2_000_000  # ~1,000 pages: beyond this a text is refused, not slowly swapped through


class TaskModel:
    task: ClassVar[str]
    per_token: ClassVar[tuple[str, ...]] = ()
    max_chars: int = DEFAULT_MAX_CHARS

    def __init__(self, bundle: Bundle, threads: int = 0, batch_size: int = DEFAULT_BATCH_SIZE):
        if bundle.task != self.task:
            raise BundleError(f"{bundle.path}: a '{bundle.task}' bundle, not '{self.task}'")
        self.bundle = bundle
        try:
            self.tokenizer = TextTokenizer(bundle.file("tokenizer"))
        except ValueError as exc:  # its message starts with the file's path
            raise BundleError(f"{exc} (bundle '{bundle.manifest.name}' refused)") from None
        self.session = OnnxModel(bundle.file("model"), threads)
        listed = bundle.manifest.inputs
        if listed and sorted(listed) != sorted(self.session.input_names):
            raise BundleError(f"{bundle.path}: the manifest lists inputs {', '.join(listed)} but the model takes "
                              f"{', '.join(self.session.input_names)} (bundle '{bundle.manifest.name}' refused)")
        self.batch_size = batch_size
        self.max_length = bundle.manifest.max_length
        self.stride = int(bundle.manifest.task_params.get("stride", self.max_length // 4))

    @classmethod
    def open(cls, dirs: list[Path] | None = None, threads: int = 0, variant: Variant = Variant.ACCURATE) -> Self:
        """The installed bundle for this task (user's first, then shipped), in ``variant`` where the task
        has it (else the accurate one: compare ``model.bundle.variant``)."""
        return cls(find_bundle(cls.task, dirs, variant), threads)

    def check_length(self, text: str) -> None:
        """Memory and time grow with the text: refuse what is over the limit with a clear message."""
        if len(text) > self.max_chars:
            raise TextTooLong(f"text has {len(text):,} characters, over the {self.max_chars:,} analysed at most "
                              f"(raise the limit with --max-chars)")

    @property
    def labels(self) -> tuple[str, ...]:
        return self.bundle.manifest.labels

    def windows(self, tokens: Sequence[Tokens], prefixes: Sequence[np.ndarray] | None = None) -> list[Window]:
        return make_windows(self.tokenizer, tokens, self.max_length, self.stride, prefixes)

    def run(self, windows: Sequence[Window], progress: Progress | None = None,
            should_stop: ShouldStop | None = None) -> list[dict[str, np.ndarray]]:
        return run_windows(self.session, windows, per_token=self.per_token, batch_size=self.batch_size,
                           pad_id=self.tokenizer.pad_id, progress=progress, should_stop=should_stop)
