// The handoff PDF page while a generation is queued or running: poll its API status and move
// the bar ("5 of 11: Training history"); once it is over, reload so the server renders the
// result (the download, or the error). Without JavaScript the page refreshes itself
// (<noscript> meta refresh in the template).
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-document-progress]");
  if (!boxes.length) return;

  function follow(box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var badge = box.parentNode.querySelector(".job-status");
    var failures = 0;

    function show(doc) {
      bar.value = doc.progress_percent;
      bar.textContent = doc.progress_percent + "%";
      text.textContent = doc.progress_display;
      if (badge) {
        badge.dataset.status = doc.status;
        badge.textContent = doc.status_display;
      }
    }

    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        })
        .then(function (doc) {
          failures = 0;
          show(doc);
          if (doc.status === "succeeded" || doc.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          // A blip (deploy, network): keep trying, slower; a reload still works.
          failures += 1;
          window.setTimeout(poll, Math.min(10000, 1000 * Math.pow(2, failures)));
        });
    }

    window.setTimeout(poll, 500);
  }

  Array.prototype.forEach.call(boxes, follow);
})();
