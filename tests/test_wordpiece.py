"""The pure-Python WordPiece tokenizer against HuggingFace ``tokenizers`` (a dev dependency).

Parity means the same ids, the same character offsets into the original string and the same word ids,
on the shipped ``tokenizer.json`` and on the tiny test bundles' one: hand-picked hard cases, random
Unicode text (hypothesis), and every code point of the planes in use. The one intended difference
(added tokens such as ``[CLS]`` in the text stay plain text) is tested on its own.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import shipped_bundle
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from sqzdesk.engine import BundleError, QAModel, load_bundle
from sqzdesk.engine.tokens import TextTokenizer, Tokens
from sqzdesk.engine.wordpiece import WordPieceTokenizer

PARITY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Pair:
    """The library and ours on the same tokenizer.json."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.hf = Tokenizer.from_str(json.dumps(spec))
        self.hf.no_truncation()
        self.hf.no_padding()
        self.ours = WordPieceTokenizer(spec)
        self.added = [t["content"] for t in spec.get("added_tokens") or []]

    @classmethod
    def from_file(cls, path: Path) -> Pair:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def expected(self, text: str) -> Tokens:
        """Exactly what TextTokenizer did with the library (encode_batch, no special tokens)."""
        enc = self.hf.encode_batch([text], add_special_tokens=False)[0]
        n = len(enc.ids)
        return Tokens(ids=np.asarray(enc.ids, dtype=np.int64).reshape(n),
                      offsets=np.asarray(enc.offsets, dtype=np.int64).reshape(n, 2),
                      words=np.asarray([-1 if w is None else w for w in enc.word_ids], dtype=np.int64).reshape(n))

    def check(self, text: str) -> Tokens:
        want = self.expected(text)
        ids, offsets, words = self.ours.encode(text)
        got = Tokens(ids, offsets, words)
        if not (np.array_equal(want.ids, got.ids) and np.array_equal(want.offsets, got.offsets)
                and np.array_equal(want.words, got.words)):
            raise AssertionError(f"differs from tokenizers on {text!r}:\n{_first_difference(want, got)}")
        assert got.ids.dtype == got.offsets.dtype == got.words.dtype == np.int64
        return got


def _rows(t: Tokens) -> list[tuple]:
    return list(zip(t.ids.tolist(), map(tuple, t.offsets.tolist()), t.words.tolist(), strict=True))


def _first_difference(want: Tokens, got: Tokens) -> str:
    w, g = _rows(want), _rows(got)
    k = next((i for i, (a, b) in enumerate(zip(w, g, strict=False)) if a != b), min(len(w), len(g)))
    return f"  token {k}: tokenizers {w[k:k + 4]}\n  token {k}: ours       {g[k:k + 4]}"


def _with_normalizer(spec: dict, **flags) -> dict:
    spec = json.loads(json.dumps(spec))
    spec["normalizer"].update(flags)
    return spec


@pytest.fixture(scope="module")
def shipped() -> Pair:
    return Pair.from_file(shipped_bundle("qa") / "tokenizer.json")


@pytest.fixture(scope="module")
def tiny(tiny_root) -> Pair:
    return Pair.from_file(tiny_root / "tiny-qa" / "tokenizer.json")


@pytest.fixture(scope="module", params=["shipped", "tiny"])
def pair(request) -> Pair:
    return request.getfixturevalue(request.param)


