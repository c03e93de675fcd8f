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
      var chosen = [];
      block.getAttribute("data-condition-questions").split(" ").forEach(function (name) {
        chosen = chosen.concat(chosenValues(form, name));
      });
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

  // Front-desk tablet: starting again for the next patient posts the page's reset form
  // (with its form token), once.
  function startAgain(form) {
    if (form.dataset.submitting === "yes") { return; }
    form.dataset.submitting = "yes";
    form.submit();
  }

  // Front-desk tablet: warn after a quiet spell, then forget the patient. The server
  // enforces the same limit; this makes the screen itself leave the patient's answers.
  // The start page has no warning (nobody's answers to keep): it only starts afresh.
  function watchTabletIdle(body, resetForm) {
    var warningAfter = body.dataset.tabletWarning ? Number(body.dataset.tabletWarning) * 1000 : Infinity;
    var idleAfter = Number(body.dataset.tabletIdle) * 1000;
    // Activity is reported often enough for the server's idle limit, however short it is set.
    var pingEvery = Math.min(30000, idleAfter / 4);
    var dialog = document.getElementById("idle-warning");
    var lastActive = Date.now();
    var lastPing = Date.now();
    var returnFocus = null;

    function ping() {
      lastPing = Date.now();
      var data = new FormData(resetForm);  // the form token, nothing else
      window.fetch(body.dataset.tabletPingUrl, { method: "POST", body: data, credentials: "same-origin" });
    }

    function active() {
      if (dialog.open) { return; }
      lastActive = Date.now();
      if (lastActive - lastPing > pingEvery) { ping(); }
    }

    function stillHere() {
      dialog.close();
      lastActive = Date.now();
      ping();
      if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
    }

    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, active, { passive: true, capture: true });
    });
    document.getElementById("idle-warning-continue").addEventListener("click", stillHere);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); stillHere(); });

    window.setInterval(function () {
      var quiet = Date.now() - lastActive;
      if (quiet >= idleAfter) { startAgain(resetForm); return; }
      if (quiet >= warningAfter && !dialog.open) {
        returnFocus = document.activeElement;
        dialog.showModal();
        document.getElementById("idle-warning-title").focus();
      }
    }, 250);
  }

  // A page restored from the back/forward cache is shown again only after the server agrees.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstAnnouncement();
    var resetForm = document.getElementById("tablet-reset");
    if (resetForm) {
      watchTabletIdle(document.body, resetForm);
      // The confirmation leaves by itself, a while after the reference is shown.
      if (resetForm.dataset.resetAfter) {
        window.setTimeout(function () { startAgain(resetForm); }, Number(resetForm.dataset.resetAfter) * 1000);
      }
    }
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
