"""An ONNX file behind the call signature of a ``transformers`` model, so every task's own
``evaluate``/``predict`` scores the exported fp32 and int8 graphs exactly as it scores the torch model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch


class OrtModel:
    def __init__(self, path: Path, threads: int = 2):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.takes_case_ids = "case_ids" in self.inputs

    def eval(self) -> OrtModel:
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 token_type_ids: torch.Tensor | None = None, case_ids: torch.Tensor | None = None) -> SimpleNamespace:
        ids = input_ids.numpy().astype(np.int64)
        types = np.zeros_like(ids) if token_type_ids is None else token_type_ids.numpy().astype(np.int64)
        feeds = {"input_ids": ids, "attention_mask": attention_mask.numpy().astype(np.int64), "token_type_ids": types}
        if self.takes_case_ids:
            if case_ids is None:
                raise ValueError("this model takes case_ids")
            feeds["case_ids"] = case_ids.numpy().astype(np.int64)
        values = self.session.run(self.outputs, feeds)
        return SimpleNamespace(**{k: torch.from_numpy(v) for k, v in zip(self.outputs, values, strict=True)})
