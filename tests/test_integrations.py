"""LangChain and LlamaIndex integrations with real framework objects: an InMemoryVectorStore over the
packaged MiniLM embeddings retrieves HotpotQA dev passages, ctxprune prunes them, in process and
against a real sidecar."""
from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("langchain_core")
from langchain_core.documents import Document  # noqa: E402
from langchain_core.vectorstores import InMemoryVectorStore  # noqa: E402

from ctxprune.config import Settings  # noqa: E402
from ctxprune.integrations.langchain import CtxPruneCompressor, CtxPruneEmbeddings, CtxPruneRetriever  # noqa: E402
from ctxprune.textproc import normalize  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402
from tests.conftest import free_port, load_dev  # noqa: E402
from ctxprune_service.embedded import serve_in_thread  # noqa: E402

KEY = "integ-test-key"
HAS_AUTH = "api_keys" in Settings.model_fields
N_RECORDS = 20
count = get_counter().count

DOCS = [Document(page_content="Warsaw is the capital of Poland. It lies on the Vistula. The city has many parks.",
                 metadata={"title": "Warsaw", "source": "wiki/1"}, id="w"),
        Document(page_content="Bananas are yellow. They grow in the tropics. Monkeys like them.",
                 metadata={"title": "Bananas", "source": "wiki/2"}, id="b")]
QUERY = "What is the capital of Poland?"


def rendered(docs) -> int:
    return count("\n".join(f"{d.metadata.get('title') or ''}: {d.page_content}" for d in docs)) if docs else 0


def strip_facts(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k != "ctxprune"}


# ---------------------------------------------------------------- small hand-made inputs
@pytest.mark.slow
def test_compressor_keeps_id_and_metadata_and_adds_facts(engine):
    out = CtxPruneCompressor(budget={"ratio": 0.4}, engine=engine).compress_documents(DOCS, QUERY)
    assert [d.id for d in out] == ["w"]
    d = out[0]
    assert strip_facts(d.metadata) == DOCS[0].metadata and "capital of Poland" in d.page_content
    facts = d.metadata["ctxprune"]
    assert facts["tokens_out"] < facts["tokens_in"] and facts["kept_units"][0]["id"] == "w#0"
    assert facts["call"]["tokens_out"] <= facts["call"]["budget_tokens"] == int(0.4 * rendered(DOCS))


@pytest.mark.slow
def test_must_keep_survives_and_empty_input(engine):
    c = CtxPruneCompressor(budget={"max_tokens": 12}, keep=["Monkeys like them"], engine=engine)
    out = c.compress_documents(DOCS, QUERY)
    assert any("Monkeys like them" in d.page_content for d in out)
    assert c.compress_documents([], QUERY) == []


def test_kinds_that_do_not_take_documents_are_refused():
    with pytest.raises(ValueError, match="passages, prompt"):
        CtxPruneCompressor(kind="table").compress_documents(DOCS, QUERY)


# ---------------------------------------------------------------- the Done-when pipeline
@pytest.fixture(scope="module")
def corpus(engine):
    """A vector store over the passages of N dev records (10 each), with HotpotQA metadata."""
    records = load_dev("rag", N_RECORDS)
    docs = []
    for r in records:
        for i, p in enumerate(r["context"]["passages"]):
            docs.append(Document(page_content=" ".join(s.strip() for s in p["sentences"]), id=f"{r['id']}/{i}",
                                 metadata={"title": p["title"], "record": r["id"], "position": i}))
    store = InMemoryVectorStore(CtxPruneEmbeddings(engine))
    store.add_documents(docs)
    return records, store, {d.id: d for d in docs}


def gold_sentences(rec) -> list[str]:
    by_title = {p["title"]: p["sentences"] for p in rec["context"]["passages"]}
    return [by_title[t][i].strip() for t, i in rec["gold"]["supporting_facts"] if t in by_title and i < len(by_title[t])]


def check_pipeline(records, originals, retrieved, pruned, ratio=0.3):
    """Metadata intact, budget kept per question, >= 40% fewer tokens overall; returns gold recall."""
    tin = tout = 0
    hits = total = 0
    for rec, before, after in zip(records, retrieved, pruned):
        assert after, rec["id"]
        for d in after:
            assert strip_facts(d.metadata) == originals[d.id].metadata
            words = set(normalize(originals[d.id].page_content).split())
            assert d.page_content and set(normalize(d.page_content).split()) <= words  # pruned, never rewritten
        a, b = rendered(before), rendered(after)
        assert b <= int(ratio * a), (rec["id"], a, b)
        tin, tout = tin + a, tout + b
        # recall of the gold sentences that the vector store did retrieve
        kept = normalize(" ".join(d.page_content for d in after))
        had = normalize(" ".join(d.page_content for d in before))
        for g in gold_sentences(rec):
            if normalize(g) in had:
                total += 1
                hits += normalize(g) in kept
    assert tout <= 0.6 * tin, (tin, tout)
    return hits / max(total, 1)


