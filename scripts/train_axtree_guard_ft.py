"""Fine-tune all-MiniLM-L6-v2 as the guard's injection classifier (session 8; ctxprune/pruners/axtree_guard_ft.py).

Embeddings and the lower --n-frozen layers stay as shipped (their token states are computed once per text and cached
in --cache); the next --n-tuned layers and a mean-pooling logistic head are trained (AdamW, seeded, CPU); higher layers
are dropped. Only the tuned tensors go into the weight file (float16).

Dev pages are split by site (``axtree_guard_data.site_folds``, 2 folds): fold 0 ("A") gives the page negatives and
the goals the attacks are filled with; fold 1 ("B") is never trained on and sets the threshold.

Positives: tune, holdout, fresh, fresh2, fresh3, fresh4, fresh4_ml (axtree_attacks.json), red_a (redteam), red_b
(heldback; contaminated since session 4, so training data), each filled with 8 A goals, + --synth slot-template
attacks. Negatives: windows of A's page texts, --menus made-up navigation menus of A pages, rag/memory first-half
sentences, the human look-alikes benign / benign2 / benign3 / benign5 / red_benign, --synth synthetic look-alikes and
--about texts about AI (``axtree_guard_synth.about_ai``). Never used for training or the threshold: unseen, red_c,
benign_c (guard6), benign4, red_d, red_e (and any later blind set).

Threshold, without attacks: just above (--margin in logit space) the highest probability over every text a B page could send to the stage (8-80 words,
cheap probability in [floor, cheap threshold), not flagged by the rules: all of them, not only the top K), the
rag/memory first-half sentences and the human look-alikes above the floor.
Checks printed: red_c / unseen text-level recall (model alone, and the cascade), B1 -> B2 (threshold from one part of
B's sites, page false alarms on the other), rag/memory second halves, benign4, benign_c, other-language checks.

usage (shipped since session 13, see docs/axtree.md "Session 13"; sessions 8-12 shipped --n-frozen 4 --n-tuned 2):
  nice -n 5 python scripts/train_axtree_guard_ft.py --n-frozen 2 --n-tuned 4 --max-tokens 64 --epochs 2 --clean-sources longprompt,tables
"""
import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, ".")
sys.path.insert(0, "scripts")
import axtree_guard_synth  # noqa: E402
from axtree_guard_data import CHECK_BENIGN, other_texts, page_texts, site_folds  # noqa: E402
from ctxprune.pruners import axtree_guard_ft as ft  # noqa: E402
from ctxprune.pruners.axtree_guard import judge  # noqa: E402
from ctxprune.pruners.axtree_guard_model import DENSE_MAX_WORDS, MIN_WORDS, AgentTextModel, windows  # noqa: E402
from ctxprune.pruners.axtree_parse import parse_text  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--n-frozen", type=int, default=4)
ap.add_argument("--n-tuned", type=int, default=2)
ap.add_argument("--max-tokens", type=int, default=64)
ap.add_argument("--epochs", type=float, default=2.0)
ap.add_argument("--lr", type=float, default=5e-5)
ap.add_argument("--head-lr", type=float, default=1e-3)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--dropout", type=float, default=0.1)
ap.add_argument("--synth", type=int, default=6000)
ap.add_argument("--about", type=int, default=800)
ap.add_argument("--menus", type=int, default=3000)
ap.add_argument("--real-neg-weight", type=float, default=3.0)
ap.add_argument("--clean-sources", default="",
                help="comma-separated kinds of axtree_guard_clean_pages (e.g. longprompt,tables): part 0 of their pages, "
                     "the texts the cascade could send, join the negatives (session 9; part 1 stays for the check)")
ap.add_argument("--goals", type=int, default=8, help="dev goals each human attack phrasing is filled with")
ap.add_argument("--k", type=int, default=6)
ap.add_argument("--min-words", type=int, default=8)
ap.add_argument("--floor-quantile", type=float, default=0.5)
ap.add_argument("--margin", type=float, default=0.5, help="added to the highest clean logit")
ap.add_argument("--extra", default="", help="comma-separated JSON files of more training texts, each "
                "{'attacks': [...], 'benign': [...]} (e.g. tests/data/axtree_train_*.json); attacks count as human "
                "attacks (filled with A goals), benign as human look-alikes")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--cache", default="/tmp/axtree_guard_ft_lower")
