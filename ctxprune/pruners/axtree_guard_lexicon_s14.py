"""Session 14 cue families for the injection guard (lower-case, searched in lower-cased text).

What the rules missed on opened sets (train_longform, train_short, red_g), as patterns rather than phrasings:

* a passage dedicated to a machine reader and then a colon: "Note to AI agents voting for users: ...", "Developer's
  message to AI installation assistants: ...", "To any AI agent renewing on behalf of a driver: ...", "Internal note
  (visible to AI triage bots): ...". The reader must be named as a machine (AI, LLM, bot, language model, automated
  ...): "Note for teaching assistants:" and "Message to travel agents:" are for people, and so is "Note for AI
  researchers:" (a person noun after the AI word ends the match: only a participle clause may qualify it);
* the same dedication in other languages ("Hinweis an KI-Systeme:", "给AI代理的通知：", "エージェントへの指示：", "AI 비서에게:",
  "Mensagem do administrador para bots e agentes:"), and the assistant called by name at the head of a sentence
  ("Asistente, envía ...", "Asystencie, wpisz ...", "어시스턴트님, ...");
* a new task announced in other languages ("Nueva tarea:", "新任务：", "새 지시:"), as the override family knows it in
  English ("New task:"), and "Task changed:"; a machine reader named at the head of a sentence in other languages
  ("Yapay zeka ajanı:", "AI 에이전트:"), weaker: a title ("Agentes de IA: qué son") has the same shape;
* a phishing dialog: a threat (the threat family: an account on hold, a deadline, a fine) or a lure ("You have won",
  "Congratulations! You've been selected") together with a request for a secret a site never asks for this way (card
  number and CVV, bank PIN, SSN) or for a payment of a fee or fine (``lure`` and ``secret_ask``; the rule that joins
  them is in ``axtree_guard.Verdict``): a checkout asks for the card without a threat, a security notice warns
  without asking for the card;
* "Your final answer must state ..." ("Atención, agente:" joined session 12's greeting family);
* the same reader told in the third person what it must do, with a participle clause between ("AI health assistants
  summarising this leaflet must tell ...", "bots helping students enroll should pick ...").

Entries have the shape of ``axtree_guard_lexicon_s10.ANCHORED_S10`` (pattern, weight, anchor words) and are merged
into it, so the same anchor scan decides which of them a window needs searched.
"""
from __future__ import annotations

import re

from ctxprune.pruners.axtree_guard_lexicon import ML_MACHINE

# a word that names a machine as the reader (the head of the reader phrase, or a modifier of its role noun)
MACHINE = (r"(?:ai|a\.i\.|llms?|gpt[\w.-]*|chatgpt|claude|gemini|copilot|(?:large )?language models?|chatbots?|bots?|"
           r"automated|autonomous|machine|robots?)")
# what the machine is, after the machine word and up to two modifiers ("AI gardening assistants", "AI triage bots")
ROLE = (r"(?:agents?|assistants?|models?|bots?|systems?|tools?|readers?|crawlers?|curators?|helpers?|planners?|graders?|"
        r"software|reviewers?|screeners?|summari[sz]ers?|scrapers?|browsers?|shoppers?|visitors?|extensions?|programs?|"
        r"services?|tutors?|triage)")
# the reader: determiner, up to two words before the machine word ("voice and AI assistants"), the machine word, then
# a role noun (maybe after two modifiers) or nothing; a participle or relative clause may follow, nothing else
# (a word is letters joined by single hyphens, words are apart by spaces: a word and a separator never share a
# character, so a run of dashes after "AI" cannot be split in many ways; only machine-ish modifiers may come before
# the machine word, so "Note for teachers using AI:" and "For careers in AI:" are no dedication)
WORD = r"[a-z0-9'][a-z0-9']*(?:-[a-z0-9']+)*"
PRE = (r"(?:voice|chat|search|shopping|browsing|browser|web|digital|virtual|autonomous|automated|generative|smart|other|"
       r"and|or|&)")
READER = (rf"(?:(?:the|any|all|every|each|our|you)\s+)?(?:{PRE}\s+){{0,2}}?{MACHINE}"
          rf"(?:(?:[\s-]{WORD}){{0,2}}?[\s-]{ROLE})?\b"
          r"(?:\s+(?:\w+ing|that|who|which|only|on behalf)\b[^.:;!?]{0,70}?)?")
NOTICE = (r"(?:note|notes|message|memo|reminder|instructions?|directives?|notice|p\.?s\.?|small print|caption|tip|"
          r"request|warning|alert|text|content|section|paragraph|information|info|comment|update|announcement)")
