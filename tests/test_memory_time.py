"""Time parsing, relative phrases and the query time scope of the memory pruner (no models)."""
from datetime import date, datetime

import pytest

from ctxprune.pruners.memory import chronological
from ctxprune.pruners.memory_scope import Span, fix_event, proximity, query_scope, season_span
from ctxprune.pruners.memory_time import annotate, parse_time, relative_mentions

REF = date(2023, 5, 8)  # a Monday


@pytest.mark.parametrize("text,expected", [
    ("1:56 pm on 8 May, 2023", datetime(2023, 5, 8, 13, 56)),
    ("12:09 am on 13 September, 2023", datetime(2023, 9, 13, 0, 9)),
    ("May 8th 2023", datetime(2023, 5, 8)),
    ("May 8, 2023 at 9:15 am", datetime(2023, 5, 8, 9, 15)),
    ("2023/05/08", datetime(2023, 5, 8)),
    ("2023-05-08T13:56:00", datetime(2023, 5, 8, 13, 56)),
    ("2023-05-08T13:56:00+02:00", datetime(2023, 5, 8, 11, 56)),
    ("08.05.2023", datetime(2023, 5, 8)),
    ("8 may 2023 9pm", datetime(2023, 5, 8, 21, 0)),
])
def test_parse_time_real_log_formats(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "sometime last spring", "31 February, 2023", None, "yesterday"])
def test_parse_time_unreadable_is_none(text):
    assert parse_time(text) is None


def test_relative_mentions_resolve_against_the_day_said():
    ms = relative_mentions("Lost my job yesterday; two weeks ago I moved, and last Friday we met.", REF)
    got = {m.phrase.lower(): (m.span.start, m.span.end) for m in ms}
    assert got["yesterday"] == (date(2023, 5, 7), date(2023, 5, 7))
    assert got["two weeks ago"] == (date(2023, 4, 24), date(2023, 4, 30))
    assert got["last friday"] == (date(2023, 5, 5), date(2023, 5, 5))


def test_annotate_appends_absolute_dates_and_keeps_the_text():
    text = "I went there yesterday and last month."
    out = annotate(text, REF)
    assert out == "I went there yesterday [2023-05-07] and last month [2023-04-01 to 2023-04-30]."
    assert annotate("no time words here", REF) == "no time words here"


@pytest.mark.parametrize("query,kind,start,end", [
    ("What did Jon do on 3 May, 2023?", "date", "2023-05-03", "2023-05-03"),
    ("What happened on May 3rd?", "date", "2023-05-03", "2023-05-03"),
    ("What did Gina sell in April 2023?", "month", "2023-04-01", "2023-04-30"),
    ("What did she do in June?", "month", "2022-06-01", "2022-06-30"),  # the last June before the query time
    ("Where did they travel in 2022?", "year", "2022-01-01", "2022-12-31"),
    ("What did Mel paint in the summer?", "season", "2022-06-01", "2022-08-31"),
    ("What did she do in winter 2022?", "season", "2022-12-01", "2023-02-28"),
    ("What did Jon do last week?", "relative", "2023-05-01", "2023-05-07"),
    ("Who called two days ago?", "relative", "2023-05-06", "2023-05-06"),
    ("What did they eat yesterday?", "relative", "2023-05-07", "2023-05-07"),
    ("What did X read before May 2023?", "before", None, "2023-04-30"),
    ("What did X read after 2022?", "after", "2023-01-01", None),
])
def test_query_scope(query, kind, start, end):
    sc = query_scope(query, REF).as_dict()
    assert (sc["kind"], sc["start"], sc["end"]) == (kind, start, end)


def test_query_scope_none_without_time_and_may_the_verb():
    assert query_scope("When did Jon lose his job?", REF) is None
    assert query_scope("What may Jon do next?", REF) is None


def test_before_after_an_event_is_left_to_the_history_then_fixed():
    sc = query_scope("What did Mel do after she adopted the dog?", REF)
    assert sc.kind == "after" and sc.event == "she adopted the dog" and sc.span == Span(None, None)
    fixed = fix_event(sc, date(2023, 3, 1))
    assert fixed.span == Span(date(2023, 3, 1), None)
    before = fix_event(query_scope("What did Mel do before the move to Paris?", REF), date(2023, 3, 1))
    assert before.span == Span(None, date(2023, 3, 1))


def test_season_last_means_one_that_has_ended():
    assert query_scope("What did they do last summer?", date(2023, 7, 1)).span == season_span("summer", 2022)
    assert query_scope("What did they do this summer?", date(2023, 7, 1)).span == season_span("summer", 2023)


def test_proximity_is_soft_and_asymmetric():
    span = Span(date(2023, 5, 1), date(2023, 5, 7))
    assert proximity(span, date(2023, 5, 3)) == 1.0
    after, before = proximity(span, date(2023, 5, 17)), proximity(span, date(2023, 4, 21))
    assert 0 < before < after < 1  # told after the fact is likelier than before it
    assert proximity(span, None) == 0.5
    assert proximity(Span(None, date(2023, 1, 1)), date(2022, 1, 1)) == 1.0


def test_chronological_order_keeps_undated_sessions_in_place():
    times = [datetime(2023, 5, 8), None, datetime(2023, 1, 1), datetime(2023, 3, 1)]
    assert chronological(times) == [2, 3, 0, 1]
