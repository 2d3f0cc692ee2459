// The player and annotation studio: playback (HLS or MP4), frame stepping, loops, the timeline
// (storyboard previews, motion, markers), drawing on a canvas over the picture, voice-overs in
// sync, live collaboration, sharing, and a read-only mode.
import { api, ApiError, el, errorMessage, formatDuration, pageData, videoSocket } from "./lib/page.js";
import { angleDegrees, distanceTo, drawDrawing } from "./studio/render.js";

const page = pageData();
const $ = (id) => document.getElementById(id);
const player = $("player");
const stage = $("stage");
const overlay = $("overlay");
const ctx = overlay.getContext("2d");
const track = $("track");
const message = $("studio-message");
const canDraw = Boolean(page.can_annotate);

const state = {
  video: null,
  fps: 30,
  annotations: new Map(), // id -> annotation (drawings and voice-overs)
  mine: [], // ids of drawings I created, for undo
  tool: "pen",
  draft: null, // the shape being drawn
  selected: null,
  loop: { a: null, b: null },
  picture: { x: 0, y: 0, width: 0, height: 0 },
  storyboard: [],
  hls: null,
  ducked: false,
  audio: new Map(), // voice-over id -> <audio>
};

function say(text, kind = "error") {
  message.className = `message ${kind}`;
  message.textContent = text;
}

