// The timeline under the picture: seeking and scrubbing on the track (the picture follows the
// pointer), storyboard previews while hovering or dragging, the keys of a slider, and the motion
// bars with scene cuts. The markers are markers.js.
import { api, formatDuration } from "../lib/page.js";
import { $, page, player, track } from "./dom.js";
import { fractionAt, keyedTime, motionBars, sceneCutX, timeAtFraction } from "./positions.js";
import { parseStoryboard, tileAt } from "./storyboard.js";
import { state } from "./state.js";

let scrubbing = false;

function seekTo(event) {
  const fraction = fractionAt(event.clientX, track.getBoundingClientRect());
  player.currentTime = timeAtFraction(fraction, state.video.duration);
}

function onTrackDown(event) {
  if (event.button > 0 || !state.video?.duration) return;
  scrubbing = true;
  try {
    track.setPointerCapture(event.pointerId); // keep scrubbing when the pointer leaves the track
  } catch {
    /* a pointer the browser no longer tracks: a plain seek */
  }
  player.pause();
  seekTo(event);
  showPreview(event);
}

function onTrackMove(event) {
  if (!state.video?.duration) return;
  if (scrubbing) seekTo(event); // the picture follows the pointer
  showPreview(event);
}

function onTrackUp(event) {
  scrubbing = false;
  if (event.pointerType !== "mouse") hidePreview();
}

/** Home, End, PageUp and PageDown on the focused timeline (the arrows step frames everywhere). */
function onTrackKey(event) {
  const time = keyedTime(event.key, player.currentTime, state.video?.duration);
  if (time === null) return;
  event.preventDefault();
  event.stopPropagation();
  player.pause();
  player.currentTime = time;
}

/** Seeking, scrubbing with previews, and the slider's keys on the track. */
export function setupTimeline() {
  track.addEventListener("pointerdown", onTrackDown);
  track.addEventListener("pointermove", onTrackMove);
  track.addEventListener("pointerup", onTrackUp);
  track.addEventListener("pointercancel", onTrackUp);
  track.addEventListener("pointerleave", () => scrubbing || hidePreview());
  track.addEventListener("keydown", onTrackKey);
}

export async function loadStoryboard() {
  if (!state.video.storyboard_url) return;
  try {
    const text = await (await fetch(state.video.storyboard_url)).text();
    state.storyboard.push(...parseStoryboard(text, state.video.storyboard_url, location.origin));
  } catch {
    /* previews are a nicety */
  }
}

export function showPreview(event) {
  const fraction = fractionAt(event.clientX, track.getBoundingClientRect());
  const time = timeAtFraction(fraction, state.video.duration);
  const preview = $("preview");
  const tile = tileAt(state.storyboard, time);
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

export function hidePreview() {
  $("preview").hidden = true;
}

export async function loadMotion() {
  try {
    state.analysis = await api(`videos/${page.video_id}/analysis`);
    drawMotion();
  } catch {
    state.analysis = null;
  }
}

export function drawMotion() {
  const canvas = $("motion");
  const analysis = state.analysis;
  const box = track.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width));
  canvas.height = 28;
  const c = canvas.getContext("2d");
  c.clearRect(0, 0, canvas.width, canvas.height);
  if (!analysis || !analysis.motion || !analysis.motion.length) return;
  c.fillStyle = "rgba(61, 139, 253, 0.55)";
  for (const bar of motionBars(analysis.motion, canvas.width, canvas.height)) c.fillRect(bar.x, bar.y, bar.width, bar.height);
  c.fillStyle = "#ffb020";
  for (const cut of analysis.scene_cuts || []) {
    c.fillRect(sceneCutX(cut, state.video.duration, canvas.width), 0, 2, canvas.height);
  }
}
