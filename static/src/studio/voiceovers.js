// Voice-overs: recording one at the current time, playing them in sync with the video (the video's
// own sound ducked under them), and their entries in the list.
import { api, el } from "../lib/page.js";
import { $, canDraw, page, player, say, stage } from "./dom.js";
import { isShowing } from "./frames.js";
import { annotationKeep, listsChanged, state } from "./state.js";
import { remove } from "./tools.js";

const DUCKED_VOLUME = 0.2; // the video's own sound under the coach's voice

function voiceStatus(annotation) {
  if (annotation.audio_status === "ready") return `${annotation.duration.toFixed(1)} s`;
  return annotation.audio_status === "failed" ? `failed: ${annotation.audio_error}` : "processing…";
}

export function voiceItem(annotation) {
  const mine = annotation.author.id === page.user.id;
  const playAt = () => {
    player.currentTime = annotation.timestamp;
    player.play();
  };
  return el(
    "li",
    { class: "voice", "data-annotation-id": annotation.id, "data-status": annotation.audio_status },
    el("span", { class: "chip" }, annotation.author.username),
    ` at ${annotation.timestamp.toFixed(2)} s · ${voiceStatus(annotation)} `,
    annotation.audio_status === "ready"
      ? el("button", { type: "button", class: "small", "aria-label": `Play the voice-over at ${annotation.timestamp.toFixed(1)} seconds`, onclick: playAt }, "Play")
      : null,
    canDraw && mine ? el("button", { type: "button", class: "small danger", "aria-label": "Delete your voice-over", onclick: () => remove(annotation.id) }, "Delete") : null,
  );
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

/** Play the voice-overs that speak at `time` (while the video plays), pause the others. */
export function syncVoices(time) {
  let speaking = false;
  for (const annotation of state.annotations.values()) {
    if (annotation.type !== "voice_over" || annotation.audio_status !== "ready" || !annotation.audio_url) continue;
    const audio = state.audio.get(annotation.id);
    if (isShowing(annotation, time) && !player.paused) {
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
    player.volume = speaking ? DUCKED_VOLUME : 1;
    stage.dataset.ducked = String(speaking);
  }
}

async function upload(chunks, mimeType, timestamp) {
  const form = new FormData();
  form.append("video_id", page.video_id);
  form.append("timestamp", timestamp.toFixed(3));
  form.append("audio_file", new Blob(chunks, { type: mimeType || "audio/webm" }), "voice-over.webm");
  try {
    const saved = await api("annotations/voice-over", { method: "POST", body: form });
    annotationKeep(saved);
    $("record-time").textContent = "Processing the recording…";
    listsChanged();
  } catch (error) {
    $("record-time").textContent = "";
    say(`The recording was not saved: ${error.message}`);
  }
}

function showRecording(recording) {
  const button = $("record");
  button.textContent = recording ? "■ Stop recording" : "● Record at current time";
  button.setAttribute("aria-pressed", String(recording));
}

/** Start recording at the current time, or stop and upload the recording under way. */
export async function record() {
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
    stream.getTracks().forEach((track) => track.stop());
    state.recorder = null;
    showRecording(false);
    $("record-time").textContent = "Uploading…";
    await upload(chunks, recorder.mimeType, timestamp);
  };
  recorder.start(250);
  state.recorder = recorder;
  showRecording(true);
}
