// The survey page: a question that follows an earlier answer (data-show-if, written by
// surveys/logic.py) is shown only while that answer fits. Hidden questions are disabled, so
// nothing typed in them is sent; the server decides the same way without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) return;
  var ruled = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-show-if]"));
  if (!ruled.length) return;

  function chosen(name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      var ticked = input.type === "radio" || input.type === "checkbox";
      if (!input.disabled && (ticked ? input.checked : input.value)) values.push(input.value);
    });
    return values;
  }

  function update() {
    // Fieldsets are in survey order and a condition names an earlier question, so one pass
    // settles a chain (a question whose source is hidden is hidden too).
    ruled.forEach(function (fieldset) {
      var rule = JSON.parse(fieldset.getAttribute("data-show-if"));
      var show = chosen(rule.field).some(function (value) {
        return rule.values.indexOf(value) !== -1;
      });
      fieldset.hidden = !show;
      fieldset.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  form.querySelectorAll(".show-if-note").forEach(function (note) {
    note.hidden = true;
  });
  form.addEventListener("change", update);
  update();
})();
