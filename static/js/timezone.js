// "Show in my time zone" for visitors who are not signed in: only the browser knows their zone, so this adds it
// to the switch link as ?tz=... and reveals the link. Signed-in users get their profile's zone from the server.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  // The browser's own spelling of a zone: Chromium says Asia/Saigon for Asia/Ho_Chi_Minh (the server reads both).
  function inBrowserTerms(name) {
    try {
      return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    } catch (error) {
      return name;
    }
  }
  document.querySelectorAll("a[data-browser-timezone]").forEach(function (link) {
    if (zone === inBrowserTerms(link.dataset.eventTimezone)) {
      return; // the page already shows the viewer's zone
    }
    var url = new URL(link.getAttribute("href"), window.location.href);
    url.searchParams.set("tz", zone);
    link.setAttribute("href", url.pathname + url.search);
    var name = link.querySelector("[data-browser-timezone-name]");
    if (name) {
      name.textContent = " (" + zone + ")";
    }
    link.hidden = false;
  });
})();
