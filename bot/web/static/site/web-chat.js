// The bank site's chat widget: Rasa's socket.io channel, a signed session from /api/chat-session.
// The session's token is bound to this browser by an HttpOnly cookie the same call sets (the socket's
// handshake carries it) and renews only while still valid: the widget renews it ahead of its expiry.
// Renders text, quick replies, buttons (postback: sends the payload; web_url: a link) and carousels
// (attachment.payload.elements). Every text goes in with textContent: nothing from the bot is HTML.
// Its own words (placeholder, buttons, status, errors) follow the conversation's language: the page's
// <html lang> (English or French) until a bot message says otherwise (each carries `language`, en | fr:
// bot/rasa_server/message_language.py), so a switch by the header's button, by asking ("in English
// please") or by writing in the other language turns the widget too, and its button then offers the
// language left. The page's language and the browser's go with the session request and each message, for
// the bot to start the conversation in that language (bot/channels/web_chat/channel.py checks them). The
// header's language button asks the bot for the other language (an entry point: bot/channels/entry_points.py).
(function () {
  "use strict";

  var TEXTS = {
    en: {
      launcher: "Chat with us", title: "Branch Bank assistant", close: "Close the chat", chat: "Chat with Branch Bank",
      placeholder: "Type a message…", message: "Message", send: "Send", quickReplies: "Quick replies",
      messages: "Messages", connecting: "connecting…", online: "online", reconnecting: "reconnecting…",
      offline: "offline", notConnected: "Not connected yet, please try again in a moment.",
      sessionRefused: "This chat session is not valid any more. Reload the page to start a new one.",
      busy: "Too many chats were opened from your connection. Please wait a minute and reload the page.",
      unavailable: "The chat is unavailable right now. Please try again later.",
      advisor: "Advisor",
      otherLanguage: { title: "Français", label: "Continuer en français", payload: '/switch_language{"language":"fr"}' }
    },
    fr: {
      launcher: "Discuter avec nous", title: "Assistant Branch Bank", close: "Fermer la discussion",
      chat: "Discuter avec Branch Bank", placeholder: "Écrivez un message…", message: "Message", send: "Envoyer",
      quickReplies: "Réponses rapides", messages: "Messages", connecting: "connexion…", online: "en ligne",
      reconnecting: "reconnexion…", offline: "hors ligne",
      notConnected: "Pas encore connecté, réessayez dans un instant.",
      sessionRefused: "Cette session de discussion n'est plus valable. Rechargez la page pour en ouvrir une nouvelle.",
      busy: "Trop de discussions ont été ouvertes depuis votre connexion. Patientez une minute et rechargez la page.",
      unavailable: "La discussion est indisponible pour le moment. Réessayez plus tard.",
      advisor: "Conseiller",
      otherLanguage: { title: "English", label: "Continue in English", payload: '/switch_language{"language":"en"}' }
    }
  };
  var pageLanguage = (document.documentElement.lang || "en").toLowerCase().split("-")[0];
  var language = TEXTS[pageLanguage] ? pageLanguage : "en";  // the conversation's, as the widget knows it
  var T = TEXTS[language];
  var statusKey = "connecting";  // the status shown, redrawn in the new language on a switch
  // What the bot may know of the customer's language (the server keeps en|fr and a well-formed locale only).
  var languageHints = { language: document.documentElement.lang || "", locale: navigator.language || "" };

  var STORE_KEY = "branch-web-chat.session";
  var THREAD_KEY = "branch-web-chat.thread";
  var OPEN_KEY = "branch-web-chat.open";
  var MAX_THREAD = 200;

  var launcher = document.getElementById("web-chat-launcher");
  var panel = document.getElementById("web-chat");
  var closeButton = document.getElementById("web-chat-close");
  var thread = document.getElementById("web-chat-thread");
  var quickReplies = document.getElementById("web-chat-quick-replies");
  var form = document.getElementById("web-chat-form");
  var input = document.getElementById("web-chat-input");
  var statusLine = document.getElementById("web-chat-status");
  var title = document.getElementById("web-chat-title");
  var languageButton = document.getElementById("web-chat-language");
  var sendButton = form.querySelector("button[type=submit]");

  var session = readJson(localStorage, STORE_KEY);
  var history = readJson(sessionStorage, THREAD_KEY) || [];
  var socket = null;
  var confirmed = false;
  var renewals = 0;
  var renewTimer = null;
  var renewAt = 0;  // Date.now() time at which the token is renewed (two thirds of its lifetime)

  function readJson(storage, key) {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function setStatus(key) { statusKey = key; statusLine.textContent = T[key]; }

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) { return null; }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() { thread.scrollTop = thread.scrollHeight; }

  function remember(entry) {
    history.push(entry);
    if (history.length > MAX_THREAD) history = history.slice(-MAX_THREAD);
    try { sessionStorage.setItem(THREAD_KEY, JSON.stringify(history)); } catch (e) { /* full: not kept */ }
  }

  function clearQuickReplies() { quickReplies.replaceChildren(); }

  function choiceButton(className, choice) {
    var title = choice.title || choice.payload || "";
    var url = choice.type === "web_url" ? safeUrl(choice.url) : null;
    if (url) {
      var link = element("a", className, title);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    var button = element("button", className, title);
    button.type = "button";
    // A tap sends its title as the message and the payload beside it: the server accepts the
    // payload only if the bot offered it to this session (typed text is never a command).
    button.addEventListener("click", function () { send(title, title, choice.payload); });
    return button;
  }

  function renderCarousel(elements) {
    var row = element("li", "carousel");
    elements.forEach(function (item) {
      if (!item || typeof item !== "object") return;
      var card = element("div", "card");
      var image = safeUrl(item.image_url);
      if (image) { var img = element("img"); img.src = image; img.alt = ""; card.appendChild(img); }
      card.appendChild(element("h3", null, item.title || ""));
      if (item.subtitle) card.appendChild(element("p", null, item.subtitle));
      (Array.isArray(item.buttons) ? item.buttons : []).forEach(function (choice) {
        card.appendChild(choiceButton("card-button", choice));
      });
      row.appendChild(card);
    });
    thread.appendChild(row);
  }

  function renderBot(message, live) {
    if (!message || typeof message !== "object") return;
    followLanguage(message.language);
    if (typeof message.text === "string" && message.text !== "") {
      if (typeof message.advisor === "string") {
        // Written by a member of staff (the console), not the assistant: said so above the words, with the name
        // the bank shows for them.
        var written = element("li", "msg bot advisor");
        var name = message.advisor.trim();
        written.appendChild(element("span", "sender", name ? name + " · " + T.advisor : T.advisor));
        written.appendChild(document.createTextNode(message.text));
        thread.appendChild(written);
      } else {
        thread.appendChild(element("li", "msg bot", message.text));
      }
    }
    if (Array.isArray(message.buttons) && message.buttons.length) {
      var block = element("li", "buttons");
      message.buttons.forEach(function (choice) { block.appendChild(choiceButton("card-button", choice)); });
      thread.appendChild(block);
    }
    var attachment = message.attachment;
    if (attachment && typeof attachment === "object") {
      var payload = attachment.payload || {};
      if (attachment.type === "image" && safeUrl(payload.src)) {
        var item = element("li", "msg bot");
        // A chart from the Rasa server: its URL opens for this browser's session only, for a few minutes.
        var img = element("img");
        img.addEventListener("load", scrollDown);  // its height is known once loaded: keep the thread at its end
        img.src = safeUrl(payload.src);
        img.alt = typeof payload.alt === "string" ? payload.alt : "";
        item.appendChild(img);
        thread.appendChild(item);
      } else if (payload.elements) {
        renderCarousel(Array.isArray(payload.elements) ? payload.elements : [payload.elements]);
      }
    }
    if (live) {
      clearQuickReplies();
      if (Array.isArray(message.quick_replies)) {
        message.quick_replies.forEach(function (choice) {
          quickReplies.appendChild(choiceButton("quick-reply", choice));
        });
      }
    }
    scrollDown();
  }

  // What the customer typed is kept in this tab (sessionStorage) and shown again after a reload: a card number in it
  // is cut to its last four digits there too, as the bank keeps it (bot/privacy/redaction.py: any run of 13 digits
  // or more, together or grouped by spaces, dots, dashes or slashes; with a leading "+" and at most 15 digits, a
  // phone number). The bot's warning says it was hidden; the customer's own bubble shows it so.
  var DIGIT_RUN = /(^|[^\w+])(\+?)(\d(?:(?:[ \u00a0]?[.\-\/][ \u00a0]?|[ \u00a0])?\d)*)(?!\w)/g;
  function withoutCardNumbers(text) {
    return String(text).replace(DIGIT_RUN, function (whole, before, plus, run) {
      var digits = run.replace(/\D/g, "");
      if (digits.length < 13 || (plus && digits.length <= 15)) return whole;
      return before + plus + "\u2022\u2022\u2022\u2022 " + digits.slice(-4);
    });
  }

  function renderUser(text) {
    thread.appendChild(element("li", "msg user", text));
    scrollDown();
  }

  function renderError(text) {
    thread.appendChild(element("li", "msg error", text));
    scrollDown();
  }

  function send(message, shown, payload) {
    if (!socket || !confirmed) { renderError(T.notConnected); return; }
    clearQuickReplies();
    shown = withoutCardNumbers(shown);
    renderUser(shown);
    remember({ who: "user", text: shown });
    var data = { message: message, session_id: session.session_id,
                 language: languageHints.language, locale: languageHints.locale };
    if (payload) data.payload = payload;
    socket.emit("user_uttered", data);
  }

  function requestSession() {
    var body = session && session.token ? { token: session.token } : {};
    return fetch("/api/chat-session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      credentials: "same-origin", cache: "no-store"
    }).then(function (response) {
      if (response.status === 429) throw new Error("busy");  // too many sessions from this connection
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (issued) {
      issued.renewed = !!(session && session.session_id === issued.session_id);
      if (session && !issued.renewed) {
        history = [];
        sessionStorage.removeItem(THREAD_KEY);
        thread.replaceChildren();
      }
      session = issued;
      localStorage.setItem(STORE_KEY, JSON.stringify(issued));
      scheduleRenewal(issued);
      return issued;
    });
  }

  // A token renews only while it is still valid: ask well before it expires (the server's lifetime,
  // not this computer's clock), and again as soon as the page is seen if the timer slept past it.
  function scheduleRenewal(issued) {
    if (renewTimer) clearTimeout(renewTimer);
    var lifetimeMs = (issued.expires_in || 0) * 1000;
    var delay = Math.max(5000, Math.floor(lifetimeMs * 2 / 3));
    renewAt = Date.now() + delay;
    renewTimer = setTimeout(renew, delay);
  }

  function renew() {
    renewTimer = null;
    requestSession().then(function (renewed) {
      if (!socket) return;
      socket.auth = { token: renewed.token };
      if (!renewed.renewed) {
        // The old session is over (it expired meanwhile): the socket moves to the new one.
        confirmed = false;
        socket.disconnect().connect();
      }
    }).catch(function () { if (renewTimer === null) scheduleRenewal({ expires_in: 30 }); });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && renewTimer && Date.now() >= renewAt) {
      clearTimeout(renewTimer);
      renew();
    }
  });

  function connect() {
    setStatus("connecting");
    requestSession().then(function (issued) {
      socket = window.io(issued.socket_url, {
        path: issued.socket_path, transports: ["websocket"], auth: { token: issued.token },
        reconnection: true
      });
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: session.session_id,
                                         language: languageHints.language, locale: languageHints.locale });
      });
      socket.on("session_confirm", function () {
        confirmed = true;
        renewals = 0;
        setStatus("online");
      });
      socket.on("session_refused", function () {
        confirmed = false;
        setStatus("offline");
        renderError(T.sessionRefused);
      });
      socket.on("bot_uttered", function (message) {
        remember({ who: "bot", message: message });
        renderBot(message, true);
      });
      socket.on("disconnect", function () { confirmed = false; setStatus("reconnecting"); });
      socket.on("connect_error", function () {
        // A token refused: renewed if still valid (same conversation), else a new session; a few times.
        confirmed = false;
        if (renewals >= 3) { setStatus("offline"); return; }
        renewals += 1;
        requestSession().then(function (renewed) {
          socket.auth = { token: renewed.token };
          if (!socket.active) socket.connect();
        }).catch(function () { setStatus("offline"); });
      });
    }).catch(function (error) {
      setStatus("offline");
      renderError(error && error.message === "busy" ? T.busy : T.unavailable);
    });
  }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    sessionStorage.setItem(OPEN_KEY, "1");
    if (!socket) connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    sessionStorage.removeItem(OPEN_KEY);
  }

  // The widget's own words, in the conversation's language; its button offers the other one.
  function showWords() {
    [launcher, title, statusLine, form].forEach(function (node) { node.lang = language; });
    launcher.textContent = T.launcher;
    panel.setAttribute("aria-label", T.chat);
    title.textContent = T.title;
    closeButton.setAttribute("aria-label", T.close);
    thread.setAttribute("aria-label", T.messages);
    quickReplies.setAttribute("aria-label", T.quickReplies);
    input.placeholder = T.placeholder;
    input.setAttribute("aria-label", T.message);
    sendButton.textContent = T.send;
    statusLine.textContent = T[statusKey];
    languageButton.textContent = T.otherLanguage.title;
    languageButton.setAttribute("aria-label", T.otherLanguage.label);
    languageButton.lang = language === "fr" ? "en" : "fr";
  }

  // A bot message says the conversation's language: the widget turns to it (anything else is ignored).
  function followLanguage(said) {
    if (said === language || !Object.prototype.hasOwnProperty.call(TEXTS, said)) return;
    language = said;
    T = TEXTS[language];
    showWords();
  }

  showWords();
  // The other language: its title as the message, its payload beside it (accepted from anyone: an entry point).
  languageButton.addEventListener("click", function () {
    send(T.otherLanguage.title, T.otherLanguage.title, T.otherLanguage.payload);
  });

  history.forEach(function (entry) {
    if (entry.who === "user") renderUser(entry.text); else renderBot(entry.message, false);
  });

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
  if (sessionStorage.getItem(OPEN_KEY)) open();
})();