ap.add_argument("--show", type=int, default=5)
ap.add_argument("--out", default=str(ft.FT_PATH))
a = ap.parse_args()

torch.manual_seed(a.seed)
torch.set_num_threads(a.threads)
rng = random.Random(a.seed)
T0 = time.time()

rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
fold_a, fold_b = site_folds(rows, 2)
rows_a, rows_b = [rows[i] for i in fold_a], [rows[i] for i in fold_b]
f4 = site_folds(rows, 4)
b1 = [rows[i] for i in sorted(set(fold_b) & set(f4[2]))]
b2 = [rows[i] for i in sorted(set(fold_b) - set(f4[2]))]
attacks = json.load(open("tests/data/axtree_attacks.json"))
attacks.update(json.load(open("tests/data/axtree_attacks_redteam.json")))
attacks.update(json.load(open("tests/data/axtree_attacks_heldback.json")))
g6 = json.load(open("tests/data/axtree_attacks_guard6.json"))
POS_GROUPS = ["tune", "holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh4_ml", "red_a", "red_b"]
HUMAN_BENIGN = ["benign", "benign2", "benign3", "benign5", "red_benign"]
URLS = ["http://secure-verify-login.com", "www.account-check.net", "https://example-prize.xyz/claim"]


def fill(t: str, goal: str) -> str:
    return t.replace("{goal}", goal.strip().rstrip(".").lower()).replace("{url}", rng.choice(URLS))


def menus(n: int, rs: list[dict]) -> list[str]:
    out, r = [], random.Random(3)
    names = [[t for n_ in parse_text("\n".join(ex["context"]["axtree_lines"])) if 1 <= len((t := n_.name or n_.props).split()) <= 4]
             for ex in rs]
    names = [x for x in names if len(x) >= 6]
    for _ in range(n):
        pg = r.choice(names)
        a0 = r.randrange(len(pg))
        out.append(" ".join(pg[a0:a0 + r.randint(6, 60)]))
    return [w for m in out if len(m.split()) >= MIN_WORDS for w in windows(m)]


