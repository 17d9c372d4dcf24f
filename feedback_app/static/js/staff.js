// Staff pages: a button or form with data-confirm asks before it sends (shipping to every
// customer who asked, closing many tickets at once).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question =
    (button && button.dataset.confirm) ||
    event.target.dataset.confirm ||
    (event.target.querySelector("[name=action]:checked, select[name=action]")?.selectedOptions?.[0]
      ?.dataset.confirm ?? "");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Staff pages: Ctrl+Enter (Cmd+Enter on a Mac) sends the form the cursor is in, as its own
// submit button would (the browser's checks and the form's handlers run as for a click).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) {
    return;
  }
  const form = event.target instanceof Element ? event.target.closest("form") : null;
  if (!form || form.method.toLowerCase() !== "post") {
    return;
  }
  event.preventDefault();
  const button = form.querySelector("button[type=submit], button:not([type])");
  form.requestSubmit(button || undefined);
});
