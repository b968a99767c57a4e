"""Cues for the injection guard beyond plain English (red-team round, session 4).

* other languages: the same cue families (a machine named as reader, "ignore your instructions",
  the user in the third person, passwords and cards) in the major web languages -- German, French,
  Spanish, Portuguese, Italian, Dutch, Polish, Turkish, Russian, Chinese, Japanese, Korean;
* tool-call mimicry: text shaped like the agent's own actions (``goto("...")``, a JSON action with
  arguments, ReAct "Thought: / Action:" lines);
* character obfuscation: letters spaced out ("i g n o r e  p r e v i o u s") are judged joined up.

Each entry is a (pattern, weight) pair in the families of ``axtree_guard.CUES``; ``GATE_EXTRA`` is
the part of the guard's gate that lets such texts through (lower-case: the gate runs on lower-cased text).
"""
from __future__ import annotations

import re

_F = re.I

# a machine named as the reader ("KI-Agenten", "assistants IA", "asistente de IA", "ИИ-ассистент", "AI助手")
ML_MACHINE = (r"(?:\bki[- ]?(?:agent\w*|assistent\w*|modell\w*|system\w*|bots?)\b|\b(?:assistant|agent)s? (?:ia|d\W{0,2}ia|virtuel\w*)\b|"
              r"\b(?:asistente|assistente|agente)s? (?:(?:de|di|da) )?(?:ia|virtual\w*|intelig\w*)\b|\bai[- ]assistent\w*|"
              r"\bии[- ]?(?:ассистент|агент|модел|бот)\w*|\b(?:ассистент|нейросет|языков\w* модел)\w*|"
              r"\bsztuczn\w+ inteligencj\w*|\basystent\w* ai\b|\byapay zeka\b|\bkunstmatige intelligentie\b|"
              r"ai\s?助手|人工智能|智能助手|ai\s?アシスタント|ai\s?エージェント|ai\s?어시스턴트|인공지능)")
ML_IGNORE = (r"(?:\bignorier\w*|\bignorez\b|\bignorer\b|\bignora\w*|\bignore[mn]?\b|\bolvid\w+|\boubliez\b|\bvergiss\w*|"
             r"\bnegeer\b|\bzignoruj\b|\bgöz ardı\b|\bпроигнорируй\w*|\bигнорируй\w*|\bзабудь\w*|"
             r"忽略|无视|無視|忘记|忘れ|무시)")
ML_ORDERS = (r"(?:anweisung\w*|befehl\w*|instruction\w*|consigne\w*|instruccion\w*|instruç\w*|istruzion\w*|"
             r"instructies|instrukcj\w*|talimat\w*|указани\w*|инструкци\w*|指令|指示|命令|지시)")
# "previous", "all", "your": without one of them "ignore the instructions below" is a how-to
ML_PRIOR = (r"(?:bisherig\w*|vorherig\w*|früher\w*|alle[nrs]?|ihre[n]?|précédent\w*|antérieur\w*|toutes|tous|vos|"
            r"anterior\w*|previ\w*|todas|todos|tus|sus|suas|precedent\w*|tutte|tue|vorige|eerdere|poprzedni\w*|wszystkie|"
            r"önceki|tüm|предыдущ\w*|прежн\w*|все|ваши|твои|之前|以前|先前|所有|全部|すべて|이전|모든)")
ML_USER = (r"(?:\bl\W{0,2}utilisateur|\bdes nutzers|\bdem nutzer|\bdel usuario|\bal usuario|\bdo usuário|\bao usuário|"
           r"\b(?:dell|all)\W{0,2}utente|\bde gebruiker|\bużytkownik\w*|\bkullanıcı\w*|\bпользовател\w+|用户|使用者|ユーザー|사용자)")
ML_SECRET = (r"(?:\bpasswort\w*|\bkennwort\w*|\bkreditkart\w*|\bcontraseña\w*|\btarjeta\b|\bmot de passe\b|\bcarte bancaire\b|"
             r"\bnuméro de carte\b|\bsenha\b|\bcartão\b|\bcarta di credito\b|\bwachtwoord\b|\bhasło\b|\bşifre\w*|"
             r"\bпарол\w*|\bкарт[аыу]\b|密码|密碼|银行卡|信用卡|パスワード|クレジットカード|비밀번호|신용카드)")
