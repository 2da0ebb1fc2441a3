// tenantlog console: the live tail. Log text is attacker-controlled, so every value is
// set with textContent (never innerHTML); redaction placeholders become <mark> elements
// built with the DOM, around text nodes.
"use strict";

(function () {
  const PLACEHOLDER = /\[REDACTED(?::[A-Z0-9_]+)?\]/g;
  const MAX_ROWS = 500;

  function highlighted(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      const mark = document.createElement("mark");
      mark.className = "redacted";
      mark.textContent = match[0];
      fragment.append(mark);
      last = match.index + match[0].length;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function cell(className, content) {
    const span = document.createElement("span");
    span.className = className;
    span.append(content);
    return span;
  }

  function row(record, recordBase) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = recordBase + encodeURIComponent(record.log_id);
    link.textContent = String(record.timestamp || record.received_at)
      .replace("T", " ").replace(/(\.\d{3})\d*Z$/, "$1").replace(/Z$/, "");
    item.append(cell("time", link));
    item.append(cell("severity sev", document.createTextNode(record.severity || "")));
    const message = cell("message", highlighted(String(record.modified_data)));
    for (const [key, value] of Object.entries(record.attributes || {})) {
      const attr = document.createElement("span");
      attr.className = "attr";
      attr.append(document.createTextNode(key + "="), highlighted(String(value)));
      message.append(" ", attr);
    }
    item.append(message);
    return item;
  }

  function startTail(list) {
    const stream = list.dataset.stream;
    const recordBase = list.dataset.recordBase;
    const status = document.getElementById("tail-status");
    const pause = document.getElementById("tail-pause");
    const resume = document.getElementById("tail-resume");
    const empty = document.getElementById("tail-empty");
    let source = null;
    let lastId = null;

    function open() {
      const url = lastId === null ? stream : stream + "&last_event_id=" + encodeURIComponent(lastId);
      source = new EventSource(url);
      status.textContent = "Connecting…";
      source.onopen = function () { status.textContent = "Live: new logs appear at the top."; };
      source.onerror = function () {
        status.textContent = source && source.readyState === EventSource.CLOSED
          ? "Stopped: the stream was refused (signed out?); reload the page."
          : "Connection lost; retrying…";
      };
      source.onmessage = function (event) {
        lastId = event.lastEventId || lastId;
        if (empty) { empty.remove(); }
        list.prepend(row(JSON.parse(event.data), recordBase));
        while (list.children.length > MAX_ROWS) { list.lastElementChild.remove(); }
      };
      source.addEventListener("error", function (event) {
        if (event.data) { status.textContent = "Stopped: " + JSON.parse(event.data).error; }
      });
    }

    pause.addEventListener("click", function () {
      if (source) { source.close(); source = null; }
      status.textContent = "Paused; resume to get what arrived meanwhile.";
      pause.disabled = true;
      resume.disabled = false;
      resume.focus();
    });
    resume.addEventListener("click", function () {
      open();
      resume.disabled = true;
      pause.disabled = false;
      pause.focus();
    });
    open();
  }

  document.addEventListener("DOMContentLoaded", function () {
    const list = document.getElementById("tail");
    if (list) { startTail(list); }
  });
})();
