// SIM overview (F-20): "select all on this page", "select all matching" and the selected count.
// Without this script the checkboxes still work one by one; the server reads the same fields.
(function () {
  "use strict";

  function selectionForm(el) {
    return el.closest("form#line-selection");
  }

  function rows(form) {
    return Array.from(form.querySelectorAll('input[name="line"]'));
  }

  function refresh(form) {
    var all = form.querySelector("[data-select-all-matching]");
    var page = form.querySelector("[data-select-page]");
    var count = form.querySelector("[data-selected-count]");
    var boxes = rows(form);
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    if (page) {
      page.checked = boxes.length > 0 && checked === boxes.length;
      page.indeterminate = checked > 0 && checked < boxes.length;
    }
    if (!count) { return; }
    if (all && all.checked) {
      count.textContent = count.dataset.all;
    } else if (checked === 0) {
      count.textContent = count.dataset.none;
    } else if (checked === 1) {
      count.textContent = count.dataset.one;
    } else {
      count.textContent = count.dataset.many.replace("%(count)s", String(checked));
    }
    form.classList.toggle("has-selection", checked > 0 || (all && all.checked));
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) { return; }
    var form = selectionForm(target);
    if (!form) { return; }
    if (target.matches("[data-select-page]")) {
      rows(form).forEach(function (box) { box.checked = target.checked; });
    } else if (target.matches("[data-select-all-matching]")) {
      rows(form).forEach(function (box) { box.checked = target.checked; });
    } else if (target.name === "line" && !target.checked) {
      var all = form.querySelector("[data-select-all-matching]");
      if (all) { all.checked = false; }
    }
    refresh(form);
  });

  function init() {
    var form = document.getElementById("line-selection");
    if (form) { refresh(form); }
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
