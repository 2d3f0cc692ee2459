// The upload page: pick or drop a video, then a resumable tus upload with progress, speed and
// time left; Pause/Resume/Cancel; a reload (choose the same file again) resumes where it stopped.
import { Upload, defaultOptions } from "tus-js-client";
import { csrfToken, formatBytes, pageData } from "./lib/page.js";
import { describeUploadError, isFinal, serverError } from "./upload/errors.js";
import { UploadResult } from "./upload/result.js";
import { SpeedMeter, formatSpeed, formatTimeLeft } from "./upload/speed.js";

const data = pageData();
const MAX_BYTES = data.max_upload_bytes;
const CHUNK_BYTES = data.chunk_bytes || Infinity; // 0: the whole file in one PATCH (resumable all the same)
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
const $ = (id) => document.getElementById(id);

const form = $("upload-form");
const ui = form && {
  dropzone: $("dropzone"),
  choose: $("upload-choose"),
  input: $("upload-file"),
  limits: $("upload-limits"),
  fileInfo: $("upload-file-info"),
  note: $("upload-note"),
  title: $("upload-title"),
  description: $("upload-description"),
  progress: $("upload-progress"),
  bar: $("upload-bar"),
  fill: $("upload-bar-fill"),
  stats: $("upload-stats"),
  message: $("upload-message"),
  start: $("upload-start"),
  pause: $("upload-pause"),
  cancel: $("upload-cancel"),
  done: $("upload-done"),
  doneVideo: $("upload-done-video"),
  open: $("upload-open"),
  another: $("upload-another"),
};

// idle (no file) | ready | uploading | paused | failed | done
let state = "idle";
let file = null;
let previous = null; // a stored earlier upload of this same file: {upload, offset}
let upload = null;
let autoTitle = "";
let firstProgress = true;
let lastSent = 0; // bytes the server confirmed or was sent, for the paused display
const speed = new SpeedMeter();
const result = ui ? new UploadResult(ui.doneVideo) : null;

function tusOptions(extra = {}) {
  return {
    endpoint: data.tus_endpoint,
    chunkSize: CHUNK_BYTES,
    retryDelays: RETRY_DELAYS,
    headers: { "X-CSRFToken": csrfToken() },
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    ...extra,
  };
}

function setState(next) {
  state = next;
  form.dataset.state = next;
  const busy = next === "uploading" || next === "paused";
  ui.start.hidden = busy;
  ui.start.disabled = !file || next === "idle" || Boolean(tooLarge(file));
  ui.start.textContent = previous ? "Resume upload" : next === "failed" ? "Try again" : "Upload";
  ui.pause.hidden = !busy;
  ui.pause.textContent = next === "paused" ? "Resume" : "Pause";
  ui.cancel.hidden = !busy;
  ui.choose.disabled = busy;
  ui.input.disabled = busy;
  ui.title.readOnly = busy;
  ui.description.readOnly = busy;
  ui.dropzone.classList.toggle("dropzone--disabled", busy);
}

function say(message, { error = true } = {}) {
  ui.message.textContent = message;
  ui.message.hidden = !message;
  ui.message.classList.toggle("error", error);
}

function note(message) {
  ui.note.textContent = message;
  ui.note.hidden = !message;
}

function tooLarge(candidate) {
  if (!candidate || !MAX_BYTES || candidate.size <= MAX_BYTES) return "";
  return `This file is ${formatBytes(candidate.size)}, larger than the ${formatBytes(MAX_BYTES)} this service accepts. Trim or compress it, then try again.`;
}

function notAVideo(candidate) {
  const type = candidate.type || "";
  if (!type || type === "application/octet-stream" || type.startsWith("video/")) return "";
  return `“${candidate.name}” is not a video file (${type}). Choose an MP4, MOV, MKV or WebM video.`;
}

