// Desktop notifications and a sound for new buyer messages in my conversations and in unassigned
// ones, for those who switched them on (inbox/_alerts.html, kept on the server per person). The
// list's own poll brings the rows; the server marks those that concern me (.conv-alert): a row
// whose last message got newer than it was is news. No polling of its own here.
(() => {
  const switchForm = () => document.getElementById("alerts");
  const seen = new Map(); // row id → the newest last-message time shown
  let horizon = -1n; // the newest of all: a row first seen older than this is old news (loaded by scrolling)
  let sound = null;

  const wanted = () => switchForm()?.dataset.on === "1" && "Notification" in window && Notification.permission === "granted";

  function scan() {
    const news = [];
    let newest = horizon;
    for (const row of document.querySelectorAll(".conv-list .conv")) {
      const ts = BigInt(row.dataset.ts || "0");
      const known = seen.get(row.id) ?? horizon;
      if (horizon >= 0n && ts > known && row.querySelector(".conv-alert")) news.push(row);
      if (ts > (seen.get(row.id) ?? -1n)) seen.set(row.id, ts);
      if (ts > newest) newest = ts;
    }
    horizon = newest < 0n ? 0n : newest;
    if (news.length && wanted()) notify(news);
  }

  function notify(rows) {
    const form = switchForm();
    for (const row of rows) {
      if (document.hasFocus() && row.classList.contains("active")) continue; // being read
      const mark = row.querySelector(".conv-alert");
      const note = new Notification(form.dataset.title.replace("%(buyer)s", mark.dataset.buyer), { body: mark.dataset.text, tag: row.id });
      note.onclick = () => {
        window.focus();
        row.querySelector("a")?.click();
        note.close();
      };
    }
    sound = sound || new Audio(form.dataset.sound);
    sound.currentTime = 0;
    sound.play().catch(() => {}); // a page nobody has touched yet may not play sound
  }

  let pending = false;
  const later = () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      scan();
    }, 0);
  };

  // Switching on asks the browser first; the server keeps the choice only once it is allowed.
  document.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    if (form.id !== "alerts" || form.dataset.on === "1") return;
    const problem = form.querySelector(".alerts-problem");
    if (!("Notification" in window)) {
      event.preventDefault();
      problem.textContent = form.dataset.denied;
      problem.hidden = false;
      return;
    }
    if (Notification.permission === "granted") return;
    event.preventDefault();
    Notification.requestPermission().then((answer) => {
      if (answer === "granted") return event.detail.issueRequest();
      problem.textContent = form.dataset.denied;
      problem.hidden = false;
    });
  });

  document.addEventListener("DOMContentLoaded", () => {
    scan();
    const side = document.querySelector(".inbox-side");
    if (side) new MutationObserver(later).observe(side, { childList: true, subtree: true });
  });
})();
