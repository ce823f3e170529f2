// The editor's preview: the server renders and sanitises the Markdown (the same function as
// the reader page), so the fragment it returns is safe to insert.
(function () {
  "use strict";
  var button = document.getElementById("preview-button");
  var target = document.getElementById("preview");
  if (!button || !target) return;
  button.addEventListener("click", function () {
    var form = button.closest("form");
    var data = new FormData();
    data.append("body", form.querySelector("textarea[name=body]").value);
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(button.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        // 400: a body the renderer refuses or stopped; the fragment says why.
        if (!r.ok && r.status !== 400) throw new Error(r.status);
        return r.text();
      })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () { target.textContent = "The preview could not be loaded."; });
  });
})();
