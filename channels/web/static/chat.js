// Web chat: text and push-to-talk. Plain script, no build step; everything shown comes from
// the server's JSON (text nodes only, never HTML).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const t = config.text;
  const log = document.getElementById("log");
  const form = document.getElementById("ask");
  const input = document.getElementById("text");
  const talk = document.getElementById("talk");
  let grammar = [];  // titles of the choices on offer: short answers are heard against them

  function add(who, text, cls) {
    const item = document.createElement("div");
    item.className = "msg " + (cls || who);
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "you" ? t.you : (cls === "notice" ? t.notice : t.ransel);
    item.appendChild(label);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function showReplies(data) {
    grammar = [];
    (data.replies || []).forEach(function (reply) {
      const item = add("ransel", reply.text);
      if (reply.choices && reply.choices.length) {
        const box = document.createElement("div");
        box.className = "choices";
        reply.choices.forEach(function (choice) {
          grammar.push(choice.title);
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = choice.title;
          b.addEventListener("click", function () { box.remove(); send(choice.payload, choice.title); });
          box.appendChild(b);
        });
        item.appendChild(box);
      }
      if (reply.audio) {
        const audio = document.createElement("audio");
        audio.controls = true;
        audio.src = reply.audio;
        audio.setAttribute("aria-label", t.play_answer);
        item.appendChild(audio);
        if (config.readAloud || data.spoken) { audio.play().catch(function () {}); }
      }
    });
  }

  async function post(url, body, headers) {
    const response = await fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: Object.assign({"X-Requested-With": "ransel"}, headers || {})});
    if (response.status === 401) { window.location.reload(); return null; }
    if (response.status === 413) {  // over the server's body limit: its message, in our language
      const refused = await response.json();
      const text = refused.message[config.lang] || refused.message.nb;
      return {replies: [{text: text, choices: [], audio: null}]};
    }
    if (!response.ok) { throw new Error(String(response.status)); }
    return response.json();
  }

  async function send(text, shown) {
    add("you", shown || text);
    try {
      showReplies(await post(config.base + "/api/message", JSON.stringify({text: text}),
                             {"Content-Type": "application/json"}));
    } catch (e) { add("ransel", t.error); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  // Push-to-talk: hold the button (mouse, touch, pen), or Space/Enter once to start and once to stop.
  let recorder = null, chunks = [], stream = null;
  async function start() {
    if (recorder) { return; }
    try {
      stream = stream || await navigator.mediaDevices.getUserMedia({audio: true});
    } catch (e) { add("ransel", t.talk_unavailable); return; }
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
    recorder.addEventListener("stop", upload);
    recorder.start();
    talk.setAttribute("aria-pressed", "true");
    talk.textContent = talk.dataset.recording;
  }
  function stop() {
    if (!recorder) { return; }
    recorder.stop();
    recorder = null;
    talk.setAttribute("aria-pressed", "false");
    talk.textContent = talk.dataset.idle;
  }
  async function upload() {
    const blob = new Blob(chunks, {type: chunks.length ? chunks[0].type : "audio/webm"});
    const body = new FormData();
    body.append("audio", blob, "recording");
    grammar.forEach(function (title) { body.append("grammar", title); });
    try {
      const data = await post(config.base + "/api/voice", body);
      if (!data) { return; }
      if (data.heard) { add("you", "🎤 " + data.heard); }
      showReplies(data);
    } catch (e) { add("ransel", t.error); }
  }
  talk.addEventListener("pointerdown", function (e) { e.preventDefault(); start(); });
  ["pointerup", "pointerleave", "pointercancel"].forEach(function (name) {
    talk.addEventListener(name, stop);
  });
  talk.addEventListener("keydown", function (e) {
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      if (!e.repeat) { recorder ? stop() : start(); }
    }
  });

  // Reminders delivered to the page: shown when it opens and every minute after.
  async function notices() {
    try {
      const response = await fetch(config.base + "/api/notices", {credentials: "same-origin"});
      if (response.ok) {
        (await response.json()).notices.forEach(function (n) { add("ransel", n.text, "notice"); });
      }
    } catch (e) { /* offline for a moment: try again next time */ }
  }
  notices();
  setInterval(notices, 60000);

  document.querySelector("details.telegram").addEventListener("toggle", async function (e) {
    if (!e.target.open) { return; }
    const data = await post(config.base + "/api/telegram-code", "");
    if (!data) { return; }
    const box = document.getElementById("telegram-code");
    box.textContent = data.instructions + " ";
    const a = document.createElement("a");
    a.href = data.link;
    a.textContent = t.telegram_link;
    box.appendChild(a);
  });
}());
