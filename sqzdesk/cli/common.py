"""What the subcommands share: failure lines, output streams, JSONL in and out, opening the models.

Standard library only at module level (see :mod:`sqzdesk.cli`); the engine, the readers and the batch
modules are imported inside the functions that need them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqzdesk.reasons import one_line

if TYPE_CHECKING:
    from sqzdesk.batch.store import ResultStore
    from sqzdesk.documents import Document
    from sqzdesk.engine.analysis import Analyzer
    from sqzdesk.engine.task import TaskModel


class Failures:
    """Counts failed inputs and prints each as one line on stderr."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, where: str, reason: object) -> None:
        self.count += 1
        print(f"sqzdesk: {where}: {one_line(reason)}", file=sys.stderr, flush=True)


def not_read_line(command: str, skipped: Mapping[str, int], redacting: bool = False) -> str:
    """The stderr line naming the files of other types a walk met (``scan``'s count); when redacting, that
    they got no redacted copy (said even with --quiet: nobody should hand one over unredacted unawares)."""
    from sqzdesk.batch.scan import describe_skipped

    return f"sqzdesk {command}: {describe_skipped(skipped, redacting=redacting)}"


def usage(command: str, message: str) -> int:
    print(f"sqzdesk {command}: {message}", file=sys.stderr)
    return 2


# ---- output --------------------------------------------------------------------------------------

@contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or the file at ``path`` (UTF-8; ``newline=""`` so CSV writes its own line ends)."""
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


def write_jsonl(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


# ---- JSONL input ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputLine:
    """One line of ``--stdin``: its record, or why it cannot be answered (then ``record`` is None)."""

    number: int
    id: Any = None                       # the record's "id" (any JSON value); None when unknown
    record: dict[str, Any] | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        """How the stderr line names it: ``line 3`` or ``line 3 (id 'a')``."""
        return f"line {self.number}" if self.id is None else f"line {self.number} (id {self.id!r})"


def read_jsonl(lines: Iterable[str], fields: tuple[str, ...]) -> Iterator[InputLine]:
    """Every input line, in order: with its record when it is a JSON object with string ``fields``,
    otherwise with a one-line ``error`` (an entirely blank line is an input line too and gets one)."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            yield InputLine(number, error="blank line, expected a JSON object")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputLine(number, error=f"not JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield InputLine(number, error="not a JSON object")
            continue
        missing = [f for f in fields if not isinstance(record.get(f), str)]
        if missing:
            yield InputLine(number, record.get("id"), error=f"needs string field(s) {', '.join(missing)}")
            continue
        yield InputLine(number, record.get("id"), record)


def stdin_lines() -> Iterable[str]:
    """Standard input as text lines; undecodable bytes become U+FFFD instead of ending the run, so every
    line still gets its output line."""
    stream = sys.stdin
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")
    return stream


# ---- models and documents ------------------------------------------------------------------------

def model_dirs(args: argparse.Namespace) -> list[Path] | None:
    """``--models`` first, then the usual search path; None (the usual path) without ``--models``."""
    from sqzdesk.engine import search_dirs

    return [*args.models, *search_dirs()] if args.models else None


def open_model(task: str, args: argparse.Namespace) -> TaskModel | None:
    """The task's model, or None after one clear error line (missing or damaged bundle)."""
    from sqzdesk.engine import TASK_MODELS, BundleError

    try:
        model = TASK_MODELS[task].open(model_dirs(args), threads=args.threads, variant=variant_of(args))
    except BundleError as exc:
        print(f"sqzdesk: {task} model unusable: {exc}", file=sys.stderr)
        return None
    note_fallbacks(args, [model])
    if getattr(args, "max_chars", None):
        model.max_chars = args.max_chars
    return model


def open_analyzer(args: argparse.Namespace) -> Analyzer | None:
    """The Analyzer for ``--tasks`` (``classify:NAME`` included) and ``--terms``, or None after one clear
    error line."""
    from sqzdesk.engine import BundleError
    from sqzdesk.engine.analysis import Analyzer, parse_tasks
    from sqzdesk.engine.terms import TermsError, TermStore

    try:
        tasks, names = parse_tasks(args.tasks)
        terms = TermStore().select(getattr(args, "terms", "none"))
    except (ValueError, TermsError) as exc:
        print(f"sqzdesk: {exc}", file=sys.stderr)
        return None
    try:
        analyzer = Analyzer.open((*tasks, *(f"classify:{n}" for n in names)), model_dirs(args), args.threads,
                                 getattr(args, "max_chars", None), terms=terms, variant=variant_of(args))
    except (BundleError, ValueError) as exc:
        print(f"sqzdesk: model unusable: {exc}", file=sys.stderr)
        return None
    note_fallbacks(args, [analyzer.sentiment, analyzer.entities])
    return analyzer


VARIANTS = ("accurate", "fast")


def add_variant_option(p: argparse.ArgumentParser) -> None:
    """``--variant fast|accurate`` on ``analyze``, ``ask`` and ``batch`` (see ``sqzdesk models``)."""
    p.add_argument("--variant", choices=VARIANTS, default="accurate",
                   help="accurate (default) or fast: the smaller grouped models where a task ships one "
                        "(a task without one uses its accurate model and says so)")