// --- Colours per author ------------------------------------------------------------------------
function authorColor(name) {
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 75% 60%)`;
}

// --- Playback ------------------------------------------------------------------------------------
function setSource(choice) {
  const time = player.currentTime;
  const wasPaused = player.paused;
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
  }
  if (choice === "auto" && state.video.hls_url && Hls && Hls.isSupported()) {
    state.hls = new Hls({ enableWorker: true, startPosition: time });
    state.hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) say(`Adaptive playback failed (${data.details}); pick a fixed quality.`);
    });
    state.hls.loadSource(state.video.hls_url);
    state.hls.attachMedia(player);
  } else if (choice === "auto" && state.video.hls_url && player.canPlayType("application/vnd.apple.mpegurl")) {
    player.src = state.video.hls_url;
  } else {
    const rendition = state.video.renditions.find((r) => r.quality === choice) || state.video.renditions[0];
    player.src = rendition.url;
  }
  player.addEventListener(
    "loadedmetadata",
    () => {
      if (time) player.currentTime = time;
      if (!wasPaused) player.play().catch(() => {});
      layout();
    },
    { once: true },
  );
}

let Hls = null; // hls.js, loaded only for adaptive playback (its own bundle chunk)

async function setupQuality() {
  if (state.video.hls_url && window.MediaSource) {
    try {
      Hls = (await import("hls.js")).default;
    } catch (error) {
      console.warn("hls.js did not load; playing MP4 renditions", error);
    }
  }
  const select = $("quality");
  const options = [];
  if (state.video.hls_url) options.push(el("option", { value: "auto" }, "Auto (adaptive)"));
  for (const r of state.video.renditions) {
    options.push(el("option", { value: r.quality }, `${r.quality.toUpperCase()} ${r.height}p`));
  }
  select.replaceChildren(...options);
  select.addEventListener("change", () => setSource(select.value));
  setSource(select.value);
}

function frameStep(direction) {
  player.pause();
  const frame = Math.round(player.currentTime * state.fps - 0.5);
  const target = Math.max(0, frame + direction);
  // the middle of the frame, so rounding never lands on its neighbour
  player.currentTime = Math.min(state.video.duration, (target + 0.5) / state.fps);
}

function setSpeed(value) {
  const select = $("speed");
  select.value = String(value);
  player.playbackRate = Number(select.value) || 1;
}

function stepSpeed(direction) {
  const values = [...$("speed").options].map((o) => Number(o.value));
  const index = values.indexOf(player.playbackRate);
  setSpeed(values[Math.max(0, Math.min(values.length - 1, index + direction))]);
}

function togglePlay() {
  if (player.paused) player.play().catch((error) => say(`Playback failed: ${error.message}`));
  else player.pause();
}

// --- Geometry: the canvas sits exactly on the picture ---------------------------------------------
function layout() {
  const box = player.getBoundingClientRect();
  const stageBox = stage.getBoundingClientRect();
  const vw = player.videoWidth || state.video?.width || 16;
  const vh = player.videoHeight || state.video?.height || 9;
  const scale = Math.min(box.width / vw, box.height / vh);
  const width = vw * scale;
  const height = vh * scale;
  const x = box.left - stageBox.left + (box.width - width) / 2;
  const y = box.top - stageBox.top + (box.height - height) / 2;
  state.picture = { x, y, width, height };
  const dpr = window.devicePixelRatio || 1;
  Object.assign(overlay.style, { left: `${x}px`, top: `${y}px`, width: `${width}px`, height: `${height}px` });
  overlay.width = Math.round(width * dpr);
  overlay.height = Math.round(height * dpr);
  drawMotion();
}

function normalised(event) {
  const box = overlay.getBoundingClientRect();
  const x = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
  const y = Math.max(0, Math.min(1, (event.clientY - box.top) / box.height));
  return [Number(x.toFixed(5)), Number(y.toFixed(5))];
}

// --- Rendering -------------------------------------------------------------------------------------
function visible(annotation, time) {
  return annotation.type === "drawing" && annotation.timestamp <= time && time < annotation.timestamp + annotation.duration;
}

function render() {
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { width, height } = state.picture;
  const time = player.currentTime;
  for (const annotation of state.annotations.values()) {
    if (visible(annotation, time)) {
      drawDrawing(ctx, annotation.drawing_data, width, height, { highlight: annotation.id === state.selected });
    }
  }
  if (state.draft) drawDrawing(ctx, state.draft, width, height);
  updateClock(time);
  syncVoices(time);
  if (state.loop.a !== null && state.loop.b !== null && time >= state.loop.b) player.currentTime = state.loop.a;
  requestAnimationFrame(render);
}

function updateClock(time) {
  const duration = state.video?.duration || 0;
  const ms = String(Math.floor((time % 1) * 1000)).padStart(3, "0");
  $("time").textContent = `${formatDuration(time) || "0:00"}.${ms} / ${formatDuration(duration)}`;
  $("frame-number").textContent = `frame ${Math.floor(time * state.fps + 1e-6)}`;
  $("played").style.width = `${duration ? (time / duration) * 100 : 0}%`;
  track.setAttribute("aria-valuenow", time.toFixed(2));
  $("play").textContent = player.paused ? "▶ Play" : "❚❚ Pause";
  $("play").setAttribute("aria-label", player.paused ? "Play" : "Pause");
}

// --- Drawing -----------------------------------------------------------------------------------
function setTool(tool) {
  state.tool = tool;
  state.draft = null;
  for (const button of document.querySelectorAll(".tool")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  }
  overlay.dataset.tool = tool;
}

function style() {
  return { color: $("color").value.toUpperCase(), width: Number($("width").value) };
}

function pickAt(event) {
  const box = overlay.getBoundingClientRect();
  const x = event.clientX - box.left;
  const y = event.clientY - box.top;
  let best = null;
  for (const annotation of state.annotations.values()) {
    if (!visible(annotation, player.currentTime)) continue;
    const distance = distanceTo(annotation.drawing_data, box.width, box.height, x, y);
    if (distance < 12 && (!best || distance < best.distance)) best = { annotation, distance };
  }
  return best && best.annotation;
}

function onPointerDown(event) {
  if (!canDraw) return;
  event.preventDefault();
  try {
    overlay.setPointerCapture(event.pointerId); // keep the stroke when the finger leaves the canvas
  } catch {
    /* a pointer the browser no longer tracks: draw without capture */
  }
  player.pause();
  const point = normalised(event);
  if (state.tool === "select") {
    const hit = pickAt(event);
    if (hit && hit.author.id !== page.user.id) {
      state.selected = null;
      say(`That drawing is ${hit.author.username}'s; you can delete only your own.`);
    } else {
      state.selected = hit ? hit.id : null;
      say("", "info");
    }
    $("delete-selected").disabled = !state.selected;
    return;
  }
  if (state.tool === "text") {
    placeText(point);
    return;
  }
  if (state.tool === "angle" && state.draft && state.draft.points.length === 3) {
    state.draft.points[2] = point; // the second click: the other end
    return;
  }
  state.draft = { tool_type: state.tool, points: state.tool === "pen" ? [point] : [point, point], ...style() };
  state.draftTime = player.currentTime;
}

