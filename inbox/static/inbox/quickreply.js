// Quick replies with "/": a "/" typed at the start of the message box or after a space (or the
// "/" key anywhere but a box) opens a picker of this conversation's quick replies, the buttons
// beside it, already filled in for this buyer by the server. Typing after the "/" searches their
// titles and texts; ↑ ↓ choose, Enter or a click inserts in place of "/…", Esc closes.
// A placeholder left in the message (the buyer has no value for it) is named under the box and
// selected, and the message is not sent until it is gone: a buyer never reads "[物流單號]".
(() => {
  const PLACEHOLDER = /\[[\u3400-\u9fff]{1,12}\]/g; // as outbox/placeholders.py reads them
  const SLASHES = "/／";
  let picking = null; // { start: where the "/" is, index: the chosen option, found: [buttons] }

  const box = () => document.getElementById("reply-text");
  const picker = () => document.getElementById("quick-picker");
  const replies = () => Array.from(document.querySelectorAll(".quick-replies .quick-reply"));

  function query() {
    const el = box();
    return el.value.slice(picking.start + 1, el.selectionStart);
  }

  function open(start) {
    picking = { start, index: 0, found: [] };
    render();
  }

  function close() {
    picking = null;
    const el = picker();
    if (!el) return;
    el.hidden = true;
    el.replaceChildren();
    box()?.removeAttribute("aria-activedescendant");
  }

  function render() {
    const el = picker();
    if (!el || !picking) return;
    const words = query().trim().toLowerCase();
    picking.found = replies().filter((reply) => `${reply.dataset.title}\n${reply.dataset.text}`.toLowerCase().includes(words));
    picking.index = Math.min(picking.index, Math.max(0, picking.found.length - 1));
    el.replaceChildren(...picking.found.map(option));
    if (!picking.found.length) {
      const none = document.createElement("p");
      none.className = "quick-none muted";
      none.textContent = el.dataset.none;
      el.append(none);
    }
    el.hidden = false;
    const chosen = el.querySelector('[aria-selected="true"]');
    chosen?.scrollIntoView({ block: "nearest" });
    if (chosen) box().setAttribute("aria-activedescendant", chosen.id);
  }

  function option(reply, index) {
    const item = document.createElement("div");
    item.className = "quick-option";
    item.id = `quick-option-${index}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", index === picking.index ? "true" : "false");
    const title = document.createElement("strong");
    title.textContent = reply.dataset.title;
    const text = document.createElement("span");
    text.className = "quick-option-text";
    marked(text, reply.dataset.text);
    item.append(title, text);
    item.addEventListener("mousedown", (event) => {
      event.preventDefault(); // the box keeps the focus and its caret
      insert(reply);
    });
    return item;
  }

  // Text with each placeholder left in it marked.
  function marked(el, text) {
    let last = 0;
    for (const found of text.matchAll(PLACEHOLDER)) {
      el.append(text.slice(last, found.index));
      const mark = document.createElement("mark");
      mark.textContent = found[0];
      el.append(mark);
      last = found.index + found[0].length;
    }
    el.append(text.slice(last));
  }

  function insert(reply) {
    const el = box();
    const end = el.selectionStart;
    el.value = el.value.slice(0, picking.start) + el.value.slice(end);
    el.selectionStart = el.selectionEnd = picking.start;
    close();
    window.inbox.insertIntoComposer(reply.dataset.text);
    showEmpty(el, false);
  }

  // The placeholders still in the message; with `select`, the first is selected in the box.
  function showEmpty(el, select) {
    const note = document.getElementById("composer-empty");
    const left = [...new Set(Array.from(el.value.matchAll(PLACEHOLDER), (found) => found[0]))];
    if (note) {
      note.hidden = !left.length;
      note.textContent = left.length ? note.dataset.words.replace("%(names)s", left.join("、")) : "";
    }
    el.classList.toggle("has-empty", left.length > 0);
    if (left.length && select) {
      const at = el.value.indexOf(left[0]);
      el.focus();
      el.setSelectionRange(at, at + left[0].length);
    }
    return left.length > 0;
  }

  document.addEventListener("input", (event) => {
    const el = event.target;
    if (el.id !== "reply-text") return;
    const caret = el.selectionStart;
    if (picking) {
      const gone = caret <= picking.start || !SLASHES.includes(el.value[picking.start]) || query().includes("\n");
      if (gone) close();
      else render();
    } else if (event.inputType?.startsWith("insert") && SLASHES.includes(el.value[caret - 1])) {
      const before = el.value[caret - 2];
      if (before === undefined || /\s/.test(before)) open(caret - 1);
    }
    showEmpty(el, false);
  });

  // Capture: before the composer's own Enter (send) and arrows (next buyer) see the key.
  document.addEventListener(
    "keydown",
    (event) => {
      if (!picking || event.target.id !== "reply-text" || event.isComposing || event.keyCode === 229) return;
      const count = picking.found.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (count) picking.index = (picking.index + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        render();
      } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        if (count) insert(picking.found[picking.index]);
        else if (event.key === "Tab") return close();
        else close();
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    },
    true,
  );

  document.addEventListener("focusout", (event) => {
    if (event.target.id === "reply-text" && picking) close();
  });

  // Sending waits while a placeholder is left in the message.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.id !== "composer") return;
    const el = box();
    if (el && showEmpty(el, true)) event.preventDefault();
  });

  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt.id === "composer") close();
  });

  // The "/" key outside a box: the message box, with the picker open.
  window.inbox = Object.assign(window.inbox || {}, {
    pickQuickReply() {
      const el = box();
      if (!el) return false;
      el.focus();
      const at = el.selectionStart ?? el.value.length;
      window.inbox.insertIntoComposer("/");
      open(at);
      return true;
    },
  });
})();
