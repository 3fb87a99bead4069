// The inbox's keys, listed on the "?" overlay (inbox/_keys.html): j / k the next / previous buyer,
// r the message box, e resolved, / quick replies, ? the list, Esc closes. None of them fires
// while typing in a box (Esc there leaves the box, so the keys work again).
(() => {
  const help = () => document.getElementById("keys-help");
  const typingIn = (target) => target.closest?.("input, textarea, select, [contenteditable]");
  let returnFocus = null;

  function showHelp() {
    const el = help();
    if (!el) return;
    returnFocus = document.activeElement;
    el.hidden = false;
    el.querySelector(".keys-help-close")?.focus();
  }

  function hideHelp() {
    const el = help();
    if (!el || el.hidden) return false;
    el.hidden = true;
    returnFocus?.focus?.();
    return true;
  }

  // One of the note's own texts (its data-* attributes, filled by the page in its language).
  function say(key) {
    const note = document.getElementById("keys-note");
    if (!note) return;
    note.textContent = note.dataset[key];
    note.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => (note.hidden = true), 4000);
  }

  // The team bar's [已解決] (or a button marked data-key="e"): its own request, as a click.
  // Only on the buyer the list has chosen: after a quick j / k the pane on screen may still be
  // the previous buyer's.
  function resolve() {
    const pane = document.querySelector("#pane .pane");
    const chosen = document.querySelector(".conv-list .conv.active");
    if (pane && chosen && chosen.id !== `conv-${pane.dataset.conversation}`) {
      say("loading");
      return;
    }
    const button = pane?.querySelector('[data-key="e"], #team-bar button.resolve');
    if (button && !button.disabled) button.click();
    else if (pane) say("noResolve");
  }

  // A pane opened by j / k leaves the focus out of its message box, so j / k keep moving, until
  // the person clicks or presses r or / (inbox.js reads keyMode before it focuses the box).
  const keyMode = (on) => {
    window.inbox.keyMode = on;
  };
  const moveBy = (step) => {
    if (window.inbox.move(step)) {
      keyMode(true);
      document.getElementById("reply-text")?.blur();
    }
  };
  document.addEventListener("mousedown", () => keyMode(false));
  document.addEventListener("focusin", (event) => {
    if (event.target.id === "reply-text") keyMode(false); // Tab into the box: typing again
  });

  const ACTIONS = {
    j: () => moveBy(1),
    k: () => moveBy(-1),
    r: () => {
      keyMode(false);
      document.getElementById("reply-text")?.focus();
    },
    e: resolve,
    "/": () => {
      keyMode(false);
      window.inbox.pickQuickReply?.();
    },
    "?": showHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return;
    if (event.key === "Escape") {
      if (hideHelp()) event.preventDefault();
      else if (typingIn(event.target) && !document.querySelector(".image-viewer:not([hidden])")) event.target.blur();
      return;
    }
    if (typingIn(event.target) || !help()?.hidden) return;
    const action = ACTIONS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest(".keys-help-open")) showHelp();
    else if (event.target.closest(".keys-help-close") || event.target === help()) hideHelp();
  });
})();
