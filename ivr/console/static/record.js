// Record a prompt in the browser (MediaRecorder), then send it like an uploaded file.
// The server converts it and shows a preview; nothing goes live until staff press Publish.
"use strict";
(function () {
  const box = document.getElementById("recorder");
  if (!box || !window.MediaRecorder || !navigator.mediaDevices) return; // the file form remains
  box.hidden = false;
  const start = document.getElementById("record-start");
  const stop = document.getElementById("record-stop");
  const state = document.getElementById("record-state");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const msg = box.dataset; // the page's words, in the staffer's language
  let recorder = null;
  let chunks = [];

  start.addEventListener("click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      state.textContent = msg.msgDenied + " " + error.message;
      return;
    }
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((t) => t.stop());
      send(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
    });
    recorder.start();
    start.disabled = true;
    stop.disabled = false;
    const dot = document.createElement("span");
    dot.className = "rec-dot";
    dot.textContent = "● ";
    state.replaceChildren(dot, msg.msgRecording);
  });

  stop.addEventListener("click", () => {
    stop.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    state.textContent = msg.msgPreparing;
  });

  async function send(blob) {
    const ext = (blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm");
    const form = new FormData();
    form.append("audio", blob, "recording." + ext);
    try {
      const response = await fetch(box.dataset.upload, {
        method: "POST",
        body: form,
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
      const body = await response.json();
      if (response.ok && body.draft) {
        window.location.assign(body.draft);
        return;
      }
      state.textContent = msg.msgRefused + " " + (body.error || response.statusText);
    } catch (error) {
      state.textContent = msg.msgFailed + " " + error.message;
    }
    start.disabled = false;
  }
})();
