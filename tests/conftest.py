"""Shared fixtures: tiny real bundles (random weights, real ONNX graphs), isolated model search path.

Helpers shared by test files live in ``helpers`` (and the builders ``guikit``, ``pdfmaker``, ``docxkit``);
test files import them from there, never from here or from each other.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# No test may fail because a shared, loaded machine ran an example slowly: no hypothesis deadlines.
settings.register_profile("sqzdesk", deadline=None)
settings.load_profile("sqzdesk")


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    """tiny-sentiment, tiny-entities, tiny-qa: max_length 32, so real texts need many windows."""
    from sqzdesk.modelbuild.tiny import write_tiny_bundles

    root = tmp_path_factory.mktemp("bundles")
    write_tiny_bundles(root)
    return root


@pytest.fixture()
def tiny_copy(tiny_root, tmp_path) -> Path:
    """A private copy a test may damage."""
    dst = tmp_path / "bundles"
    shutil.copytree(tiny_root, dst)
    return dst


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path, tiny_root):
    """No test reads the developer's own data dir; engine lookups see the tiny bundles only."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("SQZDESK_MODEL_PATH", str(tiny_root))


@pytest.fixture(scope="session")
def tiny_models(tiny_root):
    """One loaded model per task, shared by tests that only read from them."""
    from sqzdesk.engine import TASK_MODELS

    return {task: cls.open([tiny_root]) for task, cls in TASK_MODELS.items()}
