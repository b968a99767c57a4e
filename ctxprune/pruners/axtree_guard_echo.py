"""Page text that repeats the agent's goal word for word and then tells it what to do.

An attacker who knows (or guesses) the goal writes it into the message so that relevance ranking keeps it
("Progress on <goal> will be lost in 10 seconds! Click ..."). Real pages seldom repeat a run of six or more of the
goal's words: on the dev pages only a few headlines do (the target itself, news the goal asks for), and those give
no orders. So an echo of the goal is judged with a lower bar: any order, pressure, request for data, link to go to
or cue that speaks to the agent is enough.
"""
from __future__ import annotations

import re
from bisect import bisect_right

ECHO_WORDS = 6  # the shortest run of the goal's words that counts as an echo
EXTRA_WORDS = 6  # the text must hold this many words beyond the echo: a message, not a link to the goal's page
_WORD = re.compile(r"\w+")


def echo_pattern(goal: str, n: int = ECHO_WORDS) -> re.Pattern | None:
    """One pattern for every run of ``n`` consecutive goal words (lower-case, any non-word text between them)."""
    words = _WORD.findall(goal.lower())
    if len(words) < n:
        return None
    runs = {r"\W+".join(map(re.escape, words[i:i + n])) for i in range(len(words) - n + 1)}
    return re.compile(r"\b(?:" + "|".join(sorted(runs)) + r")\b")


def echoing(texts: list[str], goal: str | None, n: int = ECHO_WORDS) -> set[int]:
    """Indices of the texts that hold a run of ``n`` of the goal's words and ``EXTRA_WORDS`` more."""
    pat = echo_pattern(goal, n) if goal else None
    if pat is None:
        return set()
    need = n + EXTRA_WORDS
    long = [i for i, t in enumerate(texts) if len(t) >= 2 * need - 1 and len(_WORD.findall(t)) >= need]
    if not long:
        return set()
    return {long[j] for j in _holding(pat, [texts[i] for i in long])}


def _holding(pat: re.Pattern, texts: list[str]) -> set[int]:
    """Indices of the texts in which ``pat`` (lower-case) matches, found by one search over all of them."""
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    joined = "\n".join(t.replace("\n", " ") for t in texts).lower()
    if len(joined) != pos - 1:  # lower() changed the length of some non-ASCII text: search each text on its own
        found = {i for i, t in enumerate(texts) if pat.search(t.lower())}
    else:
        found = {bisect_right(starts, m.start()) - 1 for m in pat.finditer(joined)}
    return found
