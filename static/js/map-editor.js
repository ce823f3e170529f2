// The map editor: add, edit, reorder and delete steps through the JSON API, then re-read the
// page and swap in the server-rendered lists, summary and diagram (one source of truth for
// the markup). A 400 keeps what was typed and shows each error beside its field.
(function () {
  "use strict";
  var root = document.getElementById("map-editor");
  if (!root || !root.dataset.process) return;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var status = document.getElementById("map-status");

  function stepUrl(id) { return root.dataset.stepUrl.replace(/\/0\/$/, "/" + id + "/"); }
  function pointUrl(id) { return root.dataset.pointUrl.replace(/\/0\/$/, "/" + id + "/"); }
  function list(text) {
    return text.split(",").map(function (item) { return item.trim(); }).filter(Boolean);
  }

  function call(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 204) return { ok: true, data: null };
      return r.json().then(
        function (data) { return { ok: r.ok, data: data }; },
        function () { return { ok: false, data: { detail: "Unexpected answer from the server (" + r.status + ")." } }; }
      );
    }, function () {
      return { ok: false, data: { detail: "The server could not be reached; nothing was saved." } };
    });
  }

  function values(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox") data[el.name] = el.checked;
      else if (el.name === "documented_step") data[el.name] = el.value ? Number(el.value) : null;
      else data[el.name] = el.value;
    });
    return data;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, data) {
    var general = [];
    Object.keys(data || {}).forEach(function (key) {
      var text = [].concat(data[key]).join(" ");
      if (key === "code") return;
      var slot = form.querySelector(".field-error[data-error-for='" + key + "']");
      var input = form.querySelector("[name='" + key + "']");
      if (slot) {
        slot.textContent = text;
        if (input) input.setAttribute("aria-invalid", "true");
      } else {
        general.push(text);
      }
    });
    form.querySelector(".row-error").textContent = general.join(" ");
    var first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  function say(text) { status.textContent = text; }

  function detailsKey(el) {
    var row = el.closest("li[data-step-id]");
    var flow = el.closest(".flow-editor");
    return (row ? row.dataset.stepId : "new-" + (flow ? flow.dataset.flow : "")) + ":" + el.className;
  }

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        // The rows whose Edit (or the "Add a step" forms) were open stay open after a redraw.
        var open = Array.prototype.map.call(
          document.querySelectorAll("#map-editor-lists details[open]"), detailsKey);
        ["map-summary", "map-diagram", "map-editor-lists", "map-decisions"].forEach(function (id) {
          var next = fresh.getElementById(id);
          var current = document.getElementById(id);
          if (next && current) current.replaceWith(document.importNode(next, true));
        });
        document.querySelectorAll("#map-editor-lists details").forEach(function (el) {
          if (open.indexOf(detailsKey(el)) !== -1) el.open = true;
        });
      });
  }

  function done(form, message) {
    return function (result) {
      if (!result.ok) {
        showErrors(form, result.data);
        say("Not saved: see the errors in the form.");
        return;
      }
      return refresh().then(function () { say(message); });
    };
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    clearErrors(form);
    if (form.classList.contains("add-step-form")) {
      var data = values(form);
      data.flow = form.dataset.flow;
      call("POST", root.dataset.createUrl, data).then(done(form, "Added “" + data.name + "”."));
    } else if (form.classList.contains("step-form")) {
      call("PATCH", stepUrl(form.dataset.stepId), values(form)).then(done(form, "Saved."));
    } else if (form.classList.contains("dp-form")) {
      var point = {
        decision_type: Number(form.elements.decision_type.value),
        inputs: list(form.elements.inputs.value),
        outcomes: list(form.elements.outcomes.value)
      };
      call("POST", stepUrl(form.dataset.stepId) + "decision-points/", point)
        .then(done(form, "Added the decision point."));
    }
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var form = button.closest("form");
    var row = button.closest("li[data-step-id]");
    var items = row.parentNode;
    clearErrors(form);
    if (button.dataset.action === "remove-point") {
      call("DELETE", pointUrl(button.dataset.pointId)).then(done(form, "Removed the decision point."));
      return;
    }
    if (button.dataset.action === "delete") {
      call("DELETE", stepUrl(row.dataset.stepId)).then(done(form, "Deleted the step."));
      return;
    }
    var rows = Array.prototype.slice.call(items.querySelectorAll(":scope > li[data-step-id]"));
    var ids = rows.map(function (li) { return Number(li.dataset.stepId); });
    var i = ids.indexOf(Number(row.dataset.stepId));
    var j = button.dataset.action === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= ids.length) return;
    ids.splice(j, 0, ids.splice(i, 1)[0]);
    var flow = button.closest(".flow-editor").dataset.flow;
    call("POST", root.dataset.reorderUrl, { flow: flow, steps: ids }).then(done(form, "Moved the step."));
  });
})();
