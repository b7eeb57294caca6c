// Bascule: small enhancements only; every page works without this file.
// The work queue's alerts: new alerts arrive live from the server's event stream
// (/api/v1/alerts/stream, signed in by the session cookie) and join the list and the count.
(function () {
  "use strict";
  var section = document.querySelector("[data-alert-stream]");
  if (!section || !window.EventSource) {
    return;
  }
  var count = section.querySelector("[data-unread]");
  var list = section.querySelector(".alert-list");
  var empty = section.querySelector("[data-no-alerts]");
  var source = new EventSource(section.getAttribute("data-alert-stream"));
  source.addEventListener("alert", function (event) {
    var alert;
    try {
      alert = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    var item = document.createElement("li");
    item.textContent = alert.title || "";
    list.insertBefore(item, list.firstChild);
    list.hidden = false;
    if (empty) {
      empty.hidden = true;
    }
    var now = parseInt(count.textContent.replace(/\D/g, ""), 10) || 0;
    count.textContent = String(now + 1);
  });
})();
// A running import: its page asks for the progress every two seconds and reloads itself once
// the import has finished (without this, the page has a "Refresh" link).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || box.getAttribute("data-import-status") !== "running" || !window.fetch) {
    return;
  }
  var bar = box.querySelector("progress");
  var rows = box.querySelector("[data-rows]");
  function poll() {
    fetch(box.getAttribute("data-import-progress"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) {
          return;
        }
        if (state.status !== "running") {
          window.location.reload();
          return;
        }
        if (bar && state.percent !== null) {
          bar.value = state.percent;
        }
        if (rows) {
          rows.textContent = String(state.rows);
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

// The opportunities board: drag a card onto another column (or the won / lost zone) and its
// own "Stage" form is sent with that stage, exactly as choosing it and pressing "Move" would
// (so the server's checks, and its question for a loss reason, are the same).
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board || !("draggable" in document.createElement("span"))) {
    return;
  }
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    dragged = event.target.closest ? event.target.closest("[data-card]") : null;
    if (!dragged) {
      return;
    }
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-card"));
    dragged.classList.add("dragging");
  });
  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (zone) {
      zone.classList.remove("drop-target");
    });
  });
  function zoneOf(event) {
    return event.target.closest ? event.target.closest("[data-drop-stage]") : null;
  }
  board.addEventListener("dragover", function (event) {
    var zone = zoneOf(event);
    if (dragged && zone) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      zone.classList.add("drop-target");
    }
  });
  board.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("drop-target");
    }
  });
  board.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!dragged || !zone) {
      return;
    }
    event.preventDefault();
    var form = dragged.querySelector("form[data-move-form]");
    var select = form && form.querySelector("select[name=stage]");
    var stage = zone.getAttribute("data-drop-stage");
    if (!select || select.value === stage) {
      return;
    }
    select.value = stage;
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
