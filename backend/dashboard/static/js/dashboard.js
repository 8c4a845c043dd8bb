// Follicle dashboard: the few things the pages do in the browser. No inline scripts (CSP).
(function () {
  "use strict";

  // Leave the page (patient data off the screen) once the server has ended the session for
  // inactivity. Only requests to the server keep a session alive, so only they reset the timer.
  function idleSignOut() {
    var seconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
    if (!seconds) return;
    var timer = null;
    function arm() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () {
        window.location.assign("/dashboard/sign-in?expired=1");
      }, (seconds + 5) * 1000);
    }
    arm();
    document.body.addEventListener("htmx:afterRequest", arm);
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // The next session defaults to the plan's interval after the one being recorded.
  function nextSessionDefault() {
    var next = document.getElementById("next_at");
    var when = document.getElementById("scheduled_at");
    if (!next || !when || !next.dataset.intervalDays) return;
    var days = parseInt(next.dataset.intervalDays, 10);
    var touched = next.value !== "";
    next.addEventListener("input", function () { touched = true; });
    function fill() {
      if (touched || !when.value) return;
      var start = new Date(when.value);
      if (isNaN(start.getTime())) return;
      start.setDate(start.getDate() + days);
      var pad = function (n) { return String(n).padStart(2, "0"); };
      next.value = start.getFullYear() + "-" + pad(start.getMonth() + 1) + "-" + pad(start.getDate()) +
        "T" + pad(start.getHours()) + ":" + pad(start.getMinutes());
    }
    when.addEventListener("input", fill);
    when.addEventListener("change", fill);
    if (!when.value) {
      var now = new Date();
      now.setMinutes(0, 0, 0);
      var pad2 = function (n) { return String(n).padStart(2, "0"); };
      when.value = now.getFullYear() + "-" + pad2(now.getMonth() + 1) + "-" + pad2(now.getDate()) + "T" + pad2(now.getHours()) + ":00";
    }
    fill();
  }

  // Overlay comparison: the later photo on top, revealed from the left up to the slider.
  function overlaySliders() {
    document.querySelectorAll("[data-overlay]").forEach(function (box) {
      var top = box.querySelector(".overlay-top");
      var divider = box.querySelector(".overlay-divider");
      var slider = document.getElementById(box.dataset.overlay);
      if (!top || !slider) return;
      function apply() {
        var value = Number(slider.value);
        top.style.clipPath = "inset(0 " + (100 - value) + "% 0 0)";
        if (divider) divider.style.left = value + "%";
        slider.setAttribute("aria-valuetext", value + "% of the later photo shown");
      }
      slider.addEventListener("input", apply);
      apply();
    });
  }

  // Ticking two photos of one view in the timeline opens them side by side.
  function compareChoice() {
    var form = document.getElementById("compare-form");
    var button = form && form.querySelector("button[type=submit]");
    if (!button) return;
    var status = document.getElementById("compare-status");
    function update() {
      var picked = form.querySelectorAll("input[name=photo]:checked");
      var views = new Set(Array.prototype.map.call(picked, function (i) { return i.dataset.view; }));
      var ok = picked.length === 2 && views.size === 1;
      button.disabled = !ok;
      if (status) {
        status.textContent = picked.length === 2 && views.size > 1 ? "Pick two photos of the same view." :
          picked.length > 2 ? "Pick only two photos." : picked.length + " of 2 photos picked.";
      }
    }
    form.addEventListener("change", update);
    update();
  }

  function start() {
    idleSignOut();
    printButtons();
    nextSessionDefault();
    overlaySliders();
    compareChoice();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
