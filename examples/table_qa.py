"""Table QA: keep the columns and rows a question needs (WikiTableQuestions / FeTaQA dev tables).

    python examples/table_qa.py [--tables 3] [--ratio 0.3] [--url http://127.0.0.1:8000]

Prunes each table against its question, prints tokens before/after (counted on the
``header | ...`` / ``row | ...`` rendering), whether the gold answer cells survived, and the
Markdown sub-table an LLM would get.
"""
from __future__ import annotations

from _common import count, load_jsonl, parser, pruner, report


def pipe(columns, rows) -> str:
    return "\n".join(["header | " + " | ".join("" if c is None else str(c) for c in columns)] +
                     ["row | " + " | ".join("" if v is None else str(v) for v in r) for r in rows])


def main():
    ap = parser(__doc__)
    ap.add_argument("--tables", type=int, default=3)
    ap.add_argument("--ratio", type=float, default=0.3)
    a = ap.parse_args()
    prune = pruner("table", a.url, a.api_key)
    total_in = total_out = 0
    for rec in load_jsonl("tables", limit=a.tables):
        c = rec["context"]
        result = prune({"query": rec["query"], "budget": {"ratio": a.ratio}, "format": "markdown",
                        "table": {"title": c.get("title"), "columns": c["header"], "rows": c["rows"]}})
        t = result["table"]
        before, after = count(pipe(c["header"], c["rows"])), count(pipe(t["columns"], t["rows"]))
        total_in, total_out = total_in + before, total_out + after
        rows, cols = set(result["kept_rows"]), set(result["kept_columns"])
        gold = [tuple(x) for x in rec["gold"].get("answer_cells") or []]
        kept = sum(r in rows and col in cols for r, col in gold)
        print(f"\nQ: {rec['query']} (answer: {rec['answers'][0] if rec['answers'] else '-'})\n"
              f"  {report('table', before, after)}; {len(result['kept_rows'])}/{len(c['rows'])} rows, "
              f"{len(result['kept_columns'])}/{len(c['header'])} columns; gold cells kept {kept}/{len(gold)}")
        print("  " + result["rendered"].replace("\n", "\n  ")[:600])
    print("\n" + report("total", total_in, total_out))


if __name__ == "__main__":
    main()
