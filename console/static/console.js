// The console works without this script; it only adds Ctrl+Enter to send a
// question and a "working" notice while a slow form (a model run) is sent.
"use strict";
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && field.form && field.tagName === "TEXTAREA") {
    event.preventDefault();
    field.form.requestSubmit();
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList.contains("busy-form")) return;
  const status = form.querySelector(".status");
  if (status) status.textContent = "Working, please wait…";
  form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
});
