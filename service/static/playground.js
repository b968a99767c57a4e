/* ctxprune playground: discover the kinds the server serves, fill a request from a sample, call
   POST /v1/prune/<kind> with the API key as a Bearer token, and render what was kept and dropped. */
"use strict";

(() => {
  const R = window.CtxRender;
  const $ = id => document.getElementById(id);

  // How each known kind's request is laid out in the form; a kind the page does not know is edited as raw JSON.
  const KINDS = {
    passages: { query: "query", queryLabel: "Query", content: "passages", json: true,
                contentLabel: "Passages (JSON list of {id, title, text})" },
    table: { query: "query", queryLabel: "Query", content: "table", json: true,
             contentLabel: "Table (JSON: {columns, rows} | {records} | {csv} | {markdown})" },
    axtree: { query: "goal", queryLabel: "Goal", content: "axtree", json: false,
              contentLabel: "Accessibility tree (BrowserGym text, one node per line; or the JSON form)" },
    memory: { query: "query", queryLabel: "Query", content: "sessions", json: true,
              contentLabel: "Sessions (JSON list of {id, time, turns: [{id, speaker, text}]})" },
    prompt: { query: "question", queryLabel: "Question", content: "context", json: false,
              contentLabel: "Context (plain text; instruction and question go in the other fields)" },
  };
  const GENERIC = { query: "query", queryLabel: "Query", content: null, json: true,
                    contentLabel: "Request body (JSON, without query, budget and keep)" };

  const state = { kinds: [], kind: null, samples: [], last: null };

  function key() { return $("api-key").value.trim(); }

  function headers(extra) {
    const h = Object.assign({ Accept: "application/json" }, extra || {});
    if (key()) h.Authorization = "Bearer " + key();
    return h;
  }

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
  }

  function status(text, cls) {
    $("status").textContent = text;
    $("status").className = cls || "";
  }

  // ------------------------------------------------------------------ kinds
  async function discover() {
    let resp;
    try {
      resp = await fetch("/openapi.json", { headers: headers() });
    } catch (e) {
      notice("Cannot reach the server: " + e.message);
      return;
    }
    if (resp.status === 401) {
      notice("This server needs an API key: enter it above (it is sent as 'Authorization: Bearer …').");
      renderKinds([]);
      return;
    }
    if (!resp.ok) { notice("GET /openapi.json failed: HTTP " + resp.status); return; }
    const spec = await resp.json();
    const kinds = Object.keys(spec.paths || {})
      .map(p => (p.match(/^\/v1\/prune\/([^/{}]+)$/) || [])[1])
      .filter(Boolean);
    notice(kinds.length ? "" : "This server serves no prune routes.");
    renderKinds(kinds);
  }

  function renderKinds(served) {
    state.kinds = served;
    const nav = $("kinds");
    // Buttons are updated in place, never rebuilt: a rediscovery (the key field's change event fires
    // when a click on a kind blurs it) must not swap the button between mousedown and mouseup,
    // which would swallow that click.
    const names = [...Object.keys(KINDS), ...served.filter(k => !(k in KINDS))];
    const existing = new Map([...nav.querySelectorAll(".kind")].map(b => [b.dataset.kind, b]));
    names.forEach(k => {
      let b = existing.get(k);
      if (!b) {
        b = R.el("button", "kind", k);
        b.type = "button";
        b.dataset.kind = k;
        b.addEventListener("click", () => selectKind(k));
      }
      const off = !served.includes(k);
      b.disabled = off;
      b.title = off ? "not served by this server (its pruner is not registered)" : "";
      if (b.parentNode !== nav) nav.appendChild(b);
      existing.delete(k);
    });
    existing.forEach(b => b.remove());
    nav.dataset.renders = String(Number(nav.dataset.renders || 0) + 1);  // lets a test wait for a rediscovery
    if (served.includes(state.kind)) {  // keep what the user was editing
      nav.querySelector('[data-kind="' + state.kind + '"]').classList.add("active");
      return;
    }
    const first = served.find(k => k in KINDS) || served[0];
    if (first) selectKind(first);
  }

  async function selectKind(kind) {
    state.kind = kind;
    delete document.body.dataset.kind;
    document.querySelectorAll("#kinds .kind").forEach(b => b.classList.toggle("active", b.dataset.kind === kind));
    let samples = [];
    if (kind in KINDS) {
      const resp = await fetch("/ui/static/samples/" + kind + ".json");
      samples = resp.ok ? await resp.json() : [];
    }
    if (state.kind !== kind) return;  // another kind was picked while the samples loaded
    const cfg = KINDS[kind] || GENERIC;
    $("query-label").textContent = cfg.queryLabel;
    $("content-label").textContent = cfg.contentLabel;
    state.samples = samples;
    const sel = $("sample");
    sel.replaceChildren();
    state.samples.forEach((s, i) => {
      const o = R.el("option", null, s.name);
      o.value = String(i);
      sel.appendChild(o);
    });
    if (!state.samples.length) sel.appendChild(R.el("option", null, "(no bundled sample: paste a request)"));
    loadSample(0);
    clearResult();
    document.body.dataset.kind = kind;  // the form holds this kind's first sample
  }

  function loadSample(i) {
    const cfg = KINDS[state.kind] || GENERIC;
    const s = state.samples[i];
    const req = Object.assign({}, s ? s.request : {});
    $("attribution").textContent = s ? "Source: " + s.source + " · " + s.licence + (s.attribution ? " · " + s.attribution : "") : "";
    $("query").value = req[cfg.query] || "";
    delete req[cfg.query];
    let content = "";
    if (cfg.content) {
      const v = req[cfg.content];
      content = v === undefined ? "" : (typeof v === "string" ? v : JSON.stringify(v, null, 1));
      delete req[cfg.content];
      $("extra").value = Object.keys(req).length ? JSON.stringify(req) : "";
    } else {
      content = JSON.stringify(req, null, 1);
      $("extra").value = "";
    }
    $("content").value = content;
    $("keep").value = "";
  }

  // ------------------------------------------------------------------ request
  function budget() {
    const mode = document.querySelector("input[name=budget]:checked").value;
    const v = Number($("budget-value").value);
    if (mode === "adaptive") return null;
    return mode === "ratio" ? { ratio: v } : { max_tokens: Math.round(v) };
  }

  function parseJson(text, what) {
    try { return JSON.parse(text); } catch (e) { throw new Error(what + " is not valid JSON: " + e.message); }
  }

  function buildRequest() {
    const cfg = KINDS[state.kind] || GENERIC;
    const extra = $("extra").value.trim() ? parseJson($("extra").value, "'Other fields'") : {};
    let body;
    if (cfg.content) {
      const raw = $("content").value;
      const asJson = cfg.json || (state.kind === "axtree" && raw.trim().startsWith("{"));
      body = Object.assign({}, extra, { [cfg.content]: asJson ? parseJson(raw, "The context") : raw });
    } else {
      body = Object.assign(parseJson($("content").value || "{}", "The request body"), extra);
    }
    if ($("query").value.trim()) body[cfg.query] = $("query").value;
    body.budget = budget();
    const keep = $("keep").value.split("\n").map(s => s.trim()).filter(Boolean);
    if (keep.length) body.keep = keep;
    return body;
  }

  function errorText(resp, data) {
    if (resp.status === 401) return "401: the server needs a valid API key (field at the top right).";
    if (data && data.message) return resp.status + ": " + data.message;
    return "HTTP " + resp.status;
  }

  async function run() {
    if (!state.kind) return;
    let body;
    try { body = buildRequest(); } catch (e) { status(e.message, "error"); return; }
    status("pruning…", "busy");
    $("run").disabled = true;
    const t0 = performance.now();
    let resp, data = null;
    try {
      resp = await fetch("/v1/prune/" + encodeURIComponent(state.kind), {
        method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body),
      });
      data = await resp.json().catch(() => null);
    } catch (e) {
      status("request failed: " + e.message, "error");
      $("run").disabled = false;
      return;
    }
    const roundTrip = performance.now() - t0;
    $("run").disabled = false;
    $("raw").textContent = "POST /v1/prune/" + state.kind + "\n" + JSON.stringify(body, null, 1) +
      "\n\n→ " + resp.status + "\n" + JSON.stringify(data, null, 1);
    if (!resp.ok) {
      status(errorText(resp, data), "error");
      if (resp.status === 401) notice("This server needs an API key: enter it above.");
      return;
    }
    status("done", "ok");
    state.last = { body, data, roundTrip };
    show(body, data, roundTrip);
  }

  // ------------------------------------------------------------------ result
  function clearResult() {
    $("stats").replaceChildren();
    $("result").replaceChildren();
    $("injections").hidden = true;
    $("raw").textContent = "";
    status("");
  }

  function stat(label, value, cls) {
    const d = R.el("div", "stat" + (cls ? " " + cls : ""));
    d.appendChild(R.el("span", "stat-label", label));
    d.appendChild(R.el("span", "stat-value", value));
    return d;
  }

  function showStats(s, res, roundTrip) {
    const box = $("stats");
    box.replaceChildren();
    box.appendChild(stat("tokens", s.tokens_in + " → " + s.tokens_out, "tokens"));
    box.appendChild(stat("kept share", (100 * (s.ratio || 0)).toFixed(1) + "%"));
    box.appendChild(stat("budget", s.budget_tokens === null || s.budget_tokens === undefined ? "adaptive" :
      s.budget_tokens + " tokens" + (s.budget_exceeded ? " (exceeded: must-keep wins)" : ""), s.budget_exceeded ? "warn" : ""));
    box.appendChild(stat("latency", Number(s.latency_ms || 0).toFixed(1) + " ms server · " + roundTrip.toFixed(0) + " ms round trip", "latency"));
    box.appendChild(stat("cache", s.cache || ""));
    box.appendChild(stat("units", (res.kept || []).length + " kept · " + (res.dropped || []).length + " dropped"));
    box.appendChild(stat("method", (s.method || "") + (s.scorer ? " — " + s.scorer : "")));
  }

  function show(body, res, roundTrip) {
    showStats(res.stats || {}, res, roundTrip);
    const out = $("result");
    out.replaceChildren();
    const render = R.renderers[state.kind] || R.generic;
    try {
      render(body, res, out);
    } catch (e) {  // an unexpected result shape still shows the units
      out.replaceChildren(R.el("p", "error", "Could not lay out this result (" + e.message + "); units below."));
      R.generic(body, res, out);
    }
    R.injections(res, $("injections"));
    out.classList.toggle("hide-dropped", !$("show-dropped").checked);
  }

  // ------------------------------------------------------------------ wiring
  function init() {
    $("api-key").value = sessionStorage.getItem("ctxprune-key") || "";
    $("api-key").addEventListener("change", () => {
      sessionStorage.setItem("ctxprune-key", key());
      discover();
    });
    $("sample").addEventListener("change", e => { loadSample(Number(e.target.value)); clearResult(); });
    $("run").addEventListener("click", run);
    $("show-dropped").addEventListener("change", e => $("result").classList.toggle("hide-dropped", !e.target.checked));
    document.querySelectorAll("input[name=budget]").forEach(r => r.addEventListener("change", () => {
      const v = $("budget-value");
      const mode = document.querySelector("input[name=budget]:checked").value;
      v.disabled = mode === "adaptive";
      if (mode === "ratio") Object.assign(v, { step: "0.05", min: "0.05", max: "1", value: "0.3" });
      if (mode === "max_tokens") Object.assign(v, { step: "10", min: "1", max: "", value: "300" });
    }));
    discover();
  }

  init();
})();