def variant_of(args: argparse.Namespace) -> Any:
    """``--variant`` as the engine's Variant (accurate for commands without the option)."""
    from sqzdesk.engine.manifest import Variant

    return Variant(getattr(args, "variant", "accurate"))


def note_fallbacks(args: argparse.Namespace, models: Iterable[TaskModel | None]) -> None:
    """One stderr line per task that has no bundle in the asked variant (its accurate one runs)."""
    from sqzdesk.engine.bundle import fallback_notice
    from sqzdesk.engine.manifest import VARIANT_TASKS

    wanted = variant_of(args)
    for model in models:
        if model is not None and model.task in VARIANT_TASKS and model.bundle.variant != wanted:
            print(f"sqzdesk: {fallback_notice(model.task, wanted)}", file=sys.stderr)


def term_labels(spec: str) -> tuple[str, ...]:
    """The entity labels of the term lists ``--terms`` selects (an unknown list is reported when the
    analyzer is opened, with the same words)."""
    from sqzdesk.engine.terms import TermsError, TermStore

    try:
        return tuple(dict.fromkeys(lst.label for lst in TermStore().select(spec).lists))
    except TermsError:
        return ()


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """``--tasks``, ``--terms`` and ``--variant``, the same on ``analyze`` and ``batch``."""
    add_variant_option(p)
    p.add_argument("--tasks", default="sentiment,entities",
                   help="sentiment, entities and classify:NAME for your own classifiers (default sentiment,entities)")
    p.add_argument("--terms", default="all", metavar="LISTS",
                   help="your term lists matched as entities: all (default), none or names (see `sqzdesk terms`)")


def parse_labels(spec: str, known: Sequence[str], default: frozenset[str] | None = None) -> frozenset[str] | None:
    """A comma list of entity labels (any case), ``all`` (every one in ``known``) or, where ``default`` is
    given, ``default``; None for an unknown label or an empty list, for the caller to say what it takes."""
    words = {w.strip().upper() for w in spec.split(",") if w.strip()}
    if default is not None and words == {"DEFAULT"}:
        return default
    if words == {"ALL"}:
        return frozenset(known)
    if not words or words - set(known):
        return None
    return frozenset(words)


def run_with_store(command: str, args: argparse.Namespace, interrupted: str,
                   work: Callable[[Analyzer, ResultStore], int]) -> int:
    """``work`` with the Analyzer (:func:`open_analyzer`) and the result store ``--store`` open, for the
    commands that analyse many files: exit 2 after one line for a model or store error, 130 on Ctrl-C
    with the line ``sqzdesk COMMAND: interrupted; <interrupted>``."""
    from sqzdesk.batch.store import ResultStore, StoreError

    analyzer = open_analyzer(args)
    if analyzer is None:
        return 2
    try:
        store = ResultStore(args.store)
    except StoreError as exc:
        print(f"sqzdesk: {exc}", file=sys.stderr)
        return 2
    with store:
        try:
            return work(analyzer, store)
        except StoreError as exc:
            print(f"\nsqzdesk: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"\nsqzdesk {command}: interrupted; {interrupted}", file=sys.stderr)
            return 130


def parse_patterns(spec: str) -> frozenset[str]:
    """``--patterns``: all, none or a list of pattern types; ValueError (one line) for anything else."""
    from sqzdesk.engine.patterns import parse_types

    return parse_types(spec)


def add_password_option(p: argparse.ArgumentParser) -> None:
    """``--password-file``, the same on ``analyze``, ``ask`` and ``text``."""
    p.add_argument("--password-file", type=Path, metavar="FILE",
                   help="open encrypted PDFs with the password in FILE (its first line)")


def add_html_option(p: argparse.ArgumentParser) -> None:
    """``--html``, the same on ``text``, ``analyze``, ``ask`` and ``batch``."""
    p.add_argument("--html", choices=["main", "full"], default="main",
                   help="HTML pages: the article only (main, default) or the whole page with its menus, "
                        "share buttons and comments (full)")


def read_password(args: argparse.Namespace) -> str | None:
    """The password in ``--password-file`` (its first line, without the line end), or None without one.

    A file rather than an option value, so the password stays out of the shell history and the process
    list. Raises ValueError (one line) when the file cannot be read.
    """
    path = getattr(args, "password_file", None)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the password file {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    lines = text.splitlines()
    return lines[0] if lines else ""


def documents(paths: Iterable[Path], fail: Failures, password: str | None = None, html: str = "main"
              ) -> Iterator[tuple[Path, Document]]:
    """(path, Document) for every readable file under the paths; the rest get a failure line.

    ``password`` is tried on every encrypted PDF (other files ignore it); ``html`` is ``--html``. Files of
    other types in a folder are not read; one stderr line at the end counts them (as ``batch`` does)."""
    from collections import Counter

    from sqzdesk.batch.scan import ScanProblem, describe_skipped, scan
    from sqzdesk.documents import DocumentError, read_document
    from sqzdesk.documents.html import HtmlMode

    skipped: Counter[str] = Counter()
    for item in scan(paths, skipped):
        if isinstance(item, ScanProblem):
            fail(str(item.path), item.reason)
            continue
        try:
            yield item, read_document(item, password=password, html_mode=HtmlMode(html))
        except DocumentError as exc:
            fail(str(item), exc)
    if skipped:
        print(f"sqzdesk: {describe_skipped(skipped)}", file=sys.stderr, flush=True)
