"""``sqzdesk``: the GUI, and the stable command-line contract other tooling relies on.

    sqzdesk [FILE...]                       open the app (with those files)
    sqzdesk analyze PATH... [--tasks sentiment,entities] [--format json|jsonl|csv] [--out FILE]
    sqzdesk analyze --stdin                 JSONL {"id","text"} -> {"id","sentiment","entities"}
    sqzdesk ask PATH --question Q [--top-k N]
    sqzdesk ask --stdin                     JSONL {"id","question","context"} -> {"id","answers"}
    sqzdesk models                          installed bundles
    sqzdesk selftest [--gui]                every task on a built-in sample (--gui: and the window)

Errors: one line on stderr per failing input; the others go on; exit 1 only if something failed
(2 for usage errors and missing models).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqzdesk import __version__
from sqzdesk.batch import command as batch_command

COMMANDS = ("analyze", "ask", "models", "selftest", "batch")
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
ASK_CHUNK = 16  # stdin questions answered together, so their windows share batches


class Failures:
    """Counts failed inputs and prints each as one line on stderr."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, where: str, reason: object) -> None:
        self.count += 1
        text = " ".join(str(reason).split()) or type(reason).__name__
        print(f"sqzdesk: {where}: {text}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sqzdesk", description="Offline sentiment, entities and QA.")
    p.add_argument("--version", action="version", version=f"sqzdesk {__version__}")
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0 = all cores)")
    p.add_argument("--models", type=Path, action="append", default=None, metavar="DIR",
                   help="look for bundles in DIR first (repeatable)")
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help="longest text analysed, in characters (default 2,000,000); longer inputs fail clearly")
    sub = p.add_subparsers(dest="command")

    an = sub.add_parser("analyze", help="sentiment and entities per document")
    an.add_argument("paths", nargs="*", type=Path)
    an.add_argument("--stdin", action="store_true", help='read JSONL {"id","text"} from standard input')
    an.add_argument("--tasks", default="sentiment,entities")
    an.add_argument("--format", choices=["json", "jsonl", "csv"], default="json")
    an.add_argument("--out", type=Path, help="write here instead of standard output")

    ask = sub.add_parser("ask", help="answer a question from a document")
    ask.add_argument("path", nargs="?", type=Path)
    ask.add_argument("--question", "-q")
    ask.add_argument("--top-k", type=int, default=3)
    ask.add_argument("--stdin", action="store_true", help='read JSONL {"id","question","context"}')

    models = sub.add_parser("models", help="list installed model bundles")
    models.add_argument("--json", action="store_true")

    st = sub.add_parser("selftest", help="run every task on a built-in sample")
    st.add_argument("--gui", action="store_true",
                    help="also open the window on a sample and use it (QT_QPA_PLATFORM=offscreen without a display)")
    batch_command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = _first_word(argv)
    if first is None or (first not in COMMANDS and first not in ("-h", "--help", "--version")):
        from sqzdesk.gui.app import run_gui

        return run_gui(argv[argv.index(first):] if first is not None else [])
    args = _parser().parse_args(argv)
    handler = {"analyze": cmd_analyze, "ask": cmd_ask, "models": cmd_models, "selftest": cmd_selftest,
               "batch": batch_command.run}
    try:
        return handler[args.command](args)
    except BrokenPipeError:  # e.g. `sqzdesk analyze ... | head`
        return 0


def _first_word(argv: list[str]) -> str | None:
    """The command or first file, skipping the global options and their values."""
    i = 0
    while i < len(argv):
        if argv[i] in ("--threads", "--models", "--max-chars"):
            i += 2
        elif argv[i].startswith(("--threads=", "--models=", "--max-chars=")):
            i += 1
        else:
            return argv[i]
    return None


def _dirs(args: argparse.Namespace) -> list[Path] | None:
    from sqzdesk.engine import search_dirs

    return [*args.models, *search_dirs()] if args.models else None


def _open_model(task: str, args: argparse.Namespace):
    """The task's model, or None after one clear error line (missing or damaged bundle)."""
    from sqzdesk.engine import TASK_MODELS, BundleError

    try:
        model = TASK_MODELS[task].open(_dirs(args), threads=args.threads)
        if getattr(args, "max_chars", None):
            model.max_chars = args.max_chars
        return model
    except BundleError as exc:
        print(f"sqzdesk: {task} model unusable: {exc}", file=sys.stderr)
        return None


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


def _jsonl(out: IO[str], record: dict) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


# ---- analyze -------------------------------------------------------------------------------------