@pytest.mark.slow
def test_retriever_pipeline_sync_and_async(corpus, engine):
    records, store, originals = corpus
    base = store.as_retriever(search_kwargs={"k": 10})
    retriever = CtxPruneRetriever(base_retriever=base, compressor=CtxPruneCompressor(budget={"ratio": 0.3}, engine=engine))
    retrieved = [base.invoke(r["query"]) for r in records]
    pruned = [retriever.invoke(r["query"]) for r in records]
    recall = check_pipeline(records, originals, retrieved, pruned)
    assert recall >= 0.6, recall  # a third of the tokens; lead-3 sentences at this ratio keep far fewer gold facts

    async def run_async():
        return await asyncio.gather(*(retriever.ainvoke(r["query"]) for r in records[:5]))

    apruned = asyncio.run(run_async())
    assert [[d.page_content for d in x] for x in apruned] == [[d.page_content for d in x] for x in pruned[:5]]


@pytest.mark.slow
def test_acompress_documents_keeps_the_budget(corpus, engine):
    records, store, originals = corpus
    rec = records[0]
    docs = [originals[f"{rec['id']}/{i}"] for i in range(len(rec["context"]["passages"]))]
    out = asyncio.run(CtxPruneCompressor(kind="passages", budget={"ratio": 0.3}, engine=engine)
                      .acompress_documents(docs, rec["query"]))
    assert out and rendered(out) <= int(0.3 * rendered(docs))


@pytest.mark.slow
def test_inside_contextual_compression_retriever(corpus, engine):
    classic = pytest.importorskip("langchain_classic.retrievers")
    records, store, originals = corpus
    base = store.as_retriever(search_kwargs={"k": 10})
    ccr = classic.ContextualCompressionRetriever(base_compressor=CtxPruneCompressor(budget={"ratio": 0.3}, engine=engine),
                                                 base_retriever=base)
    recs = records[:5]
    check_pipeline(recs, originals, [base.invoke(r["query"]) for r in recs], [ccr.invoke(r["query"]) for r in recs])
    assert asyncio.run(ccr.ainvoke(recs[0]["query"]))


@pytest.fixture(scope="module")
def sidecar(engine):
    from ctxprune_service.app import create_app

    extra = {"api_keys": KEY} if HAS_AUTH else {}
    with serve_in_thread(create_app(Settings(redis_url=None, warm_up_on_start=False, **extra), engine=engine),
                         free_port(), ready_path="/readyz") as url:
        yield url


@pytest.mark.slow
def test_remote_compressor_matches_in_process(corpus, engine, sidecar):
    records, store, originals = corpus
    base = store.as_retriever(search_kwargs={"k": 10})
    key = KEY if HAS_AUTH else None
    remote = CtxPruneRetriever(base_retriever=base,
                               compressor=CtxPruneCompressor(budget={"ratio": 0.3}, url=sidecar, api_key=key))
    local = CtxPruneRetriever(base_retriever=base, compressor=CtxPruneCompressor(budget={"ratio": 0.3}, engine=engine))
    recs = records[:8]
    pruned = [remote.invoke(r["query"]) for r in recs]
    check_pipeline(recs, originals, [base.invoke(r["query"]) for r in recs], pruned)
    assert [[d.page_content for d in x] for x in pruned] == [[d.page_content for d in local.invoke(r["query"])]
                                                             for r in recs]
    aout = asyncio.run(remote.ainvoke(recs[0]["query"]))
    assert [d.page_content for d in aout] == [d.page_content for d in pruned[0]]


# ---------------------------------------------------------------- LlamaIndex
@pytest.mark.slow
def test_llama_index_postprocessor(corpus, engine, sidecar):
    pytest.importorskip("llama_index.core")
    from llama_index.core.schema import MetadataMode, NodeWithScore, TextNode

    from ctxprune.integrations.llama_index import CtxPrunePostprocessor

    records, store, originals = corpus
    rec = records[1]
    nodes = [NodeWithScore(node=TextNode(text=d.page_content, id_=d.id, metadata=dict(d.metadata)), score=1.0 - i / 10)
             for i, d in enumerate(originals[f"{rec['id']}/{i}"] for i in range(len(rec["context"]["passages"])))]
    pp = CtxPrunePostprocessor(budget={"ratio": 0.3}, engine=engine)
    out = pp.postprocess_nodes(nodes, query_str=rec["query"])
    by_id = {n.node.node_id: n for n in nodes}
    assert out and all(n.node.node_id in by_id and n.score == by_id[n.node.node_id].score for n in out)
    for n in out:
        assert strip_facts(n.node.metadata) == by_id[n.node.node_id].node.metadata
        assert "ctxprune" in n.node.metadata and "ctxprune" not in n.node.get_content(MetadataMode.LLM)
    before = count("\n".join(f"{n.node.metadata['title']}: {n.node.get_content()}" for n in nodes))
    after = count("\n".join(f"{n.node.metadata['title']}: {n.node.get_content()}" for n in out))
    assert after <= int(0.3 * before)
    assert nodes[0].node.get_content() == originals[nodes[0].node.node_id].page_content  # inputs untouched
    aout = asyncio.run(pp.apostprocess_nodes(nodes, query_str=rec["query"]))
    remote = CtxPrunePostprocessor(budget={"ratio": 0.3}, url=sidecar, api_key=KEY if HAS_AUTH else None)
    rout = remote.postprocess_nodes(nodes, query_str=rec["query"])
    texts = [n.node.get_content() for n in out]
    assert [n.node.get_content() for n in aout] == texts == [n.node.get_content() for n in rout]
    with pytest.raises(ValueError, match="query"):
        pp.postprocess_nodes(nodes)