function onPointerMove(event) {
  if (!state.draft) return;
  const point = normalised(event);
  const points = state.draft.points;
  if (state.tool === "pen") {
    const [lx, ly] = points[points.length - 1];
    if (Math.hypot(point[0] - lx, point[1] - ly) > 0.002 && points.length < 10000) points.push(point);
  } else {
    points[points.length - 1] = point;
  }
  if (state.tool === "angle" && points.length === 3) {
    const degrees = angleDegrees(points, state.picture.width, state.picture.height);
    say(`Angle ${degrees.toFixed(1)}°`, "info");
  }
}

function onPointerUp(event) {
  if (!state.draft) return;
  const draft = state.draft;
  if (draft.tool_type === "angle") {
    if (draft.points.length === 2) {
      draft.points.push(normalised(event)); // released at the joint: now aim the other arm
      return;
    }
  }
  if (draft.tool_type === "pen" && draft.points.length < 2) draft.points.push(draft.points[0]);
  state.draft = null;
  save(draft, state.draftTime);
}

function placeText(point) {
  const input = $("text-entry");
  input.hidden = false;
  input.value = "";
  Object.assign(input.style, {
    left: `${state.picture.x + point[0] * state.picture.width}px`,
    top: `${state.picture.y + point[1] * state.picture.height}px`,
  });
  input.focus();
  const time = player.currentTime;
  const finish = (keep) => {
    input.onkeydown = null;
    input.onblur = null; // hiding the input blurs it: finish once
    input.hidden = true;
    if (keep && input.value.trim()) save({ tool_type: "text", points: [point], text: input.value.trim(), ...style() }, time);
  };
  input.onkeydown = (event) => {
    if (event.key === "Enter") finish(true);
    if (event.key === "Escape") finish(false);
  };
  input.onblur = () => finish(true);
}

async function save(drawing, timestamp) {
  const temp = { id: `pending-${Math.random()}`, type: "drawing", timestamp, duration: Number($("duration").value) || 3, drawing_data: drawing, author: page.user };
  state.annotations.set(temp.id, temp);
  try {
    const saved = await api("annotations/drawing", {
      method: "POST",
      json: { video_id: page.video_id, timestamp: Number(timestamp.toFixed(4)), duration: temp.duration, drawing_data: drawing },
    });
    state.annotations.delete(temp.id);
    state.annotations.set(saved.id, saved);
    state.mine.push(saved.id);
    say(drawing.tool_type === "angle" ? `Saved: ${saved.angle_degrees.toFixed(1)}°` : "Saved.", "ok");
  } catch (error) {
    state.annotations.delete(temp.id);
    say(`Not saved: ${error.message}`);
  }
  refreshLists();
}

async function remove(id) {
  try {
    await api(`annotations/${id}`, { method: "DELETE" });
    state.annotations.delete(id);
    state.mine = state.mine.filter((mine) => mine !== id);
    if (state.selected === id) state.selected = null;
    if (canDraw) $("delete-selected").disabled = !state.selected;
    refreshLists();
  } catch (error) {
    say(`Could not delete: ${error.message}`);
  }
}

function undo() {
  const last = state.mine[state.mine.length - 1];
  if (last) remove(last);
  else say("Nothing of yours to undo.", "info");
}

// --- Timeline --------------------------------------------------------------------------------
function seekFromTrack(event) {
  const box = track.getBoundingClientRect();
  const fraction = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
  player.currentTime = fraction * (state.video.duration || 0);
}

