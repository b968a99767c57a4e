"""LlamaIndex integration: a node postprocessor that prunes retrieved nodes to what answers the query.

    from ctxprune.integrations.llama_index import CtxPrunePostprocessor
    engine = index.as_query_engine(similarity_top_k=10,
                                   node_postprocessors=[CtxPrunePostprocessor(budget={"ratio": 0.3})])

In process by default, against a sidecar when ``url`` is given. Nodes keep their id, score and
metadata; the pruning facts go under ``metadata["ctxprune"]``, which is excluded from what the LLM
and the embedder see. Nodes whose every sentence was dropped are dropped.
"""
from __future__ import annotations

from typing import Any, List, Optional

from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle

from ctxprune.integrations._docs import DocPruner, Piece, Pruned

METADATA_KEY = "ctxprune"


class CtxPrunePostprocessor(BaseNodePostprocessor):
    kind: str = Field("passages", description="'passages' (shared budget over all nodes) or 'prompt' (per node)")
    budget: Any = Field(default_factory=lambda: {"ratio": 0.3},
                        description="{'ratio': r} | {'max_tokens': n} | float ratio | int max_tokens | None (adaptive)")
    url: Optional[str] = Field(None, description="sidecar base URL; None prunes in process")
    api_key: Optional[str] = Field(None, repr=False)
    keep: List[str] = Field(default_factory=list)
    scorer: Optional[str] = None
    title_key: str = Field("title", description="metadata key holding a node's title")
    options: dict = Field(default_factory=dict, description="extra request fields of the kind")
    timeout: float = 120.0
    engine: Any = Field(None, exclude=True, repr=False)
    _pruner: Optional[DocPruner] = PrivateAttr(None)

    @classmethod
    def class_name(cls) -> str:
        return "CtxPrunePostprocessor"

    @property
    def pruner(self) -> DocPruner:
        if self._pruner is None:
            self._pruner = DocPruner.from_fields(self)
        return self._pruner

    def _pieces(self, nodes: List[NodeWithScore]) -> list[Piece]:
        out = []
        for n in nodes:
            title = n.node.metadata.get(self.title_key)
            out.append(Piece(n.node.get_content(metadata_mode=MetadataMode.NONE),
                             None if title is None else str(title)[:2048], n.node.node_id))
        return out

    @staticmethod
    def _nodes(nodes: List[NodeWithScore], pruned: list[Pruned]) -> List[NodeWithScore]:
        out = []
        for p in pruned:
            src = nodes[p.index]
            node = src.node.model_copy(deep=True)
            node.set_content(p.text)
            node.metadata[METADATA_KEY] = p.facts
            for keys in (node.excluded_llm_metadata_keys, node.excluded_embed_metadata_keys):
                if METADATA_KEY not in keys:
                    keys.append(METADATA_KEY)
            out.append(NodeWithScore(node=node, score=src.score))
        return out

    @staticmethod
    def _query(query_bundle: Optional[QueryBundle]) -> str:
        if query_bundle is None or not query_bundle.query_str.strip():
            raise ValueError("CtxPrunePostprocessor needs the query (query_bundle or query_str)")
        return query_bundle.query_str

    def _postprocess_nodes(self, nodes: List[NodeWithScore],
                           query_bundle: Optional[QueryBundle] = None) -> List[NodeWithScore]:
        return self._nodes(nodes, self.pruner.run(self._query(query_bundle), self._pieces(nodes)))

    async def _apostprocess_nodes(self, nodes: List[NodeWithScore],
                                  query_bundle: Optional[QueryBundle] = None) -> List[NodeWithScore]:
        return self._nodes(nodes, await self.pruner.arun(self._query(query_bundle), self._pieces(nodes)))
