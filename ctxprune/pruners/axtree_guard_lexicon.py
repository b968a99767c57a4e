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
import unicodedata

_F = re.I

# a machine named as the reader ("KI-Agenten", "assistants IA", "asistente de IA", "ИИ-ассистент", "AI助手")
ML_MACHINE = (r"(?:\bki[- ]?(?:agent\w*|assistent\w*|modell\w*|system\w*|bots?)\b|\b(?:assistant|agent)s? (?:ia|d\W{0,2}ia|virtuel\w*)\b|"
              r"\b(?:asistente|assistente|agente)s? (?:(?:de|di|da) )?(?:ia|virtual\w*|intelig\w*)\b|\bai[- ]assistent\w*|"
              r"\bии[- ]?(?:ассистент|агент|модел|бот)\w*|\b(?:ассистент|нейросет|языков\w* модел)\w*|"
              r"\bsztuczn\w+ inteligencj\w*|\basystent\w* ai\b|\byapay zeka\b|\bkunstmatige intelligentie\b|"
              r"ai\s?助手|人工智能|智能助手|ai\s?アシスタント|ai\s?エージェント|ai\s?어시스턴트|인공지능|"
              # session 11: Hindi, Arabic, and a called-out assistant ("Attenzione, assistente:")
              r"एआई\s?सहायक|ai\s?सहायक|कृत्रिम बुद्धि|المساعد الآلي|المساعد الذكي|مساعد الذكاء الاصطناعي|الذكاء الاصطناعي|"
              r"\b(?:attenzione|achtung|atención|atenção|uwaga|dikkat|внимание)\W{1,3}(?:assistente|asistente|assistent|asystent\w*|asistan|ассистент)\b)")
ML_IGNORE = (r"(?:\bignorier\w*|\bignorez\b|\bignorer\b|\bignora\w*|\bignore[mn]?\b|\bolvid\w+|\boubliez\b|\bvergiss\w*|"
             r"\bnegeer\b|\bzignoruj\b|\bgöz ardı\b|\bпроигнорируй\w*|\bигнорируй\w*|\bзабудь\w*|"
             r"忽略|无视|無視|忘记|忘れ|무시|अनदेखा|नज़रअंदाज़|नजरअंदाज|تجاهل|تتجاهل)")
ML_ORDERS = (r"(?:anweisung\w*|befehl\w*|instruction\w*|consigne\w*|instruccion\w*|instruç\w*|istruzion\w*|"
             r"instructies|instrukcj\w*|talimat\w*|указани\w*|инструкци\w*|指令|指示|命令|지시|"
             r"tarea\w*|t[aâ]che\w*|aufgabe\w*|compit\w*|taak|tarefa\w*|zadani\w*|görev\w*|задач\w*|任务|任務|タスク|작업|"
             r"निर्देश|आदेश|التعليمات|تعليمات|الأوامر|أوامر|المهمة)")
# "previous", "all", "your": without one of them "ignore the instructions below" is a how-to
ML_PRIOR = (r"(?:\btu\b|\bsu\b|\bvotre\b|\bta\b|\bdeine?[nr]?\b|\btua\b|\bsua\b|\bje\b|bisherig\w*|vorherig\w*|früher\w*|alle[nrs]?|ihre[n]?|précédent\w*|antérieur\w*|toutes|tous|vos|"
            r"anterior\w*|previ\w*|todas|todos|tus|sus|suas|precedent\w*|tutte|tue|vorige|eerdere|poprzedni\w*|wszystkie|"
            r"önceki|tüm|предыдущ\w*|прежн\w*|все|ваши|твои|之前|以前|先前|所有|全部|すべて|이전|모든|पिछले|पिछली|सभी|السابقة|السابق|جميع)")
ML_USER = (r"(?:\bl\W{0,2}utilisateur|\bdes nutzers|\bdem nutzer|\bdel usuario|\bal usuario|\bdo usuário|\bao usuário|"
           r"\b(?:dell|all)\W{0,2}utente|\bo usuário|\bel usuario|\bder nutzer|\bde gebruiker|\bużytkownik\w*|\bkullanıcı\w*|\bпользовател\w+|用户|使用者|ユーザー|사용자|\bl\W{0,2}utente|उपयोगकर्ता|المستخدم)")
