// Shared page behaviour. Pages add their own small scripts next to their templates.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  if (status === 403 || status === 401) window.location.reload();
});
