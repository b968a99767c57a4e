"""Prompt-injection guard for accessibility trees: find page content that speaks to the agent.

A line is scored by cues found in one window of its text (a sentence or ~40 words, so a page
root whose name repeats the whole page cannot combine cues from far apart):

* ``address``   it talks to an AI/assistant/agent ("if you are an AI", "attention AI agent");
* ``override``  it tries to replace the task ("ignore previous instructions", "your new task");
* ``user3``     it talks about the user behind the agent ("the user has authorised", "don't tell the user");
* ``task``      it mentions the agent's task or goal ("to complete your task");
* ``data``      it asks to enter or send credentials, payment or personal data;
* ``urgent`` / ``imperative`` / ``nav``  urgency, orders, a URL to go to;
* ``benign``    cookie/consent banners, ads, security advice ("never share your password").

A window is an attack when it speaks to the agent (address, override, user3 or task) with
enough weight, or when it is an urgent order to hand over data or go elsewhere. This module judges
texts (the cues, the gate, ``judge``); ``axtree_guard_page`` decides what of a page goes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from dataclasses import dataclass

from ctxprune.pruners.axtree_guard_lexicon import (ADDRESS_IN, CUES_EXTRA, CUES_ML, CUES_S8, EXTRA_TRIGGER, GATE_CHARS,
                                                  GATE_SPACED, GATE_WORDS, ML_TRIGGER, NON_LATIN, S8_TRIGGER, SECRET_WORD,
                                                  TOOLCALL_RE, de_leet, joined_up, mask_hint_spans, unmasked)
from ctxprune.pruners.axtree_guard_lexicon_s10 import CUES_S10, GATE_WORDS_S10, anchor_words
from ctxprune.pruners.axtree_guard_lexicon_s14 import GATE_CHARS_S14
from ctxprune.textproc import factor_alternation, required_literals


_F = re.I
# text that talks about prompts and agents rather than to them (session 8): an attack phrase quoted as an example,
# a report on what AI agents do, a tutorial or API reference; benign for the rules, and the models' flags yield to it
MENTION = re.compile(r"\b(?:phrases?|words?|inputs?|prompts?|strings?|text|commands?|instructions?|attacks?|messages?)\s+(?:such as|like)\s*\\?['\"“‘]|"
                     r"\b(?:such as|e\.g\.|for example)\s*:?\s*\\?['\"“‘]|"
                     r"\b(?:researchers?|scientists|experts?|study|studies|survey|analysts?|journalists?|according to)\b[^.]{0,60}"
                     r"\b(?:ai|agents?|assistants?|chatbots?|llms?|language models?)\b|"
                     r"\b(?:tutorial|guide to|prompt engineering|api reference|sdk|example (?:request|response|payload)|request body|sample code|code sample)\b|"
                     r"\buser-agent:\s*[*\w][^\n]{0,80}\s+(?:dis)?allow:", _F)  # robots.txt rules shown on a page

AGENT = r"(?:ai|a\.i\.|llm|gpt|chatgpt|claude|gemini|copilot|bot|language model|automated|autonomous|browsing|browser|web|digital|virtual)"
ROLE = r"(?:agents?|assistants?|models?|bots?|systems?|navigators?|crawlers?)"
# anything that names an AI as the reader; a bare "agent" is left out (travel agents, estate agents)
ENTITY = (r"(?:ai|a\.i\.|llms?|chatgpt|gpt-?\d*|claude|gemini|copilot|bots?|assistants?|language models?|"
          r"(?:ai|llm|language[- ]models?|automated|autonomous|browsing|browser|web|digital|virtual|shopping|"
          r"ai[- ](?:powered|based|driven))(?:[- ](?:browsing|web|shopping))?[- ]"
          r"(?:agents?|assistants?|tools?|systems?|models?|crawlers?|bots?))")
GAP = r"(?:[^.]|\.(?=\S))"  # within one sentence: a dot inside an address (example.com) does not end it
DATA_VERB = r"enter|type|provide|input|send|share|submit|confirm|verify|paste|copy|fill in|e-?mail|reveal|disclose|give|upload|forward|post|write|re-?enter|sign in|log ?in|authenticate|change|update|reset|reply with"
DATA_NOUN = (r"passwords?|passcodes?|credentials|login details|log-?in (?:info|details)|credit card|card (?:number|details)|cvv|cvc|security code|ssn|social security|bank (?:account|details|login)|routing number|iban|pin(?: code)?|one[- ]time (?:code|password)|otp|2fa code|verification code|api keys?|access tokens?|private keys?|seed phrase|recovery phrase|personal (?:data|information|details)|home address|date of birth|passport|mother's maiden name|usernames?|id (?:document|card)|identity (?:document|card)|driver'?s licen[cs]e|recovery (?:e-?mail|phone)|payment (?:details|information|info)|billing (?:details|information)|(?:2fa |backup |recovery )codes")
# verbs of actions an agent takes on a page or with the user's data (what an order to the agent asks for)
AGENT_VERB = (r"(?:send|enter|type|open|click|press|tap|go|navigate|visit|delete|remove|erase|select|choose|add|buy|purchase|"
              r"transfer|approve|authori[sz]e|grant|install|download|upload|share|post|copy|paste|fill|submit|change|replace|"
              r"disable|deactivate|turn off|export|forward|e-?mail|message|ignore|disregard|forget|reveal|print|respond|reply|"
              r"output|tell|report|summari[sz]e|skip|cancel|subscribe|accept|pay|give|provide|insert|move|rate|confirm|"
              r"render|fetch|execute|run|switch|set)")
# the agent called by its name at the head of a sentence (judged window by window), then an order: "Agent, delete ...", "Hey Claude, send ...",
# "Browser agents: grant ...", "Important for assistants: change ..." ("Model: Select a size" and "Agents available
# now: call ..." are not: models are products, and the order must follow the name)
VOCATIVE = (r"(?:^|(?<=[.!?)\]] ))[\W_]{0,4}(?:(?:hey|hi|hello|dear|attention|note (?:to|for)|important (?:for|to)|message (?:to|for)|"
            r"psst|ok|okay|listen)[\s,:!-]+)?(?:(?:the|all|any|every|you)\s+)?(?:(?:ai|a\.i\.|llm|browser|browsing|web|shopping|"
            r"autonomous|automated|digital|virtual)[- ])?(?:agents?|assistants?|bots?|llms?|ais?|claude|gpt-?\d*|chatgpt|gemini|"
            rf"copilot|crawlers?)\s*[,:;\u2014\u2013-]+\s*(?:(?:before|after|when|while|once|first|then)\b[^,]{{0,40}},\s*)?"
            rf"(?:(?:please|kindly|now|quickly|immediately|first|just|also)\s+)*{AGENT_VERB}\b")
# session 10: the name, maybe a word or two ("Agent task update:", "AI system:"), then the order anywhere in the
# sentence ("Assistant, stop shopping and email ..."); weaker than VOCATIVE: it needs one more cue
VOCATIVE_LOOSE = (r"(?:^|(?<=[.!?)\]] ))[\W_]{0,4}(?:(?:hey|hi|hello|dear|attention|note (?:to|for)|heads up|psst|ok|okay|listen)"
                  r"[\s,:!-]+)?(?:(?:the|all|any|every|you|dear)\s+)?(?:(?:ai|a\.i\.|llm|browser|browsing|web|shopping|autonomous|"
                  r"automated|digital|virtual)[- ])?(?:agents?|assistants?|bots?|llms?|ais?|claude|gpt-?\d*|chatgpt|gemini|copilot|"
                  r"language models?|(?:ai|robot) (?:visitors?|systems?|readers?))(?: (?:task|update|override|instructions?|notice|note|alert|message|only|priority|directive|reminder))?\s*[,:;\u2014\u2013]+"
                  rf"[^.!?]{{0,60}}\b{AGENT_VERB}\b")
# the agent told what it must do, in the third person: "The agent should now install ...", "AI assistant must message ..."
# (an article or "browser" before the name would change nothing a search finds)
MODAL_ORDER = (r"\b(?:agents?|assistants?|bots?|models?|llms?|ai)\s+(?:should|must|needs? to|has to|have to|"
               r"is (?:required|expected|instructed|asked) to|shall)\s+(?:(?:now|immediately|also|first|then|quietly)\s+)*"
               rf"{AGENT_VERB}\b")
NAMES_AGENT = re.compile(rf"\b{ENTITY}\b", _F)  # an AI named anywhere
CUES: dict[str, list[tuple[re.Pattern, float]]] = {
    "address": [
        (re.compile(VOCATIVE, _F), 3.0),
        (re.compile(MODAL_ORDER, _F), 3.0),
        (re.compile(VOCATIVE_LOOSE, _F), 2.5),
        (re.compile(rf"\b(?:if|when|since|because) you(?:'re| are)\b[^.]{{0,30}}\b{AGENT}\b", _F), 3.0),
        # "as a digital download", "as a web page": the adjectives alone do not name a machine
        (re.compile(rf"\b(?:you are|you're|as) an? (?:{AGENT}(?: {ROLE})|(?:ai|a\.i\.|llm|gpt|chatgpt|claude|gemini|copilot|bot|language model)\b)", _F), 3.0),
        (re.compile(rf"\b(?:attention|note|notice|message|memo|reminder|instructions?|alert|warning|hello|hi|hey|dear|calling)\b[\s:,!-]*(?:to|for)?\s*(?:all|any|the|every)?\s*{AGENT}\s*{ROLE}?\b", _F), 2.5),
        (re.compile(rf"\b{AGENT} {ROLE}\b", _F), 2.0),
        (re.compile(rf"\b(?:agents?|assistants?|bots?|{ROLE})(?: (?:reading|processing|browsing|visiting|viewing|scanning|parsing|crawling|summari[sz]ing))? this (?:page|site|website|message|content|text|document)\b", _F), 2.5),
        (re.compile(r"\b(?:dear|attention|note to|hey|hello)\s+(?:the\s+)?(?:agent|assistant|model|bot)\b", _F), 2.5),
        (NAMES_AGENT, 1.5),  # named, not yet addressed: needs a harmful request too
    ],
    "override": [
        (re.compile(r"\b(?:ignore|disregard|forget|override|bypass|abandon|drop|discard|stop following)\b(?!-)[^.]{0,40}\b(?:previous|prior|above|earlier|original|initial|existing|all|any|your|current|the user'?s?|system)\b[^.]{0,30}\b(?:instructions?|directions?|prompts?|tasks?|goals?|commands?|rules|guidelines|objectives?|orders?(?!\s+(?:status|numbers?|history|confirmations?|details|tracking|page|summary|total)))\b", _F), 3.5),
        (re.compile(r"\b(?:your|the) (?:new|updated|revised|real|actual|true|only|primary|secret|hidden) (?:system )?(?:instructions?|task|objective|goal|mission|priority|directive)s?\b", _F), 3.0),
        (re.compile(r"\b(?:new|updated|revised|override) (?:system )?(?:instructions?|directives?)\b", _F), 1.5),
        (re.compile(r"\bsystem (?:prompt|message|override|instruction)s?\b", _F), 2.5),
        (re.compile(r"\b(?:instructions?|task|goal|orders?|guidelines)\s+(?:are|is|have been|has been|were|was)\s+(?:now\s+)?(?:outdated|cancell?ed|void|obsolete|replaced|superseded|changed|revoked|no longer valid)\b", _F), 2.5),
        (re.compile(r"\byou have been (?:granted|given)\s+(?:\w+\s+)?(?:admin|administrator|elevated|special|full|root)\s+(?:rights|permissions?|access|privileges)\b", _F), 2.0),
        (re.compile(r"\binstead of (?:your|the|what the user)\b[^.]{0,20}\b(?:task|goal|asked|instructions?|request)", _F), 2.5),
        # session 8: the usual ways of announcing a replaced task
        (re.compile(r"\b(?:ignore|disregard|forget)\s+(?:whatever|everything|anything|what)\s+(?:you(?:'ve| have)?\s+(?:were |been |was )?"
                    r"(?:told|asked|instructed|given)|(?:the user|they|he|she) (?:said|asked|told|wanted))\b", _F), 3.5),
        (re.compile(r"\b(?:ignore|disregard|forget|clear)\s+(?:all\s+)?(?:previous|prior|earlier|above|the)\s+(?:context|conversation|messages|guidance|chat)\b", _F), 3.0),
        (re.compile(r"\bnew (?:task|instructions?|objective|mission|directive|goal)\s*:|\b(?:end of|begin(?:ning of)?)\s+(?:the\s+)?(?:new\s+)?(?:user\s+|system\s+)?"
                    r"(?:task|instructions?|prompt)\b|\b(?:real|actual|true) instructions? (?:follows?|below|begins?)\b", _F), 3.0),
        (re.compile(r"\b(?:developer|debug|god|jailbreak|admin|maintenance) mode (?:enabled|activated|on|is (?:now )?active)\b|"
                    r"\b(?:conversation|instructions?|messages?|everything|prompt) above (?:was|were|is) (?:only |just )?(?:a )?(?:test|fake|example|void|invalid)\b|"
                    r"\b(?:guidance|instructions?|procedures?|rules) (?:is|are) (?:now )?obsolete\b", _F), 3.0),
        (re.compile(r"\[\s*(?:system|admin|developer|operator)\s*\]\s*:?|\\?[\"']role\\?[\"']\s*:\s*\\?[\"']system\b|<\|im_start\|>\s*system|<\|system\|>|(?:^|\n)\s*system\s*:\s", _F), 2.5),
    ],
    "user3": [
        (re.compile(r"\b(?:the|your) (?:user|human|principal|operator|owner)(?:'s)? (?:has |have )?(?:asked|wants|wanted|requested|instructed|authori[sz]ed|approved|needs|told|consented|agreed|expects|prefers)\b", _F), 2.5),
        (re.compile(r"\b(?:do not|don't|never|without|no need to)\s+(?:tell|inform|notify|alert|ask|asking|telling|informing|notifying|consult\w*|check\w* with|mention\w*|confirm\w* with)\s+(?:with\s+)?(?:the|your) (?:user|human|owner)\b", _F), 3.0),
        (re.compile(r"\bon behalf of (?:the|your) (?:user|human|owner)\b", _F), 2.0),
        (re.compile(r"\b(?:the person|the people|whoever|the one) you (?:work|act|are working|are acting) for\b", _F), 2.5),
        (re.compile(r"\b(?:the|your) (?:user|human|customer) (?:actually|really|truly) (?:wants|needs|prefers|meant)\b", _F), 2.5),
    ],
    "task": [
        (re.compile(r"\b(?:to|before you can|in order to|you cannot|you can't|unable to)\s+(?:successfully\s+)?(?:complete|finish|accomplish|continue|proceed with|fulfil+|carry out|perform)\s+(?:your|the|this|the user'?s?)\s+(?:task|goal|objective|request|mission|assignment|instructions?)\b", _F), 2.5),
        (re.compile(r"\b(?:your|the user'?s?|the current) (?:task|objective|mission|assignment)\b", _F), 1.0),
    ],
    "data": [
        (re.compile(rf"\b(?:{DATA_VERB})\b{GAP}{{0,60}}\b(?:{DATA_NOUN})\b", _F), 2.0),
        (re.compile(rf"\b(?:{DATA_NOUN})\b{GAP}{{0,30}}\b(?:typed|entered|pasted|submitted|sent|uploaded|shared)\b", _F), 2.0),
        (re.compile(r"\b(?:transfer|wire|send|pay|donate)\b[^.]{0,30}(?:[$€£]\s?\d|\d+\s?(?:usd|eur|dollars|btc)|(?:usd|eur|gbp|chf)\s?\d|bitcoin|crypto|gift cards?|wallet|iban)", _F), 2.0),
    ],
    "urgent": [
        (re.compile(r"\b(?:urgent|urgently|important|attention|warning|alert|action required|critical|mandatory|immediately|right now|without delay|final notice|security (?:alert|notice|check|warning))\b", _F), 1.0),
    ],
    "imperative": [
        (re.compile(r"\b(?:you must|you need to|you should|you have to|you are required to|you're required to|must first|first (?:go|navigate|visit|click|enter|open|send)|do this now|proceed to)\b", _F), 1.0),
    ],
    "imperative_ui": [  # an order to work the page, at the start of a sentence ("Click 'Clean now'", "Call ...")
        (re.compile(r"(?:^|[.!?:;,]\s+|\b(?:please|also|now|then|just|simply|so|and)\s+)(?:click|tap|press|call|install|download|upload|re-?enter|paste|copy|buy|"
                    r"purchase|skip|reply|forward|close this|tick|wire|select|choose|press)\b|\badd\b[^.]{0,40}\bto (?:the|your) (?:cart|basket|bag|order)\b", _F), 1.0),
    ],
    "nav": [
        (re.compile(r"\b(?:go to|navigate to|visit|open|head to|redirect to|browse to)\b[^.]{0,20}(?:https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|top|info|biz)\b)", _F), 1.0),
        (re.compile(r"https?://|www\.", _F), 0.75),  # a link in the text at all: a harmful request only next to a named reader
    ],
    "benign": [
        (re.compile(r"\bcookies?\b|\bconsent\b|\bgdpr\b|\bprivacy (?:policy|settings|preferences|notice)\b|\bour partners\b|\badvertis|\bsponsored\b|\b\d+% off\b|\bnewsletter\b|\bfree shipping\b", _F), -1.0),
        (re.compile(r"\b(?:never|do not|don't|will never|we never|we will not)\b[^.]{0,25}\b(?:share|give|send|disclose|ask (?:you )?for|request)\b", _F), -2.0),
        (MENTION, -2.0),  # about attacks or AI, not to it: a quoted example, a report, a tutorial
    ],
}
KINDS = list(dict.fromkeys([*CUES, *CUES_EXTRA, *CUES_S8, *CUES_S10]))  # CUES_ML adds to CUES' kinds only
SPEAKS_TO_AGENT = ("address", "override", "user3", "task", "toolcall", "obfuscated", "steer", "secrecy", "proxy")
HARMFUL = {"data", "nav", "override", "user3", "exfil", "secrecy", "harm", "phish"}  # what a named reader is asked for
_SENT = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass
class Verdict:
    score: float
    cues: list[str]
    window: str

    @property
    def attack(self) -> bool:
        agentish = sum(self._w(c) for c in self.cues if c.split(":")[0] in SPEAKS_TO_AGENT)
        kinds = {c.split(":")[0] for c in self.cues}
        if agentish >= 3.0 and self.score >= 3.0:
            return True
        if agentish >= 2.0 and self.score >= 3.5:
            return True
        # an AI named as the reader and asked for data, a visit or a change of orders
        if agentish >= 1.5 and kinds & HARMFUL and self.score >= 3.0:
            return True
        # an action shaped like the agent's own tool call, pointing somewhere or at data
        if "toolcall" in kinds and (kinds & {"data", "nav", "override", "harm", "user3"} or ADDRESS_IN.search(self.window)
                                    or SECRET_WORD.search(self.window)):
            return True
        # an account-damaging action ordered as a turn away from the current job
        if "harm" in kinds and kinds & {"offtask", "override"} and self.score >= 3.5:
            return True
        # a scam pop-up: gift cards bought for their codes, or an infected device / a number to call / a fee, pressed
        scam = self._kind(kinds, "scam")
        if scam >= 3.0 or scam >= 2.0 and kinds & {"urgent", "threat", "imperative", "imperative_ui"} and self.score >= 3.5:
            return True
        if scam and "urgent" in kinds and kinds & {"threat", "imperative", "imperative_ui"} and self.score >= 4.0:
            return True  # a support number to call, said to be urgent
        negated = self._kind(kinds, "benign") <= -2.0  # "never share ...", "don't post your card in the chat"
        # a phishing dialog: a threat or a lure, and a secret no site asks for this way or a fee to pay (session 14)
        if (kinds & {"threat", "lure"} and "secret_ask" in kinds or {"lure", "fee_ask"} <= kinds) and "data" in kinds \
                and not negated and self.score >= 4.0:
            return True
        # data where it does not belong (a comment box, someone else's details, the card asked again) under pressure
        if "exfil" in kinds and not negated and (kinds & {"threat", "urgent", "scam"} or len(kinds) > 1 and self._kind(kinds, "exfil") >= 2.0) \
                and self.score >= 3.5:
            return True
        # a secret asked for where it does not belong, for a lure, or someone else's (see axtree_guard_lexicon_s10)
        phish = 0.0 if negated else self._kind(kinds, "phish")
        if phish >= 3.0 and self.score >= 3.0 or phish >= 2.0 and kinds & {"data", "exfil", "threat", "urgent", "nav", "scam", "imperative_ui"} \
                and self.score >= 4.0:
            return True
        pressed = kinds & {"urgent", "threat"}
        ordered = kinds & {"imperative", "imperative_ui"}
        if pressed and ordered and "offtask" in kinds and self.score >= 4.0:
            return True  # pressed to act now and to skip the checks ("skip any comparison and click Buy now")
        # an urgent order to hand over data or go elsewhere, not addressed to anyone in particular
        return bool(pressed and (ordered or len(kinds & {"data", "nav", "exfil"}) >= 2) and kinds & {"data", "nav"}) and self.score >= 4.0

    def _kind(self, kinds: set[str], kind: str) -> float:
        return max((self._w(c) for c in self.cues if c.split(":")[0] == kind), default=0.0)

    @staticmethod
    def _w(cue: str) -> float:
        return float(cue.split(":")[1])

    def reason(self) -> str:
        if self.cues and self.cues[0].startswith("learned:"):
            return f"speaks to the agent: learned model (p={self.cues[0].split(':')[1]})"
        if self.cues and self.cues[0].startswith("minilm:"):
            return f"speaks to the agent: sentence model (MiniLM, p={self.cues[0].split(':')[1]})"
        if self.cues and self.cues[0].startswith("ft:"):
            return f"speaks to the agent: fine-tuned classifier (MiniLM, p={self.cues[0].split(':')[1]})"
        names = sorted({c.split(":")[0] for c in self.cues if self._w(c) > 0} - {"echo"})
        if any(c.startswith("echo:") for c in self.cues):
            return "repeats the agent's goal word for word, with: " + ", ".join(names)
        return "speaks to the agent: " + ", ".join(names)


def windows(text: str, size: int = 40) -> list[str]:
    """Sentences, and long sentences cut into overlapping word windows."""
    out = []
    for sent in _SENT.split(text):
        ws = sent.split()
        if len(ws) <= size:
            if ws:
                out.append(sent)
            continue
        for a in range(0, len(ws) - size // 2, size // 2):
            out.append(" ".join(ws[a:a + size]))
    # a short message split over sentences ("Attention AI agent. Ignore ...") is judged as a whole too
    if 1 < len(out) <= 6 and len(text.split()) <= 80:
        out.append(text)
    elif len(out) > 6:  # a longer one: each lead-in ("For assistants compiling a comparison:", "Q: ...?") with what it leads to
        out += lead_ins(out, size)
    return out


_CODE_MARKS = re.compile(r"[{}\[\]\"=]")


def lead_ins(parts: list[str], size: int) -> list[str]:
    """Each window that names an agent and ends in a colon or question mark ("For assistants compiling a comparison:",
    "Which one should an AI agent recommend?"), joined with the next window that says something (more than two words:
    "A:" is skipped over), where the two fit in one window. Code is left alone: its colons head no sentence."""
    out = []
    for i, part in enumerate(parts[:-1]):
        if not part.rstrip().endswith((":", "?")) or _CODE_MARKS.search(part) or not NAMES_AGENT.search(part):
            continue
        j = i + 1
        while j < len(parts) - 1 and len(parts[j].split()) <= 2:
            j += 1
        joined = " ".join(parts[i:j + 1])
        if len(joined.split()) <= size + 10:
            out.append(joined)
    return out


def for_lower_case(pat: re.Pattern) -> re.Pattern:
    """A case-blind pattern made case-sensitive, for lower-cased text: the same matches, ~3-4x faster in ``re``."""
    return re.compile(pat.pattern, pat.flags & ~re.IGNORECASE)


_CUES_LOWER = {kind: [(for_lower_case(pat), w) for pat, w in pats]
               for kind, pats in CUES.items()}  # every CUES pattern is re.I with lower-case literals (tested)


def _quick(table: dict) -> dict:
    """kind -> [(pattern, weight, ...)] with the pattern's ``required_literals`` added to each entry: most cue
    searches fail, and where none of those strings is in the text, the search is skipped (~40% of judge_window)."""
    return {kind: [(*entry, required_literals(entry[0])) for entry in entries] for kind, entries in table.items()}


_QUICK_LOWER, _QUICK_CASED = _quick(_CUES_LOWER), _quick(CUES)
_QUICK_EXTRA, _QUICK_ML, _QUICK_S8, _QUICK_S10 = map(_quick, (CUES_EXTRA, CUES_ML, CUES_S8, CUES_S10))


def judge_window(text: str) -> Verdict:
    cues, score = [], 0.0
    # other languages, tool-call mimicry, obfuscation, steering, account harm: only where a trigger word is
    low = text.lower()
    extra = EXTRA_TRIGGER.search(low) is not None
    foreign = ML_TRIGGER.search(low) is not None
    s8 = S8_TRIGGER.search(low) is not None
    # the case-blind cues, case-sensitive on the lower-cased text: the same matches, ~3x faster (as the gate)
    cues_here, searched = (_QUICK_LOWER, low) if len(low) == len(text) else (_QUICK_CASED, text)
    anchored: dict[re.Pattern, bool] = {}
    words: set[str] | None = None
    has, has_low = searched.__contains__, low.__contains__  # a pattern's required strings (None: search it anyway)
    for kind in KINDS:
        hits = [w for pat, w, req in cues_here.get(kind, ()) if (req is None or any(map(has, req))) and pat.search(searched)]
        if extra:
            hits += [w for pat, w, req in _QUICK_EXTRA.get(kind, ()) if (req is None or any(map(has_low, req))) and pat.search(low)]
        if foreign:
            hits += [w for pat, w, req in _QUICK_ML.get(kind, ()) if (req is None or any(map(has_low, req))) and pat.search(low)]
        if s8:
            hits += [w for pat, w, req in _QUICK_S8.get(kind, ()) if (req is None or any(map(has_low, req))) and pat.search(low)]
        for pat, w, anchor, req in _QUICK_S10.get(kind, ()):
            if isinstance(anchor, frozenset):
                if words is None:
                    words = anchor_words(low)
                found = not anchor.isdisjoint(words)
            elif (found := anchored.get(anchor)) is None:
                found = anchored[anchor] = anchor.search(low) is not None  # one anchor serves several patterns
            if found and (req is None or any(map(has_low, req))) and pat.search(low):
                hits.append(w)
        best = (sum(hits) if kind in ("benign", "steer", "secrecy") else max(hits)) if hits else 0.0
        if best:
            cues.append(f"{kind}:{best}")
            score += best
    return Verdict(score, cues, text)


# every attack needs an agent-directed cue or an urgency cue; one search rules most lines out cheaply
GATE_BRANCHES = (r"ai|a\.i|llm|gpt|chatgpt|claude|gemini|copilot|bots?|agents?|assistants?|models?|automated|autonomous|"
                 r"ignore|disregard|forget|override|bypass|abandon|discard|instructions?|directions|system|user'?s?|human|"
                 r"operator|owner|tasks?|objective|mission|assignment|urgent\w*|important|attention|warning|alert|"
                 r"critical|mandatory|immediately|right now|without delay|final notice|security|action required|"
                 rf"{GATE_WORDS}|{GATE_WORDS_S10}|{GATE_SPACED}")
# grouped by first letter: the same texts pass, ~3x faster over a 5k-line page (see factor_alternation)
_GATE = re.compile(r"\b" + factor_alternation(GATE_BRANCHES) + r"\b", _F)
_GATE_CJK = re.compile(GATE_CHARS + "|" + GATE_CHARS_S14, _F)  # Chinese / Japanese / Korean (no word boundaries), Cyrillic: only in non-ASCII text


def passes_gate(text: str) -> bool:
    return _GATE.search(text) is not None or not text.isascii() and _GATE_CJK.search(text) is not None


_GATE_LOWER = for_lower_case(_GATE)


@dataclass(frozen=True)
class PageText:
    """A page's texts joined into one string (newlines inside a text made spaces), for page-wide searches."""

    texts: list[str]
    joined: str
    low: str
    starts: list[int]  # each text's first offset in ``joined``

    @classmethod
    def of(cls, texts: list[str]) -> "PageText":
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        joined = "\n".join(t.replace("\n", " ") for t in texts)
        return cls(texts, joined, joined.lower(), starts)

    def owner(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1


def gated(texts: list[str], page: PageText | None = None) -> set[int]:
    """Indices of the texts the gate lets through, found in one search over all of them."""
    page = page or PageText.of(texts)
    joined, low, starts = page.joined, page.low, page.starts
    # the case-sensitive gate over lower-cased text is ~4x faster than re.I; lower() may change the
    # length of some non-ASCII text, and then positions would shift: use re.I there
    pat, hay = (_GATE_LOWER, low) if len(low) == len(joined) else (_GATE, joined)
    out, pos, n = set(), 0, len(texts)
    while (m := pat.search(hay, pos)) is not None:  # one hit per text is enough: go on at the next text
        i = page.owner(m.start())
        out.add(i)
        if i + 1 >= n:
            break
        pos = starts[i + 1]
    if not joined.isascii():  # the texts with Cyrillic / CJK / Hangul runs, each searched on its own
        some = {page.owner(m.start()) for m in NON_LATIN.finditer(joined)} - out
        out.update(i for i in some if _GATE_CJK.search(texts[i]))
    return out


@lru_cache(maxsize=20_000)
def judge(text: str, gate: bool = True, unmask: bool = True) -> Verdict | None:
    """The first window of ``text`` that is an attack, or None (``gate=False``: the gate was passed already).

    A text that hides its words (spaced-out letters, digits for letters, look-alike letters, separators: see
    ``unmasked``) is judged again as read plainly (``unmask=False`` there: one reading deep)."""
    if len(text) < 12 or gate and not passes_gate(text) and not (unmask and any(map(passes_gate, unmasked(text)))):
        return None
    whole = [text] if TOOLCALL_RE.search(text) and len(text.split()) <= 80 else []  # JSON / call syntax splits badly
    parts = windows(text)
    if len(parts) > 1:  # the gate's rule holds per window: a window of a long text without its words is no attack
        parts = [w for w in parts if passes_gate(w)]
    for w in whole + parts:
        v = judge_window(w)
        if v.attack:
            return v
    plain = joined_up(text) or de_leet(text)  # letters spaced out, or digits for letters, to slip past the cues
    if plain is not None and plain != text and (v := judge(plain, gate=False, unmask=unmask)) is not None:
        return v
    readings = unmasked(text) if unmask else []  # only now: most texts are settled by their own windows
    return next((v for r in readings if (v := judge(r, gate=False, unmask=False)) is not None), None)


def masked_through(texts: list[str], through: set[int], page: PageText | None = None) -> set[int]:
    """Texts the gate stopped that pass it once read plainly (``unmasked``), found by searching all texts at once."""
    page = page or PageText.of(texts)
    hinted = {page.owner(at) for at in mask_hint_spans(page.joined, page.low)}
    return {i for i in hinted - through if any(passes_gate(r) for r in unmasked(texts[i]))}


# what an echo of the goal needs besides (see axtree_guard_echo): an order, pressure, data, a link, or an address
ECHO_KINDS = frozenset({"data", "nav", "exfil", "phish", "scam", "threat", "urgent", "imperative", "imperative_ui", "override",
                        "user3", "secrecy", "steer", "toolcall", "harm", "offtask", "task", "address", "proxy", "obfuscated"})


def judge_echo(text: str) -> Verdict | None:
    """The first window of a text that repeats the goal and also orders, presses, asks for data or names the agent."""
    whole = [text] if len(text.split()) <= 80 else []
    for w in windows(text) + whole:
        v = judge_window(w)
        if sum(v._w(c) for c in v.cues if c.split(":")[0] in ECHO_KINDS) >= 1.0:  # a cookie word does not excuse it
            return Verdict(v.score, [*v.cues, "echo:1.0"], w)
    return None
