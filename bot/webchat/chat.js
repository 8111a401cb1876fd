/* SIP-guiden web chat. Served by the Rasa server itself (bot/channels/webchat.py).
 *
 * Everything the bot or the user writes is put into the page as text (textContent and
 * createTextNode), never as HTML. The conversation's sender id is random and kept in
 * localStorage, so a reload continues the same conversation; the rendered messages are kept
 * there too (only the redacted text the bot received, never personal data the user typed).
 * The page talks to nothing but its own routes (webhook, forget, export): it never reads
 * Rasa's tracker API.
 *
 * "Radera samtalet" (after a confirmation in the page) erases the conversation on the server
 * (POST forget); so does "radera min konversation" typed in the chat, whose buttons the
 * server handles (an answer with "forgotten": true). Either way the page then forgets the
 * sender id and its copy of the conversation, and starts a new one. If the erasure fails,
 * nothing is changed in the browser either. "Hämta mina uppgifter" downloads what the server
 * has stored about the conversation (POST export) as sipguiden-samtal.json.
 */
(function () {
  "use strict";

  var WEBHOOK = "webhook"; // relative: /webhooks/webchat/webhook on the same origin
  var FORGET = "forget";
  var EXPORT = "export";
  var EXPORT_FILENAME = "sipguiden-samtal.json";
  var SENDER_KEY = "sipguiden.webchat.sender";
  var HISTORY_KEY = "sipguiden.webchat.history";
  var MAX_HISTORY = 300;
  var TIMEOUT_MS = 60000;
  var SENDER_SHAPE = /^webchat-[0-9a-f]{32}$/;
  // The files the page's own routes build for its conversation (bot/channels/webchat.py).
  var DOWNLOADS = ["kallelse.docx", "kalender.ics", "planen.docx"];
  var URL_PATTERN = /https?:\/\/[^\s<>"”’]+/g;

  var UNREACHABLE = "Det gick inte att nå SIP-guiden just nu. Kontrollera din anslutning och " +
    "försök igen om en stund. Det du skrev finns kvar i rutan.";
  var NO_ANSWER = "SIP-guiden svarade inte den här gången. Försök igen, eller skriv frågan på ett annat sätt.";
  var ERASED = "Samtalet är raderat. Det som fanns sparat om samtalet är borttaget. Nu börjar ett nytt samtal.";
  var ERASE_FAILED = "Det gick inte att radera samtalet just nu. Ingenting har raderats. " +
    "Kontrollera din anslutning och försök igen om en stund.";
  var EXPORT_FAILED = "Det gick inte att hämta dina uppgifter just nu. Kontrollera din anslutning och " +
    "försök igen om en stund.";

  var GREETING = {
    from: "bot",
    greeting: true,
    text: "Hej! Jag är SIP-guiden. Jag svarar på frågor om SIP – samordnad individuell plan – " +
      "utifrån de regionala rutinerna, och visar alltid vilken källa svaret bygger på. " +
      "Vad vill du veta? Välj nedan eller skriv din fråga.",
    buttons: [
      { title: "Vem ska jag kalla?", payload: "/ask_invite" },
      { title: "Behövs samtycke?", payload: "/ask_consent" },
      { title: "Kan vi avsluta SIP:en?", payload: "/ask_close" },
      { title: "Guida mig genom en SIP", payload: "/guide_start" },
      { title: "Vad är SIP?", payload: "/what_is_sip" },
      { title: "Välj region eller kommun", payload: "/change_region" }
    ]
  };

  // --- storage (the page still works, without memory, where storage is blocked) ---------
  var memory = {};
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memory[key] || null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { memory[key] = value; }
  }

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) { hex += ("0" + bytes[i].toString(16)).slice(-2); }
    return "webchat-" + hex;
  }

  function senderId() {
    var id = load(SENDER_KEY);
    if (!id || !SENDER_SHAPE.test(id)) {
      id = newSender();
      store(SENDER_KEY, id);
    }
    return id;
  }

  function loadHistory() {
    try {
      var data = JSON.parse(load(HISTORY_KEY) || "null");
      if (data && data.sender === sender && Array.isArray(data.entries)) { return data.entries; }
    } catch (e) { /* a damaged copy is ignored */ }
    return [];
  }
  function saveHistory() {
    store(HISTORY_KEY, JSON.stringify({ sender: sender, entries: history.slice(-MAX_HISTORY) }));
  }

  // --- rendering: DOM APIs and text only -------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function safeUrl(raw) {
    var trimmed = raw.replace(/[.,;:!?)\]]+$/, "");
    try {
      var url = new URL(trimmed);
      return (url.protocol === "https:" || url.protocol === "http:") ? { text: trimmed, href: url.href } : null;
    } catch (e) { return null; }
  }

  // Appends a line of bot text to `parent`, with web addresses as links (built, not parsed).
  function appendLinkified(parent, line) {
    var last = 0;
    line.replace(URL_PATTERN, function (match, offset) {
      var url = safeUrl(match);
      if (!url) { return match; }
      parent.appendChild(document.createTextNode(line.slice(last, offset)));
      var a = el("a", "", url.text);
      a.href = url.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = offset + url.text.length;
      return match;
    });
    parent.appendChild(document.createTextNode(line.slice(last)));
  }

  function botLine(line) {
    if (/^Källa:/.test(line)) {
      var p = el("p", "source");
      p.appendChild(el("span", "source-label", "Källa:"));
      appendLinkified(p, line.slice("Källa:".length));
      return p;
    }
    var q = el("p", /^Obs:/.test(line) ? "note" : "");
    appendLinkified(q, line);
    return q;
  }

  function render(entry, withButtons) {
    var box = el("div", "msg msg--" + (entry.from === "user" ? "user" : "bot") +
      (entry.notice ? " msg--notice" : "") + (entry.info ? " msg--info" : ""));
    box.appendChild(el("span", "visually-hidden", entry.from === "user" ? "Du skrev: " : "SIP-guiden: "));
    if (entry.from === "user") {
      box.appendChild(el("p", "", entry.text));
    } else {
      (entry.text || "").split("\n").forEach(function (line) {
        if (line.trim()) { box.appendChild(botLine(line)); }
      });
      if (entry.rules && entry.rules.length) { box.setAttribute("data-rules", entry.rules.join(" ")); }
    }
    if (entry.downloads && entry.downloads.length) {
      var files = el("div", "downloads");
      entry.downloads.forEach(function (d) {
        if (DOWNLOADS.indexOf(d.file) < 0) { return; }
        var a = el("a", "download", d.title);
        a.href = d.file + "?sender=" + encodeURIComponent(sender);
        a.setAttribute("download", "");
        files.appendChild(a);
      });
      box.appendChild(files);
    }
    if (withButtons && entry.buttons && entry.buttons.length) {
      var group = el("div", "choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Svarsalternativ");
      entry.buttons.forEach(function (b) {
        var button = el("button", "choice", String(b.title || b.payload || ""));
        button.type = "button";
        button.addEventListener("click", function () { send(String(b.payload || b.title || ""), button.textContent); });
        group.appendChild(button);
      });
      box.appendChild(group);
    }
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
    return box;
  }

  function removeChoices() {
    var groups = log.querySelectorAll(".choices");
    for (var i = 0; i < groups.length; i++) { groups[i].parentNode.removeChild(groups[i]); }
  }

  function showAll() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
    var lastUser = -1;
    history.forEach(function (entry, i) { if (entry.from === "user") { lastUser = i; } });
    history.forEach(function (entry, i) { render(entry, i > lastUser); });
  }

  function setBusy(value, quiet) {
    busy = value;
    typing.hidden = !value || !!quiet;
    sendButton.disabled = value;
    forgetYes.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  // --- talking to the bot ----------------------------------------------------------------
  // POSTs `body` to one of the page's routes; the response, or an error that carries the
  // server's own (Swedish) explanation as `reason` when it sent one.
  function call(path, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.ok) { return response; }
      return response.json().catch(function () { return null; }).then(function (data) {
        var failure = new Error("HTTP " + response.status);
        if (data && typeof data.error === "string") { failure.reason = data.error; }
        throw failure;
      });
    }).finally(function () { if (timer) { clearTimeout(timer); } });
  }

  function post(message) {
    return call(WEBHOOK, { sender: sender, message: message }).then(function (response) { return response.json(); });
  }

  function downloadsOf(custom) {
    return (Array.isArray(custom.downloads) ? custom.downloads : []).map(function (d) {
      return { title: String((d && d.title) || ""), file: String((d && d.file) || "") };
    }).filter(function (d) { return d.title && DOWNLOADS.indexOf(d.file) >= 0; });
  }

  function botEntries(messages) {
    var entries = [];
    (messages || []).forEach(function (m) {
      var custom = m && m.custom && m.custom.sipguiden;
      var text = m && typeof m.text === "string" ? m.text : "";
      var buttons = (m && Array.isArray(m.buttons) ? m.buttons : []).map(function (b) {
        return { title: String(b.title || ""), payload: String(b.payload || "") };
      });
      if (!text && !buttons.length) {
        if (custom && entries.length) {
          entries[entries.length - 1].rules = custom.rules || [];
          entries[entries.length - 1].downloads = downloadsOf(custom);
        }
        return;
      }
      var entry = { from: "bot", text: text, buttons: buttons };
      if (custom) { entry.rules = custom.rules || []; entry.region = custom.region || null; entry.downloads = downloadsOf(custom); }
      entries.push(entry);
    });
    return entries;
  }

  function send(message, shown) {
    message = (message || "").trim();
    if (!message || busy) { return; }
    var typed = shown === undefined;
    showError("");
    removeChoices();
    var userEntry = { from: "user", text: typed ? message : shown };
    var userBox = render(userEntry, false);
    if (typed) { input.value = ""; }
    setBusy(true);
    post(message).then(function (data) {
      if (data && data.forgotten === true) { // "Ja, radera samtalet" in the chat: erased on the server
        var said = botEntries(data.messages);
        erased(said.length ? said[0].text : ERASED);
        return;
      }
      // Show (and keep) what the bot received: personal data is already removed from it.
      if (typed && data && data.user && typeof data.user.text === "string" && data.user.text !== userEntry.text) {
        userEntry.text = data.user.text;
        userBox.querySelector("p").textContent = data.user.text;
      }
      history.push(userEntry);
      var entries = botEntries(data && data.messages);
      entries.forEach(function (entry) { history.push(entry); render(entry, true); });
      saveHistory();
      if (!entries.length) { render({ from: "bot", text: NO_ANSWER, notice: true }, false); }
    }).catch(function (failure) {
      userBox.parentNode.removeChild(userBox);
      if (typed && !input.value) { input.value = message; }
      showAll();
      showError(failure && failure.reason ? failure.reason : UNREACHABLE);
    }).finally(function () {
      setBusy(false);
      input.focus();
    });
  }

  function restart() {
    if (busy) { return; }
    closeForget(false);
    showError("");
    history = [GREETING];
    saveHistory();
    showAll();
    setBusy(true);
    // The bot forgets the conversation (region, case facts); its reply is not shown.
    post("/restart").catch(function () {
      showError("Det gick inte att nå SIP-guiden, så boten har inte glömt samtalet än. Försök igen om en stund.");
    }).finally(function () {
      setBusy(false);
      input.focus();
    });
  }

  // --- erasing the conversation, downloading one's data -------------------------------------
  // After the server has erased the conversation: a new conversation (a new sender id), the
  // old one gone from the browser too; the greeting again, after a short notice.
  function erased(message) {
    sender = newSender();
    store(SENDER_KEY, sender);
    history = [GREETING];
    saveHistory();
    while (log.firstChild) { log.removeChild(log.firstChild); }
    render({ from: "bot", text: message || ERASED, info: true }, false);
    render(GREETING, true);
  }

  function openForget() {
    if (busy) { return; }
    showError("");
    confirmBox.hidden = false;
    forgetButton.setAttribute("aria-expanded", "true");
    forgetNo.focus();
  }

  function closeForget(returnFocus) {
    if (confirmBox.hidden) { return; }
    confirmBox.hidden = true;
    forgetButton.setAttribute("aria-expanded", "false");
    if (returnFocus) { forgetButton.focus(); }
  }

  function forget() {
    if (busy) { return; }
    showError("");
    setBusy(true, true);
    var done = false;
    call(FORGET, { sender: sender }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (!data || data.forgotten !== true) { throw new Error("not forgotten"); }
      closeForget(false);
      erased(typeof data.message === "string" ? data.message : ERASED);
      done = true;
    }).catch(function (failure) {
      closeForget(false);
      showError(failure && failure.reason ? failure.reason : ERASE_FAILED);
    }).finally(function () {
      setBusy(false);
      if (done) { input.focus(); } else { forgetButton.focus(); }
    });
  }

  function download() {
    if (exportButton.disabled) { return; }
    showError("");
    exportButton.disabled = true;
    call(EXPORT, { sender: sender }).then(function (response) {
      return response.text();
    }).then(function (text) {
      // Only this conversation's export is saved (not, say, a proxy's "unavailable" answer).
      var data = JSON.parse(text);
      if (!data || data.sender_id !== sender || !Array.isArray(data.events)) { throw new Error("not an export"); }
      var url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      var link = el("a", "visually-hidden");
      link.href = url;
      link.download = EXPORT_FILENAME;
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }).catch(function (failure) {
      showError(failure && failure.reason ? failure.reason : EXPORT_FAILED);
    }).finally(function () {
      exportButton.disabled = false;
    });
  }

  // --- start -------------------------------------------------------------------------------
  var log = document.getElementById("log");
  var typing = document.getElementById("typing");
  var error = document.getElementById("error");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var forgetButton = document.getElementById("forget");
  var confirmBox = document.getElementById("forget-confirm");
  var forgetYes = document.getElementById("forget-yes");
  var forgetNo = document.getElementById("forget-no");
  var exportButton = document.getElementById("export");
  var busy = false;
  var sender = senderId();
  var history = loadHistory();
  if (!history.length) {
    history = [GREETING];
    saveHistory();
  }
  showAll();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });
  document.getElementById("restart").addEventListener("click", restart);
  forgetButton.addEventListener("click", function () {
    if (confirmBox.hidden) { openForget(); } else { closeForget(true); }
  });
  forgetYes.addEventListener("click", forget);
  forgetNo.addEventListener("click", function () { closeForget(true); });
  confirmBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeForget(true); }
  });
  exportButton.addEventListener("click", download);
  document.documentElement.setAttribute("data-ready", "true");
}());
