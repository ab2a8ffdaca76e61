// The recording session: record in the browser (MediaRecorder), hear the checked take back,
// then keep it, record it again or skip it; the next part then comes by itself. The server
// decides everything (order, checks, what is kept); without JavaScript the file form works.
"use strict";
(function () {
  const box = document.getElementById("studio");
  const clip = document.getElementById("clip");
  if (!box || !clip || !window.MediaRecorder || !navigator.mediaDevices) return;
  box.hidden = false;
  const msg = box.dataset;
  const item = clip.dataset.item;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const record = document.getElementById("record");
  const stop = document.getElementById("stop");
  const state = document.getElementById("state");
  const review = document.getElementById("review");
  const player = document.getElementById("take-audio");
  const checks = document.getElementById("checks");
  let recorder = null;
  let chunks = [];
  let take = null;

  function say(text, error) {
    state.textContent = text;
    state.className = error ? "error" : "";
  }

  async function post(url, form) {
    const response = await fetch(url, {
      method: "POST",
      body: form || new FormData(),
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    return { ok: response.ok, body: body, status: response.statusText };
  }

  record.addEventListener("click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      say(msg.msgDenied + " " + error.message, true);
      return;
    }
    if (take) { await drop(); }
    review.hidden = true;
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((t) => t.stop());
      send(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
    });
    recorder.start();
    record.disabled = true;
    stop.disabled = false;
    stop.focus();
    say("● " + msg.msgRecording);
  });

  stop.addEventListener("click", () => {
    stop.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    say(msg.msgChecking);
  });

  async function send(blob) {
    const ext = blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm";
    const form = new FormData();
    form.append("item", item);
    form.append("audio", blob, "take." + ext);
    try {
      const reply = await post(msg.upload, form);
      if (reply.ok && reply.body.take) {
        take = reply.body.take;
        player.src = reply.body.audio;
        checks.textContent = reply.body.summary || "";
        review.hidden = false;
        say(msg.msgListen);
        player.play().catch(() => {});  // hear it back at once where the browser allows
        document.getElementById("keep").focus();
      } else {
        say(msg.msgRefused + " " + (reply.body.error || reply.status), true);
      }
    } catch (error) {
      say(msg.msgFailed + " " + error.message, true);
    }
    record.disabled = false;
  }

  async function drop() {
    const form = new FormData();
    form.append("item", item);
    await post(msg.again.replace("TAKE", take), form);
    take = null;
  }

  document.getElementById("keep").addEventListener("click", async () => {
    if (!take) return;
    const reply = await post(msg.keep.replace("TAKE", take));
    if (reply.body.next) window.location.assign(reply.body.next);
  });

  document.getElementById("again").addEventListener("click", async () => {
    if (take) await drop();
    review.hidden = true;
    say("");
    record.focus();
  });

  document.getElementById("skip").addEventListener("click", async () => {
    const form = new FormData();
    form.append("item", item);
    if (take) form.append("take", take);
    const reply = await post(msg.skip, form);
    if (reply.body.next) window.location.assign(reply.body.next);
  });
})();
