"""The OpenAI SDK through ctxprune's proxy: documents in the chat are pruned before they reach the model.

    python examples/openai_proxy.py [--docs 3]

Starts, in this process, a stub OpenAI-compatible upstream (it stands where the LLM would be and
reports how many tokens of user content it received) and the ctxprune sidecar with
CTXPRUNE_UPSTREAM_URL pointing at it and an API key. Then the official ``openai`` client sends
HotpotQA dev passages plus a question to ``POST /v1/chat/completions`` on the sidecar. Prints the
tokens before/after from the ``x-ctxprune-*`` headers and what the upstream actually received.
In production: point ``base_url`` at the sidecar and set CTXPRUNE_UPSTREAM_URL to the real endpoint.
"""
from __future__ import annotations

from _common import count, load_jsonl, parser, report
from ctxprune_service.embedded import free_port, serve_in_thread

KEY = "example-key"


def stub_upstream():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def completions(request):
        body = await request.json()
        user = "\n".join(m.get("content") or "" for m in body["messages"] if m["role"] == "user")
        return JSONResponse({"id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                 "role": "assistant", "content": f"(stub) I received {count(user)} tokens of user content."}}],
                             "usage": {"prompt_tokens": count(user), "completion_tokens": 9, "total_tokens": count(user) + 9}})

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def main():
    ap = parser(__doc__)
    ap.add_argument("--docs", type=int, default=3)
    ap.add_argument("--ratio", type=float, default=0.3)
    a = ap.parse_args()
    import logging

    import openai

    for noisy in ("httpx", "ctxprune.access", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from ctxprune.config import Settings
    from ctxprune_service.app import create_app

    if "upstream_url" not in Settings.model_fields:
        raise SystemExit("this installation has no chat proxy (CTXPRUNE_UPSTREAM_URL): merge the middleware branch")
    records = load_jsonl("rag", limit=a.docs)
    with serve_in_thread(stub_upstream(), free_port()) as upstream:
        # models load on the first request (warming every kind up front would load ones this example never uses)
        settings = Settings(redis_url=None, api_keys=KEY, upstream_url=f"{upstream}/v1", warm_up_on_start=False)
        with serve_in_thread(create_app(settings), free_port(), ready_path="/readyz") as sidecar:
            client = openai.OpenAI(base_url=f"{sidecar}/v1", api_key=KEY, max_retries=0)
            total_in = total_out = 0
            for rec in records:
                docs = "\n\n".join(f"{p['title']}: {' '.join(s.strip() for s in p['sentences'])}"
                                   for p in rec["context"]["passages"])
                user = f"{docs}\n\nQuestion: {rec['query']}"
                raw = client.chat.completions.with_raw_response.create(
                    model="any-model", extra_body={"ctxprune": {"budget": {"ratio": a.ratio}}},
                    messages=[{"role": "system", "content": "Answer from the documents."},
                              {"role": "user", "content": user}])
                reply = raw.parse()
                t_in, t_out = int(raw.headers["x-ctxprune-tokens-in"]), int(raw.headers["x-ctxprune-tokens-out"])
                total_in, total_out = total_in + t_in, total_out + t_out
                print(f"\nQ: {rec['query']}\n  {report('documents', t_in, t_out)} "
                      f"(kinds: {raw.headers['x-ctxprune-kinds']}); user message {count(user)} tokens as sent\n"
                      f"  upstream says: {reply.choices[0].message.content}")
            print("\n" + report("total documents", total_in, total_out))


if __name__ == "__main__":
    main()
