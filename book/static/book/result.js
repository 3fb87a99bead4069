// The results page of an order-book action still running: the progress line follows the
// action (its JSON poll) and the page reloads with the results once the action has finished.
(() => {
  const line = document.getElementById("progress");
  if (!line) return;
  const poll = async () => {
    try {
      const answer = await fetch(line.dataset.poll, { headers: { Accept: "application/json" } });
      const state = await answer.json();
      if (state.finished) {
        window.location.reload();
        return;
      }
      line.textContent = line.textContent.replace(/\d+(\D+)\d+/, `${state.done}$1${state.total}`);
    } catch {
      // A lost poll (a restarting server, a dropped connection): the next one tries again.
    }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 500);
})();
