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

Session 4 / guard6: --synth N adds N slot-template attacks and N look-alikes (scripts/axtree_guard_synth.py; training
only, never in the threshold), --more adds fresh4 / fresh4_ml / red_a and benign5 / red_benign, --add-head stacks the
session-4 head with the new one (shipped: --more --synth 8000 --add-head ctxprune/_data/axtree_guard_session4_lr.npz),
--logo reports leave-one-group-out recall of the model alone, --mlp W tries a one-layer MLP (not adopted: see docs).

usage: python scripts/train_axtree_guard.py [--val] [--C 1.0] [--no-features]
       (without --val writes ctxprune/_data/axtree_guard_lr.npz)
"""
import argparse
import json
import random
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

import axtree_guard_synth
from axtree_guard_data import CHECK_BENIGN, other_texts, page_texts

sys.path.insert(0, ".")
sys.path.insert(0, "scripts")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.pruners.axtree_guard_features import NAMES  # noqa: E402
from ctxprune.pruners.axtree_guard_model import MODEL_PATH, design, merge_heads  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--val", action="store_true")
ap.add_argument("--val-group", default="fresh3", help="with --val: the group held out (fresh3: its odd phrasings)")
ap.add_argument("--C", type=float, default=1.0)
ap.add_argument("--no-features", action="store_true")
ap.add_argument("--margin", type=float, default=0.02)
ap.add_argument("--out", help="write the weights here instead of the packaged model")
ap.add_argument("--synth", type=int, default=0, help="also train on N slot-template attacks (scripts/axtree_guard_synth.py) "
                "and their benign look-alikes")
ap.add_argument("--real-neg-weight", type=float, default=1.0, help="sample weight of the page / rag / memory / benign negatives")
ap.add_argument("--synth-weight", type=float, default=1.0, help="sample weight of each synthetic text")
ap.add_argument("--more", action="store_true", help="also train on fresh4 / fresh4_ml / red_a (and benign5 / red_benign)")
ap.add_argument("--show", type=int, default=0, help="with --logo: print up to N misses per group")
ap.add_argument("--mlp", type=int, default=0, help="a one-hidden-layer MLP of this width instead of the logistic regression")
ap.add_argument("--alpha", type=float, default=1e-3, help="with --mlp: L2 penalty")
ap.add_argument("--add-head", help="after writing, stack this weight file's head(s) with the new one (a text is flagged "
                "when any head flags it; each head keeps its own attack-free threshold)")
ap.add_argument("--logo", action="store_true", help="leave-one-group-out report over the human-written groups; writes nothing")
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




_rows: dict[str, np.ndarray] = {}


def X(texts: list[str]) -> np.ndarray:
    new = [t for t in dict.fromkeys(texts) if t not in _rows]
    if new:
        _rows.update(zip(new, design(static.embed, new, N_FEAT)))
    return np.vstack([_rows[t] for t in texts])


attacks.update(json.load(open("tests/data/axtree_attacks_redteam.json")))
MORE = ("fresh4", "fresh4_ml", "red_a") if a.more or a.logo else ()
GROUPS = ("tune", "holdout", "fresh", "fresh2", "fresh3") + MORE
benign = [t for g in ("benign", "benign2", "benign3") + (("benign5", "red_benign") if MORE else ()) for t in attacks[g]]
syn_pos, syn_neg = axtree_guard_synth.generate(a.synth, a.synth, seed=7) if a.synth else ([], [])
syn_pos = [fill(t, rng.choice(rows)["query"]) for t in syn_pos]
syn_neg = [fill(t, rng.choice(rows)["query"]) for t in syn_neg]


def fit(skip: set[str]):
    pos = [fill(t, rng.choice(rows)["query"]) for t in phrasings if t not in skip for _ in range(8)]
    neg = neg_fit + benign * 5 + syn_neg
    xs = pos + syn_pos + neg
    y = np.r_[np.ones(len(pos) + len(syn_pos)), np.zeros(len(neg))]
    w = np.r_[np.ones(len(pos)), np.full(len(syn_pos), a.synth_weight), np.full(len(neg_fit) + 5 * len(benign), a.real_neg_weight),
              np.full(len(syn_neg), a.synth_weight)]
    w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()  # balanced classes
    if a.mlp:
        return StandardMLP(a.mlp, a.alpha).fit(X(xs), y, w)
    return LogisticRegression(C=a.C, max_iter=3000).fit(X(xs), y, sample_weight=w)


class StandardMLP:
    """Standardised inputs -> ReLU layer -> logistic output (sklearn to fit; numpy weights for the run time)."""

    def __init__(self, width: int, alpha: float):
        self.net = MLPClassifier(hidden_layer_sizes=(width,), alpha=alpha, max_iter=200, random_state=0)

    def fit(self, x, y, w):
        self.mu, self.sd = x.mean(0), x.std(0) + 1e-6
        self.net.fit((x - self.mu) / self.sd, y, sample_weight=w)
        return self

    def predict_proba(self, x):
        return self.net.predict_proba((x - self.mu) / self.sd)

    def arrays(self) -> dict:
        (w1, w2), (b1, b2) = self.net.coefs_, self.net.intercepts_
        return {"mu": self.mu, "sd": self.sd, "w1": w1, "b1": b1, "w2": w2[:, 0], "b2": b2[0]}


phrasings = [t for g in GROUPS for t in attacks[g]]
neg_fit = page_texts(rows[:half]) + other_texts(0)
if a.logo:
    from ctxprune.pruners.axtree_guard import judge
    neg_b = sorted(set(page_texts(rows[half:])) - set(neg_fit))
    other = sorted(set(other_texts(1)) - set(neg_fit))
    fa_b, fa_o = (neg_b[1::2], other[1::2]) if a.mlp else (neg_b, other)
    out = {}
    for g in ("tune", "holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh4_ml", "red_a"):
        clf = fit(set(attacks[g]))
        pr = lambda ts: clf.predict_proba(X(ts))[:, 1]  # noqa: E731
        # flexible models fit their training negatives: the threshold comes from texts not fitted (half of half B and
        # of the other-kind second halves); the false alarms are counted on the other halves
        tn = neg_b[::2] + other[::2] + benign if a.mlp else neg_fit + benign  # synthetic look-alikes: training only
        ptn = pr(tn)
        thr = float(ptn.max()) + a.margin
        if a.show:
            for i in np.argsort(-ptn)[:3]:
                print(f"   SETS THRESHOLD {ptn[i]:.3f}", tn[i][:130])
        val = [fill(t, rng.choice(rows)["query"]) for t in attacks[g] for _ in range(4)]
        pv = pr(val) >= thr
        rules = np.array([bool((v := judge(t)) and v.attack) for t in val])
        out[g] = {"thr": round(thr, 3), "model": round(float(pv.mean()), 3), "rules": round(float(rules.mean()), 3),
                  "either": round(float((pv | rules).mean()), 3), "fa_halfB": int((pr(fa_b) >= thr).sum()),
                  "fa_other": int((pr(fa_o) >= thr).sum()), "fa_benign4": int((pr(attacks["benign4"]) >= thr).sum()),
                  "fa_check": int((pr(CHECK_BENIGN) >= thr).sum())}
        print(g, json.dumps(out[g]), flush=True)
        for t in sorted({t for t, q in zip(val, pv) if not q})[:a.show]:
            print("   MODEL MISS", t[:130])
        if a.show:
            for t, q in zip(CHECK_BENIGN + neg_b, pr(CHECK_BENIGN + neg_b)):
                if q >= thr:
                    print(f"   FALSE ALARM {q:.3f}", t[:130])
    keys = ("model", "either")
    print("MEAN", {k: round(float(np.mean([o[k] for o in out.values()])), 3) for k in keys},
          "FA", {k: sum(o[k] for o in out.values()) for k in ("fa_halfB", "fa_other", "fa_benign4", "fa_check")},
          f"(halfB {len(fa_b)}, other {len(fa_o)}, benign4 {len(attacks['benign4'])}, check {len(CHECK_BENIGN)} per fold)")
    sys.exit()
val_f3 = []
if a.val and a.val_group == "fresh3":
    val_f3 = attacks["fresh3"][1::2]
elif a.val:
    val_f3 = attacks[a.val_group]
clf = fit(set(val_f3))


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
if a.add_head:
    threshold = merge_heads([a.add_head, a.out or MODEL_PATH], a.out or MODEL_PATH)
print(json.dumps({"positives": 8 * len(phrasings), "negatives": len(neg_fit) + 5 * len(benign) + len(syn_neg), "synthetic_positives": len(syn_pos), "check_texts": len(check),
                  "threshold": threshold, "features": N_FEAT, "path": str(a.out or MODEL_PATH)}))
