"use strict";
// The answer form. Who is asking: a one-time link (#t=...), Telegram's Mini App initData (#tgWebAppData=...) or
// a LINE LIFF ID token; each is exchanged once for a session token kept in sessionStorage and sent as a header
// (no cookie). Every word comes from the server's catalogues (the #texts block).
(function () {
  const T = JSON.parse(document.getElementById("texts").textContent);
  const LANG = document.documentElement.lang;
  const STATUS = ["not_started", "in_progress", "completed", "cannot"];
  const REASONS = ["no_budget", "policy", "staff", "other"];
  let session = sessionStorage.getItem("tidtam-form") || "";
  let data = null, awaitingOnly = true;
  const unsent = new Map();  // drafts not yet saved on the server (a dropped connection): sent again later
  const $ = (id) => document.getElementById(id);
  const fmt = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined && vars[k] !== null ? vars[k] : m));
  const key = (it) => it.item + ":" + it.unit;
  const fid = (it, name) => "f-" + it.item + "-" + it.unit + "-" + name;

  async function api(method, path, body, extra) {
    const headers = Object.assign({"Authorization": "Bearer " + session, "X-Tidtam-Lang": LANG}, extra || {});
    if (!(body instanceof Blob)) headers["Content-Type"] = "application/json";
    try {
      const r = await fetch(path, {method, headers,
        body: body === undefined ? undefined : body instanceof Blob ? body : JSON.stringify(body)});
      return {status: r.status, body: await r.json().catch(() => ({}))};
    } catch (e) {
      return {status: 0, body: {ok: false, error: T.offline}};
    }
  }

  async function proof() {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("t")) return {link: hash.get("t")};
    if (hash.get("tgWebAppData")) {  // an organisation's own bot names itself: its proof is signed with its token
      return {telegram: hash.get("tgWebAppData"), bot: new URLSearchParams(location.search).get("bot") || ""};
    }
    const liffId = document.body.dataset.liff;
    if (liffId && window.liff) {
      await window.liff.init({liffId});
      if (!window.liff.isLoggedIn()) { window.liff.login(); return "wait"; }
      return {line: window.liff.getIDToken()};
    }
    return null;
  }

  async function start() {
    let p = null;
    try { p = await proof(); } catch (e) { return fail(T.expired); }
    if (p === "wait") return;
    if (p) {
      history.replaceState(null, "", location.pathname + location.search);  // the proof is spent: out of history
      const r = await api("POST", "/form/api/session", p);
      if (!r.body.ok) return fail(r.body.error);
      session = r.body.session;
      sessionStorage.setItem("tidtam-form", session);
    }
    if (!session) return fail(T.expired);
    const r = await api("GET", "/form/api/items");
    if (!r.body.ok) return fail(r.body.error);
    if (r.body.lang && r.body.lang !== LANG && !new URLSearchParams(location.search).get("lang")) {
      location.replace(location.pathname + "?lang=" + encodeURIComponent(r.body.lang));  // the person's language
      return;
    }
    data = r.body;
    $("round").textContent = fmt(T.round, {months: data.round.months, deadline: data.round.deadline});
    render();
  }

  function fail(message) {  // nothing to answer on this page: no live control is left to press
    $("items").textContent = "";
    $("status").textContent = message || T.error;
    $("send").hidden = true;
    document.querySelector(".filter").hidden = true;
  }

  function closed(message) {  // the round closed meanwhile: what was typed stays on the page, nothing can be sent
    $("status").textContent = message;
    $("send").disabled = true;
    data.closed = true;
  }

  function value(it, name) {
    if (it.draft && it.draft[name] !== undefined) return it.draft[name];
    const a = it.answer;
    if (!a) return "";
    return {status: a.status, done: a.done, disbursed: a.no_money ? "-" : a.disbursed, qty: a.qty,
            reason_category: a.reason_category, reason: a.reason}[name] || "";
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function field(box, it, name, label, multiline) {
    const id = fid(it, name);
    box.append(el("label", {for: id, class: "field"}, label));
    const input = el(multiline ? "textarea" : "input", multiline ? {id, name, rows: "3"} :
      {id, name, type: "text", inputmode: name === "url" ? "url" : name === "done" ? "text" : "decimal"});
    input.value = value(it, name) || "";
    input.setAttribute("aria-describedby", id + "-error");
    input.addEventListener("input", () => keep(it, name, input.value));
    box.append(input, el("p", {class: "error", id: id + "-error"}));
  }

  const timers = {};
  function keep(it, name, v) {
    const {evidence, ...typed} = it.draft || {};
    it.draft = Object.assign({evidence: evidence || []}, typed, {[name]: v});
    clearTimeout(timers[key(it)]);
    unsent.set(key(it), it);
    timers[key(it)] = setTimeout(flush, 400);
    if (name === "status" || name === "reason_category") {
      render();
      const again = document.querySelector("input[name='s-" + it.item + "-" + it.unit + "'][value='" + value(it, "status") + "']");
      if (again && name === "status") again.focus();
    }
  }

  async function flush() {
    for (const [k, it] of Array.from(unsent)) {
      const {evidence, ...fields} = it.draft;
      const r = await api("PUT", "/form/api/draft", {round: data.round.id, item: it.item, unit: it.unit, fields});
      if (r.status === 0) { $("status").textContent = T.offline; return false; }
      unsent.delete(k);
      if (!r.body.ok) { $("status").textContent = r.body.error || T.error; return false; }
      if (r.body.closed) { closed(r.body.closed); return false; }
    }
    return true;
  }
  window.addEventListener("online", flush);

  async function upload(it, input) {
    const file = input.files[0];
    if (!file) return;
    const err = $(fid(it, "file") + "-error");
    const limit = Number(document.body.dataset.maxMb);
    if (limit && file.size > limit * 1024 * 1024) { input.value = ""; err.textContent = fmt(T.too_large, {limit}); return; }
    err.textContent = T.uploading;
    const r = await api("POST", "/form/api/evidence", file, {
      "Content-Type": file.type || "application/octet-stream", "X-Tidtam-Round": String(data.round.id),
      "X-Tidtam-Item": String(it.item),
      "X-Tidtam-Unit": String(it.unit), "X-Tidtam-Filename": encodeURIComponent(file.name)});
    input.value = "";
    if (!r.body.ok) { err.textContent = r.body.error || T.error; return; }
    err.textContent = "";
    it.draft = Object.assign({}, it.draft, {evidence: r.body.files});
    $(fid(it, "files")).textContent = fmt(T.files, {names: r.body.files.map((f) => f.name).join(", ")});
  }

  function item(it) {
    const box = el("section", {class: "item", "aria-labelledby": "h-" + it.item + "-" + it.unit});
    box.append(el("h3", {id: "h-" + it.item + "-" + it.unit}, it.code + " " + it.title));
    box.append(el("p", {class: "unit"}, it.unit_name));
    if (it.kpi) box.append(el("p", {class: "about"}, fmt(T.kpi, {kpi: it.kpi})));
    if (it.target_qty) box.append(el("p", {class: "about"}, fmt(T.target, {qty: Number(it.target_qty).toLocaleString("th-TH"), unit: it.target_unit})));
    box.append(el("p", {class: "about"}, it.budget ? fmt(T.budget, {amount: Number(it.budget).toLocaleString("th-TH")}) : T.no_budget));
    if (it.shared && it.shared.length) box.append(el("p", {class: "shared"}, fmt(T.shared, {units: it.shared.join(", ")})));
    if (it.previous) box.append(el("p", {class: "prev"}, fmt(T.previous, {status: it.previous.status_label})));
    if (it.answer && !it.newer) box.append(el("p", {class: "answered"}, fmt(T.answered, {status: it.answer.status_label})));
    if (it.newer) {
      const said = {name: it.newer.by, status: it.newer.status_label, done: it.newer.done || it.newer.reason || "-"};
      box.append(el("p", {class: "error newer"}, fmt(it.newer.mine ? T.newer_mine : it.newer.by ? T.newer : T.newer_anon, said)));
    }
    const fs = el("fieldset", {class: "seg"});
    fs.append(el("legend", {}, T.status));
    const status = value(it, "status");
    for (const code of STATUS) {
      const l = el("label");
      const r = el("input", {type: "radio", name: "s-" + it.item + "-" + it.unit, value: code});
      r.checked = status === code;
      r.addEventListener("change", () => keep(it, "status", code));
      l.append(r, el("span", {}, T["s_" + code]));
      fs.append(l);
    }
    box.append(fs, el("p", {class: "error", id: fid(it, "status") + "-error"}));
    if (status === "cannot") {
      const id = fid(it, "reason_category");
      box.append(el("label", {for: id, class: "field"}, T.reason_category));
      const sel = el("select", {id, "aria-describedby": id + "-error"});
      sel.append(el("option", {value: ""}, T.choose));
      for (const code of REASONS) {
        const o = el("option", {value: code}, T["r_" + code]);
        o.selected = value(it, "reason_category") === code;
        sel.append(o);
      }
      sel.addEventListener("change", () => keep(it, "reason_category", sel.value));
      box.append(sel, el("p", {class: "error", id: id + "-error"}));
      field(box, it, "reason", T.reason, true);
    } else if (status === "in_progress" || status === "completed") {
      field(box, it, "done", T.done, true);
      if (it.target_qty) field(box, it, "qty", fmt(T.qty, {unit: it.target_unit, target: it.target_qty}));
    }
    if (it.budget && status && status !== "not_started") field(box, it, "disbursed", fmt(T.disbursed, {budget: Number(it.budget).toLocaleString("th-TH")}));
    if (status && status !== "cannot") {
      field(box, it, "url", T.url);
      const id = fid(it, "file");
      box.append(el("label", {for: id, class: "field"}, T.file));
      const input = el("input", {id, type: "file", accept: "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.txt,.csv"});
      input.addEventListener("change", () => upload(it, input));
      const files = (it.draft && it.draft.evidence) || [];
      box.append(input, el("p", {class: "files", id: fid(it, "files")}, files.length ? fmt(T.files, {names: files.map((f) => f.name).join(", ")}) : ""),
                 el("p", {class: "error", id: id + "-error"}));
    }
    return box;
  }

  function render() {
    const main = $("items");
    main.textContent = "";
    let dimension = null;
    for (const it of data.items) {
      const drafted = it.draft && it.draft.status;
      if (awaitingOnly && it.answer && !drafted && !it.newer) continue;
      if (it.dimension !== dimension) { dimension = it.dimension; if (dimension) main.append(el("h2", {class: "dimension"}, dimension)); }
      main.append(item(it));
    }
    if (!main.querySelector(".item")) main.append(el("p", {}, T.all_done));
  }

  async function send() {
    const answers = data.items.filter((it) => it.draft && it.draft.status).map((it) => {
      const {evidence, ...fields} = it.draft;
      return Object.assign({item: it.item, unit: it.unit, base: it.answer ? it.answer.id : null}, fields);
    });
    if (!answers.length) { $("status").textContent = T.nothing; return; }
    $("send").disabled = true;
    await flush();
    if (data.closed) return;
    const r = await api("POST", "/form/api/submit", {round: data.round.id, answers});
    $("send").disabled = false;
    if (r.status === 409) { closed(r.body.error || T.error); return; }
    if (r.body.ok) {
      const fresh = await api("GET", "/form/api/items");
      if (fresh.body.ok) { data = fresh.body; render(); }
      $("status").textContent = fmt(T.saved, {n: r.body.saved.length});
      return;
    }
    if (r.status === 0 || !r.body.errors) { $("status").textContent = r.body.error || T.error; return; }
    for (const [k, newer] of Object.entries(r.body.newer || {})) {
      const it = data.items.find((x) => key(x) === k);
      if (it) { it.answer = newer; it.newer = newer; }  // shown once; the next send is based on it and replaces it
    }
    render();
    let first = null;
    $("status").textContent = "";
    for (const [k, errs] of Object.entries(r.body.errors)) {
      for (const [name, message] of Object.entries(errs || {})) {
        const target = document.getElementById("f-" + k.replace(":", "-") + "-" + (name || "status") + "-error");
        if (target) { target.textContent = message; first = first || target; } else $("status").textContent = message;
      }
    }
    $("status").textContent = $("status").textContent || T.fix;
    if (first) first.scrollIntoView({block: "center"});
  }

  function filter(onlyAwaiting) {
    awaitingOnly = onlyAwaiting;
    $("show-awaiting").setAttribute("aria-pressed", String(onlyAwaiting));
    $("show-all").setAttribute("aria-pressed", String(!onlyAwaiting));
    render();
  }
  $("show-awaiting").addEventListener("click", () => filter(true));
  $("show-all").addEventListener("click", () => filter(false));
  $("send").addEventListener("click", send);
  start();
})();
