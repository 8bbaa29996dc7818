/* Category suggestions on the request forms.
   Clicking a suggested category selects it in the form's category field; the change event lets the other hints
   of the form (similar requests) refresh as if the person had picked it by hand.
   On pages without htmx (the residents' submit page) a box with data-suggest-url is filled here, a moment
   after typing stops. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-category]");
    if (!button) return;
    var select = document.getElementById("id_category");
    if (!select) return;
    select.value = button.getAttribute("data-pick-category");
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var box = button.closest("[data-category-suggest]");
    if (box) {
      box.querySelectorAll("[data-pick-category]").forEach(function (b) {
        b.classList.toggle("active", b === button);
      });
    }
  });

  var target = document.querySelector("[data-suggest-url]");
  if (!target) return;
  var title = document.getElementById("id_title");
  var content = document.getElementById("id_content");
  var timer = null;
  var asked = "";
  var token = target.closest("form") && target.closest("form").querySelector("[name=csrfmiddlewaretoken]");
  function ask() {
    var params = new URLSearchParams({
      title: title ? title.value : "",
      content: content ? content.value : "",
    });
    var query = params.toString();
    if (query === asked) return;
    asked = query;
    if (token) params.append("csrfmiddlewaretoken", token.value);
    fetch(target.getAttribute("data-suggest-url"), { method: "POST", body: params, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (asked === query) target.innerHTML = html; })
      .catch(function () { /* suggestions are a help, not a requirement */ });
  }
  [title, content].forEach(function (el) {
    if (!el) return;
    el.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 700);
    });
  });
})();
