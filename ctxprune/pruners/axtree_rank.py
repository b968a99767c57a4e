"""A learned line ranker for AxTree pruning: logistic regression over per-line features.

The hand-weighted mix of ``axtree_score`` (relevance + role prior + name match + structure) is
replaced by one calibrated probability per line that it is the element the agent must act on;
the selection then takes lines by probability per token (expected targets per token spent).
Features are vectorised over the whole tree (5k-line trees): relevance (BM25, static cosine,
their rank on the page), how fully the goal names the element (share of its name words, quoted
phrases), the role (one-hot groups), the line's shape (nameless, name length, copies of the same
name on the page), its parent's relevance, and relevance × interactive.
Nothing looks at bid text or at whether a line carries a bid (in AutoWebBench, nameless lines
carry a bid only when they are the target: a conversion artefact).
Weights: ``ctxprune/_data/axtree_rank_lr.npz``, trained by ``scripts/train_axtree_rank.py``.
"""
from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache
from importlib import resources

import numpy as np

from ctxprune.pruners.axtree_parse import Node

MODEL_PATH = resources.files("ctxprune") / "_data" / "axtree_rank_lr.npz"

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
)


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
    ]
    return np.stack(cols, axis=1)


@lru_cache(maxsize=4)
def weights(path: str = "") -> tuple[np.ndarray, float, np.ndarray, np.ndarray] | None:
    """(coef, intercept, mean, scale) of the model at ``path`` (empty: the shipped one), None when missing."""
    try:
        with (resources.as_file(MODEL_PATH) if not path else nullcontext(path)) as file, np.load(file) as z:
            if tuple(z["features"].tolist()) != FEATURES:
                return None  # trained on another feature set: do not guess
            return z["coef"], float(z["intercept"]), z["mean"], z["scale"]
    except FileNotFoundError:
        return None


def save(path, coef: np.ndarray, intercept: float, mean: np.ndarray, scale: np.ndarray, **meta) -> None:
    np.savez(path, coef=coef, intercept=intercept, mean=mean, scale=scale, features=np.array(FEATURES), **meta)


def probability(x: np.ndarray, model: tuple[np.ndarray, float, np.ndarray, np.ndarray]) -> np.ndarray:
    coef, intercept, mean, scale = model
    z = ((x - mean) / scale) @ coef + intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