function refreshLists() {
  const duration = state.video.duration || 1;
  const markers = [];
  const drawings = [];
  const voices = [];
  const sorted = [...state.annotations.values()].sort((a, b) => a.timestamp - b.timestamp);
  for (const annotation of sorted) {
    const left = `${(annotation.timestamp / duration) * 100}%`;
    const marker = el("button", {
      type: "button",
      class: `marker ${annotation.type}`,
      title: `${annotation.author.username} at ${annotation.timestamp.toFixed(2)} s`,
      "aria-label": `${annotation.type === "drawing" ? annotation.drawing_data.tool_type : "voice-over"} by ${annotation.author.username} at ${annotation.timestamp.toFixed(2)} seconds`,
      onclick: (event) => {
        event.stopPropagation();
        player.pause();
        player.currentTime = annotation.timestamp + 0.001;
      },
    });
    marker.style.left = left;
    marker.style.background = authorColor(annotation.author.username);
    markers.push(marker);
    if (annotation.type === "drawing") {
      const mine = annotation.author.id === page.user.id;
      drawings.push(
        el("li", { "data-annotation-id": annotation.id },
          el("span", { class: "chip" }, annotation.author.username),
          ` ${annotation.drawing_data.tool_type} at ${annotation.timestamp.toFixed(2)} s`,
          annotation.angle_degrees != null ? ` (${annotation.angle_degrees.toFixed(1)}°)` : "",
          canDraw && mine && !String(annotation.id).startsWith("pending")
            ? el("button", { type: "button", class: "small danger", "aria-label": `Delete your ${annotation.drawing_data.tool_type}`, onclick: () => remove(annotation.id) }, "Delete")
            : null),
      );
    } else {
      voices.push(voiceItem(annotation));
    }
  }
  $("markers").replaceChildren(...markers);
  $("drawing-list").replaceChildren(...(drawings.length ? drawings : [el("li", { class: "muted" }, "No drawings yet.")]));
  $("voice-list").replaceChildren(...(voices.length ? voices : [el("li", { class: "muted" }, "No voice-overs yet.")]));
  for (const chip of document.querySelectorAll(".chip")) chip.style.borderColor = authorColor(chip.textContent);
}

async function loadStoryboard() {
  if (!state.video.storyboard_url) return;
  try {
    const text = await (await fetch(state.video.storyboard_url)).text();
    const cues = text.split(/\n\n+/);
    const seconds = (stamp) => stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
    for (const cue of cues) {
      const match = cue.match(/([\d:.]+)\s+-->\s+([\d:.]+)\s*\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/);
      if (match) {
        const [, start, end, file, x, y, w, h] = match;
        state.storyboard.push({ start: seconds(start), end: seconds(end), url: new URL(file, state.video.storyboard_url).href, x: +x, y: +y, w: +w, h: +h });
      }
    }
  } catch {
    /* previews are a nicety */
  }
}

function showPreview(event) {
  const box = track.getBoundingClientRect();
  const fraction = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
  const time = fraction * (state.video.duration || 0);
  const preview = $("preview");
  const tile = state.storyboard.find((cue) => cue.start <= time && time < cue.end);
  preview.hidden = false;
  preview.style.left = `${fraction * 100}%`;
  $("preview-time").textContent = formatDuration(time) || "0:00";
  const image = $("preview-image");
  if (tile) {
    Object.assign(image.style, {
      width: `${tile.w}px`,
      height: `${tile.h}px`,
      backgroundImage: `url("${tile.url}")`,
      backgroundPosition: `-${tile.x}px -${tile.y}px`,
    });
    image.hidden = false;
  } else {
    image.hidden = true;
  }
}

async function loadMotion() {
  try {
    state.analysis = await api(`videos/${page.video_id}/analysis`);
    drawMotion();
  } catch {
    state.analysis = null;
  }
}

function drawMotion() {
  const canvas = $("motion");
  const analysis = state.analysis;
  const box = track.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width));
  canvas.height = 28;
  const c = canvas.getContext("2d");
  c.clearRect(0, 0, canvas.width, canvas.height);
  if (!analysis || !analysis.motion || !analysis.motion.length) return;
  const peak = Math.max(...analysis.motion, 1e-6);
  const step = canvas.width / analysis.motion.length;
  c.fillStyle = "rgba(61, 139, 253, 0.55)";
  analysis.motion.forEach((value, index) => {
    const h = (value / peak) * canvas.height;
    c.fillRect(index * step, canvas.height - h, Math.max(1, step - 1), h);
  });
  c.fillStyle = "#ffb020";
  for (const cut of analysis.scene_cuts || []) {
    c.fillRect((cut / (state.video.duration || 1)) * canvas.width - 1, 0, 2, canvas.height);
  }
}

// --- Voice-overs ------------------------------------------------------------------------------
function voiceItem(annotation) {
  const mine = annotation.author.id === page.user.id;
  const status = annotation.audio_status === "ready" ? `${annotation.duration.toFixed(1)} s` : annotation.audio_status === "failed" ? `failed: ${annotation.audio_error}` : "processing…";
  return el("li", { class: "voice", "data-annotation-id": annotation.id, "data-status": annotation.audio_status },
    el("span", { class: "chip" }, annotation.author.username),
    ` at ${annotation.timestamp.toFixed(2)} s · ${status} `,
    annotation.audio_status === "ready"
      ? el("button", { type: "button", class: "small", "aria-label": `Play the voice-over at ${annotation.timestamp.toFixed(1)} seconds`, onclick: () => { player.currentTime = annotation.timestamp; player.play(); } }, "Play")
      : null,
    canDraw && mine ? el("button", { type: "button", class: "small danger", "aria-label": "Delete your voice-over", onclick: () => remove(annotation.id) }, "Delete") : null);
}