ML_SECRET = (r"(?:\bpasswort\w*|\bkennwort\w*|\bkreditkart\w*|\bcontraseña\w*|\btarjeta\b|\bmot de passe\b|\bcarte bancaire\b|"
             r"\bnuméro de carte\b|\bsenha\b|\bcartão\b|\bcarta di credito\b|\bwachtwoord\b|\bhasło\b|\bşifre\w*|"
             r"\bпарол\w*|\bкарт[аыу]\b|密码|密碼|银行卡|信用卡|パスワード|クレジットカード|비밀번호|신용카드|पासवर्ड|ओटीपी|कार्ड नंबर|"
             r"كلمة المرور|بطاقة|رمز التحقق)")
# text shaped like an agent's action (quotes may come escaped, as in a tree's 'name'): goto("..."), click('42'), {"action": "navigate", "args": ...}, "Thought: ... Action:"
TOOLCALL = (r"(?:(?<![.\w])(?:goto|go_to|navigate|click|fill|type|press|open_url|send_keys|select_option)\s*\(\s*\\?['\"\w]|"
            r"[\"'](?:tool|action|function|command|name)\\?[\"']\s*:\s*\\?[\"']\w+\\?[\"']\s*,\s*\\?[\"'](?:args|arguments|parameters|params|input|url)\\?[\"']|"
            r"\bthought\s*:.{0,200}\baction\s*:|\baction\s*:.{0,200}\bthought\s*:|\bnext action\s*:|"
            r"<\s*/?\s*(?:tool_(?:result|call|response|output)|function_(?:call|result|response)|observation)\b|"
            r"\b(?:function|tool)[_ ]call\b\s*(?:required)?\s*:|\b[a-z]+_[a-z_]+\s*\(\s*\w+\s*=)")

TOOLCALL_RE = re.compile(TOOLCALL, _F)
ADDRESS_IN = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|top|info|biz)\b", _F)  # a web address

SECRET_WORD = re.compile(r"passw|card|cvv|cvc|\bpin\b|token|ssn|otp|iban|chat_?history|transfer|funds|payment|cookie|contacts", _F)  # inside identifiers too: card_number

