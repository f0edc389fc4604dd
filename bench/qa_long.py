"""Questions on long documents: every window read vs only the windows that rank best (BM25).

    python bench/qa_long.py [--data ../shared/data] [--per-article 30] [--out bench/RESULTS_qa_long.md]

Long-document validation (the QA validation split, by document, as the bundle's card defines it):
COVID-QA questions on their whole papers (~30k characters each), and SQuADShifts new_wiki questions
asked of their whole article (every paragraph of the article joined by blank lines, the answer offsets
moved with them). Both ways are scored with the same F1/EM code as model selection, at the bundle's
no-answer threshold and at each way's best threshold; the windows read are counted (deterministic),
and the wall time of a question on a generated 20-page PDF (bench/e2e.py's) is measured in the same
run. Shipped QA bundle; one run: compare ratios within it. CPU ISA extensions printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bench.e2e import _cpu_model, _text  # noqa: E402
from bench.scheduler import cpu_flags  # noqa: E402


def long_documents(data: Path, per_article: int):
    """(examples with whole-document contexts, description) from the QA validation split."""
    from sqzdesk.modelbuild import qa_data

    _, val = qa_data.load(data)
    covid = [e for e in val if e.source == "covid_qa"]
    wiki = [e for e in val if e.source == "new_wiki"]
    by_article: dict[str, list] = defaultdict(list)
    for e in wiki:
        by_article[e.doc].append(e)
    out = list(covid)
    for _, examples in sorted(by_article.items()):
        paragraphs = list(dict.fromkeys(e.context for e in examples))
        starts, pos = {}, 0
        for p in paragraphs:
            starts[p] = pos
            pos += len(p) + 2
        whole = "\n\n".join(paragraphs)
        for e in examples[:per_article]:
            shift = starts[e.context]
            out.append(replace(e, context=whole, answers=tuple((t, s + shift) for t, s in e.answers)))
    return out, f"{len(covid)} COVID-QA questions on {len({e.doc for e in covid})} whole papers, " \
                f"{len(out) - len(covid)} new_wiki questions on {len(by_article)} whole articles"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--per-article", type=int, default=30)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS_qa_long.md")
    args = p.parse_args()

    from pdfmaker import make_pdf

    from sqzdesk.documents import read_document
    from sqzdesk.engine import QAModel
    from sqzdesk.engine.qa import READ_WINDOWS
    from sqzdesk.modelbuild.qa_task import qa_metrics

    RANKED = f"best {READ_WINDOWS} windows (BM25)"
    threads = max(1, min(2, os.cpu_count() or 1))
    qa = QAModel.open(threads=threads)
    examples, described = long_documents(args.data, args.per_article)
    rows = {}
    for name, read_all in (("every window", True), (RANKED, False)):
        counted = 0
        original = qa.run

        def counting(windows, *a, original=original, **k):
            nonlocal counted
            counted += len(windows)
            return original(windows, *a, **k)

        qa.run = counting  # type: ignore[method-assign]
        t = time.perf_counter()
        preds = []
        for e in examples:
            answers = qa.ask(e.question, e.context, top_k=1, threshold=0.0, read_all=read_all)
            preds.append((answers[0].text, answers[0].score) if answers else ("", 0.0))
        seconds = time.perf_counter() - t
        qa.run = original  # type: ignore[method-assign]
        at_bundle = qa_metrics(examples, [(a if s >= qa.threshold else "", 1.0 if s >= qa.threshold else 0.0)
                                          for a, s in preds])
        best = qa_metrics(examples, preds)
        rows[name] = {"windows": counted, "seconds": seconds, "f1": at_bundle["f1"], "em": at_bundle["em"],
                      "f1_best": best["f1"], "f1_covid": at_bundle.get("f1_covid_qa"),
                      "f1_wiki": at_bundle.get("f1_new_wiki")}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        make_pdf(path, [_text(350, i).replace("\n\n", "\n") for i in range(20)])
        text = read_document(path).text
    pdf = {}
    for name, read_all in (("every window", True), (RANKED, False)):
        qa.ask("Who did Angela Merkel meet?", text, top_k=1, read_all=read_all)  # warm
        times = []
        for _ in range(5):
            t = time.perf_counter()
            answer = qa.ask("Who did Angela Merkel meet?", text, top_k=1, read_all=read_all)
            times.append(time.perf_counter() - t)
        pdf[name] = (statistics.median(times), answer[0].text if answer else None)

    full, ranked = rows["every window"], rows[RANKED]
    lines = [
        f"# Questions on long documents ({date.today()})",
        "",
        f"Machine: {platform.machine()}, {_cpu_model()} ({os.cpu_count()} cores), {cpu_flags()}; ORT threads "
        f"{threads}; Python {platform.python_version()}; bundle {qa.bundle.manifest.name} "
        f"{qa.bundle.manifest.version}. Made by `python bench/qa_long.py`; one run, compare within it.",
        "",
        f"Long-document validation: {described}.",
        "",
        "| reading | windows read | seconds | F1 (bundle threshold) | EM | F1 COVID | F1 wiki | F1 (best threshold) |",
        "|---|---|---|---|---|---|---|---|",
        *(f"| {n} | {r['windows']} | {r['seconds']:.1f} | {r['f1']} | {r['em']} | {r['f1_covid']} | {r['f1_wiki']} "
          f"| {r['f1_best']} |" for n, r in rows.items()),
        "",
        f"- F1 change: {ranked['f1'] - full['f1']:+.2f} (bundle threshold), {ranked['f1_best'] - full['f1_best']:+.2f} "
        f"(best threshold); windows read: {full['windows'] / max(1, ranked['windows']):.2f}x fewer",
        f"- a question on a 20-page PDF ({len(text):,} characters): every window {pdf['every window'][0]:.2f} s "
        f"({pdf['every window'][1]!r}), ranked {pdf[RANKED][0]:.2f} s ({pdf[RANKED][1]!r}): "
        f"**{pdf['every window'][0] / pdf[RANKED][0]:.1f}x faster** (median of 5)",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
