"""RAG over a local corpus: FAISS + MiniLM retrieve HotpotQA dev passages, ctxprune keeps the clues.

    python examples/rag_faiss.py [--records 30] [--k 8] [--ratio 0.3] [--url http://127.0.0.1:8000]

Indexes the passages of the first --records dev questions (10 each) with the packaged
all-MiniLM-L6-v2 in a FAISS inner-product index, retrieves --k passages per question, prunes them
to --ratio of their tokens and prints tokens before/after and which gold supporting sentences survived.
"""
from __future__ import annotations

import time

import faiss
import numpy as np

from _common import count, load_jsonl, parser, pruner, report


def main():
    ap = parser(__doc__)
    ap.add_argument("--records", type=int, default=30)
    ap.add_argument("--questions", type=int, default=5)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--ratio", type=float, default=0.3)
    a = ap.parse_args()
    from ctxprune.api import default_engine

    recs = load_jsonl("rag", limit=a.records)
    corpus = [{"title": p["title"], "text": " ".join(s.strip() for s in p["sentences"])}
              for r in recs for p in r["context"]["passages"]]
    t0 = time.perf_counter()
    minilm = default_engine().hub.get("dense")  # the packaged MiniLM, unit-normalised embeddings
    vectors = minilm.embed([f"{p['title']}. {p['text']}" for p in corpus]).astype(np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    print(f"indexed {len(corpus)} passages in FAISS ({time.perf_counter() - t0:.1f}s)")

    prune = pruner("passages", a.url, a.api_key)
    total_in = total_out = 0
    for rec in recs[: a.questions]:
        q = minilm.embed([rec["query"]]).astype(np.float32)
        _, ids = index.search(q, a.k)
        retrieved = [corpus[i] for i in ids[0]]
        result = prune({"query": rec["query"], "budget": {"ratio": a.ratio},
                        "passages": [{"id": str(i), **p} for i, p in zip(ids[0], retrieved)]})
        before = count("\n".join(f"{p['title']}: {p['text']}" for p in retrieved))
        context = "\n".join(f"{p['title']}: {p['text']}" for p in result["passages"])
        after = count(context)
        total_in, total_out = total_in + before, total_out + after
        by_title = {p["title"]: p["sentences"] for p in rec["context"]["passages"]}
        gold = [by_title[t][i].strip() for t, i in rec["gold"]["supporting_facts"]]
        kept = sum(g in context for g in gold)
        print(f"\nQ: {rec['query']}\n  {report('retrieved', before, after)}; gold sentences kept {kept}/{len(gold)}"
              f"; answer: {rec['answers'][0]}")
        print("  context for the LLM:\n    " + context.replace("\n", "\n    ")[:600])
    print("\n" + report("total", total_in, total_out))


if __name__ == "__main__":
    main()
