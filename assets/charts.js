/* Draws the page's charts (app.py writes each page on the server, with its charts' figures in
   <script id="_bolig-charts" type="application/json" data-plotly="<plotly.js URL>">).

   The page is complete without this: text, tables and links come from the server. plotly.js
   (the partial bundle the server names) is fetched only when a chart is about to be seen, and
   each chart is drawn when its box first comes near the screen, so a phone opening a page with
   many charts does not draw them all at once. A chart in a hidden tab is drawn when the tab
   shows it (at its real size). Pages that Dash renders in the browser have no such element. */
(function () {
  "use strict";

  var holder = document.getElementById("_bolig-charts");
  if (!holder) { return; }
  var charts = JSON.parse(holder.textContent);
  var loading = null;

  function plotly() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        if (window.Plotly) { resolve(window.Plotly); return; }
        var script = document.createElement("script");
        script.src = holder.getAttribute("data-plotly");
        script.async = true;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { loading = null; reject(new Error("plotly.js did not load")); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(chart, box) {
    plotly().then(function (Plotly) {
      var figure = chart.figure || {};
      Plotly.newPlot(box, figure.data || [], figure.layout || {}, chart.config || {});
    });
  }

  var boxes = {};
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      observer.unobserve(entry.target);
      draw(boxes[entry.target.id], entry.target);
    });
  }, {rootMargin: "100% 0px"}) : null;

  charts.forEach(function (chart) {
    var box = document.getElementById(chart.id);
    if (!box) { return; }
    boxes[chart.id] = chart;
    if (observer) { observer.observe(box); } else { draw(chart, box); }
  });

  // For assets/card.js: a chart can be exported as an image before it has been drawn.
  window.boligCharts = {
    figure: function (id) { return boxes[id] ? boxes[id].figure : null; },
    plotly: plotly
  };
}());
