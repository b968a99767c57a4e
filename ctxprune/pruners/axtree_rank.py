"""A learned line ranker for AxTree pruning: a random forest (or logistic regression) over per-line features.

The hand-weighted mix of ``axtree_score`` (relevance + role prior + name match + structure) is
replaced by one calibrated probability per line that it is the element the agent must act on;
the selection then takes lines by probability per token (expected targets per token spent).
Features are vectorised over the whole tree (5k-line trees): relevance (BM25, static cosine,
their rank on the page), how fully the goal names the element (share of its name words, quoted
phrases), the role (one-hot groups), the line's shape (nameless, name length, copies of the same
name on the page), its parent's relevance, relevance × interactive, and the line's position in the
page (a tree model uses it together with the others: nav bars at the top, footers at the end).
Nothing looks at bid text or at whether a line carries a bid (in AutoWebBench, nameless lines
carry a bid only when they are the target: a conversion artefact).
Weights: ``ctxprune/_data/axtree_rank_forest.npz`` (a forest, evaluated by ``axtree_forest``;
a file with ``coef`` is read as logistic regression), trained by ``scripts/train_axtree_rank.py``.
Optional MiniLM features (``DENSE_FEATURES``, used only by a model file that declares them and its
``dense_top``; off in the shipped model: no gain on site CV, see docs/axtree.md).
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ctxprune.pruners import axtree_forest
from ctxprune.pruners.axtree_parse import Node
from ctxprune.scoring.base import minmax

MODEL_PATH = resources.files("ctxprune") / "_data" / "axtree_rank_forest.npz"
#: a forest scores at most this many lines per page, the best by relevance rank (the others get the lowest of
#: theirs):
#: bounds the cost on huge trees; dev pages have < 1,000 lines, so it never cuts there
FOREST_MAX_LINES = 1000

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "link": ("link",),
    "button": ("button", "disclosuretriangle"),
    "field": ("textbox", "searchbox", "combobox", "listbox", "spinbutton", "textarea", "input", "select", "slider"),
    "choice": ("checkbox", "radio", "switch", "option", "menuitemcheckbox", "menuitemradio"),
    "menu": ("menuitem", "tab", "treeitem"),
    "cell": ("gridcell", "columnheader", "rowheader", "cell", "row"),
    "generic": ("generic", "group", "section", "div"),
    "img": ("img", "image", "figure", "svg"),
    "text": ("statictext", "labeltext", "paragraph", "listitem", "label"),
    "heading": ("heading",),
}
_ROLE_INDEX = {r: k for k, roles in enumerate(ROLE_GROUPS.values()) for r in roles}

FEATURES = (
    "sparse", "static", "log_rank", "name_share", "quoted",
    *(f"role_{g}" for g in ROLE_GROUPS), "role_other",
    "nameless", "name_words", "copies",
    "parent_sparse", "parent_static", "parent_share", "parent_link",
    "act_sparse", "act_static", "act_share",
    "position",
)
#: optional features (a model trained with them declares them and its ``dense_top``): MiniLM cosine
#: of the line's text to the goal for the ``dense_top`` best lines by relevance rank, its rank among
#: them, and its min-max value minus the static cosine's among them; the other lines get the
#: neutral values (the lowest cosine of the top, rank = dense_top, gap 0), in training and at run time
DENSE_FEATURES = ("dense", "dense_rank", "dense_gap")


def role_onehot(nodes: list[Node]) -> np.ndarray:
    idx = np.array([_ROLE_INDEX.get(n.role.lower(), len(ROLE_GROUPS)) for n in nodes])
    out = np.zeros((len(nodes), len(ROLE_GROUPS) + 1))
    out[np.arange(len(nodes)), idx] = 1.0
    return out


def features(nodes: list[Node], sparse: np.ndarray, static: np.ndarray, share: np.ndarray, quoted: np.ndarray,
             name_words: np.ndarray, interactive: np.ndarray) -> np.ndarray:
    """(lines × FEATURES) matrix; every input is one value per line (relevance already min-max scaled)."""
    n = len(nodes)
    rank = np.empty(n)
    rank[np.argsort(-(sparse + static), kind="stable")] = np.arange(n)
    parent = np.array([-1 if nd.parent is None else nd.parent for nd in nodes])
    has_p = parent >= 0
    p = np.where(has_p, parent, 0)

    def from_parent(x: np.ndarray) -> np.ndarray:
        return np.where(has_p, x[p], 0.0)

    names: dict[str, int] = {}
    for nd in nodes:
        if nd.name:
            names[nd.name] = names.get(nd.name, 0) + 1
    copies = np.array([names[nd.name] - 1 if nd.name else 0 for nd in nodes], dtype=float)
    nameless = np.array([not nd.name for nd in nodes], dtype=float)
    cols = [
        sparse, static, np.log1p(rank), share, quoted,
        *role_onehot(nodes).T,
        nameless, np.log1p(name_words), np.log1p(copies),
        from_parent(sparse), from_parent(static), from_parent(share), from_parent(interactive),
        interactive * sparse, interactive * static, interactive * share,
        np.arange(n) / max(1, n - 1),
    ]
    return np.stack(cols, axis=1)


@dataclass(frozen=True)
class Model:
    """Logistic regression (``coef``, ``intercept``, ``mean``, ``scale``) or a forest (``forest`` arrays)."""

    kind: str  # "lr" | "forest"
    coef: np.ndarray | None = None
    intercept: float = 0.0
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    forest: dict | None = None
    dense_top: int = 0  # > 0: the model reads DENSE_FEATURES[dense_cols] after FEATURES
    dense_cols: tuple[int, ...] = ()


@lru_cache(maxsize=4)
def weights(path: str = "") -> Model | None:
    """The model at ``path`` (empty: the shipped one); None when missing or trained on another feature set."""
    try:
        with (resources.as_file(MODEL_PATH) if not path else nullcontext(path)) as file, np.load(file) as z:
            names = tuple(z["features"].tolist())
            dense_top = int(z["dense_top"]) if "dense_top" in z else 0
            extra = names[len(FEATURES):]
            if names[: len(FEATURES)] != FEATURES or (dense_top > 0) != bool(extra) \
                    or not set(extra) <= set(DENSE_FEATURES):
                return None  # trained on another feature set: do not guess
            dense = dict(dense_top=dense_top, dense_cols=tuple(DENSE_FEATURES.index(f) for f in extra))
            if "coef" in z:
                return Model("lr", z["coef"], float(z["intercept"]), z["mean"], z["scale"], **dense)
            return Model("forest", forest={k: z[k] for k in axtree_forest.ARRAYS}, **dense)
    except FileNotFoundError:
        return None


def feature_names(dense_top: int = 0, dense_cols: tuple[int, ...] = (0, 1, 2)) -> tuple[str, ...]:
    """FEATURES, then the chosen DENSE_FEATURES when the model has a dense top."""
    return FEATURES + (tuple(DENSE_FEATURES[i] for i in dense_cols) if dense_top > 0 else ())


def save(path, coef: np.ndarray, intercept: float, mean: np.ndarray, scale: np.ndarray, dense_top: int = 0,
         dense_cols: tuple[int, ...] = (0, 1, 2), **meta) -> None:
    np.savez(path, coef=coef, intercept=intercept, mean=mean, scale=scale,
             features=np.array(feature_names(dense_top, dense_cols)), dense_top=dense_top, **meta)


def save_forest(path, forest: dict[str, np.ndarray], dense_top: int = 0, dense_cols: tuple[int, ...] = (0, 1, 2),
                **meta) -> None:
    np.savez_compressed(path, **forest, features=np.array(feature_names(dense_top, dense_cols)),
                        dense_top=dense_top, **meta)


def dense_top_lines(x: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best lines by relevance rank (the ``log_rank`` column), best first."""
    order = np.argsort(x[:, FEATURES.index("log_rank")], kind="stable")
    return order[:k]


