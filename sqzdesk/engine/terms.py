"""Custom entity lists: an analyst's own names, code names and case-number shapes, found as entities.

A :class:`TermList` is a name, an entity label of the user's choice (``CLIENT``, ``PROJECT``, ``CASE``),
and entries: literal terms, or regular expressions written ``re:<pattern>``. Matches are reported like the
pattern entities (:mod:`.patterns`), score 1.0, and merged the same way in the one analysis, so they show
in the app, in ``analyze`` and ``batch`` output and in redaction; a model entity under a term match is
dropped, and a term match wins over a pattern match it overlaps (the list is the user's explicit word).

Matching is whole-word by default (``Acme`` does not match inside ``Acmeville``) and case-sensitive
unless the list says otherwise. Literal terms are compiled into one trie-shaped regular expression per
list, so a client list of thousands of names costs about what one name does. Regular expressions are
checked when the list is saved: they must compile, be at most :data:`MAX_REGEX_CHARS` long, have no
backreferences and no quantified group that itself holds a quantifier (``(a+)+``), the shapes that can
take exponential time on Python's backtracking engine, which has no timeout.

Lists are stored as one JSON file in the user's data dir (:class:`TermStore`), written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqzdesk.engine.results import Entity

TERMS_VERSION = 1               # part of the batch store key: bump when matching changes
REGEX_PREFIX = "re:"
MAX_REGEX_CHARS = 200
MAX_TERM_CHARS = 200
MAX_ENTRIES = 100_000
MAX_FILE_BYTES = 5_000_000
STORE_NAME = "terms.json"
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
LABEL_RULE = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[*+]|\{\d*,?\d*\})(?:[^()\\]|\\.)*\)\s*(?:[*+]|\{\d*,\d*\})")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


class TermsError(ValueError):
    """A list, entry or file that cannot be used; one line that says which and why."""


def check_regex(pattern: str) -> re.Pattern[str]:
    """Compile a user's regular expression, refusing the shapes that can hang the analysis."""
    if not pattern:
        raise TermsError("empty regular expression after 're:'")
    if len(pattern) > MAX_REGEX_CHARS:
        raise TermsError(f"regular expression over {MAX_REGEX_CHARS} characters: {pattern[:40]}...")
    if _BACKREFERENCE.search(pattern):
        raise TermsError(f"backreferences are not allowed: {pattern}")
    if _NESTED_QUANTIFIER.search(pattern):
        raise TermsError(f"a repeated group with a repeat inside can take exponential time: {pattern}")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise TermsError(f"invalid regular expression {pattern!r}: {exc}") from None


def _trie_regex(terms: Iterable[str]) -> str:
    """One regular expression matching any of ``terms``, longest first, shaped as a trie."""
    trie: dict = {}
    for term in terms:
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = True

    def walk(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return walk(trie)


@dataclass(frozen=True)
class TermList:
    name: str
    label: str                      # the entity type matches get (upper case, like PER and EMAIL)
    entries: tuple[str, ...]        # literal terms, or "re:<pattern>"
    case_insensitive: bool = False
    whole_word: bool = True
    _compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not NAME_RULE.fullmatch(self.name):
            raise TermsError(f"invalid list name {self.name!r}: letters, digits, '_', '.' or '-' (at most 64)")
        if not LABEL_RULE.fullmatch(self.label):
            raise TermsError(f"invalid label {self.label!r}: upper-case letters, digits and '_', starting with a "
                             "letter, at most 32 (e.g. CLIENT)")
        if not self.entries:
            raise TermsError(f"list '{self.name}' has no terms")
        if len(self.entries) > MAX_ENTRIES:
            raise TermsError(f"list '{self.name}' has {len(self.entries):,} terms, over {MAX_ENTRIES:,}")
        object.__setattr__(self, "_compiled", self._compile())

    @property
    def pattern(self) -> re.Pattern[str]:
        assert self._compiled is not None
        return self._compiled

    def _compile(self) -> re.Pattern[str]:
        literals, regexes = [], []
        for entry in self.entries:
            if entry.startswith(REGEX_PREFIX):
                check_regex(entry[len(REGEX_PREFIX):])
                regexes.append(f"(?:{entry[len(REGEX_PREFIX):]})")
            else:
                term = entry.strip()
                if not term:
                    raise TermsError(f"list '{self.name}' has an empty term")
                if len(term) > MAX_TERM_CHARS:
                    raise TermsError(f"term over {MAX_TERM_CHARS} characters: {term[:40]}...")
                literals.append(term)
        alternatives = ([_trie_regex(dict.fromkeys(literals))] if literals else []) + regexes
        body = "|".join(alternatives)
        if self.whole_word:
            body = rf"(?<!\w)(?:{body})(?!\w)"
        return re.compile(body, re.IGNORECASE if self.case_insensitive else 0)

    def find(self, text: str) -> list[Entity]:
        return [Entity(m.start(), m.end(), self.label, m.group(), 1.0)
                for m in self.pattern.finditer(text) if m.end() > m.start()]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "case_insensitive": self.case_insensitive,
                "whole_word": self.whole_word, "entries": list(self.entries)}

    @classmethod
    def from_dict(cls, data: Any) -> TermList:
        if not isinstance(data, dict):
            raise TermsError("a term list must be a JSON object")
        entries = data.get("entries")
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise TermsError(f"list {data.get('name')!r}: 'entries' must be a list of strings")
        return cls(str(data.get("name", "")), str(data.get("label", "")), tuple(entries),
                   bool(data.get("case_insensitive", False)), bool(data.get("whole_word", True)))