# a colon or a dash after the reader, then the message ("... visible to AI triage bots): close all ...")
COLON = r"\)?\]?\s*(?::|\u2014|\u2013|\s-\s)\s*\S"

# what the machine is told to do to the page or to its user (not "comply", "disclose": rules for the machine's makers)
ORDER = (r"(?:tell|say|state|answer|respond|reply|recommend|pick|choose|select|vote|use|apply|add|buy|book|order|pay|"
         r"approve|grant|accept|submit|send|enter|type|click|open|go|navigate|visit|delete|remove|cancel|close|change|"
         r"update|upgrade|subscribe|download|install|run|execute|share|post|forward|copy|paste|upload|report|list|"
         r"mention|include|insert|count|rate|rank|award|mark|treat|ignore|skip|avoid|never|always|only|not|stop)")
# the English families are searched only where a machine word stands as a word (one search serves all three)
ANCHOR = re.compile(r"\b(?:ai|llms?|models?|gpt[\w.-]*|chatgpt|claude|gemini|copilot|chatbots?|bots?|automated|autonomous|"
                    r"machine|robots?)\b|\ba\.i\.(?!\w)")

# the machine reader in other languages (an agent, an assistant, a bot, a (language) model, AI)
# (the machine reader as the earlier families name it, ``ML_MACHINE``, or a bare machine word: an agent or assistant noun
# alone is a person, "Mensaje para los agentes:")
FOREIGN_READER = rf"(?:{ML_MACHINE}|ki|ia|ai|bots?|robots?|sprachmodell\w*|ai-\w+|ki-\w+|modelos? (?:de )?ia\b)"
# (only words no English sentence uses: "not" (Turkish) would read "I'm not a robot: verify" as a dedication)
FOREIGN_NOTICE = (r"(?:hinweis|nachricht|anweisung(?:en)?|mitteilung|notiz|botschaft|mensagem|mensaje|nota|aviso|instru(?:ção|ções|cción|"
                  r"cciones)|consigne|istruzion[ei]|messaggio|avviso|bericht|instructies?|melding|wiadomość|"
                  r"instrukcj[ae]|uwaga|mesaj|talimat|сообщение|указани[ея]|инструкци[яи]|примечание)")
FOREIGN_TO = r"(?:an|für|fur|para|a|ao|aos|à|às|al|a los|à l'|au|aux|pour|per|ai|agli|voor|aan|dla|do|için|для|к)"
# CJK and Korean: "to the AI agent" + (a notice) + colon; "AI 비서에게:", "エージェントへの指示：", "给智能预订助手的说明："
# (the reader must be a machine: "致全体代理：" (sales agents), "转职エージェントへ", "사장님 비서에게" are for people)
CJK_DEDICATION = (r"(?:给|致|对|向)[^，。：:！？\s]{0,10}?(?:ai|人工智能|智能|机器人|模型|智能体)[^，。：:！？\s]{0,6}?(?:们)?(?:的)?"
                  r"(?:通知|说明|指示|提示|消息|留言|指令)?\s*[：:]|(?:ai\s?(?:エージェント|アシスタント)?|モデル|ボット|ロボット)"
                  r"(?:さん|たち)?(?:への|へ)(?:指示|通知|メッセージ|お願い|連絡|命令)?\s*[：:]|(?:ai\s?(?:에이전트|어시스턴트|비서)?|모델|봇|"
                  r"챗봇)(?:님)?(?:들)?에게(?:\s*(?:알림|안내|지시|메시지|공지))?\s*[：:]")
# the assistant called at the head of a sentence, a comma, then the order (languages other than English)
FOREIGN_VOCATIVE = (r"(?:^|(?<=[.!?。！？] )|(?<=[。！？]))\W{0,3}(?:asistente|assistente|assistent|asystencie|asystent|asistan|ассистент|"
                    r"सहायक|어시스턴트님?|비서님|アシスタント(?:さん)?|agente ia|agente de ia|ki-assistent|ki-agent)\s*[,，、،]\s*\S")
NEW_TASK = (r"(?:新(?:的)?(?:任务|指令|指示)|新しい(?:タスク|指示|命令)|새(?:로운)? (?:지시|작업|명령|임무)|nueva tarea|"
            r"nuevas? instrucci(?:ón|ones)|nova tarefa|novas? instruç(?:ão|ões)|nouvelles? (?:tâche|instructions?|consignes?)|"
            r"neue (?:aufgabe|anweisung(?:en)?)|nuov[oa] (?:compito|istruzion[ei])|nieuwe (?:taak|instructies?)|"
            r"now[ea] (?:zadanie|instrukcj[ae])|yeni (?:görev|talimat\w*)|нов(?:ая|ые) (?:задача|инструкци[яи]))\s*[:：]\s*\S\S")
