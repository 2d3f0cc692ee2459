// The comparison page: two clips in lockstep from their sync point (compare/playback.js), each
// playing adaptive HLS or a fixed MP4 (compare/sources.js), the layout, mirror and sync nudges
// saved for everyone (compare/panes.js), the studio's tools on either pane (compare/drawing.js,
// editing with undo in compare/editing.js, the list in compare/list.js), live changes and
// presence (compare/live.js) and exports (compare/exports.js), around one state (compare/state.js).
import { editingKey } from "./lib/keys.js";
import { api, errorMessage } from "./lib/page.js";
import { $, canDraw, SIDES, page, say, videos } from "./compare/dom.js";
import { layoutCanvases, loadDrawings, loadOwnDrawings, render, setTool, setupDrawing } from "./compare/drawing.js";
import { redo, remove, undo } from "./compare/editing.js";
import { setupExports } from "./compare/exports.js";
import { refreshList } from "./compare/list.js";
import { connect } from "./compare/live.js";
import { applyComparison, setupPanes } from "./compare/panes.js";
import { follow, pause, play, seek, setSpeed, step, togglePlay } from "./compare/playback.js";
import { setSource, setupSources, sources } from "./compare/sources.js";
import { onListsChanged, setComparison, setTime, state } from "./compare/state.js";
import { seekTime } from "./compare/sync.js";
import { drawTimeline, loadMotion, loadStoryboards, setupPreviews } from "./compare/timeline.js";


/** Where a side's <video> must be for the shared time now (null: that side is black). */
function target(side) {
  return seekTime(state.time, state.timeline.offsets[side], state.panes[side].duration, state.panes[side].fps);
}

/** Another source for a pane (a person's pick, or the MP4 after HLS failed), at the same frame;
 * both panes wait (paused) for it, then play on if they were playing. */
async function choose(side, choice) {
  const wasPlaying = state.playing;
  if (wasPlaying) pause();
  await setSource(side, choice, target(side), choose);
  if (wasPlaying) play();
  else follow();
}

async function start() {
  try {
    setComparison(await api(`comparisons/${page.comparison_id}`));
  } catch (error) {
    say(`The comparison could not be loaded: ${errorMessage(error) || error.message}`);
    return;
  }
  setTime(state.timeline.syncAt); // open at the sync point: the two moments side by side
  $("step-note").textContent = `one frame = 1/${Math.round(state.timeline.fps)} s`;
  applyComparison();
  connect();
  await Promise.all([
    setupSources({ left: target("left"), right: target("right") }, choose),
    loadDrawings().catch((error) => say(error.message)),
    setupExports(),
    loadMotion(),
    loadStoryboards(),
  ]);
  setupPreviews();
  seek(state.timeline.syncAt);
  layoutCanvases();
  for (const side of SIDES) new ResizeObserver(layoutCanvases).observe(videos[side]);
  new ResizeObserver(drawTimeline).observe($("scrub"));
  requestAnimationFrame(render);
  document.body.dataset.ready = "1";
}

function onKey(event) {
  if (event.target.closest("input, select, textarea")) return;
  if (editingKey(event, { canDraw, undo, redo, remove, selected: () => state.selected, setTool })) return;
  const key = event.key;
  if (key === " ") {
    event.preventDefault();
    togglePlay();
  } else if (key === "," || key === "ArrowLeft") {
    step(-1);
  } else if (key === "." || key === "ArrowRight") {
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
document.addEventListener("keydown", onKey);
onListsChanged(refreshList);
setupPanes();
setupDrawing();
if (document.querySelector(".tools")) setTool("pen");

window.compare = { state, videos, sources, seek, step, pause, follow }; // for the console and the tests
start();
