/*
 * IGRT patient-education chat widget.
 *
 * Embed with one tag (see docs/widget.md):
 *   <script src="https://YOUR-HOST/igrt-chat.js" defer
 *           data-server="https://assistant.example-clinic.org"
 *           data-clinic-name="Example Cancer Center"
 *           data-color="#00557f"
 *           data-emergency-number="911"></script>
 *
 * Vanilla JS, no build step, no third-party requests: it loads igrt-chat.css
 * from next to itself and talks only to the Rasa REST channel (fetch).
 * Session id and transcript live in sessionStorage: a reload keeps the
 * conversation, closing the tab ends it (front-desk computers are shared).
 * Message text is always inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__igrtChatLoaded) return;
  window.__igrtChatLoaded = true;

  var data = script.dataset;
  var config = {
    server: (data.server || "").replace(/\/+$/, ""),
    clinicName: data.clinicName || "",
    title: data.title || "Questions about IGRT",
    color: validColor(data.color) || "#00557f",
    textColor: validColor(data.colorText) || "",
    emergencyNumber: (data.emergencyNumber || "911").trim(),
    // Sent (not shown) when a conversation starts, so the assistant greets first.
    initPayload: data.initPayload === undefined ? "/greet" : data.initPayload,
    timeoutMs: Number(data.timeoutMs) || 30000,
  };
  var STORAGE_KEY = "igrt-chat:" + config.server;
  var MAX_STORED_MESSAGES = 200;
  var MAX_MESSAGE_CHARS = 2000; // the REST channel's limit (channels/rest.py)

  if (!/^https?:\/\//.test(config.server)) {
    console.error("igrt-chat: data-server must be the http(s) URL of the assistant");
    return;
  }

  // ---- storage (sessionStorage, or memory when it is unavailable) --------------
  var memoryStore = {};
  function loadState() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(STORAGE_KEY);
    } catch (e) {
      raw = memoryStore[STORAGE_KEY] || null;
    }
    var state = null;
    try {
      state = raw && JSON.parse(raw);
    } catch (e) {
      state = null;
    }
    if (!state || typeof state.sender !== "string" || !Array.isArray(state.messages)) {
      state = { sender: newSessionId(), messages: [], open: false };
    }
    return state;
  }
  function saveState() {
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    var raw = JSON.stringify(state);
    try {
      window.sessionStorage.setItem(STORAGE_KEY, raw);
    } catch (e) {
      memoryStore[STORAGE_KEY] = raw;
    }
  }
  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // ---- colours -----------------------------------------------------------------
  function validColor(value) {
    return value && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value.trim()) ? value.trim() : "";
  }
  function luminance(hex) {
    var h = hex.replace("#", "");
    if (h.length === 3) h = h.replace(/(.)/g, "$1$1");
    var channels = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  // White or near-black, whichever contrasts more with the clinic's colour.
  function readableOn(hex) {
    var l = luminance(hex);
    var onWhite = 1.05 / (l + 0.05);
    var onDark = (l + 0.05) / (luminance("#1a1a1a") + 0.05);
    return onWhite >= onDark ? "#ffffff" : "#1a1a1a";
  }

  // ---- DOM helpers ---------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Bot text with http(s) URLs as links; everything else stays plain text.
  function linkified(text) {
    var fragment = document.createDocumentFragment();
    var pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      fragment.appendChild(
        el("a", { href: match[0], target: "_blank", rel: "noopener noreferrer", text: match[0] })
      );
      last = match.index + match[0].length;
    }
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // A speech bubble, drawn here so that there is no image to fetch.
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" +
        "M5.5 10.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0zM10.5 10.5a1.5 1.5 0 1 0 3 0" +
        "a1.5 1.5 0 1 0-3 0zM15.5 10.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0z"
    );
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }

  // ---- build the widget ------------------------------------------------------------
  var state = loadState();
  var pending = null; // the message being sent, or the last one that failed
  // Questions typed while a reply is pending: shown at once, sent in order
  // when the replies before them have come (nothing typed is dropped).
  var queue = [];

  var host = el("div", { id: "igrt-chat", "data-igrt-chat": "" });
  var shadow = host.attachShadow({ mode: "open" });
  var stylesheet = el("link", {
    rel: "stylesheet",
    href: new URL("igrt-chat.css", script.src).href,
  });
  var root = el("div", { className: "root" });
  root.hidden = true; // until the stylesheet is in
  stylesheet.addEventListener("load", function () {
    root.hidden = false;
  });
  stylesheet.addEventListener("error", function () {
    root.hidden = false;
  });
  root.style.setProperty("--igrt-color", config.color);
  root.style.setProperty("--igrt-on-color", config.textColor || readableOn(config.color));

  var titleId = "igrt-chat-title";
  var launcher = el(
    "button",
    {
      type: "button",
      className: "launcher",
      "aria-expanded": "false",
      "aria-controls": "igrt-chat-panel",
    },
    [
      el("span", { className: "launcher-icon", "aria-hidden": "true" }, [chatIcon()]),
      "Ask about IGRT",
    ]
  );

  var closeButton = el("button", {
    type: "button",
    className: "close",
    "aria-label": "Close chat",
  });
  closeButton.appendChild(el("span", { "aria-hidden": "true", text: "\u00d7" }));

  var header = el("div", { className: "header" }, [
    el("div", { className: "titles" }, [
      el("h2", { id: titleId, className: "title", text: config.title }),
      config.clinicName ? el("p", { className: "clinic", text: config.clinicName }) : "",
    ]),
    closeButton,
  ]);

  var phone = el("a", {
    href: "tel:" + config.emergencyNumber.replace(/[^0-9+*#]/g, ""),
    text: config.emergencyNumber,
  });
  var disclaimer = el("p", { className: "disclaimer" }, [
    "General information, not medical advice. In an emergency call ",
    phone,
    ".",
  ]);

  var log = el("div", {
    className: "log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var typing = el("div", { className: "typing", "aria-hidden": "true" }, [
    el("span"),
    el("span"),
    el("span"),
  ]);
  typing.hidden = true;
  var typingLabel = el("p", { className: "visually-hidden", role: "status" });

  var inputId = "igrt-chat-input";
  var input = el("input", {
    id: inputId,
    type: "text",
    className: "input",
    autocomplete: "off",
    maxlength: String(MAX_MESSAGE_CHARS),
    placeholder: "Type your question",
  });
  var sendButton = el("button", { type: "submit", className: "send", text: "Send" });
  var form = el("form", { className: "composer" }, [
    el("label", { for: inputId, className: "visually-hidden", text: "Your question about IGRT" }),
    input,
    sendButton,
  ]);

  var panel = el(
    "div",
    {
      id: "igrt-chat-panel",
      className: "panel",
      role: "dialog",
      "aria-labelledby": titleId,
    },
    [header, disclaimer, log, typing, typingLabel, form]
  );
  panel.hidden = true;

  root.appendChild(panel);
  root.appendChild(launcher);
  shadow.appendChild(stylesheet);
  shadow.appendChild(root);

  // ---- rendering ----------------------------------------------------------------------
  function renderMessage(message, withButtons) {
    var from = message.from === "user" ? "user" : "bot";
    var bubble = el("div", { className: "message " + from });
    var who = from === "user" ? "You: " : "Assistant: ";
    bubble.appendChild(el("span", { className: "visually-hidden", text: who }));
    var body = el("p", { className: "text" });
    var text = String(message.text || "");
    if (from === "user") body.textContent = text;
    else body.appendChild(linkified(text));
    bubble.appendChild(body);
    addToLog(bubble);
    if (withButtons) renderQuickReplies(message);
    return bubble;
  }

  // Before the first queued question, so that each answer stays under its
  // question, in the order the transcript is saved.
  function addToLog(node) {
    log.insertBefore(node, queue.length ? queue[0].bubble : null);
  }

  function renderQuickReplies(message) {
    if (!Array.isArray(message.buttons) || message.buttons.length === 0) return;
    var group = el("div", {
      className: "quick-replies",
      role: "group",
      "aria-label": "Suggested questions",
    });
    message.buttons.forEach(function (button) {
      var b = el("button", { type: "button", className: "quick-reply", text: button.title });
      b.addEventListener("click", function () {
        input.focus(); // the button is about to go away
        send({ text: button.title, payload: button.payload, typed: false });
      });
      group.appendChild(b);
    });
    addToLog(group);
  }

  // Bot messages after the patient's last message: their quick replies are live.
  function latestBotMessages() {
    var latest = [];
    state.messages.forEach(function (m) {
      if (m.from === "user") latest = [];
      else latest.push(m);
    });
    return latest;
  }

  function renderAll() {
    log.textContent = "";
    var latest = latestBotMessages();
    state.messages.forEach(function (m) {
      renderMessage(m, latest.indexOf(m) !== -1);
    });
    scrollToEnd();
  }

  function removeQuickReplies() {
    Array.prototype.forEach.call(log.querySelectorAll(".quick-replies"), function (node) {
      node.remove();
    });
  }

  function removeNotices() {
    Array.prototype.forEach.call(log.querySelectorAll(".notice"), function (node) {
      node.remove();
    });
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function setBusy(busy) {
    typing.hidden = !busy;
    typingLabel.textContent = busy ? "The assistant is typing" : "";
    log.setAttribute("aria-busy", busy ? "true" : "false");
    if (busy) scrollToEnd();
  }

  function showFailure(message) {
    var retry = el("button", { type: "button", className: "retry", text: "Retry" });
    var notice = el("div", { className: "notice", role: "alert" }, [
      el("p", { text: message }),
      retry,
    ]);
    retry.addEventListener("click", function () {
      var again = pending;
      if (!again) return;
      if (again.typed) {
        var text = input.value.trim() || again.text;
        // The same question keeps its message id, so the server answers a
        // retry of a message it already answered without a second turn.
        var id = text === again.text ? again.id : undefined;
        again = { text: text, payload: null, typed: true, id: id };
        input.value = "";
      }
      notice.remove();
      input.focus();
      send(again);
    });
    addToLog(notice);
    scrollToEnd();
  }

  // ---- talking to the assistant ---------------------------------------------------------
  function post(message, messageId) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, config.timeoutMs);
    return fetch(config.server + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message, message_id: messageId }),
      credentials: "omit",
      mode: "cors",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (replies) {
        // An empty list means the assistant failed (see the Rasa field notes).
        if (!Array.isArray(replies) || replies.length === 0) throw new Error("no reply");
        return replies.filter(isTextReply).map(function (r) {
          var buttons = Array.isArray(r.buttons) ? r.buttons.filter(isButton) : [];
          return {
            from: "bot",
            text: r.text,
            buttons: buttons.map(function (b) {
              return { title: b.title, payload: b.payload };
            }),
          };
        });
      })
      .finally(function () {
        if (timer) clearTimeout(timer);
      });
  }

  function isTextReply(r) {
    return r && typeof r.text === "string";
  }

  function isButton(b) {
    return b && typeof b.title === "string" && typeof b.payload === "string";
  }

  function isSending() {
    return Boolean(pending && pending.inFlight);
  }

  // message: {text: shown as the user's, payload: sent instead when set, typed,
  // hidden, bubble: its speech bubble once shown, id: its message id, kept
  // across retries}
  function send(message) {
    if (isSending()) return;
    if (!message.id) message.id = newSessionId();
    removeNotices();
    removeQuickReplies();
    pending = message;
    pending.inFlight = true;
    if (!message.hidden && !message.bubble) {
      message.bubble = renderMessage({ from: "user", text: message.text });
    }
    setBusy(true);
    post(message.payload || message.text, message.id)
      .then(function (replies) {
        pending = null;
        if (!message.hidden) state.messages.push({ from: "user", text: message.text });
        replies.forEach(function (reply) {
          state.messages.push(reply);
          renderMessage(reply, true);
        });
        saveState();
        if (queue.length) send(queue.shift());
      })
      .catch(function (error) {
        pending.inFlight = false;
        if (message.bubble) message.bubble.remove();
        message.bubble = null;
        // Questions queued after it stay queued: they follow the retry.
        latestBotMessages().forEach(renderQuickReplies); // the patient may pick another
        if (message.typed && !input.value) input.value = message.text;
        var reason =
          error && error.name === "AbortError"
            ? "Sorry, the assistant took too long to answer."
            : error && error.name === "TypeError" // fetch could not connect
            ? "Sorry, I can't reach the assistant right now."
            : "Sorry, the assistant couldn't answer just now.";
        showFailure(
          reason +
            (message.typed ? " Your question is still in the box below." : "") +
            " Please try again. In an emergency call " + config.emergencyNumber + "."
        );
      })
      .finally(function () {
        setBusy(isSending());
        scrollToEnd();
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    var message = { text: text, payload: null, typed: true };
    if (isSending()) {
      message.bubble = renderMessage({ from: "user", text: text });
      log.appendChild(message.bubble); // after any question queued before it
      queue.push(message);
      scrollToEnd();
      return;
    }
    send(message);
  });

  // ---- open and close ------------------------------------------------------------------
  function open(moveFocus) {
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    saveState();
    scrollToEnd();
    if (moveFocus) input.focus();
    if (state.messages.length === 0 && config.initPayload && !pending) {
      send({ text: "", payload: config.initPayload, typed: false, hidden: true });
    }
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open(true);
    else close();
  });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      close();
    }
  });

  // ---- start -----------------------------------------------------------------------------
  function start() {
    document.body.appendChild(host);
    renderAll();
    if (state.open) open(false); // a reload keeps the chat open, without grabbing focus
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