HARD_CASES = [
    "", " ", "\n\t \r\n", "Hello, World!", "The quick brown fox jumps over the lazy dog.",
    "unaffable unbelievably transformers",
    # accents, precomposed and combining, and marks NFD reorders (with removed characters between)
    "Café naïve crème brûlée Zürich résumé", "Cafe\u0301 nai\u0308ve", "Việt Nam, Nguyễn Tấn Dũng",
    "Vie\u0323\u0302t", "Vie\u0302\u0323t", "a\u0301\u0323b", "a\u0301\x00\u0323b", "a\u0301\u200b\u0323b",
    "x\u0301\U0001D165y", "x\u0301\U0001D165 y\u0301\U0001D16D\u0334", "\u0344 \u0f73\u0301 \u0f73\u0f71",
    "\u0345\u0334a", "\u0301start",
    # combining marks after non-letters, on their own, after punctuation and emoji
    "5\u0301 -\u0308 .\u0327 \u0301 !\u0301! \U0001F600\u0301", "\u20dd\u20de enclosing",
    # case mappings that change length or context
    "İstanbul İİ i\u0307 ΟΔΟΣ ΣΑΣ Σ", "STRASSE Straße \u1e9e", "ǅemal ǈubljana Ǳ",
    # ligatures and compatibility characters (NFD leaves them alone)
    "ﬁnancial ﬂow ﬃ ㎏ Ｆｕｌｌｗｉｄｔｈ ① Å Å",
    # CJK isolation, compatibility ideographs, extension planes, Hangul, Japanese kana
    "北京大学 hosted 東京 researchers", "中文abc文字", "\uf900\uf901 \U00020000\U0002A700\U0002F800",
    "한국어 텍스트도 있습니다", "ひらがなカタカナ",
    # scripts without spaces, right-to-left with vowel marks
    "ภาษาไทยไม่มีช่องว่าง", "مُحَمَّد شَدّة", "שָׁלוֹם", "हिन्दी", "ქართული",
    # emoji and other astral characters
    "😀👍🏽 👨‍👩‍👧 🇩🇪 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐀𝐁𝐂",
    # control, format and zero-width characters, replacement character, private use
    "a\x00b\x01c\x7fd\x85e\ufffdf", "zero\u200bwidth\u200cnon\u200djoiner\u2060wj\ufeffbom\u00adshy",
    "bidi\u202ahere\u202e \u2066iso\u2069", "\ue000private\U000F0000", "tag\U000E0041\U000E0001",
    # every kind of whitespace
    "non\u00a0breaking\u2009thin\u3000ideographic\u2028line\u2029para\u1680ogham\x0bvt\x0cff",
    "\x1c\x1d\x1e\x1f separators",
    # punctuation in and around words
    "e-mail, don't; U.S.A. 3.14 $5 #tag @user ¿qué? «quote» „low“ — – … ‰ ¶ § † ‡",
    "[cls]x [ SEP ] [MASK [UNK ] [Cls]", "##ing ## #",
    # characters newer than Python 3.11's Unicode tables (lowercased by tokenizers)
    "\u1c89\ua7cb\ua7dc\U00010d50\U00016ea0",
    # long words: at, over and far over max_input_chars_per_word, and mixed
    "a" * 100, "a" * 101, "é" * 100 + " " + "é" * 101, "supercalifragilisticexpialidocious" * 3,
    "x" * 5000 + " ok",
]


@pytest.mark.parametrize("text", HARD_CASES, ids=range(len(HARD_CASES)))
def test_hard_cases_match_tokenizers(pair, text):
    pair.check(text)


def test_long_document_matches_tokenizers(pair):
    rng = np.random.default_rng(0)
    words = [w for case in HARD_CASES[:40] for w in case.split()] + ["the", "a", "of", "Angela", "Merkel"] * 20
    text = "".join(words[i] + rng.choice([" ", " ", "\n", ", ", ". ", "\t", "-"])
                   for i in rng.integers(0, len(words), 20_000))
    tokens = pair.check(text)
    assert len(tokens) > 20_000


INTERESTING = list("aAzZ09 .,;:!?'\"-()[]#") + [
    "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\x1c", "\u00a0", "\u3000", "\u2028", "\u200b", "\u200c", "\u200d",
    "\u2060", "\ufeff", "\u00ad", "\x00", "\x01", "\x7f", "\ufffd", "\u0301", "\u0323", "\u0308", "\u0334",
    "\u0345", "\u0344", "\u0f73", "\u0f71", "\u0f72", "\u1734", "\U0001D165", "\U0001D16D", "\u0130", "\u03a3",
    "\u00e9", "\u1ec7", "\u00df", "\u1e9e", "\ufb01", "\ufb03", "\u212b", "\u00c5", "\u01c5", "\u4e2d",
    "\u6587", "\uf900", "\U00020000", "\uac00", "\ud55c", "\u0e20", "\u0e32", "\u0e29", "\U0001F600",
    "\U0001F44D", "\U0001F3FD", "\u0627", "\u064f", "\u0651", "\u064e", "\u05e9", "\u05c1", "\u05b8",
    "\U0001D518", "\uff26", "\u1c89", "\ua7cb", "\U00010D50", "\U000E0001", "\ue000", "\u20dd", "\u0903",
    "\u093e", "\u0488", "\u302a", "\u3099", "\u309a", "\u0e47",
]
WORDS = ["The", "quick", "unaffable", "İstanbul", "CAFÉ", "naïve", "ΟΔΟΣ", "北京", "Straße", "don't",
         "e-mail", "x" * 99, "y" * 101, "Việt", "ﬁne", "😀", "[", "]", "CLS", "SEP", "##", "a"]

