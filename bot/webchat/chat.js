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
 *
 * An answer whose custom payload has `answer` (the message contract of issue 14) is shown
 * with the answer first; its `details` and `sources` sit behind a "Visa mer" disclosure button
 * (aria-expanded, aria-controls). Its `visual` is drawn as HTML that a screen reader reads as
 * well: the guide's steps as an ordered list with aria-current="step", computed dates as an
 * ordered list of <time> elements with their force in words, a comparison as a <table> with a
 * caption and header cells. A message with `feedback: true` asks "Hjälpte svaret?" (👍/👎, and
 * for 👎 a reason); the rating goes to the page's own route (POST feedback) with the message's
 * rule ids, nothing else of the conversation. A message without `answer` is shown as its text.
 */
(function () {
  "use strict";

  var WEBHOOK = "webhook"; // relative: /webhooks/webchat/webhook on the same origin
  var FORGET = "forget";
  var FEEDBACK = "feedback";
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
  var FEEDBACK_FAILED = "Det gick inte att spara ditt omdöme just nu. Försök igen om en stund.";
  // The reasons a 👎 can give: the same keys and words as bot/feedback.py REASONS (checked by a test).
  var REASONS = [
    { key: "fel_svar", title: "Fel svar" },
    { key: "svarar_inte", title: "Svarar inte på frågan" },
    { key: "for_langt", title: "För långt" },
    { key: "svart_att_forsta", title: "Svårt att förstå" }
  ];
  var STRENGTH_WORDS = { ska: "regel", bor: "rekommendation", info: "information" };
  var KIND_STRENGTH = { regel: "ska", rekommendation: "bor", nationell: "ska", uppgift: "info" };
  var MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december"];
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

  var serial = 0;
  function newId(prefix) { serial += 1; return prefix + "-" + serial; }

  function appendLines(parent, text) {
    String(text || "").split("\n").forEach(function (line) {
      if (line.trim()) { parent.appendChild(botLine(line)); }
    });
  }

  // "2026-12-10" as "10 december 2026"; null for anything that is not such a date.
  function swedishDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
    if (!m || +m[2] < 1 || +m[2] > 12 || +m[3] < 1 || +m[3] > 31) { return null; }
    return (+m[3]) + " " + MONTHS[+m[2] - 1] + " " + m[1];
  }

  // A picture's label; a long one (a whole text equivalent, "Tidslinje: …") is shown by its
  // heading only, since the list itself says the rest.
  function visualLabel(text, tag) {
    text = String(text || "");
    if (text.length > 80 && text.indexOf(":") > 0) { text = text.slice(0, text.indexOf(":")); }
    var label = el(tag || "p", "visual-label", text);
    label.id = newId("visual");
    return label;
  }

  // The guide's steps: an ordered list, the current step marked for eyes and for screen readers.
  function stepper(visual) {
    var box = el("div", "visual visual--stepper");
    var label = visualLabel(visual.label);
    var list = el("ol", "steps");
    list.setAttribute("aria-labelledby", label.id);
    (visual.steps || []).forEach(function (step, i) {
      var item = el("li", "step" + (step && step.current ? " step--current" : ""));
      item.appendChild(el("span", "step-number", String(i + 1))).setAttribute("aria-hidden", "true");
      var title = el("span", "step-title");
      if (step && step.current) {
        item.setAttribute("aria-current", "step");
        title.appendChild(el("span", "visually-hidden", "Du är här: "));
      }
      title.appendChild(document.createTextNode(String((step && step.title) || "")));
      item.appendChild(title);
      list.appendChild(item);
    });
    box.appendChild(label);
    box.appendChild(list);
    return box;
  }

  // Computed dates: an ordered list of <time> elements, each with whether it is a rule or a recommendation.
  function timeline(visual) {
    var box = el("div", "visual visual--timeline");
    var label = visualLabel(visual.label);
    var list = el("ol", "timeline");
    list.setAttribute("aria-labelledby", label.id);
    (visual.events || []).forEach(function (event) {
      if (!event) { return; }
      // The force as the contract's strength (ska/bor/info) or the bot's kind with its own words.
      var strength = STRENGTH_WORDS[event.strength] ? event.strength : (KIND_STRENGTH[event.kind] || "info");
      var item = el("li", "event event--" + strength);
      var shown = typeof event.date_text === "string" && swedishDate(event.date) ? event.date_text : swedishDate(event.date);
      if (shown) {
        var when = el("time", "event-date", shown);
        when.setAttribute("datetime", event.date);
        item.appendChild(when);
      } else if (event.date) {
        item.appendChild(el("span", "event-date", String(event.date)));
      }
      item.appendChild(el("span", "event-label", String(event.label || "")));
      item.appendChild(el("span", "event-strength",
        typeof event.kind_text === "string" && event.kind_text ? event.kind_text : STRENGTH_WORDS[strength]));
      if (event.note) { item.appendChild(el("span", "event-note", String(event.note))); }
      list.appendChild(item);
    });
    box.appendChild(label);
    box.appendChild(list);
    return box;
  }

  // A comparison: a real table with a caption; the first column names the row.
  function table(visual) {
    var box = el("div", "visual visual--table");
    var t = el("table", "compare");
    var caption = el("caption", "", String(visual.caption || ""));
    caption.id = newId("caption");
    t.appendChild(caption);
    var head = el("thead");
    var headRow = el("tr");
    (visual.columns || []).forEach(function (column) {
      var th = el("th", "", String(column));
      th.setAttribute("scope", "col");
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    t.appendChild(head);
    var body = el("tbody");
    (visual.rows || []).forEach(function (row) {
      var tr = el("tr");
      (Array.isArray(row) ? row : []).forEach(function (cell, i) {
        var c = el(i === 0 ? "th" : "td", "", String(cell === null || cell === undefined ? "" : cell));
        if (i === 0) { c.setAttribute("scope", "row"); }
        tr.appendChild(c);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    // Scrolls sideways by itself on a narrow screen (never the page), reachable by keyboard.
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", caption.id);
    box.tabIndex = 0;
    box.appendChild(t);
    return box;
  }

  function visualOf(visual) {
    if (!visual || typeof visual !== "object") { return null; }
    if (visual.kind === "stepper" && Array.isArray(visual.steps)) { return stepper(visual); }
    if (visual.kind === "timeline" && Array.isArray(visual.events)) { return timeline(visual); }
    if (visual.kind === "table" && Array.isArray(visual.columns) && Array.isArray(visual.rows)) { return table(visual); }
    return null;
  }

  // The answer first; details and sources behind "Visa mer" (a disclosure button: its name stays,
  // aria-expanded says whether the rest is shown, and the arrow turns).
  function renderAnswer(box, entry) {
    var answer = el("div", "answer");
    appendLines(answer, entry.answer);
    box.appendChild(answer);
    var picture = visualOf(entry.visual);
    if (picture) { box.appendChild(picture); }
    var hasDetails = String(entry.details || "").trim() || (entry.sources || []).length;
    if (!hasDetails) { return; }
    var more = el("div", "more");
    more.id = newId("more");
    more.hidden = true;
    appendLines(more, entry.details);
    (entry.sources || []).forEach(function (line) { appendLines(more, line); });
    var toggle = el("button", "more-toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", more.id);
    toggle.appendChild(el("span", "more-text", "Visa mer"));
    toggle.appendChild(el("span", "more-icon", "▾")).setAttribute("aria-hidden", "true");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      more.hidden = !open;
    });
    box.appendChild(toggle);
    box.appendChild(more);
  }

  // "Hjälpte svaret? 👍 👎"; a 👎 offers reasons (or none). One rating per message.
  function renderFeedback(box, entry) {
    var group = el("div", "feedback");
    var question = el("span", "feedback-question", "Hjälpte svaret?");
    question.id = newId("feedback");
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", question.id);
    var status = el("p", "feedback-status");
    status.setAttribute("role", "status");
    var reasons = null;

    function done(text) {
      while (group.firstChild) { group.removeChild(group.firstChild); }
      status.textContent = text;
      group.appendChild(status);
    }
    function rate(rating, reason, buttons) {
      buttons.forEach(function (b) { b.disabled = true; });
      call(FEEDBACK, { sender: sender, rules: entry.rules || [], rating: rating, reason: reason || null })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          // Only the route's own answer counts (not, say, a proxy's "unavailable" message).
          if (!data || data.saved !== true) { throw new Error("not saved"); }
          entry.rated = rating;
          saveHistory();
          done(data && typeof data.message === "string" ? data.message : "Tack för ditt svar!");
          var focusable = box.querySelector(".feedback-status");
          if (focusable) { focusable.tabIndex = -1; focusable.focus(); }
        })
        .catch(function (failure) {
          buttons.forEach(function (b) { b.disabled = false; });
          status.textContent = failure && failure.reason ? failure.reason : FEEDBACK_FAILED;
        });
    }
    if (entry.rated) {
      done(entry.rated === "down" ? "Tack! Det hjälper oss att förbättra svaren." : "Tack för ditt svar!");
      box.appendChild(group);
      return;
    }
    // The thumbs with a word beside them (also where a device has no emoji font).
    function thumb(className, symbol, word) {
      var b = el("button", "rate " + className);
      b.type = "button";
      b.appendChild(el("span", "rate-symbol", symbol)).setAttribute("aria-hidden", "true");
      b.appendChild(el("span", "rate-word", word));
      return b;
    }
    var up = thumb("rate--up", "👍", "Ja");
    var down = thumb("rate--down", "👎", "Nej");
    up.setAttribute("aria-label", "Ja, svaret hjälpte");
    down.setAttribute("aria-label", "Nej, svaret hjälpte inte");
    down.setAttribute("aria-expanded", "false");
    up.addEventListener("click", function () { rate("up", null, [up, down]); });
    down.addEventListener("click", function () {
      if (reasons) { return; }
      down.setAttribute("aria-expanded", "true");
      up.disabled = true;
      reasons = el("div", "reasons");
      var ask = el("p", "reasons-question", "Vad var det som inte hjälpte? (frivilligt)");
      ask.id = newId("reasons");
      reasons.setAttribute("role", "group");
      reasons.setAttribute("aria-labelledby", ask.id);
      reasons.appendChild(ask);
      down.setAttribute("aria-controls", (reasons.id = newId("reason-list")));
      var buttons = [];
      REASONS.concat([{ key: null, title: "Skicka utan orsak" }]).forEach(function (r) {
        var b = el("button", "reason" + (r.key ? "" : " reason--none"), r.title);
        b.type = "button";
        b.addEventListener("click", function () { rate("down", r.key, buttons.concat([down])); });
        buttons.push(b);
        reasons.appendChild(b);
      });
      group.appendChild(reasons);
      buttons[0].focus();
    });
    group.appendChild(question);
    group.appendChild(up);
    group.appendChild(down);
    group.appendChild(status);
    box.appendChild(group);
  }

  function render(entry, withButtons) {
    var box = el("div", "msg msg--" + (entry.from === "user" ? "user" : "bot") +
      (entry.notice ? " msg--notice" : "") + (entry.info ? " msg--info" : ""));
    box.appendChild(el("span", "visually-hidden", entry.from === "user" ? "Du skrev: " : "SIP-guiden: "));
    if (entry.from === "user") {
      box.appendChild(el("p", "", entry.text));
    } else {
      if (typeof entry.answer === "string" && entry.answer.trim()) {
        renderAnswer(box, entry);
      } else {
        appendLines(box, entry.text);
      }
      if (entry.rules && entry.rules.length) { box.setAttribute("data-rules", entry.rules.join(" ")); }
      if (entry.national && entry.national.length) { box.setAttribute("data-national", entry.national.join(" ")); }
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
    if (entry.feedback && entry.rules && entry.rules.length) { renderFeedback(box, entry); }
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

  function strings(list) {
    return (Array.isArray(list) ? list : []).filter(function (x) { return typeof x === "string"; });
  }

  // What the page keeps of a message's custom payload (the message contract, issue 14).
  function attach(entry, custom) {
    entry.custom = true; // (only while the entries of one reply are built: not kept)
    entry.rules = strings(custom.rules);
    entry.region = typeof custom.region === "string" ? custom.region : null;
    entry.downloads = downloadsOf(custom);
    if (typeof custom.answer === "string" && custom.answer.trim()) {
      entry.answer = custom.answer;
      entry.details = typeof custom.details === "string" ? custom.details : "";
      entry.sources = strings(custom.sources);
      entry.visual = custom.visual && typeof custom.visual === "object" ? custom.visual : null;
    }
    entry.national = strings(custom.national);
    entry.feedback = custom.feedback === true;
  }

  // Rasa's REST channel sends a message without buttons as one part per paragraph, then its
  // custom payload. The parts of an answer (from the one that opens with its `answer`) are put
  // back together into one entry, so that the answer is shown as one message; the entry it
  // belongs to (the last one when its opening is not found).
  function joined(entries, custom) {
    var last = entries.length - 1;
    var opening = typeof custom.answer === "string" ? custom.answer.split("\n\n")[0].trim() : "";
    if (!opening || entries[last].buttons.length > 0) { return entries[last]; } // with buttons: never split
    for (var i = last; i >= 0 && entries[i].from === "bot" && !entries[i].custom; i--) {
      if (i < last && entries[i].buttons.length) { break; } // a message with buttons is never split
      if (entries[i].text.trim().indexOf(opening) === 0) {
        var parts = entries.splice(i, last - i + 1);
        var entry = { from: "bot", text: parts.map(function (p) { return p.text; }).join("\n\n"),
          buttons: parts[parts.length - 1].buttons };
        entries.push(entry);
        return entry;
      }
    }
    return entries[last];
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
        if (custom && entries.length) { attach(joined(entries, custom), custom); }
        return;
      }
      var entry = { from: "bot", text: text, buttons: buttons };
      if (custom) { attach(entry, custom); }
      entries.push(entry);
    });
    entries.forEach(function (entry) { delete entry.custom; });
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
