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