# other languages: searched only where ML_TRIGGER finds a foreign word or a non-ASCII letter
CUES_ML: dict[str, list[tuple[re.Pattern, float]]] = {
    "address": [(re.compile(ML_MACHINE, _F), 2.5)],
    "override": [(re.compile(rf"{ML_IGNORE}.{{0,40}}{ML_PRIOR}.{{0,30}}{ML_ORDERS}|{ML_IGNORE}.{{0,40}}{ML_ORDERS}.{{0,20}}{ML_PRIOR}|"
                             rf"{ML_PRIOR}.{{0,30}}{ML_ORDERS}.{{0,20}}{ML_IGNORE}", _F), 3.5)],  # the last: verb-final (ja, ko, tr)
    "user3": [(re.compile(ML_USER, _F), 1.0)],
    # session 11: the original task said to be void ("il compito originale è annullato", "la tarea anterior queda cancelada")
    "task": [(re.compile(rf"{ML_ORDERS}\W{{0,3}}(?:originale?s?|original\w*|ursprünglich\w*|initial\w*|previ\w*|precedent\w*|anterior\w*|"
                         r"vorherig\w*|bisherig\w*)\b.{0,20}\b(?:annullat\w*|cancellat\w*|cancelad\w*|annulé\w*|storniert|aufgehoben|"
                         r"ungültig|anulad\w*|inválid\w*|nul(?:le|o|a)s?|non (?:è )?più valid\w*|no longer valid)\b", _F), 2.0)],
    "data": [(re.compile(ML_SECRET, _F), 1.5),
             (re.compile(r"\b(?:envie|envía|envoyez|sende[nt]?|überweise\w*|invia\w*|transfi\w*|virement|stuur)\b.{0,30}(?:r\$|[$€£]|\d+\s?(?:eur|euro))", _F), 1.5)],
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
              (re.compile(r"\b(?:(?:in|into|to|for)|(?:end|start|begin|finish|close|conclude)) your (?:final |next |eventual )?(?:answer|reply|response|summary|output|report)\b", _F), 2.0),
              (re.compile(r"\byour (?:answer|reply|response|summary) to (?:the|your) (?:user|human|customer)\b", _F), 3.0),
              # what to assert or leave out (summed with the cues above: alone it is a review's "I recommend it as the best")
              (re.compile(r"\b(?:state|say|report|claim|confirm|answer|respond|reply)\s+(?:that|with exactly|only)\b|"
                          r"\brecommend\b[^.]{0,40}\bas (?:the )?(?:best|only|top)\b|\bdescribe\b[^.]{0,60}\bas (?:discontinued|unavailable|"
                          r"the (?:best|only)|unsafe|fake|a scam)\b|\b(?:omit|leave out|skip|hide|ignore|exclude)\b[^.]{0,20}\b(?:the )?"
                          r"(?:negative|bad|low|critical|warning|other|competitor)\w*\b", _F), 1.5)],
    # an action that takes over or damages the account, or runs something downloaded
    "harm": [(re.compile(r"\b(?:change|update|set|replace|reset)\b[^.]{0,30}\brecovery (?:e-?mail|phone|address|number)|"
                         r"\b(?:disable|turn off|deactivate|remove|delete)\b[^.]{0,25}\b(?:two[- ]factor|2fa|two[- ]step|"
                         r"multi[- ]factor|mfa|trusted devices|security (?:alerts|notifications))|"
                         r"\b(?:click|press|tap|select)\W{1,3}(?:delete|close|cancel|deactivate|remove) (?:my |your |the |this )?(?:account|profile|subscription|all)|"
                         r"\bdownload and (?:run|execute|open|install)\b|\b(?:run|execute) the (?:installer|file|script|program)\b|"
                         r"\bapprove (?:the |this |all )?(?:\w+ )?(?:transfer|transaction)s?\b", _F), 2.0)],
    # a turn away from what the agent was doing
    "offtask": [(re.compile(r"\b(?:skip|stop|don't|do not|no need to|without)\s+(?:any |the |further |more )?(?:comparisons?|comparing|"
                            r"checking|reading|verif\w+|review\w*|looking|browsing|research\w*)\b|"
                            r"\binstead\b|\bskip (?:that|this|it)\b|\b(?:priority|first|main|real) task\b|"
                            r"\bdo not (?:continue|proceed)\b|^\W*stop\b|\bbefore (?:continuing|you continue|proceeding)\b|"
                            r"\b(?:leave|drop|stop|pause|abandon) (?:what|whatever) you(?:'re| are)? doing\b|"
                            r"\bthen (?:carry on|continue|resume|return to|go back to)\b", _F), 1.5)],
}

