// Siaran LAN page: small progressive enhancements. Every page works without this file.
"use strict";

// Forms with data-confirm ask before they submit (cancel, delete, hold).
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});

// Elements with data-refresh="/url" are replaced by the server's fragment every few seconds
// (dashboard; the campaign page's state, buttons, progress and rows). Stops while the tab is hidden,
// and for good once the fragment says nothing more will change (data-final: a finished campaign).
function refreshAll() {
  if (document.hidden) { return; }
  document.querySelectorAll("[data-refresh]").forEach(function (el) {
    fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        el.innerHTML = html;
        el.removeAttribute("data-stale");
        if (el.querySelector("[data-final]")) { el.removeAttribute("data-refresh"); }
      })
      .catch(function () { el.setAttribute("data-stale", "1"); });
  });
}
setInterval(refreshAll, 4000);

// Forms with data-fragment-url post themselves (debounced) as the user types and show the
// server's answer in data-fragment-target: the compose counter and the audience counts.
function debounce(fn, ms) {
  var t = null;
  return function () { clearTimeout(t); t = setTimeout(fn, ms); };
}
document.querySelectorAll("form[data-fragment-url]").forEach(function (form) {
  var target = document.querySelector(form.getAttribute("data-fragment-target"));
  var csrf = form.querySelector("input[name=csrf]");
  var run = debounce(function () {
    fetch(form.getAttribute("data-fragment-url"), {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "X-CSRF-Token": csrf ? csrf.value : "", "X-Requested-With": "fetch" }
    }).then(function (r) { return r.text(); })
      .then(function (html) { if (target) { target.innerHTML = html; } })
      .catch(function () {});
  }, 300);
  form.addEventListener("input", run);
  form.addEventListener("change", run);
  run();
});

// Typing in a box with data-choose-on-input picks data-choose-value in the select it names
// (compose: filling in the new filter chooses "Saringan baru").
document.querySelectorAll("[data-choose-on-input]").forEach(function (box) {
  var select = document.querySelector(box.getAttribute("data-choose-on-input"));
  box.addEventListener("input", function () {
    if (select) { select.value = box.getAttribute("data-choose-value"); }
  });
});

// A button with data-copy copies the text of the element it names (API tokens).
document.addEventListener("click", function (ev) {
  var sel = ev.target.getAttribute && ev.target.getAttribute("data-copy");
  if (sel && navigator.clipboard) {
    var el = document.querySelector(sel);
    if (el) { navigator.clipboard.writeText(el.textContent.trim()); }
  }
});

// A GSM-7 fix suggestion button puts the suggested text into the message box.
document.addEventListener("click", function (ev) {
  var target = ev.target.getAttribute && ev.target.getAttribute("data-use-text");
  if (target) {
    var box = document.querySelector(target);
    var src = document.querySelector(ev.target.getAttribute("data-text-from"));
    if (box && src) { box.value = src.textContent; box.dispatchEvent(new Event("input", { bubbles: true })); }
  }
});

// A file input with data-max-bytes refuses a file over the page's upload limit before it is sent: the server
// would have to drop the connection part-way through a body that big, and a browser shows that as a broken page.
document.addEventListener("change", function (ev) {
  var input = ev.target;
  var max = input.getAttribute && Number(input.getAttribute("data-max-bytes"));
  if (!max || !input.files) { return; }
  var tooBig = Array.prototype.some.call(input.files, function (f) { return f.size > max; });
  input.setCustomValidity(tooBig ? input.getAttribute("data-too-big") : "");
  if (tooBig) { input.reportValidity(); }
});
