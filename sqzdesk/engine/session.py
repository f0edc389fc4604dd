"""One small ONNX Runtime wrapper: the only place the app creates an InferenceSession."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sqzdesk.engine.bundle import BundleError
from sqzdesk.engine.manifest import KNOWN_INPUTS  # what the engine's batches carry; a graph may take any

# ORT fuses residual Add + LayerNorm into SkipLayerNormalization in the int8 graphs, and that kernel
# measured ~5x slower than the plain ops on these shapes (AVX-512 VNNI, 2 threads): int8 went from 1.2x
# to 1.45x fp32 speed with this fusion off.
DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


class OnnxModel:
    """A CPU session with graph optimizations on; feeds only the inputs the graph declares."""

    def __init__(self, path: Path, threads: int = 0):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = max(0, threads)  # 0 = ORT picks (all physical cores)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"],
                                                disabled_optimizers=DISABLED_OPTIMIZERS)
        except Exception as exc:  # ORT raises its own exception types for bad graphs
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BundleError(f"{path}: ONNX Runtime cannot load this model ({first})") from None
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        unknown = [n for n in self.input_names if n not in KNOWN_INPUTS]
        if unknown:
            raise BundleError(f"{path}: the model needs inputs this app cannot give it ({', '.join(unknown)}); "
                              f"a newer sqzdesk may read it")

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        outputs = self.session.run(self.output_names, {k: feeds[k] for k in self.input_names})
        return dict(zip(self.output_names, outputs, strict=True))
