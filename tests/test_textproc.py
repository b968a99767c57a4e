from ctxprune.textproc import sentence_spans, split_sentences, words


def test_sentences_respect_abbreviations_initials_and_quotes():
    text = 'Dr. Smith met J. K. Rowling in the U.S. in 1999. Then "he left." It ended!'
    assert split_sentences(text) == ['Dr. Smith met J. K. Rowling in the U.S. in 1999.', 'Then "he left."', "It ended!"]


def test_chinese_sentences_split_on_full_stops():
    assert split_sentences("第一句。第二句！") == ["第一句。", "第二句！"]


def test_spans_are_verbatim_slices():
    text = "  One here.   Two there.\n\nThree"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One here.", "Two there.", "Three"]


def test_words_drop_stop_words_and_fold_plurals():
    assert words("The cities of Europe") == ["city", "europe"]


def test_words_many_equals_words_text_by_text():
    from ctxprune.textproc import words, words_many

    texts = ["link 'Sign In'", "", "The Cities of Tokyo", "ﬁle №5 Ⅻ", "multi\nline Texts", "İstanbul", "x" * 30]
    assert words_many(texts) == [words(t.replace("\n", " ")) for t in texts]
    assert words_many(texts, drop_stop=False) == [words(t.replace("\n", " "), drop_stop=False) for t in texts]


def test_top_level_branches_skip_groups_classes_and_escapes():
    from ctxprune.textproc import _top_level_branches
    assert _top_level_branches(r"ai|a\|b|x(?:c|d)|[|]|[]|]z|[^]|]q|e") == ["ai", r"a\|b", "x(?:c|d)", "[|]", "[]|]z", "[^]|]q",
                                                                        "e"]


def test_factored_alternation_matches_where_the_plain_one_does():
    import random
    import re

    from ctxprune.textproc import factor_alternation
    body = r"ai|a\.i|agents?|a?s+istente|bots?|b|urgent\w*|right now|(?:tools?|scripts?) reading|[a-z] [a-z] [a-z]|\d+ ?x|user'?s?"
    factored = factor_alternation(body)
    assert factored.startswith("(?:a(?:i|") and "b(?:ots?|)" in factored  # grouped, a?s+istente left as it was
    plain, fast = (re.compile(r"\b(?:" + body + r")\b", re.I), re.compile(r"\b" + factored + r"\b", re.I))
    rng = random.Random(7)
    vocab = ["ai", "A.I.", "agent", "Agents", "sistente", "assistente", "bot", "b", "urgently", "right", "now", "tools",
             "reading", "x y z", "12x", "12 x", "user's", "users", "air", "abot", "rightnow", ".", ",", "the", "Basket"]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for t in texts:
        assert [m.start() for m in plain.finditer(t)] == [m.start() for m in fast.finditer(t)], t


def test_required_literals_are_in_every_match():
    import json
    import re

    from ctxprune.pruners import axtree_guard as g
    from ctxprune.textproc import required_literals
    assert required_literals(re.compile(r"\b(?:ignore|disregard)\s+(?:all )?previous\b")) == ("previous",)
    assert required_literals(re.compile(r"\b(?:go to|visit)\b")) == ("go to", "visit")
    assert required_literals(re.compile(r"(?:ab|c)d")) is None  # "c" alone is too short to be worth a test
    assert required_literals(re.compile(r"x(?:foo)?y|bar")) is None  # a branch without a required string
    assert required_literals(re.compile("ignore", re.I)) is None  # case-blind: a substring test would miss IGNORE
    texts = [m.lower() for group in json.load(open("tests/data/axtree_attacks.json")).values() if isinstance(group, list)
             for m in group if isinstance(m, str)]
    checked = 0
    for table in (g._QUICK_LOWER, g._QUICK_EXTRA, g._QUICK_ML, g._QUICK_S8, g._QUICK_S10):
        for entries in table.values():
            for pat, *_, req in entries:
                for t in texts:
                    if req is not None and pat.search(t):
                        checked += 1
                        assert any(r in t for r in req), (pat.pattern, t)
    assert checked > 100