function audioFor(annotation) {
  let audio = state.audio.get(annotation.id);
  if (!audio) {
    audio = new Audio(annotation.audio_url);
    audio.preload = "auto";
    audio.dataset.annotationId = annotation.id;
    state.audio.set(annotation.id, audio);
  }
  return audio;
}

function syncVoices(time) {
  let speaking = false;
  for (const annotation of state.annotations.values()) {
    if (annotation.type !== "voice_over" || annotation.audio_status !== "ready" || !annotation.audio_url) continue;
    const inside = time >= annotation.timestamp && time < annotation.timestamp + annotation.duration;
    const audio = state.audio.get(annotation.id);
    if (inside && !player.paused) {
      speaking = true;
      const voice = audioFor(annotation);
      const offset = time - annotation.timestamp;
      voice.playbackRate = player.playbackRate;
      if (Math.abs(voice.currentTime - offset) > 0.3) voice.currentTime = offset;
      if (voice.paused) voice.play().catch(() => {});
    } else if (audio && !audio.paused) {
      audio.pause();
    }
  }
  if (speaking !== state.ducked) {
    state.ducked = speaking;
    player.volume = speaking ? 0.2 : 1; // the video's own sound under the coach's voice
    stage.dataset.ducked = String(speaking);
  }
}

async function record() {
  const button = $("record");
  if (state.recorder) {
    state.recorder.stop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    say(`The microphone is not available: ${error.message}`);
    return;
  }
  player.pause();
  const timestamp = player.currentTime;
  const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
  const chunks = [];
  const started = Date.now();
  const ticker = setInterval(() => ($("record-time").textContent = `Recording ${((Date.now() - started) / 1000).toFixed(1)} s`), 200);
  recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
  recorder.onstop = async () => {
    clearInterval(ticker);
    stream.getTracks().forEach((track_) => track_.stop());
    state.recorder = null;
    button.textContent = "● Record at current time";
    button.setAttribute("aria-pressed", "false");
    $("record-time").textContent = "Uploading…";
    const form = new FormData();
    form.append("video_id", page.video_id);
    form.append("timestamp", timestamp.toFixed(3));
    form.append("audio_file", new Blob(chunks, { type: recorder.mimeType || "audio/webm" }), "voice-over.webm");
    try {
      const saved = await api("annotations/voice-over", { method: "POST", body: form });
      state.annotations.set(saved.id, saved);
      $("record-time").textContent = "Processing the recording…";
      refreshLists();
    } catch (error) {
      $("record-time").textContent = "";
      say(`The recording was not saved: ${error.message}`);
    }
  };
  recorder.start(250);
  state.recorder = recorder;
  button.textContent = "■ Stop recording";
  button.setAttribute("aria-pressed", "true");
}

// --- Live --------------------------------------------------------------------------------------
function onEvent(event) {
  const payload = event.payload || {};
  switch (event.type) {
    case "annotation.created":
    case "annotation.updated":
    case "voiceover.ready":
      if (payload.video_id && payload.video_id !== page.video_id) return;
      state.annotations.set(payload.id, payload);
      if (event.type === "voiceover.ready" && payload.author?.id === page.user.id) $("record-time") && ($("record-time").textContent = "Voice-over ready.");
      refreshLists();
      break;
    case "annotation.deleted":
      state.annotations.delete(payload.id);
      refreshLists();
      break;
    case "presence.joined":
    case "presence.left":
      showPresence(payload.viewers || []);
      break;
    case "video.progress":
      $("processing").textContent = `Processing ${payload.progress} %`;
      break;
    case "video.ready":
      location.reload();
      break;
    case "export.progress": {
      const job = exportsById.get(payload.id);
      if (job) {
        exportsById.set(payload.id, { ...job, state: "running", progress: payload.progress });
        showExports();
      }
      break;
    }
    case "export.ready":
    case "export.failed":
      refreshExport(payload.id);
      break;
    default:
      break;
  }
}

