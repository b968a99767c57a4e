"""Unit tests of the prompt kind's parsing, protected spans, fine-stage word dropping and selection."""
import numpy as np
import pytest

from ctxprune.pruners.prompt_fine import Piece, compress, render_words
from ctxprune.pruners.prompt_spans import words
from ctxprune.pruners.prompt_split import join_units, question_text, segment_spans, split_units
from ctxprune.scoring.lm import PieceScores
from ctxprune.tokens import get_counter

CTX = ("Paragraph 1: The cat sat on the mat. It was warm.\n\n"
       "Paragraph 2: Dayton, Ohio is a city. Mary was born there on May 19, 1669.\n\n"
       "Paragraph 3: Nothing else happened here.")


def test_labels_become_their_own_units_and_segments():
    segs = segment_spans(CTX)
    assert len(segs) == 3 and all(s[2] is not None for s in segs)
    units = split_units(CTX)
    labels = [u.text(CTX) for u in units if u.is_label]
    assert labels == ["Paragraph 1:", "Paragraph 2:", "Paragraph 3:"]
    texts = [u.text(CTX) for u in units if not u.is_label]
    assert "The cat sat on the mat." in texts and "Mary was born there on May 19, 1669." in texts


def test_code_lines_are_never_split_and_keep_indentation():
    code = "def f(x):\n    y = x.a(1). b(2)\n    return y. z\n"
    units = split_units(code)
    assert [u.text(code) for u in units] == ["def f(x):", "    y = x.a(1). b(2)", "    return y. z"]
    assert all(u.is_code for u in units)


def test_chinese_splits_at_cjk_punctuation():
    zh = "今天天气很好。我们去公园散步！你来吗？"
    assert [u.text(zh) for u in split_units(zh)] == ["今天天气很好。", "我们去公园散步！", "你来吗？"]


def test_unlabelled_context_splits_on_blank_lines():
    ctx = "First block. Still first.\n\nSecond block."
    assert len(segment_spans(ctx)) == 2
    assert [u.segment for u in split_units(ctx)] == [0, 0, 1]


def test_join_keeps_label_with_text_and_gaps():
    units = split_units(CTX)
    keep = [u for u in units if u.text(CTX) in ("Paragraph 2:", "Mary was born there on May 19, 1669.")]
    assert join_units(CTX, keep) == "Paragraph 2: Mary was born there on May 19, 1669."


def test_question_text_takes_the_part_after_the_marker():
    tail = "\n\nAnswer based on the passages.\n\nQuestion: Who was born first?\nAnswer:"
    assert question_text(tail) == "Who was born first?"
    assert question_text("Which paragraph is this abstract from? abc") == "Which paragraph is this abstract from? abc"


@pytest.mark.parametrize("text,span", [
    ("She was born in Dayton, Ohio in the spring.", "Dayton, Ohio"),
    ("He served as United States Secretary of the Interior until then.", "United States Secretary of the Interior"),
    ("The race was 100 metres long.", "100 metres"),
    ("It happened on May 19, 1669 at dawn.", "May 19, 1669"),
    ("See https://example.org/a?b=1 for details.", "https://example.org/a?b=1"),
    ("Call the my_func.helper method now.", "my_func.helper"),
    ('They called it "the big one" back then.', '"the big one"'),
])
def test_protected_spans_cover_entities(text, span):
    ws = words(text)
    a = text.index(span)
    inside = [w for w in ws if w.start < a + len(span) and a < w.end]
    assert inside and all(w.protected for w in inside), [(text[w.start:w.end], w.reason) for w in inside]


def test_plain_function_words_are_droppable():
    ws = words("this is what they said about it in the end", question_terms=set())
    assert not any(w.protected for w in ws)
    ws = words("the colour was green", question_terms={"colour"})
    assert [w.protected for w in ws] == [False, True, False, False]


def _fake_scores(text, values):
    """One LM 'token' per whitespace word, with the given surprisal (a test double for the LM)."""
    spans = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
    v = np.array(values, dtype=float)
    return PieceScores(np.array(spans), v, v.copy())


def test_compress_drops_least_important_unprotected_words_first():
    text = "the weather in Dayton, Ohio was really quite extremely pleasant today"
    sc = _fake_scores(text, [0.1, 5, 0.2, 9, 9, 3, 0.3, 0.4, 0.5, 6, 4])
    cnt = get_counter()
    full = cnt.count(text)
    out, share = compress([Piece(0, text, 0.5)], [sc], full - 3, cnt.count, question_terms=set(), keep_strings=[])
    t = out[0]
    assert "Dayton, Ohio" in t and cnt.count(t) <= full - 3
    assert "the weather" not in t  # 'the' had the lowest importance
    assert share[0] < 1.0


def test_compress_never_drops_protected_or_must_keep_words():
    text = "the code is ABC-123 and the secret word is banana split forever"
    sc = _fake_scores(text, [0.0] * 12)
    cnt = get_counter()
    out, _ = compress([Piece(0, text, 0.5)], [sc], 1, cnt.count, question_terms=set(), keep_strings=["banana split"],
                      max_drop=1.0)
    assert "ABC-123" in out[0] and "banana split" in out[0]


def test_render_words_returns_original_when_all_kept():
    text = "a  b\tc"
    ws = words(text)
    assert render_words(text, ws, np.ones(len(ws), dtype=bool)) == text
