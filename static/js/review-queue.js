// Keyboard shortcuts for My queue and a task page reached from it (the legend is in
// templates/reviews/_shortcuts.html). Progressive enhancement: every key does what a link or a
// button on the page already does, so the pages work the same without JavaScript.
//   Queue page: j / k select the next / previous row, Enter or o opens it.
//   Task page:  j / k next / previous task of the same filtered queue, 1–9 pick an outcome,
//               e flag as edge case (ticks the box and puts the cursor in its note),
//               r resolve (and go on to the next task), u back to the queue.
// Keys are ignored while the focus is in a text field, or with Ctrl, Alt or Meta held.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "submit", "button", "reset"].indexOf(type) === -1;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  // --- Queue page -------------------------------------------------------------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  var selected = -1;

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (selected >= 0) rows[selected].classList.remove("is-selected");
    selected = index;
    var row = rows[selected];
    row.classList.add("is-selected");
    var link = row.querySelector("[data-queue-link]");
    if (link) link.focus();
  }

  function onQueueKey(event) {
    if (event.key === "j") select(selected + 1);
    else if (event.key === "k") select(selected < 0 ? 0 : selected - 1);
    else if ((event.key === "o" || event.key === "Enter") && selected >= 0) {
      var link = rows[selected].querySelector("[data-queue-link]");
      if (!link) return false;
      window.location.assign(link.href);
    } else return false;
    return true;
  }

  // --- Task page --------------------------------------------------------------------------
  var form = document.querySelector("[data-resolve-form]");

  function pickOutcome(n) {
    if (!form) return false;
    var radios = form.querySelectorAll("input[type=radio][name=outcome]");
    var radio = radios[n - 1];
    if (!radio) return false;
    radio.checked = true;
    radio.focus();
    return true;
  }

  function flagEdgeCase() {
    if (!form) return false;
    var box = form.querySelector("input[type=checkbox][name=flag_edge_case]");
    if (!box) return false;
    box.checked = true;
    var note = form.querySelector("[name=edge_case_note]");
    if (note) note.focus();
    return true;
  }

  function resolve() {
    if (!form) return false;
    var button = form.querySelector("[data-resolve]");
    if (!button) return false;
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
    return true;
  }

  function onTaskKey(event) {
    if (event.key === "j") return follow("a[data-key=j]");
    if (event.key === "k") return follow("a[data-key=k]");
    if (event.key === "u") return follow("a[data-key=u]");
    if (event.key === "e") return flagEdgeCase();
    if (event.key === "r") return resolve();
    if (/^[1-9]$/.test(event.key)) return pickOutcome(Number(event.key));
    return false;
  }

  var onKey = rows.length ? onQueueKey : form || document.querySelector("a[data-key]") ? onTaskKey : null;
  if (!onKey) return;
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target)) return;
    // Enter on a focused link or button keeps its own meaning.
    if (event.key === "Enter" && event.target && event.target.closest && event.target.closest("a, button")) return;
    if (onKey(event)) event.preventDefault();
  });
  document.documentElement.classList.add("has-shortcuts");
})();
