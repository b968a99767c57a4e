"""Quick dev loop: recall of the passages pruner on the rag dev set at several ratios (in process)."""
import json, sys, time, re, unicodedata, statistics
sys.path.insert(0, ".")
from ctxprune.api import Engine
from ctxprune.tokens import get_counter

def norm(s): return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(s)).lower()).strip()
rows = [json.loads(l) for l in open("../shared/evaldata/rag/dev.jsonl")]
eng = Engine()
eng.warm_up(["passages"])
cnt = get_counter()
for r in [0.2, 0.3]:
    rec, kt, lat = [], [], []
    for ex in rows:
        ps = [{"id": f"p{i}", "title": p["title"], "text": " ".join(s.strip() for s in p["sentences"])} for i, p in enumerate(ex["context"]["passages"])]
        t = time.perf_counter()
        res = eng.prune("passages", {"query": ex["query"], "passages": ps, "budget": {"ratio": r}}, use_cache=False)
        lat.append(time.perf_counter() - t)
        out = "\n".join(f"{p.title}: {p.text}" for p in res.passages)
        full = "\n".join(f"{p['title']}: {p['text']}" for p in ps)
        t_ = norm(out)
        sents = {(p["title"], i): s for p in ex["context"]["passages"] for i, s in enumerate(p["sentences"])}
        gold = ex["gold"]["supporting_facts"]
        rec.append(sum(norm(sents[(a, i)]) in t_ for a, i in gold) / len(gold))
        kt.append(cnt.count(out) / cnt.count(full))
    print(f"ratio {r}: recall {statistics.mean(rec):.4f} kept {statistics.mean(kt):.4f} max {max(kt):.4f} p50 {1000*statistics.median(lat):.1f}ms")
