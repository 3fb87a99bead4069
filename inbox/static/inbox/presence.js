// No two answers to one buyer. The open pane beats every 2 s (inbox/_presence.html) and at once
// when its user starts typing, and shows who else has the conversation open or is typing; a pane
// closed says so, so it goes from the others' panes at their next beat. The question before a
// second answer (inbox/_other_answer.html) is answered by its own buttons: 仍要傳送 submits the
// composer with `confirm`, 取消 only takes the question away.
(() => {
  const TYPING_MS = 3000; // typing still, this long after the last key
  const TYPING_BEAT_MS = 1500; // at most one extra beat this often while typing
  let lastInput = 0;
  let lastTypingBeat = 0;

  document.addEventListener("input", (event) => {
    if (event.target.id !== "reply-text") return;
    lastInput = Date.now();
    if (lastInput - lastTypingBeat < TYPING_BEAT_MS) return;
    lastTypingBeat = lastInput;
    const beat = document.getElementById("presence");
    if (beat) htmx.trigger(beat, "presence:typing");
  });

  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.id !== "presence") return;
    event.detail.parameters.typing = Date.now() - lastInput < TYPING_MS ? "1" : "0";
  });

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  }

  function leave() {
    const url = document.querySelector("#pane #presence")?.getAttribute("hx-post");
    if (!url) return;
    const body = new FormData();
    body.append("leave", "1");
    fetch(url, { method: "POST", body, keepalive: true, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } }).catch(() => {});
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target?.id === "pane") leave();
  });
  window.addEventListener("pagehide", leave);

  document.addEventListener("click", (event) => {
    if (!event.target.closest(".other-answer-cancel")) return;
    document.getElementById("composer-question")?.replaceChildren();
    document.getElementById("reply-text")?.focus();
  });
})();
