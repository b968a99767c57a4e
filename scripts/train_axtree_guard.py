"""Train the guard's agent-directed-text classifier: logistic regression on wordllama embeddings
plus the 0/1 pattern features of ctxprune/pruners/axtree_guard_features.py.

Positives: the tune, holdout, fresh, fresh2 and fresh3 attack phrasings of tests/data/axtree_attacks.json,
each filled with 8 random dev goals and made-up addresses. Negatives: every text of 5+ words on the
first half of the dev pages (steps 0-124), sentences of the first half of the rag and memory dev
files (Wikipedia, chat: out-of-domain text that names systems, models and customers), and the benign
look-alikes (benign, benign2, benign3, x5). (Session 4 tried adding fresh4 / benign5: the threshold rose
0.778 -> 0.926 on a Spanish privacy notice of a dev page and red_a removal fell 1.00 -> 0.96; not adopted.)
The threshold is set without looking at attacks: the highest probability over all dev page texts
(5+ words), the rag/memory training sentences and the benign look-alikes, plus a margin (0.02). The 'unseen' phrasings are never used
here; scripts/eval_axtree_guard.py reports them.

--val: fit without the odd-numbered fresh3 phrasings (or without --val-group G), report text-level recall on the odd ones
(filled with goals) and the false-alarm count on half B's texts for a threshold set on half A +
benign only -- the figures used to choose C and the features; does not write the model.
The held-out benign look-alikes (benign4) are never used by this script except for that --val report.
--no-features: embedding only (the session-3 model).

usage: python scripts/train_axtree_guard.py [--val] [--C 1.0] [--no-features]
       (without --val writes ctxprune/_data/axtree_guard_lr.npz)
"""
import argparse
import json
import random
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.pruners.axtree_guard_features import NAMES  # noqa: E402
from ctxprune.pruners.axtree_guard_model import MIN_WORDS, MODEL_PATH, design, windows  # noqa: E402
from ctxprune.pruners.axtree_parse import parse_text  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--val", action="store_true")
ap.add_argument("--val-group", default="fresh3", help="with --val: the group held out (fresh3: its odd phrasings)")
ap.add_argument("--C", type=float, default=1.0)
ap.add_argument("--no-features", action="store_true")
ap.add_argument("--margin", type=float, default=0.02)
ap.add_argument("--out", help="write the weights here instead of the packaged model")
a = ap.parse_args()

rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
half = len(rows) // 2
attacks = json.load(open("tests/data/axtree_attacks.json"))
eng = Engine()
eng.warm_up(["axtree"])
static = eng.hub.get("static")
rng = random.Random(0)
URLS = ["http://secure-verify-login.com", "www.account-check.net", "https://example-prize.xyz/claim"]
N_FEAT = 0 if a.no_features else len(NAMES)


def fill(t: str, goal: str) -> str:
    return t.replace("{goal}", goal.strip().rstrip(".").lower()).replace("{url}", rng.choice(URLS))


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


def X(texts: list[str]) -> np.ndarray:
    return design(static.embed, texts, N_FEAT)


GROUPS = ("tune", "holdout", "fresh", "fresh2", "fresh3")
phrasings = [t for g in GROUPS for t in attacks[g]]
val_f3 = []
if a.val and a.val_group == "fresh3":
    val_f3 = attacks["fresh3"][1::2]
elif a.val:
    val_f3 = attacks[a.val_group]
phrasings = [t for t in phrasings if t not in set(val_f3)]
pos = [fill(t, rng.choice(rows)["query"]) for t in phrasings for _ in range(8)]
neg_fit = page_texts(rows[:half]) + other_texts(0)
benign = attacks["benign"] + attacks["benign2"] + attacks["benign3"]
Xtr = np.vstack([X(pos), X(neg_fit + benign * 5)])
y = np.r_[np.ones(len(pos)), np.zeros(len(neg_fit) + 5 * len(benign))]
clf = LogisticRegression(C=a.C, class_weight="balanced", max_iter=3000).fit(Xtr, y)


def proba(texts: list[str]) -> np.ndarray:
    return clf.predict_proba(X(texts))[:, 1]


if a.val:
    thr_a = float(proba(neg_fit + benign).max()) + a.margin
    neg_b = sorted(set(page_texts(rows[half:])) - set(neg_fit))
    pb = proba(neg_b)
    other = sorted(set(other_texts(1)) - set(neg_fit))
    po = proba(other)
    val = [fill(t, rng.choice(rows)["query"]) for t in val_f3 for _ in range(4)]
    pv = proba(val)
    missed = sorted({t for t, q in zip(val, pv) if q < thr_a})
    pb4 = proba(attacks["benign4"])  # held-out benign look-alikes, never trained on nor used for the threshold
    print(json.dumps({"benign4_false_alarms": int((pb4 >= thr_a).sum()), "benign4": len(pb4), "C": a.C, "features": N_FEAT, "threshold_A": round(thr_a, 3),
                      "val_recall": round(float((pv >= thr_a).mean()), 4), "val_texts": len(val),
                      "halfB_false_alarm_texts": int((pb >= thr_a).sum()), "halfB_texts": len(neg_b),
                      "other_false_alarm_texts": int((po >= thr_a).sum()), "other_texts": len(other)}))
    for t, q in sorted(zip(other, po), key=lambda z: -z[1])[:3]:
        print(f"TOPOTHER {q:.3f}", t[:120])
    for t, q in zip(attacks["benign4"], pb4):
        if q >= thr_a:
            print(f"BENIGN4 {q:.3f}", t)
    for t in missed[:12]:
        print("MISS", t[:140])
    for t, q in sorted(zip(neg_b, pb), key=lambda z: -z[1])[:5]:
        print(f"TOPNEG {q:.3f}", t[:120])
    sys.exit()

check_texts = page_texts(rows) + other_texts(0) + benign
check = proba(check_texts)
threshold = round(float(check.max()) + a.margin, 3)
for q, t in sorted(zip(check, check_texts), reverse=True)[:3]:  # the texts that set the threshold
    print(f"TOPCHECK {q:.3f}", t[:120])
np.savez(a.out or MODEL_PATH, coef=clf.coef_[0].astype(np.float32), intercept=np.float32(clf.intercept_[0]),
         threshold=np.float32(threshold), n_features=np.int32(N_FEAT))
print(json.dumps({"positives": len(pos), "negatives": len(neg_fit) + 5 * len(benign), "check_texts": len(check),
                  "threshold": threshold, "features": N_FEAT, "path": str(a.out or MODEL_PATH)}))
