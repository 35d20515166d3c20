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
  ["htmx:afterSwap", "htmx:oobAfterSwap"].forEach(function (name) {
    document.addEventListener(name, function () {
      reopen();
      if (scrollY !== null) { window.scrollTo(0, scrollY); scrollY = null; }
    });
  });

  window.setInterval(function () {
    if (sseOpen || !window.htmx) { return; }
    var poller = document.getElementById("poller");
    if (poller) { window.htmx.trigger(poller, "poll"); }
  }, POLL_MS);
})();
