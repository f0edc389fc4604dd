"""Named entities: token tags -> word tags -> character spans.

The whole text is tokenized once and cut into overlapping windows; a token seen by several windows
gets the mean of their probabilities. A word (the tokenizer's pre-tokenizer word: whitespace and
punctuation split) takes the tag of its first subword, so a name is highlighted whole or not at all.
Words are joined into entities by their IOB2 tags, never across a blank line, a tab (the cell
separator of table rows from DOCX, HTML and spreadsheets pasted as text) or a line its author ended
(:class:`_LineEnds`; a hard-wrapped line goes on); two same-type entities
separated only by a short run of non-space characters (``O'Neil``, ``Jean-Luc``) are one entity. A name
written the same way more than once takes one type when its mentions clearly favour one, and a lone
surname after its person's full name is that person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from sqzdesk.engine.results import Entity
from sqzdesk.engine.sentences import PARAGRAPH_BREAK
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.tokens import Tokens
from sqzdesk.engine.windows import Progress, ShouldStop, Window, merge_token_scores, softmax

SAME_TYPE_RESTART = 2.0  # log-score cost of B-X right after an X word (see transition_scores)
REPEAT_MARGIN = 1.5  # a repeated name's mentions take one type when it has this many times the next one's evidence
JOIN_GAP = 2  # max non-space characters between two same-type pieces merged into one entity
# words that link the parts of one name ("University of Geneva", "Ludwig van Beethoven")
CONNECTORS = frozenset({"of", "de", "du", "des", "la", "le", "von", "van", "der", "den", "di", "da", "del",
                        "and", "&", "for", "the", "on", "upon"})
# CoNLL's convention (the labels the entity models are measured on): a lower-case article is never the first
# word of an entity ("the Atlantic Ocean" -> "Atlantic Ocean"); capitalised "The" may be ("The Hague")
LEADING_ARTICLES = frozenset({"the", "a", "an"})
# a name's last word that keeps its full stop, as CoNLL writes it ("First Albany Corp."): CoNLL valid
# documents 94.34 -> 94.38, sentences 93.77 -> 93.81
ABBREVIATIONS = frozenset({"Corp", "Inc", "Co", "Cos", "Ltd", "Plc", "Bros", "Jr", "Sr", "St", "Mt", "Ft"})
# a sport's name in capitals alone is no name: a wire's heading ("GOLF - HENKE TAKES LEAD"), which the model
# read as a place
SPORTS = frozenset({"SOCCER", "GOLF", "TENNIS", "CRICKET", "BASKETBALL", "BASEBALL", "RUGBY", "BOXING", "ATHLETICS",
                    "CYCLING", "SQUASH", "MOTORCYCLING", "HOCKEY", "SWIMMING", "SKIING", "ROWING", "SAILING",
                    "FOOTBALL", "BADMINTON", "VOLLEYBALL", "HANDBALL", "JUDO", "WRESTLING", "GYMNASTICS", "SNOOKER"})
# Bumped when the words -> spans rule changes (2: no leading lower-case article, no lone connector, no name
# across a line its author ended, such lines read alone too; 3: one type per repeated name, a surname after
# its person's full name is that person, an abbreviation's full stop kept; 4: no common lower-case last
# word in a capitalised name, no name ending inside a hyphenated word, a regnal number in a person's name,
# a nickname between a person's names, no sport's name alone):
# the result store keys on it, so a stored result decoded under another rule is analysed again.
SPAN_RULE_VERSION = 4


def _boundary(gap: str) -> bool:
    """A gap no entity spans: a blank line, or a tab between table cells ("Google<TAB>London")."""
    return "\t" in gap or bool(PARAGRAPH_BREAK.search(gap))


_WORD = re.compile(r"\S+")
# a common word in lower case: never the last word of a capitalised name ("South China coast" -> "South China",
# "First Union bank" -> "First Union"), as CoNLL annotates; a lower-case name ("interior ministry") is kept
_LOWER_WORD = re.compile(r"[a-z]+")
_INITIAL = re.compile(r"[A-Z]\.")
# a regnal number after a person's name; a lone "I" only before punctuation or after a title ("Elizabeth I ,",
# "Queen Elizabeth I born", but not "Smith I think")
_REGNAL = re.compile(r" (?:(?:II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI)(?![\w'-])|I(?= ?[,.;:)]|\n|$))")
_LONE_I = re.compile(r" I(?![\w'-])")
# between a person's first and last names: a nickname of up to three words in brackets or quotes
_NICKNAME_GAP = re.compile(r"[ \t]*(?:\([ \t]*[A-Z][\w.'-]*(?:[ \t]+[\w.'-]+){0,2}[ \t]*\)"
                           r"|[\"\u201c][ \t]*[A-Z][\w.'-]*(?:[ \t]+[\w.'-]+){0,2}[ \t]*[\"\u201d])[ \t]*")
_TITLE = re.compile(r"\b(?:King|Queen|Pope|Emperor|Empress|Tsar|Czar|Sultan|Prince|Princess|Duke|Pharaoh) $")
_NEWLINE = re.compile("\n")
LINE_TOKENS = 126  # lines up to this many tokens (a window) are also read alone (EntityModel.line_windows)
WRAP_EVIDENCE = 3  # lines ending within WRAP_BAND characters of a length make it the text's wrap width
WRAP_BAND = 12     # a wrapped line ends short of the width by less than the next word (and a space)


def wrap_width(lengths: Sequence[int]) -> int:
    """The longest line length that at least ``WRAP_EVIDENCE`` lines end within ``WRAP_BAND`` characters of
    (a hard-wrapped text's column; ``lengths``: the lines another line follows); 0 when no length is
    shared so: a text written a line at a time, or too few lines to tell."""
    ordered = sorted(lengths, reverse=True)
    for i, width in enumerate(ordered):
        if width == 0:
            break
        last = i + WRAP_EVIDENCE - 1  # sorted: the band holds enough lines when this one is still in it
        if last < len(ordered) and ordered[last] >= width - WRAP_BAND:
            return width
    return 0


class _LineEnds:
    """Which single line breaks end a line on purpose (no entity runs across them) and which only wrap.

    Text read as lines (a list of names, a table, CoNLL's sentence a line, an address) breaks where its
    author did: "Present:" / "Anna Meier" / "Hans Peter Schmid" are two names, however a model tags them.
    Hard-wrapped prose (a plain-text e-mail at 72 columns) breaks where the next word did not fit:
    "...Chancellor Angela" / "Merkel" is one name. As the PDF reader tells its printed lines apart (``documents/reflow.py``): a break
    is the author's when the next line's first word would have fitted in the room the line left before
    the wrap width, or the line is longer than that width (:func:`wrap_width`: a wrapped text has many
    lines just short of its width; a text without such lines has no width, and all its breaks are the
    author's). On CoNLL valid read as whole documents (shipped int8 bundle): span F1 93.23 -> 93.35;
    names ran across 18 line ends there, 9 still do, in sports results whose wire text was itself wrapped.
    """

    def __init__(self, text: str):
        self.text = text
        self._width: int | None = None

    def boundary(self, end: int, start: int) -> bool:
        """Whether no entity runs from a word ending at ``end`` to one starting at ``start``."""
        gap = self.text[end:start]
        if _boundary(gap):
            return True
        if "\n" not in gap:
            return False
        if self._width is None:
            lines = self.text.split("\n")
            # lines another line follows: a paragraph's last line is short in wrapped text too
            self._width = wrap_width([len(a.rstrip()) for a, b in zip(lines, lines[1:], strict=False) if b.strip()])
        line_start = self.text.rfind("\n", 0, end) + 1
        line = len(self.text[line_start:end + gap.index("\n")].rstrip())
        word = _WORD.match(self.text, start)
        return line > self._width or line + 1 + (len(word.group()) if word else 0) <= self._width


def word_spans(tokens: Tokens) -> tuple[list[tuple[int, int]], list[int]]:
    """Each word's character span and its first token's index (a word: the pre-tokenizer's, its subwords
    share a word id)."""
    spans: list[tuple[int, int]] = []
    firsts: list[int] = []
    last_word = None
    for i in range(len(tokens)):
        word = int(tokens.words[i])
        start, end = int(tokens.offsets[i, 0]), int(tokens.offsets[i, 1])
        if word == last_word and word >= 0:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            continue
        spans.append((start, end))
        firsts.append(i)
        last_word = word
    return spans, firsts


def tag_words(spans: Sequence[tuple[int, int]], word_probs: np.ndarray, labels: Sequence[str],
              ends: _LineEnds | None = None) -> list[tuple[int, int, str, float]]:
    """(start, end, tag, score) per word, decoded with the IOB rules from its label probabilities.

    The tags are the most probable sequence under the IOB2 constraints (an ``I-X`` only after ``B-X`` or
    ``I-X``), by Viterbi over the words' log probabilities, instead of each word's own argmax: argmax
    splits "Marcello Cuttitta" into two names when the second word's best tag is B-PER, or starts a name
    with an orphan I- tag. A blank line, a tab or a line its author ended (``ends`` given) starts a new
    sequence, as no entity runs across one. The score is the chosen tag's probability. On CoNLL valid
    (shipped int8 bundle, through the engine) this took whole-document F1 from 88.47 to 90.12 and
    sentence-at-a-time F1 from 86.68 to 88.46 (argmax -> Viterbi 89.87 / 88.27 -> with the same-type
    restart cost).
    """
    if not len(spans):
        return []
    word_probs = word_probs.astype(np.float64)
    breaks = [k for k in range(1, len(spans)) if ends is not None and ends.boundary(spans[k - 1][1], spans[k][0])]
    best = viterbi(word_probs, labels, breaks)
    return [(s, e, labels[t], float(word_probs[k, t])) for k, ((s, e), t) in enumerate(zip(spans, best, strict=True))]


def transition_scores(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(begin[j], trans[i, j]): log-score added for starting with tag j, for tag j after tag i.

    IOB2 forbids (-inf) an ``I-X`` at the start or after anything but ``B-X``/``I-X``. A ``B-X`` right
    after an ``X`` word costs ``SAME_TYPE_RESTART`` (two names of one type side by side with nothing
    between are rare; one name cut in two is the usual error): chosen on CoNLL valid, where 0 / 1 / 2 / 4
    gave whole-document F1 89.87 / 90.11 / 90.12 / 90.10.
    """
    n = len(labels)
    kinds = [t.split("-", 1) if "-" in t else ["O", None] for t in labels]
    begin = np.array([-np.inf if p == "I" else 0.0 for p, _ in kinds])
    trans = np.zeros((n, n))
    for j, (pj, kj) in enumerate(kinds):
        for i, (_, ki) in enumerate(kinds):
            if pj == "I" and ki != kj:
                trans[i, j] = -np.inf
            elif pj == "B" and kj is not None and ki == kj:
                trans[i, j] = -SAME_TYPE_RESTART
    return begin, trans


def viterbi(word_probs: np.ndarray, labels: Sequence[str], breaks: Sequence[int] = ()) -> list[int]:
    """The best tag sequence under :func:`transition_scores`; ``breaks``: words that start anew."""
    begin, trans = transition_scores(labels)
    logp = np.log(np.maximum(word_probs, 1e-12))
    n = len(word_probs)
    score = logp[0] + begin
    back = np.zeros((n, len(labels)), dtype=np.int64)
    restart = set(breaks)
    for k in range(1, n):
        if k in restart:  # no entity continues across: the best of anything, then a fresh start
            back[k] = int(score.argmax())
            score = score.max() + begin + logp[k]
            continue
        cand = score[:, None] + trans
        back[k] = cand.argmax(0)
        score = cand.max(0) + logp[k]
    path = [int(score.argmax())]
    for k in range(n - 1, 0, -1):
        path.append(int(back[k, path[-1]]))
    return path[::-1]


def decode_entities(text: str, words: Sequence[tuple[int, int, str, float]],
                    ends: _LineEnds | None = None) -> list[Entity]:
    """IOB2 word tags -> non-overlapping character spans (``ends``: the text's line ends, if already read)."""
    groups: list[list] = []  # [start, end, type, [scores]]
    ends = ends if ends is not None else _LineEnds(text)
    for start, end, tag, score in words:
        if tag == "O" or "-" not in tag:
            prefix, kind = "O", None
        else:
            prefix, kind = tag.split("-", 1)
        if kind is None:
            groups.append([start, end, None, []])  # a barrier: ends any open entity
            continue
        prev = groups[-1] if groups else None
        if prefix == "I" and prev is not None and prev[2] == kind and not ends.boundary(prev[1], start):
            prev[1] = end
            prev[3].append(score)
        else:
            groups.append([start, end, kind, [score]])
    spans = [g for g in groups if g[2] is not None]
    merged: list[list] = []
    for g in spans:
        prev = merged[-1] if merged else None
        if prev is not None and prev[2] == g[2] and _joinable(text[prev[1]:g[0]]):
            prev[1] = g[1]
            prev[3] += g[3]
        elif prev is not None and _ends_with_connector(text, prev) and _space_only(text[prev[1]:g[0]]):
            prev[1] = g[1]  # "University of" + "Geneva": one name, of the first part's type
            prev[3] += g[3]
        else:
            merged.append(g)
    out = []
    for s, e, kind, scores in merged:
        s, e = _trim_connectors(text, s, e)
        if e > s and text[e:e + 1] == "." and text[s:e].rsplit(None, 1)[-1] in ABBREVIATIONS:
            e += 1  # "Norwest Corp." and "Joseph Smith Jr." end with their abbreviation's point
        if e > s and kind == "PER":
            e = _with_regnal_number(text, s, e)
        if e > s and text[s:e] not in SPORTS:  # in capitals only: "Golf" may be the car
            out.append(Entity(s, e, kind, text[s:e], float(np.mean(scores))))
    return nicknames_joined(text, out)


def nicknames_joined(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """A person's name around a nickname in brackets or quotes is one name: "Alan John Percivale (A.J.P.)
    Taylor", 'Hector "Macho" Camacho' (whatever the model made of the nickname, unless a place: "Smith
    (Australia) Jones" is two people)."""
    out = list(entities)
    i = 0
    while i < len(out) - 1:
        first = out[i]
        if first.label != "PER":
            i += 1
            continue
        # the last name next, or after the nickname, which may itself have come out as an entity ("A.J.P.")
        for j in (i + 1, i + 2):
            if j >= len(out) or out[j].label != "PER" or (j == i + 2 and out[i + 1].label == "LOC"):
                continue
            if _NICKNAME_GAP.fullmatch(text, first.end, out[j].start):
                scores = [e.score for e in out[i:j + 1]]
                out[i:j + 1] = [Entity(first.start, out[j].end, "PER", text[first.start:out[j].end],
                                       float(np.mean(scores)))]
                break
        else:
            i += 1
    return out


def _ends_with_connector(text: str, group: list) -> bool:
    words = text[group[0]:group[1]].split()
    return len(words) > 1 and words[-1].lower() in CONNECTORS


def _space_only(gap: str) -> bool:
    return 0 < len(gap) <= 2 and gap.strip(" \t") == ""


def _with_regnal_number(text: str, start: int, end: int) -> int:
    """A person's name ends after its regnal number ("Louis XIV", "Queen Elizabeth I"): see :data:`_REGNAL`."""
    regnal = _REGNAL.match(text, end) or (_TITLE.search(text[max(0, start - 12):start]) and _LONE_I.match(text, end))
    return regnal.end() if regnal else end


def _common_tail(words: Sequence[str]) -> bool:
    """The last word is a common lower-case word, not the second half of a species name ("H. habilis") or of
    a hyphenated word written with spaces ("Inebu - hedj")."""
    return bool(_LOWER_WORD.fullmatch(words[-1])) and words[-2] != "-" and not _INITIAL.fullmatch(words[-2])


def _trim_connectors(text: str, start: int, end: int) -> tuple[int, int]:
    """A name never ends with a dangling "of" or "and", a capitalised one nor with a common lower-case word
    ("South China coast" -> "South China": :func:`_common_tail`), nor starts with a lower-case article
    (:data:`LEADING_ARTICLES`), nor ends inside a hyphenated word ("T-" of "T-bonds"); a lone lower-case
    connector or article is no name (empty span)."""
    if end > start and text[end - 1] == "-" and text[end:end + 1].isalnum():
        # cut inside a hyphenated word ("T-" of "T-bonds", "European Under-" of "Under-21"): without that word
        cut = text[start:end].split()
        if len(cut) == 1:
            return start, start
        end = len(text[:text.rindex(cut[-1], start, end)].rstrip())
    words = text[start:end].split()
    capitalised = words[0][:1].isupper() if words else False
    while len(words) > 1 and (words[-1].lower() in CONNECTORS or (capitalised and _common_tail(words))):
        end = text.rindex(words[-1], start, end)
        end = len(text[:end].rstrip())
        words.pop()
    while len(words) > 1 and words[0] in LEADING_ARTICLES:
        start = text.index(words[1], text.index(words[0], start, end) + len(words[0]), end)
        words.pop(0)
    if len(words) == 1 and (words[0] in CONNECTORS or words[0] in LEADING_ARTICLES):
        return start, start
    return start, end


def one_type_per_name(entities: Sequence[Entity], spans: Sequence[tuple[int, int]], word_probs: np.ndarray,
                      labels: Sequence[str]) -> list[Entity]:
    """A name written the same way more than once in a text takes one type, the one its mentions
    together favour, when they disagree.

    The model reads each mention in its own window, so "Cotti" can be a person in one paragraph and an
    organisation in the next. Each mention's evidence for a type is the mean over its words of P(B-X) +
    P(I-X); summed over the mentions, the best type must have ``REPEAT_MARGIN`` times the runner-up's
    evidence, or each mention keeps its own (on CoNLL valid, unifying on any majority broke as many as it
    mended: a city is the place in one sentence and its team in the next). A name in capitals only is left
    alone: a wire's results tables and datelines write the team and the city the same ("NEW YORK").
    A relabelled mention's score is the mentions' mean evidence for the type. Shipped int8 bundle through
    the engine: CoNLL valid as whole documents 93.87 -> 94.03 (18 mentions mended, 9 broken), held-out
    silver Wikipedia 67.94 -> 68.14 (3 mended, none broken). Margins 1 / 2 / 3 gave documents 94.11 / 94.01 /
    93.94 and wiki 67.80 / 68.14 / 68.01; without the capitals rule, 93.87 at 1.5 and 93.49 at 1. A
    surname alone is another name than the person's: :func:`surnames_as_people`.
    """
    if len(entities) < 2:
        return list(entities)
    by_text: dict[str, list[int]] = {}
    for k, e in enumerate(entities):
        if not e.text.isupper():
            by_text.setdefault(e.text, []).append(k)
    types = sorted({t.split("-", 1)[1] for t in labels if "-" in t})
    columns = [[j for j, t in enumerate(labels) if t in (f"B-{x}", f"I-{x}")] for x in types]
    starts = np.array([s for s, _ in spans])
    out = list(entities)
    for ks in by_text.values():
        if len({entities[k].label for k in ks}) < 2:
            continue
        evidence = np.zeros(len(types))
        for k in ks:
            words = word_probs[(starts >= entities[k].start) & (starts < entities[k].end)]
            if len(words):
                evidence += [words[:, c].sum(1).mean() for c in columns]
        ranked = np.sort(evidence)
        if ranked[-1] < REPEAT_MARGIN * ranked[-2]:
            continue
        kind = types[int(evidence.argmax())]
        for k in ks:
            if entities[k].label != kind:
                out[k] = replace(entities[k], label=kind, score=float(evidence.max() / len(ks)))
    return out


def surnames_as_people(entities: Sequence[Entity], people: dict[str, Entity] | None = None) -> list[Entity]:
    """A lone surname after its person's full name is that person ("Michael Jordan ... Jordan scored").

    News and reports name a person in full once, then by surname, and a surname alone is often also a
    place or a company ("Jordan", "Washington", "Ericsson") that the model reads it as. A one-word entity
    (not in capitals only) that is the last word of a person of two or more words named earlier in the text
    becomes a person, with that name's score. Reviewers redacting a person need every mention. Shipped
    int8 bundle through the engine, after :func:`one_type_per_name`: CoNLL valid as whole documents 94.03 ->
    94.34 (20 mentions relabelled, 19 of them mended, none broken), held-out silver Wikipedia 68.14 -> 68.08
    (2: "Ahura Mazda ... Mazda", which the teacher calls an organisation, and "Thomas Newcomen ... Newcomen
    steam engine"). A first name alone as the person, or a surname before the full name, broke more on
    Wikipedia (67.94 / 68.01); adding surnames the model left untagged: 3 on CoNLL (1 right), 6 on
    Wikipedia (2 right), not kept.

    ``entities``: in text order; ``people``: the persons named so far (surname -> entity), kept by a caller
    that reads a document in chunks (:meth:`~sqzdesk.engine.analysis.Analyzer.stream`) and updated here.
    """
    people = {} if people is None else people
    out = []
    for e in entities:
        words = e.text.split()
        if e.label == "PER" and len(words) > 1 and not e.text.isupper():
            people.setdefault(words[-1], e)
        elif e.label != "PER" and len(words) == 1 and not e.text.isupper():
            person = people.get(e.text)
            if person is not None and person.end <= e.start:
                e = replace(e, label="PER", score=person.score)
        out.append(e)
    return out


def _joinable(gap: str) -> bool:
    return len(gap) <= JOIN_GAP and not any(ch.isspace() for ch in gap)


class EntityModel(TaskModel):
    task = "entities"
    per_token = ("logits",)

    def analyze(self, text: str, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> list[Entity]:
        self.check_length(text)
        tokens = self.tokenizer.encode(text)
        if len(tokens) == 0:
            return []
        windows = self.windows([tokens])
        ends = _LineEnds(text)  # one reading of the text's line ends (its wrap width) for every step below
        lines = self.line_windows(text, tokens, ends)
        outputs = self.run(windows + lines, progress, should_stop)
        scores = [softmax(o["logits"]) for o in outputs]
        probs = merge_token_scores(len(tokens), windows, scores[:len(windows)])
        if lines:  # a line's tokens: the mean of the document's reading and the line's own
            alone = merge_token_scores(len(tokens), lines, scores[len(windows):])
            covered = np.zeros(len(tokens), dtype=bool)
            for w in lines:
                covered[w.start:w.end] = True
            probs[covered] = (probs[covered] + alone[covered]) / 2
        spans, firsts = word_spans(tokens)
        word_probs = probs[firsts]
        found = decode_entities(text, tag_words(spans, word_probs, self.labels, ends), ends)
        return surnames_as_people(one_type_per_name(found, spans, word_probs, self.labels))

    def line_windows(self, text: str, tokens: Tokens, ends: _LineEnds | None = None) -> list[Window]:
        """One window for each line of a text read as lines, to be read alone as well as in the document.

        Text written a line at a time (a headline, a dateline, a list of names, a results table, CoNLL's
        sentence a line) runs each line's words into the next for the model, which sees no line breaks:
        "... said . | CITIC Pacific is ..." makes a place of the company. Each line its author ended
        (:class:`_LineEnds`; blank lines too, a hard-wrapped line goes on) that fits one window is also
        read alone, and its tokens get the mean of both readings. Prose (one paragraph, or paragraphs
        longer than a window) is read as before. On CoNLL valid as whole documents (shipped int8 bundle,
        through the engine): span F1 93.35 -> 93.87, for 0.85x more (padded) tokens than the document's
        windows; reading alone only lines up to 32 / 48 / 64 tokens gave 93.35 / 93.62 / 93.68 for 0.45 /
        0.68 / 0.77x. Held-out silver Wikipedia articles, three to a text as paragraphs: 67.51 -> 67.79.
        """
        if len(tokens) < 2 or "\n" not in text:
            return []
        ends = ends if ends is not None else _LineEnds(text)
        offsets = tokens.offsets
        newlines = np.array([m.start() for m in _NEWLINE.finditer(text)], dtype=np.int64)
        # tokens with a line break in the gap before them (vectorised: a long text has many tokens)
        after_break = np.flatnonzero(np.searchsorted(newlines, offsets[1:, 0]) > np.searchsorted(newlines, offsets[:-1, 1])) + 1
        cuts = [int(k) for k in after_break if ends.boundary(int(offsets[k - 1, 1]), int(offsets[k, 0]))]
        if not cuts:
            return []
        room = min(self.max_length - 2, LINE_TOKENS)
        out: list[Window] = []
        for start, end in zip([0, *cuts], [*cuts, len(tokens)], strict=True):
            if end - start > room:
                continue
            part = Tokens(tokens.ids[start:end], offsets[start:end], tokens.words[start:end],
                          None if tokens.cases is None else tokens.cases[start:end])
            out += [replace(w, start=w.start + start, end=w.end + start) for w in self.windows([part])]
        return out