function titleFrom(name) {
  return name.replace(/\.[^.]+$/, "").replace(/[_.]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
}

async function choose(candidate) {
  if (!candidate || state === "uploading" || state === "paused") return;
  result.clear();
  ui.done.hidden = true;
  form.hidden = false;
  file = candidate;
  previous = null;
  note("");
  say("");
  showProgress(null);
  ui.fileInfo.textContent = `${candidate.name} · ${formatBytes(candidate.size)}`;
  if (!ui.title.value || ui.title.value === autoTitle) {
    autoTitle = titleFrom(candidate.name);
    ui.title.value = autoTitle;
  }
  const refusal = candidate.size === 0 ? "The file is empty." : tooLarge(candidate) || notAVideo(candidate);
  if (refusal) {
    file = null;
    say(refusal);
    setState("idle");
    return;
  }
  setState("ready");
  previous = await findPrevious(candidate);
  if (previous && file === candidate) {
    const percent = Math.floor((previous.offset / candidate.size) * 100);
    const stored = previous.upload.metadata || {};
    if (stored.title && (!ui.title.value || ui.title.value === autoTitle)) ui.title.value = autoTitle = stored.title;
    if (stored.description && !ui.description.value) ui.description.value = stored.description;
    note(`This file was already ${percent} % uploaded (${formatBytes(previous.offset)}). The upload resumes from there.`);
    setState("ready");
  }
}

/** An unfinished upload of this same file (same name, size, date) that the server still holds. */
async function findPrevious(candidate) {
  let stored = [];
  try {
    stored = await new Upload(candidate, tusOptions()).findPreviousUploads();
  } catch (error) {
    console.warn("Could not look for earlier uploads", error);
    return null;
  }
  stored.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
  for (const entry of stored) {
    const offset = await serverOffset(entry.uploadUrl);
    if (offset !== null) return { upload: entry, offset };
    await defaultOptions.urlStorage.removeUpload(entry.urlStorageKey); // finished, expired or gone
  }
  return null;
}

async function serverOffset(url) {
  try {
    const response = await fetch(url, { method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } });
    if (!response.ok) return null;
    const offset = parseInt(response.headers.get("Upload-Offset") || "", 10);
    return Number.isFinite(offset) ? offset : null;
  } catch {
    return null;
  }
}

function start() {
  if (!file || state === "uploading") return;
  const refusal = tooLarge(file);
  if (refusal) {
    say(refusal);
    return;
  }
  say("");
  const title = ui.title.value.trim() || titleFrom(file.name);
  ui.title.value = title;
  lastSent = previous ? previous.offset : 0;
  upload = new Upload(
    file,
    tusOptions({
      metadata: { filename: file.name, filetype: file.type || "", title, description: ui.description.value.trim() },
      onProgress,
      onSuccess,
      onError,
      onShouldRetry,
    }),
  );
  if (previous) upload.resumeFromPreviousUpload(previous.upload);
  begin();
}

function begin() {
  firstProgress = true;
  speed.reset();
  setState("uploading");
  showProgress(previous ? previous.offset : lastSent);
  upload.start();
}

function onProgress(sent, total) {
  if (firstProgress) {
    firstProgress = false;
    if (sent > 0) note(`Resuming at ${Math.floor((sent / total) * 100)} % — the ${formatBytes(sent)} already on the server are not sent again.`);
    else note("");
  }
  lastSent = sent;
  speed.sample(sent);
  showProgress(sent, total);
}

function showProgress(sent, total = file ? file.size : 0) {
  ui.progress.hidden = sent === null;
  if (sent === null) return;
  const percent = total ? Math.floor((sent / total) * 100) : 0;
  ui.bar.setAttribute("aria-valuenow", String(percent));
  ui.bar.setAttribute("aria-valuetext", `${percent} %`);
  ui.fill.style.width = `${percent}%`;
  if (total && sent >= total) {
    ui.stats.textContent = `100 % · ${formatBytes(total)} sent · checking the file (malware scan, format)…`;
    return;
  }
  const parts = [`${percent} %`, `${formatBytes(sent)} of ${formatBytes(total)}`];
  if (state === "uploading") {
    const rate = formatSpeed(speed.bytesPerSecond);
    if (rate) parts.push(rate, formatTimeLeft(speed.secondsLeft(total - sent)));
  } else if (state === "paused") {
    parts.push("paused");
  }
  ui.stats.textContent = parts.filter(Boolean).join(" · ");
}

function onShouldRetry(error, attempt) {
  const failure = serverError(error);
  const status = failure ? failure.status : 0;
  const retry = status === 0 || status >= 500 || status === 409 || status === 423;
  if (retry) {
    const delay = RETRY_DELAYS[attempt] || 0;
    note(`The connection had a problem; trying again${delay ? ` in ${Math.round(delay / 1000)} s` : ""} (attempt ${attempt + 1} of ${RETRY_DELAYS.length}).`);
    speed.reset();
  }
  return retry;
}

