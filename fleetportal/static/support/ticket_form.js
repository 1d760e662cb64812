// The ticket form (F-70) shows, as the seeds do, "More details" only for the subject "SIM card
// options", and the phone numbers and the date only for the items about SIM cards. Without
// scripts every field stays shown; the server checks the same rules either way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-ticket-form]");
  if (!form) return;
  var subject = form.querySelector("[name=subject]");
  var detail = form.querySelector("[name=detail]");
  var details = form.querySelector("[data-details]");
  var lines = form.querySelector("[data-lines]");
  var lineItems = (lines.getAttribute("data-lines") || "").split(" ");

  function update() {
    var sim = subject.value === "sim_options";
    details.hidden = !sim;
    lines.hidden = !sim || lineItems.indexOf(detail.value) === -1;
  }

  subject.addEventListener("change", update);
  detail.addEventListener("change", update);
  update();
})();