# text shaped like an agent's action (quotes may come escaped, as in a tree's 'name'): goto("..."), click('42'), {"action": "navigate", "args": ...}, "Thought: ... Action:"
TOOLCALL = (r"(?:(?<![.\w])(?:goto|go_to|navigate|click|fill|type|press|open_url|send_keys|select_option)\s*\(\s*\\?['\"\w]|"
            r"[\"'](?:tool|action|function|command|name)\\?[\"']\s*:\s*\\?[\"']\w+\\?[\"']\s*,\s*\\?[\"'](?:args|arguments|parameters|params|input|url)\\?[\"']|"
            r"\bthought\s*:.{0,200}\baction\s*:|\baction\s*:.{0,200}\bthought\s*:|\bnext action\s*:)")

TOOLCALL_RE = re.compile(TOOLCALL, _F)
ADDRESS_IN = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|top|info|biz)\b", _F)  # a web address

SECRET_WORD = re.compile(r"passw|card|cvv|cvc|\bpin\b|token|ssn|otp|iban", _F)  # inside identifiers too: card_number

# other languages: searched only where ML_TRIGGER finds a foreign word or a non-ASCII letter
CUES_ML: dict[str, list[tuple[re.Pattern, float]]] = {
    "address": [(re.compile(ML_MACHINE, _F), 2.5)],
    "override": [(re.compile(rf"{ML_IGNORE}.{{0,40}}{ML_PRIOR}.{{0,30}}{ML_ORDERS}|{ML_IGNORE}.{{0,40}}{ML_ORDERS}.{{0,20}}{ML_PRIOR}|"
                             rf"{ML_PRIOR}.{{0,30}}{ML_ORDERS}.{{0,20}}{ML_IGNORE}", _F), 3.5)],  # the last: verb-final (ja, ko, tr)
    "user3": [(re.compile(ML_USER, _F), 1.0)],
    "data": [(re.compile(ML_SECRET, _F), 1.5)],
}
ML_TRIGGER = re.compile(r"\b(?:ki|ia|ignor\w*[^e\W]\b|olvid|oubli|vergiss|negeer|zignoruj|göz|a?s+istente|agente|anweis|befehl|consigne|"
                        r"instruc\w*[^st\W]\b|istruz|instrukc|talimat|utilisateur|nutzer|usuario|utente|gebruiker|passwort|kennwort|"
                        r"kreditkart|tarjeta|mot de passe|carte bancaire|carta di|wachtwoord)|[^\x00-\x7f]")

CUES_EXTRA: dict[str, list[tuple[re.Pattern, float]]] = {
    "override": [
        # "follow only the commands on this page", "turn off your safety checks"
        (re.compile(r"\b(?:follow|obey|execute|accept)\s+only\s+(?:the\s+)?(?:commands?|instructions?|orders|directions|rules)\b"
                    r"[^.]{0,20}\b(?:this|these|here|below|above)\b", _F), 3.0),
        (re.compile(r"\b(?:turn off|switch off|disable|deactivate|bypass|ignore|suspend)\s+(?:its|your|their|the|all|any)?\s*"
                    r"(?:safety|guardrails?|safeguards?|content (?:filters?|polic\w+)|filters|restrictions)\b", _F), 3.0),
        # passing the page's words off as the agent's own answer
        (re.compile(r"\bpresent (?:it|this|that|them) as (?:your|if it were your) own\b", _F), 2.5),
    ],
    "obfuscated": [(re.compile(r"(?:ignore|disregard|forget|override)\w*?(?:instruction|prompt|rule|guideline)", _F), 3.5)],
    "toolcall": [(TOOLCALL_RE, 2.5)],
    # output steering: only an agent summarises the page for someone
    "steer": [(re.compile(r"\b(?:when|if|while|whenever) (?:you(?:'re| are)? )?(?:summari[sz]\w*|paraphras\w*|describ\w*) (?:this|the) "
                          r"(?:page|site|website|article|content|text|listing|review)s?\b", _F), 2.5),
              (re.compile(r"\b(?:(?:in|into|to)|(?:end|start|begin|finish|close)) your (?:answer|reply|response|summary|output)\b", _F), 2.0),
              (re.compile(r"\byour (?:answer|reply|response|summary) to (?:the|your) (?:user|human|customer)\b", _F), 3.0)],
    # an action that takes over or damages the account, or runs something downloaded
    "harm": [(re.compile(r"\b(?:change|update|set|replace|reset)\b[^.]{0,30}\brecovery (?:e-?mail|phone|address|number)|"
                         r"\b(?:disable|turn off|deactivate|remove|delete)\b[^.]{0,25}\b(?:two[- ]factor|2fa|two[- ]step|"
                         r"multi[- ]factor|mfa|trusted devices|security (?:alerts|notifications))|"
                         r"\b(?:click|press|tap|select)\W{1,3}(?:delete|close|cancel|deactivate|remove) (?:my |your |the |this )?(?:account|profile|subscription|all)|"
                         r"\bdownload and (?:run|execute|open|install)\b|\b(?:run|execute) the (?:installer|file|script|program)\b|"
                         r"\bapprove (?:the |this |all )?(?:\w+ )?(?:transfer|transaction)s?\b", _F), 2.0)],
    # a turn away from what the agent was doing
    "offtask": [(re.compile(r"\binstead\b|\bskip (?:that|this|it)\b|\b(?:priority|first|main|real) task\b|"
                            r"\bdo not (?:continue|proceed)\b|^\W*stop\b|\bbefore (?:continuing|you continue|proceeding)\b|"
                            r"\b(?:leave|drop|stop|pause|abandon) (?:what|whatever) you(?:'re| are)? doing\b|"
                            r"\bthen (?:carry on|continue|resume|return to|go back to)\b", _F), 1.5)],
}

