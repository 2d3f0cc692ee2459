// Resumable upload with tus-js-client: progress with speed and time left, resume after a network
// drop or a reload (the same file again), the server's refusals in words, then live processing.
import * as tus from "tus-js-client";
import { csrfToken, el, errorMessage, formatBytes, formatDuration, pageData, videoSocket } from "./lib/page.js";

const page = pageData();
const form = document.getElementById("upload");
const input = document.getElementById("file");
const dropzone = document.getElementById("dropzone");
const chosen = document.getElementById("chosen");
const startButton = document.getElementById("start");
const pauseButton = document.getElementById("pause");
const cancelButton = document.getElementById("cancel");
const box = document.getElementById("progress-box");
const bar = document.getElementById("progress");
const fill = document.getElementById("progress-fill");
const text = document.getElementById("progress-text");
const message = document.getElementById("upload-message");

let file = null;
let upload = null;
let paused = false;
let speed = null; // bytes per second, smoothed
let last = null; // {time, bytes}

function say(words, kind = "error") {
  message.className = `message ${kind}`;
  message.replaceChildren(...[words].flat());
}

function choose(picked) {
  if (!picked) return;
  file = picked;
  chosen.textContent = `${file.name} · ${formatBytes(file.size)}`;
  if (!form.title.value) form.title.value = file.name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").slice(0, 200);
  say("", "info");
  if (page.max_upload_bytes && file.size > page.max_upload_bytes) {
    say(`This file is ${formatBytes(file.size)}; the largest video this service accepts is ${formatBytes(page.max_upload_bytes)}.`);
    file = null;
  }
}

input.addEventListener("change", () => choose(input.files[0]));
dropzone.addEventListener("click", (event) => {
  if (event.target === dropzone || event.target.tagName === "P") input.click();
});
dropzone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    input.click();
  }
});
for (const name of ["dragenter", "dragover"]) {
  dropzone.addEventListener(name, (event) => {
    event.preventDefault();
    dropzone.classList.add("over");
  });
}
for (const name of ["dragleave", "drop"]) {
  dropzone.addEventListener(name, () => dropzone.classList.remove("over"));
}
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  choose(event.dataTransfer.files[0]);
});

function showProgress(sent, total) {
  const percent = total ? Math.floor((sent / total) * 100) : 0;
  bar.setAttribute("aria-valuenow", String(percent));
  fill.style.width = `${percent}%`;
  const now = performance.now();
  if (last && now - last.time > 250) {
    const rate = ((sent - last.bytes) * 1000) / (now - last.time);
    speed = speed === null ? rate : speed * 0.7 + rate * 0.3;
    last = { time: now, bytes: sent };
  } else if (!last) {
    last = { time: now, bytes: sent };
  }
  const parts = [`${percent} %`, `${formatBytes(sent)} of ${formatBytes(total)}`];
  if (speed && speed > 0) {
    parts.push(`${formatBytes(speed)}/s`);
    parts.push(`${formatDuration((total - sent) / speed) || "0:00"} left`);
  }
  text.textContent = parts.join(" · ");
}

function serverMessage(error) {
  const response = error && error.originalResponse;
  if (response) {
    try {
      const body = JSON.parse(response.getBody() || "{}");
      const words = errorMessage(body);
      if (words) return words;
    } catch {
      /* not JSON: fall through */
    }
    const status = response.getStatus();
    if (status === 413) return "The file is too large for this service.";
    if (status === 401 || status === 403) return "Your session ended: sign in again, then choose the file again to resume.";
  }
  return "The connection failed. Choose the same file again to resume where it stopped.";
}

function finished(videoId) {
  startButton.disabled = false;
  pauseButton.hidden = cancelButton.hidden = true;
  const status = el("span", { "data-testid": "processing-status" }, "Checking and processing…");
  say(["Uploaded. ", el("a", { href: `/videos/${videoId}` }, "Open the video"), " · ", status], "ok");
  videoSocket(videoId, (event) => {
    if (event.type === "video.progress") status.textContent = `Processing ${event.payload.progress} %`;
    if (event.type === "video.ready") status.textContent = "Ready to watch and annotate.";
    if (event.type === "video.failed") status.textContent = "Processing failed; see the library for why.";
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!file) {
    say("Choose a video first.");
    return;
  }
  if (!form.title.value.trim()) {
    say("Give the video a title.");
    form.title.focus();
    return;
  }
  say("", "info");
  startButton.disabled = true;
  box.hidden = false;
  speed = null;
  last = null;
  upload = new tus.Upload(file, {
    endpoint: page.tus_endpoint,
    chunkSize: page.tus_chunk_bytes || Infinity,
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    metadata: { filename: file.name, filetype: file.type, title: form.title.value.trim(), description: form.description.value },
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onBeforeRequest: (request) => request.setHeader("X-CSRFToken", csrfToken()),
    onProgress: showProgress,
    onShouldRetry: (error) => {
      const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
      return !(status >= 400 && status < 500 && status !== 409 && status !== 423);
    },
    onError: (error) => {
      startButton.disabled = false;
      pauseButton.hidden = cancelButton.hidden = true;
      say(serverMessage(error));
    },
    onSuccess: () => finished(upload.url.split("/").filter(Boolean).pop()),
  });
  const previous = await upload.findPreviousUploads();
  if (previous.length) {
    upload.resumeFromPreviousUpload(previous[0]);
    say("Resuming the earlier upload of this file…", "info");
  }
  pauseButton.hidden = cancelButton.hidden = false;
  pauseButton.textContent = "Pause";
  paused = false;
  upload.start();
});

pauseButton.addEventListener("click", () => {
  if (!upload) return;
  if (paused) {
    upload.start();
    pauseButton.textContent = "Pause";
  } else {
    upload.abort();
    pauseButton.textContent = "Resume";
  }
  paused = !paused;
});

cancelButton.addEventListener("click", async () => {
  if (!upload) return;
  await upload.abort(true); // terminate: the server deletes what it received
  box.hidden = true;
  startButton.disabled = false;
  pauseButton.hidden = cancelButton.hidden = true;
  say("Upload cancelled.", "info");
});