function showPresence(viewers) {
  $("presence").replaceChildren(
    ...viewers.map((viewer) => {
      const chip = el("li", { class: "chip", title: `${viewer.username} is here` }, viewer.username);
      chip.style.borderColor = authorColor(viewer.username);
      return chip;
    }),
  );
}

// --- Sharing (owner) ---------------------------------------------------------------------------
function setupShare() {
  const dialog = $("share-dialog");
  if (!dialog) return;
  const list = $("share-list");
  const shareMessage = $("share-message");
  const draw = () => {
    const shares = state.video.shares || [];
    list.replaceChildren(
      ...(shares.length
        ? shares.map((share) =>
            el("li", {}, `${share.username} · ${share.permission} `,
              el("button", { type: "button", class: "small danger", "aria-label": `Stop sharing with ${share.username}`, onclick: async () => {
                try {
                  await api(`videos/${page.video_id}/shares/${encodeURIComponent(share.username)}`, { method: "DELETE" });
                  state.video = await api(`videos/${page.video_id}`);
                  draw();
                } catch (error) {
                  shareMessage.textContent = error.message;
                }
              } }, "Remove")))
        : [el("li", { class: "muted" }, "Not shared with anyone yet.")]),
    );
  };
  $("share-open").addEventListener("click", () => {
    shareMessage.textContent = "";
    draw();
    dialog.showModal();
  });
  $("share-close").addEventListener("click", () => dialog.close());
  $("share-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = $("share-username").value.trim();
    if (!username) {
      shareMessage.textContent = "Type the username of the person to share with.";
      return;
    }
    try {
      await api(`videos/${page.video_id}/shares`, { method: "POST", json: { username, permission: $("share-permission").value } });
      state.video = await api(`videos/${page.video_id}`);
      $("share-username").value = "";
      shareMessage.className = "message ok";
      shareMessage.textContent = `Shared with ${username}.`;
      draw();
    } catch (error) {
      shareMessage.className = "message error";
      shareMessage.textContent = error instanceof ApiError ? error.message : String(error);
    }
  });
}

// --- Keyboard --------------------------------------------------------------------------------------
const TOOL_KEYS = { s: "select", p: "pen", l: "line", a: "arrow", r: "rectangle", e: "ellipse", g: "angle", t: "text" };

function onKey(event) {
  if (event.target.closest("input, textarea, select, dialog")) return;
  const key = event.key;
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    event.preventDefault();
    if (canDraw) undo();
  } else if (key === " ") {
    event.preventDefault();
    togglePlay();
  } else if (key === "," || key === "ArrowLeft") {
    event.preventDefault();
    frameStep(-1);
  } else if (key === "." || key === "ArrowRight") {
    event.preventDefault();
    frameStep(1);
  } else if (key === "[") {
    stepSpeed(-1);
  } else if (key === "]") {
    stepSpeed(1);
  } else if (key === "f" || key === "F") {
    toggleFullscreen();
  } else if ((key === "Delete" || key === "Backspace") && canDraw && state.selected) {
    remove(state.selected);
  } else if (canDraw && !event.ctrlKey && !event.metaKey && TOOL_KEYS[key.toLowerCase()]) {
    setTool(TOOL_KEYS[key.toLowerCase()]);
  }
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else stage.requestFullscreen().catch((error) => say(`Fullscreen is not available: ${error.message}`));
}

// --- Start -------------------------------------------------------------------------------------
async function loadAnnotations() {
  let url = `annotations?video_id=${page.video_id}`;
  while (url) {
    const data = await api(url);
    for (const annotation of data.results) state.annotations.set(annotation.id, annotation);
    url = data.next;
  }
}

// --- Exports ---------------------------------------------------------------------------------
const exportsById = new Map();

function exportItem(job) {
  const who = job.requested_by ? job.requested_by.username : "someone";
  const words =
    job.state === "succeeded"
      ? el("a", { href: job.url, download: "" }, `Download ${job.quality.toUpperCase()} MP4`)
      : job.state === "failed"
        ? `failed: ${job.error ? job.error.message : "unknown error"}`
        : `${job.state === "queued" ? "waiting" : "rendering"} ${job.progress || 0} %`;
  return el("li", { "data-export-id": job.id, "data-state": job.state }, el("span", { class: "chip" }, who), " ", words);
}

