// Order book: the selection helpers (all, none, enough stock, imported) and a count of the selection.
(() => {
  const form = document.getElementById("book-form");
  if (!form) return;
  const boxes = () => Array.from(form.querySelectorAll('input[name="order"]'));
  const count = document.getElementById("selected-count");
  const show = () => {
    if (count) count.textContent = `${boxes().filter((box) => box.checked).length} / ${boxes().length}`;
  };
  form.querySelectorAll("[data-select]").forEach((button) => {
    button.addEventListener("click", () => {
      const how = button.dataset.select;
      boxes().forEach((box) => {
        if (how === "all") box.checked = true;
        else if (how === "none") box.checked = false;
        else if (how === "enough") box.checked = box.dataset.enough === "1";
        else if (how === "imported") box.checked = box.dataset.imported === "1";
      });
      show();
    });
  });
  form.addEventListener("change", show);
  // Enter in the sender field would press the form's first button (匯入訂單): do nothing instead.
  const sender = document.getElementById("sender");
  if (sender) sender.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  show();
})();
