// The queue page's live refresh: polls /console/api/queue and redraws the rows.
// Data only ever goes in through textContent / attributes; the page works without this script.
(function () {
  "use strict";
  var root = document.getElementById("queue");
  var rows = document.getElementById("queue-rows");
  var mine = document.getElementById("mine");
  var status = document.getElementById("queue-status");
  var csrf = document.getElementById("queue-csrf");
  var pageStatus = document.getElementById("page-status");
  if (!root || !rows || !mine || !csrf) {
    return;
  }
  var api = root.getAttribute("data-api") || "/console/api/queue";
  var seconds = parseInt(root.getAttribute("data-poll-seconds"), 10) || 5;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function handoffPath(id) {
    return "/console/handoffs/" + encodeURIComponent(String(id));
  }

  function waitingRow(item) {
    var tr = el("tr", item.overdue ? "overdue" : "");
    tr.appendChild(el("td", "", item.channel_label));
    tr.appendChild(el("td", "", item.language_label));
    tr.appendChild(el("td", "identity " + (item.verified ? "verified" : "unverified"), item.identity_label));
    var waited = el("td", "", item.waiting);
    if (item.overdue) {
      waited.appendChild(document.createTextNode(" "));
      waited.appendChild(el("span", "overdue-label", "Overdue"));
    }
    tr.appendChild(waited);
    tr.appendChild(el("td", "", item.reason_label));
    tr.appendChild(el("td", "message", item.last_customer_message));
    var cell = el("td");
    var form = el("form", "take");
    form.method = "post";
    form.action = handoffPath(item.id) + "/take";
    var token = el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrf.value;
    form.appendChild(token);
    var button = el("button", "", "Take");
    button.type = "submit";
    form.appendChild(button);
    cell.appendChild(form);
    tr.appendChild(cell);
    return tr;
  }

  function mineItem(item) {
    var li = el("li");
    var link = el("a", "", item.channel_label + " · " + item.language_label + " · " + item.identity_label + " · " +
      item.reason_label);
    link.href = handoffPath(item.id);
    li.appendChild(link);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "muted message", item.last_customer_message));
    return li;
  }

  function replace(parent, children) {
    while (parent.firstChild) {
      parent.removeChild(parent.firstChild);
    }
    children.forEach(function (child) { parent.appendChild(child); });
  }

  function render(data) {
    var waiting = Array.isArray(data.waiting) ? data.waiting : [];
    var own = Array.isArray(data.mine) ? data.mine : [];
    if (waiting.length) {
      replace(rows, waiting.map(waitingRow));
    } else {
      var empty = el("tr", "empty");
      var td = el("td", "muted", "Nobody is waiting.");
      td.colSpan = 7;
      empty.appendChild(td);
      replace(rows, [empty]);
    }
    rows.setAttribute("data-count", String(waiting.length));
    if (pageStatus && Array.isArray(data.page_status)) {
      replace(pageStatus, data.page_status.map(function (message) {
        var banner = el("p", "notice error banner", message);
        banner.setAttribute("role", "alert");
        return banner;
      }));
    }
    replace(mine, own.length ? own.map(mineItem) : [el("li", "muted empty", "You have no conversations.")]);
  }

  function refresh() {
    fetch(api, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.assign("/console/login?next=%2Fconsole%2F");
          throw new Error("logged out");
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (status) {
          status.textContent = "Updated " + new Date().toLocaleTimeString();
        }
      })
      .catch(function () {
        if (status) {
          status.textContent = "Could not refresh; retrying.";
        }
      });
  }

  window.setInterval(refresh, seconds * 1000);
})();