ANY_CHAR = st.characters(codec="utf-8")  # every code point a str can hand to tokenizers (no lone surrogates)
texts = st.one_of(
    st.text(ANY_CHAR, max_size=200),
    st.text(alphabet=st.one_of(st.sampled_from(INTERESTING), ANY_CHAR), max_size=120),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet=st.sampled_from(INTERESTING), max_size=4)),
             max_size=40).map("".join),
    st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join),
)


@PARITY
@given(text=texts)
def test_random_text_matches_tokenizers_shipped(shipped, text):
    assume(not any(token in text for token in shipped.added))  # the intended difference, tested below
    shipped.check(text)


@PARITY
@given(text=texts)
def test_random_text_matches_tokenizers_tiny(tiny, text):
    assume(not any(token in text for token in tiny.added))
    tiny.check(text)


@pytest.mark.parametrize("flags", [
    {"strip_accents": False},
    {"lowercase": False, "strip_accents": None},
    {"clean_text": False, "handle_chinese_chars": False},
    {"clean_text": False, "handle_chinese_chars": True, "strip_accents": True, "lowercase": False},
], ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_every_normalizer_option_is_read_from_the_file(shipped, flags):
    variant = Pair(_with_normalizer(shipped.spec, **flags))
    for text in HARD_CASES:
        if not any(token in text for token in variant.added):
            variant.check(text)

    @settings(max_examples=60, deadline=None)
    @given(text=texts)
    def random(text):
        assume(not any(token in text for token in variant.added))
        variant.check(text)

    random()


def _planes_in_use() -> list[int]:
    """Planes 0-3 and 14 whole (everything assigned lives there), a sample of the rest."""
    dense = [*range(0, 0x40000), *range(0xE0000, 0xE1000)]
    sparse = [*range(0x40000, 0xE0000, 997), *range(0xE1000, 0x110000, 997), 0x10FFFD, 0x10FFFF]
    return [cp for cp in dense + sparse if not 0xD800 <= cp <= 0xDFFF]


def test_every_code_point_matches_tokenizers(shipped):
    """Each code point on its own (normalized text, ids, offsets), between marks of the lowest and
    highest combining class (where NFD reorders), and next to its neighbours."""
    cps = _planes_in_use()
    alone = " ".join(map(chr, cps))
    assert shipped.hf.normalizer.normalize_str(alone) == shipped.ours.normalize(alone)[0]
    shipped.check(alone)
    marked = [cp for cp in cps if unicodedata.combining(chr(cp)) or unicodedata.decomposition(chr(cp))
              or 0x0300 <= cp <= 0x036F or cp > 0x10000 and cp % 61 == 0]
    shipped.check("".join(f"a\u0345{chr(cp)}\u0334 " for cp in marked))
    shipped.check("".join(map(chr, cps)))
    # the pre-tokenizer's classes on raw text: whitespace and punctuation split, everything else does not
    raw = "".join(f"a{chr(cp)}b" for cp in cps)
    want = [w for w, _ in shipped.hf.pre_tokenizer.pre_tokenize_str(raw)]
    assert want == [w for _, w in shipped.ours._words.findall(raw)]


def test_added_tokens_in_the_text_stay_plain_text(shipped):
    """The one intended difference: tokenizers makes ``[CLS]`` in a document the control token."""
    text = "Who founded Acme? [SEP] Ignore that. [CLS] [MASK] [PAD] [UNK] [sep] end"
    ours = TextTokenizer(shipped_bundle("qa") / "tokenizer.json")
    tokens = ours.encode(text)
    specials = {ours.cls_id, ours.sep_id, ours.pad_id, shipped.ours.token_to_id("[MASK]"),
                shipped.ours.token_to_id("[UNK]")}
    assert not specials & set(tokens.ids.tolist())
    assert set(shipped.expected(text).ids.tolist()) >= {ours.cls_id, ours.sep_id}  # the library's way
    # ours is the library's output on the same file without its added tokens
    plain = dict(shipped.spec, added_tokens=[])
    Pair(plain).check(text)
    for literal in shipped.added:
        Pair(plain).check(f"x{literal}y {literal} {literal.lower()}")
    pieces = [text[s:e] for s, e in tokens.offsets.tolist()]
    assert "".join(pieces) == "".join(text.split()) and pieces.count("[") == 6  # offsets into the text


def test_text_tokenizer_api(tiny_root):
    tok = TextTokenizer(tiny_root / "tiny-qa" / "tokenizer.json")
    assert (tok.cls_id, tok.sep_id, tok.pad_id) == (2, 3, 0)
    empty = tok.encode("")
    assert len(empty) == 0 and empty.offsets.shape == (0, 2)
    assert empty.ids.dtype == empty.offsets.dtype == empty.words.dtype == np.int64
    many = tok.encode_many(["Angela Merkel visited Paris.", "", "  "])
    assert [len(t) for t in many] == [5, 0, 0]
    assert many[0].words.tolist() == [0, 1, 2, 3, 4]
    assert many[0].offsets.tolist() == [[0, 6], [7, 13], [14, 21], [22, 27], [27, 28]]
    # the bundles' identical files share one tokenizer (vocab and word memory held once)
    assert TextTokenizer(tiny_root / "tiny-sentiment" / "tokenizer.json").tokenizer is tok.tokenizer


def test_lone_surrogates_are_removed_not_fatal(tiny_root):
    """tokenizers cannot even take them (TypeError); clean_text drops them like other "other" characters."""
    tok = TextTokenizer(tiny_root / "tiny-qa" / "tokenizer.json")
    tokens = tok.encode("ab\ud800cd \udfff")
    assert tokens.ids.tolist() == tok.encode("abcd").ids.tolist()
    assert tokens.offsets.tolist() == [[0, 1], [1, 2], [3, 4], [4, 5]]


@pytest.mark.parametrize(("change", "message"), [
    ({"normalizer": {"type": "NFKC"}}, "unsupported normalizer 'NFKC'"),
    ({"normalizer": None}, "unsupported normalizer null"),
    ({"pre_tokenizer": {"type": "Whitespace"}}, "unsupported pre_tokenizer 'Whitespace'"),
    ({"model": {"type": "BPE", "vocab": {}, "merges": []}}, "unsupported model 'BPE'"),
    ({"normalizer": {"type": "BertNormalizer", "lowercase": "yes"}}, "BertNormalizer: lowercase must be true or false"),
])
def test_unsupported_tokenizer_json_is_refused_naming_the_file(tiny_copy, change, message):
    path = tiny_copy / "tiny-qa" / "tokenizer.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ValueError, match="tokenizer.json: " + message):
        TextTokenizer(path)
    # a bundle with such a file (loaded without the checksum check) is refused naming the file
    with pytest.raises(BundleError, match=r"tokenizer\.json: .*unsupported|tokenizer\.json: .*must be"):
        QAModel(load_bundle(tiny_copy / "tiny-qa", verify=False))


def test_unreadable_tokenizer_json_names_the_file(tiny_copy):
    path = tiny_copy / "tiny-qa" / "tokenizer.json"
    spec = json.loads(path.read_text())
    del spec["model"]["vocab"]["[SEP]"]
    path.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match=r"tokenizer\.json: tokenizer has no \[SEP\] token"):
        TextTokenizer(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"tokenizer\.json: "):
        TextTokenizer(path)
    path.unlink()
    with pytest.raises(ValueError, match=r"tokenizer\.json: "):
        TextTokenizer(path)
