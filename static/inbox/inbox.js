// The inbox: keyboard, composer, live list and thread. The server renders everything;
// this file only moves rows, scrolls and handles keys.
(() => {
  const list = () => document.querySelector("#conversation-list .conv-list");
  const threadScroll = () => document.getElementById("thread-scroll");
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  const scrollToBottom = () => {
    const el = threadScroll();
    if (el) el.scrollTop = el.scrollHeight;
  };

  // -- the conversation list ----------------------------------------------------------------

  function markActive(row) {
    document.querySelectorAll(".conv.active").forEach((el) => el.classList.remove("active"));
    if (row) row.classList.add("active");
  }

  function openRow(row) {
    if (!row) return;
    markActive(row);
    row.scrollIntoView({ block: "nearest" });
    row.querySelector("a").click();
  }

  // Changed rows arrive in a hidden list: replace a row in place when it kept its position,
  // else move it to where its last-message time puts it.
  function mergeIncoming(incoming) {
    const target = list();
    if (!target) return incoming.remove();
    const rows = Array.from(incoming.children).reverse(); // oldest first: the newest ends on top
    // The viewer's own waiting buyers (data-first) come before the rest.
    const rank = (el) => BigInt(el.dataset.first || "0") * 2n ** 64n + BigInt(el.dataset.ts || "0");
    for (const row of rows) {
      const old = target.querySelector(`#${row.id}`);
      if (row.classList.contains("gone")) { // the filters no longer take it
        if (old && !old.classList.contains("active")) old.remove();
        row.remove();
        continue;
      }
      if (old && old.classList.contains("active")) row.classList.add("active");
      if (old && rank(old) === rank(row)) {
        old.replaceWith(row);
        continue;
      }
      if (old) old.remove();
      const before = Array.from(target.querySelectorAll(".conv")).find((el) => rank(el) < rank(row));
      if (before) target.insertBefore(row, before);
      else if (!target.querySelector(".conv-more")) target.appendChild(row);
      target.querySelector(".conv-empty")?.remove();
    }
    incoming.remove();
    htmx.process(target);
  }

  document.addEventListener("chat:read", (event) => {
    const row = document.getElementById(`conv-${event.detail.pk}`);
    if (!row) return;
    row.classList.remove("unread");
    row.querySelector(".unread-count")?.remove();
  });

  document.addEventListener("click", (event) => {
    const row = event.target.closest(".conv");
    if (row) markActive(row);
    const insert = event.target.closest(".insert-text");
    if (insert) insertIntoComposer(insert.dataset.text || "");
  });

  // -- the open conversation ----------------------------------------------------------------

  function insertIntoComposer(text) {
    const box = document.getElementById("reply-text");
    if (!box) return;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
    updateCounter(box);
  }

  function updateCounter(box) {
    const counter = box.form?.querySelector(".counter");
    if (!counter) return;
    const limit = Number(counter.dataset.limit);
    counter.textContent = `${box.value.length}/${limit}`;
    counter.classList.toggle("error", box.value.length > limit);
  }

  document.addEventListener("input", (event) => {
    if (event.target.id === "reply-text") updateCounter(event.target);
  });

  // Chinese input methods use Enter to pick characters: never send while composing.
  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (box.id === "reply-text" && event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (box.value.trim()) box.form.requestSubmit();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    // In a field the arrows move the caret, except in an empty message box: nothing to move there.
    const typing = box.closest && box.closest("input, textarea, select, [contenteditable]");
    const emptyReply = box.id === "reply-text" && !box.value;
    if ((typing && !emptyReply && !event.altKey) || event.ctrlKey || event.metaKey) return;
    if (move(event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
  });

  // The next (1) or previous (-1) buyer in the list, opened; false when the list is empty.
  function move(step) {
    const rows = Array.from(document.querySelectorAll(".conv-list .conv"));
    if (!rows.length) return false;
    const current = rows.findIndex((row) => row.classList.contains("active"));
    const next = current === -1 ? 0 : Math.min(rows.length - 1, Math.max(0, current + step));
    if (next !== current) openRow(rows[next]);
    return true;
  }
  // keyMode: the person moves with j / k (keys.js), so arriving panes leave the message box alone.
  window.inbox = { move, insertIntoComposer, keyMode: false };

  // New messages arrive at the bottom; one pulled late (typed in Seller Centre before the
  // buyer's latest) moves up to where its time puts it, or goes if it is older than everything
  // shown while older messages are still to load (it comes with them).
  function orderThread(thread) {
    if (!thread) return;
    const messages = Array.from(thread.querySelectorAll(":scope > .msg"));
    if (messages.length) thread.querySelector(".thread-empty")?.remove();
    const olderToLoad = thread.querySelector(":scope > button.older");
    for (const msg of messages) {
      const at = Number(msg.dataset.at);
      let prev = msg.previousElementSibling;
      while (prev && prev.classList.contains("msg") && Number(prev.dataset.at) > at) prev = prev.previousElementSibling;
      if (prev === msg.previousElementSibling) continue;
      if (olderToLoad && !prev?.classList.contains("msg")) msg.remove();
      else if (prev) prev.after(msg);
      else thread.prepend(msg);
    }
  }

  // Older messages go above: keep what the user was reading in place.
  let keepFromBottom = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.classList?.contains("older")) {
      const el = threadScroll();
      keepFromBottom = el ? el.scrollHeight - el.scrollTop : null;
    }
  });

  let stickToBottom = true;
  document.addEventListener("htmx:oobBeforeSwap", () => {
    const el = threadScroll();
    stickToBottom = el ? nearBottom(el) : true;
  });

  document.addEventListener("htmx:load", (event) => {
    const elt = event.detail.elt;
    if (elt.classList?.contains("list-incoming")) return mergeIncoming(elt);
    if (elt.classList?.contains("pane")) {
      scrollToBottom();
      if (!window.inbox.keyMode) document.getElementById("reply-text")?.focus({ preventScroll: true });
      // The row was marked when it was chosen; a pane arriving late must not move the mark back.
      const row = document.getElementById(`conv-${elt.dataset.conversation}`);
      if (row && !document.querySelector(".conv.active")) markActive(row);
    }
    if (elt.id === "composer") {
      const box = document.getElementById("reply-text");
      if (!window.inbox.keyMode) box?.focus();
      if (box) updateCounter(box);
      scrollToBottom();
    }
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const el = threadScroll();
    if (!el) return;
    if (keepFromBottom !== null) {
      el.scrollTop = el.scrollHeight - keepFromBottom;
      keepFromBottom = null;
      return;
    }
    if (event.detail.elt.id === "thread-poll" || event.detail.elt.id === "pending") {
      // A message pushed in twice (two polls racing) shows once.
      const seen = new Set();
      el.querySelectorAll("#thread .msg").forEach((msg) => {
        if (seen.has(msg.id)) msg.remove();
        seen.add(msg.id);
      });
      orderThread(document.getElementById("thread"));
      if (stickToBottom) scrollToBottom();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    scrollToBottom();
    const box = document.getElementById("reply-text");
    if (box) updateCounter(box);
  });
})();
