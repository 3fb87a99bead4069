// The team's marks in the list (F14): the server renders them; this file only follows an action
// the list's poll cannot see (an unread mark is one person's, not a change of the conversation).
(() => {
  document.addEventListener("chat:unread", (event) => {
    const row = document.getElementById(`conv-${event.detail.pk}`);
    if (!row) return;
    row.classList.add("unread");
    const bottom = row.querySelector(".conv-bottom");
    if (bottom && !bottom.querySelector(".unread-count")) {
      const dot = document.createElement("span");
      dot.className = "unread-count marked";
      dot.title = event.detail.title || "";
      dot.textContent = "·";
      bottom.append(dot);
    }
  });
})();
