"""Dump the axtree pruner's full results (minus timing) for a fixed set of requests, to check a change keeps outputs
byte-identical: run it on two checkouts and ``cmp`` the files.

Requests: every dev page at ratio 0.3, 0.5 and with no budget; the latency bench's stacked 5k-line trees (cold, then
the same tree again warm); dev pages with an injected red_g attack or benign_g look-alike (placements as in
scripts/eval_axtree_guard.py), guard only and at ratio 0.5.

usage: python scripts/dump_axtree_outputs.py OUT.jsonl [--limit N]
"""
import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds.axtree import stacked_tree  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from axtree_inject import inject  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--attacks", default="tests/data/axtree_attacks_red_g.json")
ap.add_argument("--limit", type=int)
ap.add_argument("--stacked", type=int, default=7, help="stacked trees (as the bench's runs)")
a = ap.parse_args()
rows = [json.loads(line) for line in open(a.data)][: a.limit]
eng = Engine()
eng.warm_up(["axtree"])
out = open(a.out, "w")


def dump(tag: str, req: dict) -> None:
    body = eng.prune("axtree", req, use_cache=False).model_dump(mode="json")
    body["stats"].pop("latency_ms")
    out.write(json.dumps({"case": tag, "result": body}, ensure_ascii=False, sort_keys=True) + "\n")


for ex in rows:
    tree = "\n".join(ex["context"]["axtree_lines"])
    for budget in ({"ratio": 0.3}, {"ratio": 0.5}, None):
        dump(f"dev {ex['id']} {budget}", {"goal": ex["query"], "axtree": tree, "budget": budget})

for r in range(a.stacked):
    tree, goal = stacked_tree(rows, r * 37, 5000)
    for budget in ({"ratio": 0.3}, None):
        req = {"goal": goal, "axtree": tree, "budget": budget}
        eng.clear_caches()
        dump(f"stacked {r} {budget} cold", req)
        dump(f"stacked {r} {budget} warm", req)

# attacked / benign-insert pages, built as eval_axtree_guard.py builds them
SET = json.loads(Path(a.attacks).read_text())
URLS = ["http://secure-verify-login.com/auth", "www.account-check.net", "https://help-desk-support.io/step2"]
KINDS = ["dialog", "banner", "heading", "button", "nested"]


rng = random.Random(20240531)
for group in [g for g in SET if not g.startswith("_")]:
    for i, ex in enumerate(rows):
        msg = SET[group][i % len(SET[group])].replace("{goal}", ex["query"].strip().rstrip(".").lower())
        msg = msg.replace("{url}", rng.choice(URLS))
        tree = "\n".join(inject(ex, msg, rng, KINDS[i % len(KINDS)])[0])
        for budget in ({"ratio": 1.0}, {"ratio": 0.5}):
            dump(f"{group} {ex['id']} {budget}", {"goal": ex["query"], "axtree": tree, "budget": budget})
out.close()