def open_analyzer(args: argparse.Namespace):
    """The Analyzer for --tasks, or None after one clear error line."""
    from sqzdesk.engine import BundleError
    from sqzdesk.engine.analysis import ANALYZE_TASKS, Analyzer

    tasks = tuple(t.strip() for t in args.tasks.split(",") if t.strip())
    if not tasks or any(t not in ANALYZE_TASKS for t in tasks):
        print(f"sqzdesk: --tasks takes {','.join(ANALYZE_TASKS)}, got {args.tasks!r}", file=sys.stderr)
        return None
    try:
        return Analyzer.open(tasks, _dirs(args), args.threads, getattr(args, "max_chars", None))
    except BundleError as exc:
        print(f"sqzdesk: model unusable: {exc}", file=sys.stderr)
        return None


def cmd_analyze(args: argparse.Namespace) -> int:
    if args.stdin == bool(args.paths):
        print("sqzdesk analyze: give PATH... or --stdin", file=sys.stderr)
        return 2
    analyzer = open_analyzer(args)
    if analyzer is None:
        return 2
    fail = Failures()
    with _output(args.out) as out:
        if args.stdin:
            _analyze_stdin(analyzer, out, fail)
        else:
            _analyze_paths(analyzer, args.paths, args.format, out, fail)
    return 1 if fail.count else 0


