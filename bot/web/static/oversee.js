"use strict";
// The overseer's page. The one-time link (#t=... from the chat, or from a sign-in with LINE) or, opened in Telegram,
// the Mini App's initData is exchanged once for a session token kept in sessionStorage and sent as a header (no
// cookie). The list is fetched once a round and sorted and filtered here; every word comes from
// the server's catalogues (the #texts block); nothing is inserted as HTML.
(function () {
  const T = JSON.parse(document.getElementById("texts").textContent);
  const LANG = document.documentElement.lang;
  const $ = (id) => document.getElementById(id);
  const fmt = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? vars[k] : m));
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  };
  const COLUMNS = [
    ["name", T.name, "text"], ["kind", T.kind, "text"], ["province", T.province, "text"],
    ["district", T.district, "text"], ["state_label", T.state, "text"], ["answered", T.answered, "num"],
    ["carried_out", T.carried_out, "num"], ["disbursed", T.disbursed, "num"], ["late_units", T.late_units, "num"],
    ["last_answer", T.last_answer, "text"], ["signoff", T.signoff, "text"],
  ];
  const FILTERS = [["f-state", "state_label"], ["f-province", "province"], ["f-district", "district"], ["f-kind", "kind"]];
  let session = sessionStorage.getItem("tidtam-oversee") || "";
  let data = null, months = 6, sortKey = "answered", sortUp = true;

  async function api(method, path, body) {
    const headers = {"Authorization": "Bearer " + session, "X-Tidtam-Lang": LANG};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
      return r;
    } catch (e) {
      return null;
    }
  }

  function fail(message) {
    $("list").hidden = true;
    $("detail").hidden = true;
    $("status").textContent = message || T.expired;
    $("status").hidden = false;
    $("sign-in").hidden = !document.body.dataset.lineLogin;  // another way in, where LINE Login is set up
  }

  function proof() {  // a one-time link, or Telegram's Mini App initData (from the bot named in ?bot=, if its own)
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("t")) return {link: hash.get("t")};
    if (hash.get("tgWebAppData")) {
      return {telegram: hash.get("tgWebAppData"), bot: new URLSearchParams(location.search).get("bot") || ""};
    }
    return null;
  }

  async function start() {
    if (new URLSearchParams(location.hash.slice(1)).get("e") === "line") {  // back from LINE, not signed in
      history.replaceState(null, "", location.pathname + location.search);
      sessionStorage.removeItem("tidtam-oversee");
      return fail(T.line_failed);
    }
    const p = proof();
    if (p) {
      history.replaceState(null, "", location.pathname + location.search);  // spent: out of the history
      const r = await api("POST", "/oversee/api/session", p);
      const b = r ? await r.json().catch(() => ({})) : {error: T.offline};
      if (!b.ok) return fail(b.error);
      session = b.session;
      sessionStorage.setItem("tidtam-oversee", session);
    }
    if (!session) return fail(T.expired);
    await load();
  }

  async function load() {
    $("status").textContent = T.loading;
    const r = await api("GET", "/oversee/api/orgs?months=" + months);
    const b = r ? await r.json().catch(() => ({})) : {error: T.offline};
    if (!b.ok) return fail(b.error);
    data = b;
    $("status").hidden = true;
    $("list").hidden = false;
    $("heading").textContent = fmt(T.summary, {office: b.office, n: b.rows.length, year: b.year || "-", months: b.months});
    if (!b.rows.length) { $("count").textContent = T.none; }
    chart();
    provinces();
    options();
    $("rules").replaceChildren(...(b.rules || []).map((t) => el("li", {text: t})));
    render();
  }

  function chart() {
    const totals = (data.totals && data.totals.by_state) || [];
    const most = Math.max(1, ...totals.map((t) => t[2]));
    $("chart").replaceChildren(el("div", {class: "bars"}, ...totals.map(([state, label, n]) => {
      const fill = el("span", {class: "fill " + (state || "unset"), "aria-hidden": "true"});
      fill.style.width = Math.round(240 * n / most) + "px";  // a CSSOM property: the page's CSP allows no inline style
      return el("div", {class: "bar"}, el("span", {class: "label", text: label}), fill, el("span", {text: String(n)}));
    })));
  }

  function provinces() {  // a region's or the nation's: each province's organisations by state, and its shares
    const list = data.provinces || [];
    $("provinces").hidden = !list.length;
    if (!list.length) return;
    const states = (data.totals && data.totals.by_state) || [];
    $("p-head").replaceChildren(...[T.province, T.organisations, ...states.map((s) => s[1]), T.carried_out, T.disbursed]
      .map((label) => el("th", {scope: "col", text: label})));
    $("p-rows").replaceChildren(...list.map((p) => el("tr", {},
      el("th", {scope: "row"}, el("button", {type: "button", "data-province": p.province, title: T.show_province, text: p.name})),
      ...[p.organisations, ...p.by_state, p.carried_out, p.disbursed].map((v) => el("td", {class: "num", text: String(v)})))));
  }

  function options() {
    for (const [id, key] of FILTERS) {
      const values = [...new Set(data.rows.map((r) => r[key]).filter((v) => v))].sort((a, b) => a.localeCompare(b, "th"));
      const chosen = $(id).value;
      $(id).replaceChildren(el("option", {value: "", text: T.all}), ...values.map((v) => el("option", {value: v, text: v})));
      if (values.includes(chosen)) $(id).value = chosen;
    }
  }

  function shown() {
    const q = $("q").value.trim();
    const rows = data.rows.filter((r) => (!q || r.name.includes(q)) &&
      FILTERS.every(([id, key]) => !$(id).value || r[key] === $(id).value));
    const num = COLUMNS.find((c) => c[0] === sortKey)[2] === "num";
    rows.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      const c = num ? Number(x) - Number(y) : String(x).localeCompare(String(y), "th");
      return (sortUp ? c : -c) || a.name.localeCompare(b.name, "th");
    });
    return rows;
  }

  function render() {
    $("head").replaceChildren(...COLUMNS.map(([key, label]) => {
      const th = el("th", {scope: "col"}, el("button", {type: "button", "data-key": key, title: T.sort, text: label}));
      if (key === sortKey) th.setAttribute("aria-sort", sortUp ? "ascending" : "descending");
      return th;
    }));
    const rows = shown();
    $("caption").textContent = T.title;
    $("count").textContent = data.rows.length ? fmt(T.shown, {n: rows.length, total: data.rows.length}) : T.none;
    $("rows").replaceChildren(...rows.map((r) => el("tr", {},
      ...COLUMNS.map(([key, , kind], i) => {
        if (i === 0) return el("th", {scope: "row"}, el("button", {type: "button", "data-org": String(r.id), text: r.name}));
        const shown = key === "last_answer" ? r.last_answer_text : r[key];  // BE on screen; sorted by the ISO date
        return el("td", {class: (kind === "num" ? "num" : "") + (key === "state_label" ? " state-" + r.state : ""),
          text: String(shown)});
      }))));
  }

  async function detail(id) {
    const r = await api("GET", "/oversee/api/org/" + id + "?months=" + months);
    const b = r ? await r.json().catch(() => ({})) : {error: T.offline};
    if (!b.ok) return fail(b.error);
    const back = el("button", {type: "button", id: "back", text: T.back});
    const parts = [back, el("h2", {text: b.name})];
    if (b.round) {
      parts.push(el("p", {text: fmt(T.items, {n: b.items})}));
      parts.push(el("table", {}, el("caption", {text: T.by_status}),
        el("tbody", {}, ...b.counts.map(([label, n]) => el("tr", {}, el("th", {scope: "row", text: label}), el("td", {class: "num", text: String(n)}))))));
      parts.push(el("h3", {text: T.by_dimension}),
        el("ul", {}, ...b.dimensions.map(([code, n, counts]) => el("li", {text: code + " (" + n + "): " + counts.map((c) => c[0] + " " + c[1]).join(" · ")}))));
      parts.push(el("h3", {text: T.awaiting_units}),
        b.awaiting_units.length ? el("ul", {}, ...b.awaiting_units.map(([u, n]) => el("li", {text: u + ": " + n}))) : el("p", {text: T.no_awaiting}));
      if (b.signoff) parts.push(el("p", {text: T.signoff + ": " + b.signoff}));
    }
    $("detail").replaceChildren(...parts);
    $("list").hidden = true;
    $("detail").hidden = false;
    back.addEventListener("click", () => { $("detail").hidden = true; $("list").hidden = false; });
    back.focus();
  }

  async function download(kind) {
    const r = await api("GET", "/oversee/api/orgs." + kind + "?months=" + months);
    if (!r || !r.ok) return fail(T.expired);
    const name = (r.headers.get("content-disposition") || "").split('filename="')[1] || "organisations." + kind;
    const a = el("a", {href: URL.createObjectURL(await r.blob()), download: name.replace(/"$/, "")});
    document.body.append(a);
    a.click();
    a.remove();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-months]").forEach((b) => b.addEventListener("click", () => {
      months = Number(b.dataset.months);
      document.querySelectorAll("[data-months]").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      load();
    }));
    $("q").addEventListener("input", render);
    for (const [id] of FILTERS) $(id).addEventListener("change", render);
    $("head").addEventListener("click", (e) => {
      const key = e.target.closest("button") && e.target.closest("button").dataset.key;
      if (!key) return;
      sortUp = key === sortKey ? !sortUp : true;
      sortKey = key;
      render();
    });
    $("p-rows").addEventListener("click", (e) => {  // a province's organisations, in the list below
      const b = e.target.closest("button");
      if (!b) return;
      $("f-province").value = b.dataset.province;
      render();
      $("filters").scrollIntoView();
    });
    $("rows").addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (b && b.dataset.org) detail(b.dataset.org);
    });
    document.querySelectorAll("[data-fmt]").forEach((b) => b.addEventListener("click", () => download(b.dataset.fmt)));
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    start();
  });
})();