def dense_columns(n: int, top: np.ndarray, cosine: np.ndarray, static: np.ndarray, k: int) -> np.ndarray:
    """(n × DENSE_FEATURES); ``cosine``: the dense cosine of the ``top`` lines, ``static``: every line's."""
    out = np.zeros((n, len(DENSE_FEATURES)))
    if not len(top):
        out[:, 1] = np.log1p(k)
        return out
    out[:, 0] = float(cosine.min())
    out[:, 1] = np.log1p(k)
    out[top, 0] = cosine
    r = np.empty(len(top))
    r[np.argsort(-cosine, kind="stable")] = np.arange(len(top))
    out[top, 1] = np.log1p(r)
    out[top, 2] = minmax(cosine) - minmax(static[top])
    return out


def probability(x: np.ndarray, model: Model) -> np.ndarray:
    if model.kind == "forest":
        if len(x) <= FOREST_MAX_LINES:
            return axtree_forest.predict(x, model.forest)
        top = np.argpartition(x[:, FEATURES.index("log_rank")], FOREST_MAX_LINES)[:FOREST_MAX_LINES]
        scored = axtree_forest.predict(x[top], model.forest)
        out = np.full(len(x), float(scored.min()))  # the rest rank below every scored line, the hand score orders them
        out[top] = scored
        return out
    z = ((x - model.mean) / model.scale) @ model.coef + model.intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