def _read_jsonl(fail: Failures, fields: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each valid line; bad lines are reported and skipped."""
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"line {number}", f"not JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            fail(f"line {number}", "not a JSON object")
            continue
        missing = [f for f in fields if not isinstance(record.get(f), str)]
        if missing:
            fail(f"line {number}", f"needs string field(s) {', '.join(missing)}")
            continue
        yield number, record


def _analyze_stdin(analyzer, out: IO[str], fail: Failures) -> None:
    for number, record in _read_jsonl(fail, ("text",)):
        try:
            result = analyzer.analyze(record["text"]).to_record()
        except ValueError as exc:
            fail(f"line {number} (id {record.get('id')!r})", exc)
            continue
        _jsonl(out, {"id": record.get("id"), "sentiment": result["sentiment"], "entities": result["entities"]})


def _documents(paths: list[Path], fail: Failures):
    """(path, Document) for every readable file under the paths."""
    from sqzdesk.batch.scan import ScanProblem, scan
    from sqzdesk.documents import DocumentError, read_document

    for item in scan(paths):
        if isinstance(item, ScanProblem):
            fail(str(item.path), item.reason)
            continue
        try:
            yield item, read_document(item)
        except DocumentError as exc:
            fail(str(item), exc)


def _analyze_paths(analyzer, paths: list[Path], fmt: str, out: IO[str], fail: Failures) -> None:
    records = []
    writer = _CsvRows(out) if fmt == "csv" else None
    for path, doc in _documents(paths, fail):
        try:
            record = {"path": str(path), **analyzer.analyze(doc.text).to_record()}
        except ValueError as exc:
            fail(str(path), exc)
            continue
        if fmt == "jsonl":
            _jsonl(out, record)
        elif writer is not None:
            writer.add(record)
        else:
            records.append(record)
    if fmt == "json":
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")


class _CsvRows:
    """One row per document: sentiment, sentence count, entity counts per type."""

    COLUMNS = ["path", "sentiment_label", "sentiment_score", "sentences", "entities", *ENTITY_TYPES]

    def __init__(self, out: IO[str]):
        self.writer = csv.DictWriter(out, fieldnames=self.COLUMNS)
        self.writer.writeheader()

    def add(self, record: dict) -> None:
        sentiment = record["sentiment"] or {}
        row = {"path": record["path"], "sentiment_label": sentiment.get("label", ""),
               "sentiment_score": f"{sentiment['score']:.4f}" if sentiment else "",
               "sentences": len(record["sentences"]), "entities": len(record["entities"])}
        for kind in ENTITY_TYPES:
            row[kind] = sum(1 for e in record["entities"] if e["label"] == kind)
        self.writer.writerow(row)


# ---- ask -----------------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace) -> int:
    if args.stdin == bool(args.path) or (args.path and not args.question):
        print("sqzdesk ask: give PATH --question Q, or --stdin", file=sys.stderr)
        return 2
    if args.top_k < 1:
        print("sqzdesk ask: --top-k must be at least 1", file=sys.stderr)
        return 2
    model = _open_model("qa", args)
    if model is None:
        return 2
    fail = Failures()
    if args.stdin:
        _ask_stdin(model, args.top_k, fail)
    else:
        for path, doc in _documents([args.path], fail):
            try:
                answers = model.ask(args.question, doc.text, top_k=args.top_k)
            except ValueError as exc:
                fail(str(path), exc)
                continue
            _jsonl(sys.stdout, {"path": str(path), "question": args.question,
                                "answers": [{**a.to_dict(), "page": doc.page_at(a.start)} for a in answers]})
    return 1 if fail.count else 0


def _ask_stdin(model, top_k: int, fail: Failures) -> None:
    chunk: list[dict] = []

    def flush() -> None:
        results = model.ask_many([(r["question"], r["context"]) for r in chunk], top_k=top_k)
        for record, answers in zip(chunk, results, strict=True):
            _jsonl(sys.stdout, {"id": record.get("id"), "answers": [a.to_dict() for a in answers]})
        chunk.clear()

    for number, record in _read_jsonl(fail, ("question", "context")):
        try:
            model.check_length(record["context"])
        except ValueError as exc:
            fail(f"line {number} (id {record.get('id')!r})", exc)
            continue
        chunk.append(record)
        if len(chunk) >= ASK_CHUNK:
            flush()
    if chunk:
        flush()


# ---- models, selftest ----------------------------------------------------------------------------

def cmd_models(args: argparse.Namespace) -> int:
    from sqzdesk.engine import discover, search_dirs

    dirs = [*args.models, *search_dirs()] if args.models else search_dirs()
    found = discover(dirs)
    if args.json:
        rows = [{"path": str(f.path), "task": f.bundle.task if f.bundle else None,
                 "name": f.bundle.manifest.name if f.bundle else None,
                 "version": f.bundle.manifest.version if f.bundle else None,
                 "size_bytes": f.bundle.size_bytes if f.bundle else None,
                 "quantization": f.bundle.manifest.quantization if f.bundle else None,
                 "metrics": f.bundle.manifest.metrics if f.bundle else None, "error": f.error} for f in found]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print("no model bundles found in: " + ", ".join(str(d) for d in dirs))
        return 0
    for f in found:
        if f.bundle is None:
            print(f"UNUSABLE  {f.path}\n          {f.error}")
            continue
        m = f.bundle.manifest
        metrics = ", ".join(f"{k}={v}" for k, v in m.metrics.items() if isinstance(v, int | float))
        print(f"{m.task:<10} {m.name} {m.version}  {f.bundle.size_bytes / 1e6:.1f} MB  {m.quantization}  "
              f"{metrics}\n           {f.path}")
    return 0


SAMPLE = {
    "positive": "I loved this film. The acting was wonderful and the story moved me.",
    "negative": "This was a terrible product. It broke after two days and support never answered.",
    "entities": "Angela Merkel met Emmanuel Macron in Paris on Tuesday to discuss the European Union.",
    "context": "The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in 1889 "
               "as the entrance arch to the World's Fair.",
    "question": "When was the Eiffel Tower completed?",
}


def cmd_selftest(args: argparse.Namespace) -> int:
    """Each task must give a sane answer on a sample anyone can judge by eye."""
    ok = True

    def report(task: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{task:<17} {'ok  ' if passed else 'FAIL'} {detail}")

    sentiment = _open_model("sentiment", args)
    if sentiment is None:
        report("sentiment", False, "no usable bundle")
    else:
        pos = sentiment.analyze(SAMPLE["positive"]).overall
        neg = sentiment.analyze(SAMPLE["negative"]).overall
        report("sentiment", bool(pos and neg and pos.label == "positive" and neg.label == "negative"),
               f"positive sample -> {pos}, negative sample -> {neg}")
    entities = _open_model("entities", args)
    if entities is None:
        report("entities", False, "no usable bundle")
    else:
        found = {(e.label, e.text) for e in entities.analyze(SAMPLE["entities"])}
        report("entities", ("PER", "Angela Merkel") in found and ("LOC", "Paris") in found, f"found {sorted(found)}")
    qa = _open_model("qa", args)
    if qa is None:
        report("qa", False, "no usable bundle")
    else:
        answers = qa.ask(SAMPLE["question"], SAMPLE["context"], top_k=1)
        report("qa", bool(answers) and "1889" in answers[0].text, f"answers {[a.text for a in answers]}")
    if args.gui:
        from sqzdesk.gui.selfcheck import run_gui_checks

        for check in run_gui_checks(_dirs(args)):
            report(f"gui {check.name}", check.passed, check.detail)
    return 0 if ok else 1
