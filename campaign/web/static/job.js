// Progressive enhancement of a job's page: poll the page and swap its progress in place until the job ends.
// Without JavaScript a meta refresh reloads the page every second while the job runs.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || !window.fetch || !window.DOMParser) { return; }
  function poll() {
    if (job.getAttribute("data-status") !== "running") { return; }
    fetch(window.location.pathname, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("job");
        if (fresh) {
          job.innerHTML = fresh.innerHTML;
          job.setAttribute("data-status", fresh.getAttribute("data-status"));
        }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
