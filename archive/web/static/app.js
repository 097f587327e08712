// nianbao 年报档案: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Changing a filter re-runs the search (when there is a query to run).
  var form = document.querySelector("form.search");
  if (form && form.querySelector("details.filters")) {
    form.querySelectorAll("details.filters select").forEach(function (el) {
      el.addEventListener("change", function () {
        var q = form.querySelector("input[name=q]");
        if (q && q.value.trim()) form.submit();
      });
    });
  }
  // Tapping a chart point shows its value (the <title> tooltip needs a hover).
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    svg.addEventListener("click", function (ev) {
      var t = ev.target;
      if (!t.classList || !t.classList.contains("point")) return;
      var box = svg.parentNode.querySelector(".pointinfo");
      if (!box) {
        box = document.createElement("p");
        box.className = "pointinfo meta";
        svg.parentNode.appendChild(box);
      }
      box.textContent = t.getAttribute("data-year") + " " + t.getAttribute("data-series") + "：" + t.getAttribute("data-value");
    });
  });
})();
