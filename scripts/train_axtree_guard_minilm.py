"""Train the guard's MiniLM sentence head (session 7): logistic regression over all-MiniLM-L6-v2 embeddings
(the engine's dense embedder, same dtype as at run time) plus the 32 pattern features.

At run time (``axtree_guard_page.model_flags``) the head is the second stage of a cascade: only the K most suspicious
texts of a page that the rules and the wordllama heads did not flag, and whose wordllama probability reaches the
floor, are embedded and judged. K and the floor are stored in the weight file.

Positives: the human-written training groups (tune, holdout, fresh, fresh2, fresh3, fresh4, fresh4_ml, red_a), each
filled with 8 dev goals, plus N slot-template attacks (scripts/axtree_guard_synth.py). Negatives: the windows of the
texts of the first half of the dev pages, sentences of the first half of the rag / memory dev files, the human
look-alikes (benign, benign2, benign3, benign5, red_benign; x5) and N synthetic look-alikes. Never used: unseen,
red_b (heldback file), red_c / benign_c (guard6 file), benign4 (checks only).

Threshold, without attacks: the highest probability over all dev page texts (both halves), the rag/memory first
halves and the human look-alikes, plus --margin. Floor (wordllama probability a text needs to be sent): the
--floor-quantile of the wordllama probability over the clean dev page texts (default: the median).

--val G1,G2: fit without those groups, report the head's text-level recall on them (filled with 4 goals each) for a
threshold set on half A + rag/memory first halves + look-alikes, and false alarms on half B, rag/memory second
halves, benign4, benign_c and a few other-language checks; writes nothing.

Shipped (session 7; ~20 s with the embeddings cached in --cache, ~3 min without):
  python scripts/train_axtree_guard_minilm.py --no-scale --C 1 --menus 6000 --real-neg-weight 5 --no-features --min-words 8 --k 8
Choice of the recipe: --val fresh4,red_a (see docs/axtree.md, "Session 7").

usage: python scripts/train_axtree_guard_minilm.py [--synth 8000] [--C 1] [--k 16] [--val fresh4,red_a]
"""
import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, ".")
sys.path.insert(0, "scripts")
import axtree_guard_synth  # noqa: E402
from axtree_guard_data import CHECK_BENIGN, other_texts, page_texts  # noqa: E402
from ctxprune.api import Engine  # noqa: E402
from ctxprune.pruners.axtree_guard import judge  # noqa: E402
from ctxprune.pruners.axtree_guard_features import NAMES, features  # noqa: E402
from ctxprune.pruners.axtree_guard_model import DENSE_MAX_WORDS, DENSE_PATH, MIN_WORDS, AgentTextModel, windows  # noqa: E402
from ctxprune.pruners.axtree_parse import parse_text  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--synth", type=int, default=8000)
ap.add_argument("--C", type=float, default=1.0)
ap.add_argument("--no-features", action="store_true")
ap.add_argument("--no-scale", action="store_true", help="fit on raw inputs (default: standardised, folded into the weights)")
ap.add_argument("--margin", type=float, default=0.02)
ap.add_argument("--k", type=int, default=16, help="texts per page sent to the head")
ap.add_argument("--min-words", type=int, default=MIN_WORDS, help="shortest text sent to the head (headlines and labels "
                "below this are left to the cheap path)")
ap.add_argument("--floor-quantile", type=float, default=0.5)
ap.add_argument("--real-neg-weight", type=float, default=1.0, help="sample weight of the page / rag / memory / look-alike negatives")
ap.add_argument("--menus", type=int, default=0, help="also N made-up navigation menus (short names of half-A page lines "
                "joined up) as negatives")
ap.add_argument("--synth-weight", type=float, default=1.0)
ap.add_argument("--all-texts-threshold", action="store_true",
                help="threshold over every negative text, not only those the cascade would send (stricter)")
ap.add_argument("--val", help="comma-separated groups held out (report only)")
ap.add_argument("--show", type=int, default=0)
ap.add_argument("--cache", default="/tmp/axtree_guard_minilm_emb.npz", help="embeddings kept between runs")
ap.add_argument("--out")
a = ap.parse_args()

rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
half = len(rows) // 2
attacks = json.load(open("tests/data/axtree_attacks.json"))
attacks.update(json.load(open("tests/data/axtree_attacks_redteam.json")))
benign_c = json.load(open("tests/data/axtree_attacks_guard6.json"))["benign_c"]  # check only
eng = Engine()
eng.warm_up(["axtree"])
dense = eng.hub.get("dense")
cheap = AgentTextModel(lambda ts: eng.hub.get("static").embed(ts))
rng = random.Random(0)
URLS = ["http://secure-verify-login.com", "www.account-check.net", "https://example-prize.xyz/claim"]
GROUPS = ["tune", "holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh4_ml", "red_a"]
HUMAN_BENIGN = ["benign", "benign2", "benign3", "benign5", "red_benign"]


def fill(t: str, goal: str) -> str:
    return t.replace("{goal}", goal.strip().rstrip(".").lower()).replace("{url}", rng.choice(URLS))



def page_whole_texts(rs: list[dict]) -> list[str]:
    out = set()
    for ex in rs:
        for n in parse_text("\n".join(ex["context"]["axtree_lines"])):
            t = n.name or n.props
            if len(t.split()) >= MIN_WORDS:
                out.add(t)
    return sorted(out)



# ---------------------------------------------------------------- embeddings, cached on disk between runs
_emb: dict[str, np.ndarray] = {}
if Path(a.cache).exists():
    with np.load(a.cache, allow_pickle=False) as z:
        if str(z["model"]) == dense.model_id:
            _emb.update(zip(z["texts"].tolist(), z["x"]))
print(f"{len(_emb)} cached embeddings", flush=True)


def E(texts: list[str]) -> np.ndarray:
    new = [t for t in dict.fromkeys(texts) if t not in _emb]
    t0 = time.time()
    for s in range(0, len(new), 512):
        chunk = new[s:s + 512]
        _emb.update(zip(chunk, dense.embed(chunk)))
        print(f"  embedded {s + len(chunk)}/{len(new)} ({time.time() - t0:.0f} s)", flush=True)
    return np.vstack([_emb[t] for t in texts]) if texts else np.zeros((0, dense.embedder.dim), np.float32)


def save_cache() -> None:
    ts = list(_emb)
    np.savez(a.cache, texts=np.array(ts), x=np.vstack([_emb[t] for t in ts]), model=dense.model_id)


_feat: dict[str, np.ndarray] = {}


def X(texts: list[str]) -> np.ndarray:
    e = E(texts)
    if a.no_features:
        return e
    new = [t for t in dict.fromkeys(texts) if t not in _feat]
    if new:
        _feat.update(zip(new, features(new)))
    return np.hstack([e, np.vstack([_feat[t] for t in texts])])


benign = [t for g in HUMAN_BENIGN for t in attacks[g]]
syn_pos, syn_neg = axtree_guard_synth.generate(a.synth, a.synth, seed=7) if a.synth else ([], [])
syn_pos = [fill(t, rng.choice(rows)["query"]) for t in syn_pos]
syn_neg = [fill(t, rng.choice(rows)["query"]) for t in syn_neg]
neg_fit = page_texts(rows[:half]) + other_texts(0)


def menus(n: int) -> list[str]:
    """Made-up navigation bars / footers: 6-60 short line names of one half-A page, joined as a root repeats them."""
    out, r = [], random.Random(3)
    names = [[t for n_ in parse_text("\n".join(ex["context"]["axtree_lines"])) if 1 <= len((t := n_.name or n_.props).split()) <= 4]
             for ex in rows[:half]]
    names = [x for x in names if len(x) >= 6]
    for _ in range(n):
        pg = r.choice(names)
        a0 = r.randrange(len(pg))
        out.append(" ".join(pg[a0:a0 + r.randint(6, 60)]))
    return [m for m in out if len(m.split()) >= MIN_WORDS]


neg_fit += menus(a.menus)
held = set(a.val.split(",")) if a.val else set()
pos_h = [fill(t, rng.choice(rows)["query"]) for g in GROUPS if g not in held for t in attacks[g] for _ in range(8)]
pos_h = [w for t in pos_h for w in windows(t)]


