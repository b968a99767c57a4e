"""False alarms of the guard's rules (``judge``, no model) on real text and on look-alikes (docs/axtree.md, session 9).

Every sentence of the rag, memory and longprompt dev contexts (other kinds' data: real text that speaks to no agent),
and every look-alike the guard has: the own benign groups, red_benign, benign_c, benign_d and the training files'
benign texts (texts with a {goal} slot are left out). Prints the counts and the flagged texts.

usage: python scripts/check_axtree_guard_rules_clean.py [--data ../shared/evaldata]
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, ".")
from ctxprune.pruners.axtree_guard import judge  # noqa: E402
from ctxprune.textproc import split_sentences  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata")
ap.add_argument("--per-text", type=int, default=400, help="sentences read per context string")
a = ap.parse_args()


def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)


sentences = []
for kind in ("rag", "memory", "longprompt"):
    for line in open(Path(a.data) / kind / "dev.jsonl"):
        for s in strings(json.loads(line)["context"]):
            if len(s) > 20:
                sentences += split_sentences(s)[: a.per_text]
sentences = list(dict.fromkeys(t for t in sentences if len(t) >= 12))
here = Path("tests/data")
own = json.loads((here / "axtree_attacks.json").read_text())
looks = [t for k, v in own.items() if k.startswith("benign") and isinstance(v, list) for t in v]
for f, k in (("redteam", "red_benign"), ("guard6", "benign_c"), ("red_d", "benign_d")):
    looks += json.loads((here / f"axtree_attacks_{f}.json").read_text())[k]
for f in sorted(here.glob("axtree_train_*.json")):
    looks += json.loads(f.read_text())["benign"]
looks = [t for t in looks if "{goal}" not in t]
for name, texts in (("other-dev sentences", sentences), ("look-alikes", looks)):
    flagged = [t for t in texts if judge(t) is not None]
    print(f"{name}: {len(flagged)} of {len(texts)} flagged")
    for t in flagged:
        print("   ", t[:160])
