"""Bundle format: loading, checksums, discovery order, and refusal of damaged bundles."""

from __future__ import annotations

import json

import pytest

from sqzdesk.engine import BundleError, SentimentModel, discover, find_bundle, load_bundle
from sqzdesk.engine.bundle import search_dirs, sha256_of


def test_tiny_bundles_load_and_verify(tiny_root):
    tasks = {f.bundle.task for f in discover([tiny_root]) if f.bundle}
    assert tasks == {"sentiment", "entities", "qa", "embed"}
    b = load_bundle(tiny_root / "tiny-sentiment")
    assert b.manifest.labels == ("negative", "positive")
    assert b.manifest.files["model"].sha256 == sha256_of(b.file("model"))


def test_flipped_byte_in_model_is_refused_naming_the_file(tiny_copy):
    model = tiny_copy / "tiny-sentiment" / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.onnx: checksum mismatch"):
        load_bundle(model.parent)


def test_truncated_tokenizer_is_refused(tiny_copy):
    tok = tiny_copy / "tiny-qa" / "tokenizer.json"
    tok.write_bytes(tok.read_bytes()[:100])
    with pytest.raises(BundleError, match=r"tokenizer\.json"):
        load_bundle(tok.parent)


def test_missing_file_and_bad_manifest(tiny_copy):
    (tiny_copy / "tiny-qa" / "MODEL_CARD.md").unlink()
    with pytest.raises(BundleError, match=r"MODEL_CARD\.md: missing"):
        load_bundle(tiny_copy / "tiny-qa")
    manifest = tiny_copy / "tiny-entities" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["max_length"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(BundleError, match="missing field 'max_length'"):
        load_bundle(manifest.parent)
    manifest.write_text("{not json")
    with pytest.raises(BundleError, match="unreadable manifest"):
        load_bundle(manifest.parent)


def test_file_names_cannot_escape_the_bundle(tiny_copy):
    manifest = tiny_copy / "tiny-sentiment" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"]["model"]["name"] = "../../etc/passwd"
    manifest.write_text(json.dumps(data))
    with pytest.raises(BundleError, match="plain file name"):
        load_bundle(manifest.parent)


def test_valid_checksum_but_not_onnx_is_refused_by_the_session(tiny_copy):
    bundle_dir = tiny_copy / "tiny-sentiment"
    (bundle_dir / "model.onnx").write_bytes(b"this is not a model")
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    manifest["files"]["model"]["sha256"] = sha256_of(bundle_dir / "model.onnx")
    (bundle_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"model\.onnx: ONNX Runtime cannot load"):
        SentimentModel(load_bundle(bundle_dir))


def test_first_root_wins_and_a_damaged_first_bundle_is_not_silently_skipped(tiny_root, tiny_copy):
    assert find_bundle("qa", [tiny_copy, tiny_root]).path.parent == tiny_copy
    (tiny_copy / "tiny-qa" / "model.onnx").write_bytes(b"x")
    with pytest.raises(BundleError, match="checksum mismatch"):
        find_bundle("qa", [tiny_copy, tiny_root])
    listed = {f.path.name: f.error for f in discover([tiny_copy])}
    assert listed["tiny-qa"] and listed["tiny-sentiment"] is None


def test_missing_task_says_where_it_looked(tmp_path):
    with pytest.raises(BundleError, match="no 'qa' model installed"):
        find_bundle("qa", [tmp_path])


def test_search_dirs_default_is_user_then_shipped(monkeypatch, tmp_path):
    monkeypatch.delenv("SQZDESK_MODEL_PATH")
    dirs = search_dirs()
    assert dirs[0] == tmp_path / "xdg-data" / "sqzdesk" / "models"
    assert dirs[1].parts[-2:] == ("assets", "models")
