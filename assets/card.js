/* The chart card's behaviour in the browser (boligsosial/card.py writes the markup).

   - Tabs: the WAI-ARIA tab pattern. Click, or the arrow keys / Home / End on a focused tab,
     shows its panel; the choice goes into the URL (?tab-<card>=table) with replaceState, so a
     reload or a shared link shows the same tab, and every link that keeps the view (language
     switch, view switches, "Del / lenke") is updated to match.
   - "Kopier lenken" copies the card's link as a full address.
   - PNG / SVG buttons export the card's chart with its title and source written into the image.

   One listener per event type on the document: it works for the server's HTML and for what
   Dash renders over it, and needs no inline script (the Content-Security-Policy allows none).
   Without JavaScript none of this runs and every panel shows as a section (style.css). */
(function () {
  "use strict";

  function cardOf(element) { return element.closest("[data-card]"); }

  function say(card, key) {
    var status = card.querySelector(".card-status");
    if (status) { status.textContent = ""; status.textContent = card.getAttribute(key) || ""; }
  }

  /* ---------------------------------------------------------------- the URL as the view */

  function withParam(href, name, value) {
    var url = new URL(href, window.location.href);
    if (value === null) { url.searchParams.delete(name); } else { url.searchParams.set(name, value); }
    return url;
  }

  function setParam(name, value) {
    var url = withParam(window.location.href, name, value);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    document.querySelectorAll("a[data-keeps-view]").forEach(function (link) {
      var next = withParam(link.getAttribute("href"), name, value);
      var relative = next.pathname + next.search + next.hash;
      link.setAttribute("href", relative);
      if (link.classList.contains("share-link")) { link.textContent = next.href; }
    });
  }

  /* Share links are written by the server as paths; show them as full addresses. */
  function absoluteShareLinks() {
    document.querySelectorAll("a.share-link").forEach(function (link) {
      var address = new URL(link.getAttribute("href"), window.location.href).href;
      if (link.textContent !== address) { link.textContent = address; }  // no change, no new mutation
    });
  }

  /* ---------------------------------------------------------------- tabs */

  function resizeCharts(panel) {
    if (!window.Plotly) { return; }
    panel.querySelectorAll(".js-plotly-plot").forEach(function (graph) {
      window.Plotly.Plots.resize(graph);
    });
  }

  function activate(tab, moveFocus) {
    var card = cardOf(tab);
    var tabs = card.querySelectorAll('[role="tab"]');
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !selected; }
    });
    if (moveFocus) { tab.focus(); }
    var name = tab.getAttribute("data-tab");
    setParam("tab-" + card.getAttribute("data-card"), name === card.getAttribute("data-default-tab") ? null : name);
    // A chart drawn while its panel was hidden has no size yet.
    resizeCharts(document.getElementById(tab.getAttribute("aria-controls")));
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (tab && cardOf(tab)) { activate(tab, false); return; }
    var copy = event.target.closest("[data-copy-link]");
    if (copy) { copyLink(copy); return; }
    var exporter = event.target.closest("[data-export]");
    if (exporter) { exportImage(exporter); }
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab || !cardOf(tab)) { return; }
    var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll('[role="tab"]'));
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") { next = tabs[(index + 1) % tabs.length]; }
    if (event.key === "ArrowLeft" || event.key === "ArrowUp") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
    if (event.key === "Home") { next = tabs[0]; }
    if (event.key === "End") { next = tabs[tabs.length - 1]; }
    if (next) { event.preventDefault(); activate(next, true); }
  });

  /* ---------------------------------------------------------------- share */

  function copyLink(button) {
    var card = cardOf(button);
    var link = card.querySelector("a.share-link");
    var address = new URL(link.getAttribute("href"), window.location.href).href;
    var done = function () { say(card, "data-msg-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(address).then(done, function () { selectText(link); });
    } else {
      selectText(link);
      try { if (document.execCommand("copy")) { done(); } } catch (error) { /* the text stays selected */ }
    }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /* ---------------------------------------------------------------- image export */

  function exportImage(button) {
    var holder = document.getElementById(button.getAttribute("data-graph"));
    var graph = holder && (holder.classList.contains("js-plotly-plot") ? holder : holder.querySelector(".js-plotly-plot"));
    // A chart in a hidden tab (the "Last ned" tab is open) is not drawn yet: its figure and
    // plotly.js come from assets/charts.js.
    var charts = window.boligCharts;
    var figure = graph && graph.data ? {data: graph.data, layout: graph.layout} : holder && charts && charts.figure(holder.id);
    if (!figure) { return; }
    var ready = window.Plotly ? Promise.resolve(window.Plotly) : charts.plotly();
    ready.then(function (Plotly) { download(Plotly, button, figure, graph); });
  }

  function download(Plotly, button, figure, graph) {
    var layout = JSON.parse(JSON.stringify(figure.layout || {}));
    var margin = layout.margin || {};
    var top = (margin.t || 16) + 56;
    var bottom = (margin.b || 36) + 48;
    // The exported picture must say what it is and where the numbers come from on its own.
    layout.title = {
      text: button.getAttribute("data-title"), x: 0.01, xanchor: "left", y: 1, yanchor: "top",
      yref: "container", pad: {t: 16}, font: {size: 20}
    };
    layout.margin = Object.assign({}, margin, {t: top, b: bottom, l: Math.max(margin.l || 0, 16)});
    layout.annotations = (layout.annotations || []).concat([{
      text: button.getAttribute("data-source"), showarrow: false, xref: "paper", yref: "paper",
      x: 0, xanchor: "left", y: 0, yanchor: "top", yshift: -((margin.b || 36) + 8),
      font: {size: 12, color: "#4a4a4a"}, align: "left"
    }]);
    // Bar and dot charts set their own height (rows of a fixed size): keep their plot area as
    // it is and add room for the title and source; time series get a comfortable 420 px.
    var height = (layout.height || Math.max((graph && graph.clientHeight) || 0, 420)) + (top - (margin.t || 16)) + (bottom - (margin.b || 36));
    layout.height = height;
    layout.width = 1000;
    Plotly.downloadImage(
      {data: figure.data, layout: layout, config: {}},
      {format: button.getAttribute("data-export"), filename: button.getAttribute("data-filename"), width: 1000, height: height}
    );
    say(cardOf(button), "data-msg-export");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", absoluteShareLinks);
  } else {
    absoluteShareLinks();
  }
  // Dash renders the page again over the server's HTML; label its share links too.
  new MutationObserver(function () { absoluteShareLinks(); }).observe(document.documentElement, {childList: true, subtree: true});
}());