# session 8 families, searched only in windows that S8_TRIGGER finds one of their anchor words in
CUES_S8: dict[str, list[tuple[re.Pattern, float]]] = {
    # session 8: scam pop-ups -- a device said to be infected, a support number to call, gift cards bought for their
    # codes, a fee or an ID upload under threat, software to install before the page "works"
    "scam": [
        (re.compile(r"\b(?:your|this|the) (?:device|computer|pc|mac|laptop|phone|iphone|browser|system)\b[^.!]{0,30}\b"
                    r"(?:is|has been|was|are|may be|might be)\b[^.!]{0,15}\b(?:infected|compromised|hacked|damaged)\b|"
                    r"\b(?:your|this|the) (?:device|computer|pc|mac|laptop|phone|browser|system)\b[^.!]{0,20}\b(?:is|are) (?:out of date|outdated|at risk|vulnerable)\b|"
                    r"\b\d+ (?:viruses|trojans|threats|malware|infections)\b|\b(?:virus|malware|trojan|spyware)\w* (?:detected|found)\b"), 2.0),
        (re.compile(r"\bcall\b[^.!]{0,40}?(?:\+?\d[\d ().-]{8,}\d)"), 1.0),  # support lines are common: only with pressure
        (re.compile(r"\b(?:buy|purchase|get)\b[^.!]{0,40}\bgift ?cards?\b.{0,80}?\b(?:codes?|numbers?|pins?)\b"), 3.0),
        (re.compile(r"\bgift ?cards?\b[^.!]{0,40}\b(?:redemption )?codes?\b[^.!]{0,40}\b(?:unlock|release|claim|receive|avoid|restore)\b"), 2.0),
        (re.compile(r"\b(?:pay|settle)\b[^.!]{0,30}\b(?:fee|fine|penalty|charge)\b[^.!]{0,30}\b(?:unlock|release|restore|avoid|continue|proceed)\b"), 2.0),
        (re.compile(r"\bupload\w*\b[^.!]{0,30}\b(?:photo id|passport|id card|identity (?:card|document)|driver'?s licen[cs]e|selfie)\b"
                    r"[^.!]{0,60}\b(?:within|fine|penalty|prosecut\w*|legal|liabilit\w*|suspend\w*|or (?:else|face))\b"), 2.5),
        (re.compile(r"\b(?:refund|prize|payout|winnings|inheritance|compensation)\b[^.!]{0,40}\b(?:is |are )?(?:pending|waiting|held|on hold|ready|approved|available)\b"
                    r".{0,80}\b(?:send|pay|transfer|wire)\b"), 3.0),
        (re.compile(r"\b(?:install|download|add|enable)\b[^.!]{0,30}\b(?:extension|plug-?in|add-?on|helper|codec|driver|certificate|cleaner|update)\b"
                    r"[^.!]{0,50}\b(?:to (?:continue|proceed|access|view|see|unlock)|before (?:continuing|you continue|proceeding)|"
                    r"(?:automated|ai|bots?|agents?|assistants?)\b|otherwise|will not work)"), 2.0),
    ],
    # a clock or a consequence that presses for action now ("within 60 seconds", "will be locked")
    "threat": [
        (re.compile(r"\bwithin (?:the next )?\d+ (?:seconds?|secs?|minutes?|mins?|hours?)\b|\bin \d+ (?:seconds?|secs?)\b|"
                    r"\b\d{1,2}:\d{2}\b(?= (?:left|remaining|min))|\bexpires? in (?:\d|00:)|"
                    r"\bwill be (?:permanently )?(?:locked|lost|wiped|deleted|erased|suspended|blocked|terminated|frozen|charged|forfeited)\b|"
                    r"\b(?:account|card|device|order|booking|reservation|payment|profile)\b[^.!]{0,20}\b(?:is|has been) "
                    r"(?:now )?(?:locked|suspended|frozen|blocked|flagged|compromised|hacked|on hold)\b|"
                    r"\bunusual (?:login|sign-?in|activity)\b|\byou have (?:only )?\d+ (?:seconds?|minutes?)\b|"
                    r"\b(?:hijack\w*|breach|intrusion|fraud) (?:detected|attempt\w*)\b|\bor (?:lose|you will lose|forfeit)\b|\b(?:prosecution|legal action)\b"), 1.5),
    ],
    # data where it does not belong: credentials or someone's details typed into a comment, chat, notes or review box,
    # sent to an address, or asked again ("re-enter the card")
    "exfil": [
        (re.compile(r"\b(?:typ|enter|past|cop|put|writ|add|includ|provid|send|shar|submit)\w*\b[^.!]{0,60}\b(?:password|passcode|credentials|"
                    r"card (?:number|details)|full (?:card )?number|cvv|cvc|pin\b|social security|ssn|one[- ]time (?:code|password)|"
                    r"verification code|sms code|date of birth|bank login|e-?mail address|phone number|home address|contact details|"
                    r"confirmation e-?mail|2fa|backup codes)"
                    r"[^.!]{0,60}(?:\b(?:in|into|to|under|via|inside)\s+(?:the |a |this |our |your )?(?:\w+ )?(?:comments?|message|messages|chat|"
                    r"notes?|review|feedback|referral|remarks|subject|description|reply|search)\b|\b(?:to|at|via)\s+[\w.+-]+@[\w-]+\.\w)"), 2.0),
        (re.compile(r"\b(?:in|into)\s+(?:the|a|this|our)\s+(?:\w+ )?(?:chat|comments?|message|notes?|review|feedback|search)\s*(?:box|field|window|"
                    r"section|area|form)?\b[^.!]{0,60}\b(?:password|passcode|credentials|card (?:number|details)|cvv|cvc|social security|ssn|"
                    r"one[- ]time (?:code|password)|date of birth|bank login)\b"), 2.0),
        (re.compile(r"\breply with (?:the |your |all )?(?:[\w-]+ ){0,3}(?:codes?|passwords?|pins?|otp|credentials)\b|"
                    r"\b(?:saved|stored|remembered) (?:in (?:this|the|your) browser )?(?:passwords?|credentials|logins?|card|cards|payment \w+|addresses)\b|"
                    r"\b(?:passwords?|credentials|logins?|cards?)(?: and \w+)? (?:saved|stored) in (?:this|the|your) browser\b|"
                    r"\bforward\b[^.!]{0,40}\be-?mails?\b[^.!]{0,30}\bto\s+[\w.+-]+@"), 2.0),
        (re.compile(r"\b(?:copy|paste|forward|send|share|submit|reveal|give)\b[^.!]{0,30}\b(?:the )?(?:user|customer|guest|client|buyer|"
                    r"account (?:owner|holder)|cardholder|shopper|member|person)(?:'s|s'|\\'s)\b[^.!]{0,30}\b(?:password|e-?mail|phone|address|"
                    r"card|date of birth|ssn|social security|contact details|details|data|information|history|cookies?)\b"), 2.0),
        (re.compile(r"\b(?:of|for) the (?:account (?:owner|holder)|cardholder|person you\b[^.!]{0,20})[^.!]{0,20}\b(?:in|into|to) the "
                    r"(?:message|chat|comment|notes?|box|field)\b"), 2.0),
        (re.compile(r"\bre-?enter(?:ed)?\b[^.!]{0,40}\b(?:card|password|pin|cvv|bank)\b|\b(?:card|password|pin|cvv)\b[^.!]{0,40}\bre-?entered\b"), 1.5),
    ],
    # hiding things from the person behind the agent, or scripting what to tell them
    "secrecy": [
        (re.compile(r"\b(?:keep|hide)\s+(?:this|it|that)\s+(?:(?:secret |hidden )?from (?:the|your) (?:user|human|customer|client|person|owner|buyer)|"
                    r"between (?:us|ourselves))\b|\bhide (?:this|it|that) from\b|"
                    r"\bif (?:asked|(?:they|he|she|the (?:user|human|customer|client)|anyone) asks?)\b[^.!]{0,40}\b(?:just |simply )?(?:say|tell|reply|answer|claim|deny)\b|"
                    r"\b(?:do not|don't|never) (?:mention|reveal|disclose) (?:this|it|that|the \w+) to\b|\bfrom (?:your|the) human\b"), 3.0),
        (re.compile(r"\btell (?:your|the) (?:user|human|client|customer|shopper|principal|reader|person you)\b(?=\s+(?:that|to|this|it|they|he|she|the|there)\b)"), 2.5),
        (re.compile(r"\b(?:when|as) you report back\b|\breport back to (?:your|the) (?:user|human|client)\b"), 1.0),
    ],
    # a machine or a stand-in reader named indirectly: "any program reading these reviews", "those browsing on behalf of others"
    "proxy": [
        (re.compile(r"\b(?:any|all|every|each)\s+(?:programs?|software|scripts?|automations?|crawlers?|readers?|tools?)\s+"
                    r"(?:that (?:is|are) )?(?:reading|processing|parsing|visiting|browsing|scanning|indexing|summari[sz]ing)\b|"
                    r"\bautomated (?:visitors?|readers?|shoppers?|users?|browsers?|tools?|clients?|software|programs?)\b|"
                    r"\b(?:browsing|shopping|booking|buying|working|acting|ordering|completing (?:this|it))\s+(?:on|in)\s+"
                    r"(?:someone(?:'s| else's)|another person's|a client's|a customer's|others'|behalf of (?:others|someone|another|"
                    r"a (?:client|customer|user|person)|clients|customers|users|other people))|"
                    r"\bon (?:someone(?:'s| else's)|another person's|a client's|your client's|the user's) behalf\b|"
                    r"\bacting for (?:someone|a client|another)\b|\bthe (?:person|people|client|customer) you(?:'re| are)? "
                    r"(?:represent\w*|helping|assisting|shopping for|booking for|working for|acting for)\b|"
                    r"\bassistants? (?:working|going|running) (?:through|on)\b"), 2.5),
    ],
}
S8_TRIGGER = re.compile(
    r"\b(?:device|computer|pc|mac|laptop|phone|iphone|browser|viruses|trojans|threats|malware|infections|virus\w*|spyware|call|gift ?cards?|"
    r"fee|fine|penalty|charge|refund|prize|payout|winnings|inheritance|compensation|upload\w*|extension|plug-?in|add-?on|helper|"
    r"codec|driver|certificate|cleaner|within|seconds?|secs?|minutes?|expires?|locked|lost|wiped|deleted|erased|suspended|"
    r"blocked|terminated|frozen|charged|forfeit\w*|on hold|flagged|compromised|hacked|unusual|lose|prosecution|legal|hijack\w*|breach|"
    r"intrusion|fraud|passwords?|passcode|credentials|card|cvv|cvc|pin|ssn|social security|one[- ]time|verification|sms|birth|bank|"
    r"e-?mails?|contact details|2fa|backup|saved|stored|remembered|re-?enter\w*|reply|forward\w*|keep|hide|asked|asks|mention|reveal|"
    r"disclose|human|tell|report|programs?|software|scripts?|automations?|crawlers?|readers?|tools?|automated|behalf|acting|"
    r"represent\w*|helping|assisting|shopping for|booking for|working for|assistants?|\d{1,2}:\d{2}|"
    r"(?:user|customer|guest|client|buyer|holder|cardholder|shopper|member|person|owner)(?:'s|s'))\b|@|\bout of date|outdated|at risk")

