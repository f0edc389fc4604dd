"""Writes :mod:`sqzdesk.engine.wordpiece_tables`: what HuggingFace ``tokenizers`` does to each character.

``python -m sqzdesk.modelbuild.bert_tables`` (needs ``tokenizers``, not torch).

The pure-Python tokenizer in :mod:`sqzdesk.engine.wordpiece` must treat every character exactly as the
Rust library does, and the library's character classes are not Python's ``unicodedata``: they come from
the ``unicode_categories`` and ``unicode-normalization-alignments`` crates (older Unicode versions, and
"non-spacing mark" there also covers many Mc/Me characters) and from Rust's own ``char`` tables (newer
Unicode than Python 3.11 for lowercase and whitespace). So the tables are measured, not derived: every
code point is put through the library's own normalizers and pre-tokenizer and the answers are recorded.
``tests/test_wordpiece.py`` compares the tokenizer with the installed library on every code point of the
planes in use and fails when they no longer agree (after a ``tokenizers`` upgrade: run this module again).

Decomposition strings and combining-class values are taken from ``unicodedata`` for the characters the
library decomposes or treats as non-starters: those values never change between Unicode versions, only
new characters get added, so the recorded *sets* are what pins the behaviour.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "engine" / "wordpiece_tables.py"


def _code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def measure() -> dict:
    """Every table, measured one code point at a time on the installed ``tokenizers``."""
    import tokenizers
    from tokenizers import normalizers, pre_tokenizers

    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                       lowercase=False)
    chinese = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False,
                                         lowercase=False)
    # strip_accents is NFD then a filter on non-spacing marks (the filter differs from StripAccents')
    strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                       lowercase=False)
    lower = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=False,
                                       lowercase=True)
    nfd = normalizers.NFD()  # the same NormalizedString::nfd the BertNormalizer calls
    pre = pre_tokenizers.BertPreTokenizer()

    t: dict = {"control": [], "whitespace": [], "punctuation": [], "chinese": [], "nonspacing_mark": [],
               "decomposes": [], "combining": {}, "lowercase": {}, "version": tokenizers.__version__}
    for cp in _code_points():
        c = chr(cp)
        if clean.normalize_str(c) == "":
            t["control"].append(cp)
        words = [w for w, _ in pre.pre_tokenize_str(f"a{c}b")]
        if words == ["a", "b"]:
            t["whitespace"].append(cp)
        elif words == ["a", c, "b"]:
            t["punctuation"].append(cp)
        elif words != [f"a{c}b"]:
            raise RuntimeError(f"U+{cp:04X}: unexpected pre-tokenization {words!r}")
        if chinese.normalize_str(c) != c:
            t["chinese"].append(cp)
        d = nfd.normalize_str(c)
        if d != c:
            if d != unicodedata.normalize("NFD", c):
                raise RuntimeError(f"U+{cp:04X}: tokenizers decomposes to {d!r}, unicodedata does not agree")
            t["decomposes"].append(cp)
        else:
            # the filter only ever sees characters that do not decompose
            if strip.normalize_str(c) == "":
                t["nonspacing_mark"].append(cp)
            # A non-starter moves in front of a following lower-class mark, or behind a preceding
            # higher-class one: U+0334 has class 1, U+0345 class 240 (the extremes in use).
            if (nfd.normalize_str(f"a{c}\u0334") != f"a{c}\u0334"
                    or nfd.normalize_str(f"a\u0345{c}") != f"a\u0345{c}"):
                ccc = unicodedata.combining(c)
                if not ccc:
                    raise RuntimeError(f"U+{cp:04X}: a non-starter for tokenizers, class 0 in unicodedata")
                t["combining"][cp] = ccc
        lo = lower.normalize_str(c)
        if lo != c:
            t["lowercase"][cp] = lo
    return t


def ranges(cps) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return [(a, b) for a, b in out]


def _hex_ranges(cps) -> str:
    return " ".join(f"{a:04x}" if a == b else f"{a:04x}-{b:04x}" for a, b in ranges(cps))


def _class_runs(classes: dict[int, int]) -> str:
    runs: list[list[int]] = []
    for cp in sorted(classes):
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == classes[cp]:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, classes[cp]])
    return " ".join((f"{a:04x}" if a == b else f"{a:04x}-{b:04x}") + f":{k}" for a, b, k in runs)


def _lower_runs(single: dict[int, int]) -> str:
    """``lo-hi/step:delta`` runs: every ``step``-th code point from lo to hi maps to itself + delta."""
    runs: list[list[int]] = []  # lo, hi, step, delta
    for cp in sorted(single):
        delta = single[cp] - cp
        if runs and runs[-1][3] == delta and cp - runs[-1][1] in (1, 2) and runs[-1][2] in (0, cp - runs[-1][1]):
            runs[-1][2] = cp - runs[-1][1]
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, 0, delta])
    parts = []
    for lo, hi, step, delta in runs:
        span = f"{lo:04x}" if lo == hi else f"{lo:04x}-{hi:04x}" + ("/2" if step == 2 else "")
        parts.append(f"{span}:{delta:+d}")
    return " ".join(parts)


def _wrapped(name: str, value: str, width: int = 100) -> str:
    lines, line = [], ""
    for item in value.split(" "):
        if line and len(line) + 1 + len(item) > width:
            lines.append(line + " ")
            line = item
        else:
            line = f"{line} {item}" if line else item
    lines.append(line)
    body = "\n".join(f"    {s!r}" for s in lines)
    return f"{name} = (\n{body}\n)\n"


def _escaped(s: str) -> str:
    def one(c: str) -> str:
        if " " <= c <= "~" and c not in "'\\":
            return c
        return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"

    return "'" + "".join(map(one, s)) + "'"


def render(t: dict) -> str:
    single = {cp: ord(v) for cp, v in t["lowercase"].items() if len(v) == 1}
    multi = {cp: v for cp, v in t["lowercase"].items() if len(v) != 1}
    out = [
        '"""Character tables of HuggingFace tokenizers ' + t["version"] + ', measured code point by code point.\n\n'
        "Generated by ``python -m sqzdesk.modelbuild.bert_tables``; do not edit. Ranges are hex code points\n"
        '(``lo-hi``), separated by spaces. See that module for why these are not taken from ``unicodedata``.\n"""\n',
        f"TOKENIZERS_VERSION = {t['version']!r}\n",
        "# BertNormalizer(clean_text): removed (NUL, U+FFFD and 'other' characters except \\t \\n \\r)",
        _wrapped("CONTROL", _hex_ranges(t["control"])),
        "# Rust char::is_whitespace: BertPreTokenizer splits on these and drops them",
        _wrapped("WHITESPACE", _hex_ranges(t["whitespace"])),
        "# BertPreTokenizer: each one is a word of its own",
        _wrapped("PUNCTUATION", _hex_ranges(t["punctuation"])),
        "# BertNormalizer(handle_chinese_chars): a space is put either side",
        _wrapped("CHINESE", _hex_ranges(t["chinese"])),
        "# BertNormalizer(strip_accents): removed after NFD (only characters that do not decompose are listed)",
        _wrapped("NONSPACING_MARK", _hex_ranges(t["nonspacing_mark"])),
        "# NFD changes these (the decomposition itself: unicodedata.normalize('NFD', c))",
        _wrapped("DECOMPOSES", _hex_ranges(t["decomposes"])),
        "# Canonical combining class of the non-starters NFD reorders (lo-hi:class)",
        _wrapped("COMBINING_CLASS", _class_runs(t["combining"])),
        "# Lowercase, one character to one: lo-hi[/2]:delta (every code point, or every other one, + delta)",
        _wrapped("LOWERCASE", _lower_runs(single)),
        "# Lowercase to more than one character",
        "LOWERCASE_MULTI = {" + ", ".join(f"0x{cp:04x}: {_escaped(v)}" for cp, v in sorted(multi.items())) + "}\n",
    ]
    return "\n".join(out)


def main() -> int:
    OUT.write_text(render(measure()), encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
