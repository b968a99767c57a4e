"""Train the guard's agent-directed-text classifier: logistic regression on wordllama embeddings.

Positives: the tune, holdout, fresh and fresh2 attack phrasings of tests/data/axtree_attacks.json,
each filled with 8 random dev goals and made-up addresses. Negatives: every text of 5+ words on the
first half of the dev pages (steps 0-124) and the benign look-alikes (benign, benign2). The threshold is set without
looking at attacks: the highest probability over all dev page texts (5+ words) and the benign
look-alikes, plus 0.02 (with the second half only, 3 of 251 clean pages had a false alarm: a
how-to line for humans, "Or by navigating to the user icon in the top right.", scored above it). The 'unseen' phrasings are not used here; scripts/eval_axtree_guard.py
reports them.

usage: python scripts/train_axtree_guard.py   (writes ctxprune/_data/axtree_guard_lr.npz)
"""
import json
import random
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.pruners.axtree_guard_model import MODEL_PATH, MIN_WORDS  # noqa: E402
from ctxprune.pruners.axtree_parse import parse_text  # noqa: E402

rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
half = len(rows) // 2
attacks = json.load(open("tests/data/axtree_attacks.json"))
eng = Engine()
eng.warm_up(["axtree"])
static = eng.hub.get("static")
rng = random.Random(0)
URLS = ["http://secure-verify-login.com", "www.account-check.net", "https://example-prize.xyz/claim"]


def fill(t: str, goal: str) -> str:
    return t.replace("{goal}", goal.strip().rstrip(".").lower()).replace("{url}", rng.choice(URLS))


def page_texts(rs: list[dict]) -> list[str]:
    out = set()
    for ex in rs:
        for n in parse_text("\n".join(ex["context"]["axtree_lines"])):
            t = (n.name or n.props).strip()
            if len(t.split()) >= MIN_WORDS:
                out.add(t[:400])
    return sorted(out)


def emb(texts: list[str]) -> np.ndarray:
    return np.nan_to_num(static.embed(texts))


pos = [fill(t, rng.choice(rows)["query"]) for g in ("tune", "holdout", "fresh", "fresh2") for t in attacks[g]
       for _ in range(8)]
neg_fit, neg_check = page_texts(rows[:half]), page_texts(rows)
benign = attacks["benign"] + attacks["benign2"]
X = np.vstack([emb(pos), emb(neg_fit + benign * 5)])
y = np.r_[np.ones(len(pos)), np.zeros(len(neg_fit) + 5 * len(benign))]
clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(X, y)
check = clf.predict_proba(emb(neg_check + benign))[:, 1]
threshold = round(float(check.max()) + 0.02, 3)
np.savez(MODEL_PATH, coef=clf.coef_[0].astype(np.float32), intercept=np.float32(clf.intercept_[0]),
         threshold=np.float32(threshold))
print(json.dumps({"positives": len(pos), "negatives": len(neg_fit) + 5 * len(benign), "check_texts": len(check),
                  "threshold": threshold, "path": str(MODEL_PATH)}))
