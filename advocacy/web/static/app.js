// Light help only: every page works without it.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A brief takes a while to write: say so, and keep a second click from asking for another one.
  var busy = form.getAttribute("data-busy");
  if (busy) {
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.textContent = busy;
      button.setAttribute("aria-busy", "true");
      window.setTimeout(function () { button.disabled = true; }, 0);
      // The download does not leave the page, so the button comes back once it has had time to arrive.
      window.setTimeout(function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.textContent = button.getAttribute("data-label") || button.textContent;
      }, 15000);
    }
  }
});
document.querySelectorAll("form[data-busy] button[type=submit]").forEach(function (button) {
  button.setAttribute("data-label", button.textContent);
});