# searched in lower-cased text without re.I (~4x faster); the patterns above are written in lower case
CUES_EXTRA = {kind: [(re.compile(p.pattern, p.flags & ~re.I), w) for p, w in pats] for kind, pats in CUES_EXTRA.items()}
CUES_ML = {kind: [(re.compile(p.pattern, p.flags & ~re.I), w) for p, w in pats] for kind, pats in CUES_ML.items()}
CUES_S8 = {kind: [(re.compile(p.pattern, p.flags & ~re.I), w) for p, w in pats] for kind, pats in CUES_S8.items()}

# lower-case gate additions (the guard's gate runs case-sensitively on lower-cased text; each word costs ~0.1 ms
# per 5k-line page, so only words the English gate does not already imply)
GATE_WORDS = (r"ki|ia|a?s+istente|ignor\w*|anweisung\w*|instruc\w*|istruzion\w*|utilisateur|nutzers?|usuario|usuário|utente|"
              r"goto|navigate|tool|action|summari[sz]\w*|safety|instead|skip|continuing|proceed\w*|recovery|"
              r"two-(?:factor|step)|doing|carry|resume|"
              # session 8 families (scam, threat, exfil, secrecy, proxy, tool markup)
              r"infected|viruses|trojans|malware|gift ?cards?|fee|fine|call|upload\w*|install\w*|extension|within \d+|within the next|"
              r"seconds|locked|suspended|unusual|prosecution|re-?enter\w*|behalf|represent\w*|acting|report (?:back|that)|asked|asks|"
              r"mention|hide|keep|tell|(?:programs?|software|scripts?|tools?|automations?) (?:that (?:is|are) )?(?:reading|processing|"
              r"parsing|visiting|browsing|scanning|indexing|summari[sz]ing)|function|tool_\w+|function_\w+|submit_\w+|send_\w+|export_\w+|"
              r"cardholder\w*|paste|cvv|cvc|"
              r"referral|saved|stored|reply|refund|prize|developer|debug|context|conversation|guidance|obsolete|hijack\w*|breach|"
              r"forward\w*|1gn\w+|ign0r\w*|pr3v\w*|prev1\w*|1nstruct\w*|instruct10n\w*|p4ss\w*|passw0rd|4ss1st\w*|ass1st\w*|4gent\w*|ag3nt\w*")
