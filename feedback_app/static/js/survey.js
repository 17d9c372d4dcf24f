// The survey page, in three parts; without this script it is one page that works as it is.
// 1. Questions that follow an earlier answer (data-show-if, written by surveys/logic.py) show
//    only while that answer fits; hidden ones are disabled, so nothing typed in them is sent.
//    The server decides the same way.
// 2. Answers are kept in this tab while the customer answers, so a reload loses nothing; with
//    "one question at a time" (data-one-at-a-time) a phone shows one question per screen with
//    progress, Back and Next.
// 3. On an invitation's page (data-progress), how far the customer got: the page seen, and
//    the furthest question answered (which counts as started), for the survey's funnel.
// 4. A one-click link from the e-mail chose an answer (data-quick-store): it is saved a moment
//    after the page is seen. Link scanners open the link but run no script; the server holds
//    the answer a while for the customer's Send, which replaces it with everything they add.
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) return;
  var all = function (selector, root) {
    return Array.prototype.slice.call((root || form).querySelectorAll(selector));
  };
  var questions = all("fieldset[data-question]");
  var ruled = all("fieldset[data-show-if]");

  function chosen(name) {
    return all('[name="' + name + '"]')
      .filter(function (input) {
        var ticked = input.type === "radio" || input.type === "checkbox";
        return !input.disabled && (ticked ? input.checked : input.value.trim());
      })
      .map(function (input) {
        return input.value;
      });
  }

  // --- 1. questions that follow the answer -----------------------------------------------
  function applyRules() {
    // Fieldsets are in survey order and a condition names an earlier question, so one pass
    // settles a chain (a question whose source is hidden is hidden too).
    ruled.forEach(function (fieldset) {
      var rule = JSON.parse(fieldset.getAttribute("data-show-if"));
      var show = chosen(rule.field).some(function (value) {
        return rule.values.indexOf(value) !== -1;
      });
      fieldset.hidden = !show;
      all("input, textarea, select", fieldset).forEach(function (input) {
        input.disabled = !show;
      });
    });
  }
  all(".show-if-note").forEach(function (note) {
    note.hidden = true;
  });

  // --- 2. kept answers, and one question at a time -----------------------------------------
  var key = "survey-answers:" + window.location.pathname;
  var errors = form.querySelector("[data-field-error]") !== null;
  var step = 0;

  function remember() {
    var kept = { step: step, values: {} };
    questions.forEach(function (fieldset) {
      var name = fieldset.getAttribute("data-question");
      kept.values[name] = chosen(name);
    });
    try {
      window.sessionStorage.setItem(key, JSON.stringify(kept));
    } catch (e) {
      /* storage full or off: answering still works */
    }
  }

  function restore() {
    var kept = null;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(key) || "null");
    } catch (e) {
      kept = null;
    }
    if (!kept || errors) return 0; // after a refused Send the page shows what was sent
    questions.forEach(function (fieldset) {
      var name = fieldset.getAttribute("data-question");
      var values = (kept.values || {})[name];
      if (!Array.isArray(values) || chosen(name).length) return; // the page's own answer wins
      all('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          input.checked = values.indexOf(input.value) !== -1;
        } else if (values.length) {
          input.value = values[0];
        }
      });
    });
    return kept.step || 0;
  }

  var stepped =
    form.hasAttribute("data-one-at-a-time") &&
    window.matchMedia("(max-width: 767.98px)").matches &&
    questions.length > 1;
  var bar = form.querySelector("[data-step-bar]");
  var label = form.querySelector("[data-step-label]");
  var buttons = form.querySelector("[data-step-buttons]");
  var back = form.querySelector("[data-step=back]");
  var next = form.querySelector("[data-step=next]");
  var final = all("[data-step-final]");

  function steps() {
    return questions.filter(function (fieldset) {
      return !fieldset.hidden;
    });
  }

  function answered(fieldset) {
    return chosen(fieldset.getAttribute("data-question")).length > 0;
  }

  function show(focus) {
    var shown = steps();
    step = Math.max(0, Math.min(step, shown.length - 1));
    questions.forEach(function (fieldset) {
      fieldset.classList.toggle("d-none", fieldset !== shown[step]);
    });
    var last = step === shown.length - 1;
    final.forEach(function (element) {
      element.classList.toggle("d-none", !last);
    });
    next.classList.toggle("d-none", last);
    back.disabled = step === 0;
    var percent = Math.round(((step + 1) / shown.length) * 100);
    bar.style.width = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(percent));
    // The words come from the page, in its language: "Question %(number)s of %(total)s".
    label.textContent = (label.getAttribute("data-step-words") || "%(number)s / %(total)s")
      .replace("%(number)s", String(step + 1))
      .replace("%(total)s", String(shown.length));
    if (focus) {
      var legend = shown[step].querySelector("legend");
      legend.setAttribute("tabindex", "-1");
      legend.focus();
      form.scrollIntoView({ block: "start" });
    }
  }

  function needAnswer(fieldset) {
    var message = fieldset.querySelector("[data-step-error]");
    if (!message) {
      message = document.createElement("div");
      message.className = "text-danger small mt-1";
      message.setAttribute("data-step-error", "");
      message.setAttribute("role", "alert");
      message.textContent = label.getAttribute("data-required-words") || "";
      fieldset.appendChild(message);
    }
    message.hidden = false;
  }

  var start = restore();
  applyRules();
  if (stepped) {
    var shown = steps();
    var firstError = shown.findIndex(function (fieldset) {
      return fieldset.querySelector("[data-field-error]") !== null;
    });
    var firstOpen = shown.findIndex(function (fieldset) {
      return !answered(fieldset);
    });
    step = firstError !== -1 ? firstError : start || Math.max(0, firstOpen);
    form.querySelector("[data-stepper]").hidden = false;
    buttons.hidden = false;
    back.addEventListener("click", function () {
      step -= 1;
      show(true);
      remember();
    });
    next.addEventListener("click", function () {
      var current = steps()[step];
      if (current.hasAttribute("data-required") && !answered(current)) {
        needAnswer(current);
        return;
      }
      step += 1;
      show(true);
      remember();
    });
    show(false);
  }
  form.addEventListener("change", function () {
    applyRules();
    all("[data-step-error]").forEach(function (message) {
      message.hidden = true;
    });
    if (stepped) show(false);
    remember();
  });
  form.addEventListener("input", remember);
  form.addEventListener("submit", function () {
    try {
      window.sessionStorage.removeItem(key);
    } catch (e) {
      /* nothing kept */
    }
  });

  // Parts 3 and 4 post to the page's own address (its CSRF token with them) once it is seen.
  function post(fields) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    Object.keys(fields).forEach(function (name) {
      data.append(name, fields[name]);
    });
    return fetch(window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
    });
  }
  function whenSeen(callback) {
    if (document.readyState === "complete") callback();
    else window.addEventListener("load", callback);
    document.addEventListener("visibilitychange", callback);
  }

  // --- 3. how far the customer got, for the survey's funnel (an invitation's page) -------
  if (form.hasAttribute("data-progress")) {
    var reported = {};
    var furthest = 0;
    var report = function (step, position) {
      var name = step + (position || "");
      if (reported[name]) return;
      reported[name] = true;
      var fields = { progress: step };
      if (position) fields.position = String(position);
      post(fields).catch(function () {
        reported[name] = false;
      });
    };
    whenSeen(function () {
      if (document.visibilityState === "visible") report("opened");
    });
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset[data-position]");
      if (!fieldset) return;
      var position = Number(fieldset.getAttribute("data-position"));
      if (position > furthest) {
        furthest = position;
        report("reached", position);
      }
    });
  }

  // --- 4. the one-click answer saves itself ---------------------------------------------
  var quick = form.getAttribute("data-quick-store");
  if (!quick) return;
  var done = false;
  function save() {
    var picked = form.querySelector('[name="' + quick + '"]:checked');
    if (done || !picked || document.visibilityState !== "visible") return;
    done = true;
    var fields = { quick: "1" };
    fields[quick] = picked.value;
    post(fields)
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
  whenSeen(function () {
    window.setTimeout(save, 1500);
  });
})();
