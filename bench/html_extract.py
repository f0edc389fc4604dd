"""Issue 15 item 1: main-content extraction from HTML, measured on the reference set.

    python bench/html_extract.py [--out bench/RESULTS_html.md] [--repeat 3]

For each candidate library that is installed (the app's choice, resiliparse, always is), on every page of
tests/data/html_ref: word-level precision / recall / F1 against the hand-made reference (tests/htmlref.py),
the time per page as a ratio to the stdlib whole-page reader (the app's old behaviour), and, from a fresh
interpreter, what ``import`` of the library loads: module count and any network-capable module
(socket, ssl, http.client, urllib.request, urllib3, requests ...). The app row ("sqzdesk main") is the
real reader, ``read_html(..., mode=HtmlMode.MAIN)``: resiliparse plus the title and the fallback rule.

Candidates other than resiliparse are measured only where installed (``pip install trafilatura
readability-lxml justext boilerpy3 goose3`` into a scratch environment: trafilatura needs lxml>=6.1.3).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from htmlref import RefPage, Score, ref_pages, score  # noqa: E402

from sqzdesk.documents.decoding import decode_text  # noqa: E402
from sqzdesk.documents.html import HtmlMode, html_to_text, read_html  # noqa: E402

Extractor = Callable[[str, bytes], str]

NETWORK_MODULES = ("socket", "ssl", "http.client", "urllib.request", "urllib3", "requests", "httpx",
                   "aiohttp", "certifi")


def _decoded(raw: bytes) -> str:
    return decode_text(raw, None)


def sqzdesk_full(text: str, raw: bytes) -> str:
    return read_html(raw, Path("page.html"), mode=HtmlMode.FULL).text


def sqzdesk_main(text: str, raw: bytes) -> str:
    return read_html(raw, Path("page.html"), mode=HtmlMode.MAIN).text


def candidates() -> dict[str, tuple[str, Extractor]]:
    """name -> (module imported, extractor) for every library that imports here."""
    found: dict[str, tuple[str, Extractor]] = {}
    try:
        from resiliparse.extract.html2text import extract_plain_text

        found["resiliparse"] = ("resiliparse.extract.html2text", lambda t, r: extract_plain_text(
            t, main_content=True, alt_texts=False, comments=False, noscript=False))
    except ImportError:
        pass
    try:
        import trafilatura

        found["trafilatura"] = ("trafilatura", lambda t, r: trafilatura.extract(
            t, include_tables=True, include_comments=False) or "")
    except ImportError:
        pass
    try:
        from readability import Document as ReadabilityDocument

        def readability(t: str, r: bytes) -> str:
            doc = ReadabilityDocument(t)
            return doc.title() + "\n\n" + html_to_text(doc.summary(html_partial=True))

        found["readability-lxml"] = ("readability", readability)
    except ImportError:
        pass
    try:
        import justext

        def run_justext(t: str, r: bytes) -> str:
            paragraphs = justext.justext(r, justext.get_stoplist("English"))
            return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)

        found["justext"] = ("justext", run_justext)
    except ImportError:
        pass
    try:
        from boilerpy3 import extractors

        found["boilerpy3"] = ("boilerpy3.extractors", lambda t, r: extractors.ArticleExtractor(
            raise_on_failure=False).get_content(t))
    except ImportError:
        pass
    try:
        from goose3 import Goose

        def run_goose(t: str, r: bytes) -> str:
            with Goose({"enable_image_fetching": False}) as g:
                article = g.extract(raw_html=t)
                return (article.title or "") + "\n\n" + (article.cleaned_text or "")

        found["goose3"] = ("goose3", run_goose)
    except ImportError:
        pass
    return found


def import_report(module: str) -> dict[str, object]:
    """What ``import module`` loads in a fresh interpreter (same sys.path as this one)."""
    code = (
        "import sys, json, time; before = set(sys.modules); t = time.perf_counter(); "
        f"import {module}; dt = time.perf_counter() - t; "
        "new = sorted(set(sys.modules) - before); "
        f"net = sorted(m for m in new if any(m == n or m.startswith(n + '.') for n in {NETWORK_MODULES!r})); "
        "print(json.dumps({'modules': len(new), 'network': net, 'ms': dt * 1000}))"
    )
    env = {"PYTHONPATH": ":".join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        return {"modules": -1, "network": ["import failed"], "ms": 0.0}
    return json.loads(done.stdout)


def measure(extract: Extractor, pages: list[RefPage], decoded: list[str], repeat: int
            ) -> tuple[list[Score], float]:
    """Per-page scores and the median seconds for the whole set."""
    scores = [score(extract(text, page.html), page.reference) for page, text in zip(pages, decoded, strict=True)]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for page, text in zip(pages, decoded, strict=True):
            extract(text, page.html)
        runs.append(time.perf_counter() - start)
    return scores, statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here as well")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    pages = ref_pages()
    decoded = [_decoded(p.html) for p in pages]
    rows: dict[str, tuple[list[Score], float]] = {}
    rows["sqzdesk full (stdlib, old)"] = measure(sqzdesk_full, pages, decoded, args.repeat)
    rows["sqzdesk main (app)"] = measure(sqzdesk_main, pages, decoded, args.repeat)
    found = candidates()
    for name, (_, extract) in found.items():
        rows[name] = measure(extract, pages, decoded, args.repeat)
    base = rows["sqzdesk full (stdlib, old)"][1]

    lines = [f"# HTML main-content extraction ({date.today().isoformat()})", "",
             f"{len(pages)} pages of tests/data/html_ref (see SOURCES.md there); word-bag F1 against the "
             "hand-made references; time as a ratio to the old stdlib whole-page reader "
             f"({base / len(pages) * 1000:.1f} ms/page here), median of {args.repeat} runs.", "",
             "| extractor | mean P | mean R | mean F1 | min F1 | pages F1 < 0.8 | time ratio |",
             "|---|---|---|---|---|---|---|"]
    for name, (scores, seconds) in rows.items():
        f1s = [s.f1 for s in scores]
        lines.append(f"| {name} | {statistics.mean(s.precision for s in scores):.3f} | "
                     f"{statistics.mean(s.recall for s in scores):.3f} | {statistics.mean(f1s):.3f} | "
                     f"{min(f1s):.3f} | {sum(f < 0.8 for f in f1s)} | {seconds / base:.2f} |")
    lines += ["", "Per page (F1):", "", "| page | " + " | ".join(rows) + " |",
              "|---|" + "---|" * len(rows)]
    for i, page in enumerate(pages):
        lines.append(f"| {page.name} | " + " | ".join(f"{rows[n][0][i].f1:.3f}" for n in rows) + " |")
    lines += ["", "Import (fresh interpreter):", "", "| library | modules loaded | import ms | network-capable modules |",
              "|---|---|---|---|"]
    for name, (module, _) in found.items():
        report = import_report(module)
        net = report["network"]
        lines.append(f"| {name} (`import {module}`) | {report['modules']} | {float(report['ms']):.0f} | "  # type: ignore[arg-type]
                     f"{', '.join(net) if net else 'none'} |")  # type: ignore[arg-type]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
