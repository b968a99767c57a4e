"""Page-level false alarms of the guard's fine-tuned stage on clean pages it never saw (docs/axtree.md, session 9).

Per page, the texts the cascade could send to the stage (8-80 words, cheap probability in [floor, cheap threshold),
no rule verdict, no mention cue) and the stage's probability of each. A page "alarms" when any of them reaches the
threshold (all of them, not only the top K: an upper bound on what the guard removes), "alarms@K" when one of its
K most suspicious does. Sources: dev pages of fold B (the sites the threshold was set on: in-sample), and the other
kinds' dev data as pages (``axtree_guard_clean_pages``; --part 1 is never used for training or calibration).

usage: python scripts/check_axtree_guard_ft_clean.py [--weights FILE] [--part 1] [--show 5] [--dump high.json]
"""
import argparse
import json
import sys

import numpy as np

sys.path.insert(0, ".")
sys.path.insert(0, "scripts")
from axtree_guard_clean_pages import clean_pages  # noqa: E402
from axtree_guard_data import site_folds  # noqa: E402
from ctxprune.api import Engine  # noqa: E402
from ctxprune.pruners.axtree_guard import MENTION, judge  # noqa: E402
from ctxprune.pruners.axtree_guard_ft import FineTunedAgentTextHead  # noqa: E402
from ctxprune.pruners.axtree_guard_model import DENSE_MAX_WORDS, MIN_WORDS, AgentTextModel, sentence_packs  # noqa: E402
from ctxprune.pruners.axtree_guard_page import probes  # noqa: E402
from ctxprune.pruners.axtree_parse import parse_text  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--weights", default=None, help="a candidate weight file (default: the shipped one)")
ap.add_argument("--part", type=int, default=1)
ap.add_argument("--threshold", type=float, default=None, help="instead of the file's")
ap.add_argument("--show", type=int, default=5)
ap.add_argument("--dump", default=None, help="write every sendable text with p >= 0.5 here (JSON)")
a = ap.parse_args()

eng = Engine()
eng.warm_up(["axtree"])
cheap = AgentTextModel(lambda ts: eng.hub.get("static").embed(ts))
head = FineTunedAgentTextHead(path=a.weights)
assert head.available
w = head.weights
thr = a.threshold or w.threshold


def sendable(texts: list[str]) -> list[tuple[float, str]]:
    ts = sorted({t for t in texts if len(t.split()) >= MIN_WORDS})
    if not ts:
        return []
    p = cheap.proba(ts)
    ok = [(q, t) for q, t in zip(p, ts) if w.floor <= q < cheap.threshold and w.min_words <= len(t.split()) <= head.max_words
          and (len(t.split()) <= DENSE_MAX_WORDS or sentence_packs(t))
          and judge(t) is None and not MENTION.search(t)]
    return sorted(ok, key=lambda z: (-z[0], z[1]))


rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
fold_b = site_folds(rows, 2)[1]
groups = {"dev_B (calibration sites)": [(rows[i]["id"], [n.name or n.props for n in parse_text("\n".join(rows[i]["context"]["axtree_lines"]))])
                                        for i in fold_b]}
groups.update({f"{k} part {a.part}": v for k, v in clean_pages(a.part).items()})
cands = {g: [(pid, sendable(ts)) for pid, ts in pages] for g, pages in groups.items()}
texts = sorted({t for pages in cands.values() for _, c in pages for _, t in c})
read = probes(texts, cheap)  # what the cascade reads of each text: itself and its most suspicious sentence window
parts = sorted({x for xs in read.values() for x in xs})
part_p = dict(zip(parts, head.proba(parts).tolist()))
prob = {t: max((part_p[x] for x in read[t]), default=0.0) for t in texts}
print(f"threshold {thr:.6f}; {len(texts)} distinct sendable texts", flush=True)
rep, high = {}, []
for g, pages in cands.items():
    page_max = [max((prob[t] for _, t in c), default=0.0) for _, c in pages]
    page_max_k = [max((prob[t] for _, t in c[:w.k]), default=0.0) for _, c in pages]
    n = len(pages)
    alarms = sum(q >= thr for q in page_max)
    rep[g] = {"pages": n, "pages_sending": sum(bool(c) for _, c in pages), "sendable": sum(len(c) for _, c in pages),
              "alarms": alarms, "alarms@K": sum(q >= thr for q in page_max_k),
              "upper95": round(1 - 0.05 ** (1 / n) if alarms == 0 else float("nan"), 4) if n else None,
              "above": {f"{x}": sum(q >= x for q in page_max) for x in (0.99, 0.995, 0.998, 0.999, 0.9995)}}
    top = sorted(((prob[t], t, pid) for pid, c in pages for _, t in c), reverse=True)
    for q, t, pid in top[:a.show]:
        print(f"  {g} {q:.5f} {pid} | {t[:110]}")
    high += [{"p": q, "text": t, "page": pid, "group": g} for q, t, pid in top if q >= 0.5]
print(json.dumps(rep, indent=1))
n_all = sum(r["pages"] for g, r in rep.items() if not g.startswith("dev_B"))
a_all = sum(r["alarms"] for g, r in rep.items() if not g.startswith("dev_B"))
bound = 1 - 0.05 ** (1 / n_all) if a_all == 0 else None
print(f"held-out pages (part {a.part}): {a_all} of {n_all} alarm at {thr:.6f}"
      + (f"; one-sided 95% upper bound on the rate {bound:.4f}" if bound is not None else "") + f" (rule of three {3 / n_all:.4f})")
if a.dump:
    json.dump(high, open(a.dump, "w"), indent=0)
