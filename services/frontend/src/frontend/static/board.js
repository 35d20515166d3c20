// Live-update glue for the rollout board. Served from 'self' (the CSP forbids inline code).
// SSE (htmx-ext-sse) pushes the board; while the stream is down, poll the fragment every 5 s.
(function () {
  "use strict";
  var POLL_MS = 5000;
  var sseOpen = false;

  function say(text) {
    var el = document.getElementById("live-status");
    if (el) { el.textContent = text; }
  }

  document.addEventListener("htmx:sseOpen", function () {
    sseOpen = true;
    document.body.classList.remove("sse-down");
    say("Live updates: connected (server-sent events).");
  });
  document.addEventListener("htmx:sseError", function () {
    sseOpen = false;
    document.body.classList.add("sse-down");
    say("Live updates: stream interrupted; polling every 5 s while it reconnects.");
  });
  document.addEventListener("htmx:sseClose", function () {
    sseOpen = false;
  });

  // Live updates replace cards (a delta swaps a changed card by id; a full board swaps
  // them all). What a viewer opened stays open: remember open <details> by id and reopen
  // them after every swap; keep the scroll position across a full swap.
  var opened = new Set();
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (!el.id || el.tagName !== "DETAILS" || !el.closest("#board")) { return; }
    if (el.open) { opened.add(el.id); } else { opened.delete(el.id); }
  }, true);  // toggle does not bubble
  function reopen() {
    opened.forEach(function (id) {
      var el = document.getElementById(id);
      if (el && !el.open) { el.open = true; }
    });
  }
  var scrollY = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board") { scrollY = window.scrollY; }
  });
  // Filters: read from the URL (so a link shows the same view), written back on input,
  // applied to every card after every update.
  var FILTERS = ["name", "namespace", "health", "unhealthy"];
  function filters() {
    var params = new URLSearchParams(window.location.search);
    return {
      name: (params.get("name") || "").toLowerCase(),
      namespace: params.get("namespace") || "",
      health: params.get("health") || "",
      unhealthy: params.get("unhealthy") === "1"
    };
  }
  function applyFilters() {
    var f = filters(), shown = 0, total = 0;
    document.querySelectorAll("#board article.card").forEach(function (card) {
      var d = card.dataset, ok = true;
      if (f.name && d.name.toLowerCase().indexOf(f.name) < 0) { ok = false; }
      if (f.namespace && d.namespace !== f.namespace) { ok = false; }
      if (f.health && d.health !== f.health) { ok = false; }
      if (f.unhealthy && d.health === "Healthy") { ok = false; }
      card.hidden = !ok;
      total += 1;
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("#board section.group").forEach(function (group) {
      group.hidden = !group.querySelector("article.card:not([hidden])");
    });
    var out = document.getElementById("filter-count");
    var active = f.name || f.namespace || f.health || f.unhealthy;
    if (out) { out.textContent = active ? shown + " of " + total + " shown" : ""; }
  }
  function syncForm() {
    var form = document.getElementById("filters");
    if (!form) { return; }
    var params = new URLSearchParams(window.location.search);
    FILTERS.forEach(function (key) {
      var input = form.elements[key];
      if (!input) { return; }
      if (input.type === "checkbox") { input.checked = params.get(key) === "1"; }
      else { input.value = params.get(key) || ""; }
    });
  }
  document.addEventListener("input", function (event) {
    var form = document.getElementById("filters");
    if (!form || !form.contains(event.target)) { return; }
    var params = new URLSearchParams();
    FILTERS.forEach(function (key) {
      var input = form.elements[key];
      var value = input.type === "checkbox" ? (input.checked ? "1" : "") : input.value.trim();
      if (value) { params.set(key, value); }
    });
    var query = params.toString();
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    applyFilters();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "filters") { event.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () { syncForm(); applyFilters(); });

  ["htmx:afterSwap", "htmx:oobAfterSwap"].forEach(function (name) {
    document.addEventListener(name, function () {
      applyFilters();
      reopen();
      if (scrollY !== null) { window.scrollTo(0, scrollY); scrollY = null; }
    });
  });

  // Ages count here, from the timestamps in the markup, as kubectl prints them
  // (apimachinery HumanDuration, as frontend.status.durations): the server resends a card
  // only when the card changed, not because a second passed.
  function human(seconds) {
    if (seconds < -1) { return "<invalid>"; }
    if (seconds < 0) { return "0s"; }
    if (seconds < 120) { return seconds + "s"; }
    var m = Math.floor(seconds / 60), h = Math.floor(seconds / 3600), d = Math.floor(h / 24);
    function two(big, unit, small, smallUnit) { return big + unit + (small ? small + smallUnit : ""); }
    if (m < 10) { return two(m, "m", seconds % 60, "s"); }
    if (m < 180) { return m + "m"; }
    if (h < 8) { return two(h, "h", m % 60, "m"); }
    if (h < 48) { return h + "h"; }
    if (h < 192) { return two(d, "d", h % 24, "h"); }
    if (h < 2 * 365 * 24) { return d + "d"; }
    var y = Math.floor(d / 365), rest = d % 365;
    return (h < 8 * 365 * 24 && rest) ? y + "y" + rest + "d" : y + "y";
  }
  // At 2,000 cards that is thousands of elements a second: write only the texts that
  // changed (most ages change once a minute), so the page does not lay out every second.
  function count() {
    var now = Date.now();
    document.querySelectorAll("#board time.ago[datetime]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) { return; }
      var text = human(Math.trunc((now - at) / 1000));
      if (el.textContent !== text) { el.textContent = text; }
    });
  }
  window.setInterval(count, 1000);

  window.setInterval(function () {
    if (sseOpen || !window.htmx) { return; }
    var poller = document.getElementById("poller");
    if (poller) { window.htmx.trigger(poller, "poll"); }
  }, POLL_MS);
})();
