// The simulator page: one phone per person; polls the server for what the bot said.
(function () {
  const {labels, phones} = window.TIDTAM;
  let last = 0;
  const logs = {};
  document.getElementById("demo").textContent = labels.demo;
  document.getElementById("clock-label").textContent = labels.clock + ":";
  document.getElementById("reports-label").textContent = labels.reports + ":";
  document.getElementById("hint").textContent = labels.hint;
  const next = document.getElementById("next");
  next.textContent = "» " + labels.next;
  const lang = document.getElementById("lang");
  lang.textContent = labels.other;
  lang.href = "/?lang=" + labels.other_lang;

  async function post(url, body) {
    const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                body: JSON.stringify(body)});
    await poll();
    return r.json();
  }

  function bubble(m) {
    let el = document.getElementById("m" + m.id);
    if (!el) {
      el = document.createElement("div");
      el.id = "m" + m.id;
      logs[m.chat].appendChild(el);
    }
    el.className = "msg " + (m.out ? "out" : "in");
    el.textContent = m.text;
    if (m.attachment) {
      if (m.attachment.kind === "photo") {
        const img = document.createElement("img");
        img.src = m.attachment.url;
        img.alt = m.attachment.filename;
        el.appendChild(img);
      } else {
        const a = document.createElement("a");
        a.href = m.attachment.url;
        a.textContent = m.attachment.filename;
        a.download = m.attachment.filename;
        el.appendChild(document.createElement("br"));
        el.appendChild(a);
      }
    }
    if (m.buttons && m.buttons.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      m.buttons.forEach(row => {
        const r = document.createElement("div");
        r.className = "row";
        row.forEach(b => {
          const btn = document.createElement("button");
          btn.type = "button";
          btn.textContent = b.label;
          // a link to the answer form opens beside the phone, as a Mini App or LIFF would over the chat
          btn.onclick = b.url ? () => openForm(b.url) : () => post("/sim/api/press", {chat: m.chat, data: b.data});
          r.appendChild(btn);
        });
        box.appendChild(r);
      });
      el.appendChild(box);
    }
    const t = document.createElement("time");
    t.textContent = m.at;
    el.appendChild(t);
    logs[m.chat].scrollTop = logs[m.chat].scrollHeight;
  }

  function openForm(url) {
    const u = new URL(url, location.href);
    const panel = document.getElementById("form-panel");
    if (u.pathname !== "/form/") { window.open(u.href, "_blank", "noopener"); return; }
    panel.querySelector("iframe").src = "/form/" + u.search + u.hash;
    panel.hidden = false;
    panel.querySelector("button").focus();
  }
  document.querySelector("#form-panel button").onclick = () => {
    const panel = document.getElementById("form-panel");
    panel.hidden = true;
    panel.querySelector("iframe").src = "about:blank";
  };
  document.querySelector("#form-panel button").textContent = "× " + labels.close;
  document.querySelector("#form-panel iframe").title = labels.form;

  async function poll() {
    const r = await fetch("/sim/api/messages?after=" + last);
    const data = await r.json();
    document.getElementById("clock").textContent = data.clock;
    data.messages.forEach(m => { bubble(m); last = Math.max(last, m.id); });
  }

  const main = document.getElementById("phones");
  const tabs = document.getElementById("tabs");
  phones.forEach((p, i) => {
    const phone = document.createElement("section");
    phone.className = "phone" + (i === 0 ? " on" : "");
    phone.id = "phone-" + p.id;
    phone.innerHTML = "<h2></h2><div class='log'></div><form><label>+<input type='file'></label>" +
      "<input type='text' autocomplete='off'><button type='submit'></button></form>";
    phone.querySelector("h2").textContent = p.name;
    logs[p.id] = phone.querySelector(".log");
    const input = phone.querySelector("input[type=text]");
    input.placeholder = labels.placeholder;
    phone.querySelector("button[type=submit]").textContent = labels.send;
    phone.querySelector("label").title = labels.attach;
    phone.querySelector("form").onsubmit = (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      post("/sim/api/say", {chat: p.id, text});
    };
    phone.querySelector("input[type=file]").onchange = async (e) => {
      const f = e.target.files[0];
      if (!f) return;
      const form = new FormData();
      form.append("chat", p.id);
      form.append("file", f);
      await fetch("/sim/api/upload", {method: "POST", body: form, headers: {"X-Tidtam-Simulator": "1"}});
      e.target.value = "";
      poll();
    };
    main.appendChild(phone);
    const tab = document.createElement("button");
    tab.type = "button";
    tab.textContent = p.name;
    tab.className = i === 0 ? "on" : "";
    tab.onclick = () => {
      document.querySelectorAll(".phone").forEach(el => el.classList.remove("on"));
      document.querySelectorAll("#tabs button").forEach(el => el.classList.remove("on"));
      phone.classList.add("on");
      tab.classList.add("on");
    };
    tabs.appendChild(tab);
  });
  next.onclick = async () => {
    next.disabled = true;
    const r = await post("/sim/api/next", {});
    next.disabled = false;
    if (!r.sent) alert(labels.nothing);
  };
  poll();
  setInterval(poll, 1500);
})();
