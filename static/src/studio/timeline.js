// The timeline under the picture: seeking on the track, storyboard previews while hovering it,
// the motion bars with scene cuts, and one marker per annotation.
import { api, el, formatDuration } from "../lib/page.js";
import { authorColor } from "./authors.js";
import { $, page, player, track } from "./dom.js";
import { frameAt, frameMiddle } from "./frames.js";
import { fractionAt, markerLeft, motionBars, sceneCutX, timeAtFraction } from "./positions.js";
import { parseStoryboard, tileAt } from "./storyboard.js";
import { state } from "./state.js";

export function seekFromTrack(event) {
  const fraction = fractionAt(event.clientX, track.getBoundingClientRect());
  player.currentTime = timeAtFraction(fraction, state.video.duration);
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

/** The marker of an annotation on the track: a click jumps to it. */
export function markerButton(annotation) {
  const what = annotation.type === "drawing" ? annotation.drawing_data.tool_type : "voice-over";
  const at = annotation.timestamp.toFixed(2);
  const marker = el("button", {
    type: "button",
    class: `marker ${annotation.type}`,
    title: `${annotation.author.username} at ${at} s`,
    "aria-label": `${what} by ${annotation.author.username} at ${at} seconds`,
    onclick: (event) => {
      event.stopPropagation();
      player.pause();
      player.currentTime = frameMiddle(frameAt(annotation.timestamp, state.fps), state.fps);
    },
  });
  marker.style.left = markerLeft(annotation.timestamp, state.video.duration);
  marker.style.background = authorColor(annotation.author.username);
  return marker;
}