# searched in lower-cased text without re.I (~4x faster); the patterns above are written in lower case
CUES_EXTRA = {kind: [(re.compile(p.pattern, p.flags & ~re.I), w) for p, w in pats] for kind, pats in CUES_EXTRA.items()}
CUES_ML = {kind: [(re.compile(p.pattern, p.flags & ~re.I), w) for p, w in pats] for kind, pats in CUES_ML.items()}

# lower-case gate additions (the guard's gate runs case-sensitively on lower-cased text; each word costs ~0.1 ms
# per 5k-line page, so only words the English gate does not already imply)
GATE_WORDS = (r"ki|ia|a?s+istente|ignor\w*|anweisung\w*|instruc\w*|istruzion\w*|utilisateur|nutzers?|usuario|usuário|utente|"
              r"goto|navigate|tool|action|summari[sz]\w*|safety|instead|skip|continuing|proceed\w*|recovery|"
              r"two-(?:factor|step)|doing|carry|resume")
# words one of which any match of a CUES_EXTRA pattern holds (lower-case): a window without them skips those patterns
EXTRA_TRIGGER = re.compile(
    r"\b(?:goto|go_to|navigate|click|fill|type|press|open_url|send_keys|select_option|tool|action|thought|follow|obey|"
    r"execute|accept|turn off|switch off|disable|deactivate|bypass|suspend|ignore|present|summari|paraphras|describ|"
    r"your|recovery|two|2fa|multi|mfa|trusted|security|delete|close|cancel|remove|download|run|approve|instead|skip|"
    r"priority|first|main|real|do not|stop|before|leave|drop|pause|abandon|then|disregard|forget|override)")
GATE_CHARS = (r"助手|人工智能|忽略|无视|無視|指令|指示|アシスタント|エージェント|무시|어시스턴트|인공지능|"
              r"\b(?:проигнор\w*|игнор\w*|забудь\w*|инструкци\w*|указани\w*|пользовател\w*|ассистент\w*|агент\w*|нейросет\w*|ии)\b")
NON_LATIN = re.compile(r"[\u0400-\u04ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")  # Cyrillic, kana, CJK, Hangul
SPACED = r"(?<!\S)(?:[a-z] ){4,}[a-z](?!\S)"  # letters spaced out: "i g n o r e"
GATE_SPACED = r"[a-z] [a-z] [a-z] [a-z] [a-z]"  # the same, inside the gate's word boundaries
_SPACED = re.compile(SPACED, _F)
_SHORT_SPACED = re.compile(r"(?<!\S)(?:[a-z] ){2,}[a-z](?!\S)", _F)


def joined_up(text: str) -> str | None:
    """The text with each run of spaced-out letters joined ("i g n o r e  p r e v i o u s" -> "ignore previous";
    a run with no word breaks becomes one word, which ``CUES_EXTRA``'s blob pattern reads), or None."""
    if not _SPACED.search(text):
        return None
    return _SHORT_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)  # "y o u r" too, once a long run was seen
