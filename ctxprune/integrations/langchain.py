"""LangChain integration: a document compressor, a pruning retriever and MiniLM embeddings.

    from ctxprune.integrations.langchain import CtxPruneCompressor, CtxPruneRetriever
    retriever = CtxPruneRetriever(base_retriever=vectorstore.as_retriever(search_kwargs={"k": 10}),
                                  compressor=CtxPruneCompressor(budget={"ratio": 0.3}))
    docs = retriever.invoke("Who directed ...?")     # or: await retriever.ainvoke(...)

``CtxPruneCompressor`` runs in process by default and against a sidecar when ``url`` is given. It
is a ``BaseDocumentCompressor``, so it also drops into langchain-classic's
``ContextualCompressionRetriever(base_compressor=..., base_retriever=...)``. Returned documents
keep their id and metadata, with the pruning facts under ``metadata["ctxprune"]``.
"""
from __future__ import annotations

from typing import Any, Sequence

from langchain_core.callbacks import (AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun, Callbacks)
from langchain_core.documents import BaseDocumentCompressor, Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from ctxprune.integrations._docs import DocPruner, Piece, Pruned

METADATA_KEY = "ctxprune"


class CtxPruneCompressor(BaseDocumentCompressor):
    """Prunes retrieved documents to the sentences that answer the query, under a token budget."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: str = Field("passages", description="'passages' (shared budget over all documents) or 'prompt' (per document)")
    budget: Any = Field(default_factory=lambda: {"ratio": 0.3},
                        description="{'ratio': r} | {'max_tokens': n} | float ratio | int max_tokens | None (adaptive)")
    url: str | None = Field(None, description="sidecar base URL; None prunes in process")
    api_key: str | None = Field(None, repr=False, description="sent as 'Authorization: Bearer <key>'")
    keep: list[str] = Field(default_factory=list, description="strings that must survive verbatim")
    scorer: str | None = None
    title_key: str = Field("title", description="metadata key holding a document's title (counted with its text)")
    options: dict[str, Any] = Field(default_factory=dict, description="extra request fields of the kind")
    timeout: float = 120.0
    engine: Any = Field(None, exclude=True, repr=False, description="an in-process Engine (default: the shared one)")
    _pruner: DocPruner | None = PrivateAttr(None)

    @property
    def pruner(self) -> DocPruner:
        if self._pruner is None:
            self._pruner = DocPruner.from_fields(self)
        return self._pruner

    def _pieces(self, documents: Sequence[Document]) -> list[Piece]:
        return [Piece(d.page_content, _title(d.metadata.get(self.title_key)), d.id or str(i)) for i, d in enumerate(documents)]

    @staticmethod
    def _documents(documents: Sequence[Document], pruned: list[Pruned]) -> list[Document]:
        out = []
        for p in pruned:
            src = documents[p.index]
            out.append(Document(page_content=p.text, metadata={**src.metadata, METADATA_KEY: p.facts}, id=src.id))
        return out

    def compress_documents(self, documents: Sequence[Document], query: str,
                           callbacks: Callbacks | None = None) -> Sequence[Document]:
        documents = list(documents)
        return self._documents(documents, self.pruner.run(query, self._pieces(documents)))

    async def acompress_documents(self, documents: Sequence[Document], query: str,
                                  callbacks: Callbacks | None = None) -> Sequence[Document]:
        documents = list(documents)
        return self._documents(documents, await self.pruner.arun(query, self._pieces(documents)))


def _title(value: Any) -> str | None:
    return None if value is None else str(value)[:2048]


class CtxPruneRetriever(BaseRetriever):
    """Retrieves with ``base_retriever``, then prunes with ``compressor`` (sync and async)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    base_retriever: BaseRetriever
    compressor: BaseDocumentCompressor = Field(default_factory=CtxPruneCompressor)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = self.base_retriever.invoke(query, config={"callbacks": run_manager.get_child()})
        return list(self.compressor.compress_documents(docs, query, callbacks=run_manager.get_child())) if docs else []

    async def _aget_relevant_documents(self, query: str, *,
                                       run_manager: AsyncCallbackManagerForRetrieverRun) -> list[Document]:
        docs = await self.base_retriever.ainvoke(query, config={"callbacks": run_manager.get_child()})
        if not docs:
            return []
        return list(await self.compressor.acompress_documents(docs, query, callbacks=run_manager.get_child()))


class CtxPruneEmbeddings(Embeddings):
    """LangChain embeddings over ctxprune's packaged all-MiniLM-L6-v2 (offline; unit-normalised, 384-d)."""

    def __init__(self, engine: Any = None, scorer: str = "dense"):
        if engine is None:
            from ctxprune.api import default_engine

            engine = default_engine()
        self._scorer = engine.hub.get(scorer)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._scorer.embed(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._scorer.embed([text])[0].tolist()
