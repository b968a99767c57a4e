/* ctxprune playground: one renderer per kind, from the request sent and the result returned.
   Everything is built with DOM nodes and textContent (never innerHTML), so context text cannot inject markup. */
"use strict";

const R = (() => {
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function describe(u) {
    const parts = [];
    if (u.score !== null && u.score !== undefined) parts.push("score " + Number(u.score).toFixed(3));
    if (u.reason) parts.push(u.reason);
    if (u.tokens) parts.push(u.tokens + " tokens");
    if (u.id) parts.push("id " + u.id);
    return parts.join(" · ");
  }

  /* A kept or dropped unit: highlighted or struck, its score and reason on hover. */
  function unit(tag, u, kept, text) {
    const e = el(tag, "unit " + (kept ? "kept" : "dropped"), text !== undefined ? text : u.text);
    if (u) {
      e.title = (kept ? "kept" : "dropped") + " · " + describe(u);
      e.dataset.id = u.id;
      if (u.score !== null && u.score !== undefined) e.dataset.score = u.score;
      e.dataset.reason = u.reason || "";
    }
    return e;
  }

  function index(units) {
    const m = new Map();
    for (const u of units || []) m.set(String(u.id), u);
    return m;
  }

  /* Append items; each run of dropped ones also gets a fold mark shown when dropped units are hidden. */
  function withFolds(parent, items, sep) {
    let run = 0;
    const flush = () => {
      if (run) parent.appendChild(el("span", "fold-mark", "[… " + run + " dropped]"));
      run = 0;
    };
    items.forEach((node, i) => {
      if (node.classList.contains("dropped")) run += 1; else flush();
      if (i && sep) parent.appendChild(document.createTextNode(sep));
      parent.appendChild(node);
    });
    flush();
  }

  // ------------------------------------------------------------------ passages
  function passages(req, res, out) {
    const kept = index(res.kept), dropped = index(res.dropped);
    (req.passages || []).forEach((p, pi) => {
      const pid = p.id || String(pi);
      const units = [];
      for (let si = 0; ; si++) {
        const id = pid + "#" + si;
        const k = kept.get(id), d = dropped.get(id);
        if (!k && !d) break;
        units.push(unit("span", k || d, Boolean(k)));
      }
      const anyKept = units.some(u => u.classList.contains("kept"));
      const box = el(anyKept ? "div" : "details", "passage" + (anyKept ? "" : " folded"));
      const head = el(anyKept ? "div" : "summary", "passage-title", (p.title || pid) + (anyKept ? "" : " — all sentences dropped"));
      box.appendChild(head);
      const body = el("p", "passage-text");
      if (units.length) withFolds(body, units, " "); else body.appendChild(el("span", "muted", p.text));
      box.appendChild(body);
      out.appendChild(box);
    });
  }

  // ------------------------------------------------------------------ table
  function parseCsv(text) {
    const rows = [];
    let row = [], cell = "", q = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (q) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
      } else if (c === '"') q = true;
      else if (c === ",") { row.push(cell); cell = ""; }
      else if (c === "\n") { row.push(cell.replace(/\r$/, "")); rows.push(row); row = []; cell = ""; }
      else cell += c;
    }
    if (cell || row.length) { row.push(cell); rows.push(row); }
    return rows.filter(r => r.some(c => c !== ""));
  }

  function parseMarkdown(text) {
    const lines = text.split("\n").map(l => l.trim()).filter(l => l.startsWith("|"));
    const cells = l => l.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map(c => c.trim());
    return lines.map(cells).filter(r => !r.every(c => /^:?-+:?$/.test(c)));
  }

  function inputTable(t) {
    if (t.columns) return { columns: t.columns, rows: t.rows || [] };
    if (t.records) {
      const cols = [];
      t.records.forEach(r => Object.keys(r).forEach(k => { if (!cols.includes(k)) cols.push(k); }));
      return { columns: cols, rows: t.records.map(r => cols.map(c => (c in r ? r[c] : null))) };
    }
    const rows = t.csv !== undefined && t.csv !== null ? parseCsv(t.csv) : parseMarkdown(t.markdown || "");
    return { columns: rows[0] || [], rows: rows.slice(1) };
  }

  function table(req, res, out) {
    const t = inputTable(req.table || {});
    const kc = new Set(res.kept_columns || []), kr = new Set(res.kept_rows || []);
    const units = index([...(res.kept || []), ...(res.dropped || [])]);
    const grid = el("table", "grid");
    const head = el("tr");
    head.appendChild(el("th", "rownum", "#"));
    t.columns.forEach((c, j) => head.appendChild(unit("th", units.get("column:" + j), kc.has(j), c === null ? "" : String(c))));
    grid.appendChild(el("thead")).appendChild(head);
    const body = grid.appendChild(el("tbody"));
    t.rows.forEach((r, i) => {
      const tr = unit("tr", units.get("row:" + i), kr.has(i), "");
      tr.appendChild(el("td", "rownum", String(i)));
      t.columns.forEach((_, j) => {
        const v = r[j];
        tr.appendChild(el("td", kr.has(i) && kc.has(j) ? "cell kept" : "cell dropped", v === null || v === undefined ? "" : String(v)));
      });
      body.appendChild(tr);
    });
    out.appendChild(el("div", "grid-wrap")).appendChild(grid);
    if (res.rendered) {
      out.appendChild(el("h3", null, "Rendered for the prompt (" + (res.format || "markdown") + ")"));
      out.appendChild(el("pre", "rendered", res.rendered));
    }
  }

  // ------------------------------------------------------------------ axtree
  function treeLines(axtree) {
    if (typeof axtree === "string") return axtree.split("\n").filter(l => l.trim());
    const lines = [];
    (function walk(n, depth) {
      const bid = n.bid ? "[" + n.bid + "] " : "";
      lines.push("\t".repeat(depth) + bid + (n.role || "generic") + (n.name ? " '" + n.name + "'" : ""));
      (n.children || []).forEach(c => walk(c, depth + 1));
    })(axtree, 0);
    return lines;
  }

  function axtree(req, res, out) {
    const lines = treeLines(req.axtree);
    const byId = index([...(res.kept || []), ...(res.dropped || [])]);
    const byText = new Map([...(res.kept || []), ...(res.dropped || [])].map(u => [u.text, u]));
    const keptIds = new Set((res.kept || []).map(u => String(u.id)));
    const removed = new Set((res.removed_injections || []).map(r => r.bid).filter(Boolean));
    const pre = el("div", "tree");
    let fold = null;
    lines.forEach((line, i) => {
      const m = line.trim().match(/^\[([^\[\]\s]+)\]/);
      const id = m ? m[1] : "line" + i;
      const u = byId.get(id) || byText.get(line.trim());
      const kept = Boolean(u) && keptIds.has(String(u.id));
      const node = unit("div", u, kept, line.replace(/\t/g, "    "));
      node.classList.add("line");
      const isInjection = !kept && u && (removed.has(u.id) || /injection/.test(u.reason || ""));
      if (isInjection) node.classList.add("injection");
      if (kept) { fold = null; pre.appendChild(node); return; }
      if (!fold) {
        fold = el("details", "fold");
        fold.appendChild(el("summary", "fold-summary"));
        fold.dataset.n = "0";
        pre.appendChild(fold);
      }
      fold.dataset.n = String(Number(fold.dataset.n) + 1);
      fold.firstChild.textContent = "… " + fold.dataset.n + " line" + (fold.dataset.n === "1" ? "" : "s") + " pruned";
      fold.appendChild(node);
    });
    out.appendChild(pre);
    out.appendChild(el("h3", null, "Pruned tree as returned"));
    out.appendChild(el("pre", "rendered", res.axtree || ""));
  }

  function injections(res, panel) {
    const list = res.removed_injections;
    panel.replaceChildren();
    if (!Array.isArray(list)) { panel.hidden = true; return; }
    panel.hidden = false;
    panel.appendChild(el("h3", null, "Removed injections (" + list.length + ")"));
    if (!list.length) { panel.appendChild(el("p", "muted", "The guard found nothing that speaks to the agent.")); return; }
    const ul = panel.appendChild(el("ul"));
    list.forEach(r => {
      const li = ul.appendChild(el("li", "injection-item"));
      li.appendChild(el("code", null, r.bid ? "[" + r.bid + "]" : "(no bid)"));
      li.appendChild(el("span", "inj-text", " " + r.text));
      li.appendChild(el("div", "muted", r.reason));
    });
  }

  // ------------------------------------------------------------------ memory
  function memory(req, res, out) {
    const kept = index(res.kept), dropped = index(res.dropped);
    if (res.time_scope) {
      const s = res.time_scope;
      out.appendChild(el("p", "scope", "Time scope of the question: " + (s.start || "…") + " → " + (s.end || "…") +
        (s.kind ? " (" + s.kind + (s.text ? ": '" + s.text + "'" : "") + ")" : "")));
    }
    (req.sessions || []).forEach((s, si) => {
      const turns = (s.turns || []).map((t, ti) => {
        const id = si + "/" + ti;
        const k = kept.get(id), d = dropped.get(id);
        const row = unit("div", k || d, Boolean(k), "");
        row.classList.add("turn");
        row.appendChild(el("b", null, t.speaker + ": "));
        row.appendChild(document.createTextNode(t.text));
        return row;
      });
      const anyKept = turns.some(t => t.classList.contains("kept"));
      const box = el(anyKept ? "div" : "details", "session" + (anyKept ? "" : " folded"));
      box.appendChild(el(anyKept ? "div" : "summary", "session-title",
        "Session " + s.id + (s.time ? " — " + s.time : "") + (anyKept ? "" : " — no turn kept")));
      const body = el("div", "session-turns");
      withFolds(body, turns);
      box.appendChild(body);
      out.appendChild(box);
    });
  }

  // ------------------------------------------------------------------ prompt
  function words(s) { return s.split(/\s+/).filter(Boolean); }

  /* Word-level view of an LM-thinned sentence: the words it kept, the ones it dropped struck. */
  function thinned(original, kept, u) {
    const span = el("span", "unit kept thinned");
    span.title = "kept (thinned) · " + describe(u);
    span.dataset.id = u.id;
    const want = words(kept);
    let w = 0;
    words(original).forEach((word, i) => {
      if (i) span.appendChild(document.createTextNode(" "));
      if (w < want.length && want[w] === word) { span.appendChild(el("span", "tok kept", word)); w += 1; }
      else span.appendChild(el("span", "tok dropped", word));
    });
    return span;
  }

  function prompt(req, res, out) {
    const ctx = req.context || "";
    const keptIds = new Set((res.kept || []).map(u => u.id));
    const all = [...(res.kept || []), ...(res.dropped || [])]
      .sort((a, b) => Number(String(a.id).slice(1)) - Number(String(b.id).slice(1)));
    const body = el("div", "prompt-text");
    let cursor = 0;
    const nodes = [];
    all.forEach((u, n) => {
      const at = ctx.indexOf(u.text, cursor);
      if (at >= 0) {  // verbatim: the sentence as it stands in the context
        if (at > cursor && /\n\s*\n/.test(ctx.slice(cursor, at))) nodes.push(el("br", "para")), nodes.push(el("br", "para"));
        nodes.push(unit("span", u, keptIds.has(u.id)));
        cursor = at + u.text.length;
        return;
      }
      // thinned by the LM: the original runs up to the next verbatim unit
      let end = ctx.length;
      for (const v of all.slice(n + 1)) { const j = ctx.indexOf(v.text, cursor); if (j >= 0) { end = j; break; } }
      nodes.push(thinned(ctx.slice(cursor, end).trim(), u.text, u));
      cursor = end;
    });
    nodes.forEach((node, i) => {
      if (i && node.tagName !== "BR") body.appendChild(document.createTextNode(" "));
      body.appendChild(node);
    });
    out.appendChild(body);
    if (req.instruction || req.question) {
      out.appendChild(el("h3", null, "Prompt as returned (instruction and question are kept verbatim)"));
      out.appendChild(el("pre", "rendered", res.prompt || ""));
    }
  }

  // ------------------------------------------------------------------ any other kind
  function generic(req, res, out) {
    const all = [...(res.kept || []).map(u => [u, true]), ...(res.dropped || []).map(u => [u, false])];
    const list = el("div", "generic");
    all.forEach(([u, k]) => list.appendChild(unit("div", u, k)));
    out.appendChild(list);
  }

  return { el, unit, renderers: { passages, table, axtree, memory, prompt }, generic, injections, inputTable };
})();
window.CtxRender = R;
