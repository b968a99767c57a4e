"""Accessibility-tree parsing: BrowserGym/WebArena text (one node per line) and the nested JSON form.

A text line is ``<indent>[bid] role 'name' props`` (the bid is optional, ``StaticText`` lines
usually have none); nesting is given by the indent, tabs or spaces. The JSON form is
``{"role", "name", "bid", "children", "properties"?}``; it is rendered to BrowserGym lines (one
tab per level) so both forms go through the same pruning. Lines are never rewritten, except that
``short_line`` gives an ancestor's ``[bid] role`` form when it only holds the structure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import gcd
from typing import Any

# [bid] role 'name' rest  |  role 'name' rest  (name may be absent; bids are any text without brackets)
_LINE = re.compile(r"^(?:\[(?P<bid>[^\[\]\s]+)\]\s*)?(?P<role>[^\s'\"]+)?\s*(?P<rest>.*)$", re.S)

#: roles an agent acts on (FocusAgent keeps them preferentially)
INTERACTIVE = frozenset("""link button textbox searchbox combobox listbox option checkbox radio switch slider spinbutton
menuitem menuitemcheckbox menuitemradio tab treeitem gridcell columnheader rowheader DisclosureTriangle
select input textarea""".lower().split())


@dataclass
class Node:
    index: int  # line number in the (rendered) input
    line: str  # the line exactly as given, indent included
    depth: int
    bid: str | None
    role: str
    name: str
    props: str
    parent: int | None = None
    children: list[int] = field(default_factory=list)

    @property  # a set lookup: cheaper than a cached_property's first read (it takes a lock), which every new node pays
    def interactive(self) -> bool:
        return self.role.lower() in INTERACTIVE

    @property
    def indent(self) -> str:
        return self.line[: len(self.line) - len(self.line.lstrip())]


# properties follow the closing quote as ", key=value" or " key: value"; the name ends at the last quote before them
# (a quote escaped inside the name with a backslash, as Python's repr prints it, does not end it)
# (the quote first, then a look back for its backslash: the same matches as a look-behind before the quote, but ``re``
# can skip from quote to quote instead of trying every position)
_NAME_END = {q: re.compile(re.escape(q) + r"(?<!\\" + re.escape(q) + r")(?=(?:,\s*\w[\w-]*=|\s+\w[\w-]*:\s|\s*$))")
             for q in "'\""}


def _split_name(rest: str) -> tuple[str, str]:
    """``'name' props`` -> (name, props). The name runs to the last matching quote before the props."""
    rest = rest.strip()
    if not rest or rest[0] not in "'\"":
        return "", rest
    q = rest[0]
    end = rest.rfind(q)
    if end <= 0:
        return rest[1:], ""
    m = _NAME_END[q].search(rest, 1)
    end = m.start() if m else end
    return rest[1:end], rest[end + 1:].strip().lstrip(",").strip()


def parse_line(index: int, raw: str, depth: int) -> Node:
    body = raw.strip()
    m = _LINE.match(body)
    bid, role, rest = (m.group("bid"), m.group("role") or "", m.group("rest") or "") if m else (None, "", body)
    name, props = _split_name(rest)
    return Node(index, raw, depth, bid, role, name, props)


_BID_START = re.compile(r"^\[[^\[\]\s]+\]")
MAX_NAME_LINES = 40


def _open_quote(node: Node) -> str | None:
    """The quote a node's name opens and never closes on its line (a name printed with raw newlines), else None."""
    m = _LINE.match(node.line.strip())
    rest = (m.group("rest") or "").strip() if m else ""
    if not rest or rest[0] not in "'\"":
        return None
    q = rest[0]
    return q if re.search(r"(?<!\\)" + re.escape(q), rest[1:]) is None else None