function showExports() {
  const items = [...exportsById.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map(exportItem);
  $("export-list").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No exports yet.")]));
}

async function refreshExport(id) {
  try {
    exportsById.set(id, await api(`videos/${page.video_id}/exports/${id}`));
    showExports();
  } catch {
    /* it was deleted with the video */
  }
}

async function setupExports() {
  const select = $("export-quality");
  select.replaceChildren(...state.video.renditions.map((r) => el("option", { value: r.quality }, `${r.quality.toUpperCase()} ${r.height}p`)));
  $("export-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const job = await api(`videos/${page.video_id}/exports`, {
        method: "POST",
        json: { quality: select.value, include_drawings: $("export-drawings").checked, include_voice_overs: $("export-voices").checked },
      });
      exportsById.set(job.id, job);
      showExports();
    } catch (error) {
      say(`The export could not start: ${error.message}`);
    }
  });
  try {
    for (const job of await api(`videos/${page.video_id}/exports`)) exportsById.set(job.id, job);
  } catch {
    /* listed again on the next event */
  }
  showExports();
}

async function start() {
  try {
    state.video = await api(`videos/${page.video_id}`);
  } catch (error) {
    say(`The video could not be loaded: ${errorMessage(error) || error.message}`);
    return;
  }
  state.fps = state.video.fps || 30;
  track.setAttribute("aria-valuemax", String(state.video.duration || 0));
  videoSocket(page.video_id, onEvent);
  if (state.video.status !== "ready") {
    const box = $("processing");
    box.hidden = false;
    box.textContent = state.video.status === "processing" ? `Processing ${state.video.progress} %` : state.video.message || `This video is ${state.video.status}.`;
    return;
  }
  await setupQuality();
  await Promise.all([loadAnnotations().catch((error) => say(error.message)), loadStoryboard(), loadMotion(), setupExports()]);
  refreshLists();
  new ResizeObserver(layout).observe(stage);
  document.addEventListener("fullscreenchange", layout);
  window.addEventListener("resize", layout);
  requestAnimationFrame(render);
}

$("play").addEventListener("click", togglePlay);
$("frame-back").addEventListener("click", () => frameStep(-1));
$("frame-forward").addEventListener("click", () => frameStep(1));
$("speed").addEventListener("change", () => setSpeed($("speed").value));
$("fullscreen").addEventListener("click", toggleFullscreen);
$("loop-a").addEventListener("click", () => setLoop("a"));
$("loop-b").addEventListener("click", () => setLoop("b"));
$("loop-clear").addEventListener("click", () => setLoop(null));
player.addEventListener("click", togglePlay);
player.addEventListener("ratechange", () => ($("speed").value = String(player.playbackRate)));
track.addEventListener("click", seekFromTrack);
track.addEventListener("pointermove", showPreview);
track.addEventListener("pointerleave", () => ($("preview").hidden = true));
document.addEventListener("keydown", onKey);
if (canDraw) {
  overlay.addEventListener("pointerdown", onPointerDown);
  overlay.addEventListener("pointermove", onPointerMove);
  overlay.addEventListener("pointerup", onPointerUp);
  for (const button of document.querySelectorAll(".tool")) button.addEventListener("click", () => setTool(button.dataset.tool));
  $("undo").addEventListener("click", undo);
  $("delete-selected").addEventListener("click", () => state.selected && remove(state.selected));
  $("record").addEventListener("click", record);
  setTool("pen");
} else {
  overlay.classList.add("readonly");
}
setupShare();

function setLoop(which) {
  if (which === null) state.loop = { a: null, b: null };
  else state.loop[which] = player.currentTime;
  if (state.loop.a !== null && state.loop.b !== null && state.loop.b <= state.loop.a) state.loop = { a: state.loop.b, b: state.loop.a };
  const range = $("loop-range");
  const duration = state.video?.duration || 1;
  range.hidden = state.loop.a === null || state.loop.b === null;
  if (!range.hidden) {
    range.style.left = `${(state.loop.a / duration) * 100}%`;
    range.style.width = `${((state.loop.b - state.loop.a) / duration) * 100}%`;
    say(`Looping ${state.loop.a.toFixed(2)}–${state.loop.b.toFixed(2)} s.`, "info");
  }
}

window.studio = { state, player }; // for people debugging in the console, and for the tests
start();
