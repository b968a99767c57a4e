"""Light pattern features for the guard's learned model, beside the embedding.

Each feature is 0/1: does the text name a machine as its reader, speak in the second person, order
something, ask for credentials / payment / personal data, mention instructions or prompts, point to
an address, talk about the user behind the agent, mimic a chat-template or system-prompt marker,
or carry ordinary site chrome (cookies, newsletter, security advice)? Each is weak alone; the
logistic model weighs them together with the embedding, so a message that combines several of them
is caught in wordings the rules were never written for. One regex search per feature and text.
"""
from __future__ import annotations

import re

import numpy as np

_F = re.I
MACHINE = (r"\b(?:ai|llms?|gpt-?\d*|chatgpt|claude|gemini|copilot|bots?|robots?|agents?|agentic|assistants?|"
           r"models?|crawlers?|scrapers?|automat(?:ed|ion)|autonomous|machines?|helpers?)\b")
FEATURES: list[tuple[str, re.Pattern]] = [
    ("machine", re.compile(MACHINE, _F)),
    ("machine_vocative", re.compile(
        rf"(?:^|[.!?:\-–—\[(<,]\s*)(?:(?:hey|hi|hello|dear|attention|note|notice|message|memo|psst)\W+)?"
        rf"(?:(?:to|for)\s+)?(?:the|any|all|every|you,?)?\s*(?:\w+[- ]){{0,2}}{MACHINE[2:-2]}\b\s*[:,!\]]", _F)),
    ("machine_subject", re.compile(
        rf"{MACHINE}\s+(?:\w+\s+){{0,3}}(?:must|should|has to|have to|needs? to|is required|are required|"
        r"may|can|will|is asked|are asked|is authori[sz]ed|is now)\b", _F)),
    ("machine_reader", re.compile(r"\b(?:reading|processing|navigating|visiting|browsing|scanning|parsing|crawling|"
                                  r"viewing|summari[sz]ing) (?:this|here|these)\b|\bif you can read this\b", _F)),
    ("you", re.compile(r"\b(?:you|your|you're|yourself)\b", _F)),
    ("imperative_start", re.compile(
        r"(?:^|[.!?:]\s+)(?:please\s+)?(?:go|navigate|visit|open|click|enter|type|paste|send|submit|forward|email|"
        r"upload|transfer|wire|pay|buy|approve|confirm|ignore|disregard|forget|stop|cancel|delete|change|reveal|"
        r"share|provide|download|run|install|sign|log|reply|respond|treat|follow|add|grant|export)\b", _F)),
    ("credential", re.compile(
        r"\b(?:passwords?|passcodes?|credentials|login (?:details|email|credentials)|card (?:number|details)|cvv|cvc|"
        r"ssn|social security|bank(?:ing)? (?:login|account|details)|pin|one[- ]time|two[- ]factor|2fa|otp|"
        r"api keys?|access tokens?|session (?:token|cookie)|seed phrase|recovery phrase|passport|driver'?s licen[cs]e|date of birth|"
        r"maiden name|security (?:answer|question)|id (?:number|document)|phone number|home address|contact list|"
        r"inbox|password manager|personal (?:data|details|information))\b", _F)),
    ("money", re.compile(r"\b(?:transfer|wire|pay|payment|deposit|fee|gift cards?|bitcoin|btc|crypto|wallet)\b", _F)),
    ("instructions", re.compile(
        r"\b(?:instructions?|prompts?|directives?|guidelines|system (?:prompt|message|instructions?|override|note)|"
        r"your (?:task|goal|job|objective|mission)|"
        r"new (?:task|goal|priority)|real (?:task|goal|job|objective)|override|developer mode|admin|"
        r"(?:reply|respond|answer|output|say) (?:only )?with|stop what you)\b", _F)),
    ("override", re.compile(r"\b(?:ignore|disregard|forget|cancel|abandon|skip|replace[ds]?|obsolete|outdated|"
                            r"no longer|instead|stop what)\b", _F)),
    ("user3", re.compile(r"\b(?:the|your) (?:user|human|customer|owner|principal|operator|person|account holder|"
                         r"shopper|member|buyer|cardholder|traveller|traveler)(?:'s)?\b|\bwhoever (?:sent|asked|is using|uses) you\b|"
                         r"\bthe (?:person|people|one) you(?:'re| are)? (?:help|work|act)", _F)),
    ("secrecy", re.compile(r"\b(?:don't|do not|without|no need to)\s+(?:tell|telling|inform|ask|asking|show|"
                           r"mention|report|notify)\b|\bquietly\b|\bsilently\b|\bsecretly\b|between us\b", _F)),
    ("url", re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|top|info|biz)\b", _F)),
    ("template", re.compile(r"\[/?inst\]|<\|?/?(?:im_start|im_end|system)\|?>|^\s*#{2,}|\bsystem\s*:|"
                            r"\"role\"\s*:|<!--|\bbegin (?:admin|system)", _F | re.M)),
    ("urgent", re.compile(r"\b(?:urgent|immediately|right now|last chance|final|within \d+|locked|suspended|"
                          r"terminated|blocked|expires?)\b", _F)),
    ("chrome", re.compile(r"\bcookies?\b|\bconsent\b|\bnewsletter\b|\bsubscribe\b|\b\d+% off\b|\bprivacy\b|"
                          r"\bwe (?:will )?never ask\b|\bnever share\b|\bphishing\b|\bterms and conditions\b", _F)),
]
# pairs that make a message dangerous together (each alone is ordinary page text)
PAIRS = [("machine", "credential"), ("machine", "imperative_start"), ("machine", "user3"), ("machine", "url"),
         ("machine", "instructions"), ("machine", "override"), ("machine", "money"), ("you", "user3"),
         ("user3", "credential"), ("override", "instructions"), ("urgent", "credential"), ("secrecy", "user3"),
         ("urgent", "url"), ("imperative_start", "url"), ("machine_reader", "imperative_start"), ("you", "credential")]