# words one of which any match of a CUES_EXTRA pattern holds (lower-case): a window without them skips those patterns
EXTRA_TRIGGER = re.compile(
    r"\b(?:goto|go_to|navigate|click|fill|type|press|open_url|send_keys|select_option|tool|action|thought|follow|obey|"
    r"execute|accept|turn off|switch off|disable|deactivate|bypass|suspend|ignore|present|summari|paraphras|describ|"
    r"your|recovery|two|2fa|multi|mfa|trusted|security|delete|close|cancel|remove|download|run|approve|instead|skip|"
    r"priority|first|main|real|do not|stop|before|leave|drop|pause|abandon|then|disregard|forget|override|"
    # session 8 additions: tool markup and calls, and what the steering cues anchor on
    r"function|observation|state|say|report|claim|confirm|answer|respond|reply|recommend|omit|hide|exclude|"
    r"don't|no need|without|[a-z]+_[a-z_]+)|<\s*/?\s*(?:tool|function)")
GATE_CHARS = (r"助手|人工智能|忽略|无视|無視|指令|指示|アシスタント|エージェント|무시|어시스턴트|인공지능|"
              r"एआई|एजेंट|असिस्टेंट|सहायक|अनदेखा|निर्देश|उपयोगकर्ता|पासवर्ड|ओटीपी|المساعد|الوكيل|للوكيل|الذكاء الاصطناعي|تجاهل|التعليمات|المستخدم|كلمة المرور|"
              r"\b(?:проигнор\w*|игнор\w*|забудь\w*|инструкци\w*|указани\w*|пользовател\w*|ассистент\w*|агент\w*|нейросет\w*|ии)\b")
NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")  # Cyrillic, Arabic, Devanagari, kana, CJK, Hangul
SPACED = r"(?<!\S)(?:[a-z] ){4,}[a-z](?!\S)"  # letters spaced out: "i g n o r e"
GATE_SPACED = r"[a-z] [a-z] [a-z] [a-z] [a-z]"  # the same, inside the gate's word boundaries
_SPACED = re.compile(SPACED, _F)
_SHORT_SPACED = re.compile(r"(?<!\S)(?:[a-z] ){2,}[a-z](?!\S)", _F)
_WIDE_GAP = re.compile(r"(?<=\S) {2,}(?=\S)")


def joined_up(text: str) -> str | None:
    """The text with each run of spaced-out letters joined ("i g n o r e  p r e v i o u s" -> "ignore previous";
    a run with no word breaks becomes one word, which ``CUES_EXTRA``'s blob pattern reads), or None."""
    if not _SPACED.search(text):
        return None
    joined = _SHORT_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)  # "y o u r" too, once a long run was seen
    return _WIDE_GAP.sub(" ", joined)  # the wider gaps that parted the words become single spaces


_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[013457@$])[\w@$]{3,}\b", _F)  # letters and look-alike digits mixed
_LEET = str.maketrans("013457@$", "oieastas")


def de_leet(text: str) -> str | None:
    """The text with look-alike digits read as letters ("1gn0r3 4ll pr3v10us" -> "ignore all previous"), or None
    when fewer than three words mix them (prices, dates and model numbers stay as they are)."""
    found = _LEET_WORD.findall(text)
    if len(found) < 3 or sum(any(ch.isdigit() for ch in w) and not w.isdigit() for w in found) < 3:
        return None
    return _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)


