// The blinded rater view: two photos side by side, zoom and pan in sync, keys 1-7 score -3..+3,
// U cannot rate (then 1-4 for the reason), Z undoes the last score of this sitting. The next pair's
// images are fetched ahead as blobs, so the next pair shows at once. No inline scripts (CSP).
(function () {
  "use strict";

  var root = document.getElementById("rater");
  if (!root) return;
  var roundId = root.dataset.round;
  var sitting = root.dataset.sitting;
  var queue = JSON.parse(root.dataset.queue);
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  var left = document.getElementById("rater-left");
  var right = document.getElementById("rater-right");
  var bar = document.getElementById("rater-bar");
  var count = document.getElementById("rater-count");
  var status = document.getElementById("rater-status");
  var undoButton = document.getElementById("rater-undo");
  var reasons = document.getElementById("rater-reasons");
  var done = document.getElementById("rater-done");
  var pairBox = document.getElementById("rater-pair");
  var fetched = {}; // token -> Promise of {left, right} object URLs
  var current = null; // the token on screen
  var shownAt = 0;
  var busy = false;
  var zoom = { scale: 1, x: 0, y: 0 };

  function blob(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("image " + r.status);
      return r.blob();
    }).then(function (b) { return URL.createObjectURL(b); });
  }

  function prefetch(pair) {
    if (!pair) return null;
    if (!fetched[pair.token]) {
      fetched[pair.token] = Promise.all([blob(pair.left_url), blob(pair.right_url)]).then(function (urls) {
        return { left: urls[0], right: urls[1] };
      });
      fetched[pair.token].catch(function () { delete fetched[pair.token]; });
    }
    return fetched[pair.token];
  }

  function forget(token) {
    var held = fetched[token];
    if (!held) return;
    delete fetched[token];
    held.then(function (urls) { URL.revokeObjectURL(urls.left); URL.revokeObjectURL(urls.right); }, function () {});
  }

  function say(text) { status.textContent = text || ""; }

  function applyZoom() {
    var t = "translate(" + zoom.x + "px," + zoom.y + "px) scale(" + zoom.scale + ")";
    left.style.transform = t;
    right.style.transform = t;
  }

  function setZoom(scale) {
    zoom.scale = Math.min(6, Math.max(1, scale));
    if (zoom.scale === 1) { zoom.x = 0; zoom.y = 0; }
    applyZoom();
  }

  function render(q) {
    queue = q;
    bar.max = q.total;
    bar.value = q.done;
    count.textContent = q.done + " of " + q.total;
    undoButton.disabled = !q.can_undo;
    if (!q.pair) {
      pairBox.hidden = true;
      root.querySelector(".rater-scale").hidden = true;
      root.querySelector(".rater-question").hidden = true;
      reasons.hidden = true;
      done.hidden = false;
      if (current) forget(current);
      current = null;
      return Promise.resolve();
    }
    var token = q.pair.token;
    var showing = prefetch(q.pair);
    prefetch(q.preload);
    return showing.then(function (urls) {
      if (current && current !== token) forget(current);
      current = token;
      root.dataset.shown = token;
      left.src = urls.left;
      right.src = urls.right;
      setZoom(1);
      shownAt = performance.now();
      say("");
    });
  }

  function call(method, path, body) {
    return fetch("/dashboard/ratings/" + roundId + path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error((data.error && data.error.message) || "Something went wrong. Reload the page.");
        return data;
      });
    });
  }

  function refresh() {
    return call("GET", "/queue?sitting=" + encodeURIComponent(sitting)).then(render);
  }

  // data-state tells whoever watches (a test, a screen reader's live region) when a key counts
  function act(promise) {
    busy = true;
    root.dataset.state = "busy";
    return promise.then(render).catch(function (error) {
      say(error.message);
      return refresh().catch(function () {});
    }).then(function () { busy = false; root.dataset.state = current ? "ready" : "done"; });
  }

  function submit(body) {
    if (busy || !current) return;
    body.sitting = sitting;
    body.seconds_taken = Math.round((performance.now() - shownAt) / 100) / 10;
    reasons.hidden = true;
    act(call("POST", "/tasks/" + encodeURIComponent(current) + "/score", body));
  }

  function undo() {
    if (busy || undoButton.disabled) return;
    reasons.hidden = true;
    act(call("POST", "/undo", { sitting: sitting }));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (!reasons.hidden) {
      var reasonButtons = reasons.querySelectorAll("[data-reason]");
      if (key >= "1" && key <= String(reasonButtons.length - 1)) {
        event.preventDefault();
        submit({ cannot_rate: reasonButtons[Number(key) - 1].dataset.reason });
      } else if (key === "Escape") {
        reasons.hidden = true;
      }
      return;
    }
    if (key >= "1" && key <= "7") { event.preventDefault(); submit({ score: Number(key) - 4 }); }
    else if (key === "u" || key === "U") { if (current) { event.preventDefault(); reasons.hidden = false; } }
    else if (key === "z" || key === "Z") { event.preventDefault(); undo(); }
    else if (key === "+" || key === "=") { setZoom(zoom.scale * 1.25); }
    else if (key === "-") { setZoom(zoom.scale / 1.25); }
    else if (key === "0") { setZoom(1); }
  });

  root.querySelectorAll("[data-score]").forEach(function (button) {
    button.addEventListener("click", function () { submit({ score: Number(button.dataset.score) }); });
  });
  document.getElementById("rater-cannot").addEventListener("click", function () { if (current) reasons.hidden = false; });
  reasons.querySelectorAll("[data-reason]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.reason) submit({ cannot_rate: button.dataset.reason });
      else reasons.hidden = true;
    });
  });
  undoButton.addEventListener("click", undo);
  root.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var how = button.dataset.zoom;
      setZoom(how === "in" ? zoom.scale * 1.25 : how === "out" ? zoom.scale / 1.25 : 1);
    });
  });

  // zoom with the wheel, pan by dragging either photo (both follow); pinch with two fingers
  var pointers = {};
  var pinch = null;
  pairBox.addEventListener("wheel", function (event) {
    event.preventDefault();
    setZoom(zoom.scale * (event.deltaY < 0 ? 1.15 : 1 / 1.15));
  }, { passive: false });
  pairBox.addEventListener("pointerdown", function (event) {
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    pairBox.setPointerCapture(event.pointerId);
    var ids = Object.keys(pointers);
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y), scale: zoom.scale };
    }
  });
  pairBox.addEventListener("pointermove", function (event) {
    var last = pointers[event.pointerId];
    if (!last) return;
    var ids = Object.keys(pointers);
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    if (ids.length === 2 && pinch) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      setZoom(pinch.scale * Math.hypot(a.x - b.x, a.y - b.y) / pinch.distance);
    } else if (zoom.scale > 1) {
      zoom.x += event.clientX - last.x;
      zoom.y += event.clientY - last.y;
      applyZoom();
    }
  });
  function release(event) { delete pointers[event.pointerId]; pinch = null; }
  pairBox.addEventListener("pointerup", release);
  pairBox.addEventListener("pointercancel", release);

  act(Promise.resolve(queue));
})();
