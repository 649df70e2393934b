"use strict";
// The answer form. Who is asking: a one-time link (#t=...) or Telegram's Mini App initData (#tgWebAppData=...);
// either is exchanged once for a session token kept in sessionStorage and sent as a header (no cookie).
(function () {
  const STATUS = [["not_started", "ยังไม่ดำเนินการ"], ["in_progress", "อยู่ระหว่างดำเนินการ"],
                  ["completed", "ดำเนินการแล้วเสร็จ"], ["cannot", "ดำเนินการไม่ได้"]];
  const REASONS = [["no_budget", "ไม่ได้รับงบประมาณ"], ["policy", "นโยบายผู้บริหารเปลี่ยนแปลง"],
                   ["staff", "บุคลากรไม่เพียงพอ"], ["other", "อื่นๆ"]];
  let session = sessionStorage.getItem("tidtam-form") || "";
  let data = null, awaitingOnly = true;
  const $ = (id) => document.getElementById(id);

  async function api(method, path, body) {
    const r = await fetch(path, {method, headers: {"Content-Type": "application/json",
      "Authorization": "Bearer " + session}, body: body ? JSON.stringify(body) : undefined});
    return {status: r.status, body: await r.json().catch(() => ({}))};
  }

  async function start() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const proof = hash.get("t") ? {link: hash.get("t")} :
      hash.get("tgWebAppData") ? {telegram: hash.get("tgWebAppData")} : null;
    if (proof) {
      history.replaceState(null, "", location.pathname);  // the link is spent: keep it out of history
      const r = await api("POST", "/form/api/session", proof);
      if (!r.body.ok) return fail(r.body.error);
      session = r.body.session;
      sessionStorage.setItem("tidtam-form", session);
    }
    if (!session) return fail("หน้านี้หมดอายุแล้ว กรุณาเปิดใหม่จากแชต");
    const r = await api("GET", "/form/api/items");
    if (!r.body.ok) return fail(r.body.error);
    data = r.body;
    $("round").textContent = "รอบ " + data.round.months + " เดือน · ตอบภายใน " + data.round.due;
    render();
  }

  function fail(message) { $("items").innerHTML = ""; $("status").textContent = message || "เกิดข้อผิดพลาด"; }

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
    const id = "f-" + it.item + "-" + it.unit + "-" + name;
    box.append(el("label", {for: id, class: "field"}, label));
    const input = el(multiline ? "textarea" : "input", {id, name, type: "text", rows: "3"});
    input.value = value(it, name) || "";
    input.addEventListener("input", () => keep(it, name, input.value));
    box.append(input, el("p", {class: "error", id: id + "-error"}));
  }

  const timers = {};
  function keep(it, name, v) {
    it.draft = Object.assign({}, it.draft, {[name]: v});
    const key = it.item + ":" + it.unit;
    clearTimeout(timers[key]);
    timers[key] = setTimeout(() => api("PUT", "/form/api/draft", {item: it.item, unit: it.unit, fields: it.draft}), 400);
    if (name === "status" || name === "reason_category") render();
  }

  function render() {
    const main = $("items");
    main.innerHTML = "";
    for (const it of data.items) {
      if (awaitingOnly && it.answer && !(it.draft && Object.keys(it.draft).length)) continue;
      const box = el("section", {class: "item", "aria-labelledby": "h-" + it.item + "-" + it.unit});
      box.append(el("h2", {id: "h-" + it.item + "-" + it.unit}, it.code + " " + it.title));
      box.append(el("p", {class: "unit"}, it.unit_name));
      if (it.previous) box.append(el("p", {class: "prev"}, "รอบ 6 เดือน: " + it.previous.status_label));
      if (it.answer) box.append(el("p", {class: "answered"}, "ตอบแล้ว: " + it.answer.status_label));
      const fs = el("fieldset", {class: "seg"});
      fs.append(el("legend", {}, "สถานะ"));
      const status = value(it, "status");
      for (const [code, label] of STATUS) {
        const l = el("label");
        const r = el("input", {type: "radio", name: "s-" + it.item + "-" + it.unit, value: code});
        r.checked = status === code;
        r.addEventListener("change", () => keep(it, "status", code));
        l.append(r, el("span", {}, label));
        fs.append(l);
      }
      box.append(fs, el("p", {class: "error", id: "f-" + it.item + "-" + it.unit + "-status-error"}));
      if (status === "cannot") {
        const id = "f-" + it.item + "-" + it.unit + "-reason_category";
        box.append(el("label", {for: id, class: "field"}, "เหตุผลที่ดำเนินการไม่ได้"));
        const sel = el("select", {id});
        sel.append(el("option", {value: ""}, "— เลือก —"));
        for (const [code, label] of REASONS) {
          const o = el("option", {value: code}, label);
          o.selected = value(it, "reason_category") === code;
          sel.append(o);
        }
        sel.addEventListener("change", () => keep(it, "reason_category", sel.value));
        box.append(sel, el("p", {class: "error", id: id + "-error"}));
        field(box, it, "reason", "เหตุผล (ถ้าเลือกอื่นๆ)", true);
      } else if (status === "in_progress" || status === "completed") {
        field(box, it, "done", "ดำเนินการอะไรไปแล้ว", true);
        if (it.target_qty) field(box, it, "qty", "ดำเนินการได้แล้ว (เป้าหมาย " + it.target_qty + " " + it.target_unit + ")");
      }
      if (it.budget && status && status !== "not_started") field(box, it, "disbursed", "เบิกจ่ายแล้ว (บาท; งบ " + it.budget + ")");
      if (status && status !== "cannot") field(box, it, "url", "ลิงก์หลักฐาน (ไม่บังคับ)");
      main.append(box);
    }
    if (!main.children.length) main.append(el("p", {}, "ตอบครบทุกรายการแล้ว"));
  }

  async function send() {
    const answers = data.items.filter((it) => it.draft && it.draft.status).map((it) => Object.assign(
      {item: it.item, unit: it.unit, base: it.answer ? it.answer.id : null}, it.draft));
    if (!answers.length) { $("status").textContent = "ยังไม่มีคำตอบที่จะส่ง"; return; }
    $("send").disabled = true;
    const r = await api("POST", "/form/api/submit", {answers});
    $("send").disabled = false;
    document.querySelectorAll(".error").forEach((e) => { e.textContent = ""; });
    if (r.body.ok) {
      $("status").textContent = "บันทึกแล้ว " + r.body.saved.length + " รายการ";
      const fresh = await api("GET", "/form/api/items");
      if (fresh.body.ok) { data = fresh.body; render(); }
      return;
    }
    let first = null;
    for (const [key, errs] of Object.entries(r.body.errors || {})) {
      for (const [name, message] of Object.entries(errs || {})) {
        const target = document.getElementById("f-" + key.replace(":", "-") + "-" + (name || "status") + "-error");
        if (target) { target.textContent = message; first = first || target; } else $("status").textContent = message;
      }
    }
    $("status").textContent = $("status").textContent || "กรุณาแก้ไขรายการที่มีข้อความสีแดง แล้วกดส่งอีกครั้ง";
    if (first) first.scrollIntoView({block: "center"});
  }

  $("show-awaiting").addEventListener("click", () => { awaitingOnly = true; $("show-awaiting").setAttribute("aria-pressed", "true"); $("show-all").setAttribute("aria-pressed", "false"); render(); });
  $("show-all").addEventListener("click", () => { awaitingOnly = false; $("show-all").setAttribute("aria-pressed", "true"); $("show-awaiting").setAttribute("aria-pressed", "false"); render(); });
  $("send").addEventListener("click", send);
  start();
})();
