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
MACHINE = (r"\b(?:ai|a\.i\.|llms?|gpt-?\d*|chatgpt|claude|gemini|copilot|bots?|robots?|agents?|agentic|assistants?|"
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
        r"\b(?:instructions?|prompts?|directives?|guidelines|system|your (?:task|goal|job|objective|mission)|"
        r"new (?:task|goal|priority)|real (?:task|goal|job|objective)|override|developer mode|admin|"
        r"(?:reply|respond|answer|output|say) (?:only )?with|stop what you)\b", _F)),
    ("override", re.compile(r"\b(?:ignore|disregard|forget|cancel|abandon|skip|replace[ds]?|obsolete|outdated|"
                            r"no longer|instead|stop what)\b", _F)),
    ("user3", re.compile(r"\b(?:the|your) (?:user|human|customer|owner|principal|operator|person|account holder|"
                         r"shopper|member|buyer|cardholder|traveller|traveler)(?:'s)?\b", _F)),
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


def features(texts: list[str]) -> np.ndarray:
    """(len(texts), len(NAMES)) 0/1 matrix: single patterns, then pairs."""
    out = np.zeros((len(texts), len(NAMES)), dtype=np.float32)
    k = len(FEATURES)
    for i, t in enumerate(texts):
        for j, (_, pat) in enumerate(FEATURES):
            if pat.search(t):
                out[i, j] = 1.0
        for j, (a, b) in enumerate(_PAIR_IDX):
            out[i, k + j] = out[i, a] * out[i, b]
    return out
