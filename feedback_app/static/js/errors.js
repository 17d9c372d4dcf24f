// A form sent back with errors: move the focus to its summary, so keyboard and screen-reader
// users start where the problem is said (each line links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