NAMES = [n for n, _ in FEATURES] + [f"{a}*{b}" for a, b in PAIRS]
_PAIR_IDX = [([n for n, _ in FEATURES].index(a), [n for n, _ in FEATURES].index(b)) for a, b in PAIRS]



def _words(*groups: str) -> frozenset[str]:
    out = set()
    for g in groups:
        for w in g.split():
            out.update((w, w + "'s"))
    return frozenset(out)


# Words at least one of which any match of the feature's pattern contains: a text without them
# skips the regex (most page texts), so the features cost a word split and a few set lookups.
MACHINE_WORDS = _words("ai llm llms gpt chatgpt claude gemini copilot bot bots robot robots agent agents agentic "
                       "assistant assistants model models crawler crawlers scraper scrapers automated automation "
                       "autonomous machine machines helper helpers")
TRIGGERS: dict[str, frozenset[str] | None] = {
    "machine": MACHINE_WORDS, "machine_vocative": MACHINE_WORDS, "machine_subject": MACHINE_WORDS,
    "machine_reader": _words("reading processing navigating visiting browsing scanning parsing crawling viewing "
                             "summarising summarizing read"),
    "you": _words("you your you're yourself"),
    "imperative_start": _words("go navigate visit open click enter type paste send submit forward email upload "
                               "transfer wire pay buy approve confirm ignore disregard forget stop cancel delete "
                               "change reveal share provide download run install sign log reply respond treat "
                               "follow add grant export"),
    "credential": _words("passwords password passcode passcodes credentials login card cvv cvc ssn social bank "
                         "banking pin one two 2fa otp api access session seed recovery passport driver driver's "
                         "drivers date maiden security id phone home contact inbox personal"),
    "money": _words("transfer wire pay payment deposit fee gift bitcoin btc crypto wallet"),
    "instructions": _words("instruction instructions prompt prompts directive directives guidelines system your new "
                           "real override developer admin reply respond answer output say stop"),
    "override": _words("ignore disregard forget cancel abandon skip replace replaced replaces obsolete outdated no "
                       "instead stop"),
    "user3": _words("user human customer owner principal operator person account shopper member buyer cardholder "
                    "traveller traveler whoever people one"),
    "secrecy": _words("don't do without no quietly silently secretly between"),
    "url": _words("http https www com net org io xyz ru top info biz"),
    "template": None,  # markup, not words: checked by characters below
    "urgent": _words("urgent immediately right last final within locked suspended terminated blocked expire expires"),
    "chrome": _words("cookie cookies consent newsletter subscribe off privacy never phishing terms"),
}
_TOKEN = re.compile(r"[a-z0-9']+")
_ORDER = [(j, TRIGGERS[n], re.compile(p.pattern, p.flags & ~re.I)) for j, (n, p) in enumerate(FEATURES)]


def _template_possible(low: str, words: set[str]) -> bool:
    return "#" in low or "<" in low or "[" in low or '"role"' in low or "system" in words or "begin" in words


def features(texts: list[str]) -> np.ndarray:
    """(len(texts), len(NAMES)) 0/1 matrix: single patterns, then pairs."""
    out = np.zeros((len(texts), len(NAMES)), dtype=np.float32)
    k = len(FEATURES)
    for i, t in enumerate(texts):
        low = t.lower()
        words = {w.strip("'") for w in _TOKEN.findall(low)}  # "'https" in goto('https://...') is "https"
        for j, trig, pat in _ORDER:
            if trig is None and not _template_possible(low, words) or trig is not None and words.isdisjoint(trig):
                continue
            if pat.search(low):
                out[i, j] = 1.0
        for j, (a, b) in enumerate(_PAIR_IDX):
            out[i, k + j] = out[i, a] * out[i, b]
    return out
