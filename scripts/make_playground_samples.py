"""Write the playground's CC BY-SA samples (HotpotQA, WikiTableQuestions) from the dev split.

    .venv/bin/python scripts/make_playground_samples.py [--evaldata ../shared/evaldata]

Only these two sources are copied into the package: both are CC BY-SA 4.0, and every sample
carries its source and licence, which the page shows next to it. The AxTree, memory and prompt
samples are written by hand (service/static/samples/*.json): LoCoMo is CC BY-NC and AutoWebBench
is research-only, so nothing of theirs is shipped.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "service" / "static" / "samples"
HOTPOT_IDS = ["hotpotqa-5ac0ffa0554299012d1db67e", "hotpotqa-5a77535855429966f1a36d04"]
WTQ_IDS = ["wtq-nu-1377", "wtq-nu-1592"]
HOTPOT = ("HotpotQA (Yang et al., 2018), distractor setting, as published in github.com/JianGuanTHU/AMOR "
          "at f950e63; licence CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). "
          "Wikipedia text by its contributors, CC BY-SA.")
WTQ = ("WikiTableQuestions (Pasupat and Liang, 2015), github.com/ppasupat/WikiTableQuestions at 7d455a5, "
       "table {table}; licence CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). "
       "Wikipedia tables by their contributors, CC BY-SA.")


def records(path: Path, ids: list[str]) -> list[dict]:
    by_id = {}
    for line in path.open():
        r = json.loads(line)
        if r["id"] in ids:
            by_id[r["id"]] = r
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise SystemExit(f"not in {path}: {missing}")
    return [by_id[i] for i in ids]


def passages_sample(r: dict) -> dict:
    passages = [{"id": f"p{i}", "title": p["title"], "text": "".join(p["sentences"]).strip()}
                for i, p in enumerate(r["context"]["passages"])]
    return {"name": f"HotpotQA: {r['query'].strip()[:70]}", "source": r["id"], "licence": "CC BY-SA 4.0",
            "attribution": HOTPOT, "answer": r["answers"], "request": {"query": r["query"].strip(), "passages": passages}}


def table_sample(r: dict) -> dict:
    c = r["context"]
    table = {"columns": c["header"], "rows": c["rows"]}
    if c.get("title"):
        table["title"] = c["title"]
    return {"name": f"WikiTableQuestions: {r['query'].strip()[:70]}", "source": r["id"], "licence": "CC BY-SA 4.0",
            "attribution": WTQ.format(table=c["table_id"]), "answer": r["answers"],
            "request": {"query": r["query"].strip(), "table": table, "format": "markdown"}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evaldata", default=os.environ.get("EVALDATA", str(ROOT.parent / "shared" / "evaldata")))
    data = Path(ap.parse_args().evaldata)
    OUT.mkdir(parents=True, exist_ok=True)
    samples = {"passages": [passages_sample(r) for r in records(data / "rag" / "dev.jsonl", HOTPOT_IDS)],
               "table": [table_sample(r) for r in records(data / "tables" / "dev.jsonl", WTQ_IDS)]}
    for kind, items in samples.items():
        (OUT / f"{kind}.json").write_text(json.dumps(items, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {len(items)} {kind} samples")


if __name__ == "__main__":
    main()
