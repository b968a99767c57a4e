"""One benchmark run, same dev prompts for every method: ctxprune (what REST does with {"ratio": R}),
LongLLMLingua (llmlingua 0.2.2 on the same SmolLM2, peers venv), BM25 and MiniLM sentence filters.

Answer survival is scored like the acceptance client (normalised gold answer inside the returned
context); kept = cl100k_base tokens of the returned context / of the input context.

usage: python scripts/bench_prompt_peers.py [--ratio 0.33] [--peer-limit 6] [--peer-pick shortest|first]
       [--url http://127.0.0.1:PORT] [--peers-python .venv-peers/bin/python] [--out bench-out/prompt-peers]
ctxprune and the sentence filters run on every scored dev prompt; LongLLMLingua (minutes per prompt
on this machine) on --peer-limit of them, and the second table compares every method on those.
(`make bench-peers` builds the peers venv and runs this.)
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.bench import peers  # noqa: E402
from ctxprune.bench.baselines import baseline_scores, select_units  # noqa: E402
from ctxprune.bench.kinds import prompt as ad  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared/evaldata/longprompt/dev.jsonl"


def summary(rows, recs, kept, secs) -> dict:
    return {"n": len(rows), "answers_kept": int(sum(recs)), "recall": round(statistics.mean(recs), 4),
            "kept": round(statistics.mean(kept), 4), "max_kept": round(max(kept), 4),
            "p50_s": round(statistics.median(secs), 3), "mean_s": round(statistics.mean(secs), 3),
            "max_s": round(max(secs), 3), "total_s": round(sum(secs), 1)}


def run_ctxprune(rows, ratio, count, url=None):
    if url:
        import httpx

        client = httpx.Client(base_url=url, timeout=600)
        call = lambda body: client.post("/v1/prune/prompt", json=body).raise_for_status().json()  # noqa: E731
    else:
        from ctxprune.api import Engine

        eng = Engine()
        eng.warm_up(["prompt"])
        call = lambda body: eng.prune("prompt", body, use_cache=False).model_dump(mode="json")  # noqa: E731
    recs, kept, secs, fine = [], [], [], []
    for ex in rows:
        t0 = time.perf_counter()
        res = call(ad.request(ex, {"ratio": ratio}))
        secs.append(time.perf_counter() - t0)
        recs.append(ad.recall(ex, res))
        kept.append(count(res["context"]) / count(ad.full(ex)))
        fine.append(res["stats"]["extra"].get("fine_stage"))
    out = summary(rows, recs, kept, secs)
    out["fine_stage"] = sorted(set(map(str, fine)))
    out["via"] = url or "in process"
    return out, recs, kept, secs


def run_filter(name, rows, ratio, count, hub):
    recs, kept, secs = [], [], []
    for ex in rows:
        units = ad.baseline_units(ex)
        t0 = time.perf_counter()
        scores = baseline_scores(name, ad.query(ex), units, hub)
        keys = select_units(scores, units, int(ratio * count(ad.full(ex))), lambda k: ad.render_units(ex, k), _Counter(count))
        secs.append(time.perf_counter() - t0)
        recs.append(ad.recall_units(ex, keys))
        kept.append(count(ad.render_units(ex, keys)) / count(ad.full(ex)))
    return summary(rows, recs, kept, secs), recs, kept, secs


def run_lingua(rows, ratio, count, python, dump=None):
    reqs = [{"id": ex["id"], "context": ad.full(ex), "question": ad.query(ex), "ratio": ratio} for ex in rows]
    if dump:
        dump.write_text("")

    def done(o):  # each output is kept as it arrives: a run cut short still leaves its figures
        print(f"  longllmlingua {o.id}: {o.seconds:.1f} s{' ERROR ' + o.error if o.error else ''}", file=sys.stderr, flush=True)
        if dump:
            with dump.open("a") as f:
                f.write(json.dumps(o.__dict__) + "\n")

    outs = {o.id: o for o in peers.run_longllmlingua(reqs, python, progress=done)}
    recs, kept, secs, errors = [], [], [], []
    for ex in rows:
        o = outs[ex["id"]]
        text = o.context or ""
        if o.error:
            errors.append(f"{o.id}: {o.error}")
        recs.append(ad.recall(ex, {"context": text}))
        kept.append(count(text) / count(ad.full(ex)))
        secs.append(o.seconds)
    out = summary(rows, recs, kept, secs)
    out["errors"] = errors
    return out, recs, kept, secs


class _Counter:
    def __init__(self, count):
        self.count = count


def table(results: dict, ratio: float) -> list[str]:
    lines = [f"| method (ratio {ratio}) | answers kept | kept tokens | p50 s/prompt | mean s/prompt |", "|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['answers_kept']}/{r['n']} ({r['recall']:.3f}) | {r['kept']:.3f} | {r['p50_s']:.2f} | {r['mean_s']:.2f} |")
    return lines


def pick(rows: list[dict], n: int, how: str, count) -> list[dict]:
    if how == "shortest":
        return sorted(rows, key=lambda r: count(ad.full(r)))[:n]
    return rows[:n]


def sub_summary(rows, per: dict, ids: set) -> dict:
    sel = [i for i, r in enumerate(rows) if r["id"] in ids]
    return summary(sel, [per["recall"][i] for i in sel], [per["kept"][i] for i in sel], [per["secs"][i] for i in sel])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, help="dev prompts for ctxprune and the sentence filters (default: all scored)")
    ap.add_argument("--peer-limit", type=int, default=6, help="prompts LongLLMLingua compresses (minutes each)")
    ap.add_argument("--peer-pick", choices=("first", "shortest"), default="shortest")
    ap.add_argument("--ratio", type=float, default=0.33)
    ap.add_argument("--url", help="call ctxprune over REST at this URL (default: in process)")
    ap.add_argument("--peers-python")
    ap.add_argument("--data", default=str(DEV))
    ap.add_argument("--out", default="bench-out/prompt-peers")
    a = ap.parse_args()
    from ctxprune.config import get_settings
    from ctxprune.scoring import ScorerHub
    from ctxprune.tokens import get_counter

    rows = [r for r in map(json.loads, open(a.data)) if ad.scored(r)][: a.limit]
    count = get_counter().count
    hub = ScorerHub(get_settings())
    python = peers.peers_python(a.peers_python)
    skip = peers.skip_message(a.peers_python)
    subset = pick(rows, a.peer_limit, a.peer_pick, count)
    sub_ids = {r["id"] for r in subset}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"data": a.data, "ratio": a.ratio, "tokenizer": "cl100k_base", "ids": [r["id"] for r in rows],
              "peer_ids": [r["id"] for r in subset], "peer_pick": a.peer_pick,
              "input_tokens_mean": round(statistics.mean(count(ad.full(r)) for r in rows)),
              "peer_input_tokens_mean": round(statistics.mean(count(ad.full(r)) for r in subset)),
              "all": {}, "subset": {}, "per_prompt": {}}

    def save():
        (out / "results.json").write_text(json.dumps(report, indent=1))
        lines = [f"ratio {a.ratio}; answer survival / kept cl100k tokens of the context / seconds per prompt.", "",
                 f"All {len(rows)} scored dev prompts (mean {report['input_tokens_mean']} tokens):", "", *table(report["all"], a.ratio), "",
                 f"The {len(subset)} prompts LongLLMLingua ran on ({a.peer_pick}; mean {report['peer_input_tokens_mean']} tokens), "
                 "every method on the same prompts:", "", *table(report["subset"], a.ratio), ""]
        if skip:
            lines.append(skip)
        (out / "report.md").write_text("\n".join(lines) + "\n")
        return lines

    def record(label, res, recs, kept, secs):
        report["all"][label] = res
        report["per_prompt"][label] = {"recall": recs, "kept": kept, "secs": secs}
        report["subset"][label] = sub_summary(rows, report["per_prompt"][label], sub_ids)
        print(json.dumps({label: res}), flush=True)
        save()

    record("ctxprune", *run_ctxprune(rows, a.ratio, count, a.url))
    record("BM25 sentence filter", *run_filter("bm25", rows, a.ratio, count, hub))
    if python is not None:
        res, recs, kept, secs = run_lingua(subset, a.ratio, count, python, out / "longllmlingua_outputs.jsonl")
        report["subset"]["LongLLMLingua (SmolLM2-135M)"] = res
        report["per_prompt"]["LongLLMLingua (SmolLM2-135M)"] = {"ids": [r["id"] for r in subset], "recall": recs,
                                                               "kept": kept, "secs": secs}
        print(json.dumps({"LongLLMLingua": res}), flush=True)
        save()
    else:
        print(skip, file=sys.stderr)
    record("MiniLM sentence filter", *run_filter("dense", rows, a.ratio, count, hub))
    print("\n".join(save()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
