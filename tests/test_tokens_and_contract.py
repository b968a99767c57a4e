import pytest
from pydantic import ValidationError

from ctxprune.contract import Budget, PruneRequest
from ctxprune.errors import UnknownComponent
from ctxprune.tokens import TokenCounter, get_counter


def test_tiktoken_files_ship_with_the_package_and_count_offline():
    c = get_counter("cl100k_base")
    assert c.name == "cl100k_base"
    assert c.count("hello world") == 2
    assert c.count_many(["a b", ""]) == [2, 0]
    assert get_counter("o200k_base").count("hello world") == 2


def test_unknown_tokenizer_lists_valid_ones():
    with pytest.raises(UnknownComponent, match="cl100k_base"):
        TokenCounter("gpt2")


@pytest.mark.parametrize("bad", [{}, {"ratio": 0.2, "max_tokens": 3}, {"ratio": 0}, {"ratio": 1.5},
                                 {"max_tokens": 0}, {"ratio": -0.1}, {"tokens": 5}])
def test_budget_rejects_bad_shapes(bad):
    with pytest.raises(ValidationError):
        Budget.model_validate(bad)


def test_budget_limit_floors_the_ratio():
    assert Budget(ratio=0.3).limit(101) == 30
    assert Budget(ratio=1.0).limit(7) == 7
    assert Budget(max_tokens=12).limit(1000) == 12


def test_keep_strings_must_not_be_blank():
    with pytest.raises(ValidationError, match="keep"):
        PruneRequest.model_validate({"keep": ["ok", "  "]})


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_count_lines_shares_sum_to_the_exact_count(encoding):
    counter = get_counter(encoding)
    lines = ["[1] RootWebArea 'Shop'", "\t[2] link 'Sign in'", "\t\tStaticText '東京 ünï'", "", "\t[3] button 'Go'"]
    total, shares = counter.count_lines(lines)
    assert total == counter.count("\n".join(lines)) and sum(shares) == total
    assert len(shares) == len(lines) and all(s >= 0 for s in shares)
    assert shares[1] >= counter.count("link 'Sign in'") - 1  # a line's share is about what it costs alone
    assert counter.count_lines([]) == (0, [])


def test_trusted_unit_equals_a_validated_one():
    from ctxprune.contract import Unit

    kw = dict(id="b12", text="[b12] link 'Home'", score=0.5, tokens=6, reason="relevant", group="b1")
    fast, checked = Unit.trusted(**kw), Unit(**kw)
    assert fast == checked and fast.model_dump() == checked.model_dump()
    assert fast.model_dump_json() == checked.model_dump_json() and fast.model_fields_set == checked.model_fields_set
    assert Unit.trusted(**{**kw, "score": None, "group": None}) == Unit(**{**kw, "score": None, "group": None})


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_line_tally_equals_the_whole_count_of_any_rendering(encoding):
    import random

    from ctxprune.tokens import LineTally
    from tests.conftest import load_dev

    counter, rng = get_counter(encoding), random.Random(7)
    for ex in load_dev("axtree")[:40]:
        lines = [ln for ln in ex["context"]["axtree_lines"] if ln.strip()]
        total, shares = counter.count_lines(lines)
        tally = LineTally(counter, dict(zip(lines[:-1], shares[:-1])))
        for _ in range(5):  # kept subsets in order, with marker lines and shortened lines between
            out = []
            for ln in lines:
                r = rng.random()
                if r < 0.4:
                    out.append(ln)
                elif r < 0.45:
                    out.append(ln[: len(ln) - len(ln.lstrip())] + "... 3 lines pruned ...")
                elif r < 0.5:
                    out.append(ln.split("'")[0].rstrip())
            text = "\n".join(out)
            assert tally(text) == counter.count(text)
