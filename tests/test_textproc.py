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
