// The browser phone. It holds no call logic: the server runs the emulator against the real
// webhooks and answers with what the caller hears next and a signed token to continue.
// This page only plays prompts in order, lets a key cut them short (barge-in) and times out
// like Twilio: `timeout` seconds after the prompts end, or after the last key pressed.
"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  // The speed control (or ?speed=N) compresses call time (prompts and timeouts) for demos and
  // tests; real audio and speech play only at speed 1.
  const speedControl = $("speed");
  let speed = Math.max(Number(params.get("speed")) || 1, 0.1);
  if (![...speedControl.options].some((o) => Number(o.value) === speed)) {
    speedControl.add(new Option(`${speed}×`, String(speed)));
  }
  speedControl.value = String(speed);
  speedControl.addEventListener("change", () => {
    speed = Number(speedControl.value) || 1;
  });
  // Waiting for a key is compressed too, but never below what a person needs to press one
  // (at 20x a 6 s menu timeout would be 0.3 s), nor longer than the call itself would wait.
  const MIN_KEY_WAIT_MS = 1500;
  const keyWaitMs = (seconds) =>
    Math.max((seconds * 1000) / speed, Math.min(seconds * 1000, MIN_KEY_WAIT_MS));
  const base = location.pathname.replace(/\/$/, "");
  // Every sentence staff read comes from the page, in their language; {x} marks a value.
  const words = $("words").dataset;
  const say = (name, values) =>
    (words[name] || name).replace(/\{(\w+)\}/g, (_, key) => String((values || {})[key] ?? ""));
  const endings = {
    "<Hangup>": "endLine",
    "end of document": "endLine",
    "caller hung up": "endCaller",
    "you hung up": "endCaller",
    "application error": "endError",
    error: "endError",
  };
  const ending = (reason) =>
    say(endings[reason] || (String(reason).startsWith("<Reject") ? "endRefused" : "endLine"));
  const outcome = (name) =>
    words["outcome" + String(name).replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || name;

  let token = null;
  let gather = null; // the <Gather> waiting for keys
  let current = null; // the prompt playing now
  let callId = 0; // bumped by each new call or hang-up, so late answers of an old call are dropped

  // The captions follow the call unless staff scrolled back to read; they stay at the end
  // when the box changes size (the transfer buttons or a longer status take room).
  const atEnd = () => {
    const box = $("captions");
    return box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  };
  let following = true;
  $("captions").addEventListener("scroll", () => { following = atEnd(); });
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (following) $("captions").scrollTop = $("captions").scrollHeight;
    }).observe($("captions"));
  }

  function status(text) {
    $("status").textContent = text;
  }

  function line(text, kind, language) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    if (language) {
      const tag = document.createElement("span");
      tag.className = "lang";
      tag.textContent = language;
      li.appendChild(tag);
    }
    li.appendChild(document.createTextNode(text));
    if (kind === "event" || kind === "error") li.classList.add(kind);
    li.dataset.cut = say("cut");
    const box = $("captions");
    const pinned = following || atEnd();
    box.appendChild(li);
    if (pinned) box.scrollTop = box.scrollHeight; // the captions scroll in their own box
    return li;
  }

  async function api(path, body) {
    const response = await fetch(`${base}/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  // Plays one prompt; resolves when it ends or is stopped. Falls back to waiting its length
  // when the browser cannot play it (no audio device, no speech voices, headless).
  function play(prompt) {
    const text = prompt.type === "pause" ? say("pause", { s: prompt.seconds }) : prompt.text;
    const li = line(text, prompt.type, prompt.language);
    li.classList.add("playing");
    const started = performance.now();
    const lengthMs = (prompt.seconds * 1000) / speed;
    let finish;
    const done = new Promise((resolve) => {
      let over = false;
      let timer = null;
      let audio = null;
      finish = () => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        if (audio) audio.pause();
        if (prompt.type === "say" && speed === 1 && window.speechSynthesis) speechSynthesis.cancel();
        li.classList.remove("playing");
        resolve();
      };
      const wait = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, Math.max(0, lengthMs - (performance.now() - started)));
      };
      if (speed === 1 && prompt.type === "play" && prompt.url) {
        audio = new Audio(prompt.url);
        audio.onended = finish;
        audio.onerror = wait;
        audio.play().catch(wait);
      } else if (speed === 1 && prompt.type === "say" && window.speechSynthesis) {
        const utterance = new SpeechSynthesisUtterance(prompt.text);
        utterance.lang = prompt.language || "";
        utterance.onend = finish;
        utterance.onerror = wait;
        speechSynthesis.speak(utterance);
        // Some browsers never say "ended" without a voice: do not let the call hang on it.
        timer = setTimeout(finish, lengthMs * 2 + 2000);
      } else {
        wait();
      }
    });
    return {
      done,
      elapsed: () => ((performance.now() - started) / 1000) * speed,
      stop: () => {
        li.classList.add("interrupted");
        finish();
      },
    };
  }

  async function handle(answer, call) {
    for (const event of answer.events) {
      if (call !== callId) return;
      if (event.type === "say" || event.type === "play" || event.type === "pause") {
        // Outside a <Gather> Twilio does not listen for keys: these play to the end.
        current = play(event);
        await current.done;
        current = null;
      } else if (event.type === "gather") {
        line(event.outcome === "timeout" ? say("timedOut") : say("pressed", { keys: event.keys }), "event");
      } else if (event.type === "dial") {
        line(say("transferEnded", { outcome: outcome(event.outcome) }), "event");
      } else if (event.type === "hangup") {
        line(ending(event.reason), "event");
      } else if (event.type === "record") {
        line(say("recorded", { s: Number(event.seconds).toFixed(1) }), "event");
      } else if (event.type === "text") {
        line(`${say("textMessage")} ${event.body}`, "text");
      } else if (event.type === "error") {
        line(`${say("error")} ${event.message}`, "error");
      }
    }
    if (call !== callId) return;
    token = answer.token || null;
    const wait = answer.wait;
    if (wait.type === "gather") listen(wait, call);
    else if (wait.type === "dial") transfer(wait);
    else if (wait.type === "record") recordPanel(wait, call);
    else ended(wait.reason);
  }

  async function listen(wait, call) {
    const g = { wait, keys: "", bargeInAt: null, timer: null, heard: 0, playing: null, promptsOver: false, sent: false };
    gather = g;
    status(say("listening"));
    for (const prompt of wait.prompts) {
      if (call !== callId || g.keys) return;
      g.playing = play(prompt);
      current = g.playing;
      await g.playing.done;
      if (g.keys) return; // a key cut the prompts short
      g.heard += prompt.seconds;
    }
    current = null;
    g.playing = null;
    g.promptsOver = true;
    if (call !== callId || g.sent) return;
    status(say("waiting", { s: wait.timeout }));
    g.timer = setTimeout(() => submit(g), keyWaitMs(wait.timeout));
  }

  function press(key) {
    const button = document.querySelector(`.key[data-key="${CSS.escape(key)}"]`);
    if (button) {
      button.classList.add("pressed");
      setTimeout(() => button.classList.remove("pressed"), 150);
    }
    if (key === "#" && stopRecording()) return; // # ends a <Record>
    const g = gather;
    if (!g || g.sent) return; // keys outside a <Gather> do nothing, as on Twilio
    if (!g.keys && !g.promptsOver) {
      g.bargeInAt = g.heard + (g.playing ? g.playing.elapsed() : 0);
      if (g.playing) g.playing.stop();
    }
    clearTimeout(g.timer);
    g.keys += key;
    const { numDigits, finishOnKey, timeout } = g.wait;
    if ((finishOnKey && key === finishOnKey) || (numDigits && g.keys.length >= numDigits)) {
      submit(g);
    } else {
      // Twilio submits what it has once `timeout` seconds pass after the last key.
      g.timer = setTimeout(() => submit(g), keyWaitMs(timeout));
    }
  }

  async function submit(g) {
    if (g.sent) return;
    g.sent = true;
    clearTimeout(g.timer);
    if (gather === g) gather = null;
    const call = callId;
    status(say("sending"));
    try {
      const answer = await api("answer", { token, keys: g.keys || null, barge_in_at: g.bargeInAt });
      if (call === callId) await handle(answer, call);
    } catch (error) {
      line(String(error), "error");
      ended("error");
    }
  }

  // A staff call's <Record>: the microphone (# stops it, like on a phone), a sound file, or
  // nothing; the audio goes to the server, which records it as Twilio would.
  let recording = null; // { call, recorder, stream } while the microphone is on

  function recordPanel(wait, call) {
    $("record").hidden = false;
    $("record-file").value = "";
    status(say("recordStatus"));
    recording = { call, wait, recorder: null, stream: null };
  }

  async function sendRecording(blob, endedBy) {
    const mine = recording;
    recording = null;
    $("record").hidden = true;
    if (!mine || mine.call !== callId) return;
    let audio = null;
    if (blob) {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      audio = btoa(binary);
    }
    status(say("sending"));
    try {
      const answer = await api("answer", { token, audio, ended_by: endedBy });
      if (mine.call === callId) await handle(answer, mine.call);
    } catch (error) {
      line(String(error), "error");
      ended("error");
    }
  }

  $("record-mic").addEventListener("click", async () => {
    if (!recording || recording.recorder) return;
    try {
      recording.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      status(`${say("noMicrophone")} ${error.message}`);
      return;
    }
    const chunks = [];
    const recorder = new MediaRecorder(recording.stream);
    recording.recorder = recorder;
    recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", () => {
      if (recording && recording.stream) recording.stream.getTracks().forEach((t) => t.stop());
      sendRecording(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }), "#");
    });
    recorder.start();
    status(say("recording"));
    // The line stops listening at maxLength, as Twilio does (in real time: a voice cannot be
    // recorded faster, whatever the speed control says).
    setTimeout(() => { if (recorder.state !== "inactive") recorder.stop(); },
      recording.wait.maxLength * 1000);
  });

  $("record-silence").addEventListener("click", () => sendRecording(null, "timeout"));
  $("record-file").addEventListener("change", () => {
    const file = $("record-file").files[0];
    if (file) sendRecording(file, "#");
  });

  function stopRecording() {
    if (recording && recording.recorder && recording.recorder.state !== "inactive") {
      recording.recorder.stop();
      return true;
    }
    return false;
  }

  function transfer(wait) {
    const box = $("transfer");
    $("transfer-number").textContent = wait.numbers.map((n) => n.e164).join(", ");
    $("transfer-name").textContent = wait.numbers.map((n) => n.name).join(", ");
    box.hidden = false;
    status(say("transferStatus"));
    line(say("dialling", { number: wait.numbers.map((n) => n.e164).join(", ") }), "event");
  }

  async function transferEnds(outcome) {
    $("transfer").hidden = true;
    const call = callId;
    const answer = await api("answer", { token, outcome });
    if (call === callId) await handle(answer, call);
  }

  function ended(reason) {
    gather = null;
    token = null;
    $("transfer").hidden = true;
    $("call").disabled = false;
    $("hangup").disabled = true;
    status(`${ending(reason)} ${say("endAgain")}`);
  }

  async function call() {
    callId += 1;
    const mine = callId;
    $("captions").replaceChildren();
    $("call").disabled = true;
    $("hangup").disabled = false;
    status(say("ringing"));
    try {
      await handle(await api("call", { line: $("line").value }), mine);
    } catch (error) {
      line(String(error), "error");
      ended("error");
    }
  }

  function hangUp() {
    // A call the line placed (a callback) reports its end to the line: tell the server.
    if (token) api("hangup", { token }).catch(() => {});
    callId += 1;
    if (recording && recording.stream) recording.stream.getTracks().forEach((t) => t.stop());
    recording = null;
    $("record").hidden = true;
    if (current) current.stop();
    if (gather) clearTimeout(gather.timer);
    line(say("endCaller"), "event");
    ended("you hung up");
  }

  // -- a missed call, then the line calls back (development: the worker places the call
  // through the fake Calls API; this page asks every 2 s whether it rings) ------------------
  let ring = null;
  let polling = null;

  function waitForCallback(mine) {
    clearInterval(polling);
    const since = Date.now();
    polling = setInterval(async () => {
      if (mine !== callId) return clearInterval(polling);
      if (Date.now() - since > 300000) {
        clearInterval(polling);
        return status(say("noCallback"));
      }
      try {
        const answer = await api("ringing");
        if (mine !== callId || !answer.ringing) return;
        clearInterval(polling);
        ring = answer.ringing;
        $("incoming").hidden = false;
        status(say("incoming", { number: ring.from }));
        line(say("incoming", { number: ring.from }), "event");
      } catch (error) {
        clearInterval(polling);
        line(String(error), "error");
      }
    }, 2000);
  }

  async function missedCall() {
    callId += 1;
    const mine = callId;
    $("captions").replaceChildren();
    $("incoming").hidden = true;
    status(say("ringing"));
    try {
      await handle(await api("missed"), mine);
    } catch (error) {
      line(String(error), "error");
      return ended("error");
    }
    if (mine !== callId) return;
    status(say("missedWaiting"));
    waitForCallback(mine);
  }

  async function pickup(how) {
    $("incoming").hidden = true;
    if (!ring) return;
    callId += 1;
    const mine = callId;
    const sid = ring.sid;
    ring = null;
    line(outcome(how), "event");
    if (how === "human") {
      $("call").disabled = true;
      $("hangup").disabled = false;
    }
    try {
      await handle(await api("pickup", { sid, how }), mine);
    } catch (error) {
      line(String(error), "error");
      return ended("error");
    }
    if (how !== "human" && mine === callId) {
      status(say("notPickedUp", { outcome: outcome(how) }));
      waitForCallback(mine);
    }
  }

  if ($("missed")) {
    $("missed").addEventListener("click", missedCall);
    for (const button of document.querySelectorAll("[data-pickup]")) {
      button.addEventListener("click", () => pickup(button.dataset.pickup));
    }
  }

  $("call").addEventListener("click", call);
  $("hangup").addEventListener("click", hangUp);
  for (const button of document.querySelectorAll(".key")) {
    button.addEventListener("click", () => press(button.dataset.key));
  }
  for (const button of document.querySelectorAll("[data-outcome]")) {
    button.addEventListener("click", () => transferEnds(button.dataset.outcome));
  }
  document.addEventListener("keydown", (event) => {
    if ("0123456789*#".includes(event.key) && event.key.length === 1) press(event.key);
  });
})();