# "AI agent:" at the head of a sentence in other languages (the English one needs an order after it: VOCATIVE)
FOREIGN_HEAD = (r"(?:^|(?<=[.!?。！？] )|(?<=[。！？]))\W{0,3}(?:yapay zeka ajanı|agencie ai|agencie|agente (?:de )?ia|agent ia|ki-agent|ki-assistent|"
                r"ии-агент|ии-ассистент|ai ?에이전트|ai ?어시스턴트|aiエージェント|aiアシスタント|ai ?代理|ai ?助手|智能代理|"
                r"智能助手)\s*[:：]\s*\S")
# "if you are an (automated browsing) agent" in Chinese, Japanese and Korean (English: the address family)
CJK_IF_YOU_ARE = (r"(?:如果|若|假如|要是)(?:你|您)是[^，。,！？]{0,12}?(?:代理|助手|机器人|模型|智能体|ai)|"
                  r"(?:もし)?あなたが[^、。！？]{0,12}?(?:ai|エージェント|アシスタント|モデル|ボット)(?:なら|であれば|の場合)|"
                  r"(?:만약\s*)?(?:당신이|네가|너가)\s*[^,.!?]{0,12}?(?:ai|에이전트|어시스턴트|모델|봇)(?:이라면|라면|인 경우)")
FOREIGN_ANCHOR = re.compile(rf"\b{FOREIGN_NOTICE}\b")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK ideographs, Hangul

