"""The HTML report: one self-contained file per document or per folder.

Self-contained because analysts mail it around and open it offline: inline CSS and inline SVG only, no
scripts, no fonts, no external references, and a Content-Security-Policy that forbids loading anything,
so even a document text that smuggles markup cannot make the report phone home (all text is escaped).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import IO

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.source import text_if_unchanged
from sqzdesk.engine.results import Entity, SentenceSentiment

MAX_BARS = 300  # sentences per chart before neighbouring sentences are averaged into one bar
CHART_W, CHART_H = 900, 120

COLOURS = {"PER": "#cfe2ff", "ORG": "#ffe5b4", "LOC": "#d1f2d6", "MISC": "#eadcf8", "EMAIL": "#ffd1dc",
           "PHONE": "#ffd6c9", "URL": "#fff3b0", "IP": "#d9f3f6", "IBAN": "#f8c8c8", "CARD": "#f5b7b1"}
_FALLBACK = "#e2e3e5"

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;
color:#212529;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:0;word-break:break-all}
.sub{color:#6c757d;margin:0 0 1em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin-bottom:1.5em}
th,td{border-bottom:1px solid #dee2e6;padding:.3em .5em;text-align:left;vertical-align:top}
td.num{text-align:right}
a{color:#0b5ed7}
.doc{border:1px solid #dee2e6;border-radius:6px;padding:1em;margin:1em 0}
.badge{display:inline-block;border-radius:4px;padding:0 .4em;font-size:.85em;font-weight:600}
.positive{background:#d1e7dd;color:#0f5132}.negative{background:#f8d7da;color:#842029}.mixed{background:#e9ecef;color:#495057}
.failed{background:#f8d7da;color:#842029}
.error{color:#842029;font-weight:600}
.text{white-space:pre-wrap;word-wrap:break-word;background:#f8f9fa;padding:.8em;border-radius:4px;
font:14px/1.6 ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace}
mark{border-radius:3px;padding:0 1px;color:inherit}
mark::after{content:attr(data-l);font:600 9px/1 system-ui,sans-serif;vertical-align:super;margin-left:2px;
color:#495057}
.legend span{display:inline-block;margin:0 .6em .3em 0;padding:0 .4em;border-radius:3px;font-size:.8em}
svg{width:100%;height:auto;display:block;margin:.5em 0}
.note{color:#6c757d;font-style:italic}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _positive_probability(sentence: SentenceSentiment) -> float:
    return sentence.score if sentence.label == "positive" else 1.0 - sentence.score


def sentiment_chart(sentences: Sequence[SentenceSentiment]) -> str:
    """Inline SVG: one bar per sentence, up for positive and down for negative, height = confidence.

    Long documents average neighbouring sentences so the chart stays readable and the file small.
    """
    n = len(sentences)
    if n == 0:
        return ""
    per_bar = -(-n // MAX_BARS)
    bars = [sentences[i:i + per_bar] for i in range(0, n, per_bar)]
    width, mid = CHART_W / len(bars), CHART_H / 2
    parts = [f'<svg viewBox="0 0 {CHART_W} {CHART_H + 16}" role="img" '
             f'aria-label="Sentiment per sentence">',
             f'<rect x="0" y="0" width="{CHART_W}" height="{CHART_H}" fill="#f8f9fa"/>']
    for k, group in enumerate(bars):
        p = sum(_positive_probability(s) for s in group) / len(group)
        h = abs(p - 0.5) * 2 * (mid - 4)
        y = mid - h if p >= 0.5 else mid
        colour = "#198754" if p >= 0.5 else "#dc3545"
        first = k * per_bar + 1
        which = f"sentence {first}" if len(group) == 1 else f"sentences {first}-{first + len(group) - 1}"
        x, w = k * width + width * 0.1, max(width * 0.8, 0.5)
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" '
                     f'height="{max(h, 0.5):.2f}" fill="{colour}"><title>{which}: positive '
                     f'{p:.2f}</title></rect>')
    parts.append(f'<line x1="0" y1="{mid}" x2="{CHART_W}" y2="{mid}" stroke="#adb5bd" stroke-width="1"/>')
    parts.append(f'<text x="4" y="14" font-size="11" fill="#198754">positive</text>'
                 f'<text x="4" y="{CHART_H - 5}" font-size="11" fill="#dc3545">negative</text>'
                 f'<text x="{CHART_W / 2}" y="{CHART_H + 13}" font-size="11" fill="#6c757d" '
                 f'text-anchor="middle">{n} sentence{"s" if n != 1 else ""}, in document order</text>')
    parts.append("</svg>")
    return "".join(parts)


def highlighted(text: str, entities: Sequence[Entity]) -> str:
    """The text, escaped, with each entity wrapped in a coloured ``<mark>`` (overlaps skipped)."""
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: (e.start, -e.end)):
        if e.start < pos or e.end > len(text):
            continue
        colour = COLOURS.get(e.label, _FALLBACK)
        out.append(_e(text[pos:e.start]))
        out.append(f'<mark style="background:{colour}" data-l="{_e(e.label)}" '
                   f'title="{_e(e.label)} {e.score:.2f}">{_e(text[e.start:e.end])}</mark>')
        pos = e.end
    out.append(_e(text[pos:]))
    return "".join(out)


def _legend(labels: Iterable[str]) -> str:
    spans = "".join(f'<span style="background:{COLOURS.get(label, _FALLBACK)}">{_e(label)}</span>'
                    for label in labels)
    return f'<p class="legend">{spans}</p>' if spans else ""


def _sentiment_badge(result: FileResult) -> str:
    if result.failed:
        return '<span class="badge failed">failed</span>'
    s = result.sentiment
    if not s:
        return ""
    kind = "mixed" if s.mixed else s.label
    return f'<span class="badge {_e(kind)}">{_e(s.verdict)} {s.score:.2f}</span>'


def _document_section(index: int, result: FileResult, text: str | None) -> str:
    parts = [f'<section class="doc" id="doc-{index}"><h2>{_e(result.path)}</h2>',
             f'<p class="sub">{_sentiment_badge(result)} sha256 {_e(result.sha256 or "unknown")}</p>']
    if result.failed:
        parts.append(f'<p class="error">{_e(result.error)}</p></section>')
        return "".join(parts)
    parts.append(sentiment_chart(result.sentences))
    labels = sorted({e.label for e in result.entities})
    parts.append(_legend(labels))
    if text is None:
        parts.append('<p class="note">Text not shown: the file changed, moved or became unreadable since it '
                     'was analysed.</p>')
    else:
        parts.append(f'<div class="text">{highlighted(text, result.entities)}</div>')
    parts.append("</section>")
    return "".join(parts)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary_table(results: Sequence[FileResult]) -> str:
    rows = []
    for i, r in enumerate(results, 1):
        detail = _e(r.error) if r.failed else f"{_count(len(r.entities), 'entity', 'entities')}, " \
            f"{_count(len(r.sentences), 'sentence', 'sentences')}"
        rows.append(f'<tr><td class="num">{i}</td><td><a href="#doc-{i}">{_e(r.path)}</a></td>'
                    f"<td>{_sentiment_badge(r)}</td><td>{detail}</td></tr>")
    return ("<table><thead><tr><th>#</th><th>File</th><th>Sentiment</th><th>Details</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def write_html_report(out: IO[str], results: Sequence[FileResult], *, title: str = "sqzdesk report",
                      text_for: Callable[[FileResult], str | None] | None = None, note: str = "") -> None:
    """Write the report for these results (one document or a whole folder); ``note``: a line under the
    counts (the CLI's files of other types not read, so a reader of the report knows they are not in it).

    ``text_for`` gives each document's text for highlighting; by default the file is read again and
    used only if its content still has the analysed sha256 (stored offsets point into that text).
    Texts are loaded one section at a time, so a large folder never sits in memory at once.
    """
    load = text_for or (lambda r: text_if_unchanged(r.path, r.sha256))
    failed = sum(r.failed for r in results)
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">"
              '<meta name="viewport" content="width=device-width, initial-scale=1">'
              f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n")
    out.write(f"<h1>{_e(title)}</h1><p class=\"sub\">{len(results)} file{'s' if len(results) != 1 else ''}, "
              f"{failed} failed &middot; generated {_e(stamp)} by sqzdesk, offline</p>\n")
    if note:
        out.write(f'<p class="sub">{_e(note)}</p>\n')
    if len(results) > 1:
        out.write(_summary_table(results) + "\n")
    for i, result in enumerate(results, 1):
        out.write(_document_section(i, result, None if result.failed else load(result)) + "\n")
    out.write("</body></html>\n")
