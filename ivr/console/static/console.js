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

  // The flow picture. It opens at its natural size (its words as big as the page's small
  // text; on a wide screen fitted to the width when that keeps them at 12 px or more),
  // scrolled to where every call starts. Buttons, pinch and Ctrl + wheel zoom around the
  // point being looked at (the middle of the box, the fingers, the pointer), which stays put.
  const wrap = document.getElementById("flow-wrap");
  const svg = wrap && wrap.querySelector("svg");
  if (svg) {
    const natural = svg.viewBox.baseVal.width;
    const tall = svg.viewBox.baseVal.height;
    const fontUnits = Number(wrap.dataset.font || 14);
    const readable = 12 / fontUnits; // the smallest scale whose text is still 12 px
    const MIN = 0.1;
    const MAX = 3;
    let scale = 1;
    const draw = () => {
      svg.style.width = `${natural * scale}px`;
      svg.style.height = `${tall * scale}px`;
    };
    // Zoom to `next`, keeping the picture's point under (x, y) of the box where it was.
    const zoomAt = (next, x, y) => {
      next = Math.min(MAX, Math.max(MIN, next));
      const px = (wrap.scrollLeft + x) / scale;
      const py = (wrap.scrollTop + y) / scale;
      scale = next;
      draw();
      wrap.scrollLeft = px * scale - x;
      wrap.scrollTop = py * scale - y;
      wrap.dataset.scale = scale.toFixed(3);
    };
    const fit = () => Math.min(1, wrap.clientWidth / natural);
    // The first view: fit the width if the words stay readable, else the natural size.
    scale = fit() >= readable ? fit() : 1;
    draw();
    wrap.dataset.scale = scale.toFixed(3);
    const start = svg.querySelector(".flow-start");
    if (start) {
      const box = start.getBoundingClientRect();
      const frame = wrap.getBoundingClientRect();
      wrap.scrollLeft += box.left - frame.left - 8;
      wrap.scrollTop += box.top - frame.top - wrap.clientHeight / 3;
    }
    // On a small screen the page's header fills the first screen: bring the title, the
    // zoom buttons and the picture into view together.
    if (wrap.getBoundingClientRect().bottom > window.innerHeight) {
      const title = document.querySelector("main h1");
      if (title) title.scrollIntoView({ block: "start" });
    }
    const middle = () => [wrap.clientWidth / 2, wrap.clientHeight / 2];
    document.querySelectorAll("[data-zoom]").forEach((button) => {
      button.addEventListener("click", () => {
        const [x, y] = middle();
        if (button.dataset.zoom === "fit") zoomAt(fit(), x, y);
        else if (button.dataset.zoom === "in") zoomAt(scale * 1.5, x, y);
        else zoomAt(scale / 1.5, x, y);
      });
    });
    wrap.addEventListener("wheel", (event) => {
      if (!event.ctrlKey) return; // a trackpad pinch arrives as Ctrl + wheel
      event.preventDefault();
      const frame = wrap.getBoundingClientRect();
      zoomAt(scale * Math.exp(-event.deltaY / 200), event.clientX - frame.left,
        event.clientY - frame.top);
    }, { passive: false });
    let pinch = null;
    const spread = (touches) => {
      const [a, b] = [touches[0], touches[1]];
      const frame = wrap.getBoundingClientRect();
      return {
        d: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY),
        x: (a.clientX + b.clientX) / 2 - frame.left,
        y: (a.clientY + b.clientY) / 2 - frame.top,
      };
    };
    wrap.addEventListener("touchstart", (event) => {
      if (event.touches.length !== 2) return;
      const s = spread(event.touches);
      pinch = { ...s, scale, px: (wrap.scrollLeft + s.x) / scale, py: (wrap.scrollTop + s.y) / scale };
    }, { passive: true });
    wrap.addEventListener("touchmove", (event) => {
      if (!pinch || event.touches.length !== 2) return;
      event.preventDefault();
      const s = spread(event.touches);
      scale = Math.min(MAX, Math.max(MIN, pinch.scale * s.d / Math.max(pinch.d, 1)));
      draw();
      // The point first pinched stays under the fingers, wherever they move.
      wrap.scrollLeft = pinch.px * scale - s.x;
      wrap.scrollTop = pinch.py * scale - s.y;
      wrap.dataset.scale = scale.toFixed(3);
    }, { passive: false });
    const stop = (event) => { if (event.touches.length < 2) pinch = null; };
    wrap.addEventListener("touchend", stop);
    wrap.addEventListener("touchcancel", stop);
  }
})();
