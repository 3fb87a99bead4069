// Shopee's 12-hour reply window on every page: the inbox rows' countdowns tick, and the header's
// count (polled by htmx) raises an alert for a conversation that newly came near its deadline.
(() => {
  "use strict";

  function tick() {
    const now = Date.now() / 1000;
    for (const el of document.querySelectorAll(".deadline[data-due]")) {
      const left = Number(el.dataset.due) - now;
      const state = left <= 0 ? "late" : left < Number(el.dataset.warn) ? "near" : "ok";
      el.classList.remove("late", "near", "ok");
      el.classList.add(state);
      if (state === "late") {
        el.textContent = el.dataset.lateWords;
      } else {
        const minutes = Math.floor(left / 60);
        const time = `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
        el.textContent = el.dataset.leftWords.replace("%TIME%", time);
      }
    }
  }

  // The conversations near the deadline the header last showed: a new one among them is an alert.
  let known = null;

  function alertNewlyNear(badge) {
    const near = (badge.dataset.near || "").split(" ").filter(Boolean);
    const fresh = known === null ? [] : near.filter((pk) => !known.has(pk));
    known = new Set(near);
    if (!fresh.length) return;
    document.dispatchEvent(new CustomEvent("chat:deadline-near", { detail: { pks: fresh } }));
    // Desktop notifications only for those who switched them on (the inbox's #alerts, alerts.js).
    const on = document.getElementById("alerts")?.dataset.on === "1";
    if (on && "Notification" in window && Notification.permission === "granted") {
      new Notification(badge.dataset.alert, { tag: `deadline-${fresh[0]}` });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const badge = document.getElementById("reply-deadlines");
    if (badge) alertNewlyNear(badge);
    tick();
    setInterval(tick, 15000);
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const badge = document.getElementById("reply-deadlines");
    if (badge && event.detail.elt && event.detail.elt.id === "reply-deadlines") alertNewlyNear(badge);
    tick();
  });
})();