async function onSuccess() {
  const id = upload.url.replace(/\/+$/, "").split("/").pop();
  const title = ui.title.value.trim();
  const description = ui.description.value.trim();
  upload = null;
  previous = null;
  setState("done");
  note("");
  form.hidden = true;
  ui.done.hidden = false;
  ui.open.href = `/videos/${id}`;
  ui.done.querySelector("h2").focus();
  await result.show(id, { title, description });
}

async function onError(error) {
  const failure = serverError(error);
  const message = describeUploadError(error, { maxBytes: MAX_BYTES });
  if (isFinal(failure)) {
    // The server refused this file (too large, malware, not a video): forget it, start over.
    await forget(upload);
    upload = null;
    previous = null;
    file = null;
    ui.input.value = "";
    showProgress(null);
    note("");
    say(message);
    setState("idle");
    if (failure.status !== 401) console.info("Upload refused:", failure.code, failure.detail);
    return;
  }
  say(message);
  setState("paused");
  showProgress(lastSent);
}

async function forget(failed) {
  if (!failed || !failed.url) return;
  try {
    const stored = await failed.findPreviousUploads();
    for (const entry of stored) {
      if (failed.url.endsWith(entry.uploadUrl) || entry.uploadUrl.endsWith(new URL(failed.url, location.href).pathname)) {
        await defaultOptions.urlStorage.removeUpload(entry.urlStorageKey);
      }
    }
  } catch (error) {
    console.warn("Could not forget the refused upload", error);
  }
}

function pauseOrResume() {
  if (!upload) return;
  if (state === "uploading") {
    upload.abort();
    setState("paused");
    speed.reset();
    note("Paused. The bytes sent so far stay on the server; Resume continues from there.");
    showProgress(lastSent);
  } else if (state === "paused") {
    say("");
    previous = null;
    begin();
  }
}

async function cancel() {
  if (!upload) return;
  const current = upload;
  upload = null;
  ui.cancel.disabled = true;
  try {
    await current.abort(true); // DELETE: the server drops the bytes it holds
    note("The upload was cancelled and its bytes removed from the server.");
  } catch (error) {
    console.warn("Could not remove the cancelled upload", error);
    note("The upload was cancelled; the server removes its bytes within a day.");
  } finally {
    ui.cancel.disabled = false;
  }
  previous = null;
  showProgress(null);
  setState(file ? "ready" : "idle");
}

function reset() {
  result.clear();
  ui.done.hidden = true;
  form.hidden = false;
  file = null;
  previous = null;
  autoTitle = "";
  ui.input.value = "";
  ui.title.value = "";
  ui.description.value = "";
  ui.fileInfo.textContent = "";
  note("");
  say("");
  showProgress(null);
  setState("idle");
  ui.choose.focus();
}

function wire() {
  ui.limits.textContent = `MP4, MOV, MKV or WebM, up to ${formatBytes(MAX_BYTES)}. Interrupted uploads resume.`;
  ui.done.querySelector("h2").setAttribute("tabindex", "-1");
  ui.choose.addEventListener("click", () => ui.input.click());
  ui.input.addEventListener("change", () => choose(ui.input.files[0]));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
  ui.pause.addEventListener("click", pauseOrResume);
  ui.cancel.addEventListener("click", cancel);
  ui.another.addEventListener("click", reset);
  ui.dropzone.addEventListener("click", (event) => {
    if (event.target === ui.dropzone && !ui.choose.disabled) ui.input.click();
  });
  // Dropping anywhere on the page picks the file (and never navigates away to it).
  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => {
      event.preventDefault();
      ui.dropzone.classList.add("dropzone--over");
    });
  }
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) ui.dropzone.classList.remove("dropzone--over");
  });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    ui.dropzone.classList.remove("dropzone--over");
    const dropped = event.dataTransfer && event.dataTransfer.files[0];
    if (dropped) choose(dropped);
  });
  window.addEventListener("online", () => {
    if (state === "paused" && upload && !ui.message.hidden) pauseOrResume();
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "o" && !ui.choose.disabled && !form.hidden) {
      event.preventDefault();
      ui.input.click();
    } else if (event.key === "p" && upload) {
      event.preventDefault();
      pauseOrResume();
    }
  });
  setState("idle");
}

if (ui) wire();