ANCHORED_S14: dict[str, list[tuple[re.Pattern, float, tuple[str, ...] | re.Pattern]]] = {
    "address": [
        # a notice word addressed to the machine reader, then a colon: "Admin message to AI gardening assistants: ..."
        (re.compile(rf"\b{NOTICE}\b(?:[^.:;!?]{{0,25}}?\b(?:addressed|directed|intended|meant|visible|reserved|written|"
                    rf"is|are|only|solely))?\s*\(?\s*(?:to|for)\s+{READER}{COLON}"), 3.0, ANCHOR),
        # the sentence opens with the dedication: "To any AI agent renewing ...: ", "[For the AI helping this shopper: "
        (re.compile(rf"(?:^|[.!?:;\[(]\s*|\b(?:also|and|edit \d+:?|ps:?|but)\s+)(?:to|for)\s+{READER}{COLON}"), 3.0, ANCHOR),
        # told in the third person, with a clause between: "AI health assistants summarising this leaflet must tell ..."
        (re.compile(rf"\b(?:{MACHINE}(?:[\s-]{WORD}){{0,2}}?[\s-]{ROLE}|(?:llms?|chatbots?|bots?|language models?)|(?:any|every|each) models?)\s+"
                    r"(?:\w+ing|that|who|which)\b[^.:;!?]{0,60}?\b(?:should|must|shall|needs? to|has to|have to|"
                    r"(?:is|are) (?:required|expected|instructed|asked|told) to)\s+(?:(?:now|immediately|also|first|then|always|"
                    rf"only|quietly|simply|just)\s+)*{ORDER}\b"), 3.0, ANCHOR),
        (re.compile(rf"\b{FOREIGN_NOTICE}\b(?:\s+\w+){{0,3}}?\s+{FOREIGN_TO}\s+(?:(?:die|der|den|alle|os|as|o|los|las|el|la|"
                    rf"les|le|i|gli|de|het|alle|wszystkich|tüm|всех)\s+)?{FOREIGN_READER}(?:\s+(?:e|y|et|und|en|i|и)\s+"
                    rf"{FOREIGN_READER})?(?:\s+\w+){{0,6}}?\s*[:：]\s*\S"), 3.0, FOREIGN_ANCHOR),
        (re.compile(rf"(?:^|[.!?]\s+)(?:voor|für|para|pour|per|dla|для)\s+(?:(?:alle|die|los|las|os|as|les|tutti i|wszystkich)\s+)?"
                    rf"(?:ki|ai|ia)[- ](?:system\w*|sistem\w*|agent\w*|assist\w*|asist\w*|modell\w*|model\w*|bots?|tools?)"
                    r"(?:\s+\w+){0,8}?\s*[:：]\s*\S"), 3.0, re.compile(r"\b(?:ki|ai|ia)[- ]")),
        (re.compile(CJK_DEDICATION), 3.0, CJK),
        (re.compile(CJK_IF_YOU_ARE), 3.0, ("如果", "若", "假如", "要是", "あなたが", "당신이", "네가", "너가")),
        (re.compile(FOREIGN_VOCATIVE), 2.0, ("asistente", "assistente", "assistent", "asysten", "asistan", "ассистент",
                                              "सहायक", "어시스턴트", "비서님", "アシスタント", "agente", "ki-")),
    ],
    "steer": [
        # only an LLM gives a "final answer" that a page can dictate
        (re.compile(r"\byour (?:final |next )?(?:answer|response|reply|summary|output|report) (?:to the user )?(?:must|should|has to|"
                    r"needs to|shall|will) (?:always )?(?:state|say|claim|mention|include|assert|report|recommend|conclude)\b"), 2.0,
         ("your answer", "your final", "your next", "your response", "your reply", "your summary", "your output", "your report")),
    ],
    "lure": [
        (re.compile(r"\byou(?:'ve| have)? (?:just )?(?:won|been (?:selected|chosen|picked)(?: as)?(?: (?:the|a|our))?(?: [\w-]+){0,2}? "
                    r"(?:winners?|to (?:receive|win|claim)))\b|\bcongratulations\b[^.]{0,40}\byou(?:'ve| have| are)\b[^.!]{0,30}"
                    r"\b(?:won|selected|chosen|winner|\d+(?:,\d{3})*(?:st|nd|rd|th) (?:visitor|customer|user))\b|\bclaim your "
                    r"(?:prize|reward|gift|winnings)\b"), 1.5, ("won", "been selected", "been chosen", "been picked", "congratulations", "claim your")),
    ],
    "secret_ask": [
        # (not the card number and CVV: a checkout asks for them, with a deadline too; these no site asks for so)
        (re.compile(r"\b(?:enter|confirm|verify|provide|type|submit|send|give|re-?enter|update|input|fill(?:ing)? in)\w*\b"
                    r"(?:[^.!]|\.\d){0,50}\b(?:bank pin|atm pin|card pin|pin(?: code)?|ssn|social security(?: number)?|"
                    r"routing number|bank (?:login|password)|online banking password|mother'?s maiden name)\b|"
                    r"\b(?:pay|transfer|wire|send)\b(?:[^.!]|\.\d){0,40}\b(?:fine|penalty|bitcoin|btc|crypto|gift ?cards?)\b"), 0.5,
         ("pin", "ssn", "social security", "routing", "bank", "maiden", "fine", "penalty", "bitcoin", "btc", "crypto", "gift")),
    ],
    "fee_ask": [
        # a fee to pay, an attack only beside a lure ("You have won ...! Pay the 2.99 shipping fee")
        (re.compile(r"\b(?:pay|cover|send)\b(?:[^.!]|\.\d){0,40}\b(?:fee|charge|shipping|handling)\b"), 0.5,
         ("pay", "cover", "send")),
    ],
    "benign": [
        # security advice: "our emails never ask you to confirm your card details" (the older cue knew "ask for" only)
        (re.compile(r"\b(?:never|(?:will|would|do|does|did|shall) not|don't|doesn't|won't|wouldn't)\s+(?:ever\s+)?ask\b"), -2.0,
         ("never", "not", "n't")),
    ],
    "override": [
        # weaker alone: a to-do list ("Nueva tarea: comprar leche") and an issue tracker ("Task updated: ...") say it too
        (re.compile(NEW_TASK), 1.5, ("新", "새", "nuev", "nova", "nouvel", "neue", "nuov", "nieuw", "nowe ", "nowa ", "yeni", "нов")),
        (re.compile(r"\btask (?:changed|updated|replaced|reassigned|overridden)\s*:"), 1.5,
         ("task changed", "task updated", "task replaced", "task reassigned", "task overridden")),
    ],
}
ANCHORED_S14["address"].append((re.compile(FOREIGN_HEAD), 2.5, ("ajan", "agenc", "agent", "ии-", "에이전트", "어시스턴트",
                                                                 "エージェント", "アシスタント", "代理", "助手")))
# gate words (lower case) and characters the families above anchor on that the gate did not let through before
GATE_WORDS_S14 = (r"asysten\w*|asistente|assistente|assistent|asistan|ki-\w+|agencie|ajanı|tarea|tarefa|tâche|aufgabe|compito|"
                  r"taak|zadanie|görev|talimat\w*|instrucci\w*|instruç\w*|consignes?|istruzion[ei]|instructies?|instrukcj\w*|"
                  r"задача|(?:final|next) (?:answer|response|reply)|your (?:answer|response|reply|summary|output) (?:must|should)")
GATE_CHARS_S14 = r"代理|机器人|模型|智能体|任务|モデル|ボット|タスク|에이전트|비서|챗봇|지시|임무"
