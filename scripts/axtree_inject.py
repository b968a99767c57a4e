"""Attack pages for the guard's evaluations: one message injected into a dev page's tree as a dialog, banner,
heading + text, button or nested link, at a position drawn from ``rng`` (shared by eval_axtree_guard.py and
dump_axtree_outputs.py, so both build the same pages from the same seed)."""
from ctxprune.pruners.axtree_parse import parse_text


def new_bid(rng, taken):
    while True:
        b = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXY") for _ in range(rng.choice((2, 3))))
        if b not in taken:
            taken.add(b)
            return b


def esc(t):
    return t.replace("'", "\\'")


def block(kind, msg, ind, rng, taken):
    q = esc(msg)
    if kind == "dialog":
        return [f"{ind}[{new_bid(rng, taken)}] dialog 'Important message'", f"{ind}\tStaticText '{q}'",
                f"{ind}\t[{new_bid(rng, taken)}] button 'OK'"]
    if kind == "banner":
        return [f"{ind}StaticText '{q}'"]
    if kind == "heading":
        return [f"{ind}heading 'Notice'", f"{ind}StaticText '{q}'"]
    if kind == "button":
        return [f"{ind}[{new_bid(rng, taken)}] button '{q}'"]
    return [f"{ind}[{new_bid(rng, taken)}] generic", f"{ind}\t[{new_bid(rng, taken)}] link '{q}'"]


def inject(ex, msg, rng, kind):
    lines = list(ex["context"]["axtree_lines"])
    nodes = parse_text("\n".join(lines))
    taken = {n.bid for n in nodes if n.bid}
    k = rng.randrange(len(lines) + 1)
    ind = nodes[k - 1].indent if k > 0 else ""
    if k > 0 and k < len(lines) and len(nodes[k].indent) > len(ind):
        ind = nodes[k].indent  # between a parent and its first child: become its child
    ins = block(kind, msg, ind, rng, taken)
    # the target's line index moves when the block goes before it
    return lines[:k] + ins + lines[k:], set(range(k, k + len(ins)))
