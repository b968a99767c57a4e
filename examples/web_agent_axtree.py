"""A web-agent step: prune a page's accessibility tree to what the goal needs before the LLM picks an action.

    python examples/web_agent_axtree.py [--pages 3] [--ratio 0.3] [--url http://127.0.0.1:8000]

Takes AxTrees from the axtree dev set (WebArena/BrowserGym pages with the gold target element),
prunes each against the agent's goal and previous actions, prints tokens before/after, whether the
element the gold action clicks/types into survived, and the top of the pruned tree the agent would see.
"""
from __future__ import annotations

from _common import count, load_jsonl, parser, pruner, report


def main():
    ap = parser(__doc__)
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--ratio", type=float, default=0.3)
    a = ap.parse_args()
    prune = pruner("axtree", a.url, a.api_key)
    total_in = total_out = 0
    for rec in load_jsonl("axtree", limit=a.pages):
        tree = "\n".join(rec["context"]["axtree_lines"])
        result = prune({"goal": rec["query"], "axtree": tree, "budget": {"ratio": a.ratio},
                        "previous_actions": [str(x) for x in rec["context"].get("previous_actions") or []]})
        before, after = count(tree), count(result["axtree"])
        total_in, total_out = total_in + before, total_out + after
        targets = rec["gold"]["target_bids"]
        found = [b for b in targets if f"[{b}]" in result["axtree"]]
        print(f"\ngoal: {rec['query']}\n  {report('axtree', before, after)}; target {targets} kept: {bool(found)}"
              f"; gold action: {rec['gold']['gold_action']}")
        if result.get("removed_injections"):
            print(f"  removed {len(result['removed_injections'])} injected instruction(s)")
        print("  the agent sees:\n    " + "\n    ".join(result["axtree"].splitlines()[:12]))
    print("\n" + report("total", total_in, total_out))


if __name__ == "__main__":
    main()
