// The comparison page: two clips in lockstep from their sync point (compare/playback.js), the
// layout, mirror and sync nudges saved for everyone (compare/panes.js), drawing on either pane
// with the studio's rendering and frame rule (compare/drawing.js), live changes and presence
// (compare/live.js) and exports (compare/exports.js), around one state (compare/state.js).
import { api, errorMessage } from "./lib/page.js";
import { $, SIDES, page, say, videos } from "./compare/dom.js";
import { layoutCanvases, loadDrawings, loadOwnDrawings, render, setTool, setupDrawing } from "./compare/drawing.js";
import { setupExports } from "./compare/exports.js";
import { connect } from "./compare/live.js";
import { applyComparison, setupPanes } from "./compare/panes.js";
import { follow, pause, seek, setSpeed, step, togglePlay } from "./compare/playback.js";
import { setComparison, state } from "./compare/state.js";
import { drawTimeline, loadMotion, loadStoryboards, setupPreviews } from "./compare/timeline.js";

function rendition(video) {
  // A fixed MP4 for exact frame seeking: the rendition nearest 720 lines, else the first.
  const sorted = [...video.renditions].sort((a, b) => Math.abs(a.height - 720) - Math.abs(b.height - 720));
  return sorted[0];
}

function loaded(video) {
  return new Promise((resolve) => {
    if (video.readyState >= 1) resolve();
    else video.addEventListener("loadedmetadata", () => resolve(), { once: true });
  });
}

async function start() {
  try {
    setComparison(await api(`comparisons/${page.comparison_id}`));
  } catch (error) {
    say(`The comparison could not be loaded: ${errorMessage(error) || error.message}`);
    return;
  }
  for (const side of SIDES) videos[side].src = rendition(state.comparison[side].video).url;
  $("step-note").textContent = `one frame = 1/${Math.round(state.timeline.fps)} s`;
  applyComparison();
  connect();
  await Promise.all([
    ...SIDES.map((side) => loaded(videos[side])),
    loadDrawings().catch((error) => say(error.message)),
    setupExports(),
    loadMotion(),
    loadStoryboards(),
  ]);
  setupPreviews();
  seek(state.timeline.syncAt); // open at the sync point: the two moments side by side
  layoutCanvases();
  for (const side of SIDES) new ResizeObserver(layoutCanvases).observe(videos[side]);
  new ResizeObserver(drawTimeline).observe($("scrub"));
  requestAnimationFrame(render);
  document.body.dataset.ready = "1";
}

function onKey(event) {
  if (event.target.closest("input, select, textarea")) return;
  if (event.key === " ") {
    event.preventDefault();
    togglePlay();
  } else if (event.key === "," || event.key === "ArrowLeft") {
    step(-1);
  } else if (event.key === "." || event.key === "ArrowRight") {
    step(1);
  }
}

$("play").addEventListener("click", togglePlay);
$("frame-back").addEventListener("click", () => step(-1));
$("frame-forward").addEventListener("click", () => step(1));
$("to-sync").addEventListener("click", () => seek(state.timeline.syncAt));
$("speed").addEventListener("change", () => setSpeed($("speed").value));
$("scrub").addEventListener("input", () => seek(Number($("scrub").value)));
$("show-own").addEventListener("change", async () => {
  state.showOwn = $("show-own").checked;
  if (state.showOwn && !state.own.size) await loadOwnDrawings().catch((error) => say(error.message));
});
document.addEventListener("compare:seek", (event) => seek(event.detail));
document.addEventListener("keydown", onKey);
setupPanes();
setupDrawing();
if (document.querySelector(".tools")) setTool("pen");

window.compare = { state, videos, seek, step, pause, follow }; // for the console and the tests
start();
