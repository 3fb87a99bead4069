// Pictures in the inbox: the composer's attachment (pick, paste with Ctrl+V, or drop a picture;
// a preview with a remove button; Shopee's types and size checked before anything is sent) and
// the full-size view of a picture in the conversation. The server checks the picture again.
(() => {
  let previewUrl = null;

  const attachIn = (el) => el?.closest?.("#composer")?.querySelector(".attach");
  const fileInput = (attach) => attach.querySelector('input[type="file"]');

  function showError(attach, words) {
    const error = attach.querySelector(".attach-error");
    error.textContent = words || "";
    error.hidden = !words;
  }

  function problem(attach, file) {
    if (!(attach.dataset.accept || "").split(",").includes(file.type)) return attach.dataset.wrongType;
    if (file.size > Number(attach.dataset.maxBytes)) return attach.dataset.tooLarge;
    return "";
  }

  function clear(attach) {
    fileInput(attach).value = "";
    attach.querySelector(".attach-preview").hidden = true;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  }

  function attachFile(attach, file) {
    const words = problem(attach, file);
    showError(attach, words);
    if (words) return clear(attach);
    const input = fileInput(attach);
    if (input.files[0] !== file) {
      const picked = new DataTransfer();
      picked.items.add(file);
      input.files = picked.files;
    }
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    const preview = attach.querySelector(".attach-preview");
    preview.querySelector(".attach-thumb").src = previewUrl;
    preview.querySelector(".attach-name").textContent = file.name;
    preview.hidden = false;
  }

  const pictureIn = (data) => Array.from(data?.files || []).find((file) => file.type.startsWith("image/")) || data?.files?.[0];

  document.addEventListener("change", (event) => {
    if (event.target.id !== "reply-image") return;
    const attach = event.target.closest(".attach");
    const file = event.target.files[0];
    if (file) attachFile(attach, file);
    else clear(attach);
  });

  document.addEventListener("paste", (event) => {
    const attach = attachIn(event.target);
    const file = attach && pictureIn(event.clipboardData);
    if (!file) return; // plain text pastes as usual
    event.preventDefault();
    attachFile(attach, file);
  });

  document.addEventListener("dragover", (event) => {
    const composer = event.target.closest?.("#composer");
    if (!composer || !Array.from(event.dataTransfer?.types || []).includes("Files")) return;
    event.preventDefault();
    composer.classList.add("dropping");
  });

  document.addEventListener("dragleave", (event) => {
    event.target.closest?.("#composer")?.classList.remove("dropping");
  });

  document.addEventListener("drop", (event) => {
    const attach = attachIn(event.target);
    const file = attach && pictureIn(event.dataTransfer);
    if (!file) return;
    event.preventDefault();
    attach.closest("#composer").classList.remove("dropping");
    attachFile(attach, file);
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".attach-remove");
    if (remove) {
      const attach = remove.closest(".attach");
      clear(attach);
      showError(attach, "");
      document.getElementById("reply-text")?.focus();
      return;
    }
    const link = event.target.closest(".thread .msg-image-link, #pending .msg-image-link");
    if (link && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      openViewer(link.href, link.querySelector("img")?.alt || "");
      return;
    }
    if (event.target.closest(".image-viewer") && !event.target.closest(".image-viewer img")) closeViewer();
  });

  // Enter sends a picture alone too (inbox.js sends only when there is text).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeViewer();
    const box = event.target;
    if (box.id !== "reply-text" || event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    const attach = attachIn(box);
    if (!box.value.trim() && attach && fileInput(attach).files.length) box.form.requestSubmit();
  });

  // A sticker Shopee's host does not serve (a pack not in our region) reads as its words instead.
  document.addEventListener(
    "error",
    (event) => {
      const img = event.target;
      if (!img.matches?.("img.msg-sticker")) return;
      const words = document.createElement("p");
      words.className = "text kind";
      words.textContent = img.alt;
      img.replaceWith(words);
    },
    true, // error events do not bubble
  );

  function openViewer(href, alt) {
    const viewer = document.getElementById("image-viewer");
    if (!viewer) return window.open(href, "_blank", "noopener");
    const img = viewer.querySelector("img");
    img.src = href;
    img.alt = alt;
    viewer.hidden = false;
    viewer.querySelector(".image-viewer-close").focus();
  }

  function closeViewer() {
    const viewer = document.getElementById("image-viewer");
    if (!viewer || viewer.hidden) return;
    viewer.hidden = true;
    viewer.querySelector("img").removeAttribute("src");
  }
})();