def broken_name_runs(nodes: list[Node]) -> dict[int, list[int]]:
    """Names broken over several lines by raw newlines: first line -> the lines that continue it, through the one
    that closes the quote. A run that meets a ``[bid]`` line or no closing quote within ``MAX_NAME_LINES`` is not one."""
    runs: dict[int, list[int]] = {}
    end = -1
    # only a line with an odd count of some quote can leave its name open (escaped quotes are checked after)
    for i in [n.index for n in nodes if n.line.count("'") & 1 or n.line.count('"') & 1]:
        if i <= end or (q := _open_quote(nodes[i])) is None:
            continue
        run = []
        for j in range(i + 1, min(len(nodes), i + 1 + MAX_NAME_LINES)):
            body = nodes[j].line.strip()
            if _BID_START.match(body):
                break
            run.append(j)
            if body.endswith(q) and not body.endswith("\\" + q):
                runs[i], end = run, j
                break
    return runs


def broken_name_text(nodes: list[Node], first: int, rest: list[int]) -> str:
    """The whole name of a broken run, its lines joined by newlines, without the closing quote."""
    tail = [nodes[j].line.strip() for j in rest]
    tail[-1] = tail[-1][:-1]
    return "\n".join([nodes[first].name, *tail]).strip()


def _indent_units(lines: list[str]) -> list[int]:
    """Nesting level per line from its leading tabs and spaces (spaces measured in the smallest step used)."""
    widths = []
    for ln in lines:
        lead = ln[: len(ln) - len(ln.lstrip())]
        widths.append((lead.count("\t"), len(lead.replace("\t", ""))))
    step = 0
    for _, sp in widths:
        if sp:
            step = gcd(step, sp)
    return [tabs + (sp // step if step else 0) for tabs, sp in widths]


def link_tree(nodes: list[Node]) -> list[Node]:
    """Parents and children from depths; a jump of more than one level hangs under the previous node."""
    stack: list[Node] = []
    for n in nodes:
        while stack and stack[-1].depth >= n.depth:
            stack.pop()
        if stack:
            n.parent = stack[-1].index
            stack[-1].children.append(n.index)
        stack.append(n)
    return nodes


def parse_text(text: str) -> list[Node]:
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
    depths = _indent_units(lines)
    return link_tree([parse_line(i, ln, d) for i, (ln, d) in enumerate(zip(lines, depths))])


def _quote(name: str) -> str:
    return "'" + name.replace("\n", " ") + "'"


def json_lines(tree: Any) -> list[str]:
    """Render the JSON form as BrowserGym lines, one tab per level, children after their parent."""
    out: list[str] = []
    stack = [(n, 0) for n in reversed(tree if isinstance(tree, list) else [tree])]
    while stack:
        node, depth = stack.pop()
        parts = []
        if node.get("bid") not in (None, ""):
            parts.append(f"[{node['bid']}]")
        parts.append(str(node.get("role") or "generic"))
        if node.get("name"):
            parts.append(_quote(str(node["name"])))
        props = node.get("properties") or {}
        line = " ".join(parts) + "".join(f", {k}={v!r}" if isinstance(v, str) else f", {k}={v}" for k, v in props.items())
        out.append("\t" * depth + line)
        for child in reversed(node.get("children") or []):
            stack.append((child, depth + 1))
    return out


def parse_json(tree: Any) -> list[Node]:
    return parse_text("\n".join(json_lines(tree)))


def short_line(node: Node) -> str:
    """An ancestor kept only for structure: its indent, bid and role, nothing else."""
    head = f"[{node.bid}] {node.role}" if node.bid else node.role
    return node.indent + head


def ancestors(nodes: list[Node], i: int) -> list[int]:
    out = []
    p = nodes[i].parent
    while p is not None:
        out.append(p)
        p = nodes[p].parent
    return out


def subtree(nodes: list[Node], i: int) -> list[int]:
    """``i`` and all its descendants (a contiguous run of lines after ``i``)."""
    out, todo = [], [i]
    while todo:
        j = todo.pop()
        out.append(j)
        todo.extend(nodes[j].children)
    return sorted(out)


def must_keep_lines(nodes: list[Node], keep: list[str] | None) -> set[int]:
    """Lines holding any of the caller's must-keep strings."""
    return {n.index for n in nodes if any(k in n.line for k in keep)} if keep else set()
