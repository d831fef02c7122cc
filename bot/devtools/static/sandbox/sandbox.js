// The Messenger sandbox page: a Messenger-like thread for one made-up Messenger user (PSID).
//
// What the customer types or taps is posted to /sandbox/api/messages, which signs Meta's webhook
// for it and posts it to the Rasa server. What the page sent back is read from the Graph API
// stand-in (/sandbox/graph/_standin/messages) and drawn as Messenger draws it.
// Every text from the bot or the customer is set with textContent, never parsed as HTML.
"use strict";

(function () {
  const POLL_MS = 400;
  const SMS_POLL_MS = 2000;
  const TYPING_MAX_MS = 20000; // Messenger hides the indicator after 20 s

  const thread = document.getElementById("thread");
  const quickReplies = document.getElementById("quick-replies");
  const typing = document.getElementById("typing");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const psidLabel = document.getElementById("psid");
  const smsList = document.getElementById("sms-outbox");
  const smsStatus = document.getElementById("sms-status");
  const facebookLocale = document.getElementById("facebook-locale");

  let psid = "";
  let lastSeq = 0;
  let generation = 0; // bumped by "New conversation": late answers for the old user are dropped
  let typingTimer = null;
  let sending = Promise.resolve(); // the customer's messages go out one at a time, in order
  let lastSmsJson = "";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function randomPsid() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return "sandbox-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function safeUrl(value) {
    try {
      const url = new URL(String(value), window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function scrollToEnd() {
    thread.scrollTop = thread.scrollHeight;
  }

  // --- the thread -------------------------------------------------------------

  function pageRow() {
    const row = el("li", "row from-page");
    row.append(el("div", "avatar small", "B"));
    const content = el("div", "content");
    row.append(content);
    return { row, content };
  }

  function appendPageRow(row) {
    const previous = thread.lastElementChild;
    if (previous && previous.classList.contains("from-page")) previous.classList.remove("last-of-turn");
    row.classList.add("last-of-turn");
    thread.append(row);
    scrollToEnd();
  }

  function customerRow(text) {
    const row = el("li", "row from-customer sending");
    const content = el("div", "content");
    content.append(el("div", "bubble", text));
    row.append(content);
    thread.append(row);
    scrollToEnd();
    return row;
  }

  function bubble(text) {
    return el("div", "bubble", text);
  }

  function templateButton(button) {
    const title = button.title || "";
    if (button.type === "web_url") {
      const link = el("a", "template-button", title);
      const url = safeUrl(button.url);
      if (url) {
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      return link;
    }
    if (button.type === "phone_number" && /^\+?[0-9 ]{3,20}$/.test(String(button.payload || ""))) {
      const call = el("a", "template-button", title);
      call.href = `tel:${String(button.payload).replace(/ /g, "")}`;
      return call;
    }
    const node = el("button", "template-button", title);
    node.type = "button";
    if (button.type === "postback" && typeof button.payload === "string" && button.payload) {
      node.addEventListener("click", () => tap(button.payload, title, true));
    } else {
      node.disabled = true;
      node.title = `${button.type || "this"} button is not supported in the sandbox`;
    }
    return node;
  }

  function buttonTemplate(payload) {
    const box = el("div", "button-template");
    box.append(bubble(payload.text || ""));
    for (const button of payload.buttons || []) box.append(templateButton(button));
    return box;
  }

  function carousel(payload) {
    const box = el("div", "carousel");
    box.setAttribute("role", "list");
    for (const element of payload.elements || []) {
      const card = el("article", "card");
      card.setAttribute("role", "listitem");
      const image = safeUrl(element.image_url);
      if (element.image_url && image) {
        const img = el("img");
        img.src = image;
        img.alt = "";
        card.append(img);
      }
      const text = el("div", "card-text");
      text.append(el("h3", "card-title", element.title || ""));
      if (element.subtitle) text.append(el("p", "card-subtitle", element.subtitle));
      card.append(text);
      for (const button of element.buttons || []) card.append(templateButton(button));
      box.append(card);
    }
    return box;
  }

  function attachment(att, filedata) {
    const payload = att.payload || {};
    // A file sent with its message (multipart `filedata`, e.g. the spending chart): the stand-in keeps its bytes.
    if (att.type === "image" && filedata && typeof filedata.attachment_id === "string") {
      const img = el("img", "image");
      img.addEventListener("load", scrollToEnd);  // its height is known once loaded: keep the thread at its end
      img.src = `/sandbox/graph/_standin/attachments/${encodeURIComponent(filedata.attachment_id)}`;
      img.alt = "Image from the page";
      return img;
    }
    if (att.type === "template" && payload.template_type === "button") return buttonTemplate(payload);
    if (att.type === "template" && payload.template_type === "generic") return carousel(payload);
    if (att.type === "image" && safeUrl(payload.url)) {
      const img = el("img", "image");
      img.addEventListener("load", scrollToEnd);  // its height is known once loaded: keep the thread at its end
      img.src = safeUrl(payload.url);
      img.alt = "Image from the page";
      return img;
    }
    if (["audio", "video", "file"].includes(att.type) && safeUrl(payload.url)) {
      const link = el("a", "bubble", `${att.type}: open in a new tab`);
      link.href = safeUrl(payload.url);
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    const kind = att.type === "template" ? `${payload.template_type} template` : `${att.type} attachment`;
    return el("div", "bubble unsupported", `[${kind}: not drawn by the sandbox]`);
  }

  function showQuickReplies(replies) {
    clearQuickReplies();
    for (const reply of replies) {
      const title = reply.title || reply.payload || reply.content_type;
      const chip = el("button", "quick-reply", title);
      chip.type = "button";
      if (reply.content_type === "text" && typeof reply.payload === "string" && reply.payload) {
        chip.addEventListener("click", () => tap(reply.payload, title, false));
      } else {
        chip.disabled = true;
      }
      quickReplies.append(chip);
    }
  }

  function clearQuickReplies() {
    quickReplies.replaceChildren();
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => setTyping(false), TYPING_MAX_MS);
  }

  // One Send API request the page made, as the customer would see it; under a persona (an advisor), with
  // Messenger's annotation of the persona's name above it.
  function render(body, persona) {
    if (body.sender_action) {
      if (body.sender_action === "typing_on") setTyping(true);
      if (body.sender_action === "typing_off") setTyping(false);
      return;
    }
    const message = body.message || {};
    setTyping(false);
    clearQuickReplies(); // Messenger shows the quick replies of the newest message only
    const { row, content } = pageRow();
    if (persona && persona.name) {
      content.append(el("div", "persona-name", persona.name));
    }
    if (typeof message.text === "string") content.append(bubble(message.text));
    else if (message.attachment) content.append(attachment(message.attachment, body.filedata));
    else content.append(el("div", "bubble unsupported", "[a message the sandbox cannot draw]"));
    appendPageRow(row);
    if (Array.isArray(message.quick_replies) && message.quick_replies.length) {
      showQuickReplies(message.quick_replies);
    }
  }

  // --- what the customer sends ---------------------------------------------------

  function send(message, shownText) {
    clearQuickReplies();
    const row = customerRow(shownText);
    const body = JSON.stringify({ psid, ...message });
    sending = sending.then(() => post(body, row));
    return sending;
  }

  async function post(body, row) {
    try {
      const response = await fetch("/sandbox/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      if (response.status === 202) {
        row.classList.remove("sending");
        return;
      }
      let reason = `HTTP ${response.status}`;
      try {
        const answer = await response.json();
        if (answer && answer.error && answer.error.message) reason = answer.error.message;
      } catch (_) {
        // not JSON: keep the status
      }
      failed(row, reason);
    } catch (_) {
      failed(row, "the sandbox service did not answer");
    }
  }

  function failed(row, reason) {
    row.classList.remove("sending");
    row.classList.add("failed");
    row.querySelector(".content").append(el("p", "delivery-error", `Not delivered: ${reason}`));
    scrollToEnd();
  }

  function tap(payload, title, postback) {
    send({ payload, title, postback }, title);
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send({ text }, text);
  });

  // --- reading the replies -------------------------------------------------------

  async function poll() {
    const asked = generation;
    try {
      const query = new URLSearchParams({ recipient: psid, after: String(lastSeq) });
      const response = await fetch(`/sandbox/graph/_standin/messages?${query}`, { cache: "no-store" });
      if (response.ok) {
        const answer = await response.json();
        if (asked === generation) {
          for (const sent of answer.messages || []) {
            if (sent.seq <= lastSeq) continue;
            lastSeq = sent.seq;
            render(sent.body || {}, sent.persona);
          }
        }
      }
    } catch (_) {
      // the service restarted or is busy: try again
    }
    setTimeout(poll, POLL_MS);
  }

  function newConversation() {
    generation += 1;
    psid = randomPsid();
    lastSeq = 0;
    psidLabel.textContent = psid;
    thread.replaceChildren();
    clearQuickReplies();
    setTyping(false);
    input.focus();
    // The new user's Facebook language, as the page reads it (User Profile API), before their first message.
    const profile = { recipient: psid, locale: facebookLocale.value };
    sending = sending.then(() => fetch("/sandbox/graph/_standin/user_profile", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(profile),
    })).catch(() => {});
  }

  document.getElementById("new-conversation").addEventListener("click", newConversation);
  // The locale is read once per user: another language starts another conversation.
  facebookLocale.addEventListener("change", newConversation);

  // --- the developer panel: the mock bank's SMS outbox -------------------------------

  function renderSms(messages) {
    smsList.replaceChildren();
    for (const sms of messages) {
      const item = el("li", "sms-item");
      const sentAt = new Date(sms.sent_at);
      const when = Number.isNaN(sentAt.getTime()) ? sms.sent_at : sentAt.toLocaleTimeString();
      item.append(el("p", "sms-meta", `to ${sms.to} · ${when}`));
      item.append(el("p", "sms-text", sms.text));
      if (sms.code) {
        const code = el("button", "sms-code", sms.code);
        code.type = "button";
        code.setAttribute("aria-label", `Put code ${sms.code} in the message box`);
        code.addEventListener("click", () => {
          input.value = sms.code;
          input.focus();
        });
        item.append(code);
      }
      smsList.append(item);
    }
  }

  async function pollSms() {
    try {
      const response = await fetch("/sandbox/api/sms-outbox", { cache: "no-store" });
      const answer = await response.json();
      if (response.ok) {
        smsStatus.hidden = true;
        const json = JSON.stringify(answer.messages);
        if (json !== lastSmsJson) {
          lastSmsJson = json;
          renderSms(answer.messages);
        }
        if (!answer.messages.length) {
          smsStatus.hidden = false;
          smsStatus.textContent = "No text message sent yet.";
        }
      } else {
        smsStatus.hidden = false;
        smsStatus.textContent = `SMS outbox unavailable: ${(answer.error && answer.error.message) || response.status}`;
      }
    } catch (_) {
      smsStatus.hidden = false;
      smsStatus.textContent = "SMS outbox unavailable: the sandbox service did not answer";
    }
    setTimeout(pollSms, SMS_POLL_MS);
  }

  newConversation();
  poll();
  pollSms();
})();
