// The panes as the comparison says: layout (side by side, stacked, overlay with its opacity and
// which clip is on top), each side mirrored or not, the sync points, and the bar under them that
// shows where each clip lies on the shared timeline. Changes are saved for everyone (PATCH) and
// come back to every page as comparison.updated. Overlaid, both clips' drawings show over both
// pictures, and "Draw on" (this page's own choice, the top clip at first) says which clip the
// tools draw on: only that pane's canvas takes the pointer.
import { api } from "../lib/page.js";
import { $, canDraw, page, say, SIDES } from "./dom.js";
import { follow } from "./playback.js";
import { nudgedSync, sideTime } from "./sync.js";
import { setComparison, state } from "./state.js";
import { drawTimeline } from "./timeline.js";

export function applyComparison() {
  const comparison = state.comparison;
  const panes = $("panes");
  panes.className = `panes layout-${comparison.layout}${comparison.overlay_swapped ? " swapped" : ""}`;
  $("layout").value = comparison.layout;
  $("overlay-controls").hidden = comparison.layout !== "overlay";
  $("opacity").value = String(comparison.overlay_opacity);
  const overlay = comparison.layout === "overlay";
  const top = comparison.overlay_swapped ? "left" : "right";
  const bottom = top === "left" ? "right" : "left";
  const drawOn = drawingSide();
  for (const side of SIDES) {
    const pane = panes.querySelector(`.pane[data-side="${side}"]`);
    const picture = pane.querySelector(".pane-picture");
    pane.classList.toggle("mirrored", Boolean(comparison[side].mirror));
    pane.classList.toggle("top", overlay && side === top);
    pane.classList.toggle("drawing-here", overlay && side === drawOn);
    // the top clip's picture is see-through, its drawings (and the bottom one's) are not
    for (const part of picture.querySelectorAll("video, .pane-black")) part.style.opacity = overlay && side === top ? String(comparison.overlay_opacity) : "";
    $(`canvas-${side}`).style.pointerEvents = overlay && side !== drawOn ? "none" : "";
    // overlaid, the top picture takes the bottom one's size (as the export scales it)
    const video = comparison[overlay ? bottom : side].video;
    picture.style.aspectRatio = `${video.width || 16} / ${video.height || 9}`;
    $(`mirror-${side}`).checked = Boolean(comparison[side].mirror);
    $(`sync-${side}`).textContent = comparison[side].sync.toFixed(3);
  }
  for (const button of document.querySelectorAll("[data-draw-on]")) button.setAttribute("aria-pressed", String(button.dataset.drawOn === drawOn));
  drawTimeline();
  follow();
}

/** Overlaid, the clip the tools draw on: the one chosen here, else the top one. */
export function drawingSide() {
  if (state.drawOn) return state.drawOn;
  return state.comparison.overlay_swapped ? "left" : "right";
}

function chooseDrawingSide(side) {
  state.drawOn = side;
  applyComparison();
}

async function save(changes) {
  try {
    setComparison(await api(`comparisons/${page.comparison_id}`, { method: "PATCH", json: changes }));
    applyComparison();
  } catch (error) {
    say(`Not saved: ${error.message}`);
  }
}

/** Move one side's sync point (delta "±0.1" seconds or "±frame" of that side's rate). */
function nudge(side, delta) {
  const pane = state.panes[side];
  const seconds = delta.endsWith("frame") ? (delta.startsWith("-") ? -1 : 1) / pane.fps : Number(delta);
  const sync = nudgedSync(pane.sync, seconds, pane.duration);
  return save({ [side]: { sync } });
}

/** "Sync here": the frame this side shows now becomes its sync point. */
function syncHere(side) {
  const time = sideTime(state.time, state.timeline.offsets[side], state.panes[side].duration);
  if (time === null) {
    say("This clip is not playing here; move to where it shows.");
    return undefined;
  }
  return save({ [side]: { sync: nudgedSync(time, 0, state.panes[side].duration) } });
}

export function setupPanes() {
  $("layout").addEventListener("change", () => save({ layout: $("layout").value }));
  $("opacity").addEventListener("change", () => save({ overlay_opacity: Number($("opacity").value) }));
  $("opacity").addEventListener("input", () => {
    for (const part of document.querySelectorAll(".pane.top video, .pane.top .pane-black")) part.style.opacity = $("opacity").value; // at once; saved on release
  });
  for (const button of document.querySelectorAll("[data-draw-on]")) button.addEventListener("click", () => chooseDrawingSide(button.dataset.drawOn));
  $("swap").addEventListener("click", () => save({ overlay_swapped: !state.comparison.overlay_swapped }));
  for (const box of document.querySelectorAll(".mirror")) {
    box.disabled = !canDraw;
    box.addEventListener("change", () => save({ [box.dataset.side]: { mirror: box.checked } }));
  }
  $("layout").disabled = !canDraw;
  $("opacity").disabled = !canDraw;
  $("swap").disabled = !canDraw;
  for (const button of document.querySelectorAll("[data-nudge]")) {
    button.addEventListener("click", () => nudge(button.dataset.side, button.dataset.nudge));
  }
  for (const button of document.querySelectorAll("[data-sync-here]")) {
    button.addEventListener("click", () => syncHere(button.dataset.side));
  }
}