def read_terms_file(path: Path) -> list[str]:
    """Terms from a text file (one a line; blank lines and ``#`` comments skipped) or a CSV file (the
    column named ``term`` if there is one, else the first column)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TermsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise TermsError(f"{path}: {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB a term file may have")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TermsError(f"{path}: not readable as UTF-8 text ({exc})") from None
    if path.suffix.lower() == ".csv":
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        if not rows:
            return []
        header = [c.strip().lower() for c in rows[0]]
        column = header.index("term") if "term" in header else 0
        body = rows[1:] if "term" in header else rows
        return [r[column].strip() for r in body if len(r) > column and r[column].strip()]
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def resolve_overlaps(entities: Iterable[Entity]) -> list[Entity]:
    """Non-overlapping matches: the earliest start first, then the longest, then the first given."""
    out: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out


class TermMatcher:
    """The lists one analysis applies; :meth:`find` gives their non-overlapping entities in text order."""

    def __init__(self, lists: Sequence[TermList]):
        self.lists = tuple(lists)

    def __bool__(self) -> bool:
        return bool(self.lists)

    def find(self, text: str) -> list[Entity]:
        return resolve_overlaps(e for lst in self.lists for e in lst.find(text))

    def key(self) -> str:
        """For the batch store: the lists' exact content, hashed."""
        blob = json.dumps([lst.to_dict() for lst in self.lists], sort_keys=True, ensure_ascii=False)
        return f"v{TERMS_VERSION}:{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def combine_rules(terms: Sequence[Entity], patterns: Sequence[Entity]) -> list[Entity]:
    """Term matches and the pattern matches they do not overlap, in text order."""
    if not terms:
        return list(patterns)
    kept = [p for p in patterns if not any(t.start < p.end and p.start < t.end for t in terms)]
    return sorted([*terms, *kept], key=lambda e: (e.start, e.end))


def default_store_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("sqzdesk", appauthor=False)) / STORE_NAME


class TermStore:
    """The user's lists, one JSON file ``{"format": 1, "lists": [...]}``; every change rewrites it atomically."""

    def __init__(self, path: Path | None = None):
        self.path = path if path is not None else default_store_path()

    def load(self) -> tuple[TermList, ...]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TermsError(f"{self.path}: unreadable term lists ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != 1 or not isinstance(data.get("lists"), list):
            raise TermsError(f"{self.path}: not a term-list file of format 1")
        try:
            return tuple(TermList.from_dict(d) for d in data["lists"])
        except TermsError as exc:
            raise TermsError(f"{self.path}: {exc}") from None

    def get(self, name: str) -> TermList | None:
        return next((lst for lst in self.load() if lst.name == name), None)

    def select(self, spec: str) -> TermMatcher:
        """``all``, ``none`` or a comma-separated list of names (TermsError naming unknown ones)."""
        spec = spec.strip()
        if spec.lower() == "none":
            return TermMatcher(())
        lists = self.load()
        if spec.lower() == "all":
            return TermMatcher(lists)
        wanted = [n.strip() for n in spec.split(",") if n.strip()]
        by_name = {lst.name: lst for lst in lists}
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise TermsError(f"no term list named {', '.join(unknown)} (saved: {', '.join(by_name) or 'none'})")
        return TermMatcher([by_name[n] for n in wanted])

    def add(self, term_list: TermList, *, replace: bool = False) -> None:
        lists = list(self.load())
        if any(lst.name == term_list.name for lst in lists) and not replace:
            raise TermsError(f"a term list named '{term_list.name}' exists (use --replace to overwrite it)")
        lists = [lst for lst in lists if lst.name != term_list.name] + [term_list]
        self._write(lists)

    def remove(self, name: str) -> None:
        lists = list(self.load())
        if not any(lst.name == name for lst in lists):
            raise TermsError(f"no term list named '{name}'")
        self._write([lst for lst in lists if lst.name != name])

    def _write(self, lists: Sequence[TermList]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        blob = json.dumps({"format": 1, "lists": [lst.to_dict() for lst in lists]}, indent=2, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".terms-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(blob + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
