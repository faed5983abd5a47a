// shopmail: progressive enhancement only. Every screen works without this file; with it,
// - the steps of Probar SMTP and of Intentar configuración automática appear as they complete,
// - buttons are disabled (and say what is happening) while work runs,
// - Guardar is only offered after a passing test of the values on screen,
// - the account form shows the password or the Conectar button of the chosen sign-in method,
// - forms and buttons with data-confirm ask before they act (deleting, releasing, cancelling),
// - on a phone the navigation folds behind one button (without this file it shows as a compact row).
// Served from our own origin, no inline code: it runs under the panel's Content-Security-Policy.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Fields whose change makes an earlier SMTP test worthless (what the test ticket vouches for).
  var TESTED_FIELDS = ["address", "username", "auth", "password", "host", "port", "security", "verify_cert"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Busy buttons ---------------------------------------------------------------------------------

  function setBusy(buttons, submitter, busy) {
    buttons.forEach(function (button) {
      if (busy) {
        button.dataset.wasDisabled = button.disabled ? "1" : "";
        button.disabled = true;
      } else if (!button.dataset.wasDisabled) {
        button.disabled = false;
      }
    });
    if (submitter && submitter.dataset.busy) {
      if (busy) {
        submitter.dataset.idle = submitter.textContent;
        submitter.textContent = submitter.dataset.busy;
      } else if (submitter.dataset.idle) {
        submitter.textContent = submitter.dataset.idle;
      }
    }
  }

  function buttonsOf(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type])"));
  }

  // Confirmation and busy state for every ordinary form post.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented || form.method.toLowerCase() !== "post") { return; }
    // After the browser has collected the form's values (a disabled button would not send its own).
    window.setTimeout(function () {
      setBusy(buttonsOf(form), submitter, true);
      form.setAttribute("aria-busy", "true");
    }, 0);
  });

  // Coming back with the Back button must not leave the buttons of a cached page disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      buttonsOf(form).forEach(function (button) {
        button.disabled = false;
        if (button.dataset.idle) { button.textContent = button.dataset.idle; }
      });
    });
  });

  // Live steps ------------------------------------------------------------------------------------

  function stepLine(event) {
    var item = el("li", event.ok ? "ok" : "bad");
    var name = el("span", "step-name", event.label || event.step);
    name.setAttribute("data-step", event.step);
    item.appendChild(name);
    var words = " · " + event.ms + " ms" + (event.detail ? " · " + event.detail : "");
    item.appendChild(document.createTextNode(words));
    return item;
  }

  function sourceLine(event, texts) {
    var item = el("li", event.found ? "ok" : "none");
    item.appendChild(el("span", "step-name", event.label || event.source));
    item.appendChild(document.createTextNode(" · " + (event.found ? texts.found : texts.nothing)));
    return item;
  }

  // POST the form to its live URL and show each NDJSON event as it arrives. Resolves with the last
  // event: result, error, or invalid (the form has errors: the ordinary submit shows them).
  function stream(url, body, region, working, texts) {
    region.setAttribute("aria-busy", "true");
    region.textContent = "";
    var box = el("section", "result result-live");
    box.appendChild(el("h2", "", working));
    var list = el("ol", "steps");
    box.appendChild(list);
    region.appendChild(box);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/x-ndjson"}
    }).then(function (response) {
      if (!response.ok || !response.body) { throw new Error("HTTP " + response.status); }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      var last = null;
      function handle(line) {
        if (!line.trim()) { return; }
        var event = JSON.parse(line);
        if (event.event === "step") { list.appendChild(stepLine(event)); }
        else if (event.event === "source") { list.appendChild(sourceLine(event, texts)); }
        else if (event.event === "verify") {
          list.appendChild(el("li", "verify", texts.verify + " " + event.host + ":" + event.port));
        } else { last = event; }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            handle(buffer);
            return last;
          }
          buffer += decoder.decode(chunk.value, {stream: true});
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).finally(function () {
      region.removeAttribute("aria-busy");
    });
  }

  function showFinal(region, event) {
    if (event && event.event === "result") {
      region.innerHTML = event.html;  // our own template, rendered and escaped by the server
    } else {
      region.textContent = "";
      var box = el("section", "result result-bad");
      box.appendChild(el("p", "", (event && event.message) || "Error"));
      region.appendChild(box);
    }
  }

  // The account form --------------------------------------------------------------------------------

  function accountForm(form) {
    var save = form.querySelector("[data-save]");
    var why = document.getElementById("save-why");
    var ticket = form.querySelector("input[name=ticket]");
    var probeRegion = document.getElementById("probe-live");
    var autoRegion = document.getElementById("autoconfig-live");
    var native = false;

    function submitNormally(target, button) {
      native = true;
      if (target.requestSubmit) {
        target.requestSubmit(button);
        return;
      }
      var carrier = document.createElement("input");  // what the clicked button would have sent
      carrier.type = "hidden";
      carrier.name = button.name;
      carrier.value = button.value;
      target.appendChild(carrier);
      target.submit();
    }
    var texts = {found: "✔", nothing: "—", verify: "→"};
    try { texts = JSON.parse(form.getAttribute("data-texts")) || texts; } catch (ignored) { /* keep symbols */ }

    function allowSave(allowed) {
      if (!save) { return; }
      if (allowed) {
        save.removeAttribute("aria-disabled");
        save.removeAttribute("aria-describedby");
        if (why) { why.hidden = true; }
      } else {
        save.setAttribute("aria-disabled", "true");
        if (why) {
          why.hidden = false;
          save.setAttribute("aria-describedby", why.id);
        }
      }
    }
    allowSave(!why || why.hidden);

    TESTED_FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field) { return; }
      var changed = function () {
        if (ticket) { ticket.value = ""; }
        allowSave(false);
      };
      field.addEventListener("input", changed);
      field.addEventListener("change", changed);
    });

    function fill(result) {
      var fields = {host: result.host, port: result.port, security: result.security};
      if (result.username) { fields.username = result.username; }
      Object.keys(fields).forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && fields[name] !== null && fields[name] !== undefined) { field.value = fields[name]; }
      });
      if (ticket) { ticket.value = ""; }
      allowSave(false);
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (native || event.defaultPrevented || !submitter) { return; }
      if (submitter === save && save.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
        if (why) {
          why.hidden = false;
          why.setAttribute("tabindex", "-1");
          why.focus();
        }
        return;
      }
      var action = submitter.value;
      if ((action !== "test" && action !== "autoconfig") || !window.fetch || !window.ReadableStream) { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      var body = new FormData(form);
      body.set("action", action);
      var region = action === "test" ? probeRegion : autoRegion;
      var other = action === "test" ? autoRegion : probeRegion;
      var buttons = buttonsOf(form);
      setBusy(buttons, submitter, true);
      stream(form.getAttribute("data-live"), body, region, submitter.dataset.busy || "", texts).then(function (last) {
        setBusy(buttons, submitter, false);
        if (last && last.event === "invalid") {  // show the field errors as the page does without JavaScript
          submitNormally(form, submitter);
          return;
        }
        showFinal(region, last);
        if (!last || last.event !== "result") { return; }
        if (last.kind === "probe") {
          if (last.result.ok && last.ticket && ticket) { ticket.value = last.ticket; }
          allowSave(Boolean(last.result.ok));
        } else if (last.result.found) {
          if (other) { other.textContent = ""; }
          fill(last.result);
        }
      }).catch(function () {  // no stream (refused, old proxy, lost connection): the ordinary way says why
        setBusy(buttons, submitter, false);
        submitNormally(form, submitter);
      });
    }, true);
  }

  // Probar SMTP on a saved account's page.
  function probeForm(form) {
    var region = document.getElementById("probe-live");
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || !window.fetch || !window.ReadableStream || !region) { return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      var submitter = event.submitter || form.querySelector("button");
      var buttons = buttonsOf(form);
      setBusy(buttons, submitter, true);
      stream(form.getAttribute("data-live"), new FormData(form), region, submitter.dataset.busy || "", {})
        .then(function (last) { showFinal(region, last); })
        .catch(function () { form.submit(); })
        .finally(function () { setBusy(buttons, submitter, false); });
    }, true);
  }

  // The header on a phone -------------------------------------------------------------------------

  function foldingNav(header) {
    var nav = header.querySelector("nav");
    if (!nav) { return; }
    nav.id = nav.id || "shopmail-nav";
    var button = el("button", "secondary nav-toggle", header.dataset.menu || "Menu");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", nav.id);
    header.insertBefore(button, nav);
    header.classList.add("nav-folds");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      header.classList.toggle("nav-open", open);
    });
  }

  // Método de inicio de sesión: the password field, or the Conectar button of the chosen provider.
  function authChoice(form) {
    var select = form.querySelector("select[name=auth]");
    if (!select) { return; }
    function show() {
      form.querySelectorAll("[data-auth-only]").forEach(function (node) {
        node.hidden = node.getAttribute("data-auth-only") !== select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  function start() {
    document.querySelectorAll("header.top[data-menu]").forEach(foldingNav);
    document.querySelectorAll("form[data-account-form]").forEach(authChoice);
    document.querySelectorAll("form[data-account-form][data-live]").forEach(accountForm);
    document.querySelectorAll("form[data-probe-form][data-live]").forEach(probeForm);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
