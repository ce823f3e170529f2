// The dry-run job page while the job is queued or running: poll the API's status endpoint and
// move the bar; once the job is done or failed, reload so the server renders the result.
// Without JavaScript the page refreshes itself (<noscript> meta refresh in the template).
(function () {
  "use strict";
  var box = document.getElementById("dry-run-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-figure=cases-done]");
  var total = box.querySelector("[data-figure=cases-total]");
  var status = box.querySelector(".job-status");
  var failures = 0;

  function show(job) {
    done.textContent = job.cases_done;
    total.textContent = job.cases_total;
    var percent = job.cases_total ? Math.min(100, Math.floor((100 * job.cases_done) / job.cases_total)) : 0;
    bar.value = percent;
    bar.textContent = percent + "%";
    status.dataset.status = job.status;
    status.textContent = job.status_display;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (job) {
        failures = 0;
        show(job);
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        // A blip (deploy, network): keep trying, slower; the page reload still works.
        failures += 1;
        window.setTimeout(poll, Math.min(10000, 1000 * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, 500);
})();
