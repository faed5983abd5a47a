// Plantillas de correo: the preview follows the admin's typing. Progressive enhancement only: without
// this file the "Vista previa" button renders the same preview on the server.
(function () {
  "use strict";
  var form = document.querySelector("form.wording-form[data-preview-url]");
  if (!form) { return; }
  var subject = document.getElementById("preview-subject");
  var text = document.getElementById("preview-text");
  var frame = document.getElementById("preview-html");
  var problem = document.getElementById("preview-problem");
  var timer = null;
  var latest = 0;

  function clearErrors() {
    form.querySelectorAll("p.error[data-live]").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid][data-live-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("data-live-invalid");
    });
  }

  function showErrors(errors) {
    var messages = [];
    Object.keys(errors).forEach(function (name) {
      var input = form.elements[name];
      errors[name].forEach(function (message) {
        messages.push(message);
        if (!input || !input.parentNode) { return; }
        var note = document.createElement("p");
        note.className = "error";
        note.setAttribute("data-live", "1");
        note.textContent = message;
        input.parentNode.appendChild(note);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("data-live-invalid", "1");
      });
    });
    problem.textContent = messages.join(" ");
  }

  function refresh() {
    var ticket = ++latest;
    var body = new FormData(form);
    body.delete("action");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { return {status: response.status, data: data}; });
    }).then(function (result) {
      if (ticket !== latest) { return; }  // an older answer arriving late
      clearErrors();
      if (result.data.ok) {
        problem.textContent = "";
        subject.textContent = result.data.subject;
        text.textContent = result.data.text;
        frame.src = result.data.html_url;
      } else if (result.data.errors) {
        showErrors(result.data.errors);
      } else if (result.data.message) {
        problem.textContent = result.data.message;
      }
    }).catch(function () { /* the server-side "Vista previa" button still works */ });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
})();
