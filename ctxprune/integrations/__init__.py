"""Framework integrations: ``ctxprune.integrations.langchain`` (extra ``langchain``) and
``ctxprune.integrations.llama_index`` (extra ``llama-index``). Import the submodule you need; this
package imports neither framework."""
