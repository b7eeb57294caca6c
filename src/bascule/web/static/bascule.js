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
