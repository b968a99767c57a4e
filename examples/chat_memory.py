"""Chat memory selection: from a whole LoCoMo conversation (19+ sessions), keep the turns a question needs.

    python examples/chat_memory.py [--questions 4] [--ratio 0.1] [--url http://127.0.0.1:8000]

Loads the first conversation of the memory dev split (locomo_by_conversation_dev.jsonl), asks
some of its questions, prunes the full history per question and prints tokens before/after and
whether LoCoMo's annotated evidence turns survived.
"""
from __future__ import annotations

from _common import count, load_jsonl, parser, pruner, report


def sessions_of(conv: dict) -> list[dict]:
    return [{"id": str(s["session_id"]), "time": s["date_time"],
             "turns": [{"id": t[0], "speaker": t[1], "text": t[2]} for t in s["turns"]]}
            for s in conv["context"]["sessions"]]


def render(sessions: list[dict]) -> str:
    return "\n\n".join(f"[{s.get('time')}]\n" + "\n".join(f"{t['speaker']}: {t['text']}" for t in s["turns"])
                       for s in sessions)


def main():
    ap = parser(__doc__)
    ap.add_argument("--questions", type=int, default=4)
    ap.add_argument("--ratio", type=float, default=0.1)
    a = ap.parse_args()
    conv = load_jsonl("memory", "locomo_by_conversation_dev.jsonl", limit=1)[0]
    sessions = sessions_of(conv)
    history = render(sessions)
    turn_text = {t["id"]: t["text"] for s in sessions for t in s["turns"]}
    print(f"conversation {conv['id']}: {len(sessions)} sessions, {len(turn_text)} turns, {count(history)} tokens")
    prune = pruner("memory", a.url, a.api_key)
    total_in = total_out = 0
    for q in conv["queries"][: a.questions]:
        result = prune({"query": q["query"], "sessions": sessions, "budget": {"ratio": a.ratio}})
        memory = render(result["sessions"])
        before, after = count(history), count(memory)
        total_in, total_out = total_in + before, total_out + after
        evidence = [e for e in q["gold"]["evidence_dia_ids"] if e in turn_text]
        kept = sum(turn_text[e] in memory for e in evidence)
        print(f"\nQ: {q['query']} (answer: {q['answers'][0] if q['answers'] else '-'})\n"
              f"  {report('history', before, after)}; evidence turns kept {kept}/{len(evidence)}")
        print("  memory for the LLM:\n    " + memory.replace("\n", "\n    ")[:500])
    print("\n" + report("total", total_in, total_out))


if __name__ == "__main__":
    main()