goals_a = [ex["query"] for ex in rows_a]
pos_h = [w for g in POS_GROUPS for t in attacks[g] for _ in range(a.goals) for w in windows(fill(t, rng.choice(goals_a)))]
syn_pos, syn_neg = axtree_guard_synth.generate(a.synth, a.synth, seed=7 + a.seed) if a.synth else ([], [])
syn_pos = [w for t in syn_pos for w in windows(fill(t, rng.choice(goals_a)))]
syn_neg = [w for t in syn_neg for w in windows(fill(t, rng.choice(goals_a)))]
about = axtree_guard_synth.about_ai(a.about, seed=11 + a.seed) if a.about else []
human_neg = [t for g in HUMAN_BENIGN for t in attacks[g]]
for path in filter(None, a.extra.split(",")):
    more = json.load(open(path))
    pos_h += [w for t in more["attacks"] for _ in range(max(1, a.goals // 4)) for w in windows(fill(t, rng.choice(goals_a)))]
    human_neg += list(more["benign"])
real_neg = page_texts(rows_a) + menus(a.menus, rows_a) + other_texts(0)
if a.clean_sources:  # code, transcripts, forms, tables: page text the stage would see, never an attack
    from axtree_guard_clean_pages import clean_pages

    from ctxprune.api import Engine
    _eng = Engine()
    _eng.warm_up(["axtree"])
    _cheap = AgentTextModel(lambda ts: _eng.hub.get("static").embed(ts))
    _dev = sorted({n.name or n.props for ex in rows for n in parse_text("\n".join(ex["context"]["axtree_lines"]))
                   if len((n.name or n.props).split()) >= MIN_WORDS})
    _floor = round(float(np.quantile(_cheap.proba(_dev), a.floor_quantile)), 4)  # the floor the stage ships (below)
    pages0 = clean_pages(0, tuple(a.clean_sources.split(",")))
    _ts = sorted({t for ps in pages0.values() for _, ts in ps for t in ts if a.min_words <= len(t.split()) <= DENSE_MAX_WORDS})
    hard = [t for t, q in zip(_ts, _cheap.proba(_ts)) if _floor <= q < _cheap.threshold and judge(t) is None]
    print(f"clean part-0 negatives ({a.clean_sources}): {len(hard)} sendable texts", flush=True)
    real_neg += hard
texts = pos_h + syn_pos + real_neg + human_neg + syn_neg + about
y = np.r_[np.ones(len(pos_h) + len(syn_pos)), np.zeros(len(real_neg) + len(human_neg) + len(syn_neg) + len(about))]
w = np.r_[np.ones(len(pos_h)) * 2.0, np.ones(len(syn_pos)), np.full(len(real_neg), a.real_neg_weight),
          np.full(len(human_neg), 3 * a.real_neg_weight), np.ones(len(syn_neg)), np.full(len(about), 2.0)]
w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()
print(f"train texts: {len(pos_h)} human + {len(syn_pos)} synthetic attacks; {len(real_neg)} page/menu/rag/memory, "
      f"{len(human_neg)} human look-alikes, {len(syn_neg)} synthetic look-alikes, {len(about)} about-AI", flush=True)

# ---------------------------------------------------------------- frozen part: token states cached per text
from safetensors.numpy import load_file  # noqa: E402

folder = ft.base_folder()
base = load_file(str(folder / "model.safetensors"))
enc = ft.build_encoder(base, a.n_frozen, a.n_tuned)
tok = ft.tokenizer(folder, a.max_tokens)
cache_path = Path(f"{a.cache}_{a.n_frozen}_{a.max_tokens}.pt")
lower: dict[str, torch.Tensor] = torch.load(cache_path) if cache_path.exists() else {}
print(f"{len(lower)} cached token states ({cache_path})", flush=True)


def states(ts: list[str], save: bool = False) -> None:
    new = sorted({t for t in ts if t not in lower}, key=len)
    t0 = time.time()
    enc.eval()
    with torch.inference_mode():
        for s in range(0, len(new), 64):
            chunk = new[s:s + 64]
            ids, mask = ft.encode(tok, chunk)
            h = enc.lower(ids, mask).to(torch.float16)
            for t, hh, m in zip(chunk, h, mask.sum(1).tolist()):
                lower[t] = hh[:m].clone()
            if (s // 64) % 50 == 0 and len(new) > 1000:
                print(f"  lower states {s + len(chunk)}/{len(new)} ({time.time() - t0:.0f} s)", flush=True)
    if new and save:
        torch.save(lower, cache_path)


def batch_of(ts: list[str]):
    hs = [lower[t] for t in ts]
    n = max(h.shape[0] for h in hs)
    x = torch.zeros(len(hs), n, ft.HIDDEN)
    mask = torch.zeros(len(hs), n, dtype=torch.long)
    for i, h in enumerate(hs):
        x[i, :h.shape[0]] = h.float()
        mask[i, :h.shape[0]] = 1
    return x, mask


def logits(ts: list[str], bs: int = 128) -> np.ndarray:
    """Logit per text from the cached states (training-time scoring; the shipped path is checked below)."""
    states(ts)
    enc.eval()
    out = []
    order = sorted(range(len(ts)), key=lambda i: lower[ts[i]].shape[0])
    with torch.inference_mode():
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            x, mask = batch_of([ts[i] for i in idx])
            out.append(enc.upper(x, mask).numpy())
    z = np.empty(len(ts))
    z[order] = np.concatenate(out) if out else []
    return z


states(texts, save=True)
print(f"token states ready ({time.time() - T0:.0f} s)", flush=True)

# ---------------------------------------------------------------- training
for layer in enc.tuned:
    layer.drop = a.dropout
opt = torch.optim.AdamW([{"params": enc.tuned.parameters(), "lr": a.lr},
                         {"params": enc.head.parameters(), "lr": a.head_lr}], weight_decay=0.01)
n = len(texts)
steps_per_epoch = (n + a.batch - 1) // a.batch
total = int(steps_per_epoch * a.epochs)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.06 * total)) * max(0.0, (total - s) / total))
yt, wt = torch.tensor(y, dtype=torch.float32), torch.tensor(w / w.mean(), dtype=torch.float32)
g = torch.Generator().manual_seed(a.seed)
step = 0
t0 = time.time()
while step < total:
    perm = torch.randperm(n, generator=g).tolist()
    # length-bucketed batches (less padding), in random order
    chunks = [sorted(perm[s:s + a.batch * 32], key=lambda i: lower[texts[i]].shape[0]) for s in range(0, n, a.batch * 32)]
    batches = [c[s:s + a.batch] for c in chunks for s in range(0, len(c), a.batch)]
    order = torch.randperm(len(batches), generator=g).tolist()
    enc.train()
    run = 0.0
    for bi in order:
        if step >= total:
            break
        idx = batches[bi]
        x, mask = batch_of([texts[i] for i in idx])
        z = enc.upper(x, mask)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, yt[idx], reduction="none") * wt[idx]).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(enc.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 200 == 0:
            print(f"  step {step}/{total} loss {run:.4f} ({time.time() - t0:.0f} s)", flush=True)
train_s = time.time() - t0
print(f"trained {total} steps in {train_s:.0f} s", flush=True)

# shipped precision: the tuned tensors rounded to float16, as the run time reads them
ft.load_tuned(enc, {k: v.astype(np.float32) for k, v in ft.tuned_tensors(enc).items()})
enc.eval()


def proba(ts: list[str]) -> np.ndarray:
    return 1 / (1 + np.exp(-logits(ts))) if ts else np.zeros(0)


# ---------------------------------------------------------------- cascade: which texts would reach the stage
eng_static = None


def cheap_model() -> AgentTextModel:
    global eng_static
    if eng_static is None:
        from ctxprune.api import Engine
        eng = Engine()
        eng.warm_up(["axtree"])
        eng_static = AgentTextModel(lambda ts: eng.hub.get("static").embed(ts))
    return eng_static


cheap = cheap_model()


def page_candidates(ex: dict, floor: float) -> list[tuple[float, str]]:
    ts = sorted({n.name or n.props for n in parse_text("\n".join(ex["context"]["axtree_lines"]))
                 if len((n.name or n.props).split()) >= MIN_WORDS})
    if not ts:
        return []
    p = cheap.proba(ts)
    ok = [(q, t) for q, t in zip(p, ts) if floor <= q < cheap.threshold and a.min_words <= len(t.split()) <= DENSE_MAX_WORDS
          and judge(t) is None]
    return sorted(ok, key=lambda z: (-z[0], z[1]))


def loose_candidates(ts: list[str], floor: float) -> list[str]:
    if not ts:
        return []
    p = cheap.proba(ts)
    return [t for q, t in zip(p, ts) if floor <= q < cheap.threshold and a.min_words <= len(t.split()) <= DENSE_MAX_WORDS
            and judge(t) is None]


all_clean = sorted({n.name or n.props for ex in rows for n in parse_text("\n".join(ex["context"]["axtree_lines"]))
                    if len((n.name or n.props).split()) >= MIN_WORDS})
floor = round(float(np.quantile(cheap.proba(all_clean), a.floor_quantile)), 4)


_cands: dict[str, list[str]] = {}
_p: dict[str, float] = {}


def page_max(rs: list[dict], k: int | None) -> list[float]:
    """Per page, the highest stage probability over the texts it sends (top k, or every candidate when k is None)."""
    for ex in rs:
        if ex["id"] not in _cands:
            _cands[ex["id"]] = [t for _, t in page_candidates(ex, floor)]
    new = sorted({t for ex in rs for t in _cands[ex["id"]] if t not in _p})
    _p.update(zip(new, proba(new).tolist()))
    out = []
    for ex in rs:
        c = _cands[ex["id"]]
        c = c[:k] if k else c
        out.append(max((_p[t] for t in c), default=0.0))
    return out


human_loose = loose_candidates(other_texts(0) + human_neg, floor)
pb_all, pb_k = page_max(rows_b, None), page_max(rows_b, a.k)
pl = proba(human_loose)
def above(p: float) -> float:
    """The threshold just above a clean probability: --margin added in logit space (probabilities saturate)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(1 / (1 + np.exp(-(np.log(p / (1 - p)) + a.margin))))


threshold = round(above(max(max(pb_all), float(pl.max()) if len(pl) else 0.0)), 6)
rep = {"n_frozen": a.n_frozen, "n_tuned": a.n_tuned, "max_tokens": a.max_tokens, "epochs": a.epochs, "lr": a.lr,
       "seed": a.seed, "train_texts": n, "train_s": round(train_s), "floor": floor, "k": a.k, "threshold": threshold,
       "threshold_topk_only": round(above(max(max(pb_k), float(pl.max()) if len(pl) else 0.0)), 6),
       "B_pages_max_sorted_top5": sorted(np.round(pb_all, 4).tolist())[-5:], "loose_max": round(float(pl.max()), 4) if len(pl) else 0}
# B1 -> B2: threshold from one part of the calibration sites, page false alarms on the other
t_b1 = above(max(page_max(b1, None)))
pb2 = page_max(b2, None)
rep["B1_to_B2"] = {"threshold_B1": round(t_b1, 4), "pages_B2": len(b2), "false_alarm_pages_B2": int(sum(q >= t_b1 for q in pb2))}
t_b2 = above(max(pb2))
rep["B2_to_B1"] = {"threshold_B2": round(t_b2, 4), "pages_B1": len(b1),
                   "false_alarm_pages_B1": int(sum(q >= t_b2 for q in page_max(b1, None)))}
# held-out recall (text level): the model alone, and the cascade's reach (cheap + rules, or the stage on a text it sends)
goals_b = [ex["query"] for ex in rows_b]
for name, group in (("unseen", attacks["unseen"]), ("red_c", g6["red_c"])):
    val = [fill(t, rng.choice(goals_b)) for t in group for _ in range(4)]
    pv, pc = proba(val), cheap.proba(val)
    rules = np.array([judge(t) is not None for t in val])
    caught_cheap = (pc >= cheap.threshold) | rules
    sendable = (pc >= floor) & np.array([a.min_words <= len(t.split()) <= DENSE_MAX_WORDS for t in val])
    rep[name] = {"model_alone": round(float((pv >= threshold).mean()), 3), "cheap+rules": round(float(caught_cheap.mean()), 3),
                 "cascade": round(float((caught_cheap | (sendable & (pv >= threshold))).mean()), 3)}
for name, ts in (("other2", sorted(set(other_texts(1)) - set(other_texts(0)))), ("benign4", attacks["benign4"]),
                 ("benign_c", g6["benign_c"]), ("check", CHECK_BENIGN)):
    p = proba(ts)
    sent = set(loose_candidates(ts, floor))
    rep[f"fa_{name}"] = {"alone": f"{int((p >= threshold).sum())}/{len(ts)}",
                         "sent": f"{int(sum(q >= threshold for q, t in zip(p, ts) if t in sent))}/{len(sent)}"}
    for q, t in sorted(zip(p, ts), reverse=True)[:a.show]:
        if q >= threshold - 0.2 and name != "other2":
            print(f"   {name} HIGH {q:.4f}", t[:120])
for q, t in sorted(zip(pl, human_loose), reverse=True)[:a.show]:
    print(f"   LOOSE {q:.4f}", t[:120])

out = Path(a.out)
np.savez(out, format=np.array(ft.FORMAT), base=np.array(ft.BASE_NAME), n_frozen=np.int32(a.n_frozen),
         n_tuned=np.int32(a.n_tuned), max_tokens=np.int32(a.max_tokens), fingerprint=np.float64(ft.fingerprint(base, a.n_frozen)),
         threshold=np.float32(threshold), k=np.int32(a.k), floor=np.float32(floor), min_words=np.int32(a.min_words),
         **ft.tuned_tensors(enc))
# the shipped path (own tokenisation, float32 states) against the training-time scoring
head = ft.FineTunedAgentTextHead(path=out)
probe = human_loose[:200] + pos_h[:200]
diff = np.abs(head.proba(probe) - proba(probe))
rep["runtime_vs_train_max_abs_diff"] = round(float(diff.max()), 5)
rep["file_bytes"] = out.stat().st_size
rep["total_s"] = round(time.time() - T0)
print(json.dumps(rep), flush=True)
