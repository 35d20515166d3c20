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

  window.setInterval(function () {
    if (sseOpen || !window.htmx) { return; }
    var poller = document.getElementById("poller");
    if (poller) { window.htmx.trigger(poller, "poll"); }
  }, POLL_MS);
})();