class Head:
    def __init__(self, xs, y, w):
        x = X(xs)
        self.mu = np.zeros(x.shape[1]) if a.no_scale else x.mean(0)
        self.sd = np.ones(x.shape[1]) if a.no_scale else x.std(0) + 1e-6
        self.clf = LogisticRegression(C=a.C, max_iter=5000).fit((x - self.mu) / self.sd, y, sample_weight=w)
        # folded into raw-input weights for the numpy run time
        self.coef = (self.clf.coef_[0] / self.sd).astype(np.float32)
        self.intercept = float(self.clf.intercept_[0] - (self.clf.coef_[0] * self.mu / self.sd).sum())

    def proba(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return 1 / (1 + np.exp(-(X(texts) @ self.coef + self.intercept)))


def fit() -> Head:
    neg = neg_fit + benign * 5 + syn_neg
    xs = pos_h + syn_pos + neg
    y = np.r_[np.ones(len(pos_h) + len(syn_pos)), np.zeros(len(neg))]
    w = np.r_[np.ones(len(pos_h)), np.full(len(syn_pos), a.synth_weight),
              np.full(len(neg_fit) + 5 * len(benign), a.real_neg_weight), np.full(len(syn_neg), a.synth_weight)]
    w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()
    t0 = time.time()
    X(xs)
    save_cache()
    h = Head(xs, y, w)
    print(f"fit {len(xs)} texts in {time.time() - t0:.0f} s", flush=True)
    return h


def sent_by_cascade(rs: list[dict], loose: list[str], floor: float, k: int) -> list[str]:
    """The negative texts the run-time cascade would send to the head: per dev page, the k most suspicious distinct
    texts the rules and the cheap heads let pass whose cheap probability reaches the floor; of the loose sentences
    (rag / memory / look-alikes, each as if alone on a page), those above the floor that the cheap path lets pass."""
    out = set()
    thr = cheap.threshold
    for ex in rs:
        ts = sorted({n.name or n.props for n in parse_text("\n".join(ex["context"]["axtree_lines"]))
                     if len((n.name or n.props).split()) >= MIN_WORDS})
        if not ts:
            continue
        p = cheap.proba(ts)
        ok = [(q, t) for q, t in zip(p, ts) if floor <= q < thr and a.min_words <= len(t.split()) <= DENSE_MAX_WORDS and judge(t) is None]
        out.update(t for _, t in sorted(ok, key=lambda z: (-z[0], z[1]))[:k])
    if loose:
        p = cheap.proba(loose)
        out.update(t for q, t in zip(p, loose) if floor <= q < thr and a.min_words <= len(t.split()) <= DENSE_MAX_WORDS and judge(t) is None)
    return sorted(out)


head = fit()
other1 = sorted(set(other_texts(1)) - set(neg_fit))
clean_cheap = cheap.proba(page_whole_texts(rows))
if a.val:
    floor_v = float(np.quantile(clean_cheap, a.floor_quantile))
    tn = neg_fit + benign if a.all_texts_threshold else sent_by_cascade(rows[:half], other_texts(0) + benign, floor_v, a.k)
    print(f"threshold over {len(tn)} texts", flush=True)
    ptn = head.proba(tn)
    thr = float(ptn.max()) + a.margin
    for i in np.argsort(-ptn)[:a.show]:
        print(f"   SETS THRESHOLD {ptn[i]:.3f}", tn[i][:130])
    neg_b = sorted(set(page_texts(rows[half:])) - set(neg_fit))
    rep = {"threshold_A": round(thr, 3), "C": a.C, "features": not a.no_features, "scale": not a.no_scale}
    for g in sorted(held):
        val = [fill(t, rng.choice(rows)["query"]) for t in attacks[g] for _ in range(4)]
        pv = head.proba(val)
        pc = cheap.proba(val)
        rules = np.array([judge(t) is not None for t in val])
        missed_cheap = (pc < cheap.threshold) & ~rules
        rep[g] = {"head": round(float((pv >= thr).mean()), 3), "cheap+rules": round(float((~missed_cheap).mean()), 3),
                  "either": round(float(((pv >= thr) | ~missed_cheap).mean()), 3),
                  "cascade": round(float(((pv >= thr) & (pc >= floor_v) & np.array([len(t.split()) >= a.min_words for t in val])
                                          | ~missed_cheap).mean()), 3),
                  # of the texts the cheap path misses: share above the clean-page quantile q of the cheap probability
                  "cheap_missed_above_floor_q": {q: round(float((pc[missed_cheap] >= np.quantile(clean_cheap, q)).mean()), 3)
                                                 for q in (0.5, 0.8, 0.9, 0.95)} if missed_cheap.any() else None}
        for t, q in sorted(zip(val, pv), key=lambda z: z[1])[:a.show]:
            print(f"   {g} LOW {q:.3f}", t[:130])
    sent_b = sent_by_cascade(rows[half:], [], floor_v, a.k)
    loose = {name: sent_by_cascade([], ts, floor_v, a.k) for name, ts in (("other2", other1), ("benign4", attacks["benign4"]),
                                                                          ("benign_c", benign_c), ("check", CHECK_BENIGN))}
    for name, ts in [("halfB_sent", sent_b)] + [(f"{n}_sent", ts) for n, ts in loose.items()]:
        p = head.proba(ts)
        rep[f"fa_{name}"] = f"{int((p >= thr).sum())}/{len(ts)}"
        for t, q in sorted(zip(ts, p), key=lambda z: -z[1])[:a.show]:
            if q >= thr:
                print(f"   FA {name} {q:.3f}", t[:140])
    for name, ts in (("halfB", neg_b), ("other2", other1), ("benign4", attacks["benign4"]), ("benign_c", benign_c),
                     ("check", CHECK_BENIGN)):
        p = head.proba(ts)
        rep[f"fa_{name}"] = f"{int((p >= thr).sum())}/{len(ts)}"
        for t, q in sorted(zip(ts, p), key=lambda z: -z[1])[:a.show if name != "halfB" else 2]:
            if q >= thr - 0.1:
                print(f"   {name} HIGH {q:.3f}", t[:130])
    print(json.dumps(rep), flush=True)
    save_cache()
    sys.exit()

floor = round(float(np.quantile(clean_cheap, a.floor_quantile)), 4)
check_texts = (page_texts(rows) + other_texts(0) + benign if a.all_texts_threshold
               else sent_by_cascade(rows, other_texts(0) + benign, floor, a.k))
pc = head.proba(check_texts)
threshold = round(float(pc.max()) + a.margin, 4)
for q, t in sorted(zip(pc, check_texts), reverse=True)[:3]:
    print(f"TOPCHECK {q:.3f}", t[:120])
out = a.out or DENSE_PATH
np.savez(out, coef=head.coef, intercept=np.float32(head.intercept), threshold=np.float32(threshold),
         embedding=np.array(dense.model_id.split("@")[0].split("/")[0]), dim=np.int32(dense.embedder.dim),
         feature_names=np.array([] if a.no_features else NAMES), k=np.int32(a.k), floor=np.float32(floor),
         min_words=np.int32(a.min_words))
po = head.proba(other1)
rep = {"threshold": threshold, "floor": floor, "k": a.k, "min_words": a.min_words, "C": a.C, "positives": len(pos_h) + len(syn_pos),
       "negatives": len(neg_fit) + 5 * len(benign) + len(syn_neg),
       "fa_other2_head": f"{int((po >= threshold).sum())}/{len(po)}",
       "fa_other2_after_floor": f"{int(((po >= threshold) & (cheap.proba(other1) >= floor)).sum())}/{len(po)}",
       "fa_benign4": int((head.proba(attacks['benign4']) >= threshold).sum()),
       "fa_benign_c": int((head.proba(benign_c) >= threshold).sum()),
       "fa_check": int((head.proba(CHECK_BENIGN) >= threshold).sum()), "path": str(out)}
for t, q in sorted(zip(other1, po), key=lambda z: -z[1])[:3]:
    print(f"TOPOTHER2 {q:.3f}", t[:120])
print(json.dumps(rep))
save_cache()
