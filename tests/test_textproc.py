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
