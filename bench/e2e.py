"""End-to-end speed, measured in one run and written to bench/RESULTS.md.

    python bench/e2e.py [--runs ../runs] [--docs 200]

- a 20-page PDF: read + sentences + entities, then one question, wall time;
- batch throughput over a folder of N generated documents (files/s, tokens/s) through the engine's Analyzer;
- engine vs ``transformers`` pipelines on the same texts and equivalent weights (the torch checkpoint the
  shipped int8 bundle was exported from; needs the `train` extra and the runs folder);
- engine overhead over bare ``session.run`` on the same windows;
- peak RSS of this process.

Figures are ratios measured here, in one run on one machine; never assert them in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

PARAGRAPHS = [
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday to discuss the budget of the European Union. "
    "Officials from Siemens and the World Bank joined the talks, which both sides called constructive.",
    "Shares of Acme Corporation fell sharply after the company cut its forecast. Analysts in London warned "
    "that margins would stay under pressure for the rest of the year.",
    "The new museum in Berlin opened to enthusiastic reviews. Visitors praised the architecture, the "
    "friendly staff and the excellent collection of modern art.",
    "Heavy rain flooded parts of northern Italy, and the government in Rome promised emergency aid. "
    "Farmers said the damage to this year's harvest was severe.",
]


def _text(words: int, seed: int) -> str:
    out, k = [], seed
    while sum(len(p.split()) for p in out) < words:
        out.append(PARAGRAPHS[k % len(PARAGRAPHS)])
        k += 1
    return "\n\n".join(out)


def _timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def bench_pdf(tmp: Path, analyzer, qa) -> dict:
    from pdfmaker import make_pdf

    from sqzdesk.documents import read_document

    pages = [_text(350, i) for i in range(20)]
    path = tmp / "report.pdf"
    make_pdf(path, [p.replace("\n\n", "\n") for p in pages])
    doc, t_read = _timed(lambda: read_document(path))
    result, t_analyze = _timed(lambda: analyzer.analyze(doc.text))
    answers, t_ask = (None, 0.0) if qa is None else _timed(
        lambda: qa.ask("Who did Angela Merkel meet?", doc.text, top_k=1))
    return {"pages": 20, "characters": len(doc.text), "read_s": round(t_read, 2),
            "analyze_s": round(t_analyze, 2), "sentences": len(result.sentences), "entities": len(result.entities),
            "ask_s": round(t_ask, 2), "answer": answers[0].text if answers else None,
            "total_s": round(t_read + t_analyze + t_ask, 2)}


def bench_batch(tmp: Path, analyzer, n: int) -> dict:
    from sqzdesk.batch.scan import scan
    from sqzdesk.documents import read_document

    folder = tmp / "folder"
    folder.mkdir()
    for i in range(n):
        (folder / f"doc{i:04d}.txt").write_text(_text(120 + (i % 5) * 60, i), encoding="utf-8")
    tok = analyzer.sentiment.tokenizer if analyzer.sentiment else analyzer.entities.tokenizer
    start, tokens = time.perf_counter(), 0
    for path in scan([folder]):
        text = read_document(path).text
        analyzer.analyze(text)
        tokens += len(tok.encode(text))
    elapsed = time.perf_counter() - start
    return {"files": n, "seconds": round(elapsed, 1), "files_per_s": round(n / elapsed, 2),
            "tokens_per_s": round(tokens / elapsed)}


def bench_overhead(analyzer) -> dict:
    """The engine's entity path vs feeding the very same windows to session.run by hand."""
    from sqzdesk.engine.windows import batches

    model = analyzer.entities or analyzer.sentiment
    text = _text(3000, 0)
    tokens = model.tokenizer.encode(text)
    windows = model.windows([tokens])
    feeds = [f for _, f in batches(windows, model.batch_size, model.tokenizer.pad_id)]

    def bare():
        for f in feeds:
            model.session.session.run(None, f)

    def engine():
        model.analyze(text)

    bare()
    engine()
    t_bare = min(_timed(bare)[1] for _ in range(3))
    t_engine = min(_timed(engine)[1] for _ in range(3))
    return {"task": model.task, "tokens": len(tokens), "bare_session_s": round(t_bare, 3),
            "engine_s": round(t_engine, 3), "overhead_ratio": round(t_engine / t_bare, 3)}


def bench_vs_transformers(runs: Path, analyzer) -> dict | None:
    """Sentence sentiment through transformers' pipeline (torch fp32, same checkpoint) vs the engine."""
    try:
        import torch
        from transformers import BertTokenizerFast, pipeline

        from sqzdesk.modelbuild.minilm import minilm_dir
        from sqzdesk.modelbuild.pipeline import load_run
    except ImportError:
        return None
    facts = runs / "sentiment-export" / "facts.json"
    if not facts.exists() or analyzer.sentiment is None:
        return None
    groups = json.loads(facts.read_text())["groups"]
    model = load_run(argparse.Namespace(task="sentiment", runs=runs), groups)
    torch.set_num_threads(2)
    tok = BertTokenizerFast.from_pretrained(str(minilm_dir()))
    clf = pipeline("text-classification", model=model, tokenizer=tok, device=-1, truncation=True, max_length=128)
    text = _text(4000, 1)
    from sqzdesk.engine.sentences import split_sentences

    sentences = [text[s:e] for s, e in split_sentences(text)]
    clf(sentences[:8], batch_size=8)
    _, t_hf = _timed(lambda: clf(sentences, batch_size=8))
    _, t_engine = _timed(lambda: analyzer.sentiment.analyze(text))
    return {"sentences": len(sentences), "transformers_pipeline_s": round(t_hf, 2),
            "engine_int8_s": round(t_engine, 2), "engine_speedup": round(t_hf / t_engine, 2)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=Path, default=Path("../runs"))
    p.add_argument("--docs", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = p.parse_args()

    from sqzdesk.engine import Analyzer, BundleError, QAModel

    analyzer = Analyzer.open(threads=args.threads)
    try:
        qa = QAModel.open(threads=args.threads)
    except BundleError:
        qa = None
    names = {m.task: f"{m.bundle.manifest.name} {m.bundle.manifest.version}"
             for m in (analyzer.sentiment, analyzer.entities, qa) if m is not None}
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "pdf_20_pages": bench_pdf(Path(tmp), analyzer, qa),
            "batch": bench_batch(Path(tmp), analyzer, args.docs),
            "engine_overhead": bench_overhead(analyzer),
            "vs_transformers": bench_vs_transformers(args.runs, analyzer),
        }
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results, indent=2))
    machine = f"{platform.machine()}, {_cpu_model()} ({os.cpu_count()} cores), {args.threads} ORT threads, " \
              f"Python {platform.python_version()}"
    lines = [f"# End-to-end figures ({date.today().isoformat()})", "",
             f"Machine: {machine}. Models: {names}. Made by `python bench/e2e.py`; one run, so compare",
             "ratios within it, not absolute times across machines.", ""]
    for key, value in results.items():
        lines.append(f"## {key}")
        lines.append("")
        if isinstance(value, dict):
            lines += [f"- {k}: {v}" for k, v in value.items()]
        else:
            lines.append(f"- {value}")
        lines.append("")
    args.out.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
