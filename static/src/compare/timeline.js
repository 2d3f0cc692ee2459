// The shared timeline's picture of each clip: where it lies (from its offset for its length) and
// its motion bars (the video's analysis), so the two clips' movements line up at the sync point.
import { formatDuration } from "../lib/format.js";
import { api } from "../lib/page.js";
import { motionBars } from "../studio/positions.js";
import { parseStoryboard, tileAt } from "../studio/storyboard.js";
import { $, SIDES } from "./dom.js";
import { state } from "./state.js";
import { sideTime } from "./sync.js";

const motion = { left: null, right: null };
const storyboards = { left: [], right: [] };

export function drawTimeline() {
  const { offsets, duration, syncAt } = state.timeline;
  for (const side of SIDES) {
    Object.assign($(`extent-${side}`).style, {
      left: `${(offsets[side] / duration) * 100}%`,
      width: `${(state.panes[side].duration / duration) * 100}%`,
    });
    const canvas = $(`motion-${side}`);
    canvas.width = Math.max(1, Math.round(canvas.clientWidth));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight));
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!motion[side] || !motion[side].length) continue;
    ctx.fillStyle = side === "left" ? "#3d8bfd" : "#ffb020";
    for (const bar of motionBars(motion[side], canvas.width, canvas.height)) ctx.fillRect(bar.x, bar.y, bar.width, bar.height);
  }
  $("sync-mark").style.left = `${(syncAt / duration) * 100}%`;
}

export async function loadMotion() {
  await Promise.all(
    SIDES.map(async (side) => {
      try {
        motion[side] = (await api(`videos/${state.comparison[side].video_id}/analysis`)).motion || null;
      } catch {
        motion[side] = null; // no analysis (yet): the extent alone
      }
    }),
  );
  drawTimeline();
}

/** Each clip's storyboard (sprite tiles with their times), for the previews. */
export async function loadStoryboards() {
  await Promise.all(
    SIDES.map(async (side) => {
      const url = state.comparison[side].video?.storyboard_url;
      if (!url) return;
      try {
        storyboards[side] = parseStoryboard(await (await fetch(url)).text(), url, location.origin);
      } catch {
        storyboards[side] = []; // previews are a nicety
      }
    }),
  );
}

/** Hovering or dragging the shared timeline shows both clips at that moment, each at its own
 * time (black where a clip has not started or has ended), so a sync point can be found by eye. */
export function setupPreviews() {
  const scrub = $("scrub");
  scrub.addEventListener("pointermove", (event) => showPreviews(event.clientX));
  scrub.addEventListener("pointerleave", () => {
    $("compare-preview").hidden = true;
  });
}

export function showPreviews(clientX) {
  if (!state.timeline) return;
  const rect = $("scrub").getBoundingClientRect();
  const fraction = Math.max(0, Math.min(1, (clientX - rect.left) / Math.max(1, rect.width)));
  const time = fraction * state.timeline.duration;
  const preview = $("compare-preview");
  preview.hidden = false;
  preview.style.left = `${fraction * 100}%`;
  $("compare-preview-time").textContent = formatDuration(time) || "0:00";
  for (const side of SIDES) {
    const own = sideTime(time, state.timeline.offsets[side], state.panes[side].duration);
    const tile = own === null ? undefined : tileAt(storyboards[side], own);
    const image = $(`preview-${side}`);
    image.dataset.time = own === null ? "" : own.toFixed(3);
    if (tile) {
      Object.assign(image.style, {
        width: `${tile.w}px`,
        height: `${tile.h}px`,
        backgroundImage: `url("${tile.url}")`,
        backgroundPosition: `-${tile.x}px -${tile.y}px`,
      });
    } else {
      image.style.backgroundImage = "none"; // not started, ended, or no storyboard: black
    }
  }
}
