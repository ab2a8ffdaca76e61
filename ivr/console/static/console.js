// Staff console: play buttons, filters that apply on change, confirmations, the flow picture's
// zoom. Words staff read come from the page (data-*), so they are in the staffer's language.
"use strict";
(function () {
  const player = new Audio();
  let playing = null;
  let playLabel = "";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.play");
    if (!button) return;
    if (playing === button) { player.pause(); return; }
    player.src = button.dataset.src;
    if (playing) playing.textContent = playLabel;
    playLabel = button.textContent;
    player.play().catch(() => { button.textContent = "✕"; });
    playing = button;
    button.textContent = "■";
  });
  const stopped = () => { if (playing) playing.textContent = playLabel; playing = null; };
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

  // The flow picture: fit to the width of the screen, or bigger / smaller in steps.
  const wrap = document.getElementById("flow-wrap");
  const svg = wrap && wrap.querySelector("svg");
  if (svg) {
    const natural = svg.viewBox.baseVal.width;
    let scale = null; // null: fit to width
    const apply = () => {
      svg.style.width = scale === null ? "100%" : `${Math.round(natural * scale)}px`;
    };
    document.querySelectorAll("[data-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        const now = scale === null ? wrap.clientWidth / natural : scale;
        if (button.dataset.zoom === "fit") scale = null;
        else if (button.dataset.zoom === "in") scale = Math.min(now * 2, 3);
        else scale = Math.max(now / 2, 0.1);
        apply();
      });
    });
  }
})();
