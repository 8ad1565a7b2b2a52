// Drag and drop onto the upload form: files dropped on the zone join the file input (the form works without this).
(function () {
  "use strict";
  document.querySelectorAll("[data-drop]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-drop-list]");
    if (!input || typeof DataTransfer === "undefined") {
      return;
    }
    function show() {
      if (!list) {
        return;
      }
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name;
        list.appendChild(item);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (file) { files.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) { files.items.add(file); });
      input.files = files.files;
      show();
    });
    input.addEventListener("change", show);
  });
})();
