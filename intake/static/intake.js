// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The error summary (or the notice of a newly asked question) takes focus on load.
  function focusFirstAnnouncement() {
    var target = document.querySelector("[data-autofocus]");
    if (target) { target.focus(); }
  }

  // Conditional questions appear in place, right after the answer that triggers them.
  function chosenValues(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (input) { return input.value; }
    );
  }

  function updateConditionals(form) {
    form.querySelectorAll(".conditional").forEach(function (block) {
      var wanted = block.getAttribute("data-condition-any-of").split(" ");
      var chosen = chosenValues(form, block.getAttribute("data-condition-question"));
      var show = chosen.some(function (value) { return wanted.indexOf(value) !== -1; });
      block.hidden = !show;
      block.querySelector('input[name="shown"]').disabled = !show;
    });
  }

  // "None" and "None of these" stand alone: choosing one clears the others, and back.
  function keepExclusiveAlone(input) {
    if (input.type !== "checkbox" || !input.checked) { return; }
    var group = input.form.querySelectorAll('input[type="checkbox"][name="' + input.name + '"]');
    group.forEach(function (other) {
      if (other !== input && (input.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    });
  }

  // One press of a submit button sends the form once.
  function preventDoubleSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "yes") { event.preventDefault(); return; }
      form.dataset.submitting = "yes";
      window.setTimeout(function () { form.dataset.submitting = ""; }, 3000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstAnnouncement();
    document.querySelectorAll("form").forEach(function (form) {
      preventDoubleSubmit(form);
      if (!form.querySelector(".conditional, [data-exclusive]")) { return; }
      form.addEventListener("change", function (event) {
        keepExclusiveAlone(event.target);
        updateConditionals(form);
      });
    });
  });
})();
