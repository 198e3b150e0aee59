// The delivery page follows each recipient's status without reloading: it asks the page's
// JSON endpoint (with the session's CSRF token in a header) every few seconds while any copy
// may still change, and updates the table and the totals (a polite live region).
(function () {
  "use strict";
  var table = document.getElementById("delivery");
  if (!table || table.dataset.live !== "yes") { return; }
  var url = table.dataset.statusUrl, token = table.dataset.csrf;
  var totals = document.getElementById("totals"), cancel = document.getElementById("cancel-form");
  var every = 1500, until = Date.now() + 30 * 60 * 1000, timer = null;

  function show(row, recipient) {
    if (row.dataset.status === recipient.status) { return; }
    row.dataset.status = recipient.status;
    row.querySelector(".status").textContent = recipient.label + (recipient.reason ? " (" + recipient.reason + ")" : "");
    row.querySelector(".channel").textContent = recipient.channel;
    row.querySelector(".at").textContent = recipient.at;
  }

  function poll() {
    fetch(url, {headers: {"X-CSRF-Token": token, "Accept": "application/json"}, credentials: "same-origin",
                cache: "no-store"})
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (data) {
        data.recipients.forEach(function (recipient) {
          var row = table.querySelector('tr[data-person="' + recipient.person + '"]');
          if (row) { show(row, recipient); }
        });
        if (totals.textContent !== data.totals) { totals.textContent = data.totals; }
        if (cancel && !data.cancellable) { cancel.hidden = true; }
        if (data.live && Date.now() < until) { timer = setTimeout(poll, every); }
      })
      .catch(function () { if (Date.now() < until) { timer = setTimeout(poll, every * 4); } });
  }

  timer = setTimeout(poll, every);
  window.addEventListener("pagehide", function () { clearTimeout(timer); });
}());