# ---------------------------------------------------------------- other masks: look-alike letters, separators
# Cyrillic / Greek letters that look like Latin ones (only read as Latin inside a word that mixes both scripts)
_HOMOGLYPH = str.maketrans("аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅοαειντρΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
                           "aeopcyxijsdqwABEKMHOPCTXIJSoaeivtpABEHIKMNOPTXYZ")
_MIXED_WORD = re.compile(r"\w*(?:[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z])\w*", _F)
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_SYMBOLS = re.compile("[\u2190-\u21ff\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]+")
_DOTTED = re.compile(r"\b(?:[a-z]\.(?:'\.)?){2,}[a-z]\b\.?", _F)  # "a.g.e.n.t" (three letters or more), "u.s.e.r.'.s"
_DASH_GAPS = re.compile(r"\s+[\u2013\u2014|/~·•]+\s+")  # dashes or bars standing between every word
_HYPHENED = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b", _F)
_UNDERSCORED = re.compile(r"(?<=[a-z])_+(?=[a-z])", _F)
#: what a masked text shows, in three searches that each scan a whole page's texts fast: dotted letters and words
#: cut by hyphens or underscores (lower-cased text); full-width forms, pictographs, invisible characters; a Latin
#: word with Cyrillic / Greek letters in it (only where such letters occur at all)
MASK_ASCII = re.compile(r"[a-z](?:\.[a-z]\.[a-z]\b|-[a-z]+-[a-z]|_)")
MASK_WIDE = re.compile("[\uff01-\uff5e\u2190-\u21ff\u2600-\u27bf\U0001f000-\U0001faff\u00ad\u200b-\u200f\u2060\ufeff]")
_GREEK_CYRILLIC = re.compile("[\u0370-\u04ff]")
MASK_MIXED = re.compile("[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z]", _F)


def mask_hint_spans(text: str, low: str | None = None) -> list[int]:
    """Start offsets of what looks masked in ``text`` (one or more per masked stretch; [] for plain text);
    ``low``: ``text.lower()`` when the caller has it."""
    low = text.lower() if low is None else low
    hay = low if len(low) == len(text) else text
    out = [m.start() for m in MASK_ASCII.finditer(hay)]
    if not text.isascii():
        out += [m.start() for m in MASK_WIDE.finditer(text)]
        if _GREEK_CYRILLIC.search(text):
            out += [m.start() for m in MASK_MIXED.finditer(text)]
    return out


def unmasked(text: str) -> list[str]:
    """Readings of a text that hides its words from the cues, each as different from ``text`` as it gets (none when
    nothing is masked): full-width forms and look-alike letters read as Latin, invisible characters and pictographs
    dropped, dotted letters joined; words cut by hyphens joined ("ig-nore the us-er") and, as a second reading,
    split ("tRaNsFeR-tHe-BaLaNcE"), underscores read as spaces."""
    if not mask_hint_spans(text):
        return []
    t = unicodedata.normalize("NFKC", text)
    t = _MIXED_WORD.sub(lambda m: m.group(0).translate(_HOMOGLYPH), t)
    t = _SYMBOLS.sub(" ", _INVISIBLE.sub("", t))
    t = _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", t)
    spaced, gaps = _DASH_GAPS.subn(" ", t)
    if gaps >= 3:
        t = spaced
    t = _UNDERSCORED.sub(" ", t)
    joined = re.sub(r"\s+", " ", _HYPHENED.sub(lambda m: m.group(0).replace("-", ""), t)).strip()
    split = re.sub(r"\s+", " ", _HYPHENED.sub(lambda m: m.group(0).replace("-", " "), t)).strip()
    return [r for r in dict.fromkeys((joined, split)) if r != text]
