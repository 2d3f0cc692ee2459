// The shared timeline's picture of each clip: where it lies (from its offset for its length) and
// its motion bars (the video's analysis), so the two clips' movements line up at the sync point.
import { api } from "../lib/page.js";
import { motionBars } from "../studio/positions.js";
import { $, SIDES } from "./dom.js";
import { state } from "./state.js";

const motion = { left: null, right: null };

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
