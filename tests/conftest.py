"""Shared fixtures: tiny real bundles (random weights, real ONNX graphs), isolated model search path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "assets" / "models"


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


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, as other tooling runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "sqzdesk", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=REPO, timeout=300)


def shipped_bundle(task: str) -> Path:
    """The shipped bundle folder for a task, or skip the test where it is not there yet."""
    for sub in sorted(SHIPPED.glob("*/manifest.json")):
        import json

        if json.loads(sub.read_text()).get("task") == task:
            return sub.parent
    pytest.skip(f"no shipped '{task}' bundle in assets/models yet")


@pytest.fixture(scope="session")
def tiny_models(tiny_root):
    """One loaded model per task, shared by tests that only read from them."""
    from sqzdesk.engine import TASK_MODELS

    return {task: cls.open([tiny_root]) for task, cls in TASK_MODELS.items()}
