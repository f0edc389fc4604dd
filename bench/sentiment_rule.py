"""What the sentiment document rule costs: a short document read in passages against the mean of its sentences.

    python bench/sentiment_rule.py [--rounds 7] [--out bench/RESULTS_sentiment_rule.md]

A document up to ``PASSAGE_CHARS`` is read twice by the sentiment model: each sentence alone (for the chart
and the tint) and in passages of consecutive sentences (for the document's score; see
``sqzdesk/engine/sentiment.py``). This measures the whole analysis (sentiment + entities, as ``analyze``
runs it) of short documents both ways, interleaved in one run, and counts the model work (padded tokens)
of bench/e2e.py's 20-page PDF had it been read in passages too, the reason long documents are not. Shipped
bundles, one ORT thread (the GUI's default on 2 cores); the CPU's ISA extensions are printed because int8
speed depends on them. Compare ratios within one run only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.e2e import _text  # noqa: E402


def padded_tokens(model, tokens) -> tuple[int, int]:
    """(windows, padded tokens) the model runs for ``tokens``, batched as the engine batches them."""
    from sqzdesk.engine.windows import batches

    windows = model.windows(tokens)
    return len(windows), sum(feeds["input_ids"].size for _, feeds in batches(windows, model.batch_size))


def pdf_work(analyzer) -> dict[str, tuple[int, int]]:
    """Model work on the 20-page PDF of bench/e2e.py: its sentences, its passages (not run) and its entities."""
    from pdfmaker import make_pdf

    from sqzdesk.documents import read_document
    from sqzdesk.engine.chunks import split_chunks
    from sqzdesk.engine.sentiment import joined_passages, pack_passages, prose_spans

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        make_pdf(path, [_text(350, i).replace("\n\n", "\n") for i in range(20)])
        text = read_document(path).text
    s, e = analyzer.sentiment, analyzer.entities
    work = {"sentences": (0, 0), "passages": (0, 0), "entities": (0, 0)}
    for chunk in split_chunks(text):
        part = text[chunk.start:chunk.end]
        spans = prose_spans(part)
        tokens = s.tokenizer.encode_many([part[a:b] for a, b in spans])
        _, joined = joined_passages(part, spans, pack_passages([len(t) for t in tokens], s.max_length - 2))
        passages = s.tokenizer.encode_many(joined)
        for key, value in (("sentences", padded_tokens(s, tokens)), ("passages", padded_tokens(s, passages)),
                           ("entities", padded_tokens(e, [e.tokenizer.encode(part)]))):
            work[key] = (work[key][0] + value[0], work[key][1] + value[1])
    return {"characters": (len(text), 0), **work}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS_sentiment_rule.md")
    args = p.parse_args()

    import sqzdesk.engine.analysis as analysis
    from sqzdesk.engine import Analyzer
    from sqzdesk.engine.sentiment import PASSAGE_CHARS
    from sqzdesk.modelbuild.cpu import cpu_info

    name, flags, speed = cpu_info()
    analyzer = Analyzer.open(threads=1)
    docs = {words: [_text(words, seed) for seed in range(8)] for words in (60, 200, 420)}
    docs = {w: [d for d in texts if len(d) <= PASSAGE_CHARS] for w, texts in docs.items()}
    rule = analysis.read_in_passages

    def timed(texts: list[str], passages: bool) -> float:
        analysis.read_in_passages = (lambda n: passages) if not passages else rule  # type: ignore[assignment]
        try:
            t = time.perf_counter()
            for text in texts:
                analyzer.analyze(text)
            return time.perf_counter() - t
        finally:
            analysis.read_in_passages = rule

    for texts in docs.values():  # warm up
        timed(texts[:1], True)
    rows = []
    for words, texts in docs.items():
        both: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds):
            for passages in (False, True):
                both[passages].append(timed(texts, passages))
        chars = statistics.mean(len(t) for t in texts)
        sentences, passages_ = (statistics.median(both[k]) / len(texts) * 1000 for k in (False, True))
        rows.append((words, len(texts), chars, sentences, passages_))
    work = pdf_work(analyzer)

    lines = [f"# Sentiment document rule: passages vs sentences ({date.today().isoformat()})", "",
             f"Machine: {name}; ISA: {', '.join(flags) or 'unknown'} ({speed}); ORT threads 1. Made by "
             f"`python bench/sentiment_rule.py`; {args.rounds} interleaved rounds, medians; one run, compare "
             "ratios within it.", "",
             "Whole analysis (sentiment + entities) of short documents (up to "
             f"{PASSAGE_CHARS:,} characters, read in passages by the engine) against the same documents "
             "scored by the mean of their sentences (no second pass):", "",
             "| documents | characters (mean) | mean of sentences, ms | in passages, ms | ratio |",
             "|---|---|---|---|---|"]
    for words, n, chars, sentences, passages_ in rows:
        lines.append(f"| {n} x ~{words} words | {chars:,.0f} | {sentences:.1f} | {passages_:.1f} | "
                     f"{passages_ / sentences:.2f}x |")
    s_w, s_t = work["sentences"]
    p_w, p_t = work["passages"]
    e_w, e_t = work["entities"]
    lines += ["", f"bench/e2e.py's 20-page PDF ({work['characters'][0]:,} characters), model work counted "
              "(windows, padded tokens), not run:", "",
              f"- sentences: {s_w} windows, {s_t:,} tokens; entities: {e_w} windows, {e_t:,} tokens",
              f"- passages, were it read in them: {p_w} windows, {p_t:,} tokens: "
              f"+{100 * p_t / (s_t + e_t):.0f}% of the model work, for a gain not measured on long documents "
              "(the validation reviews over 3,000 characters gained nothing), so a long document is the mean "
              "of its sentences.", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
