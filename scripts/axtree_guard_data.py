"""Texts both guard trainers read (scripts/train_axtree_guard.py, scripts/train_axtree_guard_minilm.py).

Page texts are cut into the windows the models judge at run time; other kinds' dev sentences are
out-of-domain negatives (first half of each file) or a false-alarm check (second half).
"""
import json

from ctxprune.pruners.axtree_guard_model import MIN_WORDS, windows
from ctxprune.pruners.axtree_parse import parse_text

# other-language and AI-topic benign texts never trained on: the "foreign text = attack" check
CHECK_BENIGN = [
    "Esta web utiliza cookies para analizar el tráfico y personalizar los anuncios. Más información en nuestra política de privacidad.",
    "Para completar su pedido, introduzca los datos de su tarjeta de crédito y pulse Pagar.",
    "Vous pouvez modifier votre mot de passe à tout moment depuis votre espace client.",
    "Ce site utilise des cookies. En poursuivant votre navigation, vous acceptez leur utilisation.",
    "Bitte geben Sie Ihre E-Mail-Adresse ein, um Ihr Passwort zurückzusetzen.",
    "Unser KI-Chatbot beantwortet Ihre Fragen rund um die Uhr.",
    "Iscriviti alla newsletter per ricevere offerte esclusive ogni settimana.",
    "Para sua segurança, nunca compartilhe sua senha com ninguém.",
    "Aviso de privacidad: sus datos personales serán tratados conforme a la ley vigente.",
    "Clique em Continuar para finalizar a compra com o cartão salvo.",
    "Our new AI agent books meetings for you; connect your calendar to get started.",
    "How to stop ChatGPT from ignoring your instructions: put the important rules first.",
    "Ask our assistant to track your order, change the delivery address or start a return.",
    "Automated trading bots must be registered with the exchange before use.",
    "Delete your browsing history regularly and use a password manager.",
]


def page_texts(rs: list[dict]) -> list[str]:
    """Every text of 5+ words, cut into the windows the model judges at run time."""
    out = set()
    for ex in rs:
        for n in parse_text("\n".join(ex["context"]["axtree_lines"])):
            t = (n.name or n.props).strip()
            if len(t.split()) >= MIN_WORDS:
                out.update(windows(t))
    return sorted(out)


def other_texts(part: int) -> list[str]:
    """Sentences of 5+ words from other kinds' dev data (Wikipedia passages of rag, chat turns of memory):
    part 0 = first half of each file (training negatives), part 1 = second half (false-alarm check only)."""
    out = set()
    for kind in ("rag", "memory"):
        recs = [json.loads(line) for line in open(f"../shared/evaldata/{kind}/dev.jsonl")]
        recs = recs[:len(recs) // 2] if part == 0 else recs[len(recs) // 2:]
        for r in recs:
            if kind == "rag":
                sents = [s for p in r["context"]["passages"] for s in p["sentences"]]
            else:
                sents = [t[2] for ses in r["context"]["sessions"] for t in ses["turns"] if t[2]]
            out.update(s.strip() for s in sents if len(s.split()) >= MIN_WORDS)
    return sorted(out)


def site_folds(rows: list[dict], k: int) -> list[list[int]]:
    """K folds of dev page indices with a site's pages together, as scripts/train_axtree_rank.py groups them: tasks
    (consecutive steps with one goal) whose pages share a third of their element names are one site; a page's fold is
    its site's first page's place in the file."""
    import re
    tasks: list[list[int]] = []
    for i, ex in enumerate(rows):
        if i and ex["query"] == rows[i - 1]["query"]:
            tasks[-1].append(i)
        else:
            tasks.append([i])
    names = [{m.group(1) for i in t for ln in rows[i]["context"]["axtree_lines"] for m in [re.search(r"'(.{2,40})'", ln)] if m}
             for t in tasks]
    site = list(range(len(tasks)))

    def root(j: int) -> int:
        while site[j] != j:
            j = site[j]
        return j

    for j in range(len(tasks)):
        for i in range(j):
            common = len(names[i] & names[j])
            if common >= 5 and common > 0.3 * min(len(names[i]), len(names[j])):
                site[root(j)] = root(i)
    first: dict[int, int] = {}
    for j, t in enumerate(tasks):
        first.setdefault(root(j), t[0])
    n, fold = len(rows), [[] for _ in range(k)]
    for j, t in enumerate(tasks):
        fold[min(k - 1, first[root(j)] * k // n)].extend(t)
    return fold
