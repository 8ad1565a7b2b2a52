// Progressive enhancement of the plan page: re-optimise in place when the form changes.
// Without JavaScript the form is a plain GET that loads the page again.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  var plan = document.getElementById("plan");
  if (!form || !plan || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var latest = 0;
  function refresh() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = window.location.pathname + "?" + query;
    var mine = ++latest;
    plan.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (text) { return [response, text]; }); })
      .then(function (answer) {
        if (mine !== latest) { return; }
        var page = new DOMParser().parseFromString(answer[1], "text/html");
        var fresh = page.getElementById("plan") || page.querySelector("main");
        plan.innerHTML = fresh ? fresh.innerHTML : "";
        plan.setAttribute("data-status", String(answer[0].status));
        window.history.replaceState(null, "", url);
      })
      .finally(function () { if (mine === latest) { plan.removeAttribute("aria-busy"); } });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 100); });
})();
