// The survey page: a question that follows an earlier answer (data-show-if, written by
// surveys/logic.py) is shown only while that answer fits. Hidden questions are disabled, so
// nothing typed in them is sent; the server decides the same way without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) return;
  var ruled = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-show-if]"));

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

  if (ruled.length) {
    form.querySelectorAll(".show-if-note").forEach(function (note) {
      note.hidden = true;
    });
    form.addEventListener("change", update);
    update();
  }

  // A one-click link from the e-mail chose an answer: save it a moment after the page is seen,
  // so the click alone counts. Link scanners open the link but run no script; the server holds
  // the answer a while for the customer's Send, which replaces it with everything they add.
  var quick = form.getAttribute("data-quick-store");
  if (!quick) return;
  var done = false;
  function save() {
    var chosen = form.querySelector('[name="' + quick + '"]:checked');
    if (done || !chosen || document.visibilityState !== "visible") return;
    done = true;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("quick", "1");
    data.append(quick, chosen.value);
    fetch(window.location.pathname, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (!body || !body.saved) return;
        var saved = document.querySelector("[data-testid=quick-saved]");
        var pending = document.querySelector("[data-testid=quick-chosen]");
        if (saved) saved.hidden = false;
        if (pending) pending.hidden = true;
      })
      .catch(function () {
        done = false; // offline for a moment: Send still sends everything
      });
  }
  function later() {
    window.setTimeout(save, 1500);
  }
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later);
  document.addEventListener("visibilitychange", later);
})();
