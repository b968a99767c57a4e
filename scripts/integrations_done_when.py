"""Issue 8's Done-when, measured: vector store retriever -> CtxPruneRetriever over HotpotQA dev passages,
in process and against a real `ctxprune serve` started here (port given or random 8100-8999).

usage: python scripts/integrations_done_when.py [--records 40] [--ratio 0.3] [--port 8437]
Prints one line per setting: tokens retrieved vs kept, reduction, gold-sentence recall, metadata check.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from ctxprune.integrations.langchain import CtxPruneCompressor, CtxPruneEmbeddings, CtxPruneRetriever
from ctxprune.textproc import normalize
from ctxprune.tokens import get_counter

REPO = Path(__file__).resolve().parents[1]
EVALDATA = Path(os.environ.get("EVALDATA", REPO.parent / "shared" / "evaldata"))
count = get_counter().count


def rendered(docs) -> int:
    return count("\n".join(f"{d.metadata.get('title') or ''}: {d.page_content}" for d in docs)) if docs else 0


def load(n: int):
    recs = [json.loads(line) for line in (EVALDATA / "rag" / "dev.jsonl").open()][:n]
    docs = [Document(page_content=" ".join(s.strip() for s in p["sentences"]), id=f"{r['id']}/{i}",
                     metadata={"title": p["title"], "record": r["id"], "position": i})
            for r in recs for i, p in enumerate(r["context"]["passages"])]
    return recs, docs


def measure(name, recs, originals, retrieved, pruned, ratio, seconds):
    tin = tout = hits = total = 0
    meta_ok = within = True
    for rec, before, after in zip(recs, retrieved, pruned):
        a, b = rendered(before), rendered(after)
        tin, tout = tin + a, tout + b
        within &= b <= int(ratio * a)
        meta_ok &= all({k: v for k, v in d.metadata.items() if k != "ctxprune"} == originals[d.id].metadata
                       and "ctxprune" in d.metadata and d.id in originals for d in after)
        by_title = {p["title"]: p["sentences"] for p in rec["context"]["passages"]}
        had, kept = normalize(" ".join(d.page_content for d in before)), normalize(" ".join(d.page_content for d in after))
        for t, i in rec["gold"]["supporting_facts"]:
            g = normalize(by_title[t][i].strip())
            if g in had:
                total, hits = total + 1, hits + (g in kept)
    print(json.dumps({"setting": name, "questions": len(recs), "tokens_retrieved": tin, "tokens_kept": tout,
                      "reduction": round(1 - tout / tin, 4), "every_question_within_budget": within,
                      "metadata_intact": meta_ok, "gold_recall_of_retrieved": round(hits / max(total, 1), 4),
                      "seconds_per_question": round(seconds / len(recs), 3)}))


def serve(port: int):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("ctxprune")), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise SystemExit("ctxprune serve did not become ready")


def main():
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--ratio", type=float, default=0.3)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--port", type=int, default=random.randint(8100, 8999))
    a = ap.parse_args()
    recs, docs = load(a.records)
    originals = {d.id: d for d in docs}
    t0 = time.perf_counter()
    store = InMemoryVectorStore(CtxPruneEmbeddings())
    store.add_documents(docs)
    print(f"# indexed {len(docs)} passages of {len(recs)} dev records in {time.perf_counter() - t0:.1f}s")
    base = store.as_retriever(search_kwargs={"k": a.k})
    retrieved = [base.invoke(r["query"]) for r in recs]
    budget = {"ratio": a.ratio}

    local = CtxPruneRetriever(base_retriever=base, compressor=CtxPruneCompressor(budget=budget))
    t0 = time.perf_counter()
    pruned = [local.invoke(r["query"]) for r in recs]
    measure("in-process, sync invoke", recs, originals, retrieved, pruned, a.ratio, time.perf_counter() - t0)

    async def run_async(retriever):
        return [await retriever.ainvoke(r["query"]) for r in recs]

    local_a = CtxPruneRetriever(base_retriever=base, compressor=CtxPruneCompressor(budget=budget))
    t0 = time.perf_counter()
    measure("in-process, ainvoke (acompress_documents)", recs, originals, retrieved, asyncio.run(run_async(local_a)),
            a.ratio, time.perf_counter() - t0)

    proc, url = serve(a.port)
    try:
        remote = CtxPruneRetriever(base_retriever=base, compressor=CtxPruneCompressor(budget=budget, url=url))
        t0 = time.perf_counter()
        rpruned = [remote.invoke(r["query"]) for r in recs]
        measure(f"remote url={url} (ctxprune serve), sync", recs, originals, retrieved, rpruned, a.ratio,
                time.perf_counter() - t0)
        t0 = time.perf_counter()
        measure(f"remote url={url}, ainvoke", recs, originals, retrieved, asyncio.run(run_async(remote)), a.ratio,
                time.perf_counter() - t0)
        same = [[d.page_content for d in x] for x in rpruned] == [[d.page_content for d in x] for x in pruned]
        print(json.dumps({"remote_equals_in_process": same}))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
