// Staff console: play buttons, filters that apply on change, and fetch() helpers with CSRF.
"use strict";
(function () {
  const player = new Audio();
  let playing = null;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.play");
    if (!button) return;
    if (playing === button) { player.pause(); return; }
    player.src = button.dataset.src;
    player.play().catch(() => { button.textContent = "Cannot play"; });
    if (playing) playing.textContent = "▶ Play";
    playing = button;
    button.textContent = "■ Stop";
  });
  const stopped = () => { if (playing) playing.textContent = "▶ Play"; playing = null; };
  player.addEventListener("pause", stopped);
  player.addEventListener("ended", stopped);

  // Buttons that undo staff work ask first (data-confirm on the form).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Filters: choosing a value shows the result at once (the Show button is for no-JS use).
  document.querySelectorAll("form.filters select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
