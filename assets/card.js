/* The chart card's behaviour in the browser (boligsosial/ui/card.py writes the markup).

   - Tabs: the WAI-ARIA tab pattern. Click, or the arrow keys / Home / End on a focused tab,
     shows its panel; the choice goes into the URL (?tab-<card>=table) with replaceState, so a
     reload or a shared link shows the same tab, and every link that keeps the view (language
     switch, view switches, "Del / lenke") is updated to match.
   - "Kopier lenken" copies the card's link as a full address.

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
      if (link.classList.contains("share-link") || link.classList.contains("view-link")) { link.textContent = next.href; }
    });
  }

  /* Share links are written by the server as paths; show them as full addresses. */
  function absoluteShareLinks() {
    document.querySelectorAll("a.share-link, a.view-link").forEach(function (link) {
      var address = new URL(link.getAttribute("href"), window.location.href).href;
      if (link.textContent !== address) { link.textContent = address; }  // no change, no new mutation
    });
  }

  /* ---------------------------------------------------------------- tabs */

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
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (tab && cardOf(tab)) { activate(tab, false); return; }
    var copy = event.target.closest("[data-copy-link]");
    if (copy) { copyLink(copy); }
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", absoluteShareLinks);
  } else {
    absoluteShareLinks();
  }
  // Dash renders the page again over the server's HTML; label its share links too.
  new MutationObserver(function () { absoluteShareLinks(); }).observe(document.documentElement, {childList: true, subtree: true});
}());
