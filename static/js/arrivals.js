// Arrivals (/manage/events/<id>/arrivals): fetches the figures every few seconds and redraws the tables in place.
(function () {
  "use strict";
  var root = document.getElementById("arrivals");
  if (!root) {
    return;
  }
  var notGiven = document.getElementById("arrivals-not-given").textContent;
  var stale = document.getElementById("arrivals-stale");
  var updated = document.getElementById("arrivals-updated");
  var INTERVAL = 5000;

  function row(label, count) {
    var tr = document.createElement("tr");
    var name = document.createElement("td");
    name.textContent = label;
    var figure = document.createElement("td");
    figure.className = "text-end";
    figure.textContent = String(count);
    tr.appendChild(name);
    tr.appendChild(figure);
    return tr;
  }

  function fill(table, rows) {
    var body = root.querySelector('[data-table="' + table + '"]');
    body.replaceChildren.apply(body, rows);
  }

  function draw(stats) {
    ["checked_in", "approved", "registered"].forEach(function (name) {
      root.querySelector('[data-figure="' + name + '"]').textContent = String(stats[name]);
    });
    fill("by_checkpoint", stats.by_checkpoint.map(function (r) { return row(r.name, r.checked_in); }));
    fill("by_hour", stats.by_hour.map(function (r) { return row(r.hour.slice(0, 10) + " " + r.hour.slice(11, 16), r.checked_in); }));
    fill("by_country", stats.by_country.map(function (r) { return row(r.name || notGiven, r.checked_in); }));
    updated.setAttribute("datetime", stats.generated_at);
    updated.textContent = stats.generated_at.slice(11, 19);
  }

  function refresh() {
    fetch(root.dataset.statsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (stats) {
        draw(stats);
        stale.hidden = true;
      })
      .catch(function () {
        stale.hidden = false;
      })
      .finally(function () {
        window.setTimeout(refresh, INTERVAL);
      });
  }

  window.setTimeout(refresh, INTERVAL);
})();
